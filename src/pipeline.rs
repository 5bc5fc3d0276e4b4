//! The `run` command: the stages in order, each taking the previous stage's result.
//!
//! input (fetch, discover, ingest, extracts) → normalise (ledger, coverage, row frames) →
//! tables (the SQL in `queries/`, checked against their contracts) → output (Parquet, CSV
//! twins) → present (figures, charts, report) → manifest and publish.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use polars::prelude::DataFrame;
use tracing::{debug, info};

use crate::error::{Error, Result};
use crate::geography;
use crate::input::fetch::{self, FetchConfig, FetchReport};
use crate::input::gather::{self, Gathered};
use crate::normalise::coverage::{self, CoverageRow};
use crate::normalise::{Normaliser, frame, ledger};
use crate::output::manifest::{self, Manifest};
use crate::output::publish::Publisher;
use crate::output::{dictionary, increment, revisions, unchanged, write};
use crate::present::{charts, figures, report};
use crate::reference::month::now;
use crate::reference::schema::{self, TableMeta};
use crate::tables;
use crate::tables::contract::{self, Row};

/// A validated `run` configuration: each stage's options, and where the run writes.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub input: gather::Options,
    pub out: PathBuf,
    /// The command line, recorded in the manifest.
    pub arguments: Vec<String>,
    /// Folder of the SQL files that define the aggregate tables.
    pub queries: PathBuf,
    /// Denominators, reference group, area rules and grounds classifier for the tables.
    pub tables: tables::Settings,
    /// Draw the charts and write the report.
    pub charts: bool,
    /// Where to write the machine-readable summary, if anywhere.
    pub summary_json: Option<PathBuf>,
    /// Download from data.police.uk into a data folder first (settings file `[fetch]`).
    pub fetch: Option<FetchConfig>,
    /// Local authority district boundaries, read after any fetch (which may bring them).
    pub boundaries: Option<Boundaries>,
    /// When a month's rows are out of line with the force's recent months.
    pub suspicion: coverage::Suspicion,
    /// What the output depends on besides the inputs, queries and boundaries, so a rerun
    /// with nothing new can leave it standing.
    pub depends_on: DependsOn,
}

/// The merged options (as JSON) and the reference files they name.
#[derive(Debug, Clone, Default)]
pub struct DependsOn {
    pub options: String,
    /// The same without the options that change no table (whether charts are drawn).
    pub tables_options: String,
    pub reads: Vec<PathBuf>,
}

/// Where the district boundaries are.
#[derive(Debug, Clone)]
pub struct Boundaries {
    /// The layer searches are placed in (ONS BGC).
    pub assign: PathBuf,
    /// The layer maps are drawn from (ONS BUC); default: beside `assign`, else `assign`.
    pub map: Option<PathBuf>,
}

/// What a run did, for the exit code, the closing log line and `--summary-json`.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct RunSummary {
    /// Nothing the run reads had changed since the run that made the published output, which
    /// was left standing; the other figures are that run's.
    #[serde(default)]
    pub unchanged: bool,
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
    /// What `[fetch]` downloaded before the run, if it was asked for (this run's, also when
    /// nothing had changed).
    #[serde(skip_deserializing)]
    pub fetch: Option<FetchReport>,
    /// Changes of the latest financial year against the year before whose interval excludes
    /// no change, for forces and England and Wales: the thresholds on changes read them.
    pub clear_changes: Vec<ClearChange>,
}

