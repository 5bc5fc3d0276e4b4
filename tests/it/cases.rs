//! The hand-computed cases in `tests/cases/<table>/` (see `tests/cases/README.md`): each runs
//! the binary on a few rows and compares the rows of `expected.csv`, whose text and boolean
//! columns are keys that must find exactly one output row and whose numeric columns are the
//! values (integers exactly, floats to 1e-6 relative, an empty cell for null).

use std::path::Path;

use polars::prelude::{DataFrame, DataType};

use crate::common::*;

#[test]
fn every_query_has_a_case() {
    let tables = query_tables();
    for name in &tables {
        let dir = root().join("tests/cases").join(name);
        assert!(
            dir.join("expected.csv").is_file() && dir.join("input").is_dir(),
            "queries/{name}.sql has no case: add tests/cases/{name}/input/ and expected.csv"
        );
    }
    for entry in std::fs::read_dir(root().join("tests/cases")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            !path.is_dir() || name.starts_with(['.', '_']) || tables.contains(&name),
            "tests/cases/{name}/ is the case of no query file"
        );
    }
}

/// One column of the output, as the comparison reads it.
enum Values {
    Key(Vec<Option<String>>),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
}

impl Values {
    fn of(df: &DataFrame, table: &str, name: &str) -> Values {
        let c = df.column(name).unwrap_or_else(|_| {
            panic!("{table}: expected.csv names a column the table lacks: {name}")
        });
        let cast = |t: &DataType| c.cast(t).unwrap();
        if c.dtype().is_integer() {
            Values::Int(cast(&DataType::Int64).i64().unwrap().iter().collect())
        } else if c.dtype().is_float() {
            Values::Float(cast(&DataType::Float64).f64().unwrap().iter().collect())
        } else {
            // Text, categories and booleans (cast to `true`/`false`).
            let s = cast(&DataType::String);
            Values::Key(
                s.str()
                    .unwrap()
                    .iter()
                    .map(|v| v.map(str::to_owned))
                    .collect(),
            )
        }
    }

    /// Whether row `i` holds `want` (an empty cell is null).
    fn matches(&self, i: usize, want: &str) -> bool {
        let want = (!want.is_empty()).then_some(want);
        match self {
            Values::Key(v) => v[i].as_deref() == want,
            Values::Int(v) => v[i] == want.map(|w| w.parse().expect("an integer")),
            Values::Float(v) => match (v[i], want.map(|w| w.parse::<f64>().expect("a number"))) {
                (Some(a), Some(b)) => (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1e-12),
                (a, b) => a.is_none() && b.is_none(),
            },
        }
    }

    fn show(&self, i: usize) -> String {
        match self {
            Values::Key(v) => format!("{:?}", v[i]),
            Values::Int(v) => format!("{:?}", v[i]),
            Values::Float(v) => format!("{:?}", v[i]),
        }
    }
}

/// Runs the case in `tests/cases/<table>/` and checks every row of its expected.csv.
fn case(table_name: &str) {
    let (dir, _tmp, out) = run_case(table_name);
    compare(
        table_name,
        &table(&out, table_name),
        &dir.join("expected.csv"),
    );
    // `expected.<other table>.csv`: rows of another table of the same run.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(other) = name
            .strip_prefix("expected.")
            .and_then(|n| n.strip_suffix(".csv"))
        {
            compare(other, &table(&out, other), &dir.join(&name));
        }
    }
}

/// Runs the binary on the case's input; returns the case folder, the temporary folder that
/// holds the output (dropped with it) and the output folder.
pub(crate) fn run_case(
    table_name: &str,
) -> (std::path::PathBuf, tempfile::TempDir, std::path::PathBuf) {
    let dir = root().join("tests/cases").join(table_name);
    let tmp = tempdir();
    let out = tmp.path().join("out");
    let queries = root().join("queries");
    let extra = std::fs::read_to_string(dir.join("args.txt")).unwrap_or_default();
    let mut args = vec![
        "--no-charts",
        "--no-cache",
        "-q",
        "--queries",
        queries.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "input",
    ];
    args.extend(extra.lines().map(str::trim).filter(|l| !l.is_empty()));
    run_ok(&dir, &args, 0);
    (dir, tmp, out)
}

