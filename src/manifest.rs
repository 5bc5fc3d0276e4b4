//! `manifest.json`: what a run read and wrote, so a published figure can be traced to the
//! exact input bytes.

use serde::Serialize;

/// The time now, as the manifest, the fetch log and the summaries record it (RFC 3339, UTC,
/// whole seconds).
pub fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

#[derive(Debug, Serialize)]
pub struct Manifest {
    pub stopsearch_version: String,
    /// True when the inputs were synthetic test data from `stopsearch synth`.
    pub synthetic: bool,
    pub started_at: String,
    pub finished_at: String,
    pub arguments: Vec<String>,
    /// Files found, as stored (an archive is one input).
    pub inputs: Vec<Input>,
    /// One entry per force-month source considered.
    pub sources: Vec<SourceEntry>,
    /// Files looked at and deliberately not read.
    pub skipped: Vec<Skipped>,
    /// Files that could not be used (recorded under --keep-going).
    pub problems: Vec<ProblemEntry>,
    pub totals: Totals,
    pub tables: Vec<TableEntry>,
    /// What the run downloaded first (`[fetch]` in the settings file): every request with its
    /// URL, status, bytes, SHA-256 and attempts. Absent when the run fetched nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetch: Option<crate::fetch::FetchReport>,
}

#[derive(Debug, Serialize)]
pub struct Input {
    pub id: String,
    pub path: String,
    pub size: u64,
    /// SHA-256 of the file's bytes; null if it could not be read.
    pub sha256: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct SourceEntry {
    pub id: String,
    pub kind: String,
    pub force: String,
    pub month: String,
    /// `read`, `failed` or `superseded`.
    pub status: String,
    /// The parsed rows came from the cache (same bytes as an earlier run).
    pub from_cache: bool,
    /// SHA-256 of the stored file (of the decompressed member, for an archive member).
    pub sha256: Option<String>,
    pub rows_read: u32,
    pub rows_kept: u32,
    pub rows_rejected: u32,
    pub superseded_by: Option<String>,
    pub problem: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Skipped {
    pub id: String,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct ProblemEntry {
    pub file: String,
    pub problem: String,
}

#[derive(Debug, Default, Serialize)]
pub struct Totals {
    pub sources_read: usize,
    pub sources_failed: usize,
    pub sources_superseded: usize,
    pub rows_read: u64,
    pub rows_kept: u64,
    pub rows_rejected: u64,
}

#[derive(Debug, Serialize)]
pub struct TableEntry {
    pub name: String,
    pub path: String,
    pub rows: usize,
}
