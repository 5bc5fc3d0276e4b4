//! Figures over time: partial and spiking months, exact duplicate rows, revised files between
//! two runs, the reconciliation with the Home Office's counts, and changes with intervals.
//! Each case is a small constructed folder whose expected values are counted by hand here.

use std::path::Path;

use crate::common::*;

const HEADER: &str = "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,Outcome,Outcome linked to object of search,Removal of more than just outer clothing";

const BLACK: &str = "Black/African/Caribbean/Black British - African";
const WHITE: &str = "White - English/Welsh/Scottish/Northern Irish/British";

/// One data.police.uk row: a person search of `ethnicity` on the month's 10th.
fn row(month: &str, kind: &str, ethnicity: &str, outcome: &str, minute: u32) -> String {
    format!(
        "{kind},{month}-10T12:{minute:02}:00+00:00,,,51.5,-0.1,Male,18-24,{ethnicity},Black,Misuse of Drugs Act 1971 (section 23),Controlled drugs,{outcome},False,False"
    )
}

fn write_month(dir: &Path, force: &str, month: &str, rows: &[String]) {
    let mut text = String::from(HEADER);
    for r in rows {
        text.push('\n');
        text.push_str(r);
    }
    text.push('\n');
    std::fs::write(
        dir.join(format!("{month}-{force}-stop-and-search.csv")),
        text,
    )
    .unwrap();
}

/// `n` distinct rows for a month (different minutes), half Black and half White.
fn rows(month: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let e = if i % 2 == 0 { BLACK } else { WHITE };
            let minute = (i % 60) as u32;
            let kind = if i / 60 % 2 == 0 {
                "Person search"
            } else {
                "Person and Vehicle search"
            };
            row(month, kind, e, "Arrest", minute)
        })
        .collect()
}

/// Runs the tables of one constructed force (Dorset) on `data` into `out`.
fn dorset(dir: &Path, data: &Path, out: &Path, extra: &[&str], code: i32) {
    let mut args = vec!["--forces", "dorset"];
    args.extend_from_slice(extra);
    args.push(data.to_str().unwrap());
    run_tables(dir, out, &args, code);
}

fn months(from: &str, n: usize) -> Vec<String> {
    let (y, m): (i32, i32) = (from[..4].parse().unwrap(), from[5..].parse().unwrap());
    (0..n as i32)
        .map(|i| {
            let k = y * 12 + (m - 1) + i;
            format!("{}-{:02}", k / 12, k % 12 + 1)
        })
        .collect()
}

#[test]
fn a_tiny_month_is_partial_and_flags_the_figures_of_its_periods() {
    let dir = tempdir();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    // Dorset, 2020-01 .. 2020-08: six months of 100 rows, then 10 (under 20% of 100), then 400.
    let ms = months("2020-01", 8);
    for (i, m) in ms.iter().enumerate() {
        let n = match i {
            6 => 10,
            7 => 400,
            _ => 100,
        };
        write_month(&data, "dorset", m, &rows(m, n));
    }
    let out = dir.path().join("out");
    dorset(dir.path(), &data, &out, &[], 0);
    let c = table(&out, "coverage");
    let partial = select(&c, &[("month", "2020-07")]);
    assert!(flag(&partial, "partial_suspected") && !flag(&partial, "spike_suspected"));
    assert_eq!(num(&partial, "trailing_median"), Some(100.0));
    let spike = select(&c, &[("month", "2020-08")]);
    assert!(flag(&spike, "spike_suspected") && !flag(&spike, "partial_suspected"));
    assert!(num(&select(&c, &[("month", "2020-06")]), "trailing_median").is_none());
    // Both flagged months fall in 2020/21 (July, August) and in 2020; each month row has its own.
    let r = table(&out, "rates");
    let pick = |period: &str| {
        select(
            &r,
            &[
                ("area", "dorset"),
                ("period", period),
                ("search_group", "all"),
                ("ethnicity", "All"),
                ("power", "all"),
            ],
        )
    };
    assert_eq!(num(&pick("2020/21"), "suspect_months"), Some(2.0));
    assert_eq!(num(&pick("2019/20"), "suspect_months"), Some(0.0));
    assert_eq!(num(&pick("2020"), "suspect_months"), Some(2.0));
    assert_eq!(num(&pick("2020-07"), "suspect_months"), Some(1.0));
    assert_eq!(num(&pick("2020-03"), "suspect_months"), Some(0.0));
    // A stricter setting flags nothing partial.
    let out2 = dir.path().join("out2");
    dorset(
        dir.path(),
        &data,
        &out2,
        &[
            "--partial-month-share",
            "0.05",
            "--spike-month-multiple",
            "5",
        ],
        0,
    );
    let c = table(&out2, "coverage");
    assert!(!flag(
        &select(&c, &[("month", "2020-07")]),
        "partial_suspected"
    ));
    assert!(!flag(
        &select(&c, &[("month", "2020-08")]),
        "spike_suspected"
    ));
}

