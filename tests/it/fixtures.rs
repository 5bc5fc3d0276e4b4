//! The default run on the bundled real fixtures, checked against counts made without the
//! program: rows per file as given in SOURCES.md, and per-file outcome-class and ethnicity
//! counts made from the raw files by `tests/crosscheck/count_raw.py` (Python's csv module,
//! with mappings parsed from the reference document).

use std::collections::BTreeMap;

use crate::common::*;
use serde_json::Value;

/// Rows per file, as listed in fixtures/police_uk/SOURCES.md (and data-formats.md §8).
const SOURCES_MD_ROWS: [(&str, u32); 9] = [
    (
        "police_uk/2016-06-metropolitan-stop-and-search.csv.gz",
        10_490,
    ),
    ("police_uk/2017-12-city-of-london-stop-and-search.csv", 101),
    (
        "police_uk/2019-06-greater-manchester-stop-and-search.csv.gz",
        907,
    ),
    (
        "police_uk/2021-08-west-yorkshire-stop-and-search.csv.gz",
        1_312,
    ),
    (
        "police_uk/2022-09-metropolitan-stop-and-search.csv.gz",
        12_447,
    ),
    ("police_uk/2025-06-cheshire-stop-and-search.csv.gz", 1_185),
    ("police_uk/2025-06-merseyside-stop-and-search.csv.gz", 4_992),
    ("police_uk/2025-06-south-yorkshire-stop-and-search.csv", 930),
    (
        "police_uk/api/stops-force_metropolitan_2024-09.json.gz",
        3_253,
    ),
];

