//! Output: Parquet and CSV files ([`write`]), the data dictionary, the manifest, and the
//! atomic publish that swaps a finished run into place.

pub mod dictionary;
pub mod increment;
pub mod manifest;
pub mod publish;
pub mod revisions;
#[cfg(feature = "pipeline")]
pub mod unchanged;
pub mod write;
