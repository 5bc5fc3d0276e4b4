//! Command-line arguments, parsed once and validated into a [`RunConfig`].

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::config::{ConfigFile, FetchSection};
use crate::discover::NameOverride;
use crate::error::{Error, Result};
use crate::extract::Mapping;
use crate::fetch::FetchConfig;
use crate::forces::{self, FORCES};
use crate::grounds::Classifier;
use crate::ingest::Limits;
use crate::month::Month;
use crate::normalise::vocab::Ethnicity;
use crate::population::{Census, Population};
use crate::run::{RunConfig, Window};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  success with data-quality warnings: files skipped under --keep-going, or a configured
     threshold crossed (--max-reject-share, --require-latest-month)
  2  usage or input error (bad arguments, settings or mapping file, unreadable or malformed
     input)
  3  fetch from data.police.uk failed (after retries); nothing partial is left behind
  4  output could not be written or published, or another run holds the output's lock;
     the previous output is left as it was";

#[derive(Debug, Parser)]
#[command(
    name = "stopsearch",
    version,
    about = "Audit police stop and search in England and Wales for ethnic disproportionality",
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// Only errors on stderr (for cron).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// More detail on stderr (-v, -vv).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Worker threads (default: one per core). Results are identical whatever the count.
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ingest stop-and-search files and write the tables.
    #[command(after_help = EXIT_CODES)]
    Run(Box<RunArgs>),
    /// Download stop-and-search data from the data.police.uk API (or a mirror) into a data
    /// folder that `run` reads: one stops-force_<force>_<YYYY-MM>.json per force-month, and
    /// any monthly archive zips named with --archive. Resumable; a partial download never
    /// replaces a good file.
    #[command(after_help = EXIT_CODES)]
    Fetch(FetchArgs),
    /// Print the data dictionary (every table and column) as Markdown.
    Dictionary(DictionaryArgs),
    /// Write SYNTHETIC stop-and-search files, for benchmarks and scale tests ONLY. Rows are
    /// resampled from the bundled real fixtures and marked `SYNTHETIC TEST DATA`; `run`
    /// refuses to mix them with real data. Never publish figures made from them.
    Synth(SynthArgs),
    /// Measure the grounds classifier (queries/grounds.toml) on a labelled sample of grounds
    /// texts (CSV: id,text,expected with categories separated by `;`): precision and recall
    /// per category, on all texts and on the held-out half (even-numbered ids), as Markdown.
    GroundsCheck(GroundsCheckArgs),
}

#[derive(Debug, Args)]
pub struct GroundsCheckArgs {
    /// The labelled sample (e.g. fixtures/grounds/labelled_grounds_sample.csv).
    #[arg(value_name = "FILE")]
    pub labelled: PathBuf,
    /// Folder holding grounds.toml (default: queries/).
    #[arg(long, value_name = "DIR")]
    pub queries: Option<PathBuf>,
    /// Also list every text the classifier gets wrong.
    #[arg(long)]
    pub errors: bool,
}

impl GroundsCheckArgs {
    pub fn queries_dir(&self) -> Result<PathBuf> {
        queries_dir(self.queries.clone())
    }
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Comma-separated force ids (default: all 44).
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub forces: Vec<String>,
    /// First month, YYYY-MM.
    #[arg(long, value_name = "YYYY-MM")]
    pub from: String,
    /// Last month, YYYY-MM.
    #[arg(long, value_name = "YYYY-MM")]
    pub to: String,
    /// Folder to download into (created if need be).
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// API root, for mirrors and tests.
    #[arg(long, value_name = "URL", default_value = crate::fetch::DEFAULT_BASE_URL)]
    pub base_url: String,
    /// A monthly archive zip to download as well (e.g.
    /// https://data.police.uk/data/archive/2024-10.zip). Repeatable.
    #[arg(long, value_name = "URL")]
    pub archive: Vec<String>,
    /// Download again (or re-validate) months already fetched.
    #[arg(long)]
    pub refresh: bool,
    /// Attempts per request before giving up (retries back off exponentially, with jitter).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub max_attempts: u32,
    /// Timeout for one request, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout_seconds: u64,
}

