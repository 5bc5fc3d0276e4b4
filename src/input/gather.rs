//! The input stage as one step: discover the sources, keep those in the run's forces and
//! months, read them (through the cache), read the extracts through their mappings and put
//! their force-months in place of the files they replace. What comes out has every row read
//! accounted for: kept, rejected, or in a source that failed.

use std::path::PathBuf;

use rayon::prelude::*;
use tracing::{info, warn};

use crate::error::{Error, Result};
use crate::input::discover::{self, Discovery, NameOverride};
use crate::input::extract::{self, ExtractInput, ForceSpec, Mapping};
use crate::input::ingest::{self, Ingested, Limits, Reject};
use crate::input::source::{InputFile, Kind, Problem, Skipped, Source};
use crate::reference::forces::{self, Force};
use crate::reference::month::Month;

/// What the input stage needs to know.
#[derive(Debug, Clone)]
pub struct Options {
    pub inputs: Vec<PathBuf>,
    pub names: NameOverride,
    /// Forces in scope: their files are read and their months appear in coverage.
    pub forces: Vec<&'static Force>,
    /// Mapping files for force and FOI extracts (`--mapping`).
    pub mappings: Vec<Mapping>,
    pub window: Window,
    pub limits: Limits,
    pub keep_going: bool,
    /// Where parsed sources are cached by content hash; `None` for no cache.
    pub cache: Option<PathBuf>,
    pub progress: bool,
    /// Move rows that repeat an earlier row of their file to the rejects (a sensitivity
    /// analysis: by default they are kept, as they can be real).
    pub drop_exact_duplicates: bool,
}

/// The months a run includes: the last N months of the data, or a fixed range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    pub months: Option<u32>,
    pub from: Option<Month>,
    pub to: Option<Month>,
}

/// First and last month kept; `None` is open.
type Bounds = (Option<Month>, Option<Month>);

impl Window {
    /// First and last month kept, given the latest month the data covers.
    pub fn bounds(&self, latest: Option<Month>) -> Bounds {
        match (self.months, latest) {
            (Some(n), Some(latest)) => (Some(latest.back(n.saturating_sub(1))), Some(latest)),
            _ => (self.from, self.to),
        }
    }

    pub fn is_all(&self) -> bool {
        *self == Window::default()
    }
}

fn in_bounds(m: Month, (lo, hi): Bounds) -> bool {
    lo.is_none_or(|lo| m >= lo) && hi.is_none_or(|hi| m <= hi)
}

fn describe_bounds((lo, hi): Bounds) -> String {
    let show = |m: Option<Month>| m.map_or_else(|| "…".to_owned(), |m| m.to_string());
    format!("outside the months {} to {}", show(lo), show(hi))
}

/// Rows of an extract whose month (or force) could not be read: rejected, with no month.
#[derive(Debug)]
pub struct Undated {
    pub extract: String,
    /// The extract's fixed force, if its mapping gives one.
    pub force: Option<&'static Force>,
    pub rejects: Vec<Reject>,
}

/// Everything the input stage found and read.
#[derive(Debug)]
pub struct Gathered {
    /// One per force-month read (or failed, under `--keep-going`), by force then month.
    pub ingested: Vec<Ingested>,
    /// Sources not read because another carries the same force-month: (source, id kept).
    pub superseded: Vec<(Source, String)>,
    pub skipped: Vec<Skipped>,
    pub problems: Vec<Problem>,
    /// Every file found, in the order found.
    pub files: Vec<InputFile>,
    pub undated: Vec<Undated>,
    /// The inputs are test data (synthetic, or an extract constructed for tests).
    pub synthetic: bool,
    /// Names of the extracts' mappings, sorted, for the charts' source lines.
    pub extract_names: Vec<String>,
    /// First and last month of the run.
    pub span: (Month, Month),
    /// The cache bundles the run used (current for its months), for housekeeping.
    pub cache_bundles: Vec<String>,
}

impl Gathered {
    /// Every month of the run, first to last.
    pub fn months(&self) -> Vec<Month> {
        self.span.0.through(self.span.1).collect()
    }
}

