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
    /// A check the program makes on itself failed (a bug): nothing was published.
    pub const INTERNAL: u8 = 5;
}

/// An error and its causes, outermost first, as one line: `a: b: c`.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
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
    #[error("{file}")]
    File {
        file: String,
        #[source]
        problem: FileProblem,
    },

    /// A boundaries file that cannot be used (not GeoJSON, no district codes, projected
    /// coordinates, invalid geometry).
    #[error(transparent)]
    Boundaries(#[from] crate::geography::Error),

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

    /// Polars could not run a query (a SQL error, an unknown column or table).
    #[cfg(feature = "pipeline")]
    #[error("query {file}")]
    QueryFailed {
        file: String,
        #[source]
        source: polars::error::PolarsError,
    },

    /// A table the figures, charts or report read lacks a column they need, or has it with
    /// the wrong type: the SQL file that makes it was changed.
    #[error(
        "{file}: table `{table}`, column `{column}`: {problem}; the figures, charts and          report read this column"
    )]
    Contract {
        file: String,
        table: String,
        column: String,
        problem: String,
    },

    #[cfg(feature = "pipeline")]
    #[error("{what}")]
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

    #[error("could not write {path}")]
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
    #[error("could not read")]
    Read(#[source] Cause),
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

/// The underlying error of a [`FileProblem`], shareable so the problem can be copied into the
/// coverage table, the manifest and the summary.
#[derive(Debug, Clone)]
pub struct Cause(std::sync::Arc<dyn std::error::Error + Send + Sync>);

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

/// Two causes are the same problem when they say the same.
impl PartialEq for Cause {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_string() == other.0.to_string()
    }
}

impl Eq for Cause {}

impl FileProblem {
    /// The file (or its listing) could not be read, for this reason.
    pub fn read(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> FileProblem {
        FileProblem::Read(Cause(std::sync::Arc::from(cause.into())))
    }

    /// The problem with its causes, as the tables and the manifest record it.
    pub fn describe(&self) -> String {
        chain(self)
    }
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Fetch { .. } => exit::FETCH,
            Error::Write { .. } | Error::Locked { .. } | Error::Publish(_) => exit::OUTPUT,
            Error::Invariant(_) => exit::INTERNAL,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_failure_has_its_exit_code() {
        assert_eq!(Error::Usage("x".into()).exit_code(), exit::INPUT);
        assert_eq!(Error::Invariant("x".into()).exit_code(), exit::INTERNAL);
        assert_eq!(Error::Publish("x".into()).exit_code(), exit::OUTPUT);
        let contract = Error::Contract {
            file: "queries/rates.sql".into(),
            table: "rates".into(),
            column: "searches".into(),
            problem: "no such column".into(),
        };
        assert_eq!(contract.exit_code(), exit::INPUT);
    }

    /// The causes of a file problem are kept as sources and shown in turn.
    #[test]
    fn causes_are_chained() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let e = Error::File {
            file: "police_uk/x.csv".into(),
            problem: FileProblem::read(io),
        };
        assert_eq!(chain(&e), "police_uk/x.csv: could not read: no such file");
        let source = std::error::Error::source(&e).expect("the problem is a source");
        assert!(source.source().is_some(), "the io error is a source too");
    }
}
