//! The kinds of chart, each drawn in pixel space through [`Canvas`].

use plotters::prelude::*;

use super::canvas::{
    Anchor, Canvas, INK, LABEL_SIZE, MARGIN, MUTED, RULE, Res, SMALL_SIZE, Scale, human,
};
use crate::reference::month::Month;

/// One row of a forest plot.
#[derive(Debug, Clone)]
pub struct ForestRow {
    pub label: String,
    pub estimate: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Shown right of the plot (e.g. `2,660 v 3,839`).
    pub note: String,
    /// Drawn hollow: small numbers, an unfit denominator, or too much ethnicity unrecorded.
    pub flagged: bool,
    /// After the label: `†` (small numbers, unfit denominator), `*` (ethnicity), both or none.
    pub mark: String,
    /// A line across the plot with `label` above it, separating the rows below; no marker.
    pub divider: bool,
    pub colour: RGBColor,
}

impl ForestRow {
    /// A divider with its caption.
    pub fn divider(caption: &str) -> ForestRow {
        ForestRow {
            label: caption.to_owned(),
            estimate: None,
            low: None,
            high: None,
            note: String::new(),
            flagged: false,
            mark: String::new(),
            divider: true,
            colour: MUTED,
        }
    }
}

/// One row of a bar chart with an interval.
#[derive(Debug, Clone)]
pub struct BarRow {
    pub label: String,
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub note: String,
    pub flagged: bool,
    pub colour: RGBColor,
}

#[derive(Debug, Clone)]
pub struct StackRow {
    pub label: String,
    pub total: u64,
    pub parts: Vec<u64>,
}

#[derive(Debug, Clone)]
pub enum Body {
    /// Ratios on a log scale with a line at 1.
    Forest { rows: Vec<ForestRow>, axis: String },
    /// Values from zero with intervals (rates, shares in per cent when `percent`).
    Bars {
        rows: Vec<BarRow>,
        axis: String,
        percent: bool,
    },
    /// Monthly lines, broken where a month has no data; uncovered months shaded.
    Lines {
        months: Vec<Month>,
        series: Vec<(String, RGBColor, Vec<Option<f64>>)>,
        covered: Vec<bool>,
        axis: String,
    },
    /// A monthly ratio with its interval band and a line at 1.
    Band {
        months: Vec<Month>,
        points: Vec<Option<(f64, f64, Option<f64>)>>,
        covered: Vec<bool>,
        axis: String,
        colour: RGBColor,
    },
    /// 100% stacked horizontal bars.
    Stacked {
        rows: Vec<StackRow>,
        categories: Vec<(String, RGBColor)>,
    },
    /// A force × month grid of categories.
    Grid {
        rows: Vec<(String, Vec<usize>)>,
        months: Vec<Month>,
        legend: Vec<(String, RGBColor)>,
    },
    /// A choropleth of areas in British National Grid.
    Map {
        regions: Vec<super::maps::Region>,
        legend: Vec<(String, super::maps::Fill)>,
    },
}

const LABEL_COLUMN: i32 = 230;
const NOTE_COLUMN: i32 = 170;

fn legend<DB: DrawingBackend>(
    c: &Canvas<DB>,
    items: &[(String, RGBColor)],
    x0: i32,
    y: i32,
) -> Result<i32, String> {
    let mut x = x0;
    let mut y = y;
    for (name, colour) in items {
        let w = c.text_width(name, SMALL_SIZE, false) + 40;
        if x + w > c.width - MARGIN {
            x = x0;
            y += 24;
        }
        c.rect((x, y - 7), (x + 16, y + 7), colour)?;
        c.text(name, (x + 22, y), SMALL_SIZE, false, &INK, Anchor::Left)?;
        x += w;
    }
    Ok(y + 24)
}

