//! `stopsearch run`: its options, one struct for the command line and the settings file alike,
//! merged once (command line over file) and validated once into a [`RunConfig`].

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, ValueHint};
use serde::{Deserialize, Deserializer, Serialize};

use super::settings::{self, FetchSection, Thresholds};
use super::{bundled, parse_month, queries_dir, scope_forces};
use crate::error::{Error, Result, exit};
use crate::input::discover::NameOverride;
use crate::input::extract::Mapping;
use crate::input::fetch::FetchConfig;
use crate::input::gather::{self, Window};
use crate::input::ingest::Limits;
use crate::normalise::grounds::Classifier;
use crate::pipeline::Boundaries;
use crate::pipeline::{self, RunConfig, RunSummary};
use crate::reference::forces::{self, Force};
use crate::reference::home_office::HomeOffice;
use crate::reference::month::{Month, now};
use crate::reference::population::{Census, Population};
use crate::reference::population_age::PopulationByAge;
use crate::reference::vocab::Ethnicity;
use crate::tables;

/// Every option of a run. A field is a flag and a settings-file key of the same name; a flag
/// not given (`None`, empty, `false`) leaves the file's value.
#[derive(Debug, Default, Clone, Args, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunOptions {
    /// Files or folders: YYYY-MM-<force>-stop-and-search.csv[.gz], data.police.uk archive
    /// .zip files, saved stops-force_<force>_<YYYY-MM>.json[.gz] API responses, or folders
    /// holding them (searched recursively). Default: the bundled fixtures.
    #[arg(value_name = "INPUT", value_hint = ValueHint::AnyPath)]
    pub inputs: Vec<PathBuf>,
    /// Settings file (TOML) for scheduled runs: inputs, fetch, forces, month window, census,
    /// reference group, outputs and thresholds. Flags given here override it.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Output folder (default: output). It is replaced whole, atomically, at the end of a
    /// successful run; a failed or killed run leaves the previous output as it was.
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
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
    #[command(flatten)]
    pub thresholds: Thresholds,
    /// Write a machine-readable summary of the run (JSON) here, for monitoring; written on
    /// failure too.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
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
    /// Comma-separated force ids to leave out (e.g. forces whose files a data folder never
    /// has), so they are neither read nor expected every month.
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub exclude_forces: Vec<String>,
    /// The keys whose values came from the settings file, for messages.
    #[arg(skip)]
    #[serde(skip)]
    pub from_file: Vec<&'static str>,
    /// Largest decompressed size accepted for one input file, in MiB (default 1024).
    #[arg(long, value_name = "MIB")]
    pub max_file_mib: Option<u64>,
    /// Census for the population denominators: 2021 (default) or 2011 (to reproduce figures
    /// published on the 2011 basis, up to the year ending March 2022).
    #[arg(long, value_name = "YEAR", conflicts_with = "population")]
    #[serde(deserialize_with = "text_or_number")]
    pub census: Option<String>,
    /// Your own population table, with the columns of the Census 2021 table (PFA22CD, total,
    /// asian, black, mixed, white, other).
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub population: Option<PathBuf>,
    /// Residents by ethnic group × sex × age band, a long CSV (area code, ethnic group, sex, age
    /// band, residents; see the README), for rates by age and sex and age–sex standardised
    /// ratios. Repeat for a second file (for example force areas and districts); settings
    /// file: `population_age = [...]`.
    #[arg(long = "population-age", value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub population_age: Vec<PathBuf>,
    /// Local authority district boundaries (any ONS LAD GeoJSON in longitude/latitude, plain or
    /// gzip, e.g. as `stopsearch fetch --boundaries` saves them): every table then has
    /// figures for each district, and the report maps and district pages. Use the generalised
    /// (BGC) layer: searches are placed in it.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub boundaries: Option<PathBuf>,
    /// The layer maps are drawn from (ONS BUC). Default: the file beside --boundaries named
    /// with BUC for BGC, else the --boundaries layer itself.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath, requires = "boundaries")]
    pub map_boundaries: Option<PathBuf>,
    /// Reference group for rate ratios: White (default), Asian, Black, Mixed or Other.
    #[arg(long, value_name = "GROUP")]
    pub reference: Option<String>,
    /// Fold the City of London into the Met (its resident population is no fit denominator).
    #[arg(long)]
    pub merge_city_into_met: bool,
    /// Folder of SQL files defining the aggregate tables (default: queries/).
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub queries: Option<PathBuf>,
    /// Tables only: no charts and no report (settings file: `charts = false`).
    #[arg(
        id = "charts",
        long = "no-charts",
        num_args = 0,
        default_missing_value = "false",
        value_parser = clap::value_parser!(bool)
    )]
    pub charts: Option<bool>,
    /// Cache of parsed files, keyed by the SHA-256 of their bytes, so later runs parse only
    /// new or changed files (default: .OUT.cache beside the output folder).
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath, conflicts_with = "no_cache")]
    pub cache: Option<PathBuf>,
    /// Parse every file, and keep no cache.
    #[arg(long)]
    pub no_cache: bool,
    /// A mapping file (TOML) for a force or FOI extract in its own layout, CSV or XLSX, with
    /// free-text grounds: which column is the date, ethnicity, outcome, grounds... Extracts are
    /// the files it names under [extract] files, or any other CSV or XLSX given by name.
    /// Repeat for several layouts (settings file: `mappings = [...]`).
    #[arg(long = "mapping", value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub mappings: Vec<PathBuf>,
    /// Move rows that repeat an earlier row of their file, byte for byte, to the rejects (a
    /// sensitivity check: by default they are kept, since a group searched together is
    /// published as identical rows). The manifest records it.
    #[arg(long)]
    pub drop_exact_duplicates: bool,
    /// Flag a month as `partial_suspected` when its rows are below this share of the force's
    /// median over the 12 months before (from at least 6 with data); default 0.2.
    #[arg(long, value_name = "SHARE")]
    pub partial_month_share: Option<f64>,
    /// Flag a month as `spike_suspected` when its rows are above this multiple of that
    /// median; default 3.
    #[arg(long, value_name = "MULTIPLE")]
    pub spike_month_multiple: Option<f64>,
    /// The Home Office's published counts (the Race Disparity Unit's stop-and-search data
    /// file, or a plain CSV of force, financial_year, ethnicity, searches), to reconcile the
    /// data.police.uk files with: the reconciliation table, and `home_office_differs` on
    /// ratios. Repeatable; settings file: `home_office = [...]`.
    #[arg(long = "home-office", value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub home_office: Vec<PathBuf>,
    /// Share by which the data.police.uk and Home Office counts may differ before a
    /// force-year is flagged (default 0.05).
    #[arg(long, value_name = "SHARE")]
    pub home_office_limit: Option<f64>,
    /// Flag ratios (`high_not_stated`) where more than this share of the area's person
    /// searches record no self-defined ethnicity, and never headline them (default 0.2).
    #[arg(long, value_name = "SHARE")]
    pub not_stated_limit: Option<f64>,
    /// `[fetch]`: download from data.police.uk first (settings file only).
    #[arg(skip)]
    pub fetch: Option<FetchSection>,
}

