//! The `run` command: discover → ingest → normalise → tables → write.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use tracing::{debug, info, warn};

use crate::coverage::{self, Outcome};
use crate::discover::{self, Discovery, NameOverride, Problem};
use crate::error::{Error, Result};
use crate::forces::Force;
use crate::frame::{self, RejectRow};
use crate::ingest::{self, Ingested, Limits};
use crate::manifest::{self, Manifest};
use crate::month::Month;
use crate::normalise::vocab::Ethnicity;
use crate::normalise::{FileRows, Normaliser};
use crate::population::Population;
use crate::{charts, dictionary, figures, report, tables, write};

/// A validated `run` configuration.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub inputs: Vec<PathBuf>,
    pub out: PathBuf,
    pub keep_going: bool,
    pub names: NameOverride,
    /// Forces in scope: their files are read and their months appear in coverage.
    pub forces: Vec<&'static Force>,
    pub limits: Limits,
    pub progress: bool,
    /// The command line, recorded in the manifest.
    pub arguments: Vec<String>,
    /// Folder of the SQL files that define the aggregate tables.
    pub queries: PathBuf,
    /// Denominators, reference group and area rules for the aggregate tables.
    pub population: Population,
    pub reference: Ethnicity,
    pub merge_city_into_met: bool,
    /// Draw the charts and write the report.
    pub charts: bool,
    /// Where parsed sources are cached by content hash; `None` for no cache.
    pub cache: Option<PathBuf>,
    /// Mapping files for force and FOI extracts (`--mapping`).
    pub mappings: Vec<crate::extract::Mapping>,
    /// The grounds classifier, from `grounds.toml` in the queries folder.
    pub grounds: crate::grounds::Classifier,
    /// Which months to include.
    pub window: Window,
    /// Data-quality limits above which the run exits with code 1.
    pub thresholds: crate::config::Thresholds,
    /// Where to write the machine-readable summary, if anywhere.
    pub summary_json: Option<PathBuf>,
    /// Download from data.police.uk into a data folder first (settings file `[fetch]`).
    pub fetch: Option<crate::fetch::FetchConfig>,
}

/// The months a run includes: the last N months of the data, or a fixed range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    pub months: Option<u32>,
    pub from: Option<Month>,
    pub to: Option<Month>,
}

impl Window {
    /// First and last month kept, given the latest month the data covers.
    pub fn bounds(&self, latest: Option<Month>) -> (Option<Month>, Option<Month>) {
        match (self.months, latest) {
            (Some(n), Some(latest)) => (Some(latest.back(n.saturating_sub(1))), Some(latest)),
            _ => (self.from, self.to),
        }
    }

    pub fn is_all(&self) -> bool {
        *self == Window::default()
    }
}

fn in_bounds(m: Month, (lo, hi): (Option<Month>, Option<Month>)) -> bool {
    lo.is_none_or(|lo| m >= lo) && hi.is_none_or(|hi| m <= hi)
}

fn describe_bounds((lo, hi): (Option<Month>, Option<Month>)) -> String {
    let show = |m: Option<Month>| m.map_or_else(|| "…".to_owned(), |m| m.to_string());
    format!("outside the months {} to {}", show(lo), show(hi))
}

/// What a run did, for the exit code, the closing log line and `--summary-json`.
#[derive(Debug, Default, serde::Serialize)]
pub struct RunSummary {
    pub rows_read: u64,
    pub rows_kept: u64,
    pub rows_rejected: u64,
    pub sources: usize,
    /// Files that could not be used (only under --keep-going).
    pub problems: Vec<String>,
    pub tables: Vec<(String, usize)>,
    pub charts: usize,
    /// First and last month of the run.
    pub first_month: Option<String>,
    pub last_month: Option<String>,
    /// Forces in scope with no usable data for the last month.
    pub forces_missing_last_month: Vec<String>,
    /// What `[fetch]` downloaded before the run, if it was asked for.
    pub fetch: Option<crate::fetch::FetchReport>,
}

impl RunSummary {
    /// Share of the rows read that were rejected.
    pub fn reject_share(&self) -> f64 {
        if self.rows_read == 0 {
            0.0
        } else {
            self.rows_rejected as f64 / self.rows_read as f64
        }
    }