fn x_axis<DB: DrawingBackend>(
    c: &Canvas<DB>,
    s: &Scale,
    top: i32,
    bottom: i32,
    label: &str,
    fmt: &dyn Fn(f64) -> String,
) -> Res {
    for t in s.ticks(8) {
        let x = s.map(t);
        c.line(&[(x, top), (x, bottom)], &RULE, 1)?;
        c.text(
            &fmt(t),
            (x, bottom + 16),
            SMALL_SIZE,
            false,
            &MUTED,
            Anchor::Centre,
        )?;
    }
    c.text(
        label,
        ((s.p0 + s.p1) / 2, bottom + 42),
        SMALL_SIZE,
        false,
        &INK,
        Anchor::Centre,
    )
}

pub fn draw<DB: DrawingBackend>(c: &Canvas<DB>, body: &Body, top: i32, bottom: i32) -> Res {
    match body {
        Body::Forest { rows, axis } => forest(c, rows, axis, top, bottom),
        Body::Bars {
            rows,
            axis,
            percent,
        } => bars(c, rows, axis, *percent, top, bottom),
        Body::Lines {
            months,
            series,
            covered,
            axis,
        } => lines(c, months, series, covered, axis, top, bottom),
        Body::Band {
            months,
            points,
            covered,
            axis,
            colour,
        } => band(c, months, points, covered, axis, colour, top, bottom),
        Body::Stacked { rows, categories } => stacked(c, rows, categories, top, bottom),
        Body::Grid {
            rows,
            months,
            legend: items,
        } => grid(c, rows, months, items, top, bottom),
        Body::Map { regions, legend } => super::maps::draw(c, regions, legend, (top, bottom)),
    }
}

/// Small grey text from `at`, leftwards aligned.
fn muted_note<DB: DrawingBackend>(c: &Canvas<DB>, text: &str, at: (i32, i32)) -> Res {
    c.text(text, at, SMALL_SIZE, false, &MUTED, Anchor::Left)
}

fn row_centres(n: usize, top: i32, bottom: i32) -> Vec<i32> {
    let step = f64::from(bottom - top) / n.max(1) as f64;
    (0..n)
        .map(|i| top + (step * (i as f64 + 0.5)).round() as i32)
        .collect()
}

fn forest<DB: DrawingBackend>(
    c: &Canvas<DB>,
    rows: &[ForestRow],
    axis: &str,
    top: i32,
    bottom: i32,
) -> Res {
    let plot_bottom = bottom - 60;
    let values = rows
        .iter()
        .flat_map(|r| [r.estimate, r.low, r.high])
        .flatten()
        .filter(|v| v.is_finite() && *v > 0.0);
    let (mut lo, mut hi) = values.fold((1.0f64, 1.0f64), |(a, b), v| (a.min(v), b.max(v)));
    lo = (lo / 1.2).max(0.01);
    hi = (hi * 1.2).min(1000.0);
    // Room for the longest note beside a row (up to a third of the width), so none is cut.
    let notes = rows
        .iter()
        .map(|r| c.text_width(&r.note, SMALL_SIZE, false) + 20)
        .max()
        .unwrap_or(0)
        .clamp(NOTE_COLUMN, c.width / 3);
    let s = Scale {
        lo,
        hi,
        p0: MARGIN + LABEL_COLUMN,
        p1: c.width - MARGIN - notes,
        log: true,
    };
    x_axis(c, &s, top, plot_bottom, axis, &|v| human(v))?;
    let one = s.map(1.0);
    c.line(&[(one, top), (one, plot_bottom)], &INK, 2)?;
    for (row, y) in rows.iter().zip(row_centres(rows.len(), top, plot_bottom)) {
        if row.divider {
            c.line(&[(MARGIN, y), (c.width - MARGIN, y)], &MUTED, 1)?;
            muted_note(c, &row.label, (MARGIN, y - 14))?;
            continue;
        }
        let label = if row.mark.is_empty() {
            row.label.clone()
        } else {
            format!("{} {}", row.label, row.mark)
        };
        c.text(
            &label,
            (s.p0 - 14, y),
            LABEL_SIZE,
            false,
            &INK,
            Anchor::Right,
        )?;
        c.text(
            &row.note,
            (s.p1 + 14, y),
            SMALL_SIZE,
            false,
            &MUTED,
            Anchor::Left,
        )?;
        match row.estimate {
            Some(est) if est > 0.0 => {
                let low = row.low.map_or(s.p0, |v| s.clamp_map(v));
                let high = row.high.map_or(s.p1, |v| s.clamp_map(v));
                c.line(&[(low, y), (high, y)], &row.colour, 3)?;
                for x in [low, high] {
                    c.line(&[(x, y - 7), (x, y + 7)], &row.colour, 2)?;
                }
                c.dot((s.clamp_map(est), y), 8, &row.colour, !row.flagged)?;
            }
            Some(_) => {
                // A zero ratio has no place on a log scale: show its upper limit only.
                if let Some(high) = row.high {
                    let x = s.clamp_map(high);
                    c.line(&[(s.p0, y), (x, y)], &row.colour, 3)?;
                    c.line(&[(x, y - 7), (x, y + 7)], &row.colour, 2)?;
                }
                c.text(
                    "none recorded",
                    (s.p0 + 6, y - 16),
                    SMALL_SIZE,
                    false,
                    &MUTED,
                    Anchor::Left,
                )?;
            }
            None => {
                c.text(
                    "no ratio",
                    (one + 12, y),
                    SMALL_SIZE,
                    false,
                    &MUTED,
                    Anchor::Left,
                )?;
            }
        }
    }
    Ok(())
}

