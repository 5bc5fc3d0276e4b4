//! stopsearch: audits police stop and search in England and Wales for ethnic
//! disproportionality, from the data.police.uk monthly files.
//!
//! The folders follow the pipeline, and data flows forward only:
//! [`input`] (discover, ingest, extracts, fetch) → [`normalise`] (vocabularies, grounds,
//! row frames, coverage) → [`tables`] (the SQL in `queries/`, with typed contracts) →
//! [`stats`] → [`output`] (Parquet, dictionary, manifest, atomic publish) → [`present`]
//! (figures, charts, report). [`reference`] holds what every stage may read (forces, months,
//! populations); [`pipeline`] runs the stages in order; [`cli`] turns the command line and the
//! settings file into validated options.

pub mod error;
pub mod geography;
pub mod input;
pub mod normalise;
#[cfg(feature = "pipeline")]
pub mod output;
#[cfg(not(feature = "pipeline"))]
pub mod output {
    //! Without the pipeline only the manifest's fetch record and the atomic publish build.
    pub mod manifest;
    pub mod publish;
}
pub mod reference;

#[cfg(feature = "pipeline")]
pub mod cli;
#[cfg(feature = "pipeline")]
pub mod pipeline;
#[cfg(feature = "pipeline")]
pub mod present;
#[cfg(feature = "pipeline")]
pub mod stats;
#[cfg(feature = "pipeline")]
pub mod tables;

pub use error::{Error, Result};

// Without the default `pipeline` feature only the readers, the fetcher and their helpers build,
// with no polars: the fuzz targets use this, and build in a minute instead of a quarter hour.

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