/// A change whose 95% interval excludes no change.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ClearChange {
    pub area: String,
    pub period: String,
    pub previous_period: String,
    pub search_group: String,
    pub ethnicity: String,
    /// `ratio_change` (the rate ratio against the reference group, as a ratio of the two
    /// years') or `out_of_court_share_change` (the difference of the two shares).
    pub measure: String,
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// The clear changes of the latest financial year in the changes table.
fn clear_changes(df: &DataFrame) -> Result<Vec<ClearChange>> {
    let rows = contract::ChangeRow::read(df)?;
    let latest = rows
        .iter()
        .filter(|r| r.comparison == "financial_year")
        .map(|r| r.period.clone())
        .max();
    let mut out = Vec::new();
    for r in rows.iter().filter(|r| {
        Some(&r.period) == latest.as_ref()
            && r.comparison == "financial_year"
            && r.area_type != "local_authority"
            && !r.small_numbers
    }) {
        let mut push = |measure: &str, value, low, high, no_change: f64| {
            if let (Some(value), Some(low), Some(high)) = (value, low, high)
                && (low > no_change || high < no_change)
            {
                out.push(ClearChange {
                    area: r.area.clone(),
                    period: r.period.clone(),
                    previous_period: r.previous_period.clone(),
                    search_group: r.search_group.clone(),
                    ethnicity: r.ethnicity.clone(),
                    measure: measure.to_owned(),
                    value,
                    low,
                    high,
                });
            }
        };
        push(
            "ratio_change",
            r.ratio_change,
            r.ratio_change_ci_low,
            r.ratio_change_ci_high,
            1.0,
        );
        push(
            "out_of_court_share_change",
            r.out_of_court_share_change,
            r.out_of_court_share_change_ci_low,
            r.out_of_court_share_change_ci_high,
            0.0,
        );
    }
    Ok(out)
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

/// What the output folder holds, written into every output (the repository's `output/` keeps
/// the same file, so a default run leaves the checkout clean).
const OUTPUT_README: &str = include_str!("../output/README.md");

pub fn run(cfg: &RunConfig) -> Result<RunSummary> {
    let started_at = now();
    let clock = Instant::now();
    // Everything is written into a staging folder and swapped in at the end: a run that fails
    // or is killed leaves the previous output as it was.
    let publisher = Publisher::begin(&cfg.out)?;
    let out = publisher.staging().to_path_buf();
    // Under the lock, so two scheduled runs never download into the same folder at once.
    let fetched = cfg.fetch.as_ref().map(fetch::fetch).transpose()?;
    let fingerprint = fingerprint(cfg);
    if let (Some(cache), Some(fingerprint)) = (&cfg.input.cache, &fingerprint)
        && let Some(mut summary) = unchanged::previous(cache, &cfg.out, fingerprint)
    {
        info!(
            out = %cfg.out.display(),
            elapsed = ?clock.elapsed(),
            "nothing new since the run that made the published output: every input, query, \
             reference file and option is as it was, so its tables stand as published"
        );
        summary.unchanged = true;
        summary.fetch = fetched;
        return Ok(summary);
    }
    let with_districts;
    let cfg = match &cfg.boundaries {
        Some(b) => {
            let cache = cfg.input.cache.clone();
            let g = geography::Geography::load(&b.assign, b.map.as_deref(), cache)?;
            if cfg.tables.population.by_lad.is_none() {
                tracing::warn!(
                    population = %cfg.tables.population.vintage,
                    "the population has no figures by district (only Census 2021 has them): \
                     searches are placed, but every table stays by force"
                );
            }
            let mut c = cfg.clone();
            c.tables.geography = Some(std::sync::Arc::new(g));
            with_districts = c;
            &with_districts
        }
        None => cfg,
    };
    let gathered = gather::gather(&cfg.input)?;
    let housekeeping =
        cfg.input.cache.as_deref().map(|root| {
            crate::input::ingest::cache::plan_housekeeping(root, &gathered.cache_bundles)
        });
    debug!(elapsed = ?clock.elapsed(), peak_mib = peak_mib(), "ingested");
    let mut accounts = Accounts::of(&gathered, &cfg.input.forces, fetched, cfg.suspicion);
    let normalised = normalise(gathered, &accounts.coverage, cfg)?;
    debug!(elapsed = ?clock.elapsed(), peak_mib = peak_mib(), "normalised");
    accounts.count(&normalised.ledger_counts);
    let previous = revisions::Previous::read(&cfg.out);
    let revised = revisions::revisions(
        &cfg.out,
        previous.as_ref(),
        &accounts.sources,
        &normalised.searches,
    )
    .map_err(Error::polars("building revisions"))?;
    let force_months = increment::months(&accounts.sources, &accounts.coverage);
    let settings = settings_fingerprint(cfg);
    let splice = splice(cfg, settings.as_deref(), &force_months, &accounts.coverage);
    let tables_dir = out.join("tables");
    let mut written = Written::new(&out);
    for (mut df, doc) in [
        (normalised.coverage.clone(), &schema::COVERAGE),
        (normalised.rejects, &schema::REJECTS),
        (normalised.quality, &schema::QUALITY),
        (revised.clone(), &schema::REVISIONS),
    ] {
        written.parquet(&mut df, &tables_dir, &doc.into())?;
    }
    let aggregates = build_tables(
        cfg,
        normalised.searches,
        &normalised.coverage,
        &tables_dir,
        &mut written,
        &mut accounts.summary.clear_changes,
        splice,
    )?;
    debug!(elapsed = ?clock.elapsed(), peak_mib = peak_mib(), "aggregate tables built and written");
    if let Some(aggregates) = aggregates {
        let presented = Presented {
            synthetic: accounts.synthetic,
            extracts: &accounts.extract_names,
            revisions: &revised,
            previous_published: previous.as_ref().map(|p| p.finished_at.as_str()),
        };
        accounts.summary.charts = present(
            cfg,
            aggregates,
            &normalised.coverage,
            &presented,
            &written,
            &out,
        )?;
        debug!(elapsed = ?clock.elapsed(), "report written");
    }
    let finishing = Instant::now();
    let (summary, mut manifest) = accounts.finish(started_at, cfg, written);
    manifest.cache = housekeeping.clone();
    let json = serde_json::to_vec_pretty(&manifest).expect("the manifest serialises");
    write::atomic(&out.join("manifest.json"), &json)?;
    write::atomic(&out.join("README.md"), OUTPUT_README.as_bytes())?;
    debug!(elapsed = ?finishing.elapsed(), "manifest written");
    publisher.publish()?;
    if let Some(h) = &housekeeping {
        h.apply();
    }
    if let Some(cache) = &cfg.input.cache {
        match &settings {
            Some(settings) => increment::record(
                cache,
                &cfg.out,
                settings,
                &manifest.finished_at,
                force_months,
            ),
            None => increment::forget(cache),
        }
    }
    if let (Some(cache), Some(fingerprint)) = (&cfg.input.cache, &fingerprint) {
        unchanged::record(
            cache,
            &cfg.out,
            fingerprint,
            &manifest.finished_at,
            &summary,
        );
    }
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

/// What the manifest and the summary record about the inputs, taken from the input stage
/// before its batches move on to normalisation.
struct Accounts {
    summary: RunSummary,
    coverage: Vec<CoverageRow>,
    sources: Vec<manifest::SourceEntry>,
    inputs: Vec<manifest::Input>,
    skipped: Vec<manifest::Skipped>,
    problems: Vec<manifest::ProblemEntry>,
    sources_failed: usize,
    sources_superseded: usize,
    synthetic: bool,
    extract_names: Vec<String>,
}

impl Accounts {
    fn of(
        g: &Gathered,
        forces: &[&'static crate::reference::forces::Force],
        fetched: Option<FetchReport>,
        suspicion: coverage::Suspicion,
    ) -> Accounts {
        let (first, last) = g.span;
        let outcomes = ledger::outcomes(&g.ingested);
        let superseded_keys: Vec<_> = g
            .superseded
            .iter()
            .map(|(s, _)| (s.force, s.month, s.id.clone()))
            .collect();
        let coverage =
            coverage::coverage(forces, first, last, &outcomes, &superseded_keys, suspicion);
        let forces_missing_last_month = coverage
            .iter()
            .filter(|r| r.month == last && !r.status.is_covered())
            .map(|r| r.force.id.to_owned())
            .collect();
        Accounts {
            summary: RunSummary {
                first_month: Some(first.to_string()),
                last_month: Some(last.to_string()),
                forces_missing_last_month,
                fetch: fetched,
                sources: g.ingested.iter().filter(|i| i.result.is_ok()).count(),
                problems: g
                    .problems
                    .iter()
                    .map(|p| format!("{}: {}", p.id, p.problem.describe()))
                    .collect(),
                ..RunSummary::default()
            },
            coverage,
            sources: manifest::source_entries(&g.ingested, &g.undated, &g.superseded),
            inputs: manifest::inputs(&g.files, &g.ingested),
            skipped: g
                .skipped
                .iter()
                .map(|s| manifest::Skipped {
                    id: s.id.clone(),
                    reason: s.reason.clone(),
                })
                .collect(),
            problems: g
                .problems
                .iter()
                .map(|p| manifest::ProblemEntry {
                    file: p.id.clone(),
                    problem: p.problem.describe(),
                })
                .collect(),
            sources_failed: outcomes.iter().filter(|o| o.rows.is_none()).count(),
            sources_superseded: g.superseded.len(),
            synthetic: g.synthetic,
            extract_names: g.extract_names.clone(),
        }
    }

    fn count(&mut self, c: &(u64, u64, u64)) {
        (
            self.summary.rows_read,
            self.summary.rows_kept,
            self.summary.rows_rejected,
        ) = *c;
    }

    /// The run's summary and its manifest, once everything is written.
    fn finish(
        mut self,
        started_at: String,
        cfg: &RunConfig,
        written: Written,
    ) -> (RunSummary, Manifest) {
        self.summary.tables = written.tables;
        let manifest = Manifest {
            stopsearch_version: crate::VERSION.to_owned(),
            synthetic: self.synthetic,
            started_at,
            finished_at: now(),
            arguments: cfg.arguments.clone(),
            inputs: self.inputs,
            sources: self.sources,
            skipped: self.skipped,
            problems: self.problems,
            totals: manifest::Totals {
                sources_read: self.summary.sources,
                sources_failed: self.sources_failed,
                sources_superseded: self.sources_superseded,
                rows_read: self.summary.rows_read,
                rows_kept: self.summary.rows_kept,
                rows_rejected: self.summary.rows_rejected,
            },
            tables: written.entries,
            fetch: self.summary.fetch.clone(),
            settings: manifest::Settings {
                drop_exact_duplicates: cfg.input.drop_exact_duplicates,
                partial_month_share: cfg.suspicion.partial_share,
                spike_month_multiple: cfg.suspicion.spike_multiple,
                not_stated_limit: cfg.tables.not_stated_limit,
                home_office_limit: cfg.tables.home_office_limit,
            },
            cache: None,
        };
        (self.summary, manifest)
    }
}

/// The row-level tables.
struct Normalised {
    searches: DataFrame,
    coverage: DataFrame,
    rejects: DataFrame,
    quality: DataFrame,
    /// Rows read, kept and rejected.
    ledger_counts: (u64, u64, u64),
}

/// Turns what was read into the row-level tables, with labels from both vocabulary eras
/// mapped to one scale.
fn normalise(g: Gathered, coverage_rows: &[CoverageRow], cfg: &RunConfig) -> Result<Normalised> {
    let months = g.months();
    let mut l = ledger::collect(g.ingested, g.undated, &months);
    let batches: Vec<&crate::input::ingest::RawBatch> = l.files.iter().map(|f| &f.batch).collect();
    let normaliser = Normaliser::new(&batches, &cfg.tables.grounds);
    let quality: Vec<_> = l
        .files
        .iter()
        .enumerate()
        .flat_map(|(i, f)| normaliser.quality(i, f))
        .collect();
    let placed = cfg.tables.geography.as_deref().map(|g| {
        let points = l.files.iter().flat_map(|f| {
            f.batch
                .longitude
                .iter()
                .copied()
                .zip(f.batch.latitude.iter().copied())
        });
        (g, geography::place_points(g, points))
    });
    let locating = placed
        .as_ref()
        .map(|(geography, placed)| frame::Locating { geography, placed });
    let searches = frame::searches(
        &mut l.files,
        &normaliser,
        &months,
        &l.kept_sources,
        locating.as_ref(),
    )
    .map_err(Error::polars("building searches"))?;
    let coverage =
        frame::coverage(coverage_rows, &months).map_err(Error::polars("building coverage"))?;
    // The report reads it too.
    contract::CoverageRow::CONTRACT
        .check(&coverage, "the coverage table (src/normalise/frame.rs)")?;
    Ok(Normalised {
        searches,
        coverage,
        rejects: frame::rejects(&l.rejects, &months).map_err(Error::polars("building rejects"))?,
        quality: frame::quality(&quality, &l.quality_files, &months)
            .map_err(Error::polars("building quality"))?,
        ledger_counts: (l.rows_read, l.rows_kept, l.rows_rejected),
    })
}

/// The tables written so far, for the manifest, the summary and the report's links.
struct Written {
    out: PathBuf,
    entries: Vec<manifest::TableEntry>,
    tables: Vec<(String, usize)>,
    documented: Vec<dictionary::Documented>,
}

impl Written {
    fn new(out: &Path) -> Written {
        Written {
            out: out.to_path_buf(),
            entries: Vec::new(),
            tables: Vec::new(),
            documented: Vec::new(),
        }
    }

    fn parquet(&mut self, df: &mut DataFrame, dir: &Path, meta: &TableMeta) -> Result<()> {
        let path = write::parquet(df, dir, meta)?;
        self.record(meta, &path, df.height());
        Ok(())
    }

    fn record(&mut self, meta: &TableMeta, path: &Path, rows: usize) {
        self.entries.push(manifest::TableEntry {
            name: meta.name.clone(),
            path: relative(path, &self.out),
            rows,
        });
        self.tables.push((meta.name.clone(), rows));
    }
}

/// Builds and writes the aggregate tables, checking each against its contract as it is
/// made; returns them by name when the charts and report will read them.
///
/// The searches table, and each aggregate table as it is finished, are written on threads of
/// their own while the next query runs: compressing keeps a core busy that the queries,
/// often waiting on one another, leave idle. At most one finished table waits to be written,
/// so memory holds no queue of them.
fn build_tables(
    cfg: &RunConfig,
    searches: DataFrame,
    coverage: &DataFrame,
    dir: &Path,
    written: &mut Written,
    changes: &mut Vec<ClearChange>,
    splice: Option<tables::Splice>,
) -> Result<Option<HashMap<String, DataFrame>>> {
    let queries = tables::queries::load(&cfg.queries)?;
    // Only the program's own queries are known to read no further than a year back.
    let splice = splice.filter(|_| {
        let own = tables::queries::are_built_in(&queries);
        if !own {
            info!(
                queries = %cfg.queries.display(),
                "the queries are not the program's own, so every table is made from scratch"
            );
        }
        own
    });
    let mut by_name = HashMap::new();
    let (searches_written, tables_written, built) = std::thread::scope(|scope| {
        let mut df = searches.clone();
        let searches_writer = scope.spawn(move || {
            let meta: TableMeta = (&schema::SEARCHES).into();
            let path = write::parquet(&mut df, dir, &meta)?;
            Ok::<_, Error>((meta, path, df.height()))
        });
        let (send, receive) = std::sync::mpsc::sync_channel::<tables::Table>(1);
        // The CSV twins (for spreadsheet users of the report) are written here too, while the
        // next query runs, rather than all at once after the last.
        let twins = cfg.charts;
        let tables_writer = scope.spawn(move || {
            let mut done = Vec::new();
            for mut table in receive {
                let path = write::parquet(&mut table.df, dir, &table.meta)?;
                if twins {
                    write::csv(&mut table.df, dir, &table.meta.name)?;
                }
                done.push((table.meta, path, table.df.height()));
            }
            Ok::<_, Error>(done)
        });
        let built = tables::build(
            queries,
            searches,
            coverage,
            &cfg.tables,
            splice.as_ref(),
            |table| {
                written
                    .documented
                    .push(dictionary::Documented::of(&table.meta, &table.df));
                if table.meta.name == "changes" {
                    *changes = clear_changes(&table.df)?;
                }
                // Kept only for the charts and the report (a clone shares the columns), and only
                // the rows they read.
                if cfg.charts {
                    let kept = figures::keep(&table.meta.name, table.df.clone())?;
                    by_name.insert(table.meta.name.clone(), kept);
                }
                // A writer that stopped has an error of its own, reported first below.
                send.send(table)
                    .map_err(|_| Error::Invariant("the table writer stopped".to_owned()))
            },
        );
        drop(send);
        let searches_written = searches_writer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let tables_written = tables_writer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (searches_written, tables_written, built)
    });
    let tables_written = tables_written?;
    built?;
    for (meta, path, rows) in tables_written {
        written.record(&meta, &path, rows);
    }
    let (meta, path, rows) = searches_written?;
    // The row-level searches table comes first in the manifest and the summary.
    written.record(&meta, &path, rows);
    written.entries.rotate_right(1);
    written.tables.rotate_right(1);
    Ok(cfg.charts.then_some(by_name))
}

/// What the published output depends on, as [`unchanged::fingerprint`] takes it; `None`
/// when the run cannot tell (it then runs whole).
fn fingerprint(cfg: &RunConfig) -> Option<String> {
    let mut files: Vec<PathBuf> = cfg.input.inputs.clone();
    files.extend(settings_files(cfg));
    (!cfg.depends_on.options.is_empty())
        .then(|| unchanged::fingerprint(&cfg.depends_on.options, &files))
}

/// What the published tables depend on besides the inputs (the fingerprint above without the
/// input files, and without whether charts are drawn), for [`increment`], which judges the
/// inputs force-month by force-month.
fn settings_fingerprint(cfg: &RunConfig) -> Option<String> {
    (!cfg.depends_on.tables_options.is_empty())
        .then(|| unchanged::fingerprint(&cfg.depends_on.tables_options, &settings_files(cfg)))
}

/// The files besides the inputs that a run reads: the queries, the reference files and the
/// boundaries.
fn settings_files(cfg: &RunConfig) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = vec![cfg.queries.clone()];
    files.extend(cfg.depends_on.reads.iter().cloned());
    if let Some(b) = &cfg.boundaries {
        files.push(b.assign.clone());
        files.extend(
            b.map
                .clone()
                .or_else(|| geography::sibling_map_layer(&b.assign)),
        );
    }
    files
}

/// The periods to make again, when the published tables were made by this program with these
/// settings and only some force-months changed since; `None` (every table from scratch)
/// otherwise, or when the changed periods read every month anyway.
fn splice(
    cfg: &RunConfig,
    settings: Option<&str>,
    force_months: &std::collections::BTreeMap<String, String>,
    coverage: &[CoverageRow],
) -> Option<tables::Splice> {
    let cache = cfg.input.cache.as_deref()?;
    let Some(touched) = increment::touched(cache, &cfg.out, settings?, force_months) else {
        debug!("no published tables this run can build on: every table is made from scratch");
        return None;
    };
    let months: Vec<_> = coverage
        .iter()
        .map(|r| r.month)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let splice = tables::Splice::of(&touched, &months, cfg.out.join("tables"));
    let changed: Vec<String> = touched.iter().map(ToString::to_string).collect();
    if splice.window.len() >= months.len() {
        info!(
            changed = %changed.join(" "),
            "the months changed since the published output touch every year: every table is made from scratch"
        );
        return None;
    }
    info!(
        changed = %changed.join(" "),
        window_months = splice.window.len(),
        months = months.len(),
        "only the periods of the months changed since the published output are made again"
    );
    Some(splice)
}

/// What the charts' source lines say about the inputs.
struct Presented<'a> {
    synthetic: bool,
    extracts: &'a [String],
    /// The revisions table, and when the previous run finished (its new rows carry it).
    revisions: &'a DataFrame,
    previous_published: Option<&'a str>,
}

/// CSV twins of the aggregate tables, the figures read from them, the charts and the report.
/// Returns the number of charts drawn.
fn present(
    cfg: &RunConfig,
    aggregates: HashMap<String, DataFrame>,
    coverage: &DataFrame,
    inputs: &Presented,
    written: &Written,
    out: &Path,
) -> Result<usize> {
    let clock = std::time::Instant::now();
    // Each aggregate table has its CSV twin, written beside its Parquet file.
    let twins: BTreeSet<String> = aggregates.keys().cloned().collect();
    let figures = figures::figures(
        &figures::Inputs {
            queries: &cfg.queries,
            coverage,
            reference: cfg.tables.reference.as_str(),
            census: &cfg.tables.population.vintage,
            merge_city_into_met: cfg.tables.merge_city_into_met,
            synthetic: inputs.synthetic,
            extracts: inputs.extracts.to_vec(),
            grounds_categories: cfg
                .tables
                .grounds
                .names()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            districts: cfg.tables.geography.is_some() && cfg.tables.population.by_lad.is_some(),
            revisions: inputs.revisions,
            previous_published: inputs.previous_published,
            residents: cfg
                .tables
                .forces
                .iter()
                .filter_map(|f| {
                    let r = cfg.tables.population.residents(f.pfa_code?)?;
                    Some((f.id.to_owned(), r.total))
                })
                .collect(),
        },
        aggregates,
    )?;
    let layer = cfg.tables.geography.as_deref().map(charts::maps::Layer::of);
    let planned = charts::plan(&figures, layer.as_ref());
    debug!(elapsed = ?clock.elapsed(), charts = planned.len(), "figures read and charts planned");
    let clock = std::time::Instant::now();
    let rendered = charts::render_all(&planned, out)?;
    debug!(elapsed = ?clock.elapsed(), charts = rendered.len(), "charts drawn");
    let links: Vec<report::TableLink> = written
        .entries
        .iter()
        .map(|t| report::TableLink {
            name: t.name.clone(),
            rows: t.rows,
            parquet: t.path.clone(),
            csv: twins
                .contains(&t.name)
                .then(|| format!("tables/{}.csv", t.name)),
        })
        .collect();
    let mut documented: Vec<dictionary::Documented> =
        schema::TABLES.iter().map(|t| (*t).into()).collect();
    documented.extend(written.documented.iter().cloned());
    report::write(
        &report::Inputs {
            figures: &figures,
            charts: &rendered,
            tables: &links,
            dictionary: &documented,
        },
        out,
    )?;
    Ok(rendered.len())
}

fn relative(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}