fn bars<DB: DrawingBackend>(
    c: &Canvas<DB>,
    rows: &[BarRow],
    axis: &str,
    percent: bool,
    top: i32,
    bottom: i32,
) -> Res {
    let plot_bottom = bottom - 60;
    let hi = rows
        .iter()
        .flat_map(|r| [r.value, r.high])
        .flatten()
        .fold(0.0f64, f64::max)
        .max(if percent { 0.05 } else { 1.0 })
        * 1.08;
    let hi = if percent { hi.min(1.0) } else { hi };
    let s = Scale {
        lo: 0.0,
        hi,
        p0: MARGIN + LABEL_COLUMN,
        p1: c.width - MARGIN - NOTE_COLUMN,
        log: false,
    };
    let fmt = |v: f64| {
        if percent {
            format!("{}%", human(v * 100.0))
        } else {
            human(v)
        }
    };
    x_axis(c, &s, top, plot_bottom, axis, &fmt)?;
    let centres = row_centres(rows.len(), top, plot_bottom);
    let half = (f64::from(plot_bottom - top) / rows.len().max(1) as f64 * 0.28) as i32;
    for (row, y) in rows.iter().zip(centres) {
        let label = if row.flagged {
            format!("{} †", row.label)
        } else {
            row.label.clone()
        };
        c.text(
            &label,
            (s.p0 - 14, y),
            LABEL_SIZE,
            false,
            &INK,
            Anchor::Right,
        )?;
        c.text(
            &row.note,
            (s.p1 + 14, y),
            SMALL_SIZE,
            false,
            &MUTED,
            Anchor::Left,
        )?;
        let Some(v) = row.value else {
            muted_note(c, "no data", (s.p0 + 8, y))?;
            continue;
        };
        let x = s.clamp_map(v);
        if row.flagged {
            c.outline((s.p0, y - half), (x.max(s.p0 + 1), y + half), &row.colour)?;
        } else {
            c.rect((s.p0, y - half), (x.max(s.p0 + 1), y + half), &row.colour)?;
        }
        if let (Some(l), Some(h)) = (row.low, row.high) {
            let (l, h) = (s.clamp_map(l), s.clamp_map(h));
            c.line(&[(l, y), (h, y)], &INK, 2)?;
            for x in [l, h] {
                c.line(&[(x, y - 6), (x, y + 6)], &INK, 2)?;
            }
        }
    }
    Ok(())
}

