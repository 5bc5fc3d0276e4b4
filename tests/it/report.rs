//! The report: the sentences quote the tables exactly, every link and image resolves, and the
//! pages open in headless Chromium without errors.

use crate::common::*;
use stopsearch::present::charts::canvas::thousands;
use stopsearch::present::report::words::{percent, ratio_text};

fn page(name: &str) -> String {
    let html = std::fs::read_to_string(fixture_run().join(name)).unwrap();
    // Undo the template's escaping, to compare with plain text.
    html.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// The Met's headline: every number in it is the disparity table's, formatted for readers.
#[test]
fn met_headline_quotes_the_disparity_table() {
    let d = table(&fixture_run(), "disparity");
    let row = select(
        &d,
        &[
            ("area", "metropolitan"),
            ("period_type", "financial_year"),
            ("period", "2024/25"),
            ("search_group", "all"),
            ("power", "all"),
            ("ethnicity", "Black"),
        ],
    );
    let expected = format!(
        "In 2024/25 the Metropolitan Police Service searched Black people at {} times the rate \
         of White people (95% interval {} to {}), based on {} searches of Black people and {} of \
         White people.",
        ratio_text(num(&row, "rate_ratio").unwrap()),
        ratio_text(num(&row, "ratio_ci_low").unwrap()),
        ratio_text(num(&row, "ratio_ci_high").unwrap()),
        thousands(num(&row, "searches").unwrap() as i64),
        thousands(num(&row, "reference_searches").unwrap() as i64),
    );
    let html = page("forces/metropolitan.html");
    assert!(html.contains(&expected), "{expected}\nnot in the page");
    assert!(html.contains("The data cover only 1 of the 12 months"));
}

#[test]
fn caveats_quote_the_not_stated_share_and_bounds() {
    let d = table(&fixture_run(), "disparity");
    let row = select(
        &d,
        &[
            ("area", "south-yorkshire"),
            ("period_type", "financial_year"),
            ("period", "2025/26"),
            ("search_group", "all"),
            ("power", "all"),
            ("ethnicity", "Black"),
        ],
    );
    let expected = format!(
        "{} of person searches did not record the person's own ethnicity; had all of them been \
         of Black people the ratio would be {}, had all been of White people {}.",
        percent(num(&row, "not_stated_share").unwrap()),
        ratio_text(num(&row, "ratio_if_not_stated_in_group").unwrap()),
        ratio_text(num(&row, "ratio_if_not_stated_in_reference").unwrap()),
    );
    assert!(
        page("forces/south-yorkshire.html").contains(&expected),
        "{expected}"
    );
}

#[test]
fn city_of_london_says_its_denominator_is_unsuitable() {
    let html = page("forces/city-of-london.html");
    assert!(html.contains("The City of London has few residents and many visitors"));
}

#[test]
fn rate_and_share_readings_quote_their_tables() {
    let out = fixture_run();
    let rates = table(&out, "rates");
    let black = select(
        &rates,
        &[
            ("area", "merseyside"),
            ("period_type", "financial_year"),
            ("period", "2025/26"),
            ("search_group", "all"),
            ("power", "all"),
            ("ethnicity", "Black"),
        ],
    );
    let stopsearch_human = stopsearch::present::charts::canvas::human;
    let expected = format!(
        "searched Black people at a rate of {} per 1,000 residents a year (95% interval {} to {})",
        stopsearch_human(num(&black, "rate_per_1000").unwrap()),
        stopsearch_human(num(&black, "rate_ci_low").unwrap()),
        stopsearch_human(num(&black, "rate_ci_high").unwrap()),
    );
    assert!(
        page("forces/merseyside.html").contains(&expected),
        "{expected}"
    );

    let outcomes = table(&out, "outcomes");
    let share = |g: &str, class: &str| {
        let r = select(
            &outcomes,
            &[
                ("area", "metropolitan"),
                ("period_type", "financial_year"),
                ("period", "2024/25"),
                ("power", "all"),
                ("ethnicity", g),
                ("outcome_class", class),
            ],
        );
        percent(num(&r, "share").unwrap())
    };
    let expected = format!(
        "no further action followed {} of searches of Black people and {} of searches of White \
         people; {} and {} ended in arrest.",
        share("Black", "no_further_action"),
        share("White", "no_further_action"),
        share("Black", "arrest"),
        share("White", "arrest"),
    );
    assert!(
        page("forces/metropolitan.html").contains(&expected),
        "{expected}"
    );
}

#[test]
fn wording_never_calls_a_ratio_a_likelihood() {
    for entry in std::fs::read_dir(fixture_run().join("forces")).unwrap() {
        let html = std::fs::read_to_string(entry.unwrap().path())
            .unwrap()
            .to_lowercase();
        assert!(!html.contains("times as likely") && !html.contains("more likely to be"));
    }
    let index = page("index.html").to_lowercase();
    assert!(index.contains("how to read this"));
    assert!(!index.contains("times as likely"));
}

#[test]
fn every_link_and_image_resolves() {
    let out = fixture_run();
    let mut pages = vec![out.join("index.html"), out.join("data-dictionary.html")];
    for e in std::fs::read_dir(out.join("forces")).unwrap() {
        pages.push(e.unwrap().path());
    }
    let mut checked = 0;
    for p in &pages {
        let html = std::fs::read_to_string(p).unwrap();
        for attr in ["src=\"", "href=\""] {
            for piece in html.split(attr).skip(1) {
                let target = piece.split('"').next().unwrap().replace("&#x2f;", "/");
                let target = target.split('#').next().unwrap();
                if target.is_empty() {
                    continue;
                }
                assert!(
                    !target.contains("://"),
                    "{}: external link {target}",
                    p.display()
                );
                let resolved = p.parent().unwrap().join(target);
                assert!(resolved.exists(), "{}: {target} is missing", p.display());
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "{checked}");
    // Every aggregate table has a CSV twin.
    for name in [
        "rates",
        "disparity",
        "outcomes",
        "find_rates",
        "strip_search",
        "ethnicity_agreement",
    ] {
        assert!(
            out.join(format!("tables/{name}.csv")).exists(),
            "{name}.csv"
        );
    }
}

/// Opens every page in headless Chromium (tests/report/check_report.py). CI installs Chromium
/// and Playwright; elsewhere the test needs STOPSEARCH_TEST_PYTHON or the venv .ci/run makes.
#[test]
fn report_opens_in_headless_chromium() {
    let python = std::env::var("STOPSEARCH_TEST_PYTHON").ok().or_else(|| {
        let venv = std::env::var("HOME").ok()? + "/.cache/stopsearch-venv/bin/python";
        std::path::Path::new(&venv).exists().then_some(venv)
    });
    let chromium = std::path::Path::new("/usr/bin/chromium");
    let (Some(python), true) = (python, chromium.exists()) else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must have Chromium and the Python venv (see .ci/run)"
        );
        eprintln!("skipped: no Chromium or Playwright here; .ci/run installs them");
        return;
    };
    let status = std::process::Command::new(python)
        .arg(root().join("tests/report/check_report.py"))
        .arg(fixture_run())
        // The diversion chart loads on the Met's page.
        .args(["--require", "charts/metropolitan/diversion.png"])
        .status()
        .unwrap();
    assert!(status.success(), "the report failed in Chromium");
}

/// British Transport Police has no resident population: its page says so and quotes both
/// groups' searches as counted in the raw file, never "no White people" nor a bound of 0.
#[test]
fn a_force_with_no_resident_population_is_read_as_such() {
    let dir = tempdir();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    // Merseyside's real June 2025 rows, filed as BTP's.
    std::fs::copy(
        fixtures().join("2025-06-merseyside-stop-and-search.csv.gz"),
        data.join("2025-06-btp-stop-and-search.csv.gz"),
    )
    .unwrap();
    let out = dir.path().join("out");
    run_ok(
        &root(),
        &[data.to_str().unwrap(), "--out", out.to_str().unwrap(), "-q"],
        0,
    );
    let counts = raw_counts();
    let raw = &counts["files"]["police_uk/2025-06-merseyside-stop-and-search.csv.gz"]["ethnicity"];
    let (black, white) = (
        raw["Black"].as_i64().unwrap(),
        raw["White"].as_i64().unwrap(),
    );
    let html = std::fs::read_to_string(out.join("forces/btp.html"))
        .unwrap()
        .replace("&#x2f;", "/");
    let expected = format!(
        "British Transport Police has no resident population, so no rate per 1,000 residents \
         and no rate ratio can be given; in 2025/26 it searched {black} Black people and {} \
         White people.",
        thousands(white)
    );
    assert!(html.contains(&expected), "{expected}\nnot in:\n{html}");
    assert!(!html.contains("no White people") && !html.contains("at least 0"));
}

/// The Met's page shows the diversion chart and quotes the diversion table; without a
/// population by age it says plainly that there are no rates for young men and no
/// standardised ratio.
#[test]
fn the_force_page_reads_the_diversion_gap_and_says_why_there_are_no_age_figures() {
    let out = fixture_run();
    let html = page("forces/metropolitan.html");
    for ext in ["png", "svg"] {
        let file = format!("charts/metropolitan/diversion.{ext}");
        assert!(html.contains(&file), "{file} not on the page");
        assert!(out.join(&file).exists(), "{file}");
    }
    assert!(!html.contains("charts/metropolitan/young-men.png"));
    let d = table(&out, "diversion");
    let row = |g: &str| {
        select(
            &d,
            &[
                ("area", "metropolitan"),
                ("period_type", "financial_year"),
                ("period", "2024/25"),
                ("search_group", "drugs"),
                ("age_range", "all"),
                ("ethnicity", g),
            ],
        )
    };
    let (black, white) = (row("Black"), row("White"));
    let count = |r: &polars::prelude::DataFrame, c: &str| thousands(num(r, c).unwrap() as i64);
    let expected = format!(
        "Of the drug searches by the Metropolitan Police Service in 2024/25 that ended in a \
         disposal, Black people received an out-of-court disposal (a warning, penalty notice, \
         community resolution or caution) rather than arrest or a charge in {} ({} of {}; 95% \
         interval {} to {}), and White people in {} ({} of {}).",
        percent(num(&black, "share").unwrap()),
        count(&black, "n"),
        count(&black, "total"),
        percent(num(&black, "share_ci_low").unwrap()),
        percent(num(&black, "share_ci_high").unwrap()),
        percent(num(&white, "share").unwrap()),
        count(&white, "n"),
        count(&white, "total"),
    );
    assert!(html.contains(&expected), "{expected}\nnot in the page");
    let no_age = stopsearch::present::report::words::NO_AGE_TABLE;
    // Once under the disparity chart, once where the young men's chart would be.
    assert_eq!(html.matches(no_age).count(), 2, "{no_age}");
    assert!(page("index.html").contains(no_age));
}
