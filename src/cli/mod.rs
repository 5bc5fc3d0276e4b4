//! The command line: one module per command, the arguments parsed once and validated into
//! each command's configuration, and [`execute`] to run the command given.

pub mod run;
pub mod settings;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueHint};

use crate::error::{Error, Result, exit};
use crate::input::fetch::FetchConfig;
use crate::reference::forces::{self, FORCES};
use crate::reference::month::Month;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  success with data-quality warnings: files skipped under --keep-going, or a configured
     threshold crossed (--max-reject-share, --require-latest-month, --alert-ratio-rise,
     --alert-out-of-court-fall)
  2  usage or input error (bad arguments, settings or mapping file, unreadable or malformed
     input)
  3  fetch from data.police.uk failed (after retries), or that of the ONS boundaries;
     nothing partial is left behind
  4  output could not be written or published, or another run holds the output's lock;
     the previous output is left as it was
  5  internal error: a check the program makes on itself failed (rows read != kept +
     rejected, say); nothing was published. Please report it";

#[derive(Debug, Parser)]
#[command(
    name = "stopsearch",
    version,
    about = "Audit police stop and search in England and Wales for ethnic disproportionality",
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// Only warnings and errors on stderr, one line each (for cron); no progress or info.
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
    Run(Box<run::RunOptions>),
    /// Download stop-and-search data from the data.police.uk API (or a mirror) into a data
    /// folder that `run` reads: one stops-force_<force>_<YYYY-MM>.json per force-month, and
    /// any monthly archive zips named with --archive, and the ONS district boundaries with
    /// --boundaries. Resumable; a partial download never replaces a good file.
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
    #[arg(long, value_name = "IDS", value_delimiter = ',', requires = "from")]
    pub forces: Vec<String>,
    /// First month, YYYY-MM (may be left out with --boundaries).
    #[arg(
        long,
        value_name = "YYYY-MM",
        required_unless_present = "boundaries",
        requires = "to"
    )]
    pub from: Option<String>,
    /// Last month, YYYY-MM (may be left out with --boundaries).
    #[arg(
        long,
        value_name = "YYYY-MM",
        required_unless_present = "boundaries",
        requires = "from"
    )]
    pub to: Option<String>,
    /// Folder to download into (created if need be).
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// API root, for mirrors and tests.
    #[arg(long, value_name = "URL", default_value = crate::input::fetch::DEFAULT_BASE_URL)]
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
    /// Also download the ONS local authority district boundaries (December 2022) for England
    /// and Wales into DIR/boundaries/: lad22_bgc.geojson, which `run --boundaries` places
    /// searches in, and lad22_buc.geojson beside it, which maps are drawn from. A layer already
    /// there is kept unless --refresh; the two are replaced together or not at all. This is in
    /// addition to the months asked for; without --from and --to only the boundaries are
    /// downloaded.
    #[arg(long)]
    pub boundaries: bool,
    /// ArcGIS REST services root the boundary layers are read from, for mirrors and tests.
    #[arg(
        long,
        value_name = "URL",
        requires = "boundaries",
        default_value = crate::input::fetch::boundaries::DEFAULT_BASE_URL
    )]
    pub boundaries_base_url: String,
    /// Features asked for per boundary request (the service pages its answers).
    #[arg(
        long,
        value_name = "N",
        requires = "boundaries",
        default_value_t = crate::input::fetch::boundaries::DEFAULT_PAGE_SIZE,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub boundaries_page_size: u32,
}

