//! Write: Parquet tables (zstd), each with its data-dictionary entry in the file's key-value
//! metadata and in the embedded Arrow schema (the table's description as schema metadata, each
//! column's as field metadata, where pyarrow and pandas look), written to a temporary name
//! and renamed so a reader never sees half a file.

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
    let mut key_values = meta.key_values();
    key_values.push(arrow_schema(df, meta));
    let mut out = std::io::BufWriter::new(file);
    ParquetWriter::new(&mut out)
        .with_compression(ParquetCompression::Zstd(None))
        .with_key_value_metadata(Some(KeyValueMetadata::from_static(key_values)))
        .finish(df)
        .map_err(Error::polars(format!("writing {}", path.display())))?;
    finish(out, &tmp)?;
    fs::rename(&tmp, &path).map_err(Error::write(&path))?;
    tracing::debug!(table = %meta.name, rows = df.height(), elapsed = ?clock.elapsed(), "wrote Parquet");
    Ok(path)
}

/// The `ARROW:schema` entry the Parquet writer would embed, with the descriptions added: the
/// table's as schema metadata (`description`, `stopsearch.table`, `stopsearch.version`), each
/// column's as its field's `description`. Arrow readers take the schema from this entry, not
/// from the file's key-value pairs, so without it they would see no descriptions.
fn arrow_schema(df: &DataFrame, meta: &TableMeta) -> (String, String) {
    use base64::Engine as _;
    use polars_arrow::datatypes::Metadata;
    use polars_arrow::io::ipc::write::{default_ipc_fields, schema_to_bytes};
    let mut schema = df.schema().to_arrow(CompatLevel::newest());
    for field in schema.iter_values_mut() {
        if let Some((_, doc)) = meta
            .columns
            .iter()
            .find(|(n, _)| n.as_str() == field.name.as_str())
        {
            // Kept beside what polars records there (an enum's categories).
            let mut m: Metadata = field.metadata.as_deref().cloned().unwrap_or_default();
            m.insert("description".into(), doc.as_str().into());
            field.metadata = Some(std::sync::Arc::new(m));
        }
    }
    let custom: Metadata = [
        ("description", meta.description.as_str()),
        ("stopsearch.table", meta.name.as_str()),
        ("stopsearch.version", crate::VERSION),
    ]
    .into_iter()
    .map(|(k, v)| (k.into(), v.into()))
    .collect();
    let bytes = schema_to_bytes(
        &schema,
        &default_ipc_fields(schema.iter_values()),
        Some(&custom),
    );
    // The legacy IPC framing Arrow expects here: a continuation marker and the length.
    let mut framed = Vec::with_capacity(bytes.len() + 8);
    framed.extend_from_slice(&[255, 255, 255, 255]);
    framed.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    framed.extend_from_slice(&bytes);
    (
        "ARROW:schema".to_owned(),
        base64::engine::general_purpose::STANDARD.encode(&framed),
    )
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

/// Flushes a file written through a buffer and starts its writeback.
pub fn finish(out: std::io::BufWriter<fs::File>, path: &Path) -> Result<()> {
    let file = out
        .into_inner()
        .map_err(|e| Error::write(path)(e.into_error()))?;
    start_writeback(&file);
    Ok(())
}

/// Asks the kernel to start writing a finished file to disk now, without waiting for it.
/// Publishing flushes every file before the swap; started here, while the run goes on
/// computing, that flush finds the disk work done instead of doing gigabytes of it at the end.
pub fn start_writeback(file: &fs::File) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: a valid open descriptor; the call only schedules writeback of its pages.
        unsafe {
            libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = file;
}

/// Writes `df` as `dir/<name>.csv`, a twin of the Parquet table for spreadsheet users.
pub fn csv(df: &mut DataFrame, dir: &Path, name: &str) -> Result<PathBuf> {
    let path = dir.join(format!("{name}.csv"));
    let tmp = dir.join(format!(".{name}.csv.tmp"));
    let file = fs::File::create(&tmp).map_err(Error::write(&tmp))?;
    let clock = std::time::Instant::now();
    let mut out = std::io::BufWriter::new(file);
    CsvWriter::new(&mut out)
        .finish(df)
        .map_err(Error::polars(format!("writing {}", path.display())))?;
    finish(out, &tmp)?;
    fs::rename(&tmp, &path).map_err(Error::write(&path))?;
    tracing::debug!(table = name, elapsed = ?clock.elapsed(), "wrote CSV");
    Ok(path)
}