    /// The data-quality warnings that make a successful run exit with code 1: files skipped
    /// under `--keep-going`, and whatever crosses the configured thresholds.
    pub fn warnings(&self, thresholds: &crate::config::Thresholds) -> Vec<String> {
        let mut out: Vec<String> = self
            .problems
            .iter()
            .map(|p| format!("file skipped: {p}"))
            .collect();
        if let Some(max) = thresholds.max_reject_share
            && self.reject_share() > max
        {
            out.push(format!(
                "{} of {} rows rejected ({:.2}%), over the threshold of {:.2}%",
                self.rows_rejected,
                self.rows_read,
                100.0 * self.reject_share(),
                100.0 * max
            ));
        }
        if thresholds.require_latest_month && !self.forces_missing_last_month.is_empty() {
            out.push(format!(
                "no data for {} from {}",
                self.last_month.as_deref().unwrap_or("the last month"),
                self.forces_missing_last_month.join(", ")
            ));
        }
        out
    }
}

/// Peak resident memory so far in MiB, where the system says (Linux), for the debug log.
fn peak_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kib| kib / 1024)
}

use crate::manifest::now;

/// What the output folder holds, written into every output (the repository's `output/` keeps
/// the same file, so a default run leaves the checkout clean).
const OUTPUT_README: &str = include_str!("../output/README.md");

