//! Input: the paths given become force-month sources ([`discover`]), whose bytes are read
//! into raw column batches ([`ingest`]); force and FOI extracts are read through their mapping
//! files ([`extract`]); [`fetch`] downloads from data.police.uk and [`synth`] writes synthetic
//! test files.

pub mod discover;
pub mod extract;
pub mod fetch;
#[cfg(feature = "pipeline")]
pub mod gather;
pub mod ingest;
pub mod source;
#[cfg(feature = "pipeline")]
pub mod synth;
