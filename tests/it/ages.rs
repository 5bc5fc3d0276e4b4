//! Age and sex: the population-by-age option (its bad inputs, its settings key), the rule that a
//! force giving no ages has no rows by age, and the band mapping seen in the tables. The counts
//! themselves are checked on hand-computed cases (`tests/cases/composition`, `diversion`,
//! `age_rates`) and against the raw files in `tests/crosscheck/check_age.py`.

use crate::common::*;

#[test]
fn a_single_year_table_gives_all_five_police_ranges() {
    let df = table(&ages_run(), "age_rates");
    let mut bands: Vec<String> = strings(&df, "age_band").into_iter().flatten().collect();
    bands.sort();
    bands.dedup();
    assert_eq!(
        bands,
        ["10-17", "18-24", "25-34", "all", "over 34", "under 10"],
        "single years separate every police range"
    );
    let row = select(
        &df,
        &[
            ("area", "metropolitan"),
            ("ethnicity", "Black"),
            ("sex", "Male"),
            ("age_band", "10-17"),
        ],
    );
    let mapping = strings(&row, "age_bands");
    assert!(
        mapping
            .iter()
            .flatten()
            .all(|m| m == "10-17 = police 10-17 = population 10 + 11 + 12 + 13 + 14 + 15 + 16 + 17"),
        "{mapping:?}"
    );
}

#[test]
fn a_force_that_gives_no_ages_has_no_rows_by_age() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let case = root().join("tests/cases/composition/input");
    run_ok(
        &root(),
        &[
            case.to_str().unwrap(),
            "--no-charts",
            "--no-cache",
            "-q",
            "--out",
            out.to_str().unwrap(),
        ],
        0,
    );
    for name in ["composition", "diversion"] {
        let df = table(&out, name);
        let dorset = select(&df, &[("area", "dorset")]);
        assert!(dorset.height() > 0, "{name}: dorset has its `all` rows");
        let ages: Vec<Option<String>> = strings(&dorset, "age_range");
        assert!(
            ages.iter().all(|a| a.as_deref() == Some("all")),
            "{name}: dorset leaves age empty, so only `all`: {ages:?}"
        );
        let recorded = dorset
            .column("age_recorded")
            .unwrap()
            .bool()
            .unwrap()
            .clone();
        assert!(
            recorded.iter().all(|r| r == Some(false)),
            "{name}: age_recorded false"
        );
        let merseyside = select(&df, &[("area", "merseyside"), ("age_range", "18-24")]);
        assert!(merseyside.height() > 0, "{name}: merseyside gives ages");
    }
}

#[test]
fn a_bad_population_by_age_file_exits_2_naming_file_and_line() {
    let dir = tempdir();
    let cases: [(&str, &str); 4] = [
        (
            "area_code,ethnic_group,sex,age_band,residents\nE23000001,Black,Male,0-15,x\n",
            "line 2: residents `x`",
        ),
        (
            "area_code,ethnic_group,sex,age_band,residents\nE23000001,Black,Male,teens,3\n",
            "line 2: `teens` is not an age band",
        ),
        ("code,sex\nE23000001,Male\n", "no area code column"),
        (
            "area_code,ethnic_group,sex,age_band,residents\nE23000001,Black,Male,0-15,3\nE23000001,Black,Male,16+,3\n",
            "no row for E23000001, Asian, Female, 0-15",
        ),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let file = dir.path().join(format!("age{i}.csv"));
        std::fs::write(&file, text).unwrap();
        let out = run_ok(
            &root(),
            &[
                "--population-age",
                file.to_str().unwrap(),
                "--no-charts",
                "--out",
                dir.path().join("out").to_str().unwrap(),
            ],
            2,
        );
        let err = stderr(&out);
        assert!(
            err.contains(file.to_str().unwrap()) && err.contains(want),
            "{want}: {err}"
        );
    }
    assert!(!dir.path().join("out").exists(), "nothing published");
}

#[test]
fn the_settings_file_takes_population_age() {
    let dir = tempdir();
    let population = constructed_population_age();
    let settings = dir.path().join("stopsearch.toml");
    std::fs::write(
        &settings,
        format!(
            "inputs = [{:?}]\nout = \"out\"\ncharts = false\npopulation_age = [{:?}]\n",
            root()
                .join("tests/cases/composition/input")
                .to_str()
                .unwrap(),
            population.to_str().unwrap()
        ),
    )
    .unwrap();
    run_ok(&root(), &["--config", settings.to_str().unwrap(), "-q"], 0);
    let df = table(&dir.path().join("out"), "age_rates");
    assert!(
        df.height() > 0,
        "the settings key gave the population by age"
    );
}
