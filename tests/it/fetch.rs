//! `stopsearch::input::fetch` against a local HTTP server that serves the real Met 2024-09 API
//! response, `[]`, 404s, and misbehaves on demand.

use crate::common::http;

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use http::{Reply, Request, Server};
use polars::prelude::*;
use stopsearch::Error;
use stopsearch::input::fetch::{self, FetchConfig, FetchEntry, FetchReport, LOG_FILE, Outcome};
use stopsearch::reference::forces;
use stopsearch::reference::month::Month;

fn month(s: &str) -> Month {
    s.parse().unwrap()
}

/// The real `/api/stops-force?force=metropolitan&date=2024-09` response (3,253 records).
fn met_2024_09() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/police_uk/api/stops-force_metropolitan_2024-09.json.gz");
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(fs::File::open(path).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// Two records of the Met response, standing in for a small force's month.
fn small_month() -> Vec<u8> {
    let all: Vec<serde_json::Value> = serde_json::from_slice(&met_2024_09()).unwrap();
    serde_json::to_vec(&all[..2]).unwrap()
}

/// `crimes-street-dates`, newest first: 2024-10 and 2024-09 published, City of London not
/// listed for 2024-09.
fn dates() -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!([
        {"date": "2024-10", "stop-and-search": ["metropolitan", "city-of-london"]},
        {"date": "2024-09", "stop-and-search": ["metropolitan"]},
    ]))
    .unwrap()
}

const MET_ETAG: &str = "\"met-2024-09-v1\"";

/// The well-behaved API: Met 2024-09 real data (with an ETag), Met 2024-10 `[]`, City of
/// London 2024-09 404, City of London 2024-10 two records.
fn api(req: &Request) -> Reply {
    match req.path.as_str() {
        "/api/crimes-street-dates" => Reply::ok(dates()),
        "/api/stops-force" => match (req.param("force"), req.param("date")) {
            (Some("metropolitan"), Some("2024-09")) => {
                if req.header("if-none-match") == Some(MET_ETAG) {
                    Reply::status(304, "")
                } else {
                    Reply::ok(met_2024_09()).header("ETag", MET_ETAG)
                }
            }
            (Some("metropolitan"), Some("2024-10")) => Reply::ok("[]"),
            (Some("city-of-london"), Some("2024-10")) => Reply::ok(small_month()),
            _ => Reply::status(404, "Not Found"),
        },
        _ => Reply::status(404, "Not Found"),
    }
}

fn config(server: &Server, dir: &Path, force_ids: &[&str], from: &str, to: &str) -> FetchConfig {
    let forces = force_ids
        .iter()
        .map(|id| forces::by_id(id).unwrap())
        .collect();
    let mut cfg = FetchConfig::new(dir, forces, month(from), month(to));
    cfg.base_url = format!("{}/", server.base);
    cfg.timeout = Duration::from_secs(5);
    cfg.max_attempts = 3;
    cfg.backoff = Duration::from_millis(2);
    cfg.max_backoff = Duration::from_millis(20);
    cfg.min_interval = Duration::from_millis(1);
    cfg.seed = Some(42);
    cfg
}

fn entry<'a>(report: &'a FetchReport, force: &str, m: &str) -> &'a FetchEntry {
    report
        .entries
        .iter()
        .find(|e| e.force.as_deref() == Some(force) && e.month.as_deref() == Some(m))
        .unwrap_or_else(|| panic!("no entry for {force} {m}: {report:#?}"))
}

fn file(dir: &Path, force: &str, m: &str) -> PathBuf {
    dir.join(format!("stops-force_{force}_{m}.json"))
}

