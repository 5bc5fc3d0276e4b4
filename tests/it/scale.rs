//! Scale features on small synthetic sets: the generator's files pass ingest with the counts it
//! reports (checked against the files themselves), a run from the cache is byte-identical to a
//! cold run, and synthetic and real data are never mixed.

use std::path::Path;

use crate::common::*;

fn synth(dir: &Path, rows: &str, seed: &str) {
    let out = stopsearch(
        &root(),
        &[
            "synth",
            "--rows",
            rows,
            "--from",
            "2018-01",
            "--to",
            "2019-12",
            "--seed",
            seed,
            "--out",
            dir.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Lines and files counted straight from the generated files.
fn count_files(dir: &Path) -> (usize, usize, usize) {
    let (mut files, mut rows, mut header_only) = (0, 0, 0);
    for month in std::fs::read_dir(dir).unwrap() {
        let month = month.unwrap().path();
        if !month.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&month).unwrap() {
            let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
            let lines = text.lines().count() - 1;
            files += 1;
            rows += lines;
            header_only += usize::from(lines == 0);
        }
    }
    (files, rows, header_only)
}

#[test]
fn generated_files_pass_ingest_with_the_expected_counts() {
    let dir = tempdir();
    let data = dir.path().join("data");
    synth(&data, "20000", "7");
    let (files, rows, header_only) = count_files(&data);
    assert_eq!(rows, 20_000);
    let out = dir.path().join("out");
    run_ok(
        &root(),
        &[
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
            "--no-charts",
        ],
        0,
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["synthetic"], true);
    assert_eq!(manifest["totals"]["rows_read"], 20_000);
    assert_eq!(
        manifest["totals"]["sources_read"].as_u64().unwrap() as usize,
        files
    );
    let kept = manifest["totals"]["rows_kept"].as_u64().unwrap();
    let rejected = manifest["totals"]["rows_rejected"].as_u64().unwrap();
    assert_eq!(kept + rejected, 20_000);
    // The generator writes about one malformed row in 10,000 (a bad date or an extra field).
    assert!(rejected <= 20, "{rejected}");
    let coverage = table(&out, "coverage");
    let status = strings(&coverage, "status");
    let count = |s: &str| status.iter().filter(|x| x.as_deref() == Some(s)).count();
    assert_eq!(count("zero"), header_only);
    assert_eq!(count("submitted") + count("zero"), files);
    assert_eq!(count("missing"), 44 * 24 - files);
    // Greater Manchester has no data from July 2019, as in the real archive.
    let gmp = select(
        &coverage,
        &[("force", "greater-manchester"), ("month", "2019-08")],
    );
    assert_eq!(strings(&gmp, "status")[0].as_deref(), Some("missing"));
    // Both label vocabularies appear: old outcome labels before April 2018.
    let searches = table(&out, "searches");
    let old = select(
        &searches,
        &[
            ("month", "2018-01"),
            ("outcome", "Nothing found - no further action"),
        ],
    );
    assert!(old.height() > 0);
    let new = select(
        &searches,
        &[
            ("month", "2019-01"),
            ("outcome", "A no further action disposal"),
        ],
    );
    assert!(new.height() > 0);
}

#[test]
fn the_generator_is_deterministic() {
    let dir = tempdir();
    synth(&dir.path().join("a"), "3000", "3");
    synth(&dir.path().join("b"), "3000", "3");
    let f = "2019-06/2019-06-metropolitan-stop-and-search.csv";
    assert_eq!(
        std::fs::read(dir.path().join("a").join(f)).unwrap(),
        std::fs::read(dir.path().join("b").join(f)).unwrap()
    );
}

/// Gives the first file of the first month a new modification time, its bytes unchanged.
fn touch_one(data: &Path) {
    let mut months: Vec<_> = std::fs::read_dir(data)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    months.sort();
    let mut files: Vec<_> = std::fs::read_dir(&months[0])
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let f = std::fs::File::options()
        .append(true)
        .open(&files[0])
        .unwrap();
    let later = std::fs::metadata(&files[0]).unwrap().modified().unwrap()
        + std::time::Duration::from_secs(10);
    f.set_modified(later).unwrap();
}

/// Every table file of two outputs, byte for byte, but `revisions` (an output's own history).
fn assert_same_tables(a: &Path, b: &Path, what: &str) {
    let mut compared = 0;
    for entry in std::fs::read_dir(a.join("tables")).unwrap() {
        let name = entry.unwrap().file_name();
        if name == "revisions.parquet" {
            continue;
        }
        let x = std::fs::read(a.join("tables").join(&name)).unwrap();
        let y = std::fs::read(b.join("tables").join(&name)).unwrap();
        assert!(x == y, "{name:?} differs: {what}");
        compared += 1;
    }
    assert!(compared >= 10, "{compared} tables compared");
}

fn summary(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// A rerun with nothing new leaves the output standing (not even rewritten) and says so;
/// anything that could change a table (a file touched, an option, the output itself
/// altered) makes the run whole again, with the same tables where the data are the same.
#[test]
fn a_rerun_with_nothing_new_leaves_the_output_standing() {
    let dir = tempdir();
    let data = dir.path().join("data");
    synth(&data, "3000", "13");
    let out = dir.path().join("out");
    let json = dir.path().join("summary.json");
    let run = |extra: &[&str], code: i32| {
        let mut a = vec![
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--no-charts",
            "--summary-json",
            json.to_str().unwrap(),
        ];
        a.extend_from_slice(extra);
        run_ok(&root(), &a, code);
        summary(&json)
    };
    let first = run(&[], 0);
    assert_eq!(first["run"]["unchanged"], false);
    let manifest = std::fs::read(out.join("manifest.json")).unwrap();
    let published = std::fs::metadata(out.join("tables/rates.parquet"))
        .unwrap()
        .modified()
        .unwrap();
    let snapshot = dir.path().join("snapshot");
    std::fs::create_dir_all(snapshot.join("tables")).unwrap();
    for e in std::fs::read_dir(out.join("tables")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), snapshot.join("tables").join(e.file_name())).unwrap();
    }

    // Nothing new (and a threshold, which changes no table, given): the output stands.
    let again = run(&["--max-reject-share", "0.5"], 0);
    assert_eq!(again["run"]["unchanged"], true);
    assert_eq!(again["run"]["rows_read"], first["run"]["rows_read"]);
    assert_eq!(again["run"]["tables"], first["run"]["tables"]);
    assert_eq!(std::fs::read(out.join("manifest.json")).unwrap(), manifest);
    assert_eq!(
        std::fs::metadata(out.join("tables/rates.parquet"))
            .unwrap()
            .modified()
            .unwrap(),
        published,
        "the standing output was not rewritten"
    );
    // The thresholds still judge it: Greater Manchester has no data for the last month.
    let judged = run(&["--require-latest-month"], 1);
    assert_eq!(judged["run"]["unchanged"], true);

    // A file touched: the run is whole again (parsing from the cache), tables the same.
    touch_one(&data);
    let touched = run(&[], 0);
    assert_eq!(touched["run"]["unchanged"], false);
    assert_same_tables(&out, &snapshot, "after a file was touched");
    assert_eq!(run(&[], 0)["run"]["unchanged"], true);

    // An option that changes the tables.
    let other = run(&["--reference", "Black"], 0);
    assert_eq!(other["run"]["unchanged"], false);
    assert_eq!(run(&["--reference", "Black"], 0)["run"]["unchanged"], true);

    // A table removed from the output: built again.
    std::fs::remove_file(out.join("tables/rates.parquet")).unwrap();
    let rebuilt = run(&["--reference", "Black"], 0);
    assert_eq!(rebuilt["run"]["unchanged"], false);
    assert!(out.join("tables/rates.parquet").is_file());

    // Without the cache there is no record to stand on.
    assert_eq!(run(&["--no-cache"], 0)["run"]["unchanged"], false);
    assert_eq!(run(&["--no-cache"], 0)["run"]["unchanged"], false);
    assert_same_tables(&out, &snapshot, "a run without the cache");
}

/// A month taken out of the data after the cache was filled: the run from the cache has the
/// same tables as a cold run over what is left.
#[test]
fn a_removed_month_leaves_the_tables_of_a_cold_run() {
    let dir = tempdir();
    let data = dir.path().join("data");
    synth(&data, "3000", "14");
    let cached = dir.path().join("cached");
    let cold = dir.path().join("cold");
    let run = |out: &Path, extra: &[&str]| {
        let mut a = vec![data.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"];
        a.extend_from_slice(extra);
        run_ok(&root(), &a, 0);
    };
    run(&cached, &[]);
    std::fs::remove_dir_all(data.join("2019-03")).unwrap();
    run(&cached, &[]);
    run(&cold, &["--no-cache"]);
    let coverage = table(&cached, "coverage");
    let march = select(&coverage, &[("month", "2019-03")]);
    assert!(
        strings(&march, "status")
            .iter()
            .all(|s| s.as_deref() == Some("missing")),
        "the removed month is missing, not zero"
    );
    assert_same_tables(&cached, &cold, "after a month was removed");
}

#[test]
fn a_run_from_the_cache_is_byte_identical_to_a_cold_run() {
    let dir = tempdir();
    let data = dir.path().join("data");
    synth(&data, "5000", "11");
    let cached = dir.path().join("cached");
    let cold = dir.path().join("cold");
    let args = |out: &Path| {
        vec![
            data.to_str().unwrap().to_owned(),
            "--out".into(),
            out.to_str().unwrap().to_owned(),
            "-v".into(),
        ]
    };
    // First run fills the cache, the second reads from it; a third, with no cache, parses all.
    // Before the second, one file is touched (same bytes, new time) so the run does not stand
    // on the first's output but parses, from the cache.
    for (i, (out, extra, code)) in [
        (&cached, None, 0),
        (&cached, None, 0),
        (&cold, Some("--no-cache"), 0),
    ]
    .into_iter()
    .enumerate()
    {
        if i == 1 {
            touch_one(&data);
        }
        let mut a = args(out);
        a.extend(extra.map(str::to_owned));
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        run_ok(&root(), &refs, code);
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(cached.join("manifest.json")).unwrap()).unwrap();
    let sources = manifest["sources"].as_array().unwrap();
    assert!(
        sources.iter().all(|s| s["from_cache"] == true),
        "the second run read every source from the cache"
    );
    assert!(!cold.join(".cache").exists());
    let mut compared = 0;
    for entry in std::fs::read_dir(cold.join("tables")).unwrap() {
        let name = entry.unwrap().file_name();
        let a = std::fs::read(cold.join("tables").join(&name)).unwrap();
        let b = std::fs::read(cached.join("tables").join(&name)).unwrap();
        assert!(a == b, "{name:?} differs between a cached and a cold run");
        compared += 1;
    }
    assert!(compared >= 10);
}

/// A correction: the first file of the month folder with rows gains a copy of its last row.
/// Returns the file and its text before.
fn correct_a_file(month: &Path) -> (std::path::PathBuf, String) {
    let changed = std::fs::read_dir(month)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| std::fs::read_to_string(p).unwrap().lines().count() > 1)
        .min()
        .unwrap();
    let text = std::fs::read_to_string(&changed).unwrap();
    let last = text.lines().last().unwrap().to_owned();
    std::fs::write(&changed, format!("{text}{last}\n")).unwrap();
    (changed, text)
}

/// The incremental case: a month arrives and a file is corrected after the cache was filled.
/// Only those months are parsed again, and the tables still match a cold run's.
#[test]
fn a_new_month_and_a_changed_file_are_read_again() {
    let dir = tempdir();
    let data = dir.path().join("data");
    synth(&data, "4000", "12");
    let held_back = dir.path().join("2019-12");
    std::fs::rename(data.join("2019-12"), &held_back).unwrap();
    let cached = dir.path().join("cached");
    let cold = dir.path().join("cold");
    let run = |out: &Path, extra: &[&str]| {
        let mut a = vec![data.to_str().unwrap(), "--out", out.to_str().unwrap()];
        a.extend_from_slice(extra);
        run_ok(&root(), &a, 0);
    };
    run(&cached, &[]);
    std::fs::rename(&held_back, data.join("2019-12")).unwrap();
    // A correction: one file of 2018-05 gains a copy of its last row.
    let (changed, text) = correct_a_file(&data.join("2018-05"));
    run(&cached, &[]);
    run(&cold, &["--no-cache"]);

    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(cached.join("manifest.json")).unwrap()).unwrap();
    for s in manifest["sources"].as_array().unwrap() {
        let month = s["month"].as_str().unwrap();
        let parsed_again = month == "2019-12" || month == "2018-05";
        assert_eq!(
            s["from_cache"] == false,
            parsed_again,
            "{}: from_cache {}",
            s["id"],
            s["from_cache"]
        );
    }
    let name = changed.file_name().unwrap().to_str().unwrap();
    let entry = manifest["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"].as_str().unwrap().ends_with(name))
        .unwrap();
    assert_eq!(
        entry["rows_read"].as_u64().unwrap() as usize,
        text.lines().count(),
        "the corrected file's new row was read"
    );
    // The revisions table is the output folder's own history: the incremental run found the
    // corrected file's revision, the cold run (a first run) has none.
    let revisions = table(&cached, "revisions");
    let months: Vec<String> = strings(&revisions, "month").into_iter().flatten().collect();
    assert!(
        !months.is_empty() && months.iter().all(|m| m == "2018-05"),
        "the corrected file is the one revision: {months:?}"
    );
    assert_eq!(table(&cold, "revisions").height(), 0);
    for entry in std::fs::read_dir(cold.join("tables")).unwrap() {
        let name = entry.unwrap().file_name();
        if name == "revisions.parquet" {
            continue;
        }
        let a = std::fs::read(cold.join("tables").join(&name)).unwrap();
        let b = std::fs::read(cached.join("tables").join(&name)).unwrap();
        assert!(
            a == b,
            "{name:?} differs between the incremental and a cold run"
        );
    }
}

