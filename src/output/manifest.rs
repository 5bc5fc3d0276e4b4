//! `manifest.json`: what a run read and wrote, so a published figure can be traced to the
//! exact input bytes.

use serde::Serialize;

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
    pub fetch: Option<crate::input::fetch::FetchReport>,
    /// Options that change what the tables count, so a figure can be traced to them.
    pub settings: Settings,
    /// The parse cache after this run's housekeeping (absent with --no-cache).
    #[cfg(feature = "pipeline")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<crate::input::ingest::cache::Housekeeping>,
}

#[derive(Debug, Serialize)]
pub struct Settings {
    /// Rows repeating an earlier row of their file were moved to the rejects.
    pub drop_exact_duplicates: bool,
    /// Limits for `partial_suspected` and `spike_suspected` in coverage.
    pub partial_month_share: f64,
    pub spike_month_multiple: f64,
    /// Limits of `high_not_stated` and of the reconciliation's `differs`.
    pub not_stated_limit: f64,
    pub home_office_limit: f64,
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

/// The manifest's record of every force-month source: read or failed, each extract's undated
/// rows, then what was superseded.
#[cfg(feature = "pipeline")]
pub fn source_entries(
    ingested: &[crate::input::ingest::Ingested],
    undated: &[crate::input::gather::Undated],
    superseded: &[(crate::input::source::Source, String)],
) -> Vec<SourceEntry> {
    let mut entries: Vec<SourceEntry> = ingested
        .iter()
        .map(|i| {
            let (read, kept, rejected) = match &i.result {
                Ok(p) => (p.rows_read, p.batch.len() as u32, p.rejects.len() as u32),
                Err(_) => (0, 0, 0),
            };
            SourceEntry {
                id: i.source.id.clone(),
                kind: i.source.kind.label().to_owned(),
                force: i.source.force.id.to_owned(),
                month: i.source.month.to_string(),
                status: if i.result.is_ok() { "read" } else { "failed" }.to_owned(),
                from_cache: i.cached,
                sha256: i.sha256.clone(),
                rows_read: read,
                rows_kept: kept,
                rows_rejected: rejected,
                superseded_by: None,
                problem: i.result.as_ref().err().map(|e| e.describe()),
            }
        })
        .collect();
    entries.extend(undated.iter().map(|u| {
        let n = u.rejects.len() as u32;
        SourceEntry {
            id: crate::normalise::ledger::undated_id(&u.extract),
            kind: "extract".to_owned(),
            force: u.force.map_or_else(String::new, |f| f.id.to_owned()),
            month: String::new(),
            status: "read".to_owned(),
            from_cache: false,
            sha256: None,
            rows_read: n,
            rows_kept: 0,
            rows_rejected: n,
            superseded_by: None,
            problem: None,
        }
    }));
    entries.extend(superseded.iter().map(|(s, by)| SourceEntry {
        id: s.id.clone(),
        kind: s.kind.label().to_owned(),
        force: s.force.id.to_owned(),
        month: s.month.to_string(),
        status: "superseded".to_owned(),
        from_cache: false,
        sha256: None,
        rows_read: 0,
        rows_kept: 0,
        rows_rejected: 0,
        superseded_by: Some(by.clone()),
        problem: None,
    }));
    entries
}

/// Every input file with its hash: taken while reading where the file was read whole, else
/// (an archive) hashed now.
#[cfg(feature = "pipeline")]
pub fn inputs(
    files: &[crate::input::source::InputFile],
    ingested: &[crate::input::ingest::Ingested],
) -> Vec<Input> {
    use crate::input::source::{Kind, Stored};
    let hashes: std::collections::HashMap<&std::path::Path, &str> = ingested
        .iter()
        .filter(|i| !matches!(i.source.kind, Kind::Stored(Stored::ZipMember { .. })))
        .filter_map(|i| Some((i.source.path.as_path(), i.sha256.as_deref()?)))
        .collect();
    files
        .iter()
        .map(|f| Input {
            id: f.id.clone(),
            path: f.path.display().to_string(),
            size: f.size,
            sha256: hashes
                .get(f.path.as_path())
                .map(|h| (*h).to_owned())
                .or_else(|| crate::input::ingest::read::sha256_file(&f.path).ok()),
        })
        .collect()
}