#[test]
fn exact_duplicates_are_counted_kept_and_dropped_on_request() {
    let dir = tempdir();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let a = row("2021-05", "Person search", BLACK, "Arrest", 1);
    let b = row("2021-05", "Person search", WHITE, "Arrest", 2);
    // a three times, b twice, one other: 3 duplicates (the second and third a, the second b).
    let other = row("2021-05", "Person search", WHITE, "Arrest", 3);
    write_month(
        &data,
        "dorset",
        "2021-05",
        &[a.clone(), b.clone(), a.clone(), other, b, a],
    );
    let out = dir.path().join("out");
    let args = |out: &Path, extra: &[&'static str]| {
        let mut v: Vec<String> = ["--quiet", "--no-charts", "--no-cache", "--forces", "dorset"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v.extend(["--out".to_owned(), out.to_str().unwrap().to_owned()]);
        v.push(data.to_str().unwrap().to_owned());
        v
    };
    let a1 = args(&out, &[]);
    run_ok(
        dir.path(),
        &a1.iter().map(String::as_str).collect::<Vec<_>>(),
        0,
    );
    let q = select(&table(&out, "quality"), &[("measure", "exact_duplicate")]);
    assert_eq!(num(&q, "count"), Some(3.0));
    assert_eq!(num(&q, "rows"), Some(6.0));
    assert_eq!(table(&out, "searches").height(), 6);
    let out2 = dir.path().join("out2");
    let a2 = args(&out2, &["--drop-exact-duplicates"]);
    run_ok(
        dir.path(),
        &a2.iter().map(String::as_str).collect::<Vec<_>>(),
        0,
    );
    assert_eq!(table(&out2, "searches").height(), 3);
    let rejects = table(&out2, "rejects");
    assert_eq!(rejects.height(), 3);
    let reasons: Vec<String> = strings(&rejects, "reason").into_iter().flatten().collect();
    assert_eq!(
        reasons,
        [
            "exact duplicate of line 2 (dropped by --drop-exact-duplicates)",
            "exact duplicate of line 3 (dropped by --drop-exact-duplicates)",
            "exact duplicate of line 2 (dropped by --drop-exact-duplicates)",
        ]
    );
    assert_eq!(u32s(&rejects, "source_line"), [4, 6, 7]);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out2.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["settings"]["drop_exact_duplicates"], true);
    assert_eq!(manifest["totals"]["rows_read"], 6);
    assert_eq!(manifest["totals"]["rows_kept"], 3);
    assert_eq!(manifest["totals"]["rows_rejected"], 3);
}