/// `census = 2021` in the file, `--census 2021` on the command line.
fn text_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Text(String),
        Number(i64),
    }
    Ok(Option::<Either>::deserialize(d)?.map(|e| match e {
        Either::Text(t) => t,
        Either::Number(n) => n.to_string(),
    }))
}

/// A share setting, strictly between 0 and 1, or its default.
fn share_setting(key: &str, value: Option<f64>, default: f64, example: &str) -> Result<f64> {
    match value {
        None => Ok(default),
        Some(v) if (0.0..1.0).contains(&v) => Ok(v),
        Some(v) => Err(Error::Usage(format!(
            "{key} = {v}: give a share between 0 and 1 ({example})"
        ))),
    }
}

/// Lays the options given over the file's: a value given (not null, not empty, not `false`)
/// wins; tables are merged key by key.
fn overlay(base: &mut serde_json::Value, given: serde_json::Value) {
    use serde_json::Value;
    match (base, given) {
        (Value::Object(base), Value::Object(given)) => {
            for (key, value) in given {
                overlay(base.entry(key).or_insert(Value::Null), value);
            }
        }
        (_, Value::Null | Value::Bool(false)) => {}
        (_, Value::Array(a)) if a.is_empty() => {}
        (base, given) => *base = given,
    }
}

impl RunOptions {
    /// The settings-file keys that hold paths, from the flags' value hints.
    pub fn path_keys() -> Vec<String> {
        let cmd = RunOptions::augment_args(clap::Command::new("run"));
        cmd.get_arguments()
            .filter(|a| {
                matches!(
                    a.get_value_hint(),
                    ValueHint::AnyPath | ValueHint::FilePath | ValueHint::DirPath
                )
            })
            .map(|a| a.get_id().to_string())
            .collect()
    }