/// Month axis: a tick at each January (every few years on long spans).
fn month_axis<DB: DrawingBackend>(c: &Canvas<DB>, s: &Scale, months: &[Month], bottom: i32) -> Res {
    let years = months.len() / 12 + 1;
    let every = years.div_ceil(12).max(1) as u16;
    for (i, m) in months.iter().enumerate() {
        if m.month() == 1 && m.year() % every == 0 || (i == 0 && months.len() < 12) {
            let x = s.map(i as f64);
            c.line(&[(x, bottom), (x, bottom + 6)], &MUTED, 1)?;
            let label = if months.len() < 12 {
                m.to_string()
            } else {
                m.year().to_string()
            };
            c.text(
                &label,
                (x, bottom + 18),
                SMALL_SIZE,
                false,
                &MUTED,
                Anchor::Centre,
            )?;
        }
    }
    Ok(())
}

fn shade_uncovered<DB: DrawingBackend>(
    c: &Canvas<DB>,
    s: &Scale,
    covered: &[bool],
    top: i32,
    bottom: i32,
) -> Res {
    let half = ((s.p1 - s.p0) as f64 / covered.len().max(1) as f64 / 2.0).ceil() as i32;
    let shade = RGBColor(235, 235, 235);
    for (i, cov) in covered.iter().enumerate() {
        if !cov {
            let x = s.map(i as f64);
            c.rect((x - half, top), (x + half, bottom), &shade)?;
        }
    }
    Ok(())
}

fn y_axis<DB: DrawingBackend>(
    c: &Canvas<DB>,
    s: &Scale,
    left: i32,
    right: i32,
    label: &str,
) -> Res {
    for t in s.ticks(6) {
        let y = s.map(t);
        c.line(&[(left, y), (right, y)], &RULE, 1)?;
        c.text(
            &human(t),
            (left - 8, y),
            SMALL_SIZE,
            false,
            &MUTED,
            Anchor::Right,
        )?;
    }
    c.text(
        label,
        (left, s.p1 - 18),
        SMALL_SIZE,
        false,
        &INK,
        Anchor::Left,
    )
}

#[allow(clippy::too_many_arguments)]
fn lines<DB: DrawingBackend>(
    c: &Canvas<DB>,
    months: &[Month],
    series: &[(String, RGBColor, Vec<Option<f64>>)],
    covered: &[bool],
    axis: &str,
    top: i32,
    bottom: i32,
) -> Res {
    let items: Vec<(String, RGBColor)> = series.iter().map(|(n, c, _)| (n.clone(), *c)).collect();
    let plot_top = legend(c, &items, MARGIN + 70, top + 8)? + 24;
    let plot_bottom = bottom - 36;
    let hi = series
        .iter()
        .flat_map(|(_, _, v)| v.iter().flatten())
        .fold(0.0f64, |a, b| a.max(*b))
        .max(1.0)
        * 1.1;
    let x = Scale {
        lo: 0.0,
        hi: (months.len().max(2) - 1) as f64,
        p0: MARGIN + 70,
        p1: c.width - MARGIN - 10,
        log: false,
    };
    let y = Scale {
        lo: 0.0,
        hi,
        p0: plot_bottom,
        p1: plot_top,
        log: false,
    };
    shade_uncovered(c, &x, covered, plot_top, plot_bottom)?;
    y_axis(c, &y, x.p0, x.p1, axis)?;
    month_axis(c, &x, months, plot_bottom)?;
    for (_, colour, values) in series {
        for segment in segments(values) {
            let points: Vec<(i32, i32)> = segment
                .iter()
                .map(|(i, v)| (x.map(*i as f64), y.map(*v)))
                .collect();
            if points.len() == 1 {
                c.dot(points[0], 4, colour, true)?;
            } else {
                c.line(&points, colour, 3)?;
            }
        }
    }
    Ok(())
}

