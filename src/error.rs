//! The library's error type and the exit codes the binary maps it to.

use std::path::PathBuf;

/// Exit codes, documented in the README and `--help`.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// Success, with data-quality warnings (for example a file skipped under `--keep-going`).
    pub const WARNINGS: u8 = 1;
    /// Usage or input error: bad arguments, an unreadable or malformed input file.
    pub const INPUT: u8 = 2;
    /// Fetching from data.police.uk failed.
    pub const FETCH: u8 = 3;
    /// The output could not be written or published.
    pub const OUTPUT: u8 = 4;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Usage(String),

    #[error("{path}: no such file or directory")]
    InputNotFound { path: PathBuf },

    #[error("no stop-and-search files found in {0}")]
    NoInputs(String),

    /// A problem with one input file; `file` names it (for a zip member, `archive!member`).
    #[error("{file}: {problem}")]
    File { file: String, problem: FileProblem },

    #[error("population table {file}: {message}")]
    Population { file: String, message: String },

    #[error("settings file {file}: {message}")]
    Config { file: String, message: String },

    #[error("mapping file {file}: {message}")]
    Mapping { file: String, message: String },

    #[error("grounds rules {file}: {message}")]
    Grounds { file: String, message: String },

    #[error("query {file}: {message}")]
    Query { file: String, message: String },

    #[cfg(feature = "pipeline")]
    #[error("{what}: {source}")]
    Polars {
        what: String,
        #[source]
        source: polars::error::PolarsError,
    },

    /// Downloading from data.police.uk (or a mirror) failed after its retries.
    #[error("fetch {url}: {message}")]
    Fetch { url: String, message: String },

    /// Another run holds the lock on this output folder.
    #[error(
        "another stopsearch run is writing {} ({holder}); this run stops without touching it. \
         The lock is {}; it is released when that run ends.",
        out.display(),
        lock.display()
    )]
    Locked {
        out: PathBuf,
        lock: PathBuf,
        holder: String,
    },

    /// The new output was built but could not be put in place.
    #[error("could not publish the output: {0}")]
    Publish(String),

    #[error("could not write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A broken internal guarantee, such as rows read ≠ kept + rejected. Never expected.
    #[error("internal check failed: {0}")]
    Invariant(String),
}

/// Why an input file could not be used at all (row-level problems go to the rejects table).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileProblem {
    #[error(
        "unrecognised file name; expected YYYY-MM-<force>-stop-and-search.csv[.gz], a \
         data.police.uk archive .zip, or stops-force_<force>_<YYYY-MM>.json[.gz] (or give \
         --force and --month, or --mapping for a force extract)"
    )]
    UnrecognisedName,
    #[error("unknown force id `{0}`; see the README for the 44 force ids")]
    UnknownForce(String),
    #[error("empty file (no header line)")]
    Empty,
    #[error("not a data.police.uk stop-and-search header: {0}")]
    Header(String),
    #[error("could not read: {0}")]
    Read(String),
    #[error("corrupt or truncated {format} data: {message}")]
    Corrupt {
        format: &'static str,
        message: String,
    },
    #[error("decompressed size exceeds the limit of {limit} bytes; refusing to read further")]
    TooLarge { limit: u64 },
    #[error("not a stops-force API response: {0}")]
    Json(String),
    /// An extract that does not fit its mapping file (a column it names is not there).
    #[error("{0}")]
    Mapping(String),
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Fetch { .. } => exit::FETCH,
            Error::Write { .. } | Error::Locked { .. } | Error::Publish(_) => exit::OUTPUT,
            // A bug rather than bad input, but the run produced nothing usable either way.
            Error::Invariant(_) => exit::OUTPUT,
            _ => exit::INPUT,
        }
    }

    #[cfg(feature = "pipeline")]
    pub fn polars(what: impl Into<String>) -> impl FnOnce(polars::error::PolarsError) -> Error {
        let what = what.into();
        move |source| Error::Polars { what, source }
    }

    pub fn write(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Write { path, source }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
