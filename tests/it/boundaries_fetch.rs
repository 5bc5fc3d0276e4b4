//! `fetch --boundaries` against a local stand-in for the ONS ArcGIS service that serves the real
//! December 2022 district layers in pages, and misbehaves on demand.
//!
//! The layers are read from `../shared/data/geography/` at run time, never copied into the
//! repository, so the tests that need them are ignored by default; `.ci/run` runs them with
//! `cargo test --release --test it -- --ignored boundaries_fetch`, and under CI missing data
//! fails them. The tests that need no real layer run with the others.

use crate::common::http::{Reply, Request, Server};
use crate::common::{shared_data, stderr, stopsearch, tempdir};

use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use stopsearch::Error;
use stopsearch::cli::run::RunOptions;
use stopsearch::geography::{Boundaries, Geography};
use stopsearch::input::fetch::{self, FetchConfig, FetchReport, Outcome, boundaries};

const BGC: &str = "Local_Authority_Districts_December_2022_UK_BGC_V2";
const BUC: &str = "Local_Authority_Districts_December_2022_UK_BUC_V2";
const BGC_FILE: &str = "boundaries/lad22_bgc.geojson";
const BUC_FILE: &str = "boundaries/lad22_buc.geojson";
const PAGE: usize = 50;

/// The features of a GeoJSON file of ../shared/data/geography (gzip or not).
fn shared_features(name: &str) -> Option<Vec<Value>> {
    let path = shared_data(&format!("geography/{name}"))?;
    let mut bytes = fs::read(&path).unwrap();
    if name.ends_with(".gz") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .unwrap();
        bytes = out;
    }
    let collection: Value = serde_json::from_slice(&bytes).unwrap();
    Some(collection["features"].as_array().unwrap().clone())
}

/// The two UK layers as the service holds them: the 331 districts of England and Wales from
/// ../shared plus stand-ins for Scotland and Northern Ireland (which must be dropped), each
/// with an ArcGIS object id.
struct Layers {
    bgc: Vec<Value>,
    buc: Vec<Value>,
}

fn layers() -> Option<Layers> {
    let uk = |mut features: Vec<Value>| {
        let template = features[0].clone();
        for (code, name) in [
            ("S12000033", "Aberdeen City"),
            ("S12000034", "Aberdeenshire"),
            ("N09000001", "Antrim and Newtownabbey"),
        ] {
            let mut f = template.clone();
            f["properties"] = json!({"LAD22CD": code, "LAD22NM": name});
            features.push(f);
        }
        // Not in code order: the file must be sorted whatever order the pages come in.
        features.reverse();
        for (i, f) in features.iter_mut().enumerate() {
            f["id"] = json!(i + 1);
        }
        features
    };
    Some(Layers {
        bgc: uk(shared_features("lad22_ew_bgc.geojson.gz")?),
        buc: uk(shared_features("lad22_ew_buc.geojson")?),
    })
}

