//! Ingest: read every source in parallel into a [`RawBatch`], keeping each unreadable row
//! (with its line, reason and text) as a reject. For every source,
//! rows read = rows kept + rows rejected.

pub mod batch;
#[cfg(feature = "pipeline")]
pub mod cache;
pub mod csv;
pub mod json;
pub mod read;

pub use batch::{LabelCol, RawBatch};

use crate::error::FileProblem;
use crate::input::source::{FileSource, Source, Stored};

/// A row that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    pub line: u32,
    pub reason: String,
    /// The row's text as found (invalid UTF-8 shown as U+FFFD), at most 4 KiB.
    pub raw: String,
}

/// What one source yielded.
#[derive(Debug, Default, Clone)]
pub struct Parsed {
    pub batch: RawBatch,
    pub rejects: Vec<Reject>,
    /// Data rows (records after the header) seen.
    pub rows_read: u32,
    /// Data rows that repeat an earlier row of the file byte for byte (kept or rejected);
    /// `None` where the reader cannot tell (API responses, extracts).
    pub exact_duplicates: Option<u32>,
}

impl Parsed {
    /// Moves the kept rows that repeat an earlier row of the file to the rejects. Their text
    /// is the earlier line's, which stays in the searches table, so it is not repeated.
    pub fn drop_exact_duplicates(&mut self) {
        let duplicates = std::mem::take(&mut self.batch.duplicates);
        if duplicates.is_empty() {
            return;
        }
        let mut keep = vec![true; self.batch.len()];
        for &(row, first) in &duplicates {
            keep[row as usize] = false;
            self.rejects.push(Reject {
                line: self.batch.line[row as usize],
                reason: format!(
                    "exact duplicate of line {first} (dropped by --drop-exact-duplicates)"
                ),
                raw: String::new(),
            });
        }
        self.batch.retain(&keep);
        self.rejects.sort_by_key(|r| r.line);
    }
}

/// A source and what became of it.
#[derive(Debug)]
pub struct Ingested {
    pub source: Source,
    /// SHA-256 of the stored bytes; `None` if the file could not be read at all.
    pub sha256: Option<String>,
    pub result: Result<Parsed, FileProblem>,
    /// The rows came from the cache rather than being parsed.
    pub cached: bool,
}

/// Settings for reading.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest decompressed size accepted for one source.
    pub max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bytes: 1 << 30 }
    }
}

/// Reads and parses one source (no cache).
pub fn ingest_one(source: FileSource, limits: Limits) -> Ingested {
    let bytes = read::read(&source, limits.max_bytes);
    parse_read(source, bytes)
}

/// Parses what was read from `source`, or records why it could not be read.
fn parse_read(source: FileSource, bytes: Result<read::Bytes, FileProblem>) -> Ingested {
    match bytes {
        Ok(bytes) => {
            let result = parse(&source, &bytes.data);
            Ingested {
                source: source.into(),
                sha256: Some(bytes.sha256),
                result,
                cached: false,
            }
        }
        Err(problem) => Ingested {
            source: source.into(),
            sha256: None,
            result: Err(problem),
            cached: false,
        },
    }
}

fn parse(source: &FileSource, data: &[u8]) -> Result<Parsed, FileProblem> {
    match source.kind {
        Stored::Csv { .. } | Stored::ZipMember { .. } => csv::parse(data),
        Stored::Json { .. } => json::parse(data),
    }
}

#[cfg(feature = "pipeline")]
/// The cache key of a source: its content hash, and its kind (the parse depends on both).
fn cache_key<K: Label>(source: &Source<K>, sha256: &str) -> String {
    format!("{sha256}-{}", source.kind.label().replace([' ', '.'], "_"))
}

#[cfg(feature = "pipeline")]
/// The kind label in a cache key (a stored file's, however it is held).
trait Label {
    fn label(&self) -> &'static str;
}

#[cfg(feature = "pipeline")]
impl Label for Stored {
    fn label(&self) -> &'static str {
        Stored::label(self)
    }
}

#[cfg(feature = "pipeline")]
impl Label for crate::input::source::Kind {
    fn label(&self) -> &'static str {
        crate::input::source::Kind::label(self)
    }
}

