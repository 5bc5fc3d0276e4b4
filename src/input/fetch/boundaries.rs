//! `fetch --boundaries`: the ONS local authority district layers of December 2022 from the Open
//! Geography Portal's ArcGIS REST service, saved as `<data>/boundaries/lad22_bgc.geojson` (to
//! place searches in) and `lad22_buc.geojson` beside it (to draw maps from; `run` finds it by
//! its name).
//!
//! The service hands out a layer a page at a time and says `exceededTransferLimit` while more
//! remain. Every page goes through the client the data.police.uk files use (its retries,
//! backoff, timeouts and size limit): a 5xx or a page that does not parse is asked again. The
//! pages are joined in memory, kept to England and Wales, sorted by code and read back with the
//! loader `run` uses before anything is written, so a file `run` would refuse never replaces a
//! good one. The two layers are put in place together or not at all: a failed fetch leaves the
//! folder exactly as it was.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use geojson::{Feature, FeatureCollection};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tracing::{debug, info, warn};
use ureq::Body;
use ureq::http::Response;

use super::{
    Client, FetchEntry, FetchLog, FileRecord, Kind, Outcome, Step, Target, TempFile,
    clean_stale_parts, hash_file, hex, now, status_step,
};
use crate::error::{Error, Result};
use crate::geography::Boundaries;

/// The ONS Open Geography Portal's ArcGIS REST services root.
pub const DEFAULT_BASE_URL: &str =
    "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services";

/// Features asked for per request: pages of the generalised layer stay a few megabytes.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// Folder of the data folder the layers are saved in.
pub const DIR: &str = "boundaries";

/// The layer searches are placed in (generalised, 20 m, clipped to the coastline).
pub const ASSIGN_FILE: &str = "lad22_bgc.geojson";

/// The layer maps are drawn from (ultra generalised, 500 m).
pub const MAP_FILE: &str = "lad22_buc.geojson";

/// The code property, and the field pages are ordered by so that offsets are stable.
const CODE: &str = "LAD22CD";

/// More features than any district layer has: a service that keeps saying there are more is
/// refused rather than followed for ever.
const MAX_FEATURES: usize = 100_000;

/// One ArcGIS layer and the file it is saved as.
struct Layer {
    service: &'static str,
    file: &'static str,
}

/// V2 of both: the first release put about 70 km² of Scarborough into Ryedale.
const LAYERS: [Layer; 2] = [
    Layer {
        service: "Local_Authority_Districts_December_2022_UK_BGC_V2",
        file: ASSIGN_FILE,
    },
    Layer {
        service: "Local_Authority_Districts_December_2022_UK_BUC_V2",
        file: MAP_FILE,
    },
];

/// Where `fetch --boundaries` saves the layer to place searches in; the map layer is beside it.
pub fn assign_layer(data_dir: &Path) -> PathBuf {
    data_dir.join(DIR).join(ASSIGN_FILE)
}

/// The services root without a trailing slash; a usage error unless it is an http(s) URL
/// without a query (the query is ours).
pub(super) fn validate_base(base: &str) -> Result<String> {
    let base = base.trim().trim_end_matches('/');
    if !(base.starts_with("http://") || base.starts_with("https://")) || base.contains('?') {
        return Err(Error::Usage(format!(
            "--boundaries-base-url `{base}`: expected an http:// or https:// URL such as \
             {DEFAULT_BASE_URL}"
        )));
    }
    Ok(base.to_owned())
}

/// The layer's query without the paging parameters: the URL the fetch log records.
fn layer_url(base: &str, service: &str) -> String {
    format!(
        "{base}/{service}/FeatureServer/0/query?where=1%3D1&outFields=LAD22CD,LAD22NM\
         &outSR=4326&f=geojson&orderByFields={CODE}"
    )
}

fn page_url(layer: &str, offset: u64, count: u32) -> String {
    format!("{layer}&resultOffset={offset}&resultRecordCount={count}")
}

