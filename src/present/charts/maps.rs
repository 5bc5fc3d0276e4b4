//! Choropleth maps in British National Grid (metres, so shapes keep their proportions): the
//! comparison/reference rate ratio of each police force area or district, on a diverging log
//! scale centred on 1. Small numbers and unfit denominators are hatched; areas without figures
//! are grey and say so.

use std::collections::BTreeMap;

use geo::{
    Area, BooleanOps, BoundingRect, Coord, InteriorPoint, LineString, MultiLineString, MultiPolygon,
};
use plotters::prelude::*;

use crate::geography::{Geography, project};
use crate::present::figures::{Figures, Ratio};

/// Class breaks of the rate ratio: symmetric on a log scale around 1.
pub const BREAKS: [f64; 8] = [0.2, 1.0 / 3.0, 0.5, 0.8, 1.25, 2.0, 3.0, 5.0];

/// One colour per class, lowest first (ColorBrewer PuOr, colour-blind safe): purple below 1,
/// near white for about the same rate, orange to brown above.
pub const CLASS_COLOURS: [RGBColor; 9] = [
    RGBColor(84, 39, 136),
    RGBColor(128, 115, 172),
    RGBColor(178, 171, 210),
    RGBColor(216, 218, 235),
    RGBColor(247, 247, 247),
    RGBColor(254, 224, 182),
    RGBColor(253, 184, 99),
    RGBColor(224, 130, 20),
    RGBColor(179, 88, 6),
];

pub const NO_DATA: RGBColor = RGBColor(189, 189, 189);
const EDGE: RGBColor = RGBColor(90, 90, 90);

/// The class of a ratio: 0 (under 0.2) to 8 (5 or more).
pub fn class_of(ratio: f64) -> usize {
    BREAKS.iter().take_while(|b| ratio >= **b).count()
}

pub fn class_label(class: usize) -> String {
    const WRITTEN: [&str; 8] = ["0.2", "0.33", "0.5", "0.8", "1.25", "2", "3", "5"];
    let b = |i: usize| WRITTEN[i];
    match class {
        0 => format!("under {}", b(0)),
        8 => format!("{} or more", b(7)),
        4 => format!("{}–{} (about the same)", b(3), b(4)),
        c => format!("{}–{}", b(c - 1), b(c)),
    }
}

/// How one area is filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// The ratio's class; `hatched` for small numbers or an unfit denominator.
    Class { class: usize, hatched: bool },
    /// No figures: no data, no located searches, or no ratio (no reference searches).
    NoData,
}

impl Fill {
    pub fn of(ratio: Option<&Ratio>) -> Fill {
        match ratio.and_then(|r| r.ratio.filter(|v| v.is_finite()).map(|v| (r, v))) {
            Some((r, v)) => Fill::Class {
                class: class_of(v),
                hatched: r.small_numbers || r.unsuitable,
            },
            None => Fill::NoData,
        }
    }
}

/// One area of a map, in British National Grid metres.
#[derive(Debug, Clone)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub fill: Fill,
    pub shape: MultiPolygon<f64>,
    /// Where to write its name, if the map names its areas.
    pub label: Option<Coord<f64>>,
}

