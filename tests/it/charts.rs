//! The charts: what each is drawn from (the plan, checked against the tables), every PNG has
//! the documented size and shows drawn text and marks, every SVG is whole; drawing is
//! deterministic.

use std::path::{Path, PathBuf};

use crate::common::*;

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for area in std::fs::read_dir(dir).unwrap() {
        for f in std::fs::read_dir(area.unwrap().path()).unwrap() {
            let p = f.unwrap().path();
            if p.extension().is_some_and(|e| e == ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Share of pixels in a box that are not white.
fn ink(img: &image::RgbImage, x0: u32, y0: u32, x1: u32, y1: u32) -> f64 {
    let mut inked = 0;
    let mut all = 0;
    for y in y0..y1.min(img.height()) {
        for x in x0..x1.min(img.width()) {
            all += 1;
            let p = img.get_pixel(x, y);
            if p.0.iter().any(|c| *c < 235) {
                inked += 1;
            }
        }
    }
    inked as f64 / all.max(1) as f64
}

#[test]
fn every_png_is_drawn() {
    let pngs = files(&fixture_run().join("charts"), "png");
    // Nine per force with a year of data, plus the national league and coverage grid.
    assert!(pngs.len() >= 60, "{}", pngs.len());
    for path in &pngs {
        let img = image::open(path).unwrap().to_rgb8();
        assert_eq!(img.width(), 1200, "{}", path.display());
        assert!(img.height() >= 675, "{}", path.display());
        // The title band holds text.
        let title = ink(&img, 30, 20, 900, 60);
        assert!(title > 0.02, "{}: no title drawn ({title})", path.display());
        // The plot holds coloured marks (bars, lines, dots, cells), not just grid lines.
        let h = img.height();
        let coloured = img
            .enumerate_pixels()
            .filter(|(_, y, _)| *y > 120 && *y < h - 60)
            .filter(|(_, _, p)| {
                let (hi, lo) = (p.0.iter().max().unwrap(), p.0.iter().min().unwrap());
                hi - lo > 40
            })
            .count();
        assert!(
            coloured > 100,
            "{}: no marks drawn ({coloured})",
            path.display()
        );
        // The source line is drawn at the bottom.
        let footer = ink(&img, 30, h - 50, 700, h - 20);
        assert!(footer > 0.005, "{}: no source line", path.display());
    }
}

#[test]
fn charts_use_the_group_colours() {
    // Black people's bar in the Met's rates chart is drawn in its colour (Okabe–Ito blue).
    let img = image::open(fixture_run().join("charts/metropolitan/rates.png"))
        .unwrap()
        .to_rgb8();
    let blue = img.pixels().filter(|p| p.0 == [0, 114, 178]).count();
    assert!(blue > 2_000, "{blue}");
}

/// The fixture run's tables, read back from its Parquet files, through the figures into the
/// chart plan: what each chart is drawn from.
fn planned() -> Vec<stopsearch::present::charts::Chart> {
    let out = fixture_run();
    let figures = figures_of(&out, false);
    stopsearch::present::charts::plan(&figures, None)
}

fn chart<'a>(
    charts: &'a [stopsearch::present::charts::Chart],
    area: &str,
    id: &str,
) -> &'a stopsearch::present::charts::Chart {
    charts
        .iter()
        .find(|c| c.area == area && c.id == id)
        .unwrap_or_else(|| panic!("no chart {area}/{id}"))
}

/// The Met's disparity chart plots the disparity table's ratios for its headline year, one
/// row per group with a Census count, hollow where the numbers are small.
#[test]
fn the_disparity_chart_plots_the_table() {
    use stopsearch::present::charts::draw::Body;
    let charts = planned();
    let c = chart(&charts, "metropolitan", "disparity");
    let Body::Forest { rows, .. } = &c.body else {
        panic!("not a forest plot")
    };
    let d = table(&fixture_run(), "disparity");
    let expected = select(
        &d,
        &[
            ("area", "metropolitan"),
            ("period", "2024/25"),
            ("search_group", "all"),
            ("power", "all"),
        ],
    );
    let labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, ["Asian", "Black", "Mixed", "Other"], "{labels:?}");
    for r in rows {
        let row = select(&expected, &[("ethnicity", r.label.as_str())]);
        assert_eq!(r.estimate, num(&row, "rate_ratio"), "{}", r.label);
        assert_eq!(r.low, num(&row, "ratio_ci_low"), "{}", r.label);
        assert_eq!(r.high, num(&row, "ratio_ci_high"), "{}", r.label);
        assert_eq!(r.flagged, flag(&row, "small_numbers"), "{}", r.label);
        let searches = num(&row, "searches").unwrap() as i64;
        assert!(
            r.note
                .starts_with(&stopsearch::present::charts::canvas::thousands(searches)),
            "{}: {}",
            r.label,
            r.note
        );
    }
    assert!(
        c.frame.title.contains("compared with White people"),
        "{}",
        c.frame.title
    );
    let sub = &c.frame.subtitle;
    assert!(
        sub.contains("Metropolitan") && sub.contains("2024/25"),
        "{sub}"
    );
}

/// The league ranks the forces by their Black/White ratio, highest first, and names them.
#[test]
fn the_league_ranks_forces_by_ratio() {
    use stopsearch::present::charts::draw::Body;
    let charts = planned();
    let c = chart(&charts, "england-and-wales", "league");
    let Body::Forest { rows, .. } = &c.body else {
        panic!("not a forest plot")
    };
    assert!(rows.len() >= 3, "{}", rows.len());
    let estimates: Vec<f64> = rows.iter().filter_map(|r| r.estimate).collect();
    assert!(estimates.windows(2).all(|w| w[0] >= w[1]), "{estimates:?}");
    for r in rows {
        assert!(
            stopsearch::reference::forces::FORCES
                .iter()
                .any(|f| f.name == r.label),
            "{} is not a force name",
            r.label
        );
    }
}

