//! The charts and readings of age and sex, on the fixtures run with the constructed
//! population by single year of age (test data): the young men's chart plots the youngest band
//! that reaches 18 as age_rates has it, the disparity chart sets the age–sex standardised
//! ratio under the crude one, and the pages reference and read both.

use std::path::PathBuf;

use crate::common::*;
use stopsearch::present::charts::canvas::{human, thousands};
use stopsearch::present::charts::draw::Body;
use stopsearch::present::report::words::{STANDARDISING, ratio_text};

/// The fixtures with the constructed population by age, with charts and report, run once.
fn run() -> PathBuf {
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

fn planned() -> Vec<stopsearch::present::charts::Chart> {
    stopsearch::present::charts::plan(&figures_of(&run(), false), None)
}

fn age_row(group: &str, sex: &str, band: &str) -> polars::prelude::DataFrame {
    select(
        &table(&run(), "age_rates"),
        &[
            ("area", "metropolitan"),
            ("period_type", "financial_year"),
            ("period", "2024/25"),
            ("ethnicity", group),
            ("sex", sex),
            ("age_band", band),
        ],
    )
}

fn page(name: &str) -> String {
    std::fs::read_to_string(run().join(name))
        .unwrap()
        .replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// Single years of age separate every police range, so the young men's band is the police
/// `18-24`, not boys `under 10`: the band comes from the table, not from the code.
#[test]
fn the_young_men_chart_plots_the_youngest_band_reaching_18() {
    let charts = planned();
    let c = charts
        .iter()
        .find(|c| c.area == "metropolitan" && c.id == "young-men")
        .expect("a young men's chart for the Met");
    assert!(c.frame.title.contains("(18-24)"), "{}", c.frame.title);
    let Body::Bars { rows, percent, .. } = &c.body else {
        panic!("not a bar chart")
    };
    assert!(!percent);
    assert_eq!(rows.len(), 12, "men and everyone for five groups and all");
    for group in ["Asian", "Black", "Mixed", "White", "Other"] {
        let men = rows
            .iter()
            .find(|r| r.label == format!("{group} men 18-24"))
            .unwrap();
        let row = age_row(group, "Male", "18-24");
        assert_eq!(men.value, num(&row, "rate_per_1000"), "{group}");
        assert_eq!(men.low, num(&row, "rate_ci_low"), "{group}");
        assert_eq!(men.high, num(&row, "rate_ci_high"), "{group}");
        assert_eq!(
            men.flagged,
            num(&row, "searches").unwrap() < 20.0,
            "{group}"
        );
        let everyone = rows
            .iter()
            .find(|r| r.label == format!("{group}, everyone"))
            .unwrap();
        let row = age_row(group, "all", "all");
        assert_eq!(everyone.value, num(&row, "rate_per_1000"), "{group}");
    }
    // England and Wales has the chart too; British Transport Police, with no residents, none.
    assert!(
        charts
            .iter()
            .any(|c| c.area == "england-and-wales" && c.id == "young-men")
    );
}

/// Each group's standardised ratio sits under its crude one, from the age_rates row of both
/// sexes and all ages.
#[test]
fn the_disparity_chart_sets_the_standardised_ratio_beside_the_crude() {
    let charts = planned();
    let c = charts
        .iter()
        .find(|c| c.area == "metropolitan" && c.id == "disparity")
        .unwrap();
    let Body::Forest { rows, .. } = &c.body else {
        panic!("not a forest plot")
    };
    let labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
    let at = |l: &str| labels.iter().position(|x| x.trim_end_matches(" †") == l);
    for group in ["Asian", "Black", "Mixed", "Other"] {
        let crude = at(group).unwrap_or_else(|| panic!("{group} in {labels:?}"));
        let standardised = at(&format!("{group}, standardised")).unwrap();
        assert_eq!(standardised, crude + 1, "{labels:?}");
        let row = age_row(group, "all", "all");
        let r = &rows[standardised];
        assert_eq!(r.estimate, num(&row, "standardised_ratio"), "{group}");
        assert_eq!(r.low, num(&row, "standardised_ratio_ci_low"), "{group}");
        assert_eq!(r.high, num(&row, "standardised_ratio_ci_high"), "{group}");
    }
    assert!(
        c.frame
            .footnotes
            .iter()
            .any(|n| n.contains("Standardised: the ratio if every group had")),
        "{:?}",
        c.frame.footnotes
    );
}

/// The Met's page shows the young men's chart, quotes its table, and gives the standardised
/// ratio with what standardising does not remove.
#[test]
fn the_force_page_reads_young_men_and_the_standardised_ratio() {
    let out = run();
    let html = page("forces/metropolitan.html");
    for chart in ["young-men", "diversion"] {
        for ext in ["png", "svg"] {
            let file = format!("charts/metropolitan/{chart}.{ext}");
            assert!(html.contains(&file), "{file} not on the page");
            assert!(out.join(&file).exists(), "{file}");
        }
    }
    let (black, white) = (
        age_row("Black", "Male", "18-24"),
        age_row("White", "Male", "18-24"),
    );
    let expected = format!(
        "In 2024/25 young Black men (18-24) were searched by the Metropolitan Police Service at \
         {} times the rate of young White men (95% interval {} to {}): {} searches per 1,000 a \
         year against {} per 1,000, based on {} and {} searches.",
        ratio_text(num(&black, "rate_ratio").unwrap()),
        ratio_text(num(&black, "ratio_ci_low").unwrap()),
        ratio_text(num(&black, "ratio_ci_high").unwrap()),
        human(num(&black, "rate_per_1000").unwrap()),
        human(num(&white, "rate_per_1000").unwrap()),
        thousands(num(&black, "searches").unwrap() as i64),
        thousands(num(&white, "searches").unwrap() as i64),
    );
    assert!(html.contains(&expected), "{expected}\nnot in the page");
    let all = age_row("Black", "all", "all");
    let expected = format!(
        "Standardised for age and sex, Black people were searched at {} times the rate of White \
         people (95% interval {} to {}).",
        ratio_text(num(&all, "standardised_ratio").unwrap()),
        ratio_text(num(&all, "standardised_ratio_ci_low").unwrap()),
        ratio_text(num(&all, "standardised_ratio_ci_high").unwrap()),
    );
    assert!(html.contains(&expected), "{expected}\nnot in the page");
    assert!(html.contains(STANDARDISING));
    assert!(!html.contains("--population-age"));
    let index = page("index.html");
    assert!(index.contains("charts/england-and-wales/young-men.png"));
}

/// The age report opens in headless Chromium with the young men's charts loaded (skipped, as
/// in report.rs, where there is no Chromium or Playwright).
#[test]
fn the_age_report_opens_in_headless_chromium() {
    let python = std::env::var("STOPSEARCH_TEST_PYTHON").ok().or_else(|| {
        let venv = std::env::var("HOME").ok()? + "/.cache/stopsearch-venv/bin/python";
        std::path::Path::new(&venv).exists().then_some(venv)
    });
    let (Some(python), true) = (python, std::path::Path::new("/usr/bin/chromium").exists()) else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must have Chromium and the Python venv (see .ci/run)"
        );
        eprintln!("skipped: no Chromium or Playwright here; .ci/run installs them");
        return;
    };
    let status = std::process::Command::new(python)
        .arg(root().join("tests/report/check_report.py"))
        .arg(run())
        .args(["--require", "charts/metropolitan/young-men.png"])
        .args(["--require", "charts/england-and-wales/young-men.png"])
        .args(["--require", "charts/metropolitan/young-men.svg"])
        .status()
        .unwrap();
    assert!(status.success(), "the age report failed in Chromium");
}
