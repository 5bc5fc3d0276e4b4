//! The `revisions` table: force-months whose file differs, byte for byte, from the one the
//! previous run published, with what changed (rows, and counts by ethnic group and by outcome
//! class), so a reader can say "the force revised its June figures". The previous run's
//! `manifest.json` gives the old file's hash and rows, its `searches` table the old counts.
//! Earlier runs' rows are carried forward, so the table is the history of revisions this
//! output folder has seen; a first run has an empty table.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use polars::prelude::*;
use serde::Deserialize;

use super::manifest::SourceEntry;
use crate::reference::forces;
use crate::reference::schema;
use crate::reference::vocab::{Ethnicity, OutcomeClass};

/// What the previous run's manifest says about its sources (other fields are ignored).
#[derive(Debug, Deserialize)]
struct PreviousManifest {
    finished_at: String,
    #[serde(default)]
    sources: Vec<PreviousSource>,
}

#[derive(Debug, Deserialize)]
struct PreviousSource {
    id: String,
    force: String,
    month: String,
    status: String,
    sha256: Option<String>,
    rows_kept: u32,
}

/// The previous publication, if the output folder holds one.
pub struct Previous {
    /// When the previous run finished: the `previous_published` of the revisions it reveals.
    pub finished_at: String,
    sources: HashMap<(String, String), PreviousSource>,
}

impl Previous {
    /// Reads the previous run's manifest from the published output folder; `None` on a first
    /// run (or if the manifest cannot be read, which is logged).
    pub fn read(out: &Path) -> Option<Previous> {
        let path = out.join("manifest.json");
        let bytes = std::fs::read(&path).ok()?;
        let m: PreviousManifest = match serde_json::from_slice(&bytes) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(
                    manifest = %path.display(),
                    "the previous run's manifest could not be read, so revisions are not looked for: {e}"
                );
                return None;
            }
        };
        let sources = m
            .sources
            .into_iter()
            .filter(|s| s.status == "read")
            .map(|s| ((s.force.clone(), s.month.clone()), s))
            .collect();
        Some(Previous {
            finished_at: m.finished_at,
            sources,
        })
    }
}

/// One revised force-month.
struct Revised<'a> {
    new: &'a SourceEntry,
    old: &'a PreviousSource,
}

/// Ethnic groups in table order; an empty field is `Missing`.
fn ethnicity_order() -> Vec<&'static str> {
    Ethnicity::ALL
        .iter()
        .map(|e| e.as_str())
        .chain(["Missing"])
        .collect()
}

/// Outcome classes in table order; an empty field is `not_recorded`.
fn outcome_order() -> Vec<&'static str> {
    OutcomeClass::TEXTS
        .iter()
        .copied()
        .chain(["not_recorded"])
        .collect()
}

