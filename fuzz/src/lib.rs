//! What every fuzz target checks, and the scratch files the gzip and zip targets go through.
//!
//! A failed check panics, and libFuzzer reports a panic as a crash. The checks:
//! - rows read = rows kept + rows rejected;
//! - the kept rows' columns all have one value per row, and every label code points into its
//!   dictionary (or is the null code);
//! - a reject keeps at most 4096 characters of its row;
//! - line numbers: in file order within the kept rows and within the rejects (CSV), or exactly
//!   the positions 1..=n of the array (JSON);
//! - the decompressed size bound: what a reader returns is never larger than the limit;
//! - zip member names that are absolute or have a `..` component are never listed.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use stopsearch::error::FileProblem;
use stopsearch::input::discover::{self, Discovery, NameOverride};
use stopsearch::input::ingest::batch::NULL;
use stopsearch::input::ingest::{Parsed, csv, json, read};
use stopsearch::input::source::{FileSource, Stored};

/// Decompressed-size limit used by the gzip and zip targets: smaller than the largest input
/// (64 KiB), so that both sides of the bound are reached, and small enough that a compression
/// bomb is refused in microseconds. The code path is the same for any limit.
pub const LIMIT: u64 = 16 * 1024;

/// Longest raw text a reject keeps, in characters (4096 bytes of input, each undecodable
/// sequence shown as one U+FFFD).
const MAX_RAW_CHARS: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

/// Checks the invariants of a successful parse. `input` is the text that was parsed.
pub fn check_parsed(p: &Parsed, format: Format, input: &[u8]) {
    let kept = p.batch.len();
    assert_eq!(
        p.rows_read as usize,
        kept + p.rejects.len(),
        "rows read != rows kept + rows rejected ({kept} kept, {} rejected)",
        p.rejects.len()
    );
    let b = &p.batch;
    assert_eq!(b.datetime.len(), kept, "datetime column length");
    assert_eq!(b.latitude.len(), kept, "latitude column length");
    assert_eq!(b.longitude.len(), kept, "longitude column length");
    for (i, labels) in b.labels.iter().enumerate() {
        assert_eq!(labels.codes.len(), kept, "label column {i} length");
        for &code in &labels.codes {
            assert!(
                code == NULL || (code as usize) < labels.dict.len(),
                "label column {i}: code {code} outside a dictionary of {}",
                labels.dict.len()
            );
        }
        for value in &labels.dict {
            assert!(
                !value.is_empty() && value.trim() == &**value,
                "label column {i}: dictionary entry {value:?} is empty or untrimmed"
            );
        }
    }
    assert!(b.grounds.is_none(), "grounds only come from extracts");
    assert!(b.recoded as usize <= kept, "more rows recoded than kept");
    for r in &p.rejects {
        assert!(
            r.raw.chars().count() <= MAX_RAW_CHARS,
            "reject on line {} keeps {} characters",
            r.line,
            r.raw.chars().count()
        );
        assert!(!r.reason.is_empty(), "reject without a reason");
    }
    let reject_lines: Vec<u32> = p.rejects.iter().map(|r| r.line).collect();
    match format {
        Format::Csv => {
            // Lines count line feeds from the header's line 1.
            let last_line = 1 + memchr_count(input) as u32;
            for lines in [&b.line[..], &reject_lines[..]] {
                assert!(
                    lines.windows(2).all(|w| w[0] <= w[1]),
                    "line numbers out of file order: {lines:?}"
                );
                assert!(
                    lines.iter().all(|&l| (1..=last_line).contains(&l)),
                    "line number outside 1..={last_line}: {lines:?}"
                );
            }
        }
        Format::Json => {
            let mut all: Vec<u32> = b.line.iter().chain(&reject_lines).copied().collect();
            all.sort_unstable();
            assert!(
                all.iter().copied().eq(1..=p.rows_read),
                "JSON positions are not 1..={}: {all:?}",
                p.rows_read
            );
        }
    }
}