/// The ArcGIS query endpoint of both layers: checks the parameters the client must send,
/// pages by `resultOffset` and `resultRecordCount`, returns only `outFields`, and says
/// `exceededTransferLimit` on every page but the last (at the top level for BGC, under
/// `properties` for BUC, as ArcGIS does either). Tests make it misbehave by wrapping it.
fn arcgis(layers: Arc<Layers>) -> impl Fn(&Request) -> Reply + Send + Sync + 'static {
    move |req| {
        let Some(service) = req
            .path
            .strip_prefix('/')
            .and_then(|p| p.strip_suffix("/FeatureServer/0/query"))
        else {
            return Reply::status(404, "Not Found");
        };
        let features = match service {
            BGC => &layers.bgc,
            BUC => &layers.buc,
            _ => return Reply::ok(r#"{"error":{"code":400,"message":"Invalid URL"}}"#),
        };
        let expected = [
            ("where", "1%3D1"),
            ("outFields", "LAD22CD,LAD22NM"),
            ("outSR", "4326"),
            ("f", "geojson"),
            ("orderByFields", "LAD22CD"),
        ];
        if expected.iter().any(|(k, v)| req.param(k) != Some(*v)) {
            return Reply::ok(r#"{"error":{"code":400,"message":"Invalid query parameters"}}"#);
        }
        let number = |k: &str| req.param(k).and_then(|v| v.parse::<usize>().ok());
        let (Some(offset), Some(count)) = (number("resultOffset"), number("resultRecordCount"))
        else {
            return Reply::ok(r#"{"error":{"code":400,"message":"no paging"}}"#);
        };
        let end = (offset + count).min(features.len());
        let page: Vec<Value> = features[offset.min(end)..end]
            .iter()
            .map(|f| {
                let mut f = f.clone();
                let p = &f["properties"];
                f["properties"] = json!({"LAD22CD": p["LAD22CD"], "LAD22NM": p["LAD22NM"]});
                f
            })
            .collect();
        let mut body = json!({"type": "FeatureCollection", "features": page});
        if end < features.len() {
            if service == BGC {
                body["exceededTransferLimit"] = json!(true);
            } else {
                body["properties"] = json!({"exceededTransferLimit": true});
            }
        }
        Reply::ok(serde_json::to_vec(&body).unwrap())
    }
}

/// The first `len / 2` bytes of what the page would have been, as a complete response.
fn cut(body: &[u8]) -> Vec<u8> {
    body[..body.len() / 2].to_vec()
}

fn config(server: &Server, data: &Path) -> FetchConfig {
    let m = "2024-01".parse().unwrap();
    let mut cfg = FetchConfig::new(data, vec![], m, m);
    cfg.boundaries = true;
    cfg.boundaries_base_url = format!("{}/", server.base);
    cfg.boundaries_page_size = PAGE as u32;
    cfg.timeout = Duration::from_secs(10);
    cfg.max_attempts = 3;
    cfg.backoff = Duration::from_millis(2);
    cfg.max_backoff = Duration::from_millis(20);
    cfg.min_interval = Duration::from_millis(1);
    cfg.seed = Some(7);
    cfg
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Names in the folder, if it exists.
fn listing(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn offsets(server: &Server, service: &str) -> Vec<usize> {
    server
        .requests()
        .iter()
        .filter(|r| r.path.contains(service))
        .map(|r| r.param("resultOffset").unwrap().parse().unwrap())
        .collect()
}

fn entry<'a>(report: &'a FetchReport, file: &str) -> &'a fetch::FetchEntry {
    report
        .entries
        .iter()
        .find(|e| e.url.contains(if file == BGC_FILE { BGC } else { BUC }))
        .unwrap_or_else(|| panic!("no entry for {file}: {report:#?}"))
}

/// The codes and shapes of a saved layer are those of the shared file, in code order.
fn assert_same_layer(saved: &Path, shared: &str) {
    let parse = |bytes: &[u8]| -> geojson::FeatureCollection {
        serde_json::from_slice(bytes).expect("a GeoJSON FeatureCollection")
    };
    let ours = parse(&fs::read(saved).unwrap());
    let theirs: Vec<Value> = shared_features(shared).unwrap();
    let theirs = parse(
        &serde_json::to_vec(&json!({"type": "FeatureCollection", "features": theirs})).unwrap(),
    );
    let code = |f: &geojson::Feature| f.property("LAD22CD").unwrap().as_str().unwrap().to_owned();
    let codes: Vec<String> = ours.features.iter().map(code).collect();
    assert_eq!(codes.len(), 331, "{}", saved.display());
    assert!(
        codes
            .iter()
            .all(|c| c.starts_with('E') || c.starts_with('W'))
    );
    assert!(
        codes.windows(2).all(|w| w[0] < w[1]),
        "sorted by code, once each"
    );
    let mut expected: Vec<&geojson::Feature> = theirs.features.iter().collect();
    expected.sort_by_key(|f| code(f));
    assert_eq!(codes, expected.iter().map(|f| code(f)).collect::<Vec<_>>());
    for (a, b) in ours.features.iter().zip(&expected) {
        assert_eq!(
            a.geometry,
            b.geometry,
            "{} has the shared file's shape",
            code(a)
        );
        let keys: BTreeSet<&str> = a
            .properties
            .iter()
            .flatten()
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(keys, BTreeSet::from(["LAD22CD", "LAD22NM"]));
        assert_eq!(a.property("LAD22NM"), b.property("LAD22NM"));
    }
    let loaded = Boundaries::load(saved).unwrap();
    assert_eq!(loaded.lads.len(), 331);
}

/// A 500 on one page, a page cut short with a consistent Content-Length, and a page whose
/// connection drops before its Content-Length: each is retried, and both layers come whole.
/// Then a second fetch keeps them without a request, and `refresh` finds them unchanged.
#[test]
#[ignore = "reads ../shared/data/geography; .ci/run runs it"]
fn boundaries_fetch_pages_retries_and_writes_both_layers() {
    let Some(layers) = layers() else { return };
    let service = arcgis(Arc::new(layers));
    // `n` counts earlier requests for the same page: each fault happens once.
    let server = Server::start(move |req, n| {
        let bgc = req.path.contains(BGC);
        match (bgc, req.param("resultOffset"), n, service(req)) {
            (true, Some("0"), 0, _) => Reply::status(500, "Internal Server Error"),
            (true, Some("100"), 0, Reply::Full { body, .. }) => Reply::ok(cut(&body)),
            (false, Some("50"), 0, Reply::Full { body, .. }) => Reply::Truncated {
                declared: body.len(),
                body: cut(&body),
            },
            (_, _, _, reply) => reply,
        }
    });
    let tmp = tempdir();
    let data = tmp.path().join("data");
    let cfg = config(&server, &data);

    let report = fetch::fetch(&cfg).expect("the fetch recovers");
    assert_eq!(report.entries.len(), 2, "{report:#?}");
    // 334 features in pages of 50: 7 pages, and one retry (BGC: two).
    let pages: Vec<usize> = (0..7).map(|i| i * PAGE).collect();
    for (file, service, retries) in [(BGC_FILE, BGC, 2), (BUC_FILE, BUC, 1)] {
        let e = entry(&report, file);
        let bytes = fs::read(data.join(file)).unwrap();
        assert_eq!(e.outcome, Outcome::Fetched, "{e:#?}");
        assert_eq!(e.records, Some(331));
        assert_eq!(e.file.as_deref(), Some(file));
        assert_eq!(e.attempts, 7 + retries);
        assert_eq!(e.bytes, bytes.len() as u64);
        assert_eq!(e.sha256.as_deref(), Some(sha256(&bytes).as_str()));
        assert!(
            e.url.contains(service) && !e.url.contains("resultOffset"),
            "{}",
            e.url
        );
        let mut seen = offsets(&server, service);
        seen.dedup();
        assert_eq!(
            seen, pages,
            "{service}: pages in order, each retried in place"
        );
        assert!(
            server
                .requests()
                .iter()
                .filter(|r| r.path.contains(service))
                .all(|r| r.param("resultRecordCount") == Some("50"))
        );
    }
    assert_same_layer(&data.join(BGC_FILE), "lad22_ew_bgc.geojson.gz");
    assert_same_layer(&data.join(BUC_FILE), "lad22_ew_buc.geojson");
    assert_eq!(
        listing(&data.join("boundaries")),
        ["lad22_bgc.geojson", "lad22_buc.geojson"],
        "no temporary file left"
    );
    // `run` finds the map layer beside the one it is given.
    let g = Geography::load(&data.join(BGC_FILE), None, None).unwrap();
    assert_eq!(g.map.as_ref().map(|m| m.lads.len()), Some(331));
    assert!(g.map.unwrap().file.ends_with("lad22_buc.geojson"));

    // The fetch log records each layer's download.
    let log = fetch::read_log(&data).unwrap().expect("a fetch log");
    for file in [BGC_FILE, BUC_FILE] {
        let record = &log.files[file];
        let bytes = fs::read(data.join(file)).unwrap();
        assert_eq!(record.sha256, sha256(&bytes));
        assert_eq!(record.bytes, bytes.len() as u64);
        assert_eq!(record.records, Some(331));
        assert_eq!(record.url, entry(&report, file).url);
    }
    assert_eq!(log.last_run.unwrap().entries, report.entries);

    // Already there: kept without a request.
    let before = server.requests().len();
    let again = fetch::fetch(&cfg).unwrap();
    assert_eq!(server.requests().len(), before);
    for file in [BGC_FILE, BUC_FILE] {
        let e = entry(&again, file);
        assert_eq!(
            (e.outcome, e.attempts, e.records),
            (Outcome::Unchanged, 0, Some(331))
        );
    }
    // Refreshed: downloaded again, the same bytes, so unchanged.
    let saved = fs::read(data.join(BGC_FILE)).unwrap();
    let mut refresh = cfg.clone();
    refresh.refresh = true;
    let third = fetch::fetch(&refresh).unwrap();
    assert_eq!(server.requests().len(), before + 14);
    for file in [BGC_FILE, BUC_FILE] {
        assert_eq!(entry(&third, file).outcome, Outcome::Unchanged);
    }
    assert_eq!(fs::read(data.join(BGC_FILE)).unwrap(), saved);
}

/// A page that always fails: exit code 3 (`Error::Fetch`), and the boundaries folder as it
/// was: nothing new, no temporary file, an earlier copy byte for byte. The layer that did
/// download is not saved either: the two are replaced together.
#[test]
#[ignore = "reads ../shared/data/geography; .ci/run runs it"]
fn boundaries_fetch_failure_leaves_nothing_behind() {
    let Some(layers) = layers() else { return };
    let layers = Arc::new(layers);
    let service = arcgis(Arc::clone(&layers));
    let server = Server::start(move |req, _| {
        if req.path.contains(BUC) && req.param("resultOffset") == Some("100") {
            Reply::status(500, "Internal Server Error")
        } else {
            service(req)
        }
    });
    let tmp = tempdir();
    let data = tmp.path().join("data");
    let err = fetch::fetch(&config(&server, &data)).unwrap_err();
    assert_eq!(err.exit_code(), stopsearch::error::exit::FETCH);
    let Error::Fetch { url, message } = &err else {
        panic!("{err}")
    };
    assert!(url.contains(BUC), "{url}");
    assert!(
        message.contains("HTTP 500") && message.contains("offset 100"),
        "{message}"
    );
    assert!(message.contains("only replaced together"), "{message}");
    assert_eq!(
        offsets(&server, BUC)
            .iter()
            .filter(|o| **o == 2 * PAGE)
            .count(),
        3
    );
    assert_eq!(listing(&data.join("boundaries")), Vec::<String>::new());
    let log = fetch::read_log(&data).unwrap().expect("a fetch log");
    assert!(log.files.is_empty());
    let entries = log.last_run.unwrap().entries;
    assert!(
        entries
            .iter()
            .all(|e| e.outcome == Outcome::Failed && e.file.is_none())
    );

    // Good copies already there, and a refresh whose first page is always cut short.
    let boundaries = data.join("boundaries");
    fs::create_dir_all(&boundaries).unwrap();
    let good = serde_json::to_vec(&json!({"type": "FeatureCollection", "features": shared_features("lad22_ew_buc.geojson").unwrap()})).unwrap();
    for file in [BGC_FILE, BUC_FILE] {
        fs::write(data.join(file), &good).unwrap();
    }
    let service = arcgis(layers);
    let server = Server::start(move |req, _| match service(req) {
        Reply::Full { body, .. } => Reply::ok(cut(&body)),
        reply => reply,
    });
    let mut cfg = config(&server, &data);
    cfg.refresh = true;
    let err = fetch::fetch(&cfg).unwrap_err();
    assert_eq!(err.exit_code(), stopsearch::error::exit::FETCH);
    let text = err.to_string();
    assert!(
        text.contains(BGC) && text.contains("not a GeoJSON FeatureCollection"),
        "{text}"
    );
    assert_eq!(offsets(&server, BGC), [0, 0, 0]);
    assert!(
        offsets(&server, BUC).is_empty(),
        "no point fetching a layer that cannot be saved"
    );
    assert_eq!(
        listing(&boundaries),
        ["lad22_bgc.geojson", "lad22_buc.geojson"]
    );
    for file in [BGC_FILE, BUC_FILE] {
        assert_eq!(
            fs::read(data.join(file)).unwrap(),
            good,
            "{file} kept as it was"
        );
    }
}

/// `stopsearch fetch --boundaries` alone (no months): both layers, exit code 0.
#[test]
#[ignore = "reads ../shared/data/geography; .ci/run runs it"]
fn boundaries_fetch_command_downloads_only_the_boundaries() {
    let Some(layers) = layers() else { return };
    let service = arcgis(Arc::new(layers));
    let server = Server::start(move |req, _| service(req));
    let tmp = tempdir();
    let data = tmp.path().join("data");
    let out = stopsearch(
        tmp.path(),
        &[
            "fetch",
            "--boundaries",
            "--data",
            data.to_str().unwrap(),
            "--boundaries-base-url",
            &server.base,
            "--boundaries-page-size",
            "200",
            "-q",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(listing(&data), ["boundaries", "fetch-log.json"]);
    assert_eq!(offsets(&server, BGC), [0, 200]);
    assert_eq!(offsets(&server, BUC), [0, 200]);
    assert_same_layer(&data.join(BGC_FILE), "lad22_ew_bgc.geojson.gz");
    assert_same_layer(&data.join(BUC_FILE), "lad22_ew_buc.geojson");
}

/// The command line when the service never answers well: exit code 3 naming the layer, and
/// nothing written under `boundaries/`. Needs no real layer.
#[test]
fn boundaries_fetch_command_fails_with_exit_code_3() {
    let server = Server::start(|_, _| Reply::status(503, "Service Unavailable"));
    let tmp = tempdir();
    let data = tmp.path().join("data");
    let out = stopsearch(
        tmp.path(),
        &[
            "fetch",
            "--boundaries",
            "--data",
            data.to_str().unwrap(),
            "--boundaries-base-url",
            &server.base,
            "--max-attempts",
            "1",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains(BGC), "{}", stderr(&out));
    assert_eq!(server.requests().len(), 1);
    assert!(listing(&data.join("boundaries")).is_empty());
}

/// An ArcGIS error answer (HTTP 200 with `error`) for a bad request is not retried; one for a
/// server fault is.
#[test]
fn boundaries_fetch_arcgis_errors() {
    for (code, attempts) in [(400, 1), (503, 3)] {
        let body = format!(r#"{{"error":{{"code":{code},"message":"Invalid query"}}}}"#);
        let server = Server::start(move |_, _| Reply::ok(body.clone()));
        let tmp = tempdir();
        let data = tmp.path().join("data");
        let err = fetch::fetch(&config(&server, &data)).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(&format!("ArcGIS error {code}: Invalid query")),
            "{text}"
        );
        assert_eq!(server.requests().len(), attempts, "{text}");
        assert!(!data.join("boundaries").exists());
    }
}

/// `[fetch] boundaries = true` in the settings file: the fetch asks for the layers, and the run
/// places searches in the one it saves (its map layer is found beside it). `--boundaries` on
/// the command line wins.
#[test]
fn settings_fetch_boundaries_feed_the_run() {
    let tmp = tempdir();
    let config = tmp.path().join("stopsearch.toml");
    fs::write(
        &config,
        "out = \"output\"\ncharts = false\n\n[fetch]\ndata = \"data\"\nboundaries = true\n\
         boundaries_base_url = \"http://127.0.0.1:9/services\"\n",
    )
    .unwrap();
    let options = |boundaries: Option<PathBuf>| RunOptions {
        config: Some(config.clone()),
        boundaries,
        ..RunOptions::default()
    };
    let (run, _) = options(None).merged().unwrap().validate(true).unwrap();
    let fetch = run.fetch.as_ref().unwrap();
    assert!(fetch.boundaries);
    assert_eq!(fetch.boundaries_base_url, "http://127.0.0.1:9/services");
    let b = run
        .boundaries
        .as_ref()
        .expect("the fetched boundaries are used");
    assert_eq!(
        b.assign,
        tmp.path().join("data/boundaries/lad22_bgc.geojson")
    );
    assert_eq!(b.assign, boundaries::assign_layer(&fetch.data_dir));
    assert!(b.map.is_none());

    let own = tmp.path().join("own_bgc.geojson");
    let (run, _) = options(Some(own.clone()))
        .merged()
        .unwrap()
        .validate(true)
        .unwrap();
    assert_eq!(run.boundaries.unwrap().assign, own);
}
