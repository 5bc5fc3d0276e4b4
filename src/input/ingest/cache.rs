//! The incremental cache: the parsed rows of each source, stored as Parquet and found again by
//! the SHA-256 of the source's bytes, so a run after a new month arrives parses only the new
//! files. Entries are the parsed batches themselves (codes, dictionaries, rejects), so a run
//! from the cache gives tables byte-identical to a cold run.
//!
//! The sources of one month are stored together, in one Parquet file named by the hashes of
//! all of them: creating thousands of small Parquet files costs more than parsing the CSVs
//! they hold, while a month is written once and read in one go. When any file of a month
//! changes, that month is parsed again. A missing or unreadable entry is a miss, never an
//! error.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::batch::{Invalid, LabelCol, Labels, N_LABELS, RawBatch};
use super::{Parsed, Reject};
use crate::input::source::{FileSource, Stored};

/// Bumped whenever parsing changes what an entry holds.
const VERSION: &str = "v2";

#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    /// Content hashes of files already seen, by where they are and how they look on disk.
    known: std::sync::Mutex<HashMap<Stamp, String>>,
    /// Whether `known` gained entries that should be saved.
    learned: std::sync::atomic::AtomicBool,
    /// The bundles this run looked up or wrote: the ones current for its months.
    used: std::sync::Mutex<Vec<String>>,
}

/// Where a source is and how it looked on disk: the file (or zip archive and member), its
/// size and its modification time. When all of these are unchanged the file's content is
/// taken to be unchanged, as make and rsync do, so an unchanged archive is not read again.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Stamp {
    path: String,
    member: Option<String>,
    size: u64,
    modified_ns: u128,
}

impl Stamp {
    /// The stamp of a source as it is now; `None` if the file cannot be looked at.
    pub fn of(source: &FileSource) -> Option<Stamp> {
        let meta = std::fs::metadata(&source.path).ok()?;
        let modified_ns = meta
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_nanos();
        let path = std::fs::canonicalize(&source.path).ok()?;
        Some(Stamp {
            path: path.to_string_lossy().into_owned(),
            member: match &source.kind {
                Stored::ZipMember { member, .. } => Some(member.clone()),
                _ => None,
            },
            size: meta.len(),
            modified_ns,
        })
    }
}

const HASHES_FILE: &str = "hashes.json";

/// One source's part of a bundle, in the Parquet metadata.
#[derive(Serialize, Deserialize)]
struct Entry {
    key: String,
    offset: usize,
    rows: usize,
    rows_read: u32,
    recoded: u32,
    dicts: Vec<Vec<String>>,
    rejects: Vec<(u32, String, String)>,
    invalid: Vec<(String, String, u32)>,
    exact_duplicates: Option<u32>,
    duplicates: Vec<(u32, u32)>,
}

const ENTRIES_KEY: &str = "stopsearch.cache";