fn log(dir: &Path) -> fetch::FetchLog {
    fetch::read_log(dir).unwrap().expect("a fetch log")
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// No temporary file survives, whatever happened.
fn assert_no_part_files(dir: &Path) {
    let parts: Vec<String> = names(dir)
        .into_iter()
        .filter(|n| n.contains(".part"))
        .collect();
    assert!(parts.is_empty(), "temporary files left behind: {parts:?}");
}

fn stops_requests(server: &Server) -> usize {
    server.count("/api/stops-force")
}

#[test]
fn happy_path_then_resume_then_refresh() {
    let server = Server::start(|req, _| api(req));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let cfg = config(
        &server,
        &dir,
        &["metropolitan", "city-of-london"],
        "2024-08",
        "2024-10",
    );

    let report = fetch::fetch(&cfg).expect("fetch succeeds");
    let met = entry(&report, "metropolitan", "2024-09");
    assert_eq!(met.outcome, Outcome::Fetched);
    assert_eq!(
        (met.status, met.records, met.attempts),
        (Some(200), Some(3253), 1)
    );
    assert_eq!(
        met.file.as_deref(),
        Some("stops-force_metropolitan_2024-09.json")
    );
    let zero = entry(&report, "metropolitan", "2024-10");
    assert_eq!(
        (zero.outcome, zero.records, zero.bytes),
        (Outcome::Zero, Some(0), 2)
    );
    let missing = entry(&report, "city-of-london", "2024-09");
    assert_eq!(
        (missing.outcome, missing.status, &missing.file),
        (Outcome::Missing, Some(404), &None)
    );
    let col = entry(&report, "city-of-london", "2024-10");
    assert_eq!((col.outcome, col.records), (Outcome::Fetched, Some(2)));
    for force in ["metropolitan", "city-of-london"] {
        let e = entry(&report, force, "2024-08");
        assert_eq!(
            (e.outcome, e.attempts, e.status),
            (Outcome::NotPublished, 0, None)
        );
    }
    assert_eq!(report.entries.len(), 6);
    assert_eq!(report.count(Outcome::Fetched), 2);
    assert!(report.is_complete());

    // One dates request, one per published force-month, none for 2024-08.
    assert_eq!(server.count("/api/crimes-street-dates"), 1);
    assert_eq!(stops_requests(&server), 4);
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.param("date") != Some("2024-08"))
    );
    let ua = server.requests()[0]
        .header("user-agent")
        .unwrap()
        .to_owned();
    assert!(ua.starts_with("stopsearch/"), "{ua}");

    // Files: byte-equal to what was served; nothing for the 404 or unpublished months.
    assert_eq!(
        fs::read(file(&dir, "metropolitan", "2024-09")).unwrap(),
        met_2024_09()
    );
    assert_eq!(
        fs::read(file(&dir, "metropolitan", "2024-10")).unwrap(),
        b"[]"
    );
    assert_eq!(
        fs::read(file(&dir, "city-of-london", "2024-10")).unwrap(),
        small_month()
    );
    assert_eq!(
        names(&dir),
        [
            LOG_FILE,
            "stops-force_city-of-london_2024-10.json",
            "stops-force_metropolitan_2024-09.json",
            "stops-force_metropolitan_2024-10.json",
        ]
    );
    assert_no_part_files(&dir);

    // The log: one record per file, the run's entries including the 404 and unpublished.
    let l = log(&dir);
    assert_eq!(l.files.len(), 3);
    let rec = &l.files["stops-force_metropolitan_2024-09.json"];
    assert_eq!(rec.sha256, met.sha256.clone().unwrap());
    assert_eq!(rec.bytes, met_2024_09().len() as u64);
    assert_eq!(rec.etag.as_deref(), Some(MET_ETAG));
    assert!(
        rec.url
            .ends_with("/api/stops-force?force=metropolitan&date=2024-09")
    );
    assert!(
        !rec.url.contains("//api"),
        "base URL slash handled: {}",
        rec.url
    );
    let run = l.last_run.as_ref().unwrap();
    assert_eq!(run.entries, report.entries);
    let raw: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join(LOG_FILE)).unwrap()).unwrap();
    assert_eq!(raw["last_run"]["entries"][0]["outcome"], "not_published");

    // Rerun: nothing already fetched is requested again; the 404 month is asked again (it
    // may have been published since). A stale temporary file is cleaned up.
    fs::write(
        dir.join(".stops-force_metropolitan_2024-09.json.part-1"),
        b"[{",
    )
    .unwrap();
    let before = stops_requests(&server);
    let again = fetch::fetch(&cfg).unwrap();
    assert_eq!(stops_requests(&server) - before, 1);
    assert!(server.requests().last().is_some_and(
        |r| r.param("force") == Some("city-of-london") && r.param("date") == Some("2024-09")
    ));
    for (force, m) in [
        ("metropolitan", "2024-09"),
        ("metropolitan", "2024-10"),
        ("city-of-london", "2024-10"),
    ] {
        let e = entry(&again, force, m);
        assert_eq!((e.outcome, e.attempts), (Outcome::Unchanged, 0), "{e:?}");
    }
    assert_eq!(entry(&again, "metropolitan", "2024-09").records, Some(3253));
    assert_eq!(
        entry(&again, "city-of-london", "2024-09").outcome,
        Outcome::Missing
    );
    assert_no_part_files(&dir);

    // A file that no longer matches the log is fetched again.
    fs::write(file(&dir, "metropolitan", "2024-10"), b"[1,2]").unwrap();
    let repaired = fetch::fetch(&cfg).unwrap();
    assert_eq!(
        entry(&repaired, "metropolitan", "2024-10").outcome,
        Outcome::Zero
    );
    assert_eq!(
        fs::read(file(&dir, "metropolitan", "2024-10")).unwrap(),
        b"[]"
    );

    // --refresh: a conditional request where there is an ETag (304), a plain one elsewhere
    // (same bytes, so unchanged).
    let mut refresh = cfg.clone();
    refresh.refresh = true;
    let before = stops_requests(&server);
    let refreshed = fetch::fetch(&refresh).unwrap();
    assert_eq!(stops_requests(&server) - before, 4);
    let met = entry(&refreshed, "metropolitan", "2024-09");
    assert_eq!((met.outcome, met.status), (Outcome::Unchanged, Some(304)));
    let last_met = server
        .requests()
        .into_iter()
        .rfind(|r| r.param("force") == Some("metropolitan") && r.param("date") == Some("2024-09"))
        .unwrap();
    assert_eq!(last_met.header("if-none-match"), Some(MET_ETAG));
    let col = entry(&refreshed, "city-of-london", "2024-10");
    assert_eq!((col.outcome, col.status), (Outcome::Unchanged, Some(200)));
    assert_eq!(
        fs::read(file(&dir, "metropolitan", "2024-09")).unwrap(),
        met_2024_09()
    );
    assert_no_part_files(&dir);
}

