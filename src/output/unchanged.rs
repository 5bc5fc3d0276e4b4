//! A rerun with nothing new. When every file a run would read looks as it did for the run
//! that made the published output (same size and modification time, the rule the parse
//! cache's stat index already applies), with the same options, working folder and program,
//! the run would make that output again byte for byte: it says so, leaves the output
//! standing and reports the earlier run's summary, marked `unchanged`.
//!
//! The record lives in the cache folder (a run with `--no-cache` always runs whole), and
//! names the output it describes and that output's `finished_at`, so an output replaced or
//! removed since is built again.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::pipeline::RunSummary;

const RECORD: &str = "last-run.json";

/// What the last successful run read and made.
#[derive(Serialize, Deserialize)]
struct Record {
    fingerprint: String,
    out: PathBuf,
    finished_at: String,
    summary: RunSummary,
}

/// What a run depends on: the program, the working folder, the options (`options`, the
/// merged command line and settings file as the run records them) and how every file it
/// would read looks on disk (`files`: inputs, queries and reference files; folders are
/// walked).
pub fn fingerprint(options: &str, files: &[PathBuf]) -> String {
    let mut h = Sha256::new();
    h.update(crate::VERSION.as_bytes());
    let mut seen: Vec<(PathBuf, String)> = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        seen.push((exe.clone(), stamp(&exe)));
    }
    h.update(b"\0cwd\0");
    if let Ok(cwd) = std::env::current_dir() {
        h.update(cwd.to_string_lossy().as_bytes());
    }
    h.update(b"\0options\0");
    h.update(options.as_bytes());
    for f in files {
        // Once at the top: what lies below a canonical folder is named canonically too.
        walk(
            &std::fs::canonicalize(f).unwrap_or_else(|_| f.clone()),
            &mut seen,
        );
    }
    seen.sort();
    seen.dedup();
    for (path, stamp) in &seen {
        h.update(b"\0file\0");
        h.update(path.to_string_lossy().as_bytes());
        h.update(b"\0");
        h.update(stamp.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Size and modification time, or `missing`.
fn stamp(path: &Path) -> String {
    std::fs::metadata(path)
        .ok()
        .and_then(|m| {
            let modified = m
                .modified()
                .ok()?
                .duration_since(std::time::UNIX_EPOCH)
                .ok()?;
            Some(format!("{} {}", m.len(), modified.as_nanos()))
        })
        .unwrap_or_else(|| "missing".to_owned())
}

fn walk(path: &Path, seen: &mut Vec<(PathBuf, String)>) {
    // A folder's own stamp changes when a file is added, removed or renamed in it.
    seen.push((path.to_path_buf(), stamp(path)));
    if let Ok(entries) = std::fs::read_dir(path) {
        for e in entries.flatten() {
            walk(&e.path(), seen);
        }
    }
}

/// The earlier run's summary, if it had this fingerprint and its output is still the one
/// it published (the manifest's `finished_at`, and every table file present).
pub fn previous(cache: &Path, out: &Path, fingerprint: &str) -> Option<RunSummary> {
    let record: Record = serde_json::from_slice(&std::fs::read(cache.join(RECORD)).ok()?).ok()?;
    if record.fingerprint != fingerprint || record.out != absolute(out) {
        return None;
    }
    still_published(out, &record.finished_at).then_some(record.summary)
}

/// Whether the output in `out` is the one published at `finished_at` (its manifest says so)
/// with every table file still there.
pub(crate) fn still_published(out: &Path, finished_at: &str) -> bool {
    let stands = || -> Option<bool> {
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).ok()?).ok()?;
        if manifest.get("finished_at")?.as_str()? != finished_at {
            return Some(false);
        }
        Some(manifest.get("tables")?.as_array()?.iter().all(|t| {
            t.get("path")
                .and_then(|p| p.as_str())
                .is_some_and(|p| out.join(p).is_file())
        }))
    };
    stands().unwrap_or(false)
}

/// Records a successful run (`finished_at` as its manifest gives it); a failure to record
/// only costs the next run its shortcut.
pub fn record(
    cache: &Path,
    out: &Path,
    fingerprint: &str,
    finished_at: &str,
    summary: &RunSummary,
) {
    let record = Record {
        fingerprint: fingerprint.to_owned(),
        out: absolute(out),
        finished_at: finished_at.to_owned(),
        summary: summary.clone(),
    };
    let written = serde_json::to_vec_pretty(&record).map_err(std::io::Error::other);
    if let Err(e) = written.and_then(|b| write_record(cache, RECORD, &b)) {
        tracing::debug!("could not record the run for the next one: {e}");
    }
}

/// Writes a record file into the cache folder, whole or not at all.
pub(crate) fn write_record(cache: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(cache)?;
    let tmp = cache.join(format!("{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, cache.join(name))
}

pub(crate) fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}
