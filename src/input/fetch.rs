//! `stopsearch fetch`: downloads stop-and-search data from the data.police.uk API (or a mirror)
//! into a data folder that `run` reads.
//!
//! One file per force-month, `stops-force_<force>_<YYYY-MM>.json`, holding the API response
//! byte for byte, plus any monthly archive zips asked for by URL. `[]` (the force published
//! nothing that month) is saved, so `run` counts an observed zero; a 404 (no data at all) is
//! not, so the month stays a gap. The two are never confused.
//!
//! Every file is written to a hidden temporary file in the data folder, checked (a JSON array,
//! or a zip whose directory lists), synced and renamed into place, so an interrupted or bad
//! download never replaces a good file. `fetch-log.json` records, for every file, the last
//! successful download (hash, validators) and the entries of the latest run; it makes a rerun
//! resumable: a file whose hash matches the log is not downloaded again.
//!
//! Revisions: data.police.uk sometimes republishes recent months. A file is fetched once and
//! then only re-validated with `refresh` (a conditional request when the server gave an ETag or
//! Last-Modified, otherwise a fresh download kept only if its bytes changed).
//!
//! With `boundaries`, the ONS district boundaries come too ([`boundaries`]), through the same
//! client and recorded in the same log.

pub mod boundaries;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rand_core::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tracing::{debug, info, warn};
use ureq::http::{HeaderMap, Response};
use ureq::{Agent, Body};

use crate::error::{Error, Result};
use crate::reference::forces::Force;
use crate::reference::month::Month;

pub const DEFAULT_BASE_URL: &str = "https://data.police.uk";

/// The fetch log, in the data folder. `run` must skip it (it is not data).
pub const LOG_FILE: &str = "fetch-log.json";

/// Identifies the program to the data.police.uk operators.
pub const USER_AGENT: &str = concat!(
    "stopsearch/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/)"
);

/// Version of the `fetch-log.json` layout.
const LOG_VERSION: u32 = 1;

/// Marks temporary files; anything hidden with this in its name is ours and stale at start.
const PART: &str = ".part-";

/// Limit for the small `crimes-street-dates` document, whatever `max_bytes` says.
const DATES_MAX_BYTES: u64 = 16 << 20;

/// What to fetch and how hard to try.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// API root, without `/api`; a mirror or a test server can stand in for data.police.uk.
    pub base_url: String,
    pub data_dir: PathBuf,
    pub forces: Vec<&'static Force>,
    pub from: Month,
    pub to: Month,
    /// Full URLs of monthly archive zips (`.../YYYY-MM.zip` or `.../latest.zip`) to download too.
    pub archives: Vec<String>,
    /// Per API request, connection to last byte. For archives, which can take minutes, it
    /// bounds connecting, waiting for the headers and each stall in the body instead.
    pub timeout: Duration,
    pub max_attempts: u32,
    /// Base of the exponential backoff between attempts (full jitter).
    pub backoff: Duration,
    /// Cap on one wait, including an honoured `Retry-After`.
    pub max_backoff: Duration,
    /// Least time between the starts of two requests: data.police.uk allows 15 a second.
    pub min_interval: Duration,
    /// Re-validate files already fetched instead of trusting the log.
    pub refresh: bool,
    /// A response body larger than this is refused.
    pub max_bytes: u64,
    /// Seed for the backoff jitter, for reproducible tests; `None` seeds from the clock.
    pub seed: Option<u64>,
    /// Also download the ONS district boundaries into `<data>/boundaries/`, when they are not
    /// there yet (or with `refresh`).
    pub boundaries: bool,
    /// ArcGIS REST services root the boundary layers are read from.
    pub boundaries_base_url: String,
    /// Features asked for per boundary request.
    pub boundaries_page_size: u32,
}

impl FetchConfig {
    pub fn new(
        data_dir: impl Into<PathBuf>,
        forces: Vec<&'static Force>,
        from: Month,
        to: Month,
    ) -> Self {
        FetchConfig {
            base_url: DEFAULT_BASE_URL.to_owned(),
            data_dir: data_dir.into(),
            forces,
            from,
            to,
            archives: Vec::new(),
            timeout: Duration::from_secs(60),
            max_attempts: 5,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            min_interval: Duration::from_millis(100),
            refresh: false,
            max_bytes: 1 << 30,
            seed: None,
            boundaries: false,
            boundaries_base_url: boundaries::DEFAULT_BASE_URL.to_owned(),
            boundaries_page_size: boundaries::DEFAULT_PAGE_SIZE,
        }
    }
}

/// What happened to one URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Downloaded and saved (a non-empty array, or an archive).
    Fetched,
    /// The file on disk is already current: its hash matched the log, the server said 304, or
    /// a re-download gave the same bytes.
    Unchanged,
    /// The API answered `[]`: saved, an observed month with no searches.
    Zero,
    /// The API answered 404: no data for this force-month; nothing written.
    Missing,
    /// The month is not in `crimes-street-dates`: not requested.
    NotPublished,
    /// Gave up after the retries, or a non-retryable error; any earlier file is untouched.
    Failed,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Fetched => "fetched",
            Outcome::Unchanged => "unchanged",
            Outcome::Zero => "zero",
            Outcome::Missing => "missing",
            Outcome::NotPublished => "not_published",
            Outcome::Failed => "failed",
        }
    }
}

