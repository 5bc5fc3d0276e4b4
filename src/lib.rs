//! stopsearch: audits police stop and search in England and Wales for ethnic
//! disproportionality, from the data.police.uk monthly files.
//!
//! The pipeline, one module per stage, data flowing forward:
//! [`discover`] → [`ingest`] (and [`extract`] for force extracts read through a mapping) →
//! [`normalise`] (with the [`grounds`] classifier) → [`frame`] → [`tables`] (SQL in
//! `queries/`) → [`stats`] → [`write`], driven by [`run`].

pub mod charts;
pub mod cli;
pub mod coverage;
pub mod dictionary;
pub mod discover;
pub mod error;
pub mod extract;
pub mod figures;
pub mod forces;
pub mod frame;
pub mod grounds;
pub mod ingest;
pub mod manifest;
pub mod month;
pub mod normalise;
pub mod population;
pub mod report;
pub mod run;
pub mod stats;
pub mod synth;
pub mod tables;
pub mod write;

pub use error::{Error, Result};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
