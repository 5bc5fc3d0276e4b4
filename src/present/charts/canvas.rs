//! A thin drawing layer over plotters: pixel-space primitives, text with anchors, scales and
//! the frame every chart shares (title, subtitle, footnotes, source). Charts draw through it
//! the same way to PNG and to SVG.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::font::FAMILY;

pub type Res = Result<(), String>;

pub fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Anchor {
    Left,
    Centre,
    Right,
}

pub struct Canvas<'a, DB: DrawingBackend> {
    pub area: &'a DrawingArea<DB, Shift>,
    pub width: i32,
    pub height: i32,
}

pub const INK: RGBColor = RGBColor(33, 33, 33);
pub const MUTED: RGBColor = RGBColor(90, 90, 90);
pub const RULE: RGBColor = RGBColor(200, 200, 200);
pub const FAINT: RGBColor = RGBColor(238, 238, 238);

impl<'a, DB: DrawingBackend> Canvas<'a, DB> {
    pub fn new(area: &'a DrawingArea<DB, Shift>) -> Self {
        let (w, h) = area.dim_in_pixel();
        Canvas {
            area,
            width: w as i32,
            height: h as i32,
        }
    }

    fn style(size: f64, bold: bool) -> FontDesc<'static> {
        let style = if bold {
            FontStyle::Bold
        } else {
            FontStyle::Normal
        };
        FontDesc::new(FontFamily::Name(FAMILY), size, style)
    }

    pub fn text(
        &self,
        s: &str,
        (x, y): (i32, i32),
        size: f64,
        bold: bool,
        color: &RGBColor,
        anchor: Anchor,
    ) -> Res {
        let h = match anchor {
            Anchor::Left => HPos::Left,
            Anchor::Centre => HPos::Center,
            Anchor::Right => HPos::Right,
        };
        let style = Self::style(size, bold)
            .color(color)
            .pos(Pos::new(h, VPos::Center));
        self.area.draw_text(s, &style, (x, y)).map_err(err)
    }

    pub fn text_width(&self, s: &str, size: f64, bold: bool) -> i32 {
        self.area
            .estimate_text_size(s, &TextStyle::from(Self::style(size, bold)))
            .map(|(w, _)| w as i32)
            .unwrap_or((s.len() as f64 * size * 0.55) as i32)
    }

    /// Word-wraps `s` to lines no wider than `width` pixels.
    pub fn wrap(&self, s: &str, size: f64, width: i32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in s.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if !line.is_empty() && self.text_width(&candidate, size, false) > width {
                lines.push(std::mem::replace(&mut line, word.to_owned()));
            } else {
                line = candidate;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }

    pub fn line(&self, points: &[(i32, i32)], color: &RGBColor, width: u32) -> Res {
        self.area
            .draw(&PathElement::new(
                points.to_vec(),
                color.stroke_width(width),
            ))
            .map_err(err)
    }

    pub fn rect(&self, (x0, y0): (i32, i32), (x1, y1): (i32, i32), color: &RGBColor) -> Res {
        self.area
            .draw(&Rectangle::new([(x0, y0), (x1, y1)], color.filled()))
            .map_err(err)
    }

    pub fn outline(&self, (x0, y0): (i32, i32), (x1, y1): (i32, i32), color: &RGBColor) -> Res {
        self.area
            .draw(&Rectangle::new([(x0, y0), (x1, y1)], color.stroke_width(1)))
            .map_err(err)
    }

    pub fn dot(&self, (x, y): (i32, i32), r: i32, color: &RGBColor, filled: bool) -> Res {
        let style = if filled {
            color.filled()
        } else {
            color.stroke_width(2)
        };
        self.area
            .draw(&Circle::new((x, y), r, style))
            .map_err(err)?;
        if !filled {
            // A white centre, so a hollow marker reads as hollow on any background.
            self.area
                .draw(&Circle::new((x, y), (r - 2).max(1), WHITE.filled()))
                .map_err(err)?;
        }
        Ok(())
    }

    pub fn polygon(&self, points: &[(i32, i32)], color: &RGBAColor) -> Res {
        self.area
            .draw(&Polygon::new(points.to_vec(), color.filled()))
            .map_err(err)
    }
}

/// The text around a chart.
#[derive(Debug, Clone, Default)]
pub struct Frame {
    pub title: String,
    pub subtitle: String,
    pub footnotes: Vec<String>,
    pub source: String,
}

pub const MARGIN: i32 = 36;
pub const TITLE_SIZE: f64 = 30.0;
// Even sizes only: plotters places each glyph at half the font size from the baseline and
// truncates, so an odd size makes letters jump by a pixel.
pub const SUBTITLE_SIZE: f64 = 20.0;
pub const LABEL_SIZE: f64 = 18.0;
pub const SMALL_SIZE: f64 = 16.0;