/// One URL of a fetch run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchEntry {
    pub url: String,
    pub force: Option<String>,
    pub month: Option<String>,
    pub outcome: Outcome,
    /// Last HTTP status seen; `None` when no request was made or none got a response.
    pub status: Option<u16>,
    /// Size of the file on disk for this URL (0 when there is none).
    pub bytes: u64,
    pub sha256: Option<String>,
    /// Records in a stops-force response, when known; `None` for archives.
    pub records: Option<u64>,
    /// Requests made for this URL in this run.
    pub attempts: u32,
    /// Data file (name within the data folder) on disk for this URL after the run, if any.
    pub file: Option<String>,
    pub error: Option<String>,
}

/// The result of a fetch run, in request order.
#[derive(Debug, Clone, Serialize)]
pub struct FetchReport {
    pub started_at: String,
    pub finished_at: String,
    /// Path of the fetch log written.
    pub log_file: PathBuf,
    pub entries: Vec<FetchEntry>,
}

impl FetchReport {
    pub fn count(&self, outcome: Outcome) -> usize {
        self.entries.iter().filter(|e| e.outcome == outcome).count()
    }

    pub fn failures(&self) -> impl Iterator<Item = &FetchEntry> {
        self.entries.iter().filter(|e| e.outcome == Outcome::Failed)
    }

    pub fn is_complete(&self) -> bool {
        self.failures().next().is_none()
    }

    /// Requests made for data files (not counting `crimes-street-dates`).
    pub fn requests(&self) -> u32 {
        self.entries.iter().map(|e| e.attempts).sum()
    }

    /// One line for the terminal: `12 fetched, 1 zero, ...`.
    pub fn summary(&self) -> String {
        [
            Outcome::Fetched,
            Outcome::Unchanged,
            Outcome::Zero,
            Outcome::Missing,
            Outcome::NotPublished,
            Outcome::Failed,
        ]
        .into_iter()
        .map(|o| format!("{} {}", self.count(o), o.label().replace('_', " ")))
        .collect::<Vec<_>>()
        .join(", ")
    }

    /// `Err(Error::Fetch)` naming the failed URLs when anything failed, so the binary exits 3.
    pub fn into_result(self) -> Result<FetchReport> {
        let failed: Vec<&FetchEntry> = self.failures().collect();
        let Some(first) = failed.first() else {
            return Ok(self);
        };
        let why = |e: &FetchEntry| e.error.clone().unwrap_or_else(|| "failed".into());
        let mut message = why(first);
        if failed.len() > 1 {
            let others: Vec<String> = failed[1..]
                .iter()
                .map(|e| format!("{} ({})", e.url, why(e)))
                .collect();
            message.push_str(&format!(
                "; {} more failed: {}",
                others.len(),
                others.join(", ")
            ));
        }
        message.push_str(&format!("; see {}", self.log_file.display()));
        Err(Error::Fetch {
            url: first.url.clone(),
            message,
        })
    }
}

/// The last successful download of one file, as kept in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    pub url: String,
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
    pub status: u16,
    pub attempts: u32,
    pub fetched_at: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    #[serde(default)]
    pub records: Option<u64>,
}

/// The latest run, as kept in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    pub started_at: String,
    pub finished_at: String,
    pub base_url: String,
    pub from: String,
    pub to: String,
    pub forces: Vec<String>,
    pub refresh: bool,
    pub entries: Vec<FetchEntry>,
}

/// `fetch-log.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchLog {
    pub version: u32,
    /// Keyed by file name within the data folder.
    pub files: BTreeMap<String, FileRecord>,
    pub last_run: Option<RunRecord>,
}

impl Default for FetchLog {
    fn default() -> Self {
        FetchLog {
            version: LOG_VERSION,
            files: BTreeMap::new(),
            last_run: None,
        }
    }
}

/// Reads `DATA/fetch-log.json`; `Ok(None)` when there is none.
pub fn read_log(data_dir: &Path) -> Result<Option<FetchLog>> {
    let path = data_dir.join(LOG_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::Usage(format!("{}: {e}", path.display())));
        }
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| Error::Usage(format!("{}: not a fetch log: {e}", path.display())))
}

/// Fetches everything `cfg` asks for. Failed URLs do not stop the others; once all are done
/// and the log is written, any failure makes this `Err(Error::Fetch)` (exit code 3).
pub fn fetch(cfg: &FetchConfig) -> Result<FetchReport> {
    fetch_report(cfg)?.into_result()
}