/// The colour three quarters of the way to white (an opaque interval band).
fn lighten(c: &RGBColor) -> RGBColor {
    let mix = |v: u8| (u16::from(v) / 4 + 191) as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// Runs of consecutive months with a value: a gap breaks the line.
fn segments(values: &[Option<f64>]) -> Vec<Vec<(usize, f64)>> {
    let mut out: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut current = Vec::new();
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => current.push((i, *v)),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn band<DB: DrawingBackend>(
    c: &Canvas<DB>,
    months: &[Month],
    points: &[Option<(f64, f64, Option<f64>)>],
    covered: &[bool],
    axis: &str,
    colour: &RGBColor,
    top: i32,
    bottom: i32,
) -> Res {
    let plot_top = top + 30;
    let plot_bottom = bottom - 36;
    let hi = points
        .iter()
        .flatten()
        .map(|(r, _, h)| h.unwrap_or(*r).min(r * 4.0).max(*r))
        .fold(1.0f64, f64::max)
        * 1.1;
    let x = Scale {
        lo: 0.0,
        hi: (months.len().max(2) - 1) as f64,
        p0: MARGIN + 70,
        p1: c.width - MARGIN - 10,
        log: false,
    };
    let y = Scale {
        lo: 0.0,
        hi,
        p0: plot_bottom,
        p1: plot_top,
        log: false,
    };
    shade_uncovered(c, &x, covered, plot_top, plot_bottom)?;
    y_axis(c, &y, x.p0, x.p1, axis)?;
    month_axis(c, &x, months, plot_bottom)?;
    let one = y.map(1.0);
    c.line(&[(x.p0, one), (x.p1, one)], &INK, 2)?;
    let ratios: Vec<Option<f64>> = points.iter().map(|p| p.map(|p| p.0)).collect();
    let fill = RGBAColor(colour.0, colour.1, colour.2, 0.25);
    let half = ((x.p1 - x.p0) as f64 / months.len().max(1) as f64 / 2.5).max(2.0) as i32;
    for segment in segments(&ratios) {
        let upper: Vec<(i32, i32)> = segment
            .iter()
            .map(|(i, _)| {
                let (_, _, h) = points[*i].expect("in a segment");
                (x.map(*i as f64), y.clamp_map(h.unwrap_or(y.hi)))
            })
            .collect();
        let lower: Vec<(i32, i32)> = segment
            .iter()
            .rev()
            .map(|(i, _)| {
                let (_, l, _) = points[*i].expect("in a segment");
                (x.map(*i as f64), y.clamp_map(l))
            })
            .collect();
        if segment.len() == 1 {
            let (px, _) = upper[0];
            c.rect(
                (px - half, upper[0].1),
                (px + half, lower[0].1),
                &lighten(colour),
            )?;
            c.dot((px, y.clamp_map(segment[0].1)), 5, colour, true)?;
        } else {
            let polygon: Vec<(i32, i32)> = upper.into_iter().chain(lower).collect();
            c.polygon(&polygon, &fill)?;
            let line: Vec<(i32, i32)> = segment
                .iter()
                .map(|(i, v)| (x.map(*i as f64), y.clamp_map(*v)))
                .collect();
            c.line(&line, colour, 3)?;
        }
    }
    Ok(())
}

fn stacked<DB: DrawingBackend>(
    c: &Canvas<DB>,
    rows: &[StackRow],
    categories: &[(String, RGBColor)],
    top: i32,
    bottom: i32,
) -> Res {
    let plot_top = legend(c, categories, MARGIN + LABEL_COLUMN, top + 8)? + 8;
    let plot_bottom = bottom - 40;
    let s = Scale {
        lo: 0.0,
        hi: 1.0,
        p0: MARGIN + LABEL_COLUMN,
        p1: c.width - MARGIN - NOTE_COLUMN,
        log: false,
    };
    x_axis(
        c,
        &s,
        plot_top,
        plot_bottom,
        "Share of the group's searches",
        &|v| format!("{}%", human(v * 100.0)),
    )?;
    let centres = row_centres(rows.len(), plot_top, plot_bottom);
    let half = (f64::from(plot_bottom - plot_top) / rows.len().max(1) as f64 * 0.3) as i32;
    for (row, y) in rows.iter().zip(centres) {
        c.text(
            &row.label,
            (s.p0 - 14, y),
            LABEL_SIZE,
            false,
            &INK,
            Anchor::Right,
        )?;
        let note = format!("{} searches", super::canvas::thousands(row.total as i64));
        c.text(
            &note,
            (s.p1 + 14, y),
            SMALL_SIZE,
            false,
            &MUTED,
            Anchor::Left,
        )?;
        if row.total == 0 {
            continue;
        }
        let mut acc = 0u64;
        for (part, (_, colour)) in row.parts.iter().zip(categories) {
            if *part == 0 {
                continue;
            }
            let x0 = s.map(acc as f64 / row.total as f64);
            acc += part;
            let x1 = s.map(acc as f64 / row.total as f64);
            c.rect((x0, y - half), (x1.max(x0 + 1), y + half), colour)?;
            let share = *part as f64 / row.total as f64;
            if x1 - x0 > 44 {
                let text = format!("{}%", human(share * 100.0));
                let ink = if colour.0 as u32 + colour.1 as u32 + colour.2 as u32 > 400 {
                    INK
                } else {
                    WHITE
                };
                c.text(
                    &text,
                    ((x0 + x1) / 2, y),
                    SMALL_SIZE,
                    false,
                    &ink,
                    Anchor::Centre,
                )?;
            }
        }
    }
    Ok(())
}

fn grid<DB: DrawingBackend>(
    c: &Canvas<DB>,
    rows: &[(String, Vec<usize>)],
    months: &[Month],
    items: &[(String, RGBColor)],
    top: i32,
    bottom: i32,
) -> Res {
    let plot_top = legend(c, items, MARGIN + 190, top + 8)? + 4;
    let plot_bottom = bottom - 30;
    let left = MARGIN + 190;
    let right = c.width - MARGIN;
    let n = months.len().max(1);
    let cell_w = f64::from(right - left) / n as f64;
    let cell_h = f64::from(plot_bottom - plot_top) / rows.len().max(1) as f64;
    for (r, (label, cells)) in rows.iter().enumerate() {
        let y0 = plot_top + (cell_h * r as f64).round() as i32;
        let y1 = plot_top + (cell_h * (r + 1) as f64).round() as i32;
        c.text(
            label,
            (left - 10, (y0 + y1) / 2),
            SMALL_SIZE - 2.0,
            false,
            &INK,
            Anchor::Right,
        )?;
        for (m, cat) in cells.iter().enumerate() {
            let x0 = left + (cell_w * m as f64).round() as i32;
            let x1 = left + (cell_w * (m + 1) as f64).round() as i32;
            c.rect(
                (x0, y0),
                ((x1 - 1).max(x0 + 1), (y1 - 1).max(y0 + 1)),
                &items[*cat].1,
            )?;
        }
    }
    let x = Scale {
        lo: 0.0,
        hi: (n.max(2) - 1) as f64,
        p0: left + (cell_w / 2.0) as i32,
        p1: right - (cell_w / 2.0) as i32,
        log: false,
    };
    month_axis(c, &x, months, plot_bottom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_break_lines() {
        let v = [Some(1.0), Some(2.0), None, Some(3.0), None, None];
        let s = segments(&v);
        assert_eq!(s, vec![vec![(0, 1.0), (1, 2.0)], vec![(3, 3.0)]]);
    }
}