pub fn gather(opts: &Options) -> Result<Gathered> {
    let (found, mut bounds) = discover(opts)?;
    let Discovery {
        sources,
        mut superseded,
        mut skipped,
        mut problems,
        files,
        extracts,
        ..
    } = found;
    let (mut ingested, cache_bundles) = read_sources(sources, opts);
    for i in &ingested {
        if let Err(problem) = &i.result {
            let p = Problem {
                id: i.source.id.clone(),
                path: i.source.path.clone(),
                problem: problem.clone(),
            };
            if !opts.keep_going {
                return Err(p.into_error());
            }
            warn!(file = %p.id, "{}", p.problem.describe());
            problems.push(p);
        }
    }
    let mut extracted = read_extracts(&extracts, opts, &mut problems, &mut skipped)?;
    if !opts.window.is_all() {
        if bounds == (None, None) || (opts.window.months.is_some() && bounds.1.is_none()) {
            bounds = opts
                .window
                .bounds(extracted.parts.iter().map(|p| p.source.month).max());
        }
        let (keep, out_of_window): (Vec<_>, Vec<_>) = extracted
            .parts
            .into_iter()
            .partition(|p| in_bounds(p.source.month, bounds));
        extracted.parts = keep;
        skipped.extend(out_of_window.into_iter().map(|p| Skipped {
            id: p.source.id,
            reason: describe_bounds(bounds),
        }));
    }
    merge_extracts(&mut ingested, extracted.parts, &mut superseded);
    if opts.drop_exact_duplicates {
        for i in &mut ingested {
            if let Ok(parsed) = &mut i.result {
                parsed.drop_exact_duplicates();
            }
        }
    }
    check_reconciliation(&ingested)?;
    let synthetic = check_not_mixed(&ingested, &extracted.constructed)?;
    let span = span(&ingested, &superseded, &opts.window, bounds)?;
    let mut extract_names: Vec<String> = extracts
        .iter()
        .map(|e| opts.mappings[e.mapping].name.clone())
        .collect();
    extract_names.sort();
    extract_names.dedup();
    Ok(Gathered {
        ingested,
        superseded,
        skipped,
        problems,
        files,
        undated: extracted.undated,
        synthetic,
        extract_names,
        span,
        cache_bundles,
    })
}

