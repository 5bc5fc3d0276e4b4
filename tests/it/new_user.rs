//! What a new user hit, reproduced from the README's command lines: headlines that say what
//! they cover, marks in every table, "not recorded" rather than "none searched", the Census in
//! the readings, no ratio of the reference group with itself, a cron job that reports its
//! warnings under --quiet, scoping out forces, clearer messages, the summary written when the
//! settings file is broken, and cache housekeeping.

use std::path::Path;

use crate::common::*;

fn page(out: &Path, name: &str) -> String {
    std::fs::read_to_string(out.join(name))
        .unwrap()
        .replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// The fixture files of June 2025 of these forces.
fn june_2025(forces: &[&str]) -> Vec<String> {
    forces
        .iter()
        .map(|f| {
            fixtures()
                .join(format!("2025-06-{f}-stop-and-search.csv.gz"))
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

/// The text of the page's lede (the headline reading).
fn lede(html: &str) -> String {
    let start = html.find("class=\"lede\">").expect("a lede") + 13;
    let end = start + html[start..].find("</p>").unwrap();
    html[start..end].to_owned()
}

/// `run --forces merseyside,cheshire`: the sum of two forces is named for what it is, in the
/// tables and the readings, never "England and Wales".
#[test]
fn a_subset_of_forces_is_not_called_england_and_wales() {
    let dir = tempdir();
    let out = dir.path().join("out");
    run_ok(
        &root(),
        &[
            "--quiet",
            "--forces",
            "merseyside,cheshire",
            "--out",
            out.to_str().unwrap(),
        ],
        0,
    );
    let rates = table(&out, "rates");
    let ew = select(&rates, &[("area", "england-and-wales")]);
    let names: Vec<String> = strings(&ew, "area_name").into_iter().flatten().collect();
    assert!(!names.is_empty() && names.iter().all(|n| n == "The 2 forces in this run"));
    let index = page(&out, "index.html");
    let headline = lede(&index);
    assert!(
        headline.contains("police in the 2 forces in this run searched"),
        "{headline}"
    );
    assert!(
        !headline.contains("England and Wales searched"),
        "{headline}"
    );
    assert!(index.contains("<h2 id=\"national\">The 2 forces in this run</h2>"));
}

/// A force in scope with no file for the headline year is named, with the share of the
/// residents it polices.
#[test]
fn the_forces_with_no_data_are_named_with_their_share_of_residents() {
    let dir = tempdir();
    let out = dir.path().join("out");
    // The 2025-06 fixtures cover Cheshire, Merseyside and South Yorkshire; Dorset has nothing.
    let files = june_2025(&["cheshire", "merseyside"]);
    run_ok(
        dir.path(),
        &[
            "--quiet",
            "--forces",
            "merseyside,cheshire,dorset",
            "--out",
            out.to_str().unwrap(),
            &files[0],
            &files[1],
        ],
        0,
    );
    let headline = lede(&page(&out, "index.html"));
    let pop = |pfa: &str| census2021(pfa, "total");
    let (dorset, cheshire, merseyside) = (pop("E23000039"), pop("E23000006"), pop("E23000004"));
    let share =
        stopsearch::present::report::words::percent(dorset / (dorset + cheshire + merseyside));
    let expected = format!(
        "No data for 2025/26 from Dorset Police, which polices {share} of the residents of the \
         forces in this run"
    );
    assert!(headline.contains(&expected), "{headline}\n{expected}");
}

/// The front page's forces table gives a ratio the same marks as the charts (City of London:
/// an unfit denominator and few searches, †).
#[test]
fn the_forces_table_carries_the_marks_of_the_charts() {
    let index = page(&fixture_run(), "index.html");
    let row = index
        .lines()
        .find(|l| l.contains("forces/city-of-london.html"))
        .expect("a City of London row");
    assert!(row.contains(" †"), "{row}");
}

/// A group with no search in a force's files reads "none recorded", not "none searched".
#[test]
fn a_group_with_no_search_is_not_recorded_rather_than_none_searched() {
    let charts = fixture_run().join("charts");
    let mut recorded = 0;
    for area in std::fs::read_dir(&charts).unwrap().flatten() {
        let Ok(svg) = std::fs::read_to_string(area.path().join("disparity.svg")) else {
            continue;
        };
        assert!(!svg.contains("none searched"), "{}", area.path().display());
        recorded += usize::from(svg.contains("none recorded"));
    }
    assert!(recorded > 0, "no chart has a group with no search recorded");
}

/// Every page's headline says which Census the rates use, and what earlier bulletins used.
#[test]
fn the_headline_says_which_census() {
    let out = fixture_run();
    for p in ["index.html", "forces/merseyside.html"] {
        let headline = lede(&page(&out, p));
        assert!(
            headline.contains("Rates are per 1,000 residents of each group in the Census 2021.")
                && headline.contains("--census 2011"),
            "{p}: {headline}"
        );
    }
}

/// The reference group against itself is no comparison: its share ratio is null.
#[test]
fn the_reference_group_has_no_share_ratio_with_itself() {
    let o = table(&fixture_run(), "outcomes");
    let white = select(&o, &[("ethnicity", "White")]);
    assert!(white.height() > 0);
    for c in ["share_ratio", "share_ratio_ci_low", "share_ratio_ci_high"] {
        assert_eq!(white.column(c).unwrap().null_count(), white.height(), "{c}");
    }
    let black = select(&o, &[("ethnicity", "Black")]);
    assert!(black.column("share_ratio").unwrap().null_count() < black.height());
}

/// `--quiet` for cron: progress and info are silenced, warnings are not, so a run that exits
/// 1 says why.
#[test]
fn quiet_runs_still_print_their_warnings() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let run = run_ok(
        &root(),
        &[
            "--quiet",
            "--no-charts",
            "--require-latest-month",
            "--out",
            out.to_str().unwrap(),
        ],
        1,
    );
    let e = stderr(&run);
    assert!(
        e.contains("no data for 2025-06 from") && e.contains("exclude_forces"),
        "{e}"
    );
    assert!(!e.contains(" INFO "), "{e}");
}

/// `--exclude-forces` (settings `exclude_forces`) scopes a run to the forces that publish.
#[test]
fn excluded_forces_are_neither_read_nor_expected() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let files = june_2025(&["cheshire", "merseyside"]);
    let settings = dir.path().join("stopsearch.toml");
    let all_but: Vec<String> = stopsearch::reference::forces::FORCES
        .iter()
        .map(|f| f.id)
        .filter(|id| !matches!(*id, "cheshire" | "merseyside"))
        .map(|id| format!("\"{id}\""))
        .collect();
    std::fs::write(
        &settings,
        format!(
            "exclude_forces = [{}]\n[thresholds]\nrequire_latest_month = true\n",
            all_but.join(", ")
        ),
    )
    .unwrap();
    run_ok(
        dir.path(),
        &[
            "--quiet",
            "--no-charts",
            "--config",
            settings.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            &files[0],
            &files[1],
        ],
        0,
    );
    let forces: Vec<String> = strings(&table(&out, "coverage"), "force")
        .into_iter()
        .flatten()
        .collect();
    assert!(
        forces.iter().all(|f| f == "cheshire" || f == "merseyside"),
        "{forces:?}"
    );
}

/// `forces = ["met"]` in a settings file: the message names the file and key, and suggests
/// the id meant.
#[test]
fn an_unknown_force_in_the_settings_file_is_named_there_with_a_suggestion() {
    let dir = tempdir();
    let settings = dir.path().join("stopsearch.toml");
    std::fs::write(&settings, "forces = [\"met\"]\n").unwrap();
    let run = run_ok(
        dir.path(),
        &[
            "--no-charts",
            "--config",
            settings.to_str().unwrap(),
            "--out",
            dir.path().join("o").to_str().unwrap(),
        ],
        2,
    );
    let e = stderr(&run);
    assert!(
        e.contains(&format!(
            "`forces` in {}: unknown force id `met`",
            settings.display()
        )) && e.contains("did you mean `metropolitan`"),
        "{e}"
    );
    let run = run_ok(
        &root(),
        &[
            "--no-charts",
            "--forces",
            "merseysid",
            "--out",
            dir.path().join("o").to_str().unwrap(),
        ],
        2,
    );
    assert!(
        stderr(&run).contains("--forces: unknown force id `merseysid`; did you mean `merseyside`"),
        "{}",
        stderr(&run)
    );
}

/// `--from 2019-01 --to 2019-06` over files of other months: found, but outside the window.
#[test]
fn files_all_outside_the_window_are_said_to_be_so() {
    let dir = tempdir();
    let fixtures = fixtures();
    let file = fixtures.join("2025-06-merseyside-stop-and-search.csv.gz");
    let run = run_ok(
        dir.path(),
        &[
            "--no-charts",
            "--from",
            "2019-01",
            "--to",
            "2019-06",
            "--out",
            dir.path().join("o").to_str().unwrap(),
            file.to_str().unwrap(),
        ],
        2,
    );
    let e = stderr(&run);
    assert!(
        e.contains("1 stop-and-search file found in")
            && e.contains("but none in the months asked for (2019-01 to 2019-06): the files cover 2025-06 to 2025-06"),
        "{e}"
    );
}

/// A settings file with a syntax error still writes the summary it names.
#[test]
fn a_broken_settings_file_still_writes_its_summary() {
    let dir = tempdir();
    let settings = dir.path().join("stopsearch.toml");
    std::fs::write(&settings, "summary_json = \"summary.json\"\nmonths = = 3\n").unwrap();
    run_ok(dir.path(), &["--config", settings.to_str().unwrap()], 2);
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["status"], "error");
    assert!(
        s["error"].as_str().unwrap().contains("stopsearch.toml"),
        "{s}"
    );
}

/// A revised month leaves its old cache bundle behind: the next successful run removes it, and
/// the manifest gives the cache's size.
#[test]
fn stale_cache_bundles_are_removed_after_a_publish() {
    let dir = tempdir();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let src = fixtures().join("2025-06-south-yorkshire-stop-and-search.csv");
    let file = data.join("2025-06-south-yorkshire-stop-and-search.csv");
    std::fs::copy(&src, &file).unwrap();
    let (out, cache) = (dir.path().join("out"), dir.path().join("cache"));
    let run = || {
        run_ok(
            dir.path(),
            &[
                "--quiet",
                "--no-charts",
                "--cache",
                cache.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                data.to_str().unwrap(),
            ],
            0,
        )
    };
    let bundles = || -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(cache.join("v2"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".parquet"))
            .collect();
        v.sort();
        v
    };
    // A cache of an older layout is unusable: removed too.
    std::fs::create_dir_all(cache.join("v1")).unwrap();
    std::fs::write(cache.join("v1/old.parquet"), b"old").unwrap();
    run();
    let first = bundles();
    assert_eq!(first.len(), 1);
    assert!(!cache.join("v1").exists());
    let mut text = std::fs::read_to_string(&src).unwrap();
    let last = text.lines().last().unwrap().to_owned();
    text.push_str(&last);
    text.push('\n');
    std::fs::write(&file, text).unwrap();
    run();
    let second = bundles();
    assert_eq!(second.len(), 1, "{second:?}");
    assert_ne!(
        first, second,
        "the revised month's bundle replaced the old one"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["cache"]["bundles"], 1);
    assert_eq!(manifest["cache"]["removed"], 1);
    let size = std::fs::metadata(cache.join("v2").join(&second[0]))
        .unwrap()
        .len();
    assert_eq!(manifest["cache"]["bytes"], size);
}
