//! Ingest: read every source in parallel into a [`RawBatch`], keeping each unreadable row
//! (with its line, reason and text) as a reject. For every source,
//! rows read = rows kept + rows rejected.

pub mod batch;
pub mod csv;
pub mod json;
pub mod read;

use rayon::prelude::*;

pub use batch::{LabelCol, RawBatch};

use crate::discover::{Kind, Source};
use crate::error::FileProblem;

/// A row that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    pub line: u32,
    pub reason: String,
    /// The row's text as found (invalid UTF-8 shown as U+FFFD), at most 4 KiB.
    pub raw: String,
}

/// What one source yielded.
#[derive(Debug, Default, Clone)]
pub struct Parsed {
    pub batch: RawBatch,
    pub rejects: Vec<Reject>,
    /// Data rows (records after the header) seen.
    pub rows_read: u32,
}

/// A source and what became of it.
#[derive(Debug)]
pub struct Ingested {
    pub source: Source,
    /// SHA-256 of the stored bytes; `None` if the file could not be read at all.
    pub sha256: Option<String>,
    pub result: Result<Parsed, FileProblem>,
}

/// Settings for reading.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest decompressed size accepted for one source.
    pub max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bytes: 1 << 30 }
    }
}

/// Reads one source.
pub fn ingest_one(source: Source, limits: Limits) -> Ingested {
    let bytes = match read::read(&source, limits.max_bytes) {
        Ok(b) => b,
        Err(problem) => {
            return Ingested {
                source,
                sha256: None,
                result: Err(problem),
            };
        }
    };
    let result = match source.kind {
        Kind::Csv { .. } | Kind::ZipMember { .. } => csv::parse(&bytes.data),
        Kind::Json { .. } => json::parse(&bytes.data),
    };
    Ingested {
        source,
        sha256: Some(bytes.sha256),
        result,
    }
}

/// Reads every source in parallel; the result keeps the order of `sources`.
pub fn ingest(sources: Vec<Source>, limits: Limits, on_done: impl Fn() + Sync) -> Vec<Ingested> {
    sources
        .into_par_iter()
        .map(|s| {
            let done = ingest_one(s, limits);
            on_done();
            done
        })
        .collect()
}
