//! Write: Parquet tables (zstd), each with its data-dictionary entry in the file's key-value
//! metadata, written to a temporary name and renamed so a reader never sees half a file.

use std::fs;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::reference::schema::TableMeta;

/// Writes `df` to `dir/<name>.parquet`; returns the path.
pub fn parquet(df: &mut DataFrame, dir: &Path, meta: &TableMeta) -> Result<PathBuf> {
    fs::create_dir_all(dir).map_err(Error::write(dir))?;
    let path = dir.join(format!("{}.parquet", meta.name));
    let tmp = dir.join(format!(".{}.parquet.tmp", meta.name));
    let file = fs::File::create(&tmp).map_err(Error::write(&tmp))?;
    let clock = std::time::Instant::now();
    ParquetWriter::new(std::io::BufWriter::new(file))
        .with_compression(ParquetCompression::Zstd(None))
        .with_key_value_metadata(Some(KeyValueMetadata::from_static(meta.key_values())))
        .finish(df)
        .map_err(Error::polars(format!("writing {}", path.display())))?;
    fs::rename(&tmp, &path).map_err(Error::write(&path))?;
    tracing::debug!(table = %meta.name, rows = df.height(), elapsed = ?clock.elapsed(), "wrote Parquet");
    Ok(path)
}

/// Writes bytes to `path` by way of a temporary file and a rename.
pub fn atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(Error::write(dir))?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    fs::write(&tmp, bytes).map_err(Error::write(&tmp))?;
    fs::rename(&tmp, path).map_err(Error::write(path))
}

/// Writes `df` as `dir/<name>.csv`, a twin of the Parquet table for spreadsheet users.
pub fn csv(df: &mut DataFrame, dir: &Path, name: &str) -> Result<PathBuf> {
    let path = dir.join(format!("{name}.csv"));
    let tmp = dir.join(format!(".{name}.csv.tmp"));
    let file = fs::File::create(&tmp).map_err(Error::write(&tmp))?;
    let clock = std::time::Instant::now();
    CsvWriter::new(std::io::BufWriter::new(file))
        .finish(df)
        .map_err(Error::polars(format!("writing {}", path.display())))?;
    fs::rename(&tmp, &path).map_err(Error::write(&path))?;
    tracing::debug!(table = name, elapsed = ?clock.elapsed(), "wrote CSV");
    Ok(path)
}