pub fn run(cfg: &RunConfig) -> Result<RunSummary> {
    let started_at = now();
    let clock = Instant::now();
    // Everything is written into a staging folder and swapped in at the end: a run that fails
    // or is killed leaves the previous output as it was.
    let publisher = crate::publish::Publisher::begin(&cfg.out)?;
    let out = publisher.staging().to_path_buf();
    // Under the lock, so two scheduled runs never download into the same folder at once.
    let fetched = match &cfg.fetch {
        Some(f) => Some(crate::fetch::fetch(f)?),
        None => None,
    };

    let mut found = discover::discover(&cfg.inputs, &cfg.names, &cfg.mappings)?;
    scope_to_forces(&mut found, &cfg.forces);
    // With a window of the last N months, N counts back from the latest data.police.uk file
    // (or, with none, the latest extract month, once the extracts are read).
    let mut bounds = cfg
        .window
        .bounds(found.sources.iter().map(|s| s.month).max());
    if !cfg.window.is_all() {
        scope_to_months(&mut found, bounds);
    }
    info!(
        sources = found.sources.len(),
        extracts = found.extracts.len(),
        superseded = found.superseded.len(),
        skipped = found.skipped.len(),
        problems = found.problems.len(),
        "discovered inputs"
    );
    if !cfg.keep_going
        && let Some(p) = found.problems.first()
    {
        return Err(p.clone().into_error());
    }
    if found.sources.is_empty() && found.extracts.is_empty() && found.problems.is_empty() {
        let list: Vec<_> = cfg.inputs.iter().map(|p| p.display().to_string()).collect();
        return Err(Error::NoInputs(list.join(", ")));
    }
    let Discovery {
        sources,
        mut superseded,
        mut skipped,
        mut problems,
        files,
        extracts,
    } = found;

    let bar = progress_bar(cfg.progress, sources.len());
    let cache = cfg.cache.as_deref().map(ingest::cache::Cache::new);
    let mut ingested = ingest::ingest(sources, cfg.limits, cache.as_ref(), |n| bar.inc(n as u64));
    if let Some(c) = &cache {
        c.save_hashes();
    }
    bar.finish_and_clear();
    let from_cache = ingested.iter().filter(|i| i.cached).count();
    info!(
        parsed = ingested.len() - from_cache,
        from_cache,
        elapsed = ?clock.elapsed(),
        "read inputs"
    );
    debug!(elapsed = ?clock.elapsed(), peak_mib = peak_mib(), "ingested");

    for i in &ingested {
        if let Err(problem) = &i.result {
            let p = Problem {
                id: i.source.id.clone(),
                path: i.source.path.clone(),
                problem: problem.clone(),
            };
            if !cfg.keep_going {
                return Err(p.into_error());
            }
            warn!(file = %p.id, "{}", p.problem);
            problems.push(p);
        }
    }
    let mut extracted = read_extracts(&extracts, cfg, &mut problems, &mut skipped)?;
    if !cfg.window.is_all() {
        if bounds == (None, None) || (cfg.window.months.is_some() && bounds.1.is_none()) {
            bounds = cfg
                .window
                .bounds(extracted.parts.iter().map(|p| p.source.month).max());
        }
        let (keep, out_of_window): (Vec<_>, Vec<_>) = extracted
            .parts
            .into_iter()
            .partition(|p| in_bounds(p.source.month, bounds));
        extracted.parts = keep;
        skipped.extend(out_of_window.into_iter().map(|p| discover::Skipped {
            id: p.source.id,
            reason: describe_bounds(bounds),
        }));
    }
    merge_extracts(&mut ingested, extracted.parts, &mut superseded);
    check_reconciliation(&ingested)?;
    let synthetic = check_not_mixed(&ingested, &extracted.constructed)?;

    // The span: every month any source (read, failed or superseded) belongs to.
    let months_seen = ingested
        .iter()
        .map(|i| i.source.month)
        .chain(superseded.iter().map(|(s, _)| s.month));
    let (first, last) = match (months_seen.clone().min(), months_seen.max()) {
        (Some(a), Some(b)) => (a, b),
        _ => {
            return Err(Error::NoInputs(
                "no readable stop-and-search file".to_owned(),
            ));
        }
    };
    // A window the user set is the span of the run: its months with no file show as missing.
    let (first, last) = if cfg.window.is_all() {
        (first, last)
    } else {
        (bounds.0.unwrap_or(first), bounds.1.unwrap_or(last))
    };
    let months: Vec<Month> = first.through(last).collect();
    let month_code = |m: Month| months.iter().position(|x| *x == m).unwrap_or(0) as u32;

    // Coverage.
    let outcomes: Vec<Outcome> = ingested
        .iter()
        .map(|i| Outcome {
            force: i.source.force,
            month: i.source.month,
            source: i.source.id.clone(),
            rows: i.result.as_ref().ok().map(|p| p.batch.len() as u32),
            rejected: i.result.as_ref().map_or(0, |p| p.rejects.len() as u32),
            problem: i.result.as_ref().err().map(|e| e.to_string()),
        })
        .collect();
    let superseded_keys: Vec<_> = superseded
        .iter()
        .map(|(s, _)| (s.force, s.month, s.id.clone()))
        .collect();
    let coverage_rows = coverage::coverage(&cfg.forces, first, last, &outcomes, &superseded_keys);
    let forces_missing_last_month: Vec<String> = coverage_rows
        .iter()
        .filter(|r| r.month == last && !r.status.is_covered())
        .map(|r| r.force.id.to_owned())
        .collect();

    // Hashes of the files read whole (an archive's own hash is taken separately).
    let file_hashes: std::collections::HashMap<PathBuf, String> = ingested
        .iter()
        .filter(|i| !matches!(i.source.kind, discover::Kind::ZipMember { .. }))
        .filter_map(|i| Some((i.source.path.clone(), i.sha256.clone()?)))
        .collect();

    // Manifest entries, then move the batches into normalisation.
    let mut summary = RunSummary {
        first_month: Some(first.to_string()),
        last_month: Some(last.to_string()),
        forces_missing_last_month,
        fetch: fetched,
        ..RunSummary::default()
    };
    let mut source_entries = Vec::new();
    let mut kept_sources = Vec::new();
    let mut files_rows = Vec::new();
    let mut quality_files = Vec::new();
    let mut reject_rows = Vec::new();
    for i in ingested {
        let Ingested {
            source,
            sha256,
            result,
            cached,
        } = i;
        let force_code =
            crate::forces::index_of(source.force.id).expect("sources have known forces") as u32;
        let (read, kept, rejected) = match &result {
            Ok(p) => (p.rows_read, p.batch.len() as u32, p.rejects.len() as u32),
            Err(_) => (0, 0, 0),
        };
        summary.rows_read += u64::from(read);
        summary.rows_kept += u64::from(kept);
        summary.rows_rejected += u64::from(rejected);
        source_entries.push(manifest::SourceEntry {
            id: source.id.clone(),
            kind: source.kind.label().to_owned(),
            force: source.force.id.to_owned(),
            month: source.month.to_string(),
            status: if result.is_ok() { "read" } else { "failed" }.to_owned(),
            from_cache: cached,
            sha256,
            rows_read: read,
            rows_kept: kept,
            rows_rejected: rejected,
            superseded_by: None,
            problem: result.as_ref().err().map(|e| e.to_string()),
        });
        if let Ok(parsed) = result {
            let code = kept_sources.len() as u32;
            kept_sources.push(source.id.clone());
            quality_files.push((
                force_code,
                month_code(source.month),
                source.id.clone(),
                kept,
            ));
            reject_rows.extend(parsed.rejects.into_iter().map(|r| RejectRow {
                force: force_code,
                month: month_code(source.month),
                source: source.id.clone(),
                line: r.line,
                reason: r.reason,
                raw: r.raw,
            }));
            files_rows.push(FileRows {
                source: code,
                force: source.force,
                month: source.month,
                batch: parsed.batch,
            });
        }
    }
    summary.sources = kept_sources.len();
    // An extract's rows whose month (or force) could not be read: rejected, with no month.
    for (id, force, rejects) in extracted.undated {
        let n = rejects.len() as u32;
        summary.rows_read += u64::from(n);
        summary.rows_rejected += u64::from(n);
        let force_code = force.map_or(crate::ingest::batch::NULL, |f| {
            crate::forces::index_of(f.id).expect("a known force") as u32
        });
        let undated_id = format!("{id}#undated");
        reject_rows.extend(rejects.into_iter().map(|r| RejectRow {
            force: force_code,
            month: crate::ingest::batch::NULL,
            source: undated_id.clone(),
            line: r.line,
            reason: r.reason,
            raw: r.raw,
        }));
        source_entries.push(manifest::SourceEntry {
            id: undated_id,
            kind: "extract".to_owned(),
            force: force.map_or_else(String::new, |f| f.id.to_owned()),
            month: String::new(),
            status: "read".to_owned(),
            from_cache: false,
            sha256: None,
            rows_read: n,
            rows_kept: 0,
            rows_rejected: n,
            superseded_by: None,
            problem: None,
        });
    }
    for (s, by) in &superseded {
        source_entries.push(manifest::SourceEntry {
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
        });
    }

    let batches: Vec<&ingest::RawBatch> = files_rows.iter().map(|f| &f.batch).collect();
    let normaliser = Normaliser::new(&batches, &cfg.grounds);
    let quality: Vec<_> = files_rows
        .iter()
        .enumerate()
        .flat_map(|(i, f)| normaliser.quality(i, f))
        .collect();
    let searches = frame::searches(&mut files_rows, &normaliser, &months, &kept_sources)
        .map_err(Error::polars("building searches"))?;
    drop(files_rows);
    debug!(elapsed = ?clock.elapsed(), rows = searches.height(), peak_mib = peak_mib(), "normalised");

    let tables_dir = out.join("tables");
    let mut frames = [
        (searches, &dictionary::SEARCHES),
        (
            frame::coverage(&coverage_rows, &months).map_err(Error::polars("building coverage"))?,
            &dictionary::COVERAGE,
        ),
        (
            frame::rejects(&reject_rows, &months).map_err(Error::polars("building rejects"))?,
            &dictionary::REJECTS,
        ),
        (
            frame::quality(&quality, &quality_files, &months)
                .map_err(Error::polars("building quality"))?,
            &dictionary::QUALITY,
        ),
    ];
    let mut table_entries = Vec::new();
    let mut write_table = |df: &mut polars::prelude::DataFrame, meta: &write::TableMeta| {
        let path = write::parquet(df, &tables_dir, meta)?;
        table_entries.push(manifest::TableEntry {
            name: meta.name.clone(),
            path: relative(&path, &out),
            rows: df.height(),
        });
        summary.tables.push((meta.name.clone(), df.height()));
        Ok::<(), Error>(())
    };
    for (df, doc) in frames.iter_mut().skip(1) {
        write_table(df, &(*doc).into())?;
    }
    let [(searches_df, searches_doc), (coverage_df, _), ..] = frames;
    let settings = tables::Settings {
        population: cfg.population.clone(),
        reference: cfg.reference,
        merge_city_into_met: cfg.merge_city_into_met,
        forces: cfg.forces.clone(),
        grounds: cfg.grounds.clone(),
    };
    let queries = tables::queries::load(&cfg.queries)?;
    let mut by_name = std::collections::HashMap::new();
    let mut documented_aggregates = Vec::new();
    // The searches table is written while the aggregate tables are built: compressing it
    // keeps one core busy while the queries, often waiting on one another, leave it idle.
    let (searches_written, built) = std::thread::scope(|scope| {
        let mut df = searches_df.clone();
        let dir = &tables_dir;
        let writer = scope.spawn(move || {
            let path = write::parquet(&mut df, dir, &searches_doc.into())?;
            debug!(elapsed = ?clock.elapsed(), peak_mib = peak_mib(), "wrote the searches table");
            Ok::<_, Error>((path, df.height()))
        });
        let built = tables::build(
            queries,
            searches_df,
            &coverage_df,
            &settings,
            |mut table| {
                let path = write::parquet(&mut table.df, &tables_dir, &table.meta)?;
                table_entries.push(manifest::TableEntry {
                    name: table.meta.name.clone(),
                    path: relative(&path, &out),
                    rows: table.df.height(),
                });
                summary
                    .tables
                    .push((table.meta.name.clone(), table.df.height()));
                documented_aggregates.push(dictionary::Documented::of(&table.meta, &table.df));
                // Kept only for the charts and the report.
                if cfg.charts {
                    by_name.insert(table.meta.name.clone(), table.df);
                }
                Ok(())
            },
        );
        let written = writer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (written, built)
    });
    built?;
    let (searches_path, searches_rows) = searches_written?;
    table_entries.insert(
        0,
        manifest::TableEntry {
            name: dictionary::SEARCHES.name.to_owned(),
            path: relative(&searches_path, &out),
            rows: searches_rows,
        },
    );
    summary
        .tables
        .insert(0, (dictionary::SEARCHES.name.to_owned(), searches_rows));
    debug!(elapsed = ?clock.elapsed(), peak_mib = peak_mib(), "aggregate tables built and written");
    if cfg.charts {
        // CSV twins of the aggregate tables, for spreadsheet users of the report.
        let csv: Vec<Result<PathBuf>> = by_name
            .par_iter_mut()
            .map(|(name, df)| write::csv(df, &tables_dir, name))
            .collect();
        for written in csv {
            written?;
        }
        let figures = figures::figures(&figures::Inputs {
            tables: &by_name,
            coverage: &coverage_df,
            reference: cfg.reference.as_str(),
            census: &cfg.population.vintage,
            merge_city_into_met: cfg.merge_city_into_met,
            synthetic,
            extracts: {
                let mut names: Vec<String> = extracts
                    .iter()
                    .map(|e| cfg.mappings[e.mapping].name.clone())
                    .collect();
                names.sort();
                names.dedup();
                names
            },
            grounds_categories: cfg.grounds.names().into_iter().map(str::to_owned).collect(),
        });
        let planned = charts::plan(&figures);
        let rendered = charts::render_all(&planned, &out)?;
        debug!(elapsed = ?clock.elapsed(), charts = rendered.len(), "charts drawn");
        summary.charts = rendered.len();
        let links: Vec<report::TableLink> = table_entries
            .iter()
            .map(|t| report::TableLink {
                name: t.name.clone(),
                rows: t.rows,
                parquet: t.path.clone(),
                csv: by_name
                    .contains_key(&t.name)
                    .then(|| format!("tables/{}.csv", t.name)),
            })
            .collect();
        let mut documented: Vec<dictionary::Documented> =
            dictionary::TABLES.iter().map(|t| (*t).into()).collect();
        documented.extend(documented_aggregates);
        report::write(
            &report::Inputs {
                figures: &figures,
                charts: &rendered,
                tables: &links,
                dictionary: &documented,
            },
            &out,
        )?;
        debug!(elapsed = ?clock.elapsed(), "report written");
    }

    summary.problems = problems
        .iter()
        .map(|p| format!("{}: {}", p.id, p.problem))
        .collect();
    let manifest = Manifest {
        stopsearch_version: crate::VERSION.to_owned(),
        synthetic,
        started_at,
        finished_at: now(),
        arguments: cfg.arguments.clone(),
        inputs: files
            .iter()
            .map(|f| manifest::Input {
                id: f.id.clone(),
                path: f.path.display().to_string(),
                size: f.size,
                sha256: file_hashes
                    .get(&f.path)
                    .cloned()
                    .or_else(|| ingest::read::sha256_file(&f.path).ok()),
            })
            .collect(),
        sources: source_entries,
        skipped: skipped
            .iter()
            .map(|s| manifest::Skipped {
                id: s.id.clone(),
                reason: s.reason.clone(),
            })
            .collect(),
        problems: problems
            .iter()
            .map(|p| manifest::ProblemEntry {
                file: p.id.clone(),
                problem: p.problem.to_string(),
            })
            .collect(),
        totals: manifest::Totals {
            sources_read: summary.sources,
            sources_failed: outcomes.iter().filter(|o| o.rows.is_none()).count(),
            sources_superseded: superseded.len(),
            rows_read: summary.rows_read,
            rows_kept: summary.rows_kept,
            rows_rejected: summary.rows_rejected,
        },
        tables: table_entries,
        fetch: summary.fetch.clone(),
    };
    let json = serde_json::to_vec_pretty(&manifest).expect("the manifest serialises");
    write::atomic(&out.join("manifest.json"), &json)?;
    write::atomic(&out.join("README.md"), OUTPUT_README.as_bytes())?;
    publisher.publish()?;
    info!(
        rows_read = summary.rows_read,
        rows_kept = summary.rows_kept,
        rows_rejected = summary.rows_rejected,
        elapsed = ?clock.elapsed(),
        peak_mib = peak_mib(),
        "run complete"
    );
    Ok(summary)
}