impl Cache {
    pub fn new(dir: &Path) -> Cache {
        let dir = dir.join(VERSION);
        let known: Vec<(Stamp, String)> = std::fs::read(dir.join(HASHES_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Cache {
            dir,
            known: std::sync::Mutex::new(known.into_iter().collect()),
            learned: Default::default(),
            used: Default::default(),
        }
    }

    /// The bundles this run used, sorted.
    pub fn used(&self) -> Vec<String> {
        let mut v = self.used.lock().map(|u| u.clone()).unwrap_or_default();
        v.sort();
        v.dedup();
        v
    }

    fn note(&self, name: &str) {
        if let Ok(mut u) = self.used.lock() {
            u.push(name.to_owned());
        }
    }

    /// The content hash recorded for a file that looks exactly as it did then.
    pub fn known_hash(&self, stamp: &Stamp) -> Option<String> {
        self.known.lock().ok()?.get(stamp).cloned()
    }

    /// Records the content hash of a file as it looks now.
    pub fn learn(&self, stamp: Stamp, sha256: &str) {
        if let Ok(mut known) = self.known.lock()
            && known.get(&stamp).map(String::as_str) != Some(sha256)
        {
            known.insert(stamp, sha256.to_owned());
            self.learned
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Saves the hashes learned in this run, keeping only the files still present, written to
    /// a temporary file and renamed so a crash never leaves a torn index.
    pub fn save_hashes(&self) {
        if !self.learned.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let Ok(known) = self.known.lock() else {
            return;
        };
        let mut rows: Vec<(&Stamp, &String)> = known
            .iter()
            .filter(|(s, _)| Path::new(&s.path).exists())
            .collect();
        rows.sort();
        let saved = (|| -> std::io::Result<()> {
            std::fs::create_dir_all(&self.dir)?;
            let tmp = self
                .dir
                .join(format!("{HASHES_FILE}.{}.tmp", std::process::id()));
            std::fs::write(&tmp, serde_json::to_vec(&rows)?)?;
            std::fs::rename(&tmp, self.dir.join(HASHES_FILE))
        })();
        if let Err(e) = saved {
            tracing::debug!("could not save the hash index: {e}");
        }
    }

    /// The name of the bundle holding exactly these sources (by their keys, in order).
    pub fn bundle_name(label: &str, keys: &[String]) -> String {
        let mut h = Sha256::new();
        for k in keys {
            h.update(k.as_bytes());
            h.update(b"\n");
        }
        let digest: String = h.finalize()[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("{label}-{digest}.parquet")
    }

    /// The cached sources of a bundle, by key; empty if there is none.
    pub fn load(&self, name: &str) -> HashMap<String, Parsed> {
        self.note(name);
        let path = self.dir.join(name);
        let Ok(file) = std::fs::File::open(&path) else {
            return HashMap::new();
        };
        read_bundle(file).unwrap_or_else(|e| {
            tracing::debug!(bundle = %path.display(), "unreadable cache bundle, parsing again: {e}");
            HashMap::new()
        })
    }

    /// Stores parsed sources as one bundle; failures are logged and otherwise ignored (the
    /// cache is only a cache).
    pub fn store(&self, name: &str, sources: &[(&str, &Parsed)]) {
        self.note(name);
        let path = self.dir.join(name);
        if let Err(e) = write_bundle(&path, sources) {
            tracing::debug!(bundle = %path.display(), "could not write cache bundle: {e}");
        }
    }
}

/// What the cache holds after housekeeping, for the manifest.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Housekeeping {
    pub dir: String,
    /// Bundles kept and their size.
    pub bundles: usize,
    pub bytes: u64,
    /// Files removed: bundles of this run's months that no longer match their files (a
    /// revised or removed file leaves its old bundle behind), and caches of older layouts.
    pub removed: usize,
    pub removed_bytes: u64,
    #[serde(skip)]
    to_remove: Vec<PathBuf>,
}

impl Housekeeping {
    /// Removes what no run can use any more; called after a successful publish, so a failed
    /// run never loses the cache it could retry from.
    pub fn apply(&self) {
        for p in &self.to_remove {
            let gone = if p.is_dir() {
                std::fs::remove_dir_all(p)
            } else {
                std::fs::remove_file(p)
            };
            if let Err(e) = gone {
                tracing::debug!(path = %p.display(), "could not remove an old cache entry: {e}");
            }
        }
    }
}

/// Plans the housekeeping of the cache folder `root` (as given to [`Cache::new`]): a bundle is
/// named by its month and the hashes of its files, so for a month this run read, every bundle
/// but the one it used is stale; older cache layouts (other version folders) are unreadable.
/// Bundles of months this run did not read are kept: a run over another window may use them.
pub fn plan_housekeeping(root: &Path, used: &[String]) -> Housekeeping {
    let dir = root.join(VERSION);
    let mut h = Housekeeping {
        dir: dir.display().to_string(),
        ..Housekeeping::default()
    };
    let month_of = |name: &str| name.rsplit_once('-').map(|(m, _)| m.to_owned());
    let used_months: std::collections::BTreeSet<String> =
        used.iter().filter_map(|n| month_of(n)).collect();
    let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    if let Ok(entries) = std::fs::read_dir(root) {
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if p.is_dir() && name != VERSION && name.starts_with('v') {
                h.removed += 1;
                h.removed_bytes += dir_size(&p);
                h.to_remove.push(p);
            }
        }
    }
    let mut names: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .map(|r| {
            r.flatten()
                .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
                .filter(|(n, _)| n.ends_with(".parquet"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    for (name, path) in names {
        let stale =
            !used.contains(&name) && month_of(&name).is_some_and(|m| used_months.contains(&m));
        if stale {
            h.removed += 1;
            h.removed_bytes += size(&path);
            h.to_remove.push(path);
        } else {
            h.bundles += 1;
            h.bytes += size(&path);
        }
    }
    h
}

fn dir_size(p: &Path) -> u64 {
    std::fs::read_dir(p).map_or(0, |r| {
        r.flatten()
            .map(|e| {
                let p = e.path();
                if p.is_dir() {
                    dir_size(&p)
                } else {
                    std::fs::metadata(&p).map_or(0, |m| m.len())
                }
            })
            .sum()
    })
}

fn write_bundle(
    path: &Path,
    sources: &[(&str, &Parsed)],
) -> Result<(), Box<dyn std::error::Error>> {
    let dir = path.parent().ok_or("no folder")?;
    std::fs::create_dir_all(dir)?;
    let height: usize = sources.iter().map(|(_, p)| p.batch.len()).sum();
    let mut line = Vec::with_capacity(height);
    let mut datetime = Vec::with_capacity(height);
    let mut latitude = Vec::with_capacity(height);
    let mut longitude = Vec::with_capacity(height);
    let mut codes: Vec<Vec<u32>> = (0..N_LABELS).map(|_| Vec::with_capacity(height)).collect();
    let mut entries = Vec::new();
    for (key, p) in sources {
        let b = &p.batch;
        let mut invalid: Vec<(String, String, u32)> = b
            .invalid
            .iter()
            .map(|(k, n)| (k.column.to_owned(), k.value.clone(), *n))
            .collect();
        invalid.sort();
        entries.push(Entry {
            key: key.to_string(),
            offset: line.len(),
            rows: b.len(),
            rows_read: p.rows_read,
            recoded: b.recoded,
            dicts: b
                .labels
                .iter()
                .map(|l| l.dict.iter().map(|s| s.to_string()).collect())
                .collect(),
            rejects: p
                .rejects
                .iter()
                .map(|r| (r.line, r.reason.clone(), r.raw.clone()))
                .collect(),
            invalid,
            exact_duplicates: p.exact_duplicates,
            duplicates: b.duplicates.clone(),
        });
        line.extend_from_slice(&b.line);
        datetime.extend_from_slice(&b.datetime);
        latitude.extend_from_slice(&b.latitude);
        longitude.extend_from_slice(&b.longitude);
        for (out, l) in codes.iter_mut().zip(&b.labels) {
            out.extend_from_slice(&l.codes);
        }
    }
    let mut columns = vec![
        Column::new("line".into(), line),
        Column::new("datetime".into(), datetime),
        Column::new("latitude".into(), latitude),
        Column::new("longitude".into(), longitude),
    ];
    for (col, c) in LabelCol::ALL.iter().zip(codes) {
        columns.push(Column::new(col.name().into(), c));
    }
    let mut df = DataFrame::new(height, columns)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("bundle"),
        std::process::id()
    ));
    ParquetWriter::new(std::io::BufWriter::new(std::fs::File::create(&tmp)?))
        .with_compression(ParquetCompression::Lz4Raw)
        .with_statistics(StatisticsOptions::empty())
        .with_key_value_metadata(Some(KeyValueMetadata::from_static(vec![(
            ENTRIES_KEY.to_owned(),
            serde_json::to_string(&entries)?,
        )])))
        .finish(&mut df)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

fn read_bundle(file: std::fs::File) -> Result<HashMap<String, Parsed>, Box<dyn std::error::Error>> {
    let mut reader = ParquetReader::new(file);
    let entries: Vec<Entry> = {
        let meta = reader.get_metadata()?;
        let kv = meta.key_value_metadata().as_ref().ok_or("no metadata")?;
        let text = kv
            .iter()
            .find(|kv| kv.key == ENTRIES_KEY)
            .and_then(|kv| kv.value.as_deref())
            .ok_or("no cache metadata")?;
        serde_json::from_str(text)?
    };
    let df = reader.finish()?;
    let u32s = |name: &str| -> PolarsResult<Vec<u32>> {
        Ok(df.column(name)?.u32()?.into_no_null_iter().collect())
    };
    let f64s = |name: &str| -> PolarsResult<Vec<f64>> {
        Ok(df.column(name)?.f64()?.into_no_null_iter().collect())
    };
    let line = u32s("line")?;
    let datetime: Vec<i64> = df.column("datetime")?.i64()?.into_no_null_iter().collect();
    let (latitude, longitude) = (f64s("latitude")?, f64s("longitude")?);
    let codes = LabelCol::ALL
        .iter()
        .map(|c| u32s(c.name()))
        .collect::<PolarsResult<Vec<_>>>()?;
    let mut out = HashMap::new();
    for e in entries {
        let range = e.offset..e.offset + e.rows;
        if range.end > line.len() || e.dicts.len() != N_LABELS {
            return Err("entry out of range".into());
        }
        let labels: Vec<Labels> = codes
            .iter()
            .zip(e.dicts)
            .map(|(c, dict)| Labels::from_parts(c[range.clone()].to_vec(), dict))
            .collect();
        let invalid: HashMap<Invalid, u32> = e
            .invalid
            .into_iter()
            .filter_map(|(column, value, n)| {
                let column = ["latitude", "longitude"]
                    .into_iter()
                    .find(|c| *c == column)?;
                Some((Invalid { column, value }, n))
            })
            .collect();
        let batch = RawBatch {
            labels: labels
                .try_into()
                .map_err(|_| "wrong number of label columns")?,
            datetime: datetime[range.clone()].to_vec(),
            latitude: latitude[range.clone()].to_vec(),
            longitude: longitude[range.clone()].to_vec(),
            line: line[range].to_vec(),
            invalid,
            recoded: e.recoded,
            // Only data.police.uk files are cached, and they carry no grounds.
            grounds: None,
            duplicates: e.duplicates,
        };
        let parsed = Parsed {
            batch,
            rejects: e
                .rejects
                .into_iter()
                .map(|(line, reason, raw)| Reject { line, reason, raw })
                .collect(),
            rows_read: e.rows_read,
            exact_duplicates: e.exact_duplicates,
        };
        out.insert(e.key, parsed);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_gives_back_what_was_stored() {
        let header = "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,Outcome,Outcome linked to object of search,Removal of more than just outer clothing";
        let one = format!(
            "{header}\nPerson search,2022-09-01T00:10:00+00:00,False,,51.5,x,Male,,White - Irish,White,,Controlled drugs,Arrest,,\nbad row\n"
        );
        let two = format!("{header}\nVehicle search,2022-09-02T00:10:00+00:00,,,,,,,,,,,,,\n");
        let a = crate::input::ingest::csv::parse(one.as_bytes()).unwrap();
        let b = crate::input::ingest::csv::parse(two.as_bytes()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let keys = ["k1".to_owned(), "k2".to_owned()];
        let name = Cache::bundle_name("2022-09", &keys);
        assert!(cache.load(&name).is_empty());
        cache.store(&name, &[("k1", &a), ("k2", &b)]);
        let back = cache.load(&name);
        for (key, original) in [("k1", &a), ("k2", &b)] {
            let got = &back[key];
            assert_eq!(got.rows_read, original.rows_read);
            assert_eq!(got.rejects, original.rejects);
            assert_eq!(got.batch.line, original.batch.line);
            assert_eq!(got.batch.datetime, original.batch.datetime);
            assert_eq!(got.batch.invalid, original.batch.invalid);
            for (x, y) in got.batch.labels.iter().zip(&original.batch.labels) {
                assert_eq!((&x.codes, &x.dict), (&y.codes, &y.dict));
            }
        }
        assert!(back["k1"].batch.longitude[0].is_nan());
        // A damaged bundle is a miss.
        std::fs::write(dir.path().join(VERSION).join(&name), b"not parquet").unwrap();
        assert!(cache.load(&name).is_empty());
    }
}