/// The Met's rates chart shows each group's rate per 1,000 from the rates table.
#[test]
fn the_rates_chart_plots_the_table() {
    use stopsearch::present::charts::draw::Body;
    let charts = planned();
    let c = chart(&charts, "metropolitan", "rates");
    let Body::Bars { rows, percent, .. } = &c.body else {
        panic!("not a bar chart")
    };
    assert!(!percent);
    let rates = table(&fixture_run(), "rates");
    for r in rows {
        let group = ["Asian", "Black", "Mixed", "White", "Other"]
            .into_iter()
            .find(|g| r.label.starts_with(g));
        let Some(group) = group else { continue };
        let row = select(
            &rates,
            &[
                ("area", "metropolitan"),
                ("period", "2024/25"),
                ("search_group", "all"),
                ("power", "all"),
                ("ethnicity", group),
            ],
        );
        assert_eq!(r.value, num(&row, "rate_per_1000"), "{}", r.label);
    }
    assert!(rows.len() >= 5, "{}", rows.len());
}

/// Every SVG is a whole document of the documented width, with the embedded font.
#[test]
fn every_svg_is_a_whole_document() {
    let svgs = files(&fixture_run().join("charts"), "svg");
    assert!(svgs.len() >= 60, "{}", svgs.len());
    for path in &svgs {
        let svg = std::fs::read_to_string(path).unwrap();
        assert!(
            svg.contains("<svg") && svg.trim_end().ends_with("</svg>"),
            "{}",
            path.display()
        );
        assert!(svg.contains("width=\"1200\""), "{}", path.display());
        assert!(svg.contains("Noto Sans"), "{}", path.display());
    }
}

#[test]
fn charts_are_identical_whatever_the_thread_count() {
    let dir = tempdir();
    let one = dir.path().join("one");
    run_ok(
        &root(),
        &["--out", one.to_str().unwrap(), "-q", "--threads", "1"],
        0,
    );
    let theirs = files(&fixture_run().join("charts"), "png");
    let mine = files(&one.join("charts"), "png");
    assert_eq!(theirs.len(), mine.len());
    for (a, b) in theirs.iter().zip(&mine) {
        assert!(
            std::fs::read(a).unwrap() == std::fs::read(b).unwrap(),
            "{}",
            a.display()
        );
    }
}

#[test]
fn no_charts_writes_tables_only() {
    let dir = tempdir();
    let out = dir.path().join("out");
    run_ok(
        &root(),
        &["--out", out.to_str().unwrap(), "-q", "--no-charts"],
        0,
    );
    assert!(out.join("tables/rates.parquet").exists());
    assert!(!out.join("charts").exists() && !out.join("index.html").exists());
}

/// The Met's diversion chart plots, for each group, the share of its drug-search disposals
/// that were out of court, from the diversion table (drug searches, all ages, headline year),
/// hollow where fewer than 20 disposals are behind it.
#[test]
fn the_diversion_chart_plots_the_drug_disposals() {
    use stopsearch::present::charts::draw::Body;
    let charts = planned();
    let c = chart(&charts, "metropolitan", "diversion");
    let Body::Bars { rows, percent, .. } = &c.body else {
        panic!("not a bar chart")
    };
    assert!(percent);
    let d = table(&fixture_run(), "diversion");
    let labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(
        labels,
        ["Asian", "Black", "Mixed", "White", "Other", "Everyone"],
        "{labels:?}"
    );
    for r in rows {
        let group = if r.label == "Everyone" {
            "All"
        } else {
            &r.label
        };
        let row = select(
            &d,
            &[
                ("area", "metropolitan"),
                ("period_type", "financial_year"),
                ("period", "2024/25"),
                ("search_group", "drugs"),
                ("age_range", "all"),
                ("ethnicity", group),
            ],
        );
        assert_eq!(r.value, num(&row, "share"), "{}", r.label);
        assert_eq!(r.low, num(&row, "share_ci_low"), "{}", r.label);
        assert_eq!(r.high, num(&row, "share_ci_high"), "{}", r.label);
        assert_eq!(r.flagged, num(&row, "total").unwrap() < 20.0, "{}", r.label);
    }
    assert!(
        c.frame
            .footnotes
            .iter()
            .any(|n| n.contains("fewer than 20")),
        "{:?}",
        c.frame.footnotes
    );
}

/// Without a population by age there is no young men's chart, and the disparity chart says
/// plainly that there is no standardised ratio, rather than leaving it out unremarked.
#[test]
fn without_a_population_by_age_no_age_chart_is_drawn_and_the_disparity_chart_says_so() {
    use stopsearch::present::charts::draw::Body;
    let charts = planned();
    assert!(!charts.iter().any(|c| c.id == "young-men"));
    let c = chart(&charts, "metropolitan", "disparity");
    assert!(
        c.frame
            .footnotes
            .iter()
            .any(|n| n.contains("No population by age and sex was given")
                && n.contains("--population-age")),
        "{:?}",
        c.frame.footnotes
    );
    let Body::Forest { rows, .. } = &c.body else {
        panic!("not a forest plot")
    };
    assert!(!rows.iter().any(|r| r.label.contains("standardised")));
}
