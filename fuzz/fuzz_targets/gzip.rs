//! `.csv.gz` and `.json.gz` sources through the real path: the input is written to a file with
//! a data.police.uk name, found by `discover::discover`, read by `ingest::read::read` with the
//! decompressed-size limit, and parsed by the CSV or JSON reader.
//!
//! The first byte chooses how (the rest is the payload):
//! - bit 0 clear: the payload is the stored `.gz` file as is (corrupt, truncated, bombs, ...);
//! - bit 0 set: the payload is the *decompressed* text, gzipped here (in two gzip members when
//!   bit 1 is set; level from bits 4-7), so that the fuzzer's mutations reach the parser, and
//!   reading must give back exactly the payload, or refuse it as too large past the limit;
//! - bit 2: `.json.gz` (API response) instead of `.csv.gz`.
#![no_main]

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use libfuzzer_sys::fuzz_target;
use stopsearch::input::source::Stored;
use stopsearch_fuzz::{LIMIT, Outcome, discover_file, read_and_parse};

fn gzip(parts: &[&[u8]], level: u32) -> Vec<u8> {
    let mut out = Vec::new();
    for part in parts {
        let mut enc = GzEncoder::new(Vec::new(), Compression::new(level));
        enc.write_all(part).expect("writing to memory");
        out.extend(enc.finish().expect("writing to memory"));
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, payload)) = data.split_first() else {
        return;
    };
    let json = mode & 4 != 0;
    let name = if json {
        "stops-force_metropolitan_2024-09.json.gz"
    } else {
        "2024-09-metropolitan-stop-and-search.csv.gz"
    };
    let build = mode & 1 != 0;
    let stored = if build {
        let level = u32::from(mode >> 4).min(9);
        if mode & 2 != 0 {
            let (a, b) = payload.split_at(payload.len() / 2);
            gzip(&[a, b], level)
        } else {
            gzip(&[payload], level)
        }
    } else {
        payload.to_vec()
    };
    let d = discover_file(name, &stored);
    assert!(d.problems.is_empty(), "{name} refused: {:?}", d.problems);
    assert_eq!(d.sources.len(), 1, "{name} is one source");
    let source = &d.sources[0];
    assert_eq!(
        source.kind,
        if json {
            Stored::Json { gzip: true }
        } else {
            Stored::Csv { gzip: true }
        }
    );
    let outcome = read_and_parse(source);
    if build {
        match outcome {
            Outcome::Read(text) => assert!(text == payload, "gunzip did not give back the text"),
            Outcome::TooLarge => assert!(
                payload.len() as u64 > LIMIT,
                "{} bytes refused as larger than {LIMIT}",
                payload.len()
            ),
            Outcome::Unreadable => panic!("a valid gzip file was unreadable"),
        }
    }
});
