//! Every query file: a snapshot of its table over the real fixtures, and the rules around
//! queries (a new SQL file becomes a table; options that change the denominators).

mod common;

use common::*;
use polars::prelude::*;

fn output() -> std::path::PathBuf {
    static OUT: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let dir = OUT.get_or_init(|| {
        let dir = tempdir();
        let out = dir.path().join("out");
        run_ok(&root(), &["--out", out.to_str().unwrap(), "-q"], 0);
        dir
    });
    dir.path().join("out")
}

/// The table as CSV, floats to 6 significant digits, the financial-year rows only (and
/// `search_group = all` where there is one) to keep the snapshot readable.
fn snapshot_text(df: &DataFrame) -> String {
    let mut df = select(df, &[("period_type", "financial_year")]);
    if df.schema().contains("search_group") {
        // Tables that share searches out over the groups have no `all` row: keep every group.
        let all = select(&df, &[("search_group", "all")]);
        if all.height() > 0 {
            df = all;
        }
    }
    let mut buf = Vec::new();
    CsvWriter::new(&mut buf)
        .with_float_scientific(Some(false))
        .with_float_precision(Some(6))
        .finish(&mut df)
        .unwrap();
    String::from_utf8(buf).unwrap()
}

/// The constructed grounds extract, for the tables that only extracts fill.
fn grounds_output() -> std::path::PathBuf {
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
                "--no-charts",
                "-q",
            ],
            0,
        );
        dir
    });
    dir.path().join("out")
}

/// Tables filled only by force or FOI extracts with grounds text.
const GROUNDS_TABLES: [&str; 2] = ["grounds", "grounds_outcomes"];

#[test]
fn every_query_has_a_snapshot() {
    let out = output();
    let mut names: Vec<String> = std::fs::read_dir(root().join("queries"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('_'))
        .collect();
    names.sort();
    assert!(names.len() >= 6, "{names:?}");
    for name in names {
        let df = if GROUNDS_TABLES.contains(&name.as_str()) {
            // Empty on data.police.uk files, which carry no grounds.
            assert_eq!(table(&out, &name).height(), 0, "{name}");
            table(&grounds_output(), &name)
        } else {
            table(&out, &name)
        };
        assert!(df.height() > 0, "{name} is empty");
        insta::assert_snapshot!(name.clone(), snapshot_text(&df));
    }
}

#[test]
fn aggregate_tables_document_every_column() {
    let out = output();
    for name in [
        "rates",
        "disparity",
        "outcomes",
        "find_rates",
        "strip_search",
        "ethnicity_agreement",
        "search_groups",
        "grounds",
        "grounds_outcomes",
    ] {
        let path = out.join(format!("tables/{name}.parquet"));
        let mut file = std::fs::File::open(&path).unwrap();
        let mut reader = ParquetReader::new(&mut file);
        let schema = reader.schema().unwrap();
        let kv: std::collections::BTreeMap<String, String> = reader
            .get_metadata()
            .unwrap()
            .key_value_metadata()
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|kv| (kv.key, kv.value.unwrap_or_default()))
            .collect();
        assert!(kv["stopsearch.description"].len() > 40, "{name}");
        for col in schema.iter_names() {
            let doc = kv
                .get(&format!("stopsearch.column.{col}"))
                .unwrap_or_else(|| panic!("{name}.{col} undocumented"));
            assert!(!doc.contains("not documented"), "{name}.{col}: {doc}");
        }
        // Ratios are never called probabilities or likelihoods.
        for text in kv.values() {
            let lower = text.to_lowercase();
            assert!(
                !lower.contains("times as likely") && !lower.contains("more likely"),
                "{text}"
            );
        }
    }
}