    /// The command line laid over the settings file (if `--config` names one).
    pub fn merged(self) -> Result<RunOptions> {
        let Some(path) = self.config.clone() else {
            return Ok(self);
        };
        let mut file = settings::load(&path)?;
        // The month window is one setting: given on the command line in any form, it
        // replaces the file's whole.
        if self.months.is_some() || self.from.is_some() || self.to.is_some() {
            (file.months, file.from, file.to) = (None, None, None);
        }
        let as_json = |o: &RunOptions| {
            serde_json::to_value(o).map_err(|e| {
                Error::Usage(format!(
                    "options could not be read (paths must be UTF-8): {e}"
                ))
            })
        };
        let mut merged = as_json(&file)?;
        overlay(&mut merged, as_json(&self)?);
        let mut options: RunOptions = serde_json::from_value(merged)
            .map_err(|e| Error::Usage(format!("merging the settings file: {e}")))?;
        options.from_file = [
            ("forces", self.forces.is_empty() && !file.forces.is_empty()),
            (
                "exclude_forces",
                self.exclude_forces.is_empty() && !file.exclude_forces.is_empty(),
            ),
        ]
        .into_iter()
        .filter_map(|(k, from_file)| from_file.then_some(k))
        .collect();
        options.config = Some(path);
        Ok(options)
    }