impl FetchArgs {
    pub fn into_config(self) -> Result<FetchConfig> {
        let from = parse_month("--from", &self.from)?;
        let to = parse_month("--to", &self.to)?;
        if from > to {
            return Err(Error::Usage(format!("--from {from} is after --to {to}")));
        }
        let forces = parse_forces(&self.forces)?;
        let mut cfg = FetchConfig::new(self.data, forces, from, to);
        cfg.base_url = self.base_url;
        cfg.archives = self.archive;
        cfg.refresh = self.refresh;
        cfg.max_attempts = self.max_attempts.max(1);
        cfg.timeout = std::time::Duration::from_secs(self.timeout_seconds.max(1));
        Ok(cfg)
    }
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Rows to write in all (malformed rows included).
    #[arg(long, value_name = "N")]
    pub rows: u64,
    /// First month, YYYY-MM.
    #[arg(long, value_name = "YYYY-MM")]
    pub from: String,
    /// Last month, YYYY-MM.
    #[arg(long, value_name = "YYYY-MM")]
    pub to: String,
    /// Random seed: the same seed gives the same files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Folder to write into (one subfolder per month).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

impl SynthArgs {
    pub fn into_config(self) -> Result<crate::synth::SynthConfig> {
        let month =
            |flag: &str, v: &str| v.parse().map_err(|e| Error::Usage(format!("{flag}: {e}")));
        Ok(crate::synth::SynthConfig {
            rows: self.rows,
            from: month("--from", &self.from)?,
            to: month("--to", &self.to)?,
            seed: self.seed,
            out: self.out,
            fixtures: bundled("fixtures/police_uk").ok_or_else(|| {
                Error::Usage(
                    "synth resamples the bundled fixtures (fixtures/police_uk), which are not here"
                        .into(),
                )
            })?,
        })
    }
}

#[derive(Debug, Args)]
pub struct DictionaryArgs {
    /// Folder of SQL files defining the aggregate tables (default: queries/).
    #[arg(long, value_name = "DIR")]
    pub queries: Option<PathBuf>,
}

impl DictionaryArgs {
    pub fn queries_dir(&self) -> Result<PathBuf> {
        queries_dir(self.queries.clone())
    }
}

fn queries_dir(given: Option<PathBuf>) -> Result<PathBuf> {
    match given {
        Some(dir) => Ok(dir),
        None => bundled("queries").ok_or_else(|| {
            Error::Usage("the queries folder (queries/) is not here; give --queries".into())
        }),
    }
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Files or folders: YYYY-MM-<force>-stop-and-search.csv[.gz], data.police.uk archive
    /// .zip files, saved stops-force_<force>_<YYYY-MM>.json[.gz] API responses, or folders
    /// holding them (searched recursively). Default: the bundled fixtures.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Settings file (TOML) for scheduled runs: inputs, fetch, forces, month window, census,
    /// reference group, outputs and thresholds. Flags given here override it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output folder (default: output). It is replaced whole, atomically, at the end of a
    /// successful run; a failed or killed run leaves the previous output as it was.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Only the last N months, counting back from the latest month the data.police.uk files
    /// cover.
    #[arg(long, value_name = "N", conflicts_with_all = ["from", "to"])]
    pub months: Option<u32>,
    /// First month to include, YYYY-MM.
    #[arg(long, value_name = "YYYY-MM")]
    pub from: Option<String>,
    /// Last month to include, YYYY-MM.
    #[arg(long, value_name = "YYYY-MM")]
    pub to: Option<String>,
    /// Exit with code 1 if more than this share of rows is rejected (e.g. 0.01 for 1%).
    #[arg(long, value_name = "SHARE")]
    pub max_reject_share: Option<f64>,
    /// Exit with code 1 if a force in scope has no data for the run's latest month.
    #[arg(long)]
    pub require_latest_month: bool,
    /// Write a machine-readable summary of the run (JSON) here, for monitoring; written on
    /// failure too.
    #[arg(long, value_name = "FILE")]
    pub summary_json: Option<PathBuf>,
    /// Record unreadable files as problems and carry on (exit code 1) instead of stopping.
    #[arg(long)]
    pub keep_going: bool,
    /// Force id for input files whose names do not say (e.g. a renamed API response).
    #[arg(long, value_name = "ID", requires = "month")]
    pub force: Option<String>,
    /// Month (YYYY-MM) for input files whose names do not say.
    #[arg(long, value_name = "YYYY-MM", requires = "force")]
    pub month: Option<String>,
    /// Comma-separated force ids to include (default: all 44).
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub forces: Vec<String>,
    /// Largest decompressed size accepted for one input file, in MiB (default 1024).
    #[arg(long, value_name = "MIB")]
    pub max_file_mib: Option<u64>,
    /// Census for the population denominators: 2021 (default) or 2011 (to reproduce figures
    /// published on the 2011 basis, up to the year ending March 2022).
    #[arg(long, value_name = "YEAR", conflicts_with = "population")]
    pub census: Option<String>,
    /// Your own population table, with the columns of the Census 2021 table (PFA22CD, total,
    /// asian, black, mixed, white, other).
    #[arg(long, value_name = "FILE")]
    pub population: Option<PathBuf>,
    /// Reference group for rate ratios: White (default), Asian, Black, Mixed or Other.
    #[arg(long, value_name = "GROUP")]
    pub reference: Option<String>,
    /// Fold the City of London into the Met (its resident population is no fit denominator).
    #[arg(long)]
    pub merge_city_into_met: bool,
    /// Folder of SQL files defining the aggregate tables (default: queries/).
    #[arg(long, value_name = "DIR")]
    pub queries: Option<PathBuf>,
    /// Tables only: no charts and no report.
    #[arg(long)]
    pub no_charts: bool,
    /// Cache of parsed files, keyed by the SHA-256 of their bytes, so later runs parse only
    /// new or changed files (default: .OUT.cache beside the output folder).
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    pub cache: Option<PathBuf>,
    /// Parse every file, and keep no cache.
    #[arg(long)]
    pub no_cache: bool,
    /// A mapping file (TOML) for a force or FOI extract in its own layout, CSV or XLSX, with
    /// free-text grounds: which column is the date, ethnicity, outcome, grounds... Extracts are
    /// the files it names under [extract] files, or any other CSV or XLSX given by name.
    /// Repeat for several layouts.
    #[arg(long, value_name = "FILE")]
    pub mapping: Vec<PathBuf>,
}

/// Whether `path` is `folder` or below it (compared after resolving what exists).
fn inside(path: &Path, folder: &Path) -> bool {
    let resolve = |p: &Path| {
        let absolute = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        absolute.canonicalize().unwrap_or(absolute)
    };
    resolve(path).starts_with(resolve(folder))
}

/// A folder of the source checkout: under the current folder, or under the checkout the binary
/// was built from.
fn bundled(relative: &str) -> Option<PathBuf> {
    let local = PathBuf::from(relative);
    if local.is_dir() {
        return Some(local);
    }
    let built = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative);
    built.is_dir().then_some(built)
}