fn expected() -> Value {
    let text = std::fs::read_to_string(root().join("tests/expected/fixture_counts.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn as_counts(v: &Value) -> BTreeMap<String, u64> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, n)| (k.clone(), n.as_u64().unwrap()))
        .collect()
}

#[test]
fn every_row_of_every_fixture_is_kept() {
    let out = &fixture_run();
    let searches = table(out, "searches");
    let rejects = table(out, "rejects");
    assert_eq!(
        rejects.height(),
        0,
        "the real fixtures have no malformed rows"
    );
    let total: u32 = SOURCES_MD_ROWS.iter().map(|(_, n)| n).sum();
    assert_eq!(searches.height() as u32, total);
    assert_eq!(total, 32_364 + 3_253);
    let per_file = counts_where(&searches, "force", "metropolitan", "source_file");
    assert_eq!(per_file.len(), 3);
    for (file, rows) in SOURCES_MD_ROWS {
        let got = strings(&searches, "source_file")
            .iter()
            .filter(|s| s.as_deref() == Some(file))
            .count() as u32;
        assert_eq!(got, rows, "{file}");
    }
}

#[test]
fn outcome_classes_and_ethnicity_match_the_independent_count() {
    let out = &fixture_run();
    let searches = table(out, "searches");
    let expected = expected();
    let files = expected["files"].as_object().unwrap();
    assert_eq!(files.len(), 9);
    for (file, want) in files {
        assert_eq!(
            counts_where(&searches, "source_file", file, "outcome_class"),
            as_counts(&want["outcome_class"]),
            "outcome classes of {file}"
        );
        assert_eq!(
            counts_where(&searches, "source_file", file, "ethnicity"),
            as_counts(&want["ethnicity"]),
            "broad ethnicity of {file}"
        );
    }
}

#[test]
fn old_labels_of_the_2016_met_file() {
    // Counted by hand from the raw file with zcat | cut | sort | uniq -c (see
    // data-formats.md §5.4.2 and §5.8): old coded ethnicity and old outcomes.
    let out = &fixture_run();
    let searches = table(out, "searches");
    let file = "police_uk/2016-06-metropolitan-stop-and-search.csv.gz";
    let raw = counts_where(&searches, "source_file", file, "outcome");
    assert_eq!(raw["Nothing found - no further action"], 7_104);
    assert_eq!(raw["Suspect arrested"], 2_112);
    assert_eq!(raw["Offender given drugs possession warning"], 892);
    let eth = counts_where(&searches, "source_file", file, "self_defined_ethnicity");
    assert_eq!(eth["Not Stated (NS)"], 1_028);
    assert_eq!(eth["Chinese or other ethnic group - Chinese (O1)"], 22);
    let broad = counts_where(&searches, "source_file", file, "ethnicity");
    assert_eq!(broad["Not stated"], 1_028);
    assert_eq!(broad["Black"], 1_121 + 1_294 + 940);
}

#[test]
fn month_comes_from_the_file_name() {
    // Met 2022-09 holds 16 rows stamped 2022-08-31 (UTC); all belong to 2022-09.
    let out = &fixture_run();
    let searches = table(out, "searches");
    let months = counts_where(
        &searches,
        "source_file",
        "police_uk/2022-09-metropolitan-stop-and-search.csv.gz",
        "month",
    );
    assert_eq!(months.len(), 1);
    assert_eq!(months["2022-09"], 12_447);
    let quality = table(out, "quality");
    let measures = strings(&quality, "measure");
    assert!(
        !measures
            .iter()
            .any(|m| m.as_deref() == Some("datetime_outside_month"))
    );
}

#[test]
fn coverage_marks_missing_months_missing() {
    let out = &fixture_run();
    let coverage = table(out, "coverage");
    // 44 forces × every month from 2016-06 to 2025-06.
    assert_eq!(coverage.height(), 44 * 109);
    let status = counts_where(&coverage, "force", "greater-manchester", "status");
    assert_eq!(status["submitted"], 1);
    assert_eq!(status["missing"], 108);
    let all: BTreeMap<_, _> =
        strings(&coverage, "status")
            .into_iter()
            .fold(BTreeMap::new(), |mut m, s| {
                *m.entry(s.unwrap()).or_insert(0) += 1;
                m
            });
    assert_eq!(all["submitted"], 9);
    assert_eq!(all["missing"], 44 * 109 - 9);
    assert!(!all.contains_key("zero"));
}

#[test]
fn manifest_reconciles() {
    let out = &fixture_run();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let sources = manifest["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 9);
    for s in sources {
        let read = s["rows_read"].as_u64().unwrap();
        let kept = s["rows_kept"].as_u64().unwrap();
        let rejected = s["rows_rejected"].as_u64().unwrap();
        assert_eq!(read, kept + rejected, "{s}");
        assert_eq!(s["sha256"].as_str().unwrap().len(), 64);
    }
    let rows: u64 = SOURCES_MD_ROWS.iter().map(|(_, n)| u64::from(*n)).sum();
    assert_eq!(manifest["totals"]["rows_kept"], rows);
    let tables: BTreeMap<_, _> = manifest["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["rows"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(tables["searches"], rows);
    assert_eq!(tables["coverage"], 44 * 109);
}

#[test]
fn quality_shows_the_known_gaps() {
    // data-formats.md §9: Merseyside 2025-06 has Legislation empty in 100% of rows and the Met
    // leaves "outcome linked" empty throughout.
    let out = &fixture_run();
    let q = table(out, "quality");
    let file = strings(&q, "source_file");
    let column = strings(&q, "column");
    let measure = strings(&q, "measure");
    let share = q.column("share").unwrap().f64().unwrap().clone();
    let find = |f: &str, c: &str, m: &str| {
        (0..q.height())
            .find(|&i| {
                file[i].as_deref() == Some(f)
                    && column[i].as_deref() == Some(c)
                    && measure[i].as_deref() == Some(m)
            })
            .map(|i| share.get(i).unwrap())
            .unwrap_or_else(|| panic!("no {m} row for {c} in {f}"))
    };
    let mersey = "police_uk/2025-06-merseyside-stop-and-search.csv.gz";
    assert_eq!(find(mersey, "legislation", "null"), 1.0);
    let met = "police_uk/2022-09-metropolitan-stop-and-search.csv.gz";
    assert_eq!(find(met, "outcome_linked", "null"), 1.0);
    // 28.7% of the Met 2022-09 rows are "not stated" (3,578 of 12,447).
    assert!((find(met, "self_defined_ethnicity", "not_stated") - 3578.0 / 12447.0).abs() < 1e-12);
    assert!(
        !measure
            .iter()
            .any(|m| m.as_deref() == Some("unknown_label"))
    );
}

#[test]
fn tables_are_byte_identical_whatever_the_thread_count() {
    let dir = tempdir();
    let one = dir.path().join("one");
    let two = dir.path().join("two");
    for (out, threads) in [(&one, "1"), (&two, "2")] {
        run_ok(
            &root(),
            &[
                "--out",
                out.to_str().unwrap(),
                "--quiet",
                "--threads",
                threads,
            ],
            0,
        );
    }
    let mut names: Vec<_> = std::fs::read_dir(one.join("tables"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names.len(),
        35,
        "20 Parquet tables and 15 CSV twins: {names:?}"
    );
    for name in names {
        let a = std::fs::read(one.join("tables").join(&name)).unwrap();
        let b = std::fs::read(two.join("tables").join(&name)).unwrap();
        assert!(a == b, "{name} differs between 1 and 2 threads");
        let first = std::fs::read(fixture_run().join("tables").join(&name)).unwrap();
        assert!(a == first, "{name} differs between runs");
    }
}
