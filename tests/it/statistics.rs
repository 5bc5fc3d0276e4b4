//! The statistics: published figures reproduced from their counts and the shipped population
//! tables, and each aggregate table hand-checked on the fixtures against counts made from the
//! raw files without the program (tests/expected/fixture_counts.json).

use crate::common::*;
use stopsearch::reference::population::{Census, Population};
use stopsearch::stats::intervals::{rate_per_1000, rate_ratio};

/// methods.md §3: published rates and ratios, recomputed from the shipped tables.
#[test]
fn published_checks_reproduce() {
    let p2011 = Population::census(Census::Y2011);
    // (PFA, Black searches, White searches, Black rate, White rate, ratio), YE March 2022.
    let checks = [
        ("E23000014", 3_973, 9_713, "24.22", "5.06", "4.78"), // West Midlands
        ("E23000015", 177, 3_511, "20.70", "3.40", "6.09"),   // Staffordshire
        ("E23000019", 533, 3_081, "19.53", "3.18", "6.15"),   // Nottinghamshire
    ];
    for (pfa, black, white, black_rate, white_rate, ratio) in checks {
        let r = p2011.residents(pfa).unwrap();
        let (b, w) = (r.black as f64, r.white as f64);
        assert_eq!(
            format!("{:.2}", rate_per_1000(black, b).unwrap().rate),
            black_rate,
            "{pfa}"
        );
        assert_eq!(
            format!("{:.2}", rate_per_1000(white, w).unwrap().rate),
            white_rate,
            "{pfa}"
        );
        let rr = rate_ratio(black, b, white, w).unwrap().ratio.unwrap();
        assert_eq!(format!("{rr:.2}"), ratio, "{pfa}");
    }
    assert_eq!(p2011.residents("E23000014").unwrap().black, 164_069);
    // The Met, YE March 2024, on the 2021 Census: 49,561 searches of Black people.
    let p2021 = Population::census(Census::Y2021);
    let met = p2021.residents("E23000001").unwrap();
    assert_eq!(met.black, 1_188_137);
    assert_eq!(
        format!(
            "{:.2}",
            rate_per_1000(49_561, met.black as f64).unwrap().rate
        ),
        "41.71"
    );
}

const MET_2022_09: &str = "police_uk/2022-09-metropolitan-stop-and-search.csv.gz";

fn raw(file: &str, key: &str) -> serde_json::Value {
    raw_counts()["files"][file][key].clone()
}

#[test]
fn met_2022_09_monthly_rates_by_hand() {
    let rates = table(&fixture_run(), "rates");
    let eth = raw(MET_2022_09, "ethnicity");
    for (group, column) in [("Black", "black"), ("White", "white"), ("Asian", "asian")] {
        let searches = eth[group].as_f64().unwrap();
        let population = census2021("E23000001", column);
        // One month of exposure: population / 12 person-years; the rate is per year.
        let exposure = population / 12.0;
        let row = select(
            &rates,
            &[
                ("area", "metropolitan"),
                ("period", "2022-09"),
                ("search_group", "all"),
                ("power", "all"),
                ("ethnicity", group),
            ],
        );
        assert_eq!(num(&row, "searches"), Some(searches), "{group}");
        assert_eq!(num(&row, "population"), Some(population));
        assert!(close(num(&row, "exposure").unwrap(), exposure));
        let rate = num(&row, "rate_per_1000").unwrap();
        assert!(close(rate, 1000.0 * searches / exposure), "{group}: {rate}");
        assert!(
            num(&row, "rate_ci_low").unwrap() < rate && rate < num(&row, "rate_ci_high").unwrap()
        );
        assert!(!flag(&row, "small_numbers"));
    }
    // 2,660 searches of Black people in a month against 1,188,137 residents: 26.87 a year.
    let black = select(
        &rates,
        &[
            ("area", "metropolitan"),
            ("period", "2022-09"),
            ("search_group", "all"),
            ("power", "all"),
            ("ethnicity", "Black"),
        ],
    );
    assert_eq!(
        format!("{:.2}", num(&black, "rate_per_1000").unwrap()),
        "26.87"
    );
}