/// Where the bundled real fixtures live: `fixtures/police_uk` under the current folder, or
/// under the source checkout the binary was built from.
fn default_inputs() -> Result<Vec<PathBuf>> {
    if let Some(dir) = bundled("fixtures/police_uk") {
        return Ok(vec![dir]);
    }
    Err(Error::Usage(
        "no INPUT given and the bundled fixtures (fixtures/police_uk) are not here; name the \
         files or folders to read"
            .to_owned(),
    ))
}

impl RunArgs {
    /// Merges the settings file (if any) under the flags and validates the result.
    pub fn into_config(self, quiet: bool) -> Result<RunConfig> {
        let file = match &self.config {
            Some(path) => ConfigFile::load(path)?,
            None => ConfigFile::default(),
        };
        let window = window(&self, &file)?;
        let force = self
            .force
            .clone()
            .map(|id| {
                forces::by_id(&id)
                    .ok_or_else(|| Error::Usage(format!("--force: unknown force id `{id}`")))
            })
            .transpose()?;
        let month = self
            .month
            .clone()
            .map(|m| m.parse().map_err(|e| Error::Usage(format!("--month: {e}"))))
            .transpose()?;
        let force_ids = if self.forces.is_empty() {
            file.forces.clone()
        } else {
            self.forces.clone()
        };
        let forces = parse_forces(&force_ids)?;
        let max_file_mib = self.max_file_mib.or(file.max_file_mib).unwrap_or(1024);
        if max_file_mib == 0 {
            return Err(Error::Usage("--max-file-mib must be at least 1".to_owned()));
        }
        let population_file = self.population.clone().or(file.population.clone());
        let census = self
            .census
            .clone()
            .or(file.census.map(|c| c.to_string()))
            .unwrap_or_else(|| "2021".to_owned());
        let population = match (&population_file, census.as_str()) {
            (Some(file), _) => Population::from_file(file)?,
            (None, "2021") => Population::census(Census::Y2021),
            (None, "2011") => Population::census(Census::Y2011),
            (None, other) => {
                return Err(Error::Usage(format!(
                    "--census: `{other}` is not a census we have; use 2021 or 2011"
                )));
            }
        };
        let reference_name = self
            .reference
            .clone()
            .or(file.reference.clone())
            .unwrap_or_else(|| "White".to_owned());
        let reference = Ethnicity::ALL
            .iter()
            .copied()
            .filter(|e| *e != Ethnicity::NotStated)
            .find(|e| e.as_str().eq_ignore_ascii_case(reference_name.trim()))
            .ok_or_else(|| {
                Error::Usage(format!(
                    "--reference: `{reference_name}` is not a group; use White, Asian, Black, \
                     Mixed or Other"
                ))
            })?;
        let queries = queries_dir(self.queries.clone().or(file.queries.clone()))?;
        let grounds = Classifier::load(&queries)?;
        let mapping_files = if self.mapping.is_empty() {
            file.mappings.clone()
        } else {
            self.mapping.clone()
        };
        let mappings = mapping_files
            .iter()
            .map(|m| Mapping::load(m))
            .collect::<Result<Vec<_>>>()?;
        let out = self
            .out
            .clone()
            .or(file.out.clone())
            .unwrap_or_else(|| PathBuf::from("output"));
        let no_cache = self.no_cache || file.no_cache;
        let cache = (!no_cache).then(|| {
            self.cache
                .clone()
                .or(file.cache.clone())
                .unwrap_or_else(|| crate::publish::default_cache(&out))
        });
        let fetch = match &file.fetch {
            Some(section) => Some(fetch_config(section, &forces, &window)?),
            None => None,
        };
        let mut inputs = if self.inputs.is_empty() {
            file.inputs.clone()
        } else {
            self.inputs.clone()
        };
        if let Some(f) = &fetch
            && !inputs.contains(&f.data_dir)
        {
            inputs.push(f.data_dir.clone());
        }
        if inputs.is_empty() {
            inputs = default_inputs()?;
        }
        // The output folder is replaced whole on every run: nothing it must keep can live in it.
        for (what, path) in inputs
            .iter()
            .map(|p| ("input", p))
            .chain(cache.iter().map(|c| ("--cache", c)))
        {
            if inside(path, &out) {
                return Err(Error::Usage(format!(
                    "{what} {} is inside the output folder {}, which every run replaces whole; \
                     keep it elsewhere",
                    path.display(),
                    out.display()
                )));
            }
        }
        let mut thresholds = file.thresholds.clone();
        if let Some(share) = self.max_reject_share {
            if !(0.0..=1.0).contains(&share) {
                return Err(Error::Usage(format!(
                    "--max-reject-share {share}: give a share between 0 and 1 (0.01 is 1%)"
                )));
            }
            thresholds.max_reject_share = Some(share);
        }
        thresholds.require_latest_month |= self.require_latest_month;
        Ok(RunConfig {
            inputs,
            out,
            keep_going: self.keep_going || file.keep_going,
            names: NameOverride { force, month },
            forces,
            limits: Limits {
                max_bytes: max_file_mib.saturating_mul(1 << 20),
            },
            progress: !quiet && std::io::stderr().is_terminal(),
            arguments: std::env::args().collect(),
            queries,
            population,
            reference,
            merge_city_into_met: self.merge_city_into_met || file.merge_city_into_met,
            charts: !self.no_charts && file.charts.unwrap_or(true),
            cache,
            mappings,
            grounds,
            window,
            thresholds,
            summary_json: self.summary_json.clone().or(file.summary_json.clone()),
            fetch,
        })
    }
}