impl FetchArgs {
    pub fn into_config(self) -> Result<FetchConfig> {
        let (forces, from, to) = match (&self.from, &self.to) {
            (Some(from), Some(to)) => {
                let from = parse_month("--from", from)?;
                let to = parse_month("--to", to)?;
                if from > to {
                    return Err(Error::Usage(format!("--from {from} is after --to {to}")));
                }
                (parse_forces(&self.forces, "--forces")?, from, to)
            }
            // Boundaries only: no force, so no month is asked for (the months are unused).
            (None, None) if self.boundaries => {
                let last = Month::current().back(1);
                (Vec::new(), last, last)
            }
            _ => {
                return Err(Error::Usage(
                    "give both --from and --to (or --boundaries alone)".to_owned(),
                ));
            }
        };
        let mut cfg = FetchConfig::new(self.data, forces, from, to);
        cfg.base_url = self.base_url;
        cfg.archives = self.archive;
        cfg.refresh = self.refresh;
        cfg.max_attempts = self.max_attempts.max(1);
        cfg.timeout = std::time::Duration::from_secs(self.timeout_seconds.max(1));
        cfg.boundaries = self.boundaries;
        cfg.boundaries_base_url = self.boundaries_base_url;
        cfg.boundaries_page_size = self.boundaries_page_size;
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
    /// District boundaries (as for `run --boundaries`): place each force's located searches
    /// inside its own force area, at 5,000 snap points per force.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub boundaries: Option<PathBuf>,
}

impl SynthArgs {
    pub fn into_config(self) -> Result<crate::input::synth::SynthConfig> {
        let month =
            |flag: &str, v: &str| v.parse().map_err(|e| Error::Usage(format!("{flag}: {e}")));
        Ok(crate::input::synth::SynthConfig {
            rows: self.rows,
            from: month("--from", &self.from)?,
            to: month("--to", &self.to)?,
            seed: self.seed,
            out: self.out,
            boundaries: self.boundaries,
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

pub(crate) fn queries_dir(given: Option<PathBuf>) -> Result<PathBuf> {
    match given {
        Some(dir) => Ok(dir),
        None => bundled("queries").ok_or_else(|| {
            Error::Usage("the queries folder (queries/) is not here; give --queries".into())
        }),
    }
}

/// A folder of the source checkout: under the current folder, or under the checkout the binary
/// was built from.
pub(crate) fn bundled(relative: &str) -> Option<PathBuf> {
    let local = PathBuf::from(relative);
    if local.is_dir() {
        return Some(local);
    }
    let built = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative);
    built.is_dir().then_some(built)
}

/// Force ids as given to `--forces`; none means all 44.
pub(crate) fn parse_forces(
    ids: &[String],
    origin: &str,
) -> Result<Vec<&'static crate::reference::forces::Force>> {
    if ids.is_empty() {
        return Ok(FORCES.iter().collect());
    }
    ids.iter().map(|id| force_id(id, origin)).collect()
}

/// The forces in scope: those listed (all 44 if none), less those excluded.
pub(crate) fn scope_forces(
    (ids, origin): (&[String], &str),
    (excluded, excluded_origin): (&[String], &str),
) -> Result<Vec<&'static crate::reference::forces::Force>> {
    let mut forces = parse_forces(ids, origin)?;
    let out: Vec<_> = excluded
        .iter()
        .map(|id| force_id(id, excluded_origin))
        .collect::<Result<_>>()?;
    forces.retain(|f| out.iter().all(|o| o.id != f.id));
    if forces.is_empty() {
        return Err(Error::Usage(format!(
            "{excluded_origin} leaves no force in the run"
        )));
    }
    Ok(forces)
}

/// A force by id, or an error naming where the id came from and the nearest ids.
fn force_id(id: &str, origin: &str) -> Result<&'static crate::reference::forces::Force> {
    let id = id.trim();
    forces::by_id(id).ok_or_else(|| {
        let mut near: Vec<(f64, &str)> = FORCES
            .iter()
            .map(|f| {
                let score = if f.id.starts_with(id) || f.id.contains(id) {
                    1.0
                } else {
                    strsim::jaro_winkler(id, f.id)
                };
                (score, f.id)
            })
            .filter(|(s, _)| *s >= 0.8)
            .collect();
        near.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        let hint = if near.is_empty() {
            " (the README's Forces section lists them)".to_owned()
        } else {
            let names: Vec<String> = near.iter().take(3).map(|(_, n)| format!("`{n}`")).collect();
            format!("; did you mean {}?", names.join(" or "))
        };
        Error::Usage(format!("{origin}: unknown force id `{id}`{hint}"))
    })
}

pub(crate) fn parse_month(flag: &str, text: &str) -> Result<Month> {
    text.parse()
        .map_err(|e| Error::Usage(format!("{flag} {text}: {e}")))
}

/// What a command produced: its exit code, and the text it prints on standard output (which
/// the binary writes, so a closed pipe ends it quietly).
pub struct Outcome {
    pub code: u8,
    pub stdout: String,
}

impl Outcome {
    fn code(code: u8) -> Outcome {
        Outcome {
            code,
            stdout: String::new(),
        }
    }

    fn print(stdout: String) -> Outcome {
        Outcome {
            code: exit::OK,
            stdout,
        }
    }
}

/// Runs the command given.
pub fn execute(cli: Cli) -> Result<Outcome> {
    match cli.command {
        Command::Run(options) => run::execute(*options, cli.quiet).map(Outcome::code),
        Command::Fetch(args) => {
            let report = crate::input::fetch::fetch(&args.into_config()?)?;
            tracing::info!("{}", report.summary());
            Ok(Outcome::code(exit::OK))
        }
        Command::Synth(args) => {
            let config = args.into_config()?;
            let s = crate::input::synth::synth(&config)?;
            tracing::info!(
                files = s.files,
                zero_files = s.zero_files,
                missing_force_months = s.missing_force_months,
                rows = s.rows,
                malformed_rows = s.malformed_rows,
                bytes = s.bytes,
                "wrote SYNTHETIC test data to {}",
                config.out.display()
            );
            Ok(Outcome::code(exit::OK))
        }
        Command::GroundsCheck(args) => {
            use crate::normalise::grounds;
            let classifier = grounds::Classifier::load(&args.queries_dir()?)?;
            let sample = grounds::read_labelled(&args.labelled)?;
            let mut text = grounds::report(&classifier, &sample);
            if args.errors {
                text.push_str(&grounds::errors(&classifier, &sample));
            }
            Ok(Outcome::print(text))
        }
        Command::Dictionary(args) => {
            use crate::output::dictionary;
            let dir = args.queries_dir()?;
            let queries = crate::tables::queries::load(&dir)?;
            let grounds = crate::normalise::grounds::Classifier::load(&dir)?;
            let tables =
                crate::tables::describe(queries, &crate::tables::Settings::standard(grounds))?;
            let aggregates: Vec<_> = tables
                .iter()
                .map(|t| dictionary::Documented::of(&t.meta, &t.df))
                .collect();
            Ok(Outcome::print(dictionary::markdown(&aggregates)))
        }
    }
}