/// A server for one force-month (Met 2024-09) whose stops-force answers come from `script`,
/// called with the number of earlier requests for it.
fn scripted(script: impl Fn(usize) -> Reply + Send + Sync + 'static) -> Server {
    Server::start(move |req, n| match req.path.as_str() {
        "/api/crimes-street-dates" => Reply::ok(dates()),
        "/api/stops-force" if req.param("date") == Some("2024-09") => script(n),
        "/api/stops-force" => Reply::ok("[]"),
        _ => Reply::status(404, ""),
    })
}

fn met_only(server: &Server, dir: &Path) -> FetchConfig {
    config(server, dir, &["metropolitan"], "2024-09", "2024-09")
}

#[test]
fn server_errors_are_retried() {
    let server = scripted(|n| {
        if n < 2 {
            Reply::status(500, "oops")
        } else {
            Reply::ok(met_2024_09())
        }
    });
    let tmp = tempfile::tempdir().unwrap();
    let report = fetch::fetch(&met_only(&server, tmp.path())).unwrap();
    let e = entry(&report, "metropolitan", "2024-09");
    assert_eq!(
        (e.outcome, e.attempts, e.status),
        (Outcome::Fetched, 3, Some(200))
    );
    assert_eq!(stops_requests(&server), 3);
    assert_eq!(
        fs::read(file(tmp.path(), "metropolitan", "2024-09")).unwrap(),
        met_2024_09()
    );
    assert_eq!(log(tmp.path()).files.values().next().unwrap().attempts, 3);
    assert_no_part_files(tmp.path());
}

#[test]
fn too_many_requests_honours_retry_after() {
    let server = scripted(|n| {
        if n == 0 {
            Reply::status(429, "slow down").header("Retry-After", "1")
        } else {
            Reply::ok(met_2024_09())
        }
    });
    let tmp = tempfile::tempdir().unwrap();
    let mut cfg = met_only(&server, tmp.path());
    cfg.max_backoff = Duration::from_secs(2);
    let start = Instant::now();
    let report = fetch::fetch(&cfg).unwrap();
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_millis(990),
        "waited only {elapsed:?}"
    );
    let e = entry(&report, "metropolitan", "2024-09");
    assert_eq!((e.outcome, e.attempts), (Outcome::Fetched, 2));
    assert_no_part_files(tmp.path());
}