/// Force ids as given to `--forces`; none means all 44.
fn parse_forces(ids: &[String]) -> Result<Vec<&'static crate::forces::Force>> {
    if ids.is_empty() {
        return Ok(FORCES.iter().collect());
    }
    ids.iter()
        .map(|id| {
            forces::by_id(id.trim())
                .ok_or_else(|| Error::Usage(format!("--forces: unknown force id `{id}`")))
        })
        .collect()
}

fn parse_month(flag: &str, text: &str) -> Result<Month> {
    text.parse()
        .map_err(|e| Error::Usage(format!("{flag} {text}: {e}")))
}

/// The months to include, from the flags or else the file.
fn window(args: &RunArgs, file: &ConfigFile) -> Result<Window> {
    let flags_given = args.months.is_some() || args.from.is_some() || args.to.is_some();
    let (months, from, to) = if flags_given {
        (args.months, args.from.clone(), args.to.clone())
    } else {
        (file.months, file.from.clone(), file.to.clone())
    };
    if months.is_some() && (from.is_some() || to.is_some()) {
        return Err(Error::Usage(
            "give the month window as `months` or as `from`/`to`, not both".to_owned(),
        ));
    }
    if months == Some(0) {
        return Err(Error::Usage("--months must be at least 1".to_owned()));
    }
    let from = from.map(|m| parse_month("--from", &m)).transpose()?;
    let to = to.map(|m| parse_month("--to", &m)).transpose()?;
    if let (Some(a), Some(b)) = (from, to)
        && a > b
    {
        return Err(Error::Usage(format!("--from {a} is after --to {b}")));
    }
    Ok(Window { months, from, to })
}

/// What `[fetch]` in the settings file asks for, over the run's forces and months. With a
/// window of the last N months, a few more months are asked for than N, since data.police.uk
/// publishes two or three months behind; months it has not published are not requested.
fn fetch_config(
    section: &FetchSection,
    forces: &[&'static crate::forces::Force],
    window: &Window,
) -> Result<FetchConfig> {
    let latest = Month::current().back(1);
    let to = window.to.unwrap_or(latest);
    let from = match (window.from, window.months) {
        (Some(from), _) => from,
        (None, Some(n)) => to.back(n + 2),
        (None, None) => to.back(35 + 3),
    };
    let mut cfg = FetchConfig::new(section.data.clone(), forces.to_vec(), from, to);
    if let Some(url) = &section.base_url {
        cfg.base_url = url.clone();
    }
    cfg.archives = section.archives.clone();
    if let Some(n) = section.max_attempts {
        cfg.max_attempts = n.max(1);
    }
    if let Some(s) = section.timeout_seconds {
        cfg.timeout = std::time::Duration::from_secs(s.max(1));
    }
    cfg.refresh = section.refresh;
    Ok(cfg)
}
