//! Every query file makes its table, and the rules around queries: a new SQL file becomes a
//! table, a broken one is named, a column the report reads cannot be renamed away silently,
//! and the options that change the denominators.

use crate::common::*;
use polars::prelude::*;

/// Every aggregate table is built from the fixtures, and the grounds tables (empty on
/// data.police.uk files, which carry no grounds) from the constructed extract. What each holds
/// is checked on small hand-computed inputs in `cases`.
/// Tables filled only by force or FOI extracts with grounds text.
const GROUNDS_TABLES: [&str; 2] = ["grounds", "grounds_outcomes"];
/// Tables filled only when a population by ethnic group × sex × age is given.
const AGE_TABLES: [&str; 1] = ["age_rates"];
/// Tables the fixtures leave empty: `changes` needs a force's month and the same month a year
/// later (no fixture force has both), `reconciliation` the Home Office's counts
/// (`--home-office`). Their cases in `tests/cases/` fill them.
const OVER_TIME_TABLES: [&str; 2] = ["changes", "reconciliation"];

#[test]
fn every_query_makes_a_table() {
    let out = fixture_run();
    let names = query_tables();
    assert!(names.len() >= 6, "{names:?}");
    for name in names {
        let df = if GROUNDS_TABLES.contains(&name.as_str()) {
            assert_eq!(table(&out, &name).height(), 0, "{name}");
            table(&grounds_run(), &name)
        } else if AGE_TABLES.contains(&name.as_str()) {
            assert_eq!(table(&out, &name).height(), 0, "{name}");
            table(&ages_run(), &name)
        } else if OVER_TIME_TABLES.contains(&name.as_str()) {
            assert_eq!(table(&out, &name).height(), 0, "{name}");
            let (_case, _tmp, case_out) = crate::cases::run_case(&name);
            table(&case_out, &name)
        } else {
            table(&out, &name)
        };
        assert!(df.height() > 0, "{name} is empty");
    }
}

#[test]
fn aggregate_tables_document_every_column() {
    let out = fixture_run();
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
         WHERE period_type = 'financial_year' AND power = 'all' AND ethnicity = 'All'\n\
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

/// Renaming a column the report reads (`force_months_covered` in rates.sql) stops the run with exit
/// code 2 and a message naming the SQL file, the table and the column, and publishes nothing;
/// with `--no-charts` too, since the contract is checked as the tables are built.
#[test]
fn renaming_a_column_the_report_reads_is_an_error() {
    let dir = tempdir();
    let queries = copy_queries(dir.path());
    let path = queries.join("rates.sql");
    let sql = std::fs::read_to_string(&path).unwrap();
    let renamed = sql.replace(
        "    e.force_months_covered,\n",
        "    e.force_months_covered AS months_with_data,\n",
    );
    assert_ne!(
        sql, renamed,
        "rates.sql no longer selects force_months_covered this way"
    );
    std::fs::write(&path, renamed).unwrap();
    for extra in [&[][..], &["--no-charts"][..]] {
        let out_dir = dir.path().join("out");
        let mut args = vec![
            "run",
            "--queries",
            queries.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
            "-q",
        ];
        args.extend_from_slice(extra);
        let out = stopsearch(&root(), &args);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let e = stderr(&out);
        assert!(
            e.contains("rates.sql")
                && e.contains("table `rates`")
                && e.contains("column `force_months_covered`")
                && e.contains("no such column"),
            "{e}"
        );
        assert!(
            !out_dir.exists(),
            "a failed run published {}",
            out_dir.display()
        );
    }
    // A table the report reads that no query makes is named the same way.
    std::fs::remove_file(queries.join("find_rates.sql")).unwrap();
    std::fs::write(&path, sql).unwrap();
    let out = stopsearch(
        &root(),
        &[
            "run",
            "--queries",
            queries.to_str().unwrap(),
            "--out",
            dir.path().join("o2").to_str().unwrap(),
            "-q",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("find_rates.sql"), "{}", stderr(&out));
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
            ("power", "all"),
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
    let rates = table(&fixture_run(), "rates");
    let city = select(
        &rates,
        &[
            ("area", "city-of-london"),
            ("period", "2017/18"),
            ("search_group", "all"),
            ("power", "all"),
            ("ethnicity", "All"),
        ],
    );
    assert!(flag(&city, "resident_denominator_unsuitable"));
    assert!(num(&city, "rate_per_1000").is_some());

    let (_d, out) = run_with(&["--merge-city-into-met"]);
    let merged = table(&out, "rates");
    assert_eq!(select(&merged, &[("area", "city-of-london")]).height(), 0);
    // The City's 2017-12 searches now count under the Met, with the City's residents.
    let met = select(
        &merged,
        &[
            ("area", "metropolitan"),
            ("period", "2017/18"),
            ("search_group", "all"),
            ("power", "all"),
            ("ethnicity", "All"),
        ],
    );
    let raw = raw_counts();
    let city_rows = raw["files"]["police_uk/2017-12-city-of-london-stop-and-search.csv"]["rows"]
        .as_f64()
        .unwrap();
    assert_eq!(num(&met, "searches"), Some(city_rows));
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
            ("power", "all"),
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
            ("power", "all"),
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
            ("power", "all"),
            ("ethnicity", "Black"),
        ],
    );
    assert_eq!(num(&met, "exposure"), Some(10.0));
    assert_eq!(
        strings(&met, "census")[0].as_deref(),
        Some("user table pop.csv")
    );
}