/// Downloads the layers not yet in the data folder (every layer with `refresh`), one entry per
/// layer. `Err` only for a local write error; a download that fails is a `Failed` entry.
pub(super) fn fetch(
    client: &mut Client<'_>,
    base: &str,
    log: &mut FetchLog,
) -> Result<Vec<FetchEntry>> {
    let cfg = client.cfg;
    let data = cfg.data_dir.as_path();
    let folder = data.join(DIR);
    clean_stale_parts(&folder);
    let targets: Vec<Target> = LAYERS
        .iter()
        .map(|layer| Target {
            url: layer_url(base, layer.service),
            file: format!("{DIR}/{}", layer.file),
            kind: Kind::Json,
            force: None,
            month: None,
        })
        .collect();

    let mut entries: Vec<Option<FetchEntry>> = vec![None; targets.len()];
    let mut downloaded: Vec<(usize, Layered)> = Vec::new();
    // The file whose download failed, and its layer's index.
    let mut failed: Option<(String, usize)> = None;
    for (i, target) in targets.iter().enumerate() {
        if data.join(&target.file).is_file() && !cfg.refresh {
            info!(url = %target.url, "unchanged: {} is there (refresh downloads it again)", target.file);
            entries[i] = Some(kept(data, target, log));
            continue;
        }
        if let Some((first, _)) = &failed {
            entries[i] = Some(not_saved(data, target, 0, None, first, "not downloaded"));
            continue;
        }
        match download_layer(client, target)? {
            Ok(layer) => downloaded.push((i, layer)),
            Err(failure) => {
                warn!(url = %target.url, attempts = failure.attempts, "failed: {}", failure.message);
                let mut e = target.entry(data, Outcome::Failed, failure.status, failure.attempts);
                e.sha256 = on_disk_sha256(data, target);
                e.error = Some(failure.message);
                entries[i] = Some(e);
                failed = Some((target.file.clone(), i));
            }
        }
    }

    if let Some((first, _)) = &failed {
        // Both or neither: what did download is dropped, and the folder stays as it was.
        for (i, layer) in downloaded {
            let target = &targets[i];
            entries[i] = Some(not_saved(
                data,
                target,
                layer.attempts,
                Some(200),
                first,
                "downloaded but not saved",
            ));
        }
    } else if !downloaded.is_empty() {
        fs::create_dir_all(&folder).map_err(Error::write(&folder))?;
        let mut staged = Vec::new();
        for (i, layer) in downloaded {
            let target = &targets[i];
            let same = on_disk_sha256(data, target).is_some_and(|sha| sha == layer.sha256);
            let tmp = if same {
                None
            } else {
                let name = target.file.rsplit('/').next().unwrap_or(&target.file);
                let mut tmp = TempFile::create(&folder, name)?;
                tmp.file
                    .write_all(&layer.bytes)
                    .and_then(|()| tmp.file.sync_all())
                    .map_err(Error::write(&tmp.path))?;
                Some(tmp)
            };
            staged.push((i, layer, tmp));
        }
        // Only once every layer is written and synced does any replace its old copy.
        for (i, layer, tmp) in staged {
            let target = &targets[i];
            let outcome = match tmp {
                Some(tmp) => {
                    tmp.persist(&data.join(&target.file))?;
                    Outcome::Fetched
                }
                None => Outcome::Unchanged,
            };
            info!(
                url = %target.url,
                bytes = layer.bytes.len(),
                pages = layer.pages,
                attempts = layer.attempts,
                "{}: {} ({} districts of England and Wales)",
                outcome.label(),
                target.file,
                layer.features
            );
            log.files.insert(
                target.file.clone(),
                FileRecord {
                    url: target.url.clone(),
                    file: target.file.clone(),
                    sha256: layer.sha256.clone(),
                    bytes: layer.bytes.len() as u64,
                    status: 200,
                    attempts: layer.attempts,
                    fetched_at: now(),
                    etag: None,
                    last_modified: None,
                    records: Some(layer.features),
                },
            );
            let mut e = target.entry(data, outcome, Some(200), layer.attempts);
            e.sha256 = Some(layer.sha256);
            e.records = Some(layer.features);
            entries[i] = Some(e);
        }
    }
    // The layer that failed first, so that the error names it.
    if let Some((_, i)) = failed {
        entries[..=i].rotate_right(1);
    }
    Ok(entries.into_iter().flatten().collect())
}