#[test]
fn synthetic_and_real_data_are_never_mixed() {
    let dir = tempdir();
    let data = dir.path().join("data");
    synth(&data, "2000", "5");
    copy_fixture("2017-12-city-of-london-stop-and-search.csv", &data, false);
    let out = run_ok(
        &root(),
        &[
            data.to_str().unwrap(),
            "--out",
            dir.path().join("o").to_str().unwrap(),
        ],
        2,
    );
    assert!(stderr(&out).contains("never mixed"), "{}", stderr(&out));
}

/// Six years of synthetic files (a run over fewer touches every year of the span whatever
/// month changes, and is made from scratch).
fn synth_years(dir: &Path, rows: &str, seed: &str, boundaries: Option<&Path>) {
    let mut a = vec![
        "synth", "--rows", rows, "--from", "2015-01", "--to", "2020-12", "--seed", seed, "--out",
    ];
    a.push(dir.to_str().unwrap());
    if let Some(b) = boundaries {
        a.extend(["--boundaries", b.to_str().unwrap()]);
    }
    let out = stopsearch(&root(), &a);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// After a month is added, after one is revised, after one is removed and after a file is
/// only touched, a run that makes again only the periods those months touch (and reads the
/// rest back from its published tables) gives byte for byte the tables of a cold run over the
/// same files.
fn changed_months_match_a_cold_run(boundaries: Option<&Path>) {
    let dir = tempdir();
    let data = dir.path().join("data");
    synth_years(&data, "6000", "21", boundaries);
    let held_back = dir.path().join("2020-12");
    std::fs::rename(data.join("2020-12"), &held_back).unwrap();
    let cached = dir.path().join("cached");
    let run = |out: &Path, charts: bool, extra: &[&str]| -> String {
        let mut a = vec![data.to_str().unwrap(), "--out", out.to_str().unwrap(), "-v"];
        if !charts {
            a.push("--no-charts");
        }
        if let Some(b) = boundaries {
            a.extend(["--boundaries", b.to_str().unwrap()]);
        }
        a.extend_from_slice(extra);
        stderr(&run_ok(&root(), &a, 0))
    };
    let spliced = "only the periods of the months changed since the published output";
    let first = run(&cached, false, &[]);
    assert!(!first.contains(spliced), "{first}");
    let mut step = 0;
    // With `charts` the run draws the charts too, which changes no table, so the published
    // tables made without them still splice.
    let mut check = |what: &str, changed: &str, charts: bool| {
        let log = run(&cached, charts, &[]);
        assert!(
            log.lines()
                .any(|l| l.contains(spliced) && l.contains(&format!("changed={changed} "))),
            "{what}: the run did not make again only {changed}'s periods:\n{log}"
        );
        step += 1;
        let cold = dir.path().join(format!("cold{step}"));
        run(&cold, charts, &["--no-cache"]);
        assert_same_tables(&cached, &cold, what);
    };

    std::fs::rename(&held_back, data.join("2020-12")).unwrap();
    check("after a month was added", "2020-12", false);

    // A correction: one file of 2017-05 gains a copy of its last row.
    correct_a_file(&data.join("2017-05"));
    check("after a month was revised", "2017-05", false);

    std::fs::remove_dir_all(data.join("2016-03")).unwrap();
    check("after a month was removed", "2016-03", false);

    touch_one(&data);
    check("after a file was touched, its bytes the same", "", false);

    correct_a_file(&data.join("2019-08"));
    check("with charts, after a month was revised", "2019-08", true);
}

#[test]
fn changed_months_remake_only_their_periods_and_match_a_cold_run() {
    changed_months_match_a_cold_run(None);
}

/// The same with the ONS boundaries, so the district rows are spliced too.
#[test]
#[ignore = "needs ../shared/data (run by .ci/run)"]
fn changed_months_with_districts_match_a_cold_run() {
    let Some(bgc) = shared_data("geography/lad22_ew_bgc.geojson.gz") else {
        return;
    };
    changed_months_match_a_cold_run(Some(&bgc));
}