#[test]
fn a_new_sql_file_becomes_a_table() {
    let dir = tempdir();
    let queries = copy_queries(dir.path());
    // Reads another query's table; returns n and total, so gets a share and its interval.
    std::fs::write(
        queries.join("drug_share.sql"),
        "-- Share of searches that were for drugs, by area and financial year.\n\
         -- column area: Force id or england-and-wales.\n\
         -- column period: Financial year.\n\
         -- column n: Drug searches.\n\
         -- column total: All searches.\n\
         SELECT area, period,\n\
                SUM(CASE WHEN search_group = 'drugs' THEN searches ELSE 0 END) AS n,\n\
                SUM(CASE WHEN search_group = 'all' THEN searches ELSE 0 END) AS total\n\
         FROM rates\n\
         WHERE period_type = 'financial_year' AND ethnicity = 'All'\n\
         GROUP BY area, period\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    run_ok(
        &root(),
        &[
            "--queries",
            queries.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
        0,
    );
    let df = table(&out, "drug_share");
    let met = select(&df, &[("area", "metropolitan"), ("period", "2022/23")]);
    let searches = table(&out, "searches");
    let drugs = select(
        &select(
            &searches,
            &[(
                "source_file",
                "police_uk/2022-09-metropolitan-stop-and-search.csv.gz",
            )],
        ),
        &[("search_group", "drugs")],
    )
    .height() as f64;
    assert_eq!(num(&met, "n"), Some(drugs));
    assert_eq!(num(&met, "total"), Some(12_447.0));
    assert!(close(num(&met, "share").unwrap(), drugs / 12_447.0));
    assert!(num(&met, "share_ci_low").unwrap() < num(&met, "share").unwrap());
}

#[test]
fn a_broken_query_names_its_file() {
    let dir = tempdir();
    let queries = dir.path().join("queries");
    std::fs::create_dir(&queries).unwrap();
    std::fs::write(
        queries.join("broken.sql"),
        "SELECT no_such_column FROM searches",
    )
    .unwrap();
    let out = run_ok(
        &root(),
        &[
            "--queries",
            queries.to_str().unwrap(),
            "--out",
            dir.path().join("o").to_str().unwrap(),
        ],
        2,
    );
    assert!(stderr(&out).contains("broken.sql"), "{}", stderr(&out));
}

fn run_with(args: &[&str]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempdir();
    let out = dir.path().join("out");
    let mut all = vec!["--out", out.to_str().unwrap(), "-q"];
    all.extend_from_slice(args);
    run_ok(&root(), &all, 0);
    (dir, out)
}

#[test]
fn census_2011_and_the_reference_group() {
    let (_d, out) = run_with(&["--census", "2011", "--reference", "Black"]);
    let rates = table(&out, "rates");
    let row = select(
        &rates,
        &[
            ("area", "metropolitan"),
            ("period", "2022-09"),
            ("search_group", "all"),
            ("ethnicity", "Black"),
        ],
    );
    assert_eq!(strings(&row, "census")[0].as_deref(), Some("Census 2011"));
    // Metropolitan 2011: 1,088,447 Black residents (force-demographics.csv).
    assert_eq!(num(&row, "population"), Some(1_088_447.0));
    let d = table(&out, "disparity");
    assert!(
        strings(&d, "reference_ethnicity")
            .iter()
            .all(|r| r.as_deref() == Some("Black"))
    );
    assert!(select(&d, &[("ethnicity", "Black")]).height() == 0);
}

#[test]
fn city_of_london_flagged_or_merged() {
    let rates = table(&output(), "rates");
    let city = select(
        &rates,
        &[
            ("area", "city-of-london"),
            ("period", "2020/21"),
            ("search_group", "all"),
            ("ethnicity", "All"),
        ],
    );
    assert!(flag(&city, "resident_denominator_unsuitable"));
    assert!(num(&city, "rate_per_1000").is_some());

    let (_d, out) = run_with(&["--merge-city-into-met"]);
    let merged = table(&out, "rates");
    assert_eq!(select(&merged, &[("area", "city-of-london")]).height(), 0);
    // The City's 2020-11 searches now count under the Met, with the City's residents.
    let met = select(
        &merged,
        &[
            ("area", "metropolitan"),
            ("period", "2020/21"),
            ("search_group", "all"),
            ("ethnicity", "All"),
        ],
    );
    assert_eq!(num(&met, "searches"), Some(293.0));
    assert!(close(
        num(&met, "exposure").unwrap(),
        census2021("E23000034", "total") / 12.0
    ));
    assert!(!flag(&met, "resident_denominator_unsuitable"));
}

#[test]
fn british_transport_police_has_counts_but_no_rates() {
    let dir = tempdir();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    let header = "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,Outcome,Outcome linked to object of search,Removal of more than just outer clothing";
    let row = "Person search,2022-09-03T10:00:00+00:00,,,,,Male,18-24,Black/African/Caribbean/Black British - African,Black,Misuse of Drugs Act 1971 (section 23),Controlled drugs,Arrest,True,False";
    std::fs::write(
        input.join("2022-09-btp-stop-and-search.csv"),
        format!("{header}\n{row}\n{row}\n"),
    )
    .unwrap();
    copy_fixture("2022-09-metropolitan-stop-and-search.csv.gz", &input, false);
    let out = dir.path().join("out");
    run_ok(
        &root(),
        &[
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
        0,
    );
    let rates = table(&out, "rates");
    let btp = select(
        &rates,
        &[
            ("area", "btp"),
            ("period", "2022-09"),
            ("search_group", "all"),
            ("ethnicity", "Black"),
        ],
    );
    assert_eq!(num(&btp, "searches"), Some(2.0));
    assert_eq!(num(&btp, "rate_per_1000"), None);
    assert!(flag(&btp, "no_resident_population") && flag(&btp, "no_population"));
    // England & Wales leaves BTP out: only the Met's searches.
    let ew = select(
        &rates,
        &[
            ("area", "england-and-wales"),
            ("period", "2022-09"),
            ("search_group", "all"),
            ("ethnicity", "All"),
        ],
    );
    assert_eq!(num(&ew, "searches"), Some(12_447.0));
}

#[test]
fn population_files_are_validated() {
    let dir = tempdir();
    let bad = dir.path().join("pop.csv");
    std::fs::write(
        &bad,
        "PFA22CD,total,asian,black,mixed,white\nE23000001,1,1,1,1,1\n",
    )
    .unwrap();
    let out = run_ok(
        &root(),
        &[
            "--population",
            bad.to_str().unwrap(),
            "--out",
            dir.path().join("o").to_str().unwrap(),
        ],
        2,
    );
    assert!(
        stderr(&out).contains("missing column `other`"),
        "{}",
        stderr(&out)
    );
    std::fs::write(
        &bad,
        "PFA22CD,total,asian,black,mixed,white,other\nE23000001,10,1,minus two,3,3,1\n",
    )
    .unwrap();
    let out = run_ok(
        &root(),
        &[
            "--population",
            bad.to_str().unwrap(),
            "--out",
            dir.path().join("o").to_str().unwrap(),
        ],
        2,
    );
    assert!(
        stderr(&out).contains("line 2: `black` is `minus two`"),
        "{}",
        stderr(&out)
    );
    // A valid table covering only the Met: its rates use it, other forces have none.
    std::fs::write(
        &bad,
        "PFA22CD,total,asian,black,mixed,white,other\nE23000001,1200,100,120,100,800,80\n",
    )
    .unwrap();
    let o = dir.path().join("ok");
    run_ok(
        &root(),
        &[
            "--population",
            bad.to_str().unwrap(),
            "--out",
            o.to_str().unwrap(),
            "-q",
        ],
        0,
    );
    let rates = table(&o, "rates");
    let met = select(
        &rates,
        &[
            ("area", "metropolitan"),
            ("period", "2022-09"),
            ("search_group", "all"),
            ("ethnicity", "Black"),
        ],
    );
    assert_eq!(num(&met, "exposure"), Some(10.0));
    assert_eq!(
        strings(&met, "census")[0].as_deref(),
        Some("user table pop.csv")
    );
}
