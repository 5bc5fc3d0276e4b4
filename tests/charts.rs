//! The charts: every PNG has the documented size and shows drawn text and marks; the SVGs are
//! snapshotted; drawing is deterministic.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn output() -> PathBuf {
    static OUT: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let dir = OUT.get_or_init(|| {
        let dir = tempdir();
        let out = dir.path().join("out");
        run_ok(&root(), &["--out", out.to_str().unwrap(), "-q"], 0);
        dir
    });
    dir.path().join("out")
}

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
    let pngs = files(&output().join("charts"), "png");
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
    let img = image::open(output().join("charts/metropolitan/rates.png"))
        .unwrap()
        .to_rgb8();
    let blue = img.pixels().filter(|p| p.0 == [0, 114, 178]).count();
    assert!(blue > 2_000, "{blue}");
}

#[test]
fn svg_snapshots() {
    let out = output();
    // Full text for one force's charts and the national league; a hash for every SVG.
    for name in [
        "disparity",
        "rates",
        "trend-searches",
        "trend-ratio",
        "search-groups",
        "outcomes",
        "find-any-outcome",
        "out-of-court",
    ] {
        let svg =
            std::fs::read_to_string(out.join(format!("charts/metropolitan/{name}.svg"))).unwrap();
        assert!(svg.contains("<svg") && svg.contains("Noto Sans"));
        insta::assert_snapshot!(format!("metropolitan-{name}"), svg);
    }
    let league = std::fs::read_to_string(out.join("charts/england-and-wales/league.svg")).unwrap();
    insta::assert_snapshot!("league", league);
    let hashes: Vec<String> = files(&out.join("charts"), "svg")
        .iter()
        .map(|p| {
            let rel = p.strip_prefix(&out).unwrap().display().to_string();
            let bytes = std::fs::read(p).unwrap();
            format!("{rel} {}", stopsearch::ingest::read::sha256_hex(&bytes))
        })
        .collect();
    insta::assert_snapshot!("all-svg-hashes", hashes.join("\n"));
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
    let theirs = files(&output().join("charts"), "png");
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