#[test]
fn england_and_wales_sums_only_covered_force_months() {
    let rates = table(&fixture_run(), "rates");
    // 2022/23 holds one covered force-month in the fixtures: the Met's 2022-09.
    let ew = select(
        &rates,
        &[
            ("area", "england-and-wales"),
            ("period", "2022/23"),
            ("search_group", "all"),
            ("power", "all"),
            ("ethnicity", "All"),
        ],
    );
    assert_eq!(num(&ew, "searches"), Some(12_447.0));
    assert_eq!(num(&ew, "force_months_covered"), Some(1.0));
    assert!(close(
        num(&ew, "exposure").unwrap(),
        census2021("E23000001", "total") / 12.0
    ));
    // 2025/26: three forces, one month each.
    let ew = select(
        &rates,
        &[
            ("area", "england-and-wales"),
            ("period", "2025/26"),
            ("search_group", "all"),
            ("power", "all"),
            ("ethnicity", "All"),
        ],
    );
    let pops: f64 = ["E23000006", "E23000004", "E23000011"]
        .iter()
        .map(|pfa| census2021(pfa, "total"))
        .sum();
    assert_eq!(num(&ew, "searches"), Some((1_185 + 4_992 + 930) as f64));
    assert!(close(num(&ew, "exposure").unwrap(), pops / 12.0));
    // GMP 2019/20 has only its June 2019 file: one month of exposure, not twelve.
    let gmp = select(
        &rates,
        &[
            ("area", "greater-manchester"),
            ("period", "2019/20"),
            ("search_group", "all"),
            ("power", "all"),
            ("ethnicity", "All"),
        ],
    );
    assert_eq!(num(&gmp, "force_months_covered"), Some(1.0));
}

#[test]
fn met_2022_09_disparity_by_hand() {
    let d = table(&fixture_run(), "disparity");
    let eth = raw(MET_2022_09, "ethnicity");
    let (b, w) = (
        eth["Black"].as_f64().unwrap(),
        eth["White"].as_f64().unwrap(),
    );
    let (pb, pw) = (
        census2021("E23000001", "black"),
        census2021("E23000001", "white"),
    );
    let row = select(
        &d,
        &[
            ("area", "metropolitan"),
            ("period", "2022-09"),
            ("search_group", "all"),
            ("power", "all"),
            ("ethnicity", "Black"),
        ],
    );
    let ratio = (b / pb) / (w / pw);
    assert!(close(num(&row, "rate_ratio").unwrap(), ratio));
    assert!(
        num(&row, "ratio_ci_low").unwrap() < ratio && ratio < num(&row, "ratio_ci_high").unwrap()
    );
    // Not stated (3,578) and empty (115) self-defined ethnicity, of 12,447, less the
    // vehicle-only searches among them (no person to describe), over person searches.
    let vehicle = raw(MET_2022_09, "vehicle_only_by_ethnicity");
    let count = |m: &serde_json::Value, k: &str| m.get(k).and_then(|v| v.as_f64()).unwrap_or(0.0);
    let vehicle_all: f64 = vehicle
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_f64().unwrap())
        .sum();
    let unknown = eth["Not stated"].as_f64().unwrap() + eth["(empty)"].as_f64().unwrap()
        - count(&vehicle, "Not stated")
        - count(&vehicle, "(empty)");
    assert!(vehicle_all > 0.0, "the month has vehicle-only searches");
    assert_eq!(num(&row, "not_stated_searches"), Some(unknown));
    assert_eq!(num(&row, "vehicle_only_searches"), Some(vehicle_all));
    assert!(close(
        num(&row, "not_stated_share").unwrap(),
        unknown / (12_447.0 - vehicle_all)
    ));
    assert!(close(
        num(&row, "ratio_if_not_stated_in_group").unwrap(),
        ((b + unknown) / pb) / (w / pw)
    ));
    assert!(close(
        num(&row, "ratio_if_not_stated_in_reference").unwrap(),
        (b / pb) / ((w + unknown) / pw)
    ));
    // Officer-defined fallback: Black self-defined, plus not-stated or empty recorded Black by
    // the officer.
    let officer = raw(MET_2022_09, "officer_by_self_defined");
    let fb = b
        + officer["Not stated"]["Black"].as_f64().unwrap()
        + officer["(empty)"]["Black"].as_f64().unwrap_or(0.0);
    let fw = w
        + officer["Not stated"]["White"].as_f64().unwrap()
        + officer["(empty)"]["White"].as_f64().unwrap_or(0.0);
    assert_eq!(num(&row, "officer_fallback_searches"), Some(fb));
    assert!(close(
        num(&row, "rate_ratio_officer_fallback").unwrap(),
        (fb / pb) / (fw / pw)
    ));
    assert!(!flag(&row, "small_numbers") && !flag(&row, "undefined_ratio"));
}