/// The entry for a layer kept as it is on disk; its feature count comes from the log when the
/// log describes this very file.
fn kept(data: &Path, target: &Target, log: &FetchLog) -> FetchEntry {
    let mut e = target.entry(data, Outcome::Unchanged, None, 0);
    e.sha256 = on_disk_sha256(data, target);
    e.records = log
        .files
        .get(&target.file)
        .filter(|r| Some(&r.sha256) == e.sha256.as_ref())
        .and_then(|r| r.records);
    e
}

/// The entry for a layer left as it was because the other one failed.
fn not_saved(
    data: &Path,
    target: &Target,
    attempts: u32,
    status: Option<u16>,
    first: &str,
    what: &str,
) -> FetchEntry {
    let mut e = target.entry(data, Outcome::Failed, status, attempts);
    e.sha256 = on_disk_sha256(data, target);
    e.error = Some(format!(
        "{what}: {first} failed, and the boundary layers are only replaced together"
    ));
    e
}

fn on_disk_sha256(data: &Path, target: &Target) -> Option<String> {
    hash_file(&data.join(&target.file)).ok().map(|(sha, _)| sha)
}

/// A layer downloaded and checked, not yet written.
struct Layered {
    bytes: Vec<u8>,
    sha256: String,
    /// Districts of England and Wales in it.
    features: u64,
    pages: u32,
    /// Requests made for all its pages.
    attempts: u32,
}

/// Why a layer could not be had, after the retries.
struct Failure {
    status: Option<u16>,
    attempts: u32,
    message: String,
}

/// Asks for the layer's pages until the last, then assembles and checks it. `Err` only for a
/// local error (there is none yet: everything is in memory until it is checked).
fn download_layer(
    client: &mut Client<'_>,
    target: &Target,
) -> Result<std::result::Result<Layered, Failure>> {
    let cfg = client.cfg;
    let page_size = cfg.boundaries_page_size.max(1);
    let mut features: Vec<Feature> = Vec::new();
    let mut received: u64 = 0;
    let mut attempts = 0;
    let mut pages = 0;
    let fail = |attempts, status, message| {
        Ok(Err(Failure {
            status,
            attempts,
            message,
        }))
    };
    loop {
        let offset = features.len() as u64;
        let url = page_url(&target.url, offset, page_size);
        // The size limit holds for the whole layer, not only for each page.
        let limit = cfg.max_bytes.saturating_sub(received);
        let retried = client.with_retries(&url, Kind::Json, &[], |response| {
            Ok(read_page(response, limit))
        })?;
        attempts += retried.attempts;
        let page = match retried.result {
            Ok(page) => page,
            Err(message) => {
                return fail(
                    attempts,
                    retried.status,
                    format!("page at offset {offset}: {message}"),
                );
            }
        };
        pages += 1;
        received += page.bytes;
        let n = page.features.len();
        debug!(url, features = n, more = page.more, "boundary page");
        features.extend(page.features);
        if !page.more {
            break;
        }
        if n == 0 {
            return fail(
                attempts,
                Some(200),
                format!("page at offset {offset} says there are more features but has none"),
            );
        }
        if features.len() > MAX_FEATURES {
            return fail(
                attempts,
                Some(200),
                format!("more than {MAX_FEATURES} features: not a district layer"),
            );
        }
    }
    let total = features.len();
    match assemble(features, &target.file) {
        Ok((bytes, kept)) => Ok(Ok(Layered {
            sha256: hex(&Sha256::digest(&bytes)),
            bytes,
            features: kept,
            pages,
            attempts,
        })),
        Err(message) => fail(
            attempts,
            Some(200),
            format!("{total} features in {pages} pages: {message}"),
        ),
    }
}

