//! Which force-months changed since the run that made the published tables.
//!
//! Each force-month is known by a digest of what its rows are made from: the files read for it
//! (their kind, status and SHA-256) and what the tables take from its coverage row (its status
//! and the trailing median's flags, which a revised earlier month can move). The record lives
//! in the cache
//! folder beside the nothing-new record, with the options, program and reference files it
//! was made with (the same fingerprint, less the inputs) and the published output's
//! `finished_at`: any difference there, or an output replaced since, and every table is made
//! again from scratch.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::normalise::coverage::CoverageRow;
use crate::output::manifest::SourceEntry;
use crate::output::unchanged::{absolute, still_published, write_record};
use crate::reference::month::Month;

const RECORD: &str = "last-tables.json";

#[derive(Serialize, Deserialize)]
struct Record {
    settings: String,
    out: PathBuf,
    finished_at: String,
    /// `force month` → digest.
    months: BTreeMap<String, String>,
}

/// Each force-month's digest.
pub fn months(sources: &[SourceEntry], coverage: &[CoverageRow]) -> BTreeMap<String, String> {
    let mut parts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in coverage {
        parts
            .entry(format!("{} {}", r.force.id, r.month))
            .or_default()
            .push(format!(
                "{:?} {} {}",
                r.status, r.partial_suspected, r.spike_suspected
            ));
    }
    for s in sources.iter().filter(|s| !s.month.is_empty()) {
        parts
            .entry(format!("{} {}", s.force, s.month))
            .or_default()
            .push(format!(
                "{} {} {}",
                s.kind,
                s.status,
                s.sha256.as_deref().unwrap_or(&s.id)
            ));
    }
    parts
        .into_iter()
        .map(|(key, mut p)| {
            p.sort();
            let mut h = Sha256::new();
            for part in p {
                h.update(part.as_bytes());
                h.update(b"\0");
            }
            let digest = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
            (key, digest)
        })
        .collect()
}

/// The months whose rows differ from the published output's, when that output was made by
/// this program with these settings (`settings`) and is still the one published; `None`
/// when every table must be made from scratch.
pub fn touched(
    cache: &Path,
    out: &Path,
    settings: &str,
    now: &BTreeMap<String, String>,
) -> Option<BTreeSet<Month>> {
    let record: Record = serde_json::from_slice(&std::fs::read(cache.join(RECORD)).ok()?).ok()?;
    if record.settings != settings || record.out != absolute(out) {
        return None;
    }
    // Every table is read back, so every table must still be there.
    if !still_published(out, &record.finished_at) {
        return None;
    }
    let keys: BTreeSet<&String> = record.months.keys().chain(now.keys()).collect();
    let mut touched = BTreeSet::new();
    for key in keys {
        if record.months.get(key) != now.get(key) {
            let month = key.rsplit_once(' ')?.1.parse().ok()?;
            touched.insert(month);
        }
    }
    Some(touched)
}

/// Records the force-months of a successful run; a failure to record only costs the next
/// run its shortcut.
pub fn record(
    cache: &Path,
    out: &Path,
    settings: &str,
    finished_at: &str,
    months: BTreeMap<String, String>,
) {
    let record = Record {
        settings: settings.to_owned(),
        out: absolute(out),
        finished_at: finished_at.to_owned(),
        months,
    };
    let written = serde_json::to_vec(&record).map_err(std::io::Error::other);
    if let Err(e) = written.and_then(|b| write_record(cache, RECORD, &b)) {
        tracing::debug!("could not record the force-months for the next run: {e}");
    }
}

/// Forgets the record, so the next run makes every table from scratch (for a run that
/// publishes tables this record does not describe).
pub fn forget(cache: &Path) {
    let _ = std::fs::remove_file(cache.join(RECORD));
}