#[test]
fn other_client_errors_fail_at_once() {
    let server = scripted(|_| Reply::status(403, "forbidden"));
    let tmp = tempfile::tempdir().unwrap();
    let report = fetch::fetch_report(&met_only(&server, tmp.path())).unwrap();
    let e = entry(&report, "metropolitan", "2024-09");
    assert_eq!(
        (e.outcome, e.attempts, e.status),
        (Outcome::Failed, 1, Some(403))
    );
    assert_eq!(stops_requests(&server), 1);
    assert!(!file(tmp.path(), "metropolitan", "2024-09").exists());
}

#[test]
fn slow_responses_time_out_and_a_good_file_survives() {
    let slow = Arc::new(AtomicBool::new(false));
    let slow_flag = Arc::clone(&slow);
    let server = scripted(move |n| {
        let reply = Reply::ok(met_2024_09()).header("ETag", MET_ETAG);
        if slow_flag.load(Ordering::SeqCst) || n == 0 {
            Reply::Slow(Duration::from_secs(2), Box::new(reply))
        } else {
            reply
        }
    });
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut cfg = met_only(&server, dir);
    cfg.timeout = Duration::from_millis(300);
    cfg.max_attempts = 2;

    // First answer too slow, second fine.
    let report = fetch::fetch(&cfg).unwrap();
    let e = entry(&report, "metropolitan", "2024-09");
    assert_eq!((e.outcome, e.attempts), (Outcome::Fetched, 2));
    let good = fs::read(file(dir, "metropolitan", "2024-09")).unwrap();
    assert_eq!(good, met_2024_09());
    let logged = log(dir).files;

    // Every answer too slow: Failed, exit code 3, the earlier file and its record untouched.
    slow.store(true, Ordering::SeqCst);
    cfg.refresh = true;
    let start = Instant::now();
    let err = fetch::fetch(&cfg).unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(err.exit_code(), 3);
    let Error::Fetch { url, message } = &err else {
        panic!("{err:?}")
    };
    assert!(url.ends_with("force=metropolitan&date=2024-09"), "{url}");
    assert!(message.contains("gave up after 2 attempts"), "{message}");
    assert_eq!(
        fs::read(file(dir, "metropolitan", "2024-09")).unwrap(),
        good
    );
    let l = log(dir);
    assert_eq!(l.files, logged);
    let failed = &l.last_run.unwrap().entries[0];
    assert_eq!((failed.outcome, failed.attempts), (Outcome::Failed, 2));
    assert!(failed.error.is_some());
    assert_eq!(
        failed.file.as_deref(),
        Some("stops-force_metropolitan_2024-09.json")
    );
    assert_no_part_files(dir);
}

#[test]
fn dropped_connections_are_retried() {
    let server = scripted(|n| {
        if n == 0 {
            Reply::Close
        } else {
            Reply::ok(met_2024_09())
        }
    });
    // Connection 0 is crimes-street-dates; 1 is dropped unread (a reset), 2 is read and
    // closed without an answer, 3 succeeds.
    server.reset_connection(1);
    let tmp = tempfile::tempdir().unwrap();
    let report = fetch::fetch(&met_only(&server, tmp.path())).unwrap();
    let e = entry(&report, "metropolitan", "2024-09");
    assert_eq!((e.outcome, e.attempts), (Outcome::Fetched, 3), "{e:?}");
    assert_eq!(server.connections(), 4);
    assert_eq!(
        fs::read(file(tmp.path(), "metropolitan", "2024-09")).unwrap(),
        met_2024_09()
    );
    assert_no_part_files(tmp.path());
}

#[test]
fn truncated_bodies_are_never_saved() {
    let body = met_2024_09();
    let server = Server::start(move |req, n| match (req.path.as_str(), req.param("date")) {
        ("/api/crimes-street-dates", _) => Reply::ok(dates()),
        // Always cut short: fails.
        ("/api/stops-force", Some("2024-09")) => Reply::Truncated {
            declared: 5000,
            body: body[..100].to_vec(),
        },
        // Cut short once, then whole.
        ("/api/stops-force", Some("2024-10")) if n == 0 => Reply::Truncated {
            declared: 5000,
            body: small_month()[..100].to_vec(),
        },
        ("/api/stops-force", Some("2024-10")) => Reply::ok(small_month()),
        _ => Reply::status(404, ""),
    });
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(&server, tmp.path(), &["metropolitan"], "2024-09", "2024-10");
    let report = fetch::fetch_report(&cfg).unwrap();
    let bad = entry(&report, "metropolitan", "2024-09");
    assert_eq!((bad.outcome, bad.attempts), (Outcome::Failed, 3));
    assert!(!file(tmp.path(), "metropolitan", "2024-09").exists());
    let good = entry(&report, "metropolitan", "2024-10");
    assert_eq!((good.outcome, good.attempts), (Outcome::Fetched, 2));
    assert_eq!(
        fs::read(file(tmp.path(), "metropolitan", "2024-10")).unwrap(),
        small_month()
    );
    assert_no_part_files(tmp.path());

    // `fetch` turns the failure into Error::Fetch naming the URL, after writing the log.
    let err = fetch::fetch(&cfg).unwrap_err();
    assert_eq!(err.exit_code(), 3);
    assert!(err.to_string().contains("date=2024-09"), "{err}");
    let l = log(tmp.path());
    assert_eq!(l.files.len(), 1);
    assert_eq!(l.last_run.unwrap().entries[0].outcome, Outcome::Failed);
}

