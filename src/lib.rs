//! stopsearch: audits police stop and search in England and Wales for ethnic
//! disproportionality, from the data.police.uk monthly files.
//!
//! The pipeline, one module per stage, data flowing forward:
//! [`discover`] → [`ingest`] (and [`extract`] for force extracts read through a mapping) →
//! [`normalise`] (with the [`grounds`] classifier) → [`frame`] → [`tables`] (SQL in
//! `queries/`) → [`stats`] → [`write`], driven by [`run`].

#[cfg(feature = "pipeline")]
pub mod charts;
#[cfg(feature = "pipeline")]
pub mod cli;
pub mod config;
pub mod coverage;
#[cfg(feature = "pipeline")]
pub mod dictionary;
pub mod discover;
pub mod error;
pub mod extract;
pub mod fetch;
#[cfg(feature = "pipeline")]
pub mod figures;
pub mod forces;
#[cfg(feature = "pipeline")]
pub mod frame;
pub mod grounds;
pub mod ingest;
pub mod manifest;
pub mod month;
pub mod normalise;
pub mod population;
pub mod publish;
#[cfg(feature = "pipeline")]
pub mod report;
#[cfg(feature = "pipeline")]
pub mod run;
#[cfg(feature = "pipeline")]
pub mod stats;
#[cfg(feature = "pipeline")]
pub mod synth;
#[cfg(feature = "pipeline")]
pub mod tables;
#[cfg(feature = "pipeline")]
pub mod write;

pub use error::{Error, Result};

// Without the default `pipeline` feature only the readers, the fetcher and their helpers build,
// with no polars: the fuzz targets use this, and build in a minute instead of a quarter hour.

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
