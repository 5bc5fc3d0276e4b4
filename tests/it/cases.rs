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