#[test]
fn invalid_json_is_never_saved() {
    let server = Server::start(|req, _| match (req.path.as_str(), req.param("date")) {
        ("/api/crimes-street-dates", _) => Reply::ok(dates()),
        ("/api/stops-force", Some("2024-09")) => Reply::ok(r#"[{"type": "Person search"},"#),
        ("/api/stops-force", Some("2024-10")) => Reply::ok(r#"{"error": "not an array"}"#),
        _ => Reply::status(404, ""),
    });
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(&server, tmp.path(), &["metropolitan"], "2024-09", "2024-10");
    let report = fetch::fetch_report(&cfg).unwrap();
    for m in ["2024-09", "2024-10"] {
        let e = entry(&report, "metropolitan", m);
        assert_eq!((e.outcome, e.attempts), (Outcome::Failed, 3), "{e:?}");
        assert!(e.error.as_deref().unwrap().contains("JSON array"), "{e:?}");
        assert!(!file(tmp.path(), "metropolitan", m).exists());
    }
    assert_eq!(names(tmp.path()), [LOG_FILE]);
}

#[test]
fn a_failing_dates_list_is_a_fetch_error() {
    let server = Server::start(|req, _| match req.path.as_str() {
        "/api/crimes-street-dates" => Reply::status(503, "down"),
        _ => Reply::ok("[]"),
    });
    let tmp = tempfile::tempdir().unwrap();
    let err = fetch::fetch(&met_only(&server, tmp.path())).unwrap_err();
    assert_eq!(err.exit_code(), 3);
    assert!(err.to_string().contains("crimes-street-dates"), "{err}");
    assert_eq!(server.count("/api/crimes-street-dates"), 3);
    assert_eq!(stops_requests(&server), 0);
    let failed = &log(tmp.path()).last_run.unwrap().entries[0];
    assert_eq!(
        (failed.outcome, failed.status, failed.attempts),
        (Outcome::Failed, Some(503), 3)
    );
}

#[test]
fn a_404_leaves_an_earlier_file_alone() {
    let gone = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&gone);
    let server = scripted(move |_| {
        if flag.load(Ordering::SeqCst) {
            Reply::status(404, "")
        } else {
            Reply::ok(small_month())
        }
    });
    let tmp = tempfile::tempdir().unwrap();
    let mut cfg = met_only(&server, tmp.path());
    fetch::fetch(&cfg).unwrap();
    gone.store(true, Ordering::SeqCst);
    cfg.refresh = true;
    let report = fetch::fetch(&cfg).unwrap();
    let e = entry(&report, "metropolitan", "2024-09");
    assert_eq!((e.outcome, e.status), (Outcome::Missing, Some(404)));
    assert_eq!(
        e.file.as_deref(),
        Some("stops-force_metropolitan_2024-09.json")
    );
    assert_eq!(
        fs::read(file(tmp.path(), "metropolitan", "2024-09")).unwrap(),
        small_month()
    );
    assert_eq!(log(tmp.path()).files.len(), 1);
}

/// A small archive as data.police.uk lays it out, holding a real CSV.
fn archive_zip() -> Vec<u8> {
    let csv = fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/police_uk/2025-06-south-yorkshire-stop-and-search.csv"),
    )
    .unwrap();
    let mut w = ::zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = ::zip::write::SimpleFileOptions::default();
    w.start_file("2024-09/2024-09-metropolitan-stop-and-search.csv", options)
        .unwrap();
    w.write_all(&csv).unwrap();
    w.finish().unwrap().into_inner()
}