#[test]
fn a_revised_file_is_listed_with_what_changed_and_a_rerun_republishes_the_same_table() {
    let dir = tempdir();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let june = rows("2021-06", 4); // Black, White, Black, White; all arrests
    write_month(&data, "dorset", "2021-06", &june);
    write_month(&data, "dorset", "2021-07", &rows("2021-07", 2));
    let out = dir.path().join("out");
    let cache = dir.path().join("cache");
    let run = || {
        run_ok(
            dir.path(),
            &[
                "--quiet",
                "--no-charts",
                "--forces",
                "dorset",
                "--cache",
                cache.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                data.to_str().unwrap(),
            ],
            0,
        )
    };
    run();
    assert_eq!(
        table(&out, "revisions").height(),
        0,
        "a first run has no revisions"
    );
    let first_finished = serde_json::from_slice::<serde_json::Value>(
        &std::fs::read(out.join("manifest.json")).unwrap(),
    )
    .unwrap()["finished_at"]
        .as_str()
        .unwrap()
        .to_owned();
    // June is republished: one White row becomes a community resolution, and a Black row is
    // added (5 rows: Black 3, White 2; arrests 4, community resolution 1).
    let mut revised = june.clone();
    revised[1] = row("2021-06", "Person search", WHITE, "Community resolution", 1);
    revised.push(row("2021-06", "Person search", BLACK, "Arrest", 59));
    write_month(&data, "dorset", "2021-06", &revised);
    run();
    let r = table(&out, "revisions");
    let june_rows = select(&r, &[("force", "dorset"), ("month", "2021-06")]);
    assert_eq!(june_rows.height(), r.height(), "only June was revised");
    let cell = |breakdown: &str, category: &str| {
        let c = select(
            &june_rows,
            &[("breakdown", breakdown), ("category", category)],
        );
        (num(&c, "before"), num(&c, "after"), num(&c, "change"))
    };
    assert_eq!(cell("rows", "all"), (Some(4.0), Some(5.0), Some(1.0)));
    assert_eq!(
        cell("ethnicity", "Black"),
        (Some(2.0), Some(3.0), Some(1.0))
    );
    assert_eq!(
        cell("ethnicity", "White"),
        (Some(2.0), Some(2.0), Some(0.0))
    );
    assert_eq!(
        cell("outcome_class", "arrest"),
        (Some(4.0), Some(4.0), Some(0.0))
    );
    assert_eq!(
        cell("outcome_class", "community_resolution"),
        (Some(0.0), Some(1.0), Some(1.0))
    );
    let published = strings(&june_rows, "previous_published");
    assert!(
        published
            .iter()
            .all(|p| p.as_deref() == Some(first_finished.as_str()))
    );
    let bytes = std::fs::read(out.join("tables/revisions.parquet")).unwrap();
    // Nothing new: the history is carried forward unchanged.
    run();
    assert_eq!(
        std::fs::read(out.join("tables/revisions.parquet")).unwrap(),
        bytes
    );
}

/// The same force-year in the Race Disparity Unit's layout: Black and White published counts
/// with Dorset's 2020/21 person searches as constructed below; White 10% higher than the files
/// (flagged at the default 5%), Black equal.
#[test]
fn home_office_counts_are_reconciled_like_for_like() {
    let dir = tempdir();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    // Every month of 2020/21: 2 Black person searches, 1 White person search, 1 vehicle-only
    // search (ethnicity empty). Year: Black 24, White 12, vehicle-only 12.
    for m in months("2020-04", 12) {
        let r = vec![
            row(&m, "Person search", BLACK, "Arrest", 1),
            row(&m, "Person and Vehicle search", BLACK, "Arrest", 2),
            row(&m, "Person search", WHITE, "Arrest", 3),
            format!(
                "Vehicle search,{m}-10T12:04:00+00:00,,,51.5,-0.1,,,,,Misuse of Drugs Act 1971 (section 23),Controlled drugs,A no further action disposal,False,False"
            ),
        ];
        write_month(&data, "dorset", &m, &r);
    }
    let ho = dir.path().join("stop-and-search-2006-2023.csv");
    let line = |eth: &str, n: &str| {
        format!(
            "Number of stop and searches,2020/21,Financial year,{eth},ONS 2011 5+1,All,Dorset,Police Force Area,{n},,,,\n"
        )
    };
    let mut text = String::from(
        "measure,time,time_type,Ethnicity,ethnicity_type,legislation_type,geography,geography_type,number_of_stop_and_searches,total_number_of_stop_and_search_carried_out_in_this_year_in_this_area_excluding_cases_where_the_ethnicity_was_unreported,population_by_ethnicity,rate_per_1_000_population_by_ethnicity,proportion_of_total_stop_and_searches_of_this_ethnicity_in_the_financial_year_excludes_unreported\n",
    );
    text += &line("Black", "24");
    text += &line("White", "\"13\"");
    text += &line("Indian", "5"); // a finer classification row: not compared
    std::fs::write(
        &ho,
        text.replace("Indian,ONS 2011 5+1", "Indian,ONS 2011 18+1"),
    )
    .unwrap();
    let out = dir.path().join("out");
    dorset(
        dir.path(),
        &data,
        &out,
        &["--home-office", ho.to_str().unwrap()],
        0,
    );
    let rec = table(&out, "reconciliation");
    assert_eq!(rec.height(), 2, "{rec}");
    let black = select(&rec, &[("ethnicity", "Black")]);
    assert_eq!(num(&black, "police_uk_searches"), Some(24.0));
    assert_eq!(num(&black, "home_office_searches"), Some(24.0));
    assert_eq!(num(&black, "months_covered"), Some(12.0));
    assert!(!flag(&black, "differs"));
    let white = select(&rec, &[("ethnicity", "White")]);
    assert_eq!(num(&white, "police_uk_searches"), Some(12.0));
    assert_eq!(num(&white, "difference"), Some(-1.0));
    assert!((num(&white, "ratio").unwrap() - 12.0 / 13.0).abs() < 1e-12);
    // 1 of 13 is 7.7%, over the 5% limit.
    assert!(flag(&white, "differs"));
    let d = select(
        &table(&out, "disparity"),
        &[
            ("area", "dorset"),
            ("period", "2020/21"),
            ("search_group", "all"),
            ("power", "all"),
            ("ethnicity", "Black"),
        ],
    );
    assert!(
        flag(&d, "home_office_differs"),
        "the reference group's count differs"
    );
    // At a 10% limit neither differs.
    let out2 = dir.path().join("out2");
    dorset(
        dir.path(),
        &data,
        &out2,
        &[
            "--home-office",
            ho.to_str().unwrap(),
            "--home-office-limit",
            "0.1",
        ],
        0,
    );
    let rec = table(&out2, "reconciliation");
    assert!(!flag(&select(&rec, &[("ethnicity", "White")]), "differs"));
    // The calendar year and the months are not the Home Office's periods: null there.
    let d = select(
        &table(&out2, "disparity"),
        &[
            ("area", "dorset"),
            ("period", "2020"),
            ("search_group", "all"),
            ("power", "all"),
            ("ethnicity", "Black"),
        ],
    );
    let v = d
        .column("home_office_differs")
        .unwrap()
        .bool()
        .unwrap()
        .get(0);
    assert_eq!(v, None);
}

