//! The charts and readings by power: the powers chart plots the disparity table's rows of each
//! power, the find-by-power chart the find_rates table's, and a force page reads them, or says
//! plainly that the force made no searches under section 60.

use crate::common::*;
use stopsearch::present::charts::canvas::thousands;
use stopsearch::present::charts::draw::Body;
use stopsearch::present::charts::{Chart, plan, power_label};
use stopsearch::present::figures::POWERS;
use stopsearch::present::report::words::{percent, ratio_text};

fn planned() -> Vec<Chart> {
    plan(&figures_of(&fixture_run(), false), None)
}

fn chart<'a>(charts: &'a [Chart], area: &str, id: &str) -> Option<&'a Chart> {
    charts.iter().find(|c| c.area == area && c.id == id)
}

fn page(name: &str) -> String {
    std::fs::read_to_string(fixture_run().join(name))
        .unwrap()
        .replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// The Met's headline year (2024/25) rows of one power other than `all`.
fn power_rows(name: &str, filters: &[(&str, &str)]) -> polars::prelude::DataFrame {
    let mut all = vec![
        ("area", "metropolitan"),
        ("period_type", "financial_year"),
        ("period", "2024/25"),
        ("search_group", "all"),
    ];
    all.extend_from_slice(filters);
    select(&table(&fixture_run(), name), &all)
}

/// One row per power the Met searched under, in the chart's order, each the disparity table's
/// Black/White ratio of that power, hollow where the table flags small numbers.
#[test]
fn the_powers_chart_plots_the_rows_of_each_power() {
    let charts = planned();
    let c = chart(&charts, "metropolitan", "powers").expect("the Met has a powers chart");
    let Body::Forest { rows, .. } = &c.body else {
        panic!("not a forest plot")
    };
    let d = power_rows("disparity", &[("ethnicity", "Black")]);
    let mut powers: Vec<String> = strings(&d, "power")
        .into_iter()
        .flatten()
        .filter(|p| p != "all")
        .collect();
    powers.sort_by_key(|p| POWERS.iter().position(|x| x == p));
    assert!(
        powers.iter().any(|p| p == "cjpo_s60") && powers.iter().any(|p| p == "pace_s1"),
        "{powers:?}"
    );
    let labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
    let expected: Vec<String> = powers.iter().map(|p| power_label(p)).collect();
    assert_eq!(labels, expected, "{labels:?}");
    for (r, p) in rows.iter().zip(&powers) {
        let row = select(&d, &[("power", p.as_str())]);
        assert_eq!(r.estimate, num(&row, "rate_ratio"), "{p}");
        assert_eq!(r.low, num(&row, "ratio_ci_low"), "{p}");
        assert_eq!(r.high, num(&row, "ratio_ci_high"), "{p}");
        assert_eq!(r.flagged, flag(&row, "small_numbers"), "{p}");
        let searches = num(&row, "searches").unwrap() as i64;
        let reference = num(&row, "reference_searches").unwrap() as i64;
        assert_eq!(
            r.note,
            format!("{} v {}", thousands(searches), thousands(reference)),
            "{p}"
        );
    }
    // Section 60's few searches are flagged as the disparity chart flags them.
    let s60 = rows
        .iter()
        .find(|r| r.label == power_label("cjpo_s60"))
        .unwrap();
    assert!(s60.flagged);
    assert!(
        c.frame
            .footnotes
            .iter()
            .any(|n| n.contains("need no suspicion") && n.contains("especially poor yardstick")),
        "{:?}",
        c.frame.footnotes
    );
}

/// The find-by-power chart: each group's share of searches with an outcome other than no
/// further action under section 60 and under the powers that need suspicion, with the Wilson
/// intervals of find_rates.
#[test]
fn the_find_by_power_chart_plots_the_find_rates_of_each_power() {
    let charts = planned();
    let c = chart(&charts, "metropolitan", "find-by-power").expect("a find-by-power chart");
    let Body::Bars { rows, percent, .. } = &c.body else {
        panic!("not a bar chart")
    };
    assert!(percent);
    let f = power_rows("find_rates", &[("measure", "outcome_other_than_nfa")]);
    let mut seen = 0;
    for (prefix, power) in [
        ("Section 60", "cjpo_s60"),
        ("Suspicion", "suspicion_required"),
    ] {
        for group in ["Asian", "Black", "Mixed", "White", "Other"] {
            let row = select(&f, &[("power", power), ("ethnicity", group)]);
            let label = format!("{prefix}: {group}");
            let bar = rows.iter().find(|r| r.label == label);
            if row.height() == 0 || num(&row, "total") == Some(0.0) {
                assert!(bar.is_none(), "{label}");
                continue;
            }
            let bar = bar.unwrap_or_else(|| panic!("no bar {label}"));
            assert_eq!(bar.value, num(&row, "share"), "{label}");
            assert_eq!(bar.low, num(&row, "share_ci_low"), "{label}");
            assert_eq!(bar.high, num(&row, "share_ci_high"), "{label}");
            assert_eq!(bar.flagged, num(&row, "total").unwrap() < 20.0, "{label}");
            seen += 1;
        }
    }
    assert_eq!(seen, rows.len());
    assert!(rows.iter().any(|r| r.label == "Section 60: Black"));
}

/// Forces that made no section 60 searches in their headline year have neither chart; their
/// page says so in a sentence, and draws no zero.
#[test]
fn a_force_without_section_60_has_no_power_charts_and_says_so() {
    let charts = planned();
    for force in ["south-yorkshire", "west-yorkshire", "city-of-london"] {
        assert!(chart(&charts, force, "powers").is_none(), "{force}");
        assert!(chart(&charts, force, "find-by-power").is_none(), "{force}");
    }
    let html = page("forces/south-yorkshire.html");
    assert!(
        html.contains(
            "<p class=\"absent\">The South Yorkshire Police made no searches under section 60 in \
             2025/26.</p>"
        ),
        "no sentence on section 60"
    );
    assert!(!html.contains("powers.png"));
    // Districts are not broken down by power.
    assert!(
        !charts
            .iter()
            .any(|c| c.id == "powers" && c.area.starts_with('E'))
    );
}

/// The Met's page shows both charts, and its readings quote the power rows.
#[test]
fn the_force_page_reads_the_powers_from_the_tables() {
    let html = page("forces/metropolitan.html");
    assert!(html.contains("charts/metropolitan/powers.png"));
    assert!(html.contains("charts/metropolitan/find-by-power.png"));
    let d = power_rows("disparity", &[("ethnicity", "Black")]);
    let s60 = select(&d, &[("power", "cjpo_s60")]);
    let suspicion = select(&d, &[("power", "suspicion_required")]);
    let sentence = format!(
        "In 2024/25, under section 60, where no suspicion is needed, the Metropolitan Police \
         Service searched Black people at {} times the rate of White people (95% interval {} to \
         {}; {} searches of Black people and {} of White people); in searches that required \
         reasonable suspicion, {} times (95% interval {} to {};",
        ratio_text(num(&s60, "rate_ratio").unwrap()),
        ratio_text(num(&s60, "ratio_ci_low").unwrap()),
        ratio_text(num(&s60, "ratio_ci_high").unwrap()),
        num(&s60, "searches").unwrap(),
        num(&s60, "reference_searches").unwrap(),
        ratio_text(num(&suspicion, "rate_ratio").unwrap()),
        ratio_text(num(&suspicion, "ratio_ci_low").unwrap()),
        ratio_text(num(&suspicion, "ratio_ci_high").unwrap()),
    );
    assert!(html.contains(&sentence), "missing: {sentence}");
    assert!(html.contains(
        "Fewer than 10 searches under section 60 in one of the groups: too few to rely on."
    ));
    let f = power_rows(
        "find_rates",
        &[("measure", "outcome_other_than_nfa"), ("power", "cjpo_s60")],
    );
    let black = select(&f, &[("ethnicity", "Black")]);
    let find = format!(
        "In 2024/25, under section 60, {} of searches of Black people led to an outcome other \
         than no further action",
        percent(num(&black, "share").unwrap())
    );
    assert!(html.contains(&find), "missing: {find}");
    // England and Wales's page has the charts too.
    assert!(page("index.html").contains("charts/england-and-wales/powers.png"));
}