/// The drawing layer projected once: districts, and force areas made by dissolving them, so
/// the two maps share their borders exactly.
#[derive(Debug)]
pub struct Layer {
    /// (code, name, PFA code, shape), in code order.
    pub districts: Vec<(String, String, &'static str, MultiPolygon<f64>)>,
    /// By PFA code.
    pub forces: BTreeMap<&'static str, MultiPolygon<f64>>,
}

impl Layer {
    pub fn of(g: &Geography) -> Layer {
        let drawing = g.drawing();
        let districts: Vec<_> = drawing
            .lads
            .iter()
            .map(|lad| {
                let pfa = g.boundaries.index_of(&lad.code).map_or("", |i| g.pfa_of[i]);
                (
                    lad.code.clone(),
                    lad.name.clone(),
                    pfa,
                    project::shape_to_bng(&lad.shape),
                )
            })
            .collect();
        let mut by_pfa: BTreeMap<&'static str, Vec<&MultiPolygon<f64>>> = BTreeMap::new();
        for (_, _, pfa, shape) in &districts {
            by_pfa.entry(pfa).or_default().push(shape);
        }
        let forces = by_pfa
            .into_iter()
            .map(|(pfa, shapes)| {
                let polygons: Vec<geo::Polygon<f64>> =
                    shapes.iter().flat_map(|m| m.0.iter().cloned()).collect();
                (pfa, geo::unary_union(&polygons))
            })
            .collect();
        Layer { districts, forces }
    }
}

/// The force areas, each filled by its force's ratio in the league.
pub fn force_regions(f: &Figures, layer: &Layer) -> Vec<Region> {
    let by_pfa: BTreeMap<&str, &Ratio> = f
        .league
        .iter()
        .filter_map(|r| Some((crate::reference::forces::by_id(&r.area)?.pfa_code?, r)))
        .collect();
    layer
        .forces
        .iter()
        .map(|(pfa, shape)| {
            let force = crate::reference::forces::by_pfa_code(pfa);
            Region {
                code: force.map_or((*pfa).to_owned(), |f| f.id.to_owned()),
                name: force.map_or((*pfa).to_owned(), |f| f.name.to_owned()),
                fill: Fill::of(by_pfa.get(pfa).copied()),
                shape: shape.clone(),
                label: None,
            }
        })
        .collect()
}

/// The districts of the given force areas, each filled by its ratio in its force's district
/// league for `year` (a force whose headline year is another has its districts grey, so one
/// map never mixes years); `named` puts each district's name on it.
pub fn district_regions(
    f: &Figures,
    layer: &Layer,
    forces: &[&str],
    year: &str,
    named: bool,
) -> Vec<Region> {
    let same_year = |id: &&&str| {
        f.area(id)
            .and_then(|a| a.period.as_ref())
            .is_some_and(|p| p.label == year)
    };
    let ratios: BTreeMap<&str, &Ratio> = forces
        .iter()
        .filter(same_year)
        .flat_map(|id| f.district_league.get(*id).into_iter().flatten())
        .map(|r| (r.area.as_str(), r))
        .collect();
    let pfas: Vec<&str> = forces
        .iter()
        .filter_map(|id| crate::reference::forces::by_id(id)?.pfa_code)
        .collect();
    layer
        .districts
        .iter()
        .filter(|(_, _, pfa, _)| pfas.contains(pfa))
        .map(|(code, name, _, shape)| Region {
            code: code.clone(),
            name: name.clone(),
            fill: Fill::of(ratios.get(code.as_str()).copied()),
            shape: shape.clone(),
            label: named.then(|| shape.interior_point().map(|p| p.0)).flatten(),
        })
        .collect()
}

/// The legend: the classes present, then hatching and no data if any area needs them.
pub fn legend(regions: &[Region]) -> Vec<(String, Fill)> {
    let mut classes: Vec<usize> = regions
        .iter()
        .filter_map(|r| match r.fill {
            Fill::Class { class, .. } => Some(class),
            Fill::NoData => None,
        })
        .collect();
    classes.sort_unstable();
    classes.dedup();
    let mut out: Vec<(String, Fill)> = classes
        .into_iter()
        .rev()
        .map(|c| {
            (
                class_label(c),
                Fill::Class {
                    class: c,
                    hatched: false,
                },
            )
        })
        .collect();
    if regions
        .iter()
        .any(|r| matches!(r.fill, Fill::Class { hatched: true, .. }))
    {
        out.push((
            "hatched: fewer than 10 searches in a group, or residents no fit denominator"
                .to_owned(),
            Fill::Class {
                class: 4,
                hatched: true,
            },
        ));
    }
    if regions.iter().any(|r| r.fill == Fill::NoData) {
        out.push(("grey: no figures for the year".to_owned(), Fill::NoData));
    }
    out
}

/// Maps regions into a pixel box, keeping proportions.
struct Fit {
    x0: f64,
    y1: f64,
    scale: f64,
    left: f64,
    top: f64,
}

impl Fit {
    fn new(regions: &[Region], (left, top, right, bottom): (i32, i32, i32, i32)) -> Option<Fit> {
        let rects: Vec<_> = regions
            .iter()
            .filter_map(|r| r.shape.bounding_rect())
            .collect();
        let x0 = rects
            .iter()
            .map(|r| r.min().x)
            .fold(f64::INFINITY, f64::min);
        let x1 = rects
            .iter()
            .map(|r| r.max().x)
            .fold(f64::NEG_INFINITY, f64::max);
        let y0 = rects
            .iter()
            .map(|r| r.min().y)
            .fold(f64::INFINITY, f64::min);
        let y1 = rects
            .iter()
            .map(|r| r.max().y)
            .fold(f64::NEG_INFINITY, f64::max);
        if !(x1 > x0 && y1 > y0) {
            return None;
        }
        let (w, h) = (f64::from(right - left), f64::from(bottom - top));
        let scale = (w / (x1 - x0)).min(h / (y1 - y0));
        // Centred in the box.
        let left = f64::from(left) + (w - scale * (x1 - x0)) / 2.0;
        let top = f64::from(top) + (h - scale * (y1 - y0)) / 2.0;
        Some(Fit {
            x0,
            y1,
            scale,
            left,
            top,
        })
    }