#[test]
fn a_home_office_file_with_an_unknown_force_name_is_refused_with_its_line() {
    let dir = tempdir();
    let ho = dir.path().join("ho.csv");
    std::fs::write(
        &ho,
        "measure,time,time_type,Ethnicity,ethnicity_type,legislation_type,geography,geography_type,number_of_stop_and_searches\n\
         Number,2020/21,Financial year,Black,ONS 2011 5+1,All,Dorset,Police Force Area,3\n\
         Number,2020/21,Financial year,Black,ONS 2011 5+1,All,Atlantis,Police Force Area,3\n",
    )
    .unwrap();
    let out = run_ok(
        dir.path(),
        &[
            "--no-charts",
            "--home-office",
            ho.to_str().unwrap(),
            "--out",
            dir.path().join("o").to_str().unwrap(),
        ],
        2,
    );
    let e = stderr(&out);
    assert!(
        e.contains("ho.csv") && e.contains("line 3") && e.contains("Atlantis"),
        "{e}"
    );
}

/// Year on year over the same months only: a month missing in one year is left out of both.
#[test]
fn changes_compare_only_months_covered_in_both_years() {
    let dir = tempdir();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    // 2019/20: every month, 4 rows (Black 2, White 2). 2020/21: every month but 2020-09,
    // 6 rows (Black 3, White 3). Compared: 11 months, Black 33 against 22.
    for m in months("2019-04", 12) {
        write_month(&data, "dorset", &m, &rows(&m, 4));
    }
    for m in months("2020-04", 12).into_iter().filter(|m| m != "2020-09") {
        write_month(&data, "dorset", &m, &rows(&m, 6));
    }
    let out = dir.path().join("out");
    dorset(dir.path(), &data, &out, &[], 0);
    let c = table(&out, "changes");
    let black = select(
        &c,
        &[
            ("area", "dorset"),
            ("comparison", "financial_year"),
            ("period", "2020/21"),
            ("search_group", "all"),
            ("ethnicity", "Black"),
        ],
    );
    assert_eq!(num(&black, "force_months"), Some(11.0));
    assert_eq!(num(&black, "searches"), Some(33.0));
    assert_eq!(num(&black, "previous_searches"), Some(22.0));
    assert_eq!(num(&black, "change_ratio"), Some(1.5));
    assert_eq!(num(&black, "percent_change"), Some(50.0));
    // The gap did not move: Black and White both rose by half.
    assert!((num(&black, "ratio_change").unwrap() - 1.0).abs() < 1e-12);
    assert_eq!(
        select(&c, &[("comparison", "month"), ("period", "2020-09")]).height(),
        0
    );
    assert!(select(&c, &[("comparison", "month"), ("period", "2020-10")]).height() > 0);
}