/// As [`fetch`], but failed URLs are only recorded in the report (`Outcome::Failed`), for a
/// caller that wants to print the report either way. `Err` for bad settings, a failed
/// `crimes-street-dates` request, or a data folder that cannot be written.
pub fn fetch_report(cfg: &FetchConfig) -> Result<FetchReport> {
    let base = validate_base(&cfg.base_url)?;
    if cfg.from > cfg.to {
        return Err(Error::Usage(format!(
            "--from {} is after --to {}",
            cfg.from, cfg.to
        )));
    }
    let archives = archive_targets(&cfg.archives)?;
    let boundaries_base = if cfg.boundaries {
        if cfg.boundaries_page_size == 0 {
            return Err(Error::Usage(
                "--boundaries-page-size must be at least 1".to_owned(),
            ));
        }
        Some(boundaries::validate_base(&cfg.boundaries_base_url)?)
    } else {
        None
    };
    let started_at = now();
    let dir = &cfg.data_dir;
    fs::create_dir_all(dir).map_err(Error::write(dir))?;
    clean_stale_parts(dir);
    let log_path = dir.join(LOG_FILE);
    let mut log = match read_log(dir) {
        Ok(log) => log.unwrap_or_default(),
        Err(e) => {
            warn!("{e}; starting a new log (files will be downloaded again)");
            FetchLog::default()
        }
    };

    let mut forces: Vec<&'static Force> = Vec::new();
    for f in &cfg.forces {
        if !forces.iter().any(|g| g.id == f.id) {
            forces.push(f);
        }
    }
    let mut client = Client::new(cfg);
    let mut entries = Vec::new();
    let result = (|| -> Result<()> {
        if !forces.is_empty() {
            let dates = match client.published_months(&base)? {
                Ok(dates) => dates,
                Err(failed) => {
                    let error = Error::Fetch {
                        url: failed.url.clone(),
                        message: failed.error.clone().unwrap_or_default(),
                    };
                    // Recorded in the log like any other failed URL.
                    entries.push(failed);
                    return Err(error);
                }
            };
            for month in cfg.from.through(cfg.to) {
                for force in &forces {
                    let url = format!("{base}/api/stops-force?force={}&date={month}", force.id);
                    let file = format!("stops-force_{}_{month}.json", force.id);
                    let target = Target {
                        url,
                        file,
                        kind: Kind::Json,
                        force: Some(force.id),
                        month: Some(month),
                    };
                    let entry = match dates.get(&month) {
                        None => {
                            info!(url = %target.url, "not published: {month} is not in crimes-street-dates");
                            target.entry(dir, Outcome::NotPublished, None, 0)
                        }
                        Some(listed) => {
                            if !listed.contains(force.id) {
                                info!(
                                    "{} is not listed with stop-and-search data for {month}; asking anyway",
                                    force.id
                                );
                            }
                            client.download(&target, &mut log)?
                        }
                    };
                    entries.push(entry);
                }
            }
        }
        for target in &archives {
            entries.push(client.download(target, &mut log)?);
        }
        if let Some(base) = &boundaries_base {
            entries.extend(boundaries::fetch(&mut client, base, &mut log)?);
        }
        Ok(())
    })();

    let report = FetchReport {
        started_at: started_at.clone(),
        finished_at: now(),
        log_file: log_path.clone(),
        entries,
    };
    log.version = LOG_VERSION;
    log.last_run = Some(RunRecord {
        started_at,
        finished_at: report.finished_at.clone(),
        base_url: base,
        from: cfg.from.to_string(),
        to: cfg.to.to_string(),
        forces: forces.iter().map(|f| f.id.to_owned()).collect(),
        refresh: cfg.refresh,
        entries: report.entries.clone(),
    });
    let written = write_log(&log_path, &log);
    result?;
    written?;
    info!("fetch: {}", report.summary());
    Ok(report)
}

fn validate_base(base: &str) -> Result<String> {
    let base = base.trim().trim_end_matches('/');
    if !(base.starts_with("http://") || base.starts_with("https://")) || base.contains('?') {
        return Err(Error::Usage(format!(
            "--base-url `{base}`: expected an http:// or https:// URL such as {DEFAULT_BASE_URL}"
        )));
    }
    Ok(base.to_owned())
}

/// Archive URLs and the names they are saved under, refusing any name `run` would not read
/// as an archive or that could land outside the data folder.
fn archive_targets(urls: &[String]) -> Result<Vec<Target>> {
    let mut targets: Vec<Target> = Vec::new();
    for url in urls {
        let url = url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Error::Usage(format!(
                "--archive `{url}`: expected an http:// or https:// URL"
            )));
        }
        let path = url.split(['?', '#']).next().unwrap_or(url);
        let name = path.rsplit('/').next().unwrap_or("");
        let month = match name.strip_suffix(".zip") {
            Some("latest") => None,
            Some(stem) => match stem.parse::<Month>() {
                Ok(m) => Some(m),
                Err(_) => return Err(archive_name_error(url)),
            },
            None => return Err(archive_name_error(url)),
        };
        if targets.iter().any(|t| t.file == name) {
            return Err(Error::Usage(format!(
                "--archive: two URLs would both be saved as {name}"
            )));
        }
        targets.push(Target {
            url: url.to_owned(),
            file: name.to_owned(),
            kind: Kind::Zip,
            force: None,
            month,
        });
    }
    Ok(targets)
}

fn archive_name_error(url: &str) -> Error {
    Error::Usage(format!(
        "--archive `{url}`: the URL must end in YYYY-MM.zip or latest.zip (the name it is saved under)"
    ))
}