/// Finds the sources and keeps those in the run's forces and months. A file that cannot be
/// used stops the run unless `--keep-going`.
fn discover(opts: &Options) -> Result<(Discovery, Bounds)> {
    let mut found = discover::discover(&opts.inputs, &opts.names, &opts.mappings)?;
    scope_to_forces(&mut found, &opts.forces);
    // With a window of the last N months, N counts back from the latest data.police.uk file
    // (or, with none, the latest extract month, once the extracts are read).
    let bounds = opts
        .window
        .bounds(found.sources.iter().map(|s| s.month).max());
    if !opts.window.is_all() {
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
    if !opts.keep_going
        && let Some(p) = found.problems.first()
    {
        return Err(p.clone().into_error());
    }
    if found.sources.is_empty() && found.extracts.is_empty() && found.problems.is_empty() {
        let list: Vec<_> = opts
            .inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        if let Some((n, Some(first), Some(last))) = found.outside_window {
            let show = |m: Option<Month>| m.map_or_else(|| "…".to_owned(), |m| m.to_string());
            return Err(Error::Usage(format!(
                "{n} stop-and-search {} found in {}, but none in the months asked for \
                 ({} to {}): the files cover {first} to {last}",
                if n == 1 { "file" } else { "files" },
                list.join(", "),
                show(bounds.0),
                show(bounds.1)
            )));
        }
        return Err(Error::NoInputs(list.join(", ")));
    }
    Ok((found, bounds))
}

/// Reads the data.police.uk files, through the cache if there is one.
fn read_sources(
    sources: Vec<crate::input::source::FileSource>,
    opts: &Options,
) -> (Vec<Ingested>, Vec<String>) {
    let clock = std::time::Instant::now();
    let bar = progress_bar(opts.progress, sources.len());
    let cache = opts.cache.as_deref().map(ingest::cache::Cache::new);
    let ingested = ingest::ingest(sources, opts.limits, cache.as_ref(), |n| bar.inc(n as u64));
    if let Some(c) = &cache {
        c.save_hashes();
    }
    let used = cache.as_ref().map(|c| c.used()).unwrap_or_default();
    bar.finish_and_clear();
    let from_cache = ingested.iter().filter(|i| i.cached).count();
    info!(
        parsed = ingested.len() - from_cache,
        from_cache,
        elapsed = ?clock.elapsed(),
        "read inputs"
    );
    (ingested, used)
}

/// The span: every month any source (read, failed or superseded) belongs to, or the window
/// the user set (whose months with no file then show as missing).
fn span(
    ingested: &[Ingested],
    superseded: &[(Source, String)],
    window: &Window,
    bounds: Bounds,
) -> Result<(Month, Month)> {
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
    Ok(if window.is_all() {
        (first, last)
    } else {
        (bounds.0.unwrap_or(first), bounds.1.unwrap_or(last))
    })
}

/// What the force and FOI extracts yielded.
struct Extracted {
    /// One per force-month, like any other source.
    parts: Vec<Ingested>,
    undated: Vec<Undated>,
    /// Ids of parts that are constructed test data.
    constructed: Vec<String>,
}

/// Reads every extract through its mapping, splitting it into force-months. An extract that
/// cannot be read (a column the mapping names is missing, say) stops the run, or under
/// `--keep-going` is recorded as a problem.
fn read_extracts(
    extracts: &[ExtractInput],
    opts: &Options,
    problems: &mut Vec<Problem>,
    skipped: &mut Vec<Skipped>,
) -> Result<Extracted> {
    let read: Vec<_> = extracts
        .par_iter()
        .map(|e| extract::read(e, &opts.mappings[e.mapping], opts.limits.max_bytes))
        .collect();
    let mut out = Extracted {
        parts: Vec::new(),
        undated: Vec::new(),
        constructed: Vec::new(),
    };
    for (e, result) in extracts.iter().zip(read) {
        let mapping = &opts.mappings[e.mapping];
        let read = match result {
            Ok(r) => r,
            Err(problem) => {
                let p = Problem {
                    id: e.id.clone(),
                    path: e.path.clone(),
                    problem,
                };
                if !opts.keep_going {
                    return Err(p.into_error());
                }
                warn!(file = %p.id, "{}", p.problem.describe());
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
                ForceSpec::Fixed(f) => Some(f),
                ForceSpec::Column(_) => None,
            };
            out.undated.push(Undated {
                extract: e.id.clone(),
                force,
                rejects: read.undated,
            });
        }
        for (source, parsed) in read.parts {
            if !opts.forces.iter().any(|f| f.id == source.force.id) {
                skipped.push(Skipped {
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
    superseded: &mut Vec<(Source, String)>,
) {
    for part in parts {
        let same = ingested.iter().position(|i| {
            i.source.force.id == part.source.force.id && i.source.month == part.source.month
        });
        match same {
            None => ingested.push(part),
            Some(at) => {
                let other = &ingested[at];
                let part_wins = !matches!(other.source.kind, Kind::Extract { .. })
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
        let key = |i: &Ingested| (forces::index_of(i.source.force.id), i.source.month);
        key(a)
            .cmp(&key(b))
            .then_with(|| a.source.id.cmp(&b.source.id))
    });
}

/// Drops sources outside the month window (recorded as skipped).
fn scope_to_months(d: &mut Discovery, bounds: Bounds) {
    let (keep, out): (Vec<_>, Vec<_>) = d
        .sources
        .drain(..)
        .partition(|s| in_bounds(s.month, bounds));
    if keep.is_empty() && d.extracts.is_empty() && !out.is_empty() {
        d.outside_window = Some((
            out.len(),
            out.iter().map(|s| s.month).min(),
            out.iter().map(|s| s.month).max(),
        ));
    }
    d.sources = keep;
    d.skipped.extend(out.into_iter().map(|s| Skipped {
        id: s.id,
        reason: describe_bounds(bounds),
    }));
    d.superseded.retain(|(s, _)| in_bounds(s.month, bounds));
}

/// Drops sources of forces outside the run's scope (recorded as skipped).
fn scope_to_forces(d: &mut Discovery, forces: &[&'static Force]) {
    let in_scope = |f: &Force| forces.iter().any(|g| g.id == f.id);
    let (keep, out): (Vec<_>, Vec<_>) = d.sources.drain(..).partition(|s| in_scope(s.force));
    d.sources = keep;
    d.skipped.extend(out.into_iter().map(|s| Skipped {
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
        if ops.dict.iter().any(|l| &**l == crate::input::synth::MARKER)
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