/// Draws the title band and the footer; returns the box left for the plot: (top, bottom).
pub fn draw_frame<DB: DrawingBackend>(c: &Canvas<DB>, f: &Frame) -> Result<(i32, i32), String> {
    c.area.fill(&WHITE).map_err(err)?;
    let width = c.width - 2 * MARGIN;
    let mut y = MARGIN + 6;
    for line in c.wrap(&f.title, TITLE_SIZE, width) {
        c.text(&line, (MARGIN, y), TITLE_SIZE, true, &INK, Anchor::Left)?;
        y += 38;
    }
    y += 2;
    for line in c.wrap(&f.subtitle, SUBTITLE_SIZE, width) {
        c.text(
            &line,
            (MARGIN, y),
            SUBTITLE_SIZE,
            false,
            &MUTED,
            Anchor::Left,
        )?;
        y += 25;
    }
    let top = y + 8;
    let mut notes: Vec<String> = Vec::new();
    for note in &f.footnotes {
        notes.extend(c.wrap(note, SMALL_SIZE, width));
    }
    let source = c.wrap(&f.source, SMALL_SIZE, width);
    let mut yb = c.height - MARGIN + 6;
    for line in source.iter().rev() {
        c.text(line, (MARGIN, yb), SMALL_SIZE, false, &MUTED, Anchor::Left)?;
        yb -= 20;
    }
    yb -= 4;
    for line in notes.iter().rev() {
        c.text(line, (MARGIN, yb), SMALL_SIZE, false, &INK, Anchor::Left)?;
        yb -= 20;
    }
    Ok((top, yb - 6))
}

/// A linear or logarithmic map from data to pixels.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub lo: f64,
    pub hi: f64,
    pub p0: i32,
    pub p1: i32,
    pub log: bool,
}

impl Scale {
    pub fn map(&self, v: f64) -> i32 {
        let (a, b, v) = if self.log {
            (self.lo.ln(), self.hi.ln(), v.max(self.lo * 1e-3).ln())
        } else {
            (self.lo, self.hi, v)
        };
        let t = if b > a { (v - a) / (b - a) } else { 0.5 };
        (f64::from(self.p0) + t * f64::from(self.p1 - self.p0)).round() as i32
    }

    pub fn clamp_map(&self, v: f64) -> i32 {
        self.map(v.clamp(self.lo, self.hi))
    }

    /// Tick values: 1-2-5 steps on a linear scale, 1-2-5 decades on a log scale.
    pub fn ticks(&self, max: usize) -> Vec<f64> {
        if self.log {
            let ticks_with = |multipliers: &[f64]| {
                let mut ticks = Vec::new();
                let mut decade = 10f64.powi(self.lo.log10().floor() as i32);
                while decade <= self.hi * 1.0001 {
                    for m in multipliers {
                        let t = decade * m;
                        if t >= self.lo * 0.9999 && t <= self.hi * 1.0001 {
                            ticks.push(t);
                        }
                    }
                    decade *= 10.0;
                }
                ticks
            };
            let mut ticks = ticks_with(&[1.0, 2.0, 5.0]);
            if ticks.len() < 4 {
                // A narrow range: finer steps so the axis can be read.
                ticks = ticks_with(&[1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 7.0]);
            }
            if ticks.len() > max {
                ticks.retain(|t| (t.log10() - t.log10().round()).abs() < 1e-9);
            }
            return ticks;
        }
        let span = (self.hi - self.lo).max(f64::MIN_POSITIVE);
        let raw = span / max.max(1) as f64;
        let mag = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * mag)
            .find(|s| span / s <= max as f64)
            .unwrap_or(10.0 * mag);
        let mut t = (self.lo / step).ceil() * step;
        let mut ticks = Vec::new();
        while t <= self.hi + step * 1e-9 {
            ticks.push(if t.abs() < step * 1e-9 { 0.0 } else { t });
            t += step;
        }
        ticks
    }
}

/// A number as a reader would write it: 0.25, 1.5, 12, 1,234.
pub fn human(v: f64) -> String {
    if v == 0.0 {
        return "0".to_owned();
    }
    let a = v.abs();
    if a >= 1000.0 {
        return thousands(v.round() as i64);
    }
    let decimals = if a >= 10.0 {
        0
    } else if a >= 1.0 {
        1
    } else if a >= 0.1 {
        2
    } else {
        3
    };
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

pub fn thousands(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(human(3.8123), "3.8");
        assert_eq!(human(12.6), "13");
        assert_eq!(human(0.2549), "0.25");
        assert_eq!(human(1.0), "1");
        assert_eq!(human(41_023.0), "41,023");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn ticks() {
        let s = Scale {
            lo: 0.0,
            hi: 27.0,
            p0: 0,
            p1: 100,
            log: false,
        };
        assert_eq!(s.ticks(6), [0.0, 5.0, 10.0, 15.0, 20.0, 25.0]);
        let l = Scale {
            lo: 0.3,
            hi: 12.0,
            p0: 0,
            p1: 100,
            log: true,
        };
        assert_eq!(l.ticks(10), [0.5, 1.0, 2.0, 5.0, 10.0]);
        assert_eq!(l.map(0.3), 0);
        assert_eq!(l.map(12.0), 100);
    }
}