    fn px(&self, c: Coord<f64>) -> (i32, i32) {
        (
            (self.left + (c.x - self.x0) * self.scale).round() as i32,
            (self.top + (self.y1 - c.y) * self.scale).round() as i32,
        )
    }
}

fn ring_px(fit: &Fit, ring: &LineString<f64>) -> Vec<(i32, i32)> {
    let mut pts: Vec<(i32, i32)> = ring.0.iter().map(|c| fit.px(*c)).collect();
    pts.dedup();
    pts
}

/// Diagonal lines across the shape, clipped to it, every `gap` metres.
fn hatching(shape: &MultiPolygon<f64>, gap: f64) -> MultiLineString<f64> {
    let Some(r) = shape.bounding_rect() else {
        return MultiLineString::new(vec![]);
    };
    let (w, h) = (r.width(), r.height());
    let n = ((w + h) / gap).ceil() as usize;
    let lines: Vec<LineString<f64>> = (0..=n)
        .map(|i| {
            let x = r.min().x - h + i as f64 * gap;
            LineString::from(vec![(x, r.min().y), (x + h, r.max().y)])
        })
        .collect();
    shape.clip(&MultiLineString::new(lines), false)
}

fn colour(fill: Fill) -> RGBColor {
    match fill {
        Fill::Class { class, .. } => CLASS_COLOURS[class],
        Fill::NoData => NO_DATA,
    }
}

/// Draws the regions in the box, largest first so enclaves stay on top, with the legend at
/// the right.
pub fn draw<DB: DrawingBackend>(
    c: &crate::present::charts::canvas::Canvas<DB>,
    regions: &[Region],
    legend_items: &[(String, Fill)],
    (top, bottom): (i32, i32),
) -> Result<(), String> {
    use crate::present::charts::canvas::Anchor;
    let legend_width = 330;
    let right = c.width - 40 - legend_width;
    let Some(fit) = Fit::new(regions, (40, top, right, bottom)) else {
        return Ok(());
    };
    let mut order: Vec<&Region> = regions.iter().collect();
    order.sort_by(|a, b| {
        b.shape
            .unsigned_area()
            .total_cmp(&a.shape.unsigned_area())
            .then(a.code.cmp(&b.code))
    });
    for r in &order {
        let fill = colour(r.fill);
        for p in &r.shape.0 {
            let pts = ring_px(&fit, p.exterior());
            if pts.len() >= 3 {
                c.polygon(&pts, &fill.to_rgba())?;
            }
        }
        if let Fill::Class {
            hatched: true,
            class,
        } = r.fill
        {
            // Hatch in a darker line of the class colour (or ink on the pale classes).
            let ink = if (3..=5).contains(&class) {
                EDGE
            } else {
                CLASS_COLOURS[if class < 4 { 0 } else { 8 }]
            };
            let gap = 5.0 / fit.scale;
            for l in hatching(&r.shape, gap) {
                let pts: Vec<(i32, i32)> = l.0.iter().map(|c| fit.px(*c)).collect();
                c.line(&pts, &ink, 1)?;
            }
        }
    }
    for r in &order {
        for p in &r.shape.0 {
            let mut pts = ring_px(&fit, p.exterior());
            if let Some(first) = pts.first().copied() {
                pts.push(first);
            }
            c.line(&pts, &EDGE, 1)?;
        }
    }
    for r in regions {
        if let Some(at) = r.label {
            let (x, y) = fit.px(at);
            c.text(
                &r.name,
                (x, y),
                11.0,
                false,
                &crate::present::charts::canvas::INK,
                Anchor::Centre,
            )?;
        }
    }
    let x = right + 30;
    let mut y = top + 10;
    for (label, fill) in legend_items {
        let swatch = [(x, y), (x + 26, y), (x + 26, y + 18), (x, y + 18)];
        c.polygon(&swatch, &colour(*fill).to_rgba())?;
        if let Fill::Class { hatched: true, .. } = fill {
            for k in 0..5 {
                let dx = k * 6;
                c.line(
                    &[(x + dx, y + 18), ((x + dx + 18).min(x + 26), y)],
                    &EDGE,
                    1,
                )?;
            }
        }
        let mut closed = swatch.to_vec();
        closed.push(swatch[0]);
        c.line(&closed, &EDGE, 1)?;
        for (i, line) in c.wrap(label, 13.0, legend_width - 40).iter().enumerate() {
            c.text(
                line,
                (x + 36, y + 9 + 17 * i as i32),
                13.0,
                false,
                &crate::present::charts::canvas::INK,
                Anchor::Left,
            )?;
        }
        y += 18 + 17 * (c.wrap(label, 13.0, legend_width - 40).len() as i32).max(1);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_symmetric_on_a_log_scale() {
        assert_eq!(class_of(1.0), 4);
        assert_eq!(class_of(0.81), 4);
        assert_eq!(class_of(1.24), 4);
        assert_eq!(class_of(1.25), 5);
        assert_eq!(class_of(3.8), 7);
        assert_eq!(class_of(5.0), 8);
        assert_eq!(class_of(0.1), 0);
        for (i, b) in BREAKS.iter().enumerate() {
            let mirror = BREAKS[BREAKS.len() - 1 - i];
            assert!((b * mirror - 1.0).abs() < 1e-12, "{b} · {mirror}");
        }
    }
}
