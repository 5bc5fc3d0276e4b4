//! The source model every input stage passes along: one force-month of data, where its bytes
//! are, and what became of the files that were not read.

use std::path::PathBuf;

use crate::error::{Error, FileProblem};
use crate::reference::forces::Force;
use crate::reference::month::Month;

/// How a data.police.uk file's bytes are stored: what ingest knows how to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    Csv {
        gzip: bool,
    },
    /// A member of a data.police.uk archive, read straight from the zip.
    ZipMember {
        archive: PathBuf,
        member: String,
    },
    /// A saved `/api/stops-force` response.
    Json {
        gzip: bool,
    },
}

impl Stored {
    /// Which of two files for the same force-month is kept: a loose CSV (the user put it there
    /// on purpose) beats an archive member, which beats an API response (the CSV archive is the
    /// reference; the API has been seen to disagree with it). Between equals, the source whose
    /// id sorts last wins, so for archives named `YYYY-MM.zip` the newest.
    pub fn rank(&self) -> u8 {
        match self {
            Stored::Csv { .. } => 3,
            Stored::ZipMember { .. } => 2,
            Stored::Json { .. } => 1,
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Stored::Csv { gzip: false } => "csv",
            Stored::Csv { gzip: true } => "csv.gz",
            Stored::ZipMember { .. } => "zip member",
            Stored::Json { gzip: false } => "json",
            Stored::Json { gzip: true } => "json.gz",
        }
    }
}

/// Where a force-month came from: a data.police.uk file, or a force or FOI extract read
/// through its mapping file (which the extract reader splits into force-months).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Stored(Stored),
    Extract { xlsx: bool },
}

impl Kind {
    pub fn label(&self) -> &'static str {
        match self {
            Kind::Stored(s) => s.label(),
            Kind::Extract { xlsx: false } => "extract csv",
            Kind::Extract { xlsx: true } => "extract xlsx",
        }
    }

    pub fn is_extract(&self) -> bool {
        matches!(self, Kind::Extract { .. })
    }
}

/// One force-month's data, not yet read. Discovery and ingest handle `Source<Stored>`
/// ([`FileSource`]), so they never meet an extract; from ingest on, any [`Source`].
#[derive(Debug, Clone)]
pub struct Source<K = Kind> {
    /// Stable name used in the tables: the path relative to the parent of the input given on
    /// the command line (`police_uk/2022-09-metropolitan-stop-and-search.csv.gz`), or
    /// `archive.zip!member` for an archive member. Never an absolute path, so tables do not
    /// change from one checkout to another.
    pub id: String,
    /// File on disk (the archive, for a zip member).
    pub path: PathBuf,
    pub kind: K,
    pub force: &'static Force,
    pub month: Month,
    /// Bytes on disk (compressed size for a zip member).
    pub size: u64,
}

/// A data.police.uk file's force-month.
pub type FileSource = Source<Stored>;

impl From<FileSource> for Source {
    fn from(s: FileSource) -> Source {
        Source {
            id: s.id,
            path: s.path,
            kind: Kind::Stored(s.kind),
            force: s.force,
            month: s.month,
            size: s.size,
        }
    }
}

/// A file that was looked at and deliberately not read.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub id: String,
    pub reason: String,
}

/// A file that could not be used.
#[derive(Debug, Clone)]
pub struct Problem {
    pub id: String,
    pub path: PathBuf,
    pub problem: FileProblem,
}

impl Problem {
    pub fn into_error(self) -> Error {
        Error::File {
            file: self.id,
            problem: self.problem,
        }
    }
}

/// An input file as found (a zip archive is one input holding many sources).
#[derive(Debug, Clone)]
pub struct InputFile {
    pub id: String,
    pub path: PathBuf,
    pub size: u64,
    pub is_archive: bool,
}