fn memchr_count(input: &[u8]) -> usize {
    input.iter().filter(|&&b| b == b'\n').count()
}

/// Parses with the reader for `format` and checks the result. A file-level error (empty, bad
/// header, not JSON) is an allowed outcome; only a panic or a broken invariant is a finding.
pub fn parse_and_check(format: Format, data: &[u8]) -> Option<Parsed> {
    let result = match format {
        Format::Csv => csv::parse(data),
        Format::Json => json::parse(data),
    };
    match result {
        Ok(p) => {
            check_parsed(&p, format, data);
            Some(p)
        }
        Err(problem) => {
            // Every problem renders as a message (the error type's Display must not panic).
            assert!(!problem.to_string().is_empty());
            None
        }
    }
}

/// A folder of this process's own for the files the gzip and zip targets write: under
/// `$STOPSEARCH_FUZZ_SCRATCH` (run.sh sets it and removes it afterwards), else under /dev/shm
/// (memory, so a file per input costs microseconds), else the temporary folder.
pub fn scratch_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = std::env::var_os("STOPSEARCH_FUZZ_SCRATCH")
            .map(PathBuf::from)
            .or_else(|| {
                let shm = Path::new("/dev/shm");
                shm.is_dir().then(|| shm.to_owned())
            })
            .unwrap_or_else(std::env::temp_dir);
        let dir = base.join(format!("stopsearch-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("creating the scratch folder");
        dir
    })
}

/// Writes `data` to the scratch file `name` and runs discovery on it, as the command line
/// does for a file given by path.
pub fn discover_file(name: &str, data: &[u8]) -> Discovery {
    let path = scratch_dir().join(name);
    std::fs::write(&path, data).expect("writing the scratch file");
    discover::discover(&[path], &NameOverride::default(), &[])
        .expect("discovery fails only for a missing input")
}

/// What reading one source came to.
pub enum Outcome {
    /// Read and parsed (or refused by the parser as a whole file): the decompressed bytes.
    Read(Vec<u8>),
    TooLarge,
    /// Unreadable: corrupt data, a missing member, ...
    Unreadable,
}

/// Reads a source the way `ingest::ingest_one` does (`read::read` with the limit, then the
/// parser for its kind), checking the size bound and the parse invariants.
pub fn read_and_parse(source: &FileSource) -> Outcome {
    let format = match &source.kind {
        Stored::Csv { .. } | Stored::ZipMember { .. } => Format::Csv,
        Stored::Json { .. } => Format::Json,
    };
    match read::read(source, LIMIT) {
        Ok(bytes) => {
            assert!(
                bytes.data.len() as u64 <= LIMIT,
                "read {} bytes past the limit of {LIMIT}",
                bytes.data.len()
            );
            assert_eq!(bytes.sha256.len(), 64, "sha256 is 64 hex digits");
            parse_and_check(format, &bytes.data);
            Outcome::Read(bytes.data)
        }
        Err(FileProblem::TooLarge { limit }) => {
            assert_eq!(limit, LIMIT);
            Outcome::TooLarge
        }
        Err(problem) => {
            assert!(!problem.to_string().is_empty());
            Outcome::Unreadable
        }
    }
}

/// Whether a zip member name is one that listing must refuse: absolute (`/x`, `\x`, a UNC
/// `\\server\share`, a drive `C:`), with a `..` component (`/` and `\` both read as
/// separators), or holding a NUL. The rule as discover.rs words it when it refuses one: "member
/// path is absolute or contains `..`". (Members are read by name and never extracted, so this
/// is the stated rule rather than a path-traversal risk.)
pub fn unsafe_member_name(name: &str) -> bool {
    name.contains('\0')
        || name.starts_with(['/', '\\'])
        || matches!(name.as_bytes(), [drive, b':', ..] if drive.is_ascii_alphabetic())
        || name.split(['/', '\\']).any(|part| part == "..")
}