/// Removes temporary files left by an interrupted run. Two fetches into one folder at the
/// same time are not supported.
fn clean_stale_parts(dir: &Path) {
    let Ok(listing) = fs::read_dir(dir) else {
        return;
    };
    for entry in listing.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.contains(PART) {
            match fs::remove_file(entry.path()) {
                Ok(()) => info!("removed stale temporary file {name}"),
                Err(e) => warn!("could not remove stale temporary file {name}: {e}"),
            }
        }
    }
}

fn write_log(path: &Path, log: &FetchLog) -> Result<()> {
    let mut json =
        serde_json::to_vec_pretty(log).map_err(|e| Error::write(path)(io::Error::other(e)))?;
    json.push(b'\n');
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = TempFile::create(dir, LOG_FILE)?;
    tmp.file
        .write_all(&json)
        .and_then(|()| tmp.file.sync_all())
        .map_err(Error::write(&tmp.path))?;
    tmp.persist(&path.to_path_buf())
}

use crate::reference::month::now;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A `stops-force` response: must be a JSON array; 404 means no data.
    Json,
    /// A monthly archive: must open as a zip; 404 is a failure (the user named the URL).
    Zip,
}

/// One URL and the file it is saved as.
struct Target {
    url: String,
    file: String,
    kind: Kind,
    force: Option<&'static str>,
    month: Option<Month>,
}

impl Target {
    /// An entry describing whatever file is on disk for this target now.
    fn entry(
        &self,
        dir: &Path,
        outcome: Outcome,
        status: Option<u16>,
        attempts: u32,
    ) -> FetchEntry {
        let bytes = fs::metadata(dir.join(&self.file)).ok().map(|m| m.len());
        FetchEntry {
            url: self.url.clone(),
            force: self.force.map(str::to_owned),
            month: self.month.map(|m| m.to_string()),
            outcome,
            status,
            bytes: bytes.unwrap_or(0),
            sha256: None,
            records: None,
            attempts,
            file: bytes.map(|_| self.file.clone()),
            error: None,
        }
    }
}

/// A temporary file in the data folder, removed on drop unless renamed into place.
struct TempFile {
    path: PathBuf,
    file: File,
    done: bool,
}

impl TempFile {
    fn create(dir: &Path, final_name: &str) -> Result<TempFile> {
        let path = dir.join(format!(".{final_name}{PART}{}", std::process::id()));
        let file = File::create(&path).map_err(Error::write(&path))?;
        Ok(TempFile {
            path,
            file,
            done: false,
        })
    }

    /// Renames over `dest` (atomic on one file system) and syncs the folder so the rename
    /// survives a crash.
    fn persist(mut self, dest: &PathBuf) -> Result<()> {
        fs::rename(&self.path, dest).map_err(Error::write(dest))?;
        self.done = true;
        if let Some(dir) = dest.parent()
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// What one attempt came to.
enum Step<T> {
    Done(T),
    Retry {
        status: Option<u16>,
        message: String,
        retry_after: Option<Duration>,
    },
    Fail {
        status: Option<u16>,
        message: String,
    },
}

impl<T> Step<T> {
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Step<U> {
        match self {
            Step::Done(v) => Step::Done(f(v)),
            Step::Retry {
                status,
                message,
                retry_after,
            } => Step::Retry {
                status,
                message,
                retry_after,
            },
            Step::Fail { status, message } => Step::Fail { status, message },
        }
    }
}

/// The result of a request with its retries.
struct Retried<T> {
    result: std::result::Result<T, String>,
    status: Option<u16>,
    attempts: u32,
}

/// A verified 200 response, still in its temporary file.
struct Saved {
    tmp: TempFile,
    sha256: String,
    bytes: u64,
    records: Option<u64>,
    etag: Option<String>,
    last_modified: Option<String>,
}

enum Got {
    Saved(Saved),
    NotModified,
    NotFound,
}

struct Client<'a> {
    cfg: &'a FetchConfig,
    api: Agent,
    archive: Agent,
    rng: rand_pcg::Pcg64,
    last_start: Option<Instant>,
}

impl<'a> Client<'a> {
    fn new(cfg: &'a FetchConfig) -> Client<'a> {
        let t = Some(cfg.timeout);
        // Status codes are handled here (404 vs [] matters), so none is an error to ureq.
        let api = Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(USER_AGENT)
            .timeout_global(t)
            .build()
            .new_agent();
        let archive = Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(USER_AGENT)
            .timeout_connect(t)
            .timeout_recv_response(t)
            .timeout_per_read(t)
            .build()
            .new_agent();
        let seed = cfg.seed.unwrap_or_else(|| {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0);
            nanos ^ u64::from(std::process::id()).rotate_left(32)
        });
        Client {
            cfg,
            api,
            archive,
            rng: rand_pcg::Pcg64::seed_from_u64(seed),
            last_start: None,
        }
    }

    /// Waits so that request starts are at least `min_interval` apart.
    fn pace(&mut self) {
        if let Some(last) = self.last_start {
            let next = last + self.cfg.min_interval;
            let now = Instant::now();
            if next > now {
                thread::sleep(next - now);
            }
        }
        self.last_start = Some(Instant::now());
    }