#[cfg(feature = "pipeline")]
/// Reads one month's sources, from the cache when the same bytes were parsed before. A file
/// whose stamp (path, size, modification time) is in the cache's index is not even read.
fn ingest_month(
    month: &str,
    sources: Vec<FileSource>,
    limits: Limits,
    cache: Option<&cache::Cache>,
) -> Vec<Ingested> {
    type Read = Option<Result<read::Bytes, FileProblem>>;
    let mut work: Vec<(FileSource, Option<String>, Read)> = sources
        .into_iter()
        .map(|s| {
            let stamp = cache.and_then(|c| Some((c, cache::Stamp::of(&s)?)));
            match stamp.as_ref().and_then(|(c, st)| c.known_hash(st)) {
                Some(sha) => (s, Some(sha), None),
                None => {
                    let bytes = read::read(&s, limits.max_bytes);
                    let sha = bytes.as_ref().ok().map(|b| b.sha256.clone());
                    if let (Some((c, st)), Some(sha)) = (stamp, &sha) {
                        c.learn(st, sha);
                    }
                    (s, sha, Some(bytes))
                }
            }
        })
        .collect();
    let keys: Vec<String> = work
        .iter()
        .filter_map(|(s, sha, _)| sha.as_deref().map(|sha| cache_key(s, sha)))
        .collect();
    let bundle = cache.map(|_| cache::Cache::bundle_name(month, &keys));
    let mut cached = match (cache, &bundle) {
        (Some(c), Some(name)) => c.load(name),
        _ => Default::default(),
    };
    // Identical files (two header-only months, say) share a key: count them, so each gets
    // its copy.
    let mut uses: std::collections::HashMap<&str, usize> = Default::default();
    for k in &keys {
        *uses.entry(k.as_str()).or_default() += 1;
    }
    let uses: std::collections::HashMap<String, usize> =
        uses.into_iter().map(|(k, n)| (k.to_owned(), n)).collect();
    let mut parsed_any = false;
    let done: Vec<Ingested> = work
        .drain(..)
        .map(|(source, sha, bytes)| {
            if let Some(sha) = &sha {
                let key = cache_key(&source, sha);
                let hit = if uses.get(&key).is_some_and(|n| *n > 1) {
                    cached.get(&key).cloned()
                } else {
                    cached.remove(&key)
                };
                if let Some(p) = hit {
                    return Ingested {
                        source: source.into(),
                        sha256: Some(sha.clone()),
                        result: Ok(p),
                        cached: true,
                    };
                }
            }
            // A miss: read the file now if the index let us skip it before.
            let bytes = bytes.unwrap_or_else(|| {
                let bytes = read::read(&source, limits.max_bytes);
                if let (Some(c), Some(st), Ok(b)) = (cache, cache::Stamp::of(&source), &bytes) {
                    c.learn(st, &b.sha256);
                }
                bytes
            });
            parsed_any |= bytes.is_ok();
            parse_read(source, bytes)
        })
        .collect();
    if let (Some(c), true) = (cache, parsed_any) {
        let entries: Vec<(String, &Parsed)> = done
            .iter()
            .filter_map(|i| {
                let p = i.result.as_ref().ok()?;
                Some((cache_key(&i.source, i.sha256.as_deref()?), p))
            })
            .collect();
        let refs: Vec<(&str, &Parsed)> = entries.iter().map(|(k, p)| (k.as_str(), *p)).collect();
        // Stored under the name of what was actually read, which differs from `bundle` only
        // if a file changed under an unchanged stamp.
        let keys: Vec<String> = entries.iter().map(|(k, _)| k.clone()).collect();
        c.store(&cache::Cache::bundle_name(month, &keys), &refs);
    }
    done
}

/// One month's sources, each with its place in the caller's order.
#[cfg(feature = "pipeline")]
type MonthGroup = (String, Vec<(usize, FileSource)>);

#[cfg(feature = "pipeline")]
/// Reads every source, month by month in parallel; the result keeps the order of `sources`.
///
/// Plain threads rather than rayon tasks: the cache reads and writes Parquet through polars,
/// and a rayon worker waiting on polars' own pool would run further work on top of its stack,
/// one inside the other, until it overflowed.
pub fn ingest(
    sources: Vec<FileSource>,
    limits: Limits,
    cache: Option<&cache::Cache>,
    on_done: impl Fn(usize) + Sync,
) -> Vec<Ingested> {
    let count = sources.len();
    let mut groups: std::collections::BTreeMap<String, Vec<(usize, FileSource)>> =
        Default::default();
    for (i, s) in sources.into_iter().enumerate() {
        groups.entry(s.month.to_string()).or_default().push((i, s));
    }
    let queue: Vec<std::sync::Mutex<Option<MonthGroup>>> = groups
        .into_iter()
        .map(|g| std::sync::Mutex::new(Some(g)))
        .collect();
    let results: Vec<std::sync::Mutex<Option<Ingested>>> =
        (0..count).map(|_| std::sync::Mutex::new(None)).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = rayon::current_num_threads().clamp(1, queue.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let g = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if g >= queue.len() {
                        break;
                    }
                    let Some((month, members)) = queue[g].lock().ok().and_then(|mut q| q.take())
                    else {
                        continue;
                    };
                    let (places, sources): (Vec<usize>, Vec<FileSource>) =
                        members.into_iter().unzip();
                    let n = sources.len();
                    for (place, done) in places
                        .into_iter()
                        .zip(ingest_month(&month, sources, limits, cache))
                    {
                        if let Ok(mut slot) = results[place].lock() {
                            *slot = Some(done);
                        }
                    }
                    on_done(n);
                }
            });
        }
    });
    results
        .into_iter()
        .filter_map(|slot| slot.into_inner().ok().flatten())
        .collect()
}