    /// Validates the merged options into the run's configuration and the thresholds that
    /// decide its exit code.
    pub fn validate(self, quiet: bool) -> Result<(RunConfig, Thresholds)> {
        let window = self.window()?;
        let origin = |key: &'static str, flag: &str| match &self.config {
            Some(file) if self.from_file.contains(&key) => {
                format!("`{key}` in {}", file.display())
            }
            _ => flag.to_owned(),
        };
        let forces = scope_forces(
            (&self.forces, &origin("forces", "--forces")),
            (
                &self.exclude_forces,
                &origin("exclude_forces", "--exclude-forces"),
            ),
        )?;
        let out = self.out.clone().unwrap_or_else(|| PathBuf::from("output"));
        let cache = (!self.no_cache).then(|| {
            self.cache
                .clone()
                .unwrap_or_else(|| crate::output::publish::default_cache(&out))
        });
        let fetch = match &self.fetch {
            Some(section) => Some(fetch_config(section, &forces, &window)?),
            None => None,
        };
        let inputs = self.inputs(fetch.as_ref(), &out, cache.as_deref())?;
        let queries = queries_dir(self.queries.clone())?;
        let grounds = Classifier::load(&queries)?;
        let mappings = self
            .mappings
            .iter()
            .map(|m| Mapping::load(m))
            .collect::<Result<Vec<_>>>()?;
        let thresholds = self.thresholds.clone();
        if let Some(share) = thresholds.max_reject_share
            && !(0.0..=1.0).contains(&share)
        {
            return Err(Error::Usage(format!(
                "--max-reject-share {share}: give a share between 0 and 1 (0.01 is 1%)"
            )));
        }
        // What a rerun compares to know that nothing changed: the options as merged, and
        // the reference files they name (inputs, queries and boundaries are added by the run).
        // Where the summary goes and the thresholds on it change no table: they are left out.
        // Whether charts are drawn changes the output but no table: a run that splices its
        // tables into the published ones compares the options without it.
        let recorded = |charts: Option<bool>| {
            serde_json::to_string(&RunOptions {
                summary_json: None,
                thresholds: Thresholds::default(),
                charts,
                ..self.clone()
            })
            .map_err(|e| Error::Usage(format!("options could not be recorded: {e}")))
        };
        let options = recorded(self.charts)?;
        let tables_options = recorded(None)?;
        let reads: Vec<PathBuf> = self
            .config
            .iter()
            .chain(&self.population)
            .chain(&self.population_age)
            .chain(&self.mappings)
            .chain(&self.home_office)
            .cloned()
            .collect();
        let config = RunConfig {
            depends_on: pipeline::DependsOn {
                options,
                tables_options,
                reads,
            },
            input: gather::Options {
                inputs,
                names: self.names()?,
                forces: forces.clone(),
                mappings,
                window,
                limits: self.limits()?,
                keep_going: self.keep_going,
                cache,
                progress: !quiet && std::io::stderr().is_terminal(),
                drop_exact_duplicates: self.drop_exact_duplicates,
            },
            suspicion: self.suspicion()?,
            out,
            arguments: std::env::args().collect(),
            queries,
            tables: tables::Settings {
                population: self.population()?,
                reference: self.reference()?,
                merge_city_into_met: self.merge_city_into_met,
                forces,
                grounds,
                geography: None,
                population_age: self.population_age()?,
                home_office: if self.home_office.is_empty() {
                    None
                } else {
                    Some(std::sync::Arc::new(HomeOffice::from_files(
                        &self.home_office,
                    )?))
                },
                not_stated_limit: share_setting(
                    "not_stated_limit",
                    self.not_stated_limit,
                    tables::DEFAULT_NOT_STATED_LIMIT,
                    "0.2 flags ratios where over 20% of searches record no ethnicity",
                )?,
                home_office_limit: share_setting(
                    "home_office_limit",
                    self.home_office_limit,
                    tables::DEFAULT_HOME_OFFICE_LIMIT,
                    "0.05 flags counts more than 5% apart",
                )?,
            },
            boundaries: self
                .boundaries
                .clone()
                .map(|assign| Boundaries {
                    assign,
                    map: self.map_boundaries.clone(),
                })
                // `[fetch] boundaries = true` brings them into the data folder; the map layer
                // beside them is found by its name.
                .or_else(|| {
                    fetch.as_ref().filter(|f| f.boundaries).map(|f| Boundaries {
                        assign: crate::input::fetch::boundaries::assign_layer(&f.data_dir),
                        map: None,
                    })
                }),
            charts: self.charts.unwrap_or(true),
            summary_json: self.summary_json.clone(),
            fetch,
        };
        Ok((config, thresholds))
    }

    /// The files and folders to read: as given, plus the fetch folder, else the fixtures.
    fn inputs(
        &self,
        fetch: Option<&FetchConfig>,
        out: &Path,
        cache: Option<&Path>,
    ) -> Result<Vec<PathBuf>> {
        let mut inputs = self.inputs.clone();
        if let Some(f) = fetch
            && !inputs.contains(&f.data_dir)
        {
            inputs.push(f.data_dir.clone());
        }
        if inputs.is_empty() {
            inputs = vec![bundled("fixtures/police_uk").ok_or_else(|| {
                Error::Usage(
                    "no INPUT given and the bundled fixtures (fixtures/police_uk) are not here; \
                     name the files or folders to read"
                        .to_owned(),
                )
            })?];
        }
        // The output folder is replaced whole on every run: nothing it must keep can live in it.
        for (what, path) in inputs
            .iter()
            .map(|p| ("input", p.as_path()))
            .chain(cache.map(|c| ("--cache", c)))
        {
            if inside(path, out) {
                return Err(Error::Usage(format!(
                    "{what} {} is inside the output folder {}, which every run replaces whole; \
                     keep it elsewhere",
                    path.display(),
                    out.display()
                )));
            }
        }
        Ok(inputs)
    }

    fn names(&self) -> Result<NameOverride> {
        let force = self
            .force
            .as_deref()
            .map(|id| {
                forces::by_id(id)
                    .ok_or_else(|| Error::Usage(format!("--force: unknown force id `{id}`")))
            })
            .transpose()?;
        let month = self
            .month
            .as_deref()
            .map(|m| m.parse().map_err(|e| Error::Usage(format!("--month: {e}"))))
            .transpose()?;
        Ok(NameOverride { force, month })
    }

    fn suspicion(&self) -> Result<crate::normalise::coverage::Suspicion> {
        let mut s = crate::normalise::coverage::Suspicion::default();
        if let Some(share) = self.partial_month_share {
            if !(0.0..1.0).contains(&share) {
                return Err(Error::Usage(format!(
                    "partial_month_share = {share}: give a share between 0 and 1 (0.2 flags a \
                     month below 20% of the force's recent median)"
                )));
            }
            s.partial_share = share;
        }
        if let Some(multiple) = self.spike_month_multiple {
            if !(multiple > 1.0 && multiple.is_finite()) {
                return Err(Error::Usage(format!(
                    "spike_month_multiple = {multiple}: give a multiple above 1 (3 flags a \
                     month over three times the force's recent median)"
                )));
            }
            s.spike_multiple = multiple;
        }
        Ok(s)
    }

    fn limits(&self) -> Result<Limits> {
        let max_file_mib = self.max_file_mib.unwrap_or(1024);
        if max_file_mib == 0 {
            return Err(Error::Usage("--max-file-mib must be at least 1".to_owned()));
        }
        Ok(Limits {
            max_bytes: max_file_mib.saturating_mul(1 << 20),
        })
    }

    fn population(&self) -> Result<Population> {
        let census = self.census.as_deref().unwrap_or("2021");
        match (&self.population, census) {
            (Some(file), _) => Population::from_file(file),
            (None, "2021") => Ok(Population::census(Census::Y2021)),
            (None, "2011") => Ok(Population::census(Census::Y2011)),
            (None, other) => Err(Error::Usage(format!(
                "--census: `{other}` is not a census we have; use 2021 or 2011"
            ))),
        }
    }

    fn population_age(&self) -> Result<Option<std::sync::Arc<PopulationByAge>>> {
        if self.population_age.is_empty() {
            return Ok(None);
        }
        PopulationByAge::from_files(&self.population_age).map(|t| Some(std::sync::Arc::new(t)))
    }

    fn reference(&self) -> Result<Ethnicity> {
        let name = self.reference.as_deref().unwrap_or("White");
        Ethnicity::ALL
            .iter()
            .copied()
            .filter(|e| *e != Ethnicity::NotStated)
            .find(|e| e.as_str().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                Error::Usage(format!(
                    "--reference: `{name}` is not a group; use White, Asian, Black, Mixed or \
                     Other"
                ))
            })
    }

    /// The months to include.
    fn window(&self) -> Result<Window> {
        if self.months.is_some() && (self.from.is_some() || self.to.is_some()) {
            return Err(Error::Usage(
                "give the month window as `months` or as `from`/`to`, not both".to_owned(),
            ));
        }
        if self.months == Some(0) {
            return Err(Error::Usage("--months must be at least 1".to_owned()));
        }
        let from = self
            .from
            .as_deref()
            .map(|m| parse_month("--from", m))
            .transpose()?;
        let to = self
            .to
            .as_deref()
            .map(|m| parse_month("--to", m))
            .transpose()?;
        if let (Some(a), Some(b)) = (from, to)
            && a > b
        {
            return Err(Error::Usage(format!("--from {a} is after --to {b}")));
        }
        Ok(Window {
            months: self.months,
            from,
            to,
        })
    }
}