    /// Wait before attempt `attempt + 1`: `Retry-After` when the server gave one, else a
    /// uniform draw from [0, min(cap, base·2^(attempt-1))] ("full jitter"), so many clients
    /// retrying at once spread out.
    fn backoff(&mut self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.cfg.max_backoff);
        }
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        let ceiling = self
            .cfg
            .backoff
            .saturating_mul(factor)
            .min(self.cfg.max_backoff);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(self.rng.next_u64() % nanos.saturating_add(1))
    }

    /// GETs `url` until `handle` accepts the response, a non-retryable error, or the last
    /// attempt. `Err` only for a local write error, which stops the whole fetch.
    fn with_retries<T>(
        &mut self,
        url: &str,
        kind: Kind,
        headers: &[(&'static str, String)],
        mut handle: impl FnMut(Response<Body>) -> Result<Step<T>>,
    ) -> Result<Retried<T>> {
        let max = self.cfg.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let step = match self.get(url, kind, headers, attempt) {
                Ok(response) => handle(response)?,
                Err(e) if transport_retryable(&e) => Step::Retry {
                    status: None,
                    message: e.to_string(),
                    retry_after: None,
                },
                Err(e) => Step::Fail {
                    status: None,
                    message: e.to_string(),
                },
            };
            match step {
                Step::Done(value) => {
                    return Ok(Retried {
                        result: Ok(value),
                        status: None,
                        attempts: attempt,
                    });
                }
                Step::Retry {
                    status,
                    message,
                    retry_after,
                } if attempt < max => {
                    let wait = self.backoff(attempt, retry_after);
                    warn!(
                        url,
                        attempt,
                        status,
                        "{message}; retrying in {} ms",
                        wait.as_millis()
                    );
                    thread::sleep(wait);
                }
                Step::Retry {
                    status, message, ..
                } => {
                    return Ok(Retried {
                        result: Err(format!("{message} (gave up after {attempt} attempts)")),
                        status,
                        attempts: attempt,
                    });
                }
                Step::Fail { status, message } => {
                    return Ok(Retried {
                        result: Err(message),
                        status,
                        attempts: attempt,
                    });
                }
            }
        }
    }

    /// One attempt's request, paced: the agent for the kind of file (API timeouts or archive
    /// timeouts), with any conditional-request headers.
    fn get(
        &mut self,
        url: &str,
        kind: Kind,
        headers: &[(&'static str, String)],
        attempt: u32,
    ) -> std::result::Result<Response<Body>, ureq::Error> {
        self.pace();
        debug!(url, attempt, "GET");
        let agent = match kind {
            Kind::Json => &self.api,
            Kind::Zip => &self.archive,
        };
        let mut request = agent.get(url);
        for (name, value) in headers {
            request = request.header(*name, value.as_str());
        }
        request.call()
    }

    /// Months data.police.uk has published, each with the forces it lists as having
    /// stop-and-search data; `Ok(Err(entry))` when it cannot be had, which fails the whole
    /// fetch: nothing else can be decided.
    fn published_months(
        &mut self,
        base: &str,
    ) -> Result<std::result::Result<BTreeMap<Month, BTreeSet<String>>, FetchEntry>> {
        let url = format!("{base}/api/crimes-street-dates");
        let limit = self.cfg.max_bytes.min(DATES_MAX_BYTES);
        let retried = self.with_retries(&url, Kind::Json, &[], |response| {
            Ok(read_dates(response, limit))
        })?;
        let list = match retried.result {
            Ok(list) => list,
            Err(message) => {
                warn!(url, attempts = retried.attempts, "failed: {message}");
                return Ok(Err(FetchEntry {
                    url,
                    force: None,
                    month: None,
                    outcome: Outcome::Failed,
                    status: retried.status,
                    bytes: 0,
                    sha256: None,
                    records: None,
                    attempts: retried.attempts,
                    file: None,
                    error: Some(message),
                }));
            }
        };
        Ok(Ok(published(&url, list)))
    }

    /// Downloads one file unless the log says the copy on disk is current. `Err` only for a
    /// local write error.
    fn download(&mut self, target: &Target, log: &mut FetchLog) -> Result<FetchEntry> {
        let cfg = self.cfg;
        let dir = cfg.data_dir.as_path();
        let on_disk = OnDisk::check(dir, target, log);
        if on_disk.current && !cfg.refresh {
            info!(url = %target.url, "unchanged: {} matches the fetch log", target.file);
            return Ok(on_disk.unchanged_entry(dir, target, None, 0));
        }

        let headers = on_disk.validators();
        let conditional = !headers.is_empty();
        let mut last_status = None;
        let retried = self.with_retries(&target.url, target.kind, &headers, |response| {
            let status = response.status().as_u16();
            last_status = Some(status);
            Ok(match status {
                200 => save_body(response, dir, target, cfg.max_bytes)?.map(Got::Saved),
                304 if conditional => Step::Done(Got::NotModified),
                404 if target.kind == Kind::Json => Step::Done(Got::NotFound),
                _ => status_step(status, response.headers()),
            })
        })?;
        let status = retried.status.or(last_status);
        let attempts = retried.attempts;
        let got = match retried.result {
            Ok(got) => got,
            Err(message) => {
                warn!(url = %target.url, attempts, "failed: {message}");
                let mut e = target.entry(dir, Outcome::Failed, status, attempts);
                e.sha256 = on_disk.sha256();
                e.error = Some(message);
                return Ok(e);
            }
        };
        match got {
            Got::NotModified => {
                info!(url = %target.url, "unchanged: 304 Not Modified");
                Ok(on_disk.unchanged_entry(dir, target, status, attempts))
            }
            Got::NotFound => Ok(on_disk.missing_entry(dir, target, status, attempts)),
            Got::Saved(saved) => keep_saved(saved, dir, target, &on_disk, status, attempts, log),
        }
    }
}

/// The copy of a target already in the data folder, and whether the log describes it.
struct OnDisk {
    /// Hash and size of the file on disk; `None` when there is none (or it cannot be read).
    hash: Option<(String, u64)>,
    /// The log's record of the last successful download of the file.
    record: Option<FileRecord>,
    /// The file on disk is the one the log records: only then may it be trusted, and only
    /// then may its validators be sent.
    current: bool,
}

impl OnDisk {
    /// Hashes the file on disk and compares it with the log.
    fn check(dir: &Path, target: &Target, log: &FetchLog) -> OnDisk {
        let dest = dir.join(&target.file);
        let hash = match hash_file(&dest) {
            Ok(h) => Some(h),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => {
                warn!("cannot read {}: {e}; downloading it again", dest.display());
                None
            }
        };
        let record = log.files.get(&target.file).cloned();
        let current = match (&hash, &record) {
            (Some((sha, _)), Some(r)) => r.sha256 == *sha,
            _ => false,
        };
        if hash.is_some() && !current {
            info!(
                "{} does not match the fetch log; downloading it again",
                target.file
            );
        }
        OnDisk {
            hash,
            record,
            current,
        }
    }

    fn sha256(&self) -> Option<String> {
        self.hash.as_ref().map(|(s, _)| s.clone())
    }

    /// Headers for a conditional request. Validators only when the file on disk is the one
    /// they describe, or a 304 would keep a bad file.
    fn validators(&self) -> Vec<(&'static str, String)> {
        let mut headers = Vec::new();
        if self.current
            && let Some(r) = &self.record
        {
            if let Some(etag) = &r.etag {
                headers.push(("If-None-Match", etag.clone()));
            }
            if let Some(lm) = &r.last_modified {
                headers.push(("If-Modified-Since", lm.clone()));
            }
        }
        headers
    }

    /// The entry for a file kept as it is on disk.
    fn unchanged_entry(
        &self,
        dir: &Path,
        target: &Target,
        status: Option<u16>,
        attempts: u32,
    ) -> FetchEntry {
        let mut e = target.entry(dir, Outcome::Unchanged, status, attempts);
        e.sha256 = self.sha256();
        e.records = self.record.as_ref().and_then(|r| r.records);
        e
    }

    /// The entry for a 404: no data for the force-month, but a file from an earlier fetch is
    /// kept, not deleted.
    fn missing_entry(
        &self,
        dir: &Path,
        target: &Target,
        status: Option<u16>,
        attempts: u32,
    ) -> FetchEntry {
        if self.hash.is_some() {
            warn!(
                url = %target.url,
                "missing: 404, keeping {} from an earlier fetch", target.file
            );
        } else {
            info!(url = %target.url, "missing: 404, no data for this force-month");
        }
        let mut e = target.entry(dir, Outcome::Missing, status, attempts);
        e.sha256 = self.sha256();
        e
    }
}

/// Puts a verified download in place (unless its bytes are those already on disk) and records
/// it in the log, validators and all, as the file's last successful download.
fn keep_saved(
    saved: Saved,
    dir: &Path,
    target: &Target,
    on_disk: &OnDisk,
    status: Option<u16>,
    attempts: u32,
    log: &mut FetchLog,
) -> Result<FetchEntry> {
    let same = on_disk
        .hash
        .as_ref()
        .is_some_and(|(s, _)| *s == saved.sha256);
    let outcome = if same {
        // Identical bytes: keep the file as it is.
        drop(saved.tmp);
        Outcome::Unchanged
    } else {
        saved.tmp.persist(&dir.join(&target.file))?;
        if saved.records == Some(0) {
            Outcome::Zero
        } else {
            Outcome::Fetched
        }
    };
    info!(
        url = %target.url,
        bytes = saved.bytes,
        attempts,
        "{}: {}",
        outcome.label(),
        target.file
    );
    log.files.insert(
        target.file.clone(),
        FileRecord {
            url: target.url.clone(),
            file: target.file.clone(),
            sha256: saved.sha256.clone(),
            bytes: saved.bytes,
            status: 200,
            attempts,
            fetched_at: now(),
            etag: saved.etag,
            last_modified: saved.last_modified,
            records: saved.records,
        },
    );
    let mut e = target.entry(dir, outcome, status, attempts);
    e.sha256 = Some(saved.sha256);
    e.records = saved.records;
    Ok(e)
}

/// One month of `crimes-street-dates`.
#[derive(Deserialize)]
struct DateEntry {
    date: String,
    #[serde(rename = "stop-and-search", default)]
    stop_and_search: Vec<String>,
}

/// Reads a `crimes-street-dates` response, within `limit` bytes.
fn read_dates(mut response: Response<Body>, limit: u64) -> Step<Vec<DateEntry>> {
    let status = response.status().as_u16();
    if status != 200 {
        return status_step(status, response.headers());
    }
    let bytes = match response.body_mut().with_config().limit(limit).read_to_vec() {
        Ok(b) => b,
        Err(ureq::Error::BodyExceedsLimit(n)) => {
            return Step::Fail {
                status: Some(status),
                message: format!("response larger than {n} bytes"),
            };
        }
        Err(e) => {
            return Step::Retry {
                status: Some(status),
                message: format!("reading the response: {e}"),
                retry_after: None,
            };
        }
    };
    match serde_json::from_slice::<Vec<DateEntry>>(&bytes) {
        Ok(list) => Step::Done(list),
        Err(e) => Step::Retry {
            status: Some(status),
            message: format!("not a crimes-street-dates list: {e}"),
            retry_after: None,
        },
    }
}

/// The months of a `crimes-street-dates` list with the forces listed for each; an entry whose
/// month cannot be read is ignored with a warning.
fn published(url: &str, list: Vec<DateEntry>) -> BTreeMap<Month, BTreeSet<String>> {
    let mut months = BTreeMap::new();
    for entry in list {
        match entry.date.parse::<Month>() {
            Ok(m) => {
                months.insert(m, entry.stop_and_search.into_iter().collect());
            }
            Err(e) => warn!(url, "ignoring an entry of crimes-street-dates: {e}"),
        }
    }
    info!(
        url,
        months = months.len(),
        "data.police.uk lists {} months, {} to {}",
        months.len(),
        months.keys().next().map_or("-".into(), |m| m.to_string()),
        months
            .keys()
            .next_back()
            .map_or("-".into(), |m| m.to_string()),
    );
    months
}

/// Streams a 200 body to a temporary file, hashing as it goes, and checks it. Network and
/// content problems are retried; `Err` only when the data folder cannot be written.
fn save_body(
    response: Response<Body>,
    dir: &Path,
    target: &Target,
    max_bytes: u64,
) -> Result<Step<Saved>> {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let etag = header("etag");
    let last_modified = header("last-modified");
    let status = Some(200);
    let retry = |message: String| Step::Retry {
        status,
        message,
        retry_after: None,
    };
    let declared = response.body().content_length();
    if let Some(len) = declared
        && len > max_bytes
    {
        return Ok(Step::Fail {
            status,
            message: format!("response of {len} bytes exceeds the limit of {max_bytes}"),
        });
    }

    let mut tmp = TempFile::create(dir, &target.file)?;
    let (hasher, bytes) = match write_body(response.into_body(), &mut tmp, max_bytes)? {
        Ok(written) => written,
        Err(step) => return Ok(step),
    };
    tmp.file.sync_all().map_err(Error::write(&tmp.path))?;
    if let Some(len) = declared
        && len != bytes
    {
        return Ok(retry(format!(
            "truncated: Content-Length {len} but {bytes} bytes received"
        )));
    }
    let records = match verify(target.kind, &tmp.path) {
        Ok(records) => records,
        Err(message) => return Ok(retry(message)),
    };
    Ok(Step::Done(Saved {
        tmp,
        sha256: hex(&hasher.finalize()),
        bytes,
        records,
        etag,
        last_modified,
    }))
}

/// What [`write_body`] came to: the hash and size of the body written, or the step to take
/// instead (a retry after a broken read, a failure past the size limit).
type Written = std::result::Result<(Sha256, u64), Step<Saved>>;

/// Copies the body into the temporary file (not yet synced), hashing it, and stops at
/// `max_bytes`. `Err` only when the file cannot be written.
fn write_body(body: Body, tmp: &mut TempFile, max_bytes: u64) -> Result<Written> {
    let status = Some(200);
    let mut hasher = Sha256::new();
    let mut bytes: u64 = 0;
    let mut reader = body.into_reader();
    let mut out = BufWriter::with_capacity(1 << 16, &mut tmp.file);
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Ok(Err(Step::Retry {
                    status,
                    message: format!("reading the body after {bytes} bytes: {e}"),
                    retry_after: None,
                }));
            }
        };
        bytes += n as u64;
        if bytes > max_bytes {
            return Ok(Err(Step::Fail {
                status,
                message: format!("response exceeds the limit of {max_bytes} bytes"),
            }));
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(Error::write(&tmp.path))?;
    }
    out.flush().map_err(Error::write(&tmp.path))?;
    Ok(Ok((hasher, bytes)))
}

