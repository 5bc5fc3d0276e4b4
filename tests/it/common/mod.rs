//! Helpers shared by the integration tests: run the binary, read the tables back, and the
//! two runs most tests only read (the fixtures, and the constructed grounds extract), each made
//! once per test binary.
#![allow(dead_code)]

pub mod http;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use polars::prelude::*;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    root().join("fixtures/police_uk")
}

/// A file of `../shared/data/` beside the checkout: real data that must never be copied into
/// the repository, so tests read it where it is. `None`, with a note, where it is absent; under
/// CI (the variable `CI` set) its absence fails the test, so CI never passes by skipping.
pub fn shared_data(relative: &str) -> Option<PathBuf> {
    let path = root().join("../shared/data").join(relative);
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is missing: CI must have ../shared beside the checkout (its README lists what is in it)",
        path.display()
    );
    eprintln!("skipped: {} is not here", path.display());
    None
}

/// Runs `stopsearch` with `args` in `dir`.
pub fn stopsearch(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stopsearch"))
        .args(args)
        .current_dir(dir)
        .env_remove("STOPSEARCH_LOG")
        .output()
        .expect("the binary runs")
}

/// Runs `stopsearch run` and asserts the exit code.
pub fn run_ok(dir: &Path, args: &[&str], code: i32) -> Output {
    let mut full = vec!["run"];
    full.extend_from_slice(args);
    let out = stopsearch(dir, &full);
    assert_eq!(
        out.status.code(),
        Some(code),
        "stopsearch {full:?}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `stopsearch run --quiet --no-charts --no-cache --out OUT ARGS...`, asserting the exit code:
/// the tables of a run, nothing cached.
pub fn run_tables(dir: &Path, out: &Path, args: &[&str], code: i32) -> Output {
    let mut all = vec![
        "--quiet",
        "--no-charts",
        "--no-cache",
        "--out",
        out.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    run_ok(dir, &all, code)
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn table(out_dir: &Path, name: &str) -> DataFrame {
    let path = out_dir.join("tables").join(format!("{name}.parquet"));
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ParquetReader::new(file)
        .finish()
        .expect("a readable Parquet file")
}

pub fn strings(df: &DataFrame, column: &str) -> Vec<Option<String>> {
    let s = df.column(column).unwrap().cast(&DataType::String).unwrap();
    s.str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_owned))
        .collect()
}

pub fn u32s(df: &DataFrame, column: &str) -> Vec<u32> {
    let s = df.column(column).unwrap().cast(&DataType::UInt32).unwrap();
    s.u32().unwrap().into_no_null_iter().collect()
}

/// Counts of each value of `column` among rows where `key_col == key`.
pub fn counts_where(
    df: &DataFrame,
    key_col: &str,
    key: &str,
    column: &str,
) -> std::collections::BTreeMap<String, u64> {
    let keys = strings(df, key_col);
    let values = strings(df, column);
    let mut out = std::collections::BTreeMap::new();
    for (k, v) in keys.iter().zip(values) {
        if k.as_deref() == Some(key) {
            *out.entry(v.unwrap_or_else(|| "(empty)".to_owned()))
                .or_insert(0) += 1;
        }
    }
    out
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

/// Copies a fixture into `dir`, decompressing it if `plain`.
pub fn copy_fixture(name: &str, dir: &Path, plain: bool) -> PathBuf {
    let src = fixtures().join(name);
    let bytes = std::fs::read(&src).unwrap();
    if plain && name.ends_with(".gz") {
        use std::io::Read;
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .unwrap();
        let dest = dir.join(name.trim_end_matches(".gz"));
        std::fs::write(&dest, out).unwrap();
        dest
    } else {
        let dest = dir.join(Path::new(name).file_name().unwrap());
        std::fs::write(&dest, bytes).unwrap();
        dest
    }
}

/// Rows where each named column (as text) equals the value given.
pub fn select(df: &DataFrame, filters: &[(&str, &str)]) -> DataFrame {
    let mut mask = BooleanChunked::full("mask".into(), true, df.height());
    for (col, value) in filters {
        let s = df
            .column(col)
            .unwrap_or_else(|_| panic!("no column {col}"))
            .cast(&DataType::String)
            .unwrap();
        let eq: BooleanChunked = s
            .str()
            .unwrap()
            .iter()
            .map(|v| Some(v == Some(*value)))
            .collect();
        mask = &mask & &eq;
    }
    df.filter(&mask).unwrap()
}

/// The only row's value of a numeric column.
pub fn num(df: &DataFrame, col: &str) -> Option<f64> {
    assert_eq!(df.height(), 1, "expected one row, got {df}");
    let s = df.column(col).unwrap().cast(&DataType::Float64).unwrap();
    s.f64().unwrap().get(0)
}

pub fn flag(df: &DataFrame, col: &str) -> bool {
    assert_eq!(df.height(), 1, "expected one row, got {df}");
    df.column(col).unwrap().bool().unwrap().get(0).unwrap()
}

/// The independent counts made from the raw fixtures by tests/crosscheck/count_raw.py.
pub fn raw_counts() -> serde_json::Value {
    let text = std::fs::read_to_string(root().join("tests/expected/fixture_counts.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Census 2021 residents of a PFA and group, read from the shipped CSV with plain string
/// splitting (not the program's reader).
pub fn census2021(pfa: &str, column: &str) -> f64 {
    let text = std::fs::read_to_string(
        root().join("fixtures/population/census2021_population_by_ethnicity_pfa22.csv"),
    )
    .unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == column).unwrap();
    for line in lines {
        if line.starts_with(pfa) {
            // The one quoted name ("London, City of") holds a comma: count from the end.
            let fields: Vec<&str> = line.split(',').collect();
            let from_end = header.len() - at;
            return fields[fields.len() - from_end].parse().unwrap();
        }
    }
    panic!("no PFA {pfa}")
}

pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

/// A copy of the bundled `queries/` folder under `dir`, to add to or edit.
pub fn copy_queries(dir: &Path) -> PathBuf {
    let queries = dir.join("queries");
    std::fs::create_dir(&queries).unwrap();
    for entry in std::fs::read_dir(root().join("queries")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, queries.join(path.file_name().unwrap())).unwrap();
    }
    queries
}

/// The default run (charts and report) over the bundled fixtures, made once and read by every
/// test that only looks at its output.
pub fn fixture_run() -> PathBuf {
    static OUT: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let dir = OUT.get_or_init(|| {
        let dir = tempdir();
        let out = dir.path().join("out");
        run_ok(&root(), &["--out", out.to_str().unwrap(), "-q"], 0);
        dir
    });
    dir.path().join("out")
}

/// The constructed grounds extract (test data) run once, with charts and report.
pub fn grounds_run() -> PathBuf {
    static OUT: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let dir = OUT.get_or_init(|| {
        let dir = tempdir();
        let out = dir.path().join("out");
        let grounds = root().join("fixtures/grounds");
        run_ok(
            &root(),
            &[
                "--mapping",
                grounds
                    .join("TEST-ONLY-constructed-grounds-mapping.toml")
                    .to_str()
                    .unwrap(),
                grounds
                    .join("TEST-ONLY-constructed-grounds-extract.csv")
                    .to_str()
                    .unwrap(),
                "--out",
                out.to_str().unwrap(),
                "-q",
            ],
            0,
        );
        dir
    });
    dir.path().join("out")
}

/// The constructed population by ethnic group × sex × single year of age (test data, written
/// by tests/cases/compute_expected.py).
pub fn constructed_population_age() -> PathBuf {
    root().join("tests/cases/age_rates/TEST-ONLY-constructed-population-age.csv")
}

/// The fixtures with the constructed population by age, tables only, run once.
pub fn ages_run() -> PathBuf {
    static OUT: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let dir = OUT.get_or_init(|| {
        let dir = tempdir();
        let out = dir.path().join("out");
        let population = constructed_population_age();
        run_ok(
            &root(),
            &[
                "--population-age",
                population.to_str().unwrap(),
                "--no-charts",
                "--out",
                out.to_str().unwrap(),
                "-q",
            ],
            0,
        );
        dir
    });
    dir.path().join("out")
}

/// The query files that write a table (not the `_` helpers).
pub fn query_tables() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("queries"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('_'))
        .collect();
    names.sort();
    names
}

/// A run's figures, read back from its Parquet files as the report reads them.
pub fn figures_of(out: &Path, districts: bool) -> stopsearch::present::figures::Figures {
    let queries = root().join("queries");
    let mut tables = std::collections::HashMap::new();
    for name in [
        "rates",
        "disparity",
        "outcomes",
        "find_rates",
        "grounds",
        "grounds_outcomes",
        "location_coverage",
        "diversion",
        "age_rates",
        "composition",
        "changes",
        "reconciliation",
    ] {
        tables.insert(name.to_owned(), table(out, name));
    }
    let revisions = table(out, "revisions");
    stopsearch::present::figures::figures(
        &stopsearch::present::figures::Inputs {
            queries: &queries,
            coverage: &table(out, "coverage"),
            reference: "White",
            census: "Census 2021",
            merge_city_into_met: false,
            synthetic: false,
            extracts: Vec::new(),
            grounds_categories: Vec::new(),
            districts,
            revisions: &revisions,
            previous_published: None,
            residents: stopsearch::reference::forces::FORCES
                .iter()
                .filter_map(|f| {
                    let pop = stopsearch::reference::population::Population::census(
                        stopsearch::reference::population::Census::Y2021,
                    );
                    Some((f.id.to_owned(), pop.residents(f.pfa_code?)?.total))
                })
                .collect(),
        },
        tables,
    )
    .unwrap()
}