/// Whether `path` is `folder` or below it (compared after resolving what exists).
fn inside(path: &Path, folder: &Path) -> bool {
    let resolve = |p: &Path| {
        let absolute = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        absolute.canonicalize().unwrap_or(absolute)
    };
    resolve(path).starts_with(resolve(folder))
}

/// What `[fetch]` in the settings file asks for, over the run's forces and months. With a
/// window of the last N months, a few more months are asked for than N, since data.police.uk
/// publishes two or three months behind; months it has not published are not requested.
fn fetch_config(
    section: &FetchSection,
    forces: &[&'static Force],
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
    cfg.boundaries = section.boundaries;
    if let Some(url) = &section.boundaries_base_url {
        cfg.boundaries_base_url = url.clone();
    }
    Ok(cfg)
}

/// Runs the pipeline and reports: the warnings, the exit code, and `--summary-json` (written
/// on failure too, so monitoring sees every run).
pub fn execute(options: RunOptions, quiet: bool) -> Result<u8> {
    let given_summary = options.summary_json.clone().or_else(|| {
        options
            .config
            .as_deref()
            .and_then(settings::summary_json_line)
    });
    let options = match options.merged() {
        Ok(o) => o,
        Err(e) => return Err(failed(given_summary.as_deref(), e)),
    };
    let summary_json = options.summary_json.clone();
    let (config, thresholds) = match options.validate(quiet) {
        Ok(c) => c,
        Err(e) => return Err(failed(summary_json.as_deref(), e)),
    };
    let started_at = now();
    let summary = match pipeline::run(&config) {
        Ok(s) => s,
        Err(e) => return Err(failed(config.summary_json.as_deref(), e)),
    };
    let warnings = warnings(&summary, &thresholds);
    for w in &warnings {
        tracing::warn!("{w}");
    }
    let code = if warnings.is_empty() {
        exit::OK
    } else {
        exit::WARNINGS
    };
    write_summary(
        config.summary_json.as_deref(),
        &serde_json::json!({
            "status": if code == exit::OK { "ok" } else { "warnings" },
            "exit_code": code,
            "started_at": started_at,
            "finished_at": now(),
            "out": config.out,
            "warnings": warnings,
            "thresholds": thresholds,
            "reject_share": summary.reject_share(),
            "run": summary,
        }),
    );
    Ok(code)
}

/// The data-quality warnings that make a successful run exit with code 1: files skipped under
/// `--keep-going`, and whatever crosses the configured thresholds.
pub fn warnings(summary: &RunSummary, thresholds: &Thresholds) -> Vec<String> {
    let mut out: Vec<String> = summary
        .problems
        .iter()
        .map(|p| format!("file skipped: {p}"))
        .collect();
    if let Some(max) = thresholds.max_reject_share
        && summary.reject_share() > max
    {
        out.push(format!(
            "{} of {} rows rejected ({:.2}%), over the threshold of {:.2}%",
            summary.rows_rejected,
            summary.rows_read,
            100.0 * summary.reject_share(),
            100.0 * max
        ));
    }
    for c in &summary.clear_changes {
        let what = || {
            let group = if c.search_group == "all" {
                String::new()
            } else {
                format!(" ({} searches)", c.search_group.replace('_', " "))
            };
            format!(
                "{} {} against {}{group}",
                c.area, c.period, c.previous_period
            )
        };
        match c.measure.as_str() {
            "ratio_change"
                if thresholds
                    .alert_ratio_rise
                    .is_some_and(|m| c.low > 1.0 && c.value >= m) =>
            {
                out.push(format!(
                    "{}: the {} rate ratio against the reference group rose to {:.2} times its \
                     old level (95% interval {:.2} to {:.2})",
                    what(),
                    c.ethnicity,
                    c.value,
                    c.low,
                    c.high
                ));
            }
            "out_of_court_share_change"
                if thresholds
                    .alert_out_of_court_fall
                    .is_some_and(|p| c.high < 0.0 && -c.value >= p) =>
            {
                out.push(format!(
                    "{}: the share of {} disposals dealt with out of court fell by {:.1} points \
                     (95% interval {:.1} to {:.1})",
                    what(),
                    c.ethnicity,
                    -100.0 * c.value,
                    -100.0 * c.high,
                    -100.0 * c.low
                ));
            }
            _ => {}
        }
    }
    if thresholds.require_latest_month && !summary.forces_missing_last_month.is_empty() {
        out.push(format!(
            "no data for {} from {} (a force whose files this run never gets can be left out \
             with `exclude_forces` in the settings file, or --exclude-forces)",
            summary.last_month.as_deref().unwrap_or("the last month"),
            summary.forces_missing_last_month.join(", ")
        ));
    }
    out
}

/// Records a failed run in the summary, if one was asked for, and passes the error on.
fn failed(summary_json: Option<&Path>, e: Error) -> Error {
    write_summary(
        summary_json,
        &serde_json::json!({
            "status": "error",
            "exit_code": e.exit_code(),
            "finished_at": now(),
            "error": crate::error::chain(&e),
        }),
    );
    e
}

/// Writes `--summary-json`; a summary that cannot be written is logged, not fatal, so the exit
/// code still tells what the run did.
fn write_summary(path: Option<&Path>, value: &serde_json::Value) {
    let Some(path) = path else { return };
    let json = serde_json::to_vec_pretty(value).expect("the summary serialises");
    if let Err(e) = crate::output::write::atomic(path, &json) {
        tracing::error!("--summary-json: {e}");
    }
}