/// Checks a downloaded file is what it should be: a JSON array (giving its number of
/// records) or a zip whose directory reads. `Err` says why not; the download is retried.
fn verify(kind: Kind, path: &Path) -> std::result::Result<Option<u64>, String> {
    match kind {
        Kind::Json => count_json_array(path)
            .map(Some)
            .map_err(|message| format!("not a stops-force JSON array: {message}")),
        Kind::Zip => check_zip(path)
            .map(|()| None)
            .map_err(|message| format!("not a readable zip archive: {message}")),
    }
}

/// Number of elements of the JSON array in `path`, without holding the records.
fn count_json_array(path: &Path) -> std::result::Result<u64, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let items: Vec<serde::de::IgnoredAny> =
        serde_json::from_reader(BufReader::new(file)).map_err(|e| e.to_string())?;
    Ok(items.len() as u64)
}

/// Opens the zip and reads every member's header: a truncated archive loses its central
/// directory (at the end) and fails here.
fn check_zip(path: &Path) -> std::result::Result<(), String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let mut archive = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| e.to_string())?;
    for i in 0..archive.len() {
        archive
            .by_index_raw(i)
            .map_err(|e| format!("member {i}: {e}"))?;
    }
    Ok(())
}

fn hash_file(path: &Path) -> io::Result<(String, u64)> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((hex(&hasher.finalize()), bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A response that is not the one hoped for: 429, 408 and 5xx are worth another try (after
/// `Retry-After` if given); any other status will not change on retrying.
fn status_step<T>(status: u16, headers: &HeaderMap) -> Step<T> {
    let message = format!("HTTP {status}");
    if status == 429 || status == 408 || (500..600).contains(&status) {
        let retry_after = headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        Step::Retry {
            status: Some(status),
            message,
            retry_after,
        }
    } else {
        Step::Fail {
            status: Some(status),
            message,
        }
    }
}

/// `Retry-After` as delay-seconds or an HTTP date.
fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let now = now.duration_since(UNIX_EPOCH).ok()?;
    let at = Duration::from_secs(u64::try_from(when.timestamp()).ok()?);
    Some(at.saturating_sub(now))
}

/// Network trouble that may pass: connection refused or reset, timeouts, broken HTTP.
fn transport_retryable(e: &ureq::Error) -> bool {
    matches!(
        e,
        ureq::Error::Io(_)
            | ureq::Error::Timeout(_)
            | ureq::Error::HostNotFound
            | ureq::Error::ConnectionFailed
            | ureq::Error::Protocol(_)
            | ureq::Error::BodyStalled
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = UNIX_EPOCH + Duration::from_secs(1_445_412_470); // 2015-10-21 07:27:50 UTC
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn archive_names_are_checked() {
        let ok = archive_targets(&[
            "https://data.police.uk/data/archive/2024-09.zip".into(),
            "http://mirror/x/latest.zip?sig=1".into(),
        ])
        .unwrap();
        assert_eq!(ok[0].file, "2024-09.zip");
        assert_eq!(
            ok[0].month.map(|m| m.to_string()).as_deref(),
            Some("2024-09")
        );
        assert_eq!(ok[1].file, "latest.zip");
        for bad in [
            "https://x/archive.zip",
            "https://x/2024-13.zip",
            "https://x/..%2F2024-09.zip",
            "https://x/2024-09.zip/",
            "https://x/a\\2024-09.zip",
            "ftp://x/2024-09.zip",
            "https://x/2024-09.tar",
        ] {
            assert!(archive_targets(&[bad.into()]).is_err(), "{bad}");
        }
        assert!(
            archive_targets(&[
                "https://a/2024-09.zip".into(),
                "https://b/2024-09.zip".into()
            ])
            .is_err()
        );
    }

    #[test]
    fn backoff_is_capped_jittered_and_honours_retry_after() {
        let mut cfg = FetchConfig::new(
            "/nonexistent",
            vec![],
            "2024-01".parse().unwrap(),
            "2024-01".parse().unwrap(),
        );
        cfg.backoff = Duration::from_millis(100);
        cfg.max_backoff = Duration::from_millis(300);
        cfg.seed = Some(7);
        let mut c = Client::new(&cfg);
        for attempt in 1..10 {
            let ceiling =
                Duration::from_millis(100 * (1 << (attempt - 1).min(2))).min(cfg.max_backoff);
            assert!(c.backoff(attempt, None) <= ceiling);
        }
        let draws: BTreeSet<Duration> = (0..20).map(|_| c.backoff(3, None)).collect();
        assert!(draws.len() > 10, "jittered");
        assert_eq!(c.backoff(1, Some(Duration::from_secs(1))), cfg.max_backoff);
        assert_eq!(
            c.backoff(1, Some(Duration::from_millis(50))),
            Duration::from_millis(50)
        );
    }

    #[test]
    fn report_fails_with_every_failed_url() {
        let entry = |url: &str, outcome| FetchEntry {
            url: url.into(),
            force: None,
            month: None,
            outcome,
            status: None,
            bytes: 0,
            sha256: None,
            records: None,
            attempts: 1,
            file: None,
            error: Some("HTTP 500".into()),
        };
        let report = FetchReport {
            started_at: String::new(),
            finished_at: String::new(),
            log_file: PathBuf::from("d/fetch-log.json"),
            entries: vec![
                entry("u1", Outcome::Fetched),
                entry("u2", Outcome::Failed),
                entry("u3", Outcome::Failed),
            ],
        };
        assert_eq!(report.count(Outcome::Failed), 2);
        let err = report.into_result().unwrap_err();
        assert_eq!(err.exit_code(), crate::error::exit::FETCH);
        let text = err.to_string();
        assert!(text.contains("u2") && text.contains("u3"), "{text}");
    }

    #[test]
    fn outcome_serialises_snake_case() {
        assert_eq!(
            serde_json::to_string(&Outcome::NotPublished).unwrap(),
            "\"not_published\""
        );
    }
}