/// One page of a layer.
struct Page {
    features: Vec<Feature>,
    /// The service holds more features after these.
    more: bool,
    bytes: u64,
}

/// What ArcGIS answers, with HTTP 200, to a request it cannot serve.
#[derive(Deserialize)]
struct ArcgisError {
    error: ArcgisErrorBody,
}

#[derive(Deserialize)]
struct ArcgisErrorBody {
    #[serde(default)]
    code: Option<u16>,
    #[serde(default)]
    message: Option<String>,
}

/// Reads one page within `limit` bytes. A page that does not parse (truncated, say) is
/// retried, as are 5xx and 429; ArcGIS's own error answers are retried only when their code
/// says the server is at fault.
fn read_page(mut response: Response<Body>, limit: u64) -> Step<Page> {
    let status = response.status().as_u16();
    if status != 200 {
        return status_step(status, response.headers());
    }
    let retry = |message: String| Step::Retry {
        status: Some(status),
        message,
        retry_after: None,
    };
    let bytes = match response.body_mut().with_config().limit(limit).read_to_vec() {
        Ok(b) => b,
        Err(ureq::Error::BodyExceedsLimit(n)) => {
            return Step::Fail {
                status: Some(status),
                message: format!("the layer exceeds the limit of {n} bytes"),
            };
        }
        Err(e) => return retry(format!("reading the response: {e}")),
    };
    match serde_json::from_slice::<FeatureCollection>(&bytes) {
        Ok(collection) => Step::Done(Page {
            more: exceeded_transfer_limit(&collection),
            features: collection.features,
            bytes: bytes.len() as u64,
        }),
        Err(e) => match serde_json::from_slice::<ArcgisError>(&bytes) {
            Ok(ArcgisError { error }) => {
                let code = error.code.unwrap_or(0);
                let message = format!(
                    "ArcGIS error {code}: {}",
                    error.message.as_deref().unwrap_or("no message")
                );
                if code >= 500 || code == 429 {
                    retry(message)
                } else {
                    Step::Fail {
                        status: Some(status),
                        message,
                    }
                }
            }
            Err(_) => retry(format!(
                "not a GeoJSON FeatureCollection ({} bytes): {e}",
                bytes.len()
            )),
        },
    }
}

/// ArcGIS puts the flag at the top level of the collection or under its `properties`.
fn exceeded_transfer_limit(c: &FeatureCollection) -> bool {
    let Some(members) = &c.foreign_members else {
        return false;
    };
    let flag = |v: Option<&serde_json::Value>| v.and_then(serde_json::Value::as_bool);
    flag(members.get("exceededTransferLimit"))
        .or_else(|| flag(members.get("properties")?.get("exceededTransferLimit")))
        .unwrap_or(false)
}