#[test]
fn met_2016_outcomes_by_hand() {
    let o = table(&fixture_run(), "outcomes");
    let file = "police_uk/2016-06-metropolitan-stop-and-search.csv.gz";
    let by_eth = raw(file, "outcome_class_by_ethnicity");
    for group in ["Black", "White", "Asian"] {
        let counts = &by_eth[group];
        let total: f64 = counts
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_f64().unwrap())
            .sum();
        for class in ["arrest", "no_further_action", "cannabis_or_khat_warning"] {
            let row = select(
                &o,
                &[
                    ("area", "metropolitan"),
                    ("period", "2016-06"),
                    ("power", "all"),
                    ("ethnicity", group),
                    ("outcome_class", class),
                ],
            );
            let n = counts[class].as_f64().unwrap();
            assert_eq!(num(&row, "n"), Some(n), "{group} {class}");
            assert_eq!(num(&row, "total"), Some(total));
            assert!(close(num(&row, "share").unwrap(), n / total));
        }
        let diverted: f64 = [
            "cannabis_or_khat_warning",
            "penalty_notice",
            "community_resolution",
            "caution",
        ]
        .iter()
        .map(|c| counts[*c].as_f64().unwrap_or(0.0))
        .sum();
        let row = select(
            &o,
            &[
                ("area", "metropolitan"),
                ("period", "2016-06"),
                ("power", "all"),
                ("ethnicity", group),
                ("outcome_class", "out_of_court"),
            ],
        );
        assert_eq!(num(&row, "n"), Some(diverted), "{group}");
    }
}

#[test]
fn gmp_find_rates_by_hand() {
    let f = table(&fixture_run(), "find_rates");
    let find = raw(
        "police_uk/2019-06-greater-manchester-stop-and-search.csv.gz",
        "find",
    );
    for group in ["Black", "White", "Asian"] {
        let c = &find[group];
        for (measure, n, total) in [
            ("outcome_linked", "linked_n", "linked_total"),
            ("outcome_other_than_nfa", "action_n", "action_total"),
        ] {
            let row = select(
                &f,
                &[
                    ("area", "greater-manchester"),
                    ("period", "2019-06"),
                    ("search_group", "all"),
                    ("power", "all"),
                    ("ethnicity", group),
                    ("measure", measure),
                ],
            );
            assert_eq!(num(&row, "n"), c[n].as_f64(), "{group} {measure}");
            assert_eq!(num(&row, "total"), c[total].as_f64(), "{group} {measure}");
        }
    }
    // The Met leaves the linked field empty: every search is excluded from that measure.
    let met = select(
        &f,
        &[
            ("area", "metropolitan"),
            ("period", "2022-09"),
            ("search_group", "all"),
            ("power", "all"),
            ("ethnicity", "All"),
            ("measure", "outcome_linked"),
        ],
    );
    assert_eq!(num(&met, "total"), Some(0.0));
    assert_eq!(num(&met, "excluded"), Some(12_447.0));
    assert_eq!(num(&met, "share"), None);
}

#[test]
fn strip_search_and_agreement_by_hand() {
    let out = fixture_run();
    let s = table(&out, "strip_search");
    let file = "police_uk/2021-08-west-yorkshire-stop-and-search.csv.gz";
    let strip = raw(file, "strip_search_by_ethnicity");
    for group in ["Asian", "White", "Black"] {
        let c = &strip[group];
        let yes = c["True"].as_f64().unwrap_or(0.0);
        let recorded = yes + c["False"].as_f64().unwrap_or(0.0);
        let row = select(
            &s,
            &[
                ("area", "west-yorkshire"),
                ("period", "2021-08"),
                ("ethnicity", group),
            ],
        );
        assert_eq!(num(&row, "n"), Some(yes), "{group}");
        assert_eq!(num(&row, "total"), Some(recorded), "{group}");
    }
    let a = table(&out, "ethnicity_agreement");
    let officer = raw(MET_2022_09, "officer_by_self_defined");
    let row = select(
        &a,
        &[
            ("area", "metropolitan"),
            ("period", "2022-09"),
            ("self_defined_ethnicity", "Mixed"),
            ("officer_defined_ethnicity", "Black"),
        ],
    );
    assert_eq!(num(&row, "n"), officer["Mixed"]["Black"].as_f64());
}