#[test]
fn archives_are_saved_verified_and_resumed() {
    let zip = archive_zip();
    let served = zip.clone();
    let server = Server::start(move |req, _| match req.path.as_str() {
        "/data/archive/2024-09.zip" => Reply::ok(served.clone()),
        // A zip cut short, served consistently (its Content-Length matches what is sent).
        "/data/archive/2024-08.zip" => Reply::ok(served[..served.len() / 2].to_vec()),
        // Cut short on the wire.
        "/data/archive/latest.zip" => Reply::Truncated {
            declared: served.len(),
            body: served[..served.len() / 2].to_vec(),
        },
        _ => Reply::status(404, ""),
    });
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut cfg = config(&server, dir, &[], "2024-09", "2024-09");
    cfg.archives = vec![format!("{}/data/archive/2024-09.zip", server.base)];
    let report = fetch::fetch(&cfg).unwrap();
    assert_eq!(
        server.count("/api/crimes-street-dates"),
        0,
        "no forces, no dates list"
    );
    let e = &report.entries[0];
    assert_eq!(
        (e.outcome, e.month.as_deref(), e.force.as_deref()),
        (Outcome::Fetched, Some("2024-09"), None)
    );
    assert_eq!(e.file.as_deref(), Some("2024-09.zip"));
    assert_eq!(fs::read(dir.join("2024-09.zip")).unwrap(), zip);
    assert_eq!(log(dir).files["2024-09.zip"].bytes, zip.len() as u64);

    // Resumed: no second download.
    let again = fetch::fetch(&cfg).unwrap();
    assert_eq!(again.entries[0].outcome, Outcome::Unchanged);
    assert_eq!(server.count(".zip"), 1);

    // Broken archives are refused and leave nothing behind; a 404 archive is a failure.
    cfg.archives = vec![
        format!("{}/data/archive/2024-08.zip", server.base),
        format!("{}/data/archive/latest.zip", server.base),
        format!("{}/data/archive/2023-01.zip", server.base),
    ];
    let report = fetch::fetch_report(&cfg).unwrap();
    let outcomes: Vec<_> = report
        .entries
        .iter()
        .map(|e| (e.outcome, e.attempts, e.status))
        .collect();
    assert_eq!(
        outcomes,
        [
            (Outcome::Failed, 3, Some(200)),
            (Outcome::Failed, 3, Some(200)),
            (Outcome::Failed, 1, Some(404)),
        ]
    );
    assert!(report.entries[0].error.as_deref().unwrap().contains("zip"));
    assert_eq!(names(dir), ["2024-09.zip", LOG_FILE]);

    // Names that `run` would not read as archives are refused before any request.
    let before = server.requests().len();
    cfg.archives = vec![format!("{}/data/archive/stuff.zip", server.base)];
    let err = fetch::fetch(&cfg).unwrap_err();
    assert!(matches!(err, Error::Usage(_)), "{err:?}");
    assert_eq!(server.requests().len(), before);
}

#[test]
fn size_limit_is_enforced() {
    let server = scripted(|_| Reply::ok(met_2024_09()));
    let tmp = tempfile::tempdir().unwrap();
    let mut cfg = met_only(&server, tmp.path());
    cfg.max_bytes = 1000;
    let report = fetch::fetch_report(&cfg).unwrap();
    let e = entry(&report, "metropolitan", "2024-09");
    assert_eq!((e.outcome, e.attempts), (Outcome::Failed, 1));
    assert!(e.error.as_deref().unwrap().contains("limit"), "{e:?}");
    assert_eq!(names(tmp.path()), [LOG_FILE]);
}

fn table(out: &Path, name: &str) -> DataFrame {
    let path = out.join("tables").join(format!("{name}.parquet"));
    ParquetReader::new(fs::File::open(&path).unwrap())
        .finish()
        .unwrap()
}