/// The districts of England and Wales from all pages, sorted by code, as GeoJSON (one feature
/// a line), and their number, once the loader `run` uses has accepted them.
fn assemble(features: Vec<Feature>, file: &str) -> std::result::Result<(Vec<u8>, u64), String> {
    let mut kept: Vec<(String, Feature)> = Vec::with_capacity(features.len());
    for (i, feature) in features.into_iter().enumerate() {
        let Some(code) = feature
            .property(CODE)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
        else {
            return Err(format!("feature {} has no `{CODE}` text", i + 1));
        };
        // Scotland (S) and Northern Ireland (N) have no data.police.uk forces.
        if code.starts_with('E') || code.starts_with('W') {
            kept.push((code, feature));
        }
    }
    if kept.is_empty() {
        return Err("no district of England or Wales (codes starting E or W)".to_owned());
    }
    kept.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out: Vec<u8> = b"{\"type\":\"FeatureCollection\",\"features\":[\n".to_vec();
    for (i, (_, feature)) in kept.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b",\n");
        }
        serde_json::to_writer(&mut out, feature).map_err(|e| e.to_string())?;
    }
    out.extend_from_slice(b"\n]}\n");
    let boundaries = Boundaries::from_bytes(&out, file).map_err(|e| e.problem)?;
    if boundaries.lads.len() != kept.len() {
        return Err(format!(
            "{} districts kept but {} read back",
            kept.len(),
            boundaries.lads.len()
        ));
    }
    Ok((out, kept.len() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(code: &str, x: f64, y: f64) -> serde_json::Value {
        serde_json::json!({
            "type": "Feature",
            "id": 1,
            "properties": {"LAD22CD": code, "LAD22NM": format!("Name {code}")},
            "geometry": {"type": "Polygon", "coordinates": [[
                [x, y], [x + 0.1, y], [x + 0.1, y + 0.1], [x, y + 0.1], [x, y]
            ]]}
        })
    }

    fn feature(v: serde_json::Value) -> Feature {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn the_flag_is_read_at_the_top_or_under_properties() {
        let parse = |text: &str| -> FeatureCollection { serde_json::from_str(text).unwrap() };
        let top =
            parse(r#"{"type":"FeatureCollection","features":[],"exceededTransferLimit":true}"#);
        let under = parse(
            r#"{"type":"FeatureCollection","features":[],"properties":{"exceededTransferLimit":true}}"#,
        );
        let done = parse(
            r#"{"type":"FeatureCollection","features":[],"properties":{"exceededTransferLimit":false}}"#,
        );
        let plain = parse(r#"{"type":"FeatureCollection","features":[]}"#);
        assert!(exceeded_transfer_limit(&top));
        assert!(exceeded_transfer_limit(&under));
        assert!(!exceeded_transfer_limit(&done));
        assert!(!exceeded_transfer_limit(&plain));
    }

    #[test]
    fn england_and_wales_sorted_one_feature_a_line() {
        let features = vec![
            feature(square("W06000001", -4.0, 53.0)),
            feature(square("S12000033", -2.0, 57.0)),
            feature(square("E09000001", -0.1, 51.5)),
            feature(square("N09000001", -6.0, 54.5)),
        ];
        let (bytes, n) = assemble(features, "t.geojson").unwrap();
        assert_eq!(n, 2);
        let text = String::from_utf8(bytes.clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[1].contains("E09000001") && lines[2].contains("W06000001"));
        let b = Boundaries::from_bytes(&bytes, "t.geojson").unwrap();
        assert_eq!(b.lads.len(), 2);
    }

    #[test]
    fn refuses_a_layer_run_would_refuse() {
        let no_code = vec![feature(serde_json::json!({
            "type": "Feature", "properties": {"CODE": "E1"}, "geometry": null
        }))];
        assert!(assemble(no_code, "t").unwrap_err().contains("no `LAD22CD`"));
        let scotland = vec![feature(square("S12000033", -2.0, 57.0))];
        assert!(
            assemble(scotland, "t")
                .unwrap_err()
                .contains("England or Wales")
        );
        let projected = vec![feature(square("E09000001", 530000.0, 180000.0))];
        assert!(
            assemble(projected, "t")
                .unwrap_err()
                .contains("British National Grid")
        );
        let twice = vec![
            feature(square("E09000001", -0.1, 51.5)),
            feature(square("E09000001", -0.3, 51.5)),
        ];
        assert!(assemble(twice, "t").unwrap_err().contains("appears twice"));
    }

    #[test]
    fn urls_ask_for_pages_in_code_order_in_wgs84() {
        let base = validate_base(" https://example.org/arcgis/rest/services/ ").unwrap();
        let layer = layer_url(&base, LAYERS[0].service);
        assert_eq!(
            page_url(&layer, 200, 100),
            "https://example.org/arcgis/rest/services/\
             Local_Authority_Districts_December_2022_UK_BGC_V2/FeatureServer/0/query\
             ?where=1%3D1&outFields=LAD22CD,LAD22NM&outSR=4326&f=geojson&orderByFields=LAD22CD\
             &resultOffset=200&resultRecordCount=100"
        );
        assert!(validate_base("ftp://x").is_err());
        assert!(validate_base("https://x/services?token=1").is_err());
    }
}