/// Counts of (force, month, breakdown, category) in a searches table, for the given
/// force-months only.
type Counts = HashMap<(String, String, &'static str, String), i64>;

fn counts(searches: LazyFrame, keys: &[(String, String)]) -> PolarsResult<Counts> {
    let forces: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
    let months: Vec<&str> = keys.iter().map(|k| k.1.as_str()).collect();
    let wanted = df!("force" => forces, "month" => months)?.lazy();
    let text = |c: &str, missing: &str| {
        col(c)
            .cast(DataType::String)
            .fill_null(lit(missing.to_owned()))
    };
    let rows = searches
        .select([
            col("force").cast(DataType::String),
            col("month").cast(DataType::String),
            text("ethnicity", "Missing").alias("ethnicity"),
            text("outcome_class", "not_recorded").alias("outcome_class"),
        ])
        .join(
            wanted,
            [col("force"), col("month")],
            [col("force"), col("month")],
            JoinArgs::new(JoinType::Inner),
        );
    let mut out = Counts::new();
    for (breakdown, column) in [
        ("ethnicity", "ethnicity"),
        ("outcome_class", "outcome_class"),
    ] {
        let df = rows
            .clone()
            .group_by([col("force"), col("month"), col(column)])
            .agg([len().cast(DataType::Int64).alias("n")])
            .collect()?;
        let f = df.column("force")?.str()?.clone();
        let m = df.column("month")?.str()?.clone();
        let c = df.column(column)?.str()?.clone();
        let n = df.column("n")?.i64()?.clone();
        for i in 0..df.height() {
            if let (Some(f), Some(m), Some(c), Some(n)) = (f.get(i), m.get(i), c.get(i), n.get(i)) {
                out.insert((f.into(), m.into(), breakdown, c.into()), n);
            }
        }
    }
    Ok(out)
}

#[derive(Default)]
struct Columns {
    force: Vec<String>,
    month: Vec<String>,
    source_file: Vec<String>,
    previous_source_file: Vec<String>,
    sha256: Vec<String>,
    previous_sha256: Vec<String>,
    previous_published: Vec<String>,
    breakdown: Vec<String>,
    category: Vec<String>,
    before: Vec<Option<i64>>,
    after: Vec<i64>,
}

impl Columns {
    fn frame(self) -> PolarsResult<DataFrame> {
        let change: Vec<Option<i64>> = self
            .before
            .iter()
            .zip(&self.after)
            .map(|(b, a)| b.map(|b| a - b))
            .collect();
        let df = df!(
            "force" => self.force,
            "month" => self.month,
            "source_file" => self.source_file,
            "previous_source_file" => self.previous_source_file,
            "sha256" => self.sha256,
            "previous_sha256" => self.previous_sha256,
            "previous_published" => self.previous_published,
            "breakdown" => self.breakdown,
            "category" => self.category,
            "before" => self.before,
            "after" => self.after,
            "change" => change,
        )?;
        let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
        let documented: Vec<&str> = schema::REVISIONS.columns.iter().map(|c| c.name).collect();
        polars_ensure!(
            names == documented,
            SchemaMismatch: "revisions has columns {:?}, but the data dictionary lists {:?}",
            names, documented
        );
        Ok(df)
    }
}

/// The revisions table: the previous publication's rows, then one block per force-month this
/// run found revised (in force then month order).
pub fn revisions(
    out: &Path,
    previous: Option<&Previous>,
    current: &[SourceEntry],
    searches: &DataFrame,
) -> PolarsResult<DataFrame> {
    let carried = carried_forward(out);
    let Some(previous) = previous else {
        return carried.map_or_else(|| Columns::default().frame(), Ok);
    };
    let mut revised: Vec<Revised> = current
        .iter()
        .filter(|s| s.status == "read")
        .filter_map(|new| {
            let old = previous
                .sources
                .get(&(new.force.clone(), new.month.clone()))?;
            (old.sha256.is_some() && new.sha256.is_some() && old.sha256 != new.sha256)
                .then_some(Revised { new, old })
        })
        .collect();
    revised.sort_by_key(|r| (forces::index_of(&r.new.force), r.new.month.clone()));
    let keys: Vec<(String, String)> = revised
        .iter()
        .map(|r| (r.new.force.clone(), r.new.month.clone()))
        .collect();
    let before = if keys.is_empty() {
        Some(Counts::new())
    } else {
        let path = out.join("tables").join("searches.parquet");
        let read = std::fs::File::open(&path)
            .map_err(|e| polars_err!(ComputeError: "{e}"))
            .and_then(|f| {
                ParquetReader::new(f)
                    .with_columns(Some(
                        ["force", "month", "ethnicity", "outcome_class"]
                            .map(String::from)
                            .to_vec(),
                    ))
                    .finish()
            });
        match read.and_then(|df| counts(df.lazy(), &keys)) {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!(
                    table = %path.display(),
                    "the previous searches table could not be read: revisions give rows only: {e}"
                );
                None
            }
        }
    };
    let after = if keys.is_empty() {
        Counts::new()
    } else {
        counts(searches.clone().lazy(), &keys)?
    };
    let mut c = Columns::default();
    for r in &revised {
        let mut push = |breakdown: &str, category: &str, b: Option<i64>, a: i64| {
            c.force.push(r.new.force.clone());
            c.month.push(r.new.month.clone());
            c.source_file.push(r.new.id.clone());
            c.previous_source_file.push(r.old.id.clone());
            c.sha256.push(r.new.sha256.clone().unwrap_or_default());
            c.previous_sha256
                .push(r.old.sha256.clone().unwrap_or_default());
            c.previous_published.push(previous.finished_at.clone());
            c.breakdown.push(breakdown.to_owned());
            c.category.push(category.to_owned());
            c.before.push(b);
            c.after.push(a);
        };
        push(
            "rows",
            "all",
            Some(i64::from(r.old.rows_kept)),
            i64::from(r.new.rows_kept),
        );
        for (breakdown, order) in [
            ("ethnicity", ethnicity_order()),
            ("outcome_class", outcome_order()),
        ] {
            // Every category either version has, zeros included, in table order.
            let key = |cat: &str| {
                (
                    r.new.force.clone(),
                    r.new.month.clone(),
                    breakdown,
                    cat.to_owned(),
                )
            };
            let present: BTreeMap<usize, &str> = order
                .iter()
                .enumerate()
                .filter(|(_, cat)| {
                    after.contains_key(&key(cat))
                        || before.as_ref().is_some_and(|b| b.contains_key(&key(cat)))
                })
                .map(|(i, cat)| (i, *cat))
                .collect();
            for cat in present.values() {
                let a = after.get(&key(cat)).copied().unwrap_or(0);
                let b = before
                    .as_ref()
                    .map(|b| b.get(&key(cat)).copied().unwrap_or(0));
                push(breakdown, cat, b, a);
            }
        }
    }
    let new = c.frame()?;
    match carried {
        Some(mut old) => {
            old.vstack_mut(&new)?;
            Ok(old)
        }
        None => Ok(new),
    }
}

/// The revisions the previous publication listed, if its table is there and has this
/// table's columns (a table of another layout is not carried forward).
fn carried_forward(out: &Path) -> Option<DataFrame> {
    let path = out.join("tables").join("revisions.parquet");
    let file = std::fs::File::open(&path).ok()?;
    let df = ParquetReader::new(file).finish().ok()?;
    let empty = Columns::default().frame().ok()?;
    (df.schema() == empty.schema()).then_some(df)
}