/// What `fetch` writes is what `run` reads: the real Met month, the `[]` month as an
/// observed zero, the 404 month as a gap.
#[test]
fn run_reads_the_fetched_folder() {
    let server = Server::start(|req, _| api(req));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let cfg = config(
        &server,
        &dir,
        &["metropolitan", "city-of-london"],
        "2024-09",
        "2024-10",
    );
    fetch::fetch(&cfg).unwrap();

    let out = tmp.path().join("out");
    let run = Command::new(env!("CARGO_BIN_EXE_stopsearch"))
        .arg("run")
        .arg(&dir)
        .arg("--out")
        .arg(&out)
        .args(["--no-charts", "-q"])
        .env_remove("STOPSEARCH_LOG")
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "stderr:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(table(&out, "searches").height(), 3253 + 2);

    let coverage = table(&out, "coverage");
    let strings = |c: &str| -> Vec<String> {
        let s = coverage.column(c).unwrap().cast(&DataType::String).unwrap();
        s.str()
            .unwrap()
            .iter()
            .map(|v| v.unwrap_or_default().to_owned())
            .collect()
    };
    let rows = coverage
        .column("rows")
        .unwrap()
        .cast(&DataType::UInt64)
        .unwrap();
    let rows: Vec<u64> = rows.u64().unwrap().iter().map(|v| v.unwrap_or(0)).collect();
    let mut ours: Vec<(String, String, String, u64)> = strings("force")
        .into_iter()
        .zip(strings("month"))
        .zip(strings("status"))
        .zip(rows)
        .map(|(((f, m), s), r)| (f, m, s, r))
        .filter(|(f, ..)| f == "metropolitan" || f == "city-of-london")
        .collect();
    ours.sort();
    let expected = [
        ("city-of-london", "2024-09", "missing", 0),
        ("city-of-london", "2024-10", "submitted", 2),
        ("metropolitan", "2024-09", "submitted", 3253),
        ("metropolitan", "2024-10", "zero", 0),
    ]
    .map(|(f, m, s, r)| (f.to_owned(), m.to_owned(), s.to_owned(), r));
    assert_eq!(ours, expected);
}

/// A scheduled run with `[fetch]` in its settings file: downloads under the run's lock, reads
/// the folder, and records every request in the manifest and the summary.
#[test]
fn scheduled_run_fetches_then_runs() {
    let server = Server::start(|req, _| api(req));
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("stopsearch.toml");
    fs::write(
        &config,
        format!(
            "out = \"output\"\nforces = [\"metropolitan\", \"city-of-london\"]\n\
             from = \"2024-09\"\nto = \"2024-10\"\ncharts = false\n\
             summary_json = \"summary.json\"\n\n[fetch]\ndata = \"data\"\n\
             base_url = \"{}\"\n",
            server.base
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stopsearch"))
        .args(["run", "--config", config.to_str().unwrap(), "-q"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read =
        |p: &Path| -> serde_json::Value { serde_json::from_slice(&fs::read(p).unwrap()).unwrap() };
    let manifest = read(&tmp.path().join("output/manifest.json"));
    let entries = manifest["fetch"]["entries"].as_array().unwrap();
    let outcome = |force: &str, m: &str| {
        entries
            .iter()
            .find(|e| e["force"] == force && e["month"] == m)
            .map(|e| e["outcome"].as_str().unwrap().to_owned())
    };
    assert_eq!(
        outcome("metropolitan", "2024-09").as_deref(),
        Some("fetched")
    );
    assert_eq!(outcome("metropolitan", "2024-10").as_deref(), Some("zero"));
    assert_eq!(
        outcome("city-of-london", "2024-09").as_deref(),
        Some("missing")
    );
    assert!(entries.iter().all(|e| e["attempts"].as_u64() >= Some(1)));
    assert_eq!(manifest["totals"]["rows_kept"], 3_253 + 2);
    let summary = read(&tmp.path().join("summary.json"));
    assert_eq!(summary["status"], "ok");
    assert_eq!(
        summary["run"]["fetch"]["entries"].as_array().unwrap().len(),
        entries.len()
    );
    assert!(tmp.path().join("data/fetch-log.json").is_file());
}

/// `stopsearch fetch` on the command line: files and exit code 0.
#[test]
fn fetch_command_downloads_a_folder() {
    let server = Server::start(|req, _| api(req));
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stopsearch"))
        .args([
            "fetch",
            "--base-url",
            &server.base,
            "--forces",
            "metropolitan,city-of-london",
            "--from",
            "2024-09",
            "--to",
            "2024-10",
            "--data",
            data.to_str().unwrap(),
            "-q",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        names(&data),
        [
            "fetch-log.json",
            "stops-force_city-of-london_2024-10.json",
            "stops-force_metropolitan_2024-09.json",
            "stops-force_metropolitan_2024-10.json",
        ]
    );
    assert_eq!(
        fs::read(data.join("stops-force_metropolitan_2024-09.json")).unwrap(),
        met_2024_09()
    );
}