/// Drops sources of forces outside the run's scope (recorded as skipped).
/// What the force and FOI extracts yielded.
struct Extracted {
    /// One per force-month, like any other source.
    parts: Vec<Ingested>,
    /// Rows rejected before their force-month could be told (unreadable date or force):
    /// extract id, its fixed force if it has one, and the rejects.
    undated: Vec<(String, Option<&'static Force>, Vec<ingest::Reject>)>,
    /// Ids of parts that are constructed test data.
    constructed: Vec<String>,
}

/// Reads every extract through its mapping, splitting it into force-months. An extract that
/// cannot be read (a column the mapping names is missing, say) stops the run, or under
/// `--keep-going` is recorded as a problem.
fn read_extracts(
    extracts: &[crate::extract::ExtractInput],
    cfg: &RunConfig,
    problems: &mut Vec<Problem>,
    skipped: &mut Vec<discover::Skipped>,
) -> Result<Extracted> {
    let read: Vec<_> = extracts
        .par_iter()
        .map(|e| crate::extract::read(e, &cfg.mappings[e.mapping], cfg.limits.max_bytes))
        .collect();
    let mut out = Extracted {
        parts: Vec::new(),
        undated: Vec::new(),
        constructed: Vec::new(),
    };
    for (e, result) in extracts.iter().zip(read) {
        let mapping = &cfg.mappings[e.mapping];
        let read = match result {
            Ok(r) => r,
            Err(problem) => {
                let p = Problem {
                    id: e.id.clone(),
                    path: e.path.clone(),
                    problem,
                };
                if !cfg.keep_going {
                    return Err(p.into_error());
                }
                warn!(file = %p.id, "{}", p.problem);
                problems.push(p);
                continue;
            }
        };
        let in_parts: u32 = read.parts.iter().map(|(_, p)| p.rows_read).sum();
        if in_parts + read.undated.len() as u32 != read.rows_read {
            return Err(Error::Invariant(format!(
                "{}: rows read {} != rows in force-months {in_parts} + undated rejects {}",
                e.id,
                read.rows_read,
                read.undated.len()
            )));
        }
        info!(
            extract = %e.id,
            mapping = %mapping.path.display(),
            rows = read.rows_read,
            force_months = read.parts.len(),
            rejected_undated = read.undated.len(),
            "read extract"
        );
        if !read.undated.is_empty() {
            let force = match mapping.force {
                crate::extract::ForceSpec::Fixed(f) => Some(f),
                crate::extract::ForceSpec::Column(_) => None,
            };
            out.undated.push((e.id.clone(), force, read.undated));
        }
        for (source, parsed) in read.parts {
            if !cfg.forces.iter().any(|f| f.id == source.force.id) {
                skipped.push(discover::Skipped {
                    reason: format!(
                        "force {} is not in --forces ({} rows)",
                        source.force.id, parsed.rows_read
                    ),
                    id: source.id,
                });
                continue;
            }
            if mapping.constructed_for_tests {
                out.constructed.push(source.id.clone());
            }
            out.parts.push(Ingested {
                source,
                sha256: Some(read.sha256.clone()),
                result: Ok(parsed),
                cached: false,
            });
        }
    }
    Ok(out)
}

/// Adds the extracts' force-months to the sources. A force-month an extract carries replaces a
/// data.police.uk file for the same force-month (the extract is the fuller record of the same
/// searches, with their grounds; counting both would count every search twice); between two
/// extracts, the one whose id sorts last is kept. What is replaced is recorded as superseded.
fn merge_extracts(
    ingested: &mut Vec<Ingested>,
    parts: Vec<Ingested>,
    superseded: &mut Vec<(discover::Source, String)>,
) {
    for part in parts {
        let same = ingested.iter().position(|i| {
            i.source.force.id == part.source.force.id && i.source.month == part.source.month
        });
        match same {
            None => ingested.push(part),
            Some(at) => {
                let other = &ingested[at];
                let part_wins = !matches!(other.source.kind, discover::Kind::Extract { .. })
                    || part.source.id > other.source.id;
                if part_wins {
                    let old = ingested.remove(at);
                    info!(replaced = %old.source.id, by = %part.source.id, "an extract replaces a file for the same force-month");
                    superseded.push((old.source, part.source.id.clone()));
                    ingested.push(part);
                } else {
                    superseded.push((part.source, other.source.id.clone()));
                }
            }
        }
    }
    ingested.sort_by(|a, b| {
        let key = |i: &Ingested| (crate::forces::index_of(i.source.force.id), i.source.month);
        key(a)
            .cmp(&key(b))
            .then_with(|| a.source.id.cmp(&b.source.id))
    });
}

/// Drops sources outside the month window (recorded as skipped).
fn scope_to_months(d: &mut Discovery, bounds: (Option<Month>, Option<Month>)) {
    let (keep, out): (Vec<_>, Vec<_>) = d
        .sources
        .drain(..)
        .partition(|s| in_bounds(s.month, bounds));
    d.sources = keep;
    d.skipped.extend(out.into_iter().map(|s| discover::Skipped {
        id: s.id,
        reason: describe_bounds(bounds),
    }));
    d.superseded.retain(|(s, _)| in_bounds(s.month, bounds));
}

fn scope_to_forces(d: &mut Discovery, forces: &[&'static Force]) {
    let in_scope = |f: &Force| forces.iter().any(|g| g.id == f.id);
    let (keep, out): (Vec<_>, Vec<_>) = d.sources.drain(..).partition(|s| in_scope(s.force));
    d.sources = keep;
    d.skipped.extend(out.into_iter().map(|s| discover::Skipped {
        id: s.id,
        reason: format!("force {} is not in --forces", s.force.id),
    }));
    d.superseded.retain(|(s, _)| in_scope(s.force));
}

/// Test data (synthetic files from `stopsearch synth`, or an extract whose mapping says it
/// was constructed for tests) and real data are never mixed: a run reads one kind or the other.
/// Returns whether the run is on test data.
fn check_not_mixed(ingested: &[Ingested], constructed: &[String]) -> Result<bool> {
    let mut test = None::<&str>;
    let mut real = None::<&str>;
    for i in ingested {
        let Ok(p) = &i.result else { continue };
        if p.batch.is_empty() {
            continue;
        }
        let ops = &p.batch.labels[ingest::LabelCol::PolicingOperation.index()];
        if ops.dict.iter().any(|l| &**l == crate::synth::MARKER)
            || constructed.contains(&i.source.id)
        {
            test.get_or_insert(&i.source.id);
        } else {
            real.get_or_insert(&i.source.id);
        }
    }
    match (test, real) {
        (Some(s), Some(r)) => Err(Error::Usage(format!(
            "{s} is test data (synthetic, from `stopsearch synth`, or an extract whose mapping \
             says constructed_for_tests) and {r} is real: they are never mixed in one run"
        ))),
        (s, _) => Ok(s.is_some()),
    }
}

/// Rows read = rows kept + rows rejected, for every source. Checked on every run.
fn check_reconciliation(ingested: &[Ingested]) -> Result<()> {
    for i in ingested {
        if let Ok(p) = &i.result {
            let (read, kept, rejected) = (p.rows_read as usize, p.batch.len(), p.rejects.len());
            let columns_agree = p.batch.datetime.len() == kept
                && p.batch.latitude.len() == kept
                && p.batch.labels.iter().all(|l| l.codes.len() == kept);
            if read != kept + rejected || !columns_agree {
                return Err(Error::Invariant(format!(
                    "{}: rows read {read} != kept {kept} + rejected {rejected}",
                    i.source.id
                )));
            }
        }
    }
    Ok(())
}

fn relative(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

fn progress_bar(show: bool, len: usize) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} files {elapsed}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix("reading");
    bar
}
