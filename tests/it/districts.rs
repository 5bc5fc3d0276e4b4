//! Local areas: bad boundaries files, the placed-points cache, and (with the ONS layers in
//! `../shared`, ignored by default and run from `.ci/run`) the London map's colour classes.

use std::path::Path;

use crate::common::*;

/// The hand-made boundaries and rows of the location_coverage case.
fn case_dir() -> std::path::PathBuf {
    root().join("tests/cases/location_coverage")
}

#[test]
fn unusable_boundaries_files_stop_the_run_with_exit_code_2() {
    let tmp = tempdir();
    let square = |x: f64| {
        format!(
            r#"[[[{x},51.5],[{x1},51.5],[{x1},51.6],[{x},51.6],[{x},51.5]]]"#,
            x1 = x + 0.1
        )
    };
    let feature = |props: &str, coords: &str| {
        format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{{props}}},"geometry":{{"type":"Polygon","coordinates":{coords}}}}}]}}"#
        )
    };
    let named = r#""LAD22CD":"E08000012","LAD22NM":"Liverpool""#;
    let cases = [
        (
            "not-json.geojson",
            "this is not GeoJSON".to_owned(),
            "not GeoJSON",
        ),
        (
            "no-code.geojson",
            feature(r#""NAME":"Liverpool""#, &square(-3.0)),
            "no local authority district code property",
        ),
        (
            "projected.geojson",
            feature(named, &square(334_000.0)),
            "British National Grid",
        ),
        (
            "bow-tie.geojson",
            feature(named, "[[[-3,53],[-2.9,53.1],[-2.9,53],[-3,53.1],[-3,53]]]"),
            "invalid geometry",
        ),
        (
            "unknown-code.geojson",
            feature(
                r#""LAD22CD":"E99999999","LAD22NM":"Nowhere""#,
                &square(-3.0),
            ),
            "not a district of the ONS December 2022 lookup",
        ),
    ];
    for (name, text, problem) in cases {
        let path = tmp.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = run_ok(
            &case_dir(),
            &[
                "--no-charts",
                "--no-cache",
                "-q",
                "--out",
                tmp.path().join("out").to_str().unwrap(),
                "--boundaries",
                path.to_str().unwrap(),
                "input",
            ],
            2,
        );
        let err = stderr(&out);
        assert!(
            err.contains(&format!("boundaries file {}", path.display())) && err.contains(problem),
            "{name}: {err}"
        );
        assert!(
            !tmp.path().join("out").exists(),
            "{name}: published an output"
        );
    }
}

/// A run from the cache places no point again and gives the same tables.
#[test]
fn placed_points_are_cached_between_runs() {
    let tmp = tempdir();
    let cache = tmp.path().join("cache");
    let run = |out: &str| {
        let out = tmp.path().join(out);
        let o = stopsearch(
            &case_dir(),
            &[
                "-v",
                "run",
                "--no-charts",
                "--cache",
                cache.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--boundaries",
                "TEST-ONLY-constructed-boundaries.geojson",
                "input",
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        (out, stderr(&o))
    };
    let (first, log) = run("one");
    assert!(log.contains("distinct_points=5 placed_now=5"), "{log}");
    let (second, log) = run("two");
    assert!(log.contains("distinct_points=5 placed_now=0"), "{log}");
    for t in ["searches", "rates", "location_coverage"] {
        let read = |d: &Path| std::fs::read(d.join("tables").join(format!("{t}.parquet"))).unwrap();
        assert_eq!(
            read(&first),
            read(&second),
            "{t}.parquet differs from the cached run"
        );
    }
}

/// Every borough and the City on the London map, coloured by the class of its ratio in the
/// disparity table for the Met's headline year (classes checked here against the written
/// breaks, not the program's), hatched exactly where the table flags small numbers or an unfit
/// denominator, and grey where there is no row for that year.
#[test]
#[ignore = "needs ../shared/data (run by .ci/run)"]
fn london_map_colours_follow_the_disparity_table() {
    let (Some(bgc), Some(months)) = (
        shared_data("geography/lad22_ew_bgc.geojson.gz"),
        shared_data("police_uk_extra/months"),
    ) else {
        return;
    };
    let tmp = tempdir();
    let out = tmp.path().join("out");
    run_ok(
        &root(),
        &[
            "--no-charts",
            "--no-cache",
            "-q",
            "--out",
            out.to_str().unwrap(),
            "--boundaries",
            bgc.to_str().unwrap(),
            months.to_str().unwrap(),
        ],
        0,
    );
    let figures = figures_of(&out, true);
    let geography = stopsearch::geography::Geography::load(&bgc, None, None).unwrap();
    let layer = stopsearch::present::charts::maps::Layer::of(&geography);
    let charts = stopsearch::present::charts::plan(&figures, Some(&layer));
    let london = charts
        .iter()
        .find(|c| c.area == "metropolitan" && c.id == "map-london")
        .expect("a London map");
    let stopsearch::present::charts::draw::Body::Map { regions, .. } = &london.body else {
        panic!("the London map is not a map");
    };
    assert_eq!(regions.len(), 33, "32 boroughs and the City");
    let year = figures
        .area("metropolitan")
        .unwrap()
        .period
        .clone()
        .unwrap()
        .label;
    let disparity = &table(&out, "disparity");
    let written = [0.2, 1.0 / 3.0, 0.5, 0.8, 1.25, 2.0, 3.0, 5.0];
    let mut coloured = 0;
    for r in regions {
        let row = select(
            disparity,
            &[
                ("area", &r.code),
                ("period_type", "financial_year"),
                ("period", &year),
                ("search_group", "all"),
                ("power", "all"),
                ("ethnicity", "Black"),
            ],
        );
        use stopsearch::present::charts::maps::Fill;
        match (row.height(), r.fill) {
            (1, Fill::Class { class, hatched }) => {
                let ratio = num(&row, "rate_ratio").unwrap();
                let expected = written.iter().filter(|b| ratio >= **b).count();
                assert_eq!(class, expected, "{} ({}): ratio {ratio}", r.name, r.code);
                let flagged =
                    flag(&row, "small_numbers") || flag(&row, "resident_denominator_unsuitable");
                assert_eq!(hatched, flagged, "{}", r.name);
                coloured += 1;
            }
            (0, Fill::NoData) => {}
            (1, Fill::NoData) if r.code == "E09000001" => {
                // The City's force may cover another year: then it is grey, not mixed in.
                let city = figures
                    .area("city-of-london")
                    .and_then(|a| a.period.clone());
                assert_ne!(city.map(|p| p.label), Some(year.clone()));
            }
            (n, fill) => panic!("{}: {n} disparity rows, drawn as {fill:?}", r.name),
        }
    }
    assert!(coloured >= 32, "only {coloured} London areas have a colour");
}