fn compare(name: &str, df: &DataFrame, expected: &Path) {
    let mut reader = ::csv::Reader::from_path(expected).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let columns: Vec<Values> = header.iter().map(|h| Values::of(df, name, h)).collect();
    let is_key: Vec<bool> = columns
        .iter()
        .map(|c| matches!(c, Values::Key(_)))
        .collect();
    let mut failures = Vec::new();
    for record in reader.records() {
        let record = record.unwrap();
        let keys = (0..header.len())
            .filter(|&j| is_key[j])
            .map(|j| format!("{}={}", header[j], &record[j]))
            .collect::<Vec<_>>()
            .join(", ");
        let found: Vec<usize> = (0..df.height())
            .filter(|&i| (0..header.len()).all(|j| !is_key[j] || columns[j].matches(i, &record[j])))
            .collect();
        let &[i] = found.as_slice() else {
            failures.push(format!("{name}: {} rows match [{keys}]", found.len()));
            continue;
        };
        for j in (0..header.len()).filter(|&j| !is_key[j]) {
            if !columns[j].matches(i, &record[j]) {
                failures.push(format!(
                    "{name} [{keys}] {}: expected {:?}, found {}",
                    header[j],
                    &record[j],
                    columns[j].show(i)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rates_case() {
    case("rates");
}

/// What expected.csv cannot say, an absent row: a power has rows for an area and period only
/// where the area searched under it then (tests/cases/rates/README.md), only with search group
/// `all`, and with a row for every ethnic group the area-period has; `no_suspicion_power` marks
/// exactly section 60, s47A and their combined group.
#[test]
fn power_rows_only_where_the_power_was_used() {
    let (_dir, _tmp, out) = run_case("rates");
    for name in ["rates", "disparity", "outcomes", "find_rates"] {
        let df = table(&out, name);
        let power = strings(&df, "power");
        let no_suspicion = df.column("no_suspicion_power").unwrap().bool().unwrap();
        for (p, flag) in power.iter().zip(no_suspicion.iter()) {
            let p = p.as_deref().unwrap();
            let expected = ["cjpo_s60", "terrorism_s47a", "no_suspicion_required"].contains(&p);
            assert_eq!(flag, Some(expected), "{name}: {p}");
        }
        // Power rows are counted by financial and calendar year only.
        let period_types = strings(&df, "period_type");
        assert!(
            power
                .iter()
                .zip(&period_types)
                .all(|(p, t)| p.as_deref() == Some("all") || t.as_deref() != Some("month")),
            "{name}: a power row by month"
        );
        if name != "outcomes" {
            let groups = strings(&df, "search_group");
            assert!(
                power
                    .iter()
                    .zip(&groups)
                    .all(|(p, g)| p.as_deref() == Some("all") || g.as_deref() == Some("all")),
                "{name}: a power row with a search group other than all"
            );
        }
        // merseyside's one section 60 search was in March 2025 (2024/25); dorset never used
        // PACE s1.
        for (area, period, p) in [
            ("merseyside", "2025/26", "cjpo_s60"),
            ("merseyside", "2025-04", "no_suspicion_required"),
            ("dorset", "2025/26", "pace_s1"),
            ("england-and-wales", "2025-05", "cjpo_s60"),
        ] {
            let rows = select(&df, &[("area", area), ("period", period), ("power", p)]);
            assert_eq!(rows.height(), 0, "{name}: {area} {period} {p}");
        }
    }
    let rates = table(&out, "rates");
    for (area, period, p) in [
        ("merseyside", "2024/25", "cjpo_s60"),
        ("dorset", "2025", "cjpo_s60"),
        ("england-and-wales", "2025/26", "no_suspicion_required"),
    ] {
        let rows = select(&rates, &[("area", area), ("period", period), ("power", p)]);
        let all = select(
            &rates,
            &[
                ("area", area),
                ("period", period),
                ("search_group", "all"),
                ("power", "all"),
            ],
        );
        assert_eq!(
            rows.height(),
            8,
            "{area} {period} {p}: one row per ethnic group"
        );
        assert_eq!(strings(&rows, "ethnicity"), strings(&all, "ethnicity"));
        let exposure = |df: &DataFrame| -> Vec<Option<f64>> {
            let c = df
                .column("exposure")
                .unwrap()
                .cast(&DataType::Float64)
                .unwrap();
            c.f64().unwrap().iter().collect()
        };
        assert_eq!(
            exposure(&rows),
            exposure(&all),
            "{area} {period} {p}: the area-period's exposure"
        );
    }
}

#[test]
fn disparity_case() {
    case("disparity");
}

#[test]
fn outcomes_case() {
    case("outcomes");
}

#[test]
fn find_rates_case() {
    case("find_rates");
}

#[test]
fn strip_search_case() {
    case("strip_search");
}

#[test]
fn ethnicity_agreement_case() {
    case("ethnicity_agreement");
}

#[test]
fn search_groups_case() {
    case("search_groups");
}

#[test]
fn grounds_case() {
    case("grounds");
}

#[test]
fn grounds_outcomes_case() {
    case("grounds_outcomes");
}

#[test]
fn location_coverage_case() {
    case("location_coverage");
}

#[test]
fn changes_case() {
    case("changes");
}

#[test]
fn reconciliation_case() {
    case("reconciliation");
}