/// The counts the Home Office published for the year ending March 2022 (cited in
/// `fixtures/home_office/README.md`), in the Race Disparity Unit's layout: read with their
/// force names, and left uncompared where the run has no month of the year.
#[test]
fn the_published_counts_are_read_and_not_compared_without_the_year() {
    let dir = tempdir();
    let ho = root().join("fixtures/home_office/published-ye-mar-2022-subset.csv");
    let out = dir.path().join("out");
    let (ho, fixtures) = (ho.to_str().unwrap(), fixtures());
    run_tables(
        dir.path(),
        &out,
        &["--home-office", ho, fixtures.to_str().unwrap()],
        0,
    );
    let rec = table(&out, "reconciliation");
    assert_eq!(rec.height(), 6);
    for (area, eth, n) in [
        ("west-midlands", "Black", 3973.0),
        ("west-midlands", "White", 9713.0),
        ("staffordshire", "Black", 177.0),
        ("staffordshire", "White", 3511.0),
        ("nottinghamshire", "Black", 533.0),
        ("nottinghamshire", "White", 3081.0),
    ] {
        let r = select(
            &rec,
            &[
                ("area", area),
                ("ethnicity", eth),
                ("financial_year", "2021/22"),
                ("power", "all"),
            ],
        );
        assert_eq!(num(&r, "home_office_searches"), Some(n), "{area} {eth}");
        // The fixtures have no month of 2021/22 for these forces.
        assert_eq!(num(&r, "months_covered"), Some(0.0));
        assert_eq!(num(&r, "police_uk_searches"), None);
        assert_eq!(r.column("differs").unwrap().bool().unwrap().get(0), None);
    }
}

/// A clear rise in the Black/White ratio crosses `--alert-ratio-rise`: exit code 1, and the
/// change is listed in the summary's warnings; a higher multiple does not.
#[test]
fn a_clear_rise_in_the_ratio_crosses_the_threshold() {
    let dir = tempdir();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let month_rows = |m: &str, black: usize, white: usize| -> Vec<String> {
        (0..black)
            .map(|i| row(m, "Person search", BLACK, "Arrest", i as u32))
            .chain((0..white).map(|i| row(m, "Person search", WHITE, "Arrest", 30 + i as u32)))
            .collect()
    };
    // Black 4 a month then 12; White 4 then 4: the ratio triples.
    for m in months("2019-04", 12) {
        write_month(&data, "dorset", &m, &month_rows(&m, 4, 4));
    }
    for m in months("2020-04", 12) {
        write_month(&data, "dorset", &m, &month_rows(&m, 12, 4));
    }
    let summary = dir.path().join("summary.json");
    let out = dir.path().join("out");
    let base = ["--quiet", "--no-charts", "--no-cache", "--forces", "dorset"];
    let mut args: Vec<&str> = base.to_vec();
    args.extend([
        "--alert-ratio-rise",
        "2",
        "--summary-json",
        summary.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        data.to_str().unwrap(),
    ]);
    run_ok(dir.path(), &args, 1);
    let s: serde_json::Value = serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    let warnings: Vec<&str> = s["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(
        warnings.iter().any(|w| w
            .starts_with("dorset 2020/21 against 2019/20: the Black rate ratio")
            && w.contains("rose to 3.00 times")),
        "{warnings:?}"
    );
    let mut args: Vec<&str> = base.to_vec();
    args.extend([
        "--alert-ratio-rise",
        "4",
        "--out",
        out.to_str().unwrap(),
        data.to_str().unwrap(),
    ]);
    run_ok(dir.path(), &args, 0);
}
