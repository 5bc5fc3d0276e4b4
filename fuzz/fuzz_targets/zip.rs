//! data.police.uk archives through the real path: the input is written to `2024-09.zip`,
//! listed by `discover::discover` (which skips other datasets and refuses absolute member
//! names and names with `..`), and each stop-and-search member found is read by
//! `ingest::read::read` with the decompressed-size limit and parsed by the CSV reader.
//!
//! The first byte chooses how (the rest is the payload):
//! - bit 0 clear: the payload is the archive as is (damaged directories, bad offsets, bombs);
//! - bit 0 set: an archive is built here with one member, named by the payload's first line
//!   and holding the rest (stored, or deflated when bit 1 is set), so that mutations reach the
//!   name checks and the CSV reader with valid checksums. Reading the member must give back
//!   exactly its text, or refuse it as too large past the limit.
//!
//! Either way: a member whose name is absolute or has a `..` component (see
//! `unsafe_member_name`) never becomes a source.
#![no_main]

use std::io::{Cursor, Write};

use libfuzzer_sys::fuzz_target;
use stopsearch::input::source::{Kind, Stored};
use stopsearch_fuzz::{LIMIT, Outcome, discover_file, read_and_parse, unsafe_member_name};
use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

fn build(name: &str, text: &[u8], deflate: bool) -> Option<Vec<u8>> {
    let method = if deflate {
        CompressionMethod::Deflated
    } else {
        CompressionMethod::Stored
    };
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    // The writer refuses some names itself: nothing to read then.
    zip.start_file(
        name,
        SimpleFileOptions::default().compression_method(method),
    )
    .ok()?;
    zip.write_all(text).ok()?;
    Some(zip.finish().ok()?.into_inner())
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, payload)) = data.split_first() else {
        return;
    };
    let built = if mode & 1 != 0 {
        let cut = payload
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(payload.len());
        let name = String::from_utf8_lossy(&payload[..cut]).into_owned();
        let text = payload.get(cut + 1..).unwrap_or_default();
        let Some(archive) = build(&name, text, mode & 2 != 0) else {
            return;
        };
        Some((name, text, archive))
    } else {
        None
    };
    let archive = built.as_ref().map_or(payload, |(_, _, a)| &a[..]);
    let d = discover_file("2024-09.zip", archive);
    assert_eq!(d.files.len(), 1, "the archive is one input");
    for (source, _) in &d.superseded {
        let Kind::Stored(Stored::ZipMember { member, .. }) = &source.kind else {
            panic!("an archive yielded {:?}", source.kind);
        };
        assert!(
            !unsafe_member_name(member),
            "member {member:?} is absolute or has a `..` component, yet was listed"
        );
    }
    for source in &d.sources {
        let Stored::ZipMember { member, .. } = &source.kind else {
            panic!("an archive yielded {:?}", source.kind);
        };
        assert!(
            !unsafe_member_name(member),
            "member {member:?} is absolute or has a `..` component, yet was listed"
        );
        assert!(
            source.id.starts_with("2024-09.zip!"),
            "member id {:?}",
            source.id
        );
        let outcome = read_and_parse(source);
        if let Some((name, text, _)) = &built
            && name == member
        {
            match outcome {
                Outcome::Read(got) => assert!(got == *text, "member text changed in reading"),
                Outcome::TooLarge => assert!(
                    text.len() as u64 > LIMIT,
                    "{} bytes refused as larger than {LIMIT}",
                    text.len()
                ),
                Outcome::Unreadable => panic!("a valid member {member:?} was unreadable"),
            }
        }
    }
});
