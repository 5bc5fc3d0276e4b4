//! Ratios that missing ethnicity could overturn are flagged, ranked below the others and never
//! headlined: on the real 2020/21 files, where North Yorkshire's files record the person's
//! own ethnicity for only a few percent of its searches. Ignored by default (it reads
//! `../shared`); `.ci/run` runs it.

use crate::common::*;
use stopsearch::present::report::words::disparity_reading;

#[test]
#[ignore = "reads ../shared/data/police_uk_extra; run by .ci/run"]
fn unknown_ethnicity_north_yorkshire_is_flagged_and_never_headlined() {
    let Some(year) = shared_data("police_uk_extra/fy2020-21") else {
        return;
    };
    let dir = tempdir();
    let out = dir.path().join("out");
    run_tables(dir.path(), &out, &[year.to_str().unwrap()], 0);
    let d = select(
        &table(&out, "disparity"),
        &[
            ("area", "north-yorkshire"),
            ("period", "2020/21"),
            ("search_group", "all"),
            ("power", "all"),
            ("ethnicity", "Black"),
        ],
    );
    assert!(flag(&d, "high_not_stated") && flag(&d, "direction_uncertain"));
    assert!(num(&d, "not_stated_share").unwrap() > 0.9);
    let f = figures_of(&out, false);
    let first = f.league.first().expect("a league");
    assert_ne!(
        first.area, "north-yorkshire",
        "a flagged ratio leads the league"
    );
    let position = |area: &str| f.league.iter().position(|r| r.area == area).unwrap();
    // Every reliable ratio is ranked above every flagged one.
    let last_reliable = f.league.iter().rposition(|r| !r.unreliable()).unwrap();
    let first_flagged = f.league.iter().position(|r| r.unreliable()).unwrap();
    assert!(last_reliable < first_flagged);
    assert!(position("north-yorkshire") >= first_flagged);
    let area = f.area("north-yorkshire").unwrap();
    let reading = disparity_reading(&f, area);
    assert!(
        reading.starts_with(
            "North Yorkshire Police's files record the person's own ethnicity for only "
        ) && reading.contains("so no reliable comparison can be given; among the searches where it was recorded, Black people were searched at"),
        "{reading}"
    );
    let national = disparity_reading(&f, f.area("england-and-wales").unwrap());
    assert!(national.contains("North Yorkshire Police"), "{national}");
}
