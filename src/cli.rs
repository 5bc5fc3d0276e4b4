//! Command-line arguments, parsed once and validated into a [`RunConfig`].

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::discover::NameOverride;
use crate::error::{Error, Result};
use crate::extract::Mapping;
use crate::forces::{self, FORCES};
use crate::grounds::Classifier;
use crate::ingest::Limits;
use crate::normalise::vocab::Ethnicity;
use crate::population::{Census, Population};
use crate::run::RunConfig;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  success with data-quality warnings (files skipped under --keep-going)
  2  usage or input error (bad arguments, unreadable or malformed input)
  3  fetch from data.police.uk failed
  4  output could not be written or published";

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
    /// Output folder.
    #[arg(long, default_value = "output", value_name = "DIR")]
    pub out: PathBuf,
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
    /// Largest decompressed size accepted for one input file, in MiB.
    #[arg(long, default_value_t = 1024, value_name = "MIB")]
    pub max_file_mib: u64,
    /// Census for the population denominators: 2021 (default) or 2011 (to reproduce figures
    /// published on the 2011 basis, up to the year ending March 2022).
    #[arg(
        long,
        default_value = "2021",
        value_name = "YEAR",
        conflicts_with = "population"
    )]
    pub census: String,
    /// Your own population table, with the columns of the Census 2021 table (PFA22CD, total,
    /// asian, black, mixed, white, other).
    #[arg(long, value_name = "FILE")]
    pub population: Option<PathBuf>,
    /// Reference group for rate ratios: White (default), Asian, Black, Mixed or Other.
    #[arg(long, default_value = "White", value_name = "GROUP")]
    pub reference: String,
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
    /// new or changed files (default: OUT/.cache).
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
    pub fn into_config(self, quiet: bool) -> Result<RunConfig> {
        let force = self
            .force
            .map(|id| {
                forces::by_id(&id)
                    .ok_or_else(|| Error::Usage(format!("--force: unknown force id `{id}`")))
            })
            .transpose()?;
        let month = self
            .month
            .map(|m| m.parse().map_err(|e| Error::Usage(format!("--month: {e}"))))
            .transpose()?;
        let forces = if self.forces.is_empty() {
            FORCES.iter().collect()
        } else {
            self.forces
                .iter()
                .map(|id| {
                    forces::by_id(id.trim())
                        .ok_or_else(|| Error::Usage(format!("--forces: unknown force id `{id}`")))
                })
                .collect::<Result<Vec<_>>>()?
        };
        if self.max_file_mib == 0 {
            return Err(Error::Usage("--max-file-mib must be at least 1".to_owned()));
        }
        let population = match (&self.population, self.census.as_str()) {
            (Some(file), _) => Population::from_file(file)?,
            (None, "2021") => Population::census(Census::Y2021),
            (None, "2011") => Population::census(Census::Y2011),
            (None, other) => {
                return Err(Error::Usage(format!(
                    "--census: `{other}` is not a census we have; use 2021 or 2011"
                )));
            }
        };
        let reference = Ethnicity::ALL
            .iter()
            .copied()
            .filter(|e| *e != Ethnicity::NotStated)
            .find(|e| e.as_str().eq_ignore_ascii_case(self.reference.trim()))
            .ok_or_else(|| {
                Error::Usage(format!(
                    "--reference: `{}` is not a group; use White, Asian, Black, Mixed or Other",
                    self.reference
                ))
            })?;
        let queries = queries_dir(self.queries)?;
        let grounds = Classifier::load(&queries)?;
        let mappings = self
            .mapping
            .iter()
            .map(|m| Mapping::load(m))
            .collect::<Result<Vec<_>>>()?;
        let cache = (!self.no_cache).then(|| {
            self.cache
                .clone()
                .unwrap_or_else(|| self.out.join(".cache"))
        });
        let inputs = if self.inputs.is_empty() {
            default_inputs()?
        } else {
            self.inputs
        };
        Ok(RunConfig {
            inputs,
            out: self.out,
            keep_going: self.keep_going,
            names: NameOverride { force, month },
            forces,
            limits: Limits {
                max_bytes: self.max_file_mib.saturating_mul(1 << 20),
            },
            progress: !quiet && std::io::stderr().is_terminal(),
            arguments: std::env::args().collect(),
            queries,
            population,
            reference,
            merge_city_into_met: self.merge_city_into_met,
            charts: !self.no_charts,
            cache,
            mappings,
            grounds,
        })
    }
}
