//! What was read, as the rows normalisation works on: each readable source's batch, its
//! rejects and its place in the quality table, with every row counted (read = kept +
//! rejected, summed over the sources and the extracts' undated rows).

use crate::input::gather::Undated;
use crate::input::ingest::{Ingested, batch::NULL};
use crate::normalise::FileRows;
use crate::normalise::coverage::Outcome;
use crate::normalise::frame::RejectRow;
use crate::reference::forces;
use crate::reference::month::Month;

/// The rows of a run, ready to normalise.
pub struct Ledger {
    /// One per readable source, in source order.
    pub files: Vec<FileRows>,
    /// Ids of those sources, in the same order (the `source_file` categories).
    pub kept_sources: Vec<String>,
    /// Per readable source: force code, month code, id and rows kept (for the quality table).
    pub quality_files: Vec<(u32, u32, String, u32)>,
    pub rejects: Vec<RejectRow>,
    pub rows_read: u64,
    pub rows_kept: u64,
    pub rows_rejected: u64,
}

/// What became of each force-month source, for the coverage table.
pub fn outcomes(ingested: &[Ingested]) -> Vec<Outcome> {
    ingested
        .iter()
        .map(|i| Outcome {
            force: i.source.force,
            month: i.source.month,
            source: i.source.id.clone(),
            rows: i.result.as_ref().ok().map(|p| p.batch.len() as u32),
            rejected: i.result.as_ref().map_or(0, |p| p.rejects.len() as u32),
            problem: i.result.as_ref().err().map(|e| e.describe()),
        })
        .collect()
}

/// Moves the batches out of what was read. `months` is the run's span.
pub fn collect(ingested: Vec<Ingested>, undated: Vec<Undated>, months: &[Month]) -> Ledger {
    let month_code = |m: Month| months.iter().position(|x| *x == m).unwrap_or(0) as u32;
    let mut l = Ledger {
        files: Vec::new(),
        kept_sources: Vec::new(),
        quality_files: Vec::new(),
        rejects: Vec::new(),
        rows_read: 0,
        rows_kept: 0,
        rows_rejected: 0,
    };
    for Ingested { source, result, .. } in ingested {
        let Ok(parsed) = result else { continue };
        let force = forces::index_of(source.force.id).expect("sources have known forces") as u32;
        let month = month_code(source.month);
        let kept = parsed.batch.len() as u32;
        l.rows_read += u64::from(parsed.rows_read);
        l.rows_kept += u64::from(kept);
        l.rows_rejected += parsed.rejects.len() as u64;
        let code = l.kept_sources.len() as u32;
        l.kept_sources.push(source.id.clone());
        l.quality_files
            .push((force, month, source.id.clone(), kept));
        l.rejects
            .extend(parsed.rejects.into_iter().map(|r| RejectRow {
                force,
                month,
                source: source.id.clone(),
                line: r.line,
                reason: r.reason,
                raw: r.raw,
            }));
        l.files.push(FileRows {
            source: code,
            force: source.force,
            month: source.month,
            batch: parsed.batch,
            exact_duplicates: parsed.exact_duplicates,
        });
    }
    for u in undated {
        let n = u.rejects.len() as u64;
        l.rows_read += n;
        l.rows_rejected += n;
        let force = u.force.map_or(NULL, |f| {
            forces::index_of(f.id).expect("a known force") as u32
        });
        let id = undated_id(&u.extract);
        l.rejects.extend(u.rejects.into_iter().map(|r| RejectRow {
            force,
            month: NULL,
            source: id.clone(),
            line: r.line,
            reason: r.reason,
            raw: r.raw,
        }));
    }
    l
}

/// The source id under which an extract's undated rows are recorded.
pub fn undated_id(extract: &str) -> String {
    format!("{extract}#undated")
}
