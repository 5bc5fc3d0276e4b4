//! Charts: PNG for sharing and SVG for print, one set per area, drawn with plotters and an
//! embedded font, in parallel and deterministically. [`plan`] decides what to draw from the
//! figures; [`render_all`] draws it.

pub mod canvas;
pub mod draw;
pub mod font;
pub mod maps;

use std::path::{Path, PathBuf};

use image::ImageEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use plotters::prelude::*;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::present::figures::{
    AgeRate, AreaFigures, Figures, GROUPS, GroundsFigures, Period, Ratio, Share, Split,
};
use crate::reference::month::Month;
use crate::reference::vocab::{OutcomeClass, SearchGroup};
use canvas::{Canvas, Frame, human, thousands};
use draw::{BarRow, Body, ForestRow, StackRow};

pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 675;

/// Colour-blind-safe (Okabe–Ito) colours; each group keeps its colour in every chart.
pub fn group_colour(group: &str) -> RGBColor {
    match group {
        "Asian" => RGBColor(230, 159, 0),
        "Black" => RGBColor(0, 114, 178),
        "Mixed" => RGBColor(204, 121, 167),
        "White" => RGBColor(0, 158, 115),
        "Other" => RGBColor(213, 94, 0),
        "All" => RGBColor(51, 51, 51),
        _ => RGBColor(153, 153, 153),
    }
}

/// Okabe–Ito, then greys, for categories.
const CATEGORY: [RGBColor; 10] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(240, 228, 66),
    RGBColor(0, 0, 0),
    RGBColor(187, 187, 187),
    RGBColor(120, 120, 120),
];

/// A chart to draw.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Area the chart belongs to (force id or `england-and-wales`).
    pub area: String,
    /// File stem: `disparity`, `rates`, `trend-searches`, ...
    pub id: String,
    pub frame: Frame,
    pub body: Body,
    pub size: (u32, u32),
}

/// A drawn chart: where its files are, relative to the output folder.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Rendered {
    pub area: String,
    pub id: String,
    pub png: String,
    pub svg: String,
    pub title: String,
    pub alt: String,
}

pub fn group_label(group: &str) -> String {
    match group {
        "All" => "Everyone".to_owned(),
        other => other.to_owned(),
    }
}

fn period_words(p: &Period, area: &str) -> String {
    let unit = if area == crate::reference::population::ENGLAND_AND_WALES {
        "force-months"
    } else {
        "months"
    };
    if p.is_complete() {
        format!("financial year {}", p.label)
    } else {
        format!(
            "financial year {} (only {} of {} {unit} published)",
            p.label, p.covered, p.possible
        )
    }
}

fn subtitle(f: &Figures, a: &AreaFigures, p: &Period, what: &str) -> String {
    format!(
        "{}, {}. {what} Ethnicity as the person described it (self-defined); {} populations.",
        a.name,
        period_words(p, &a.area),
        f.census
    )
}

fn source(f: &Figures) -> String {
    if f.synthetic {
        return format!(
            "TEST DATA (synthetic or constructed for tests): not real searches. Populations: \
             {}, ONS. Made with stopsearch {}.",
            f.census,
            crate::VERSION
        );
    }
    let extracts = if f.extracts.is_empty() {
        String::new()
    } else {
        format!(" and {}", f.extracts.join(", "))
    };
    format!(
        "Source: data.police.uk stop and search{extracts}; {}, ONS. Made with stopsearch {}.",
        f.census,
        crate::VERSION
    )
}

fn flag_note() -> String {
    "† Hollow marker: fewer than 10 searches in one of the two groups, or residents are no fit \
     denominator (City of London, few residents and many visitors). Do not headline these."
        .to_owned()
}

/// Marks beside a ratio resting on a month that looks partial or doubled (‡), or on counts the
/// Home Office's published figures do not match (§).
pub fn time_marks(r: &Ratio) -> String {
    let mut m = String::new();
    if r.suspect_months > 0 {
        m.push_str(" ‡");
    }
    if r.home_office_differs {
        m.push_str(" §");
    }
    m
}

/// The footnotes of the marks that some row of a chart carries.
fn time_notes<'a>(rows: impl IntoIterator<Item = &'a Ratio> + Clone) -> [Option<String>; 2] {
    let any = |p: fn(&Ratio) -> bool| rows.clone().into_iter().any(p);
    [
        any(|r| r.suspect_months > 0).then(|| SUSPECT_NOTE.to_owned()),
        any(|r| r.home_office_differs).then(|| HOME_OFFICE_NOTE.to_owned()),
    ]
}

pub const SUSPECT_NOTE: &str = "‡ The year includes a month whose file looks partial (far fewer \
     rows than the force's recent months) or doubled (far more): counted as published; the \
     coverage table names it.";
pub const HOME_OFFICE_NOTE: &str = "§ The data.police.uk counts behind this ratio differ from \
     the Home Office's published figures for the force and year by more than the set limit \
     (see the reconciliation table).";

fn not_stated_note(a: &AreaFigures) -> Option<String> {
    a.not_stated_share.filter(|s| *s > 0.0).map(|s| {
        format!(
            "{}% of searches did not record the person's own description of their ethnicity and \
             are in no group.",
            human(s * 100.0)
        )
    })
}

/// Everything to draw for the figures: each area's charts, then the league and coverage charts
/// of England and Wales; with boundaries, the maps and each force's district league.
pub fn plan(f: &Figures, layer: Option<&maps::Layer>) -> Vec<Chart> {
    let mut charts: Vec<Chart> = f.areas.iter().flat_map(|a| area_charts(f, a)).collect();
    charts.extend(league_chart(f));
    charts.extend(coverage_chart(f));
    if let Some(layer) = layer {
        charts.extend(force_map(f, layer));
        for a in f.areas.iter().filter(|a| a.area_type == "force") {
            charts.extend(district_map(f, a, layer));
            charts.extend(district_league_chart(f, a));
        }
    }
    charts
}

fn attribution() -> String {
    "Boundaries: Source: Office for National Statistics licensed under the Open Government \
     Licence v.3.0. Contains OS data © Crown copyright and database right 2022."
        .to_owned()
}

fn map_chart(
    f: &Figures,
    area: &str,
    id: &str,
    title: String,
    subtitle: String,
    regions: Vec<maps::Region>,
) -> Chart {
    let legend = maps::legend(&regions);
    Chart {
        area: area.to_owned(),
        id: id.to_owned(),
        frame: Frame {
            title,
            subtitle,
            footnotes: vec![attribution()],
            source: source(f),
        },
        body: Body::Map { regions, legend },
        size: (WIDTH, 900),
    }
}

/// England and Wales: each force area coloured by its ratio in the league year.
fn force_map(f: &Figures, layer: &maps::Layer) -> Option<Chart> {
    let period = f.league_period.as_ref()?;
    let regions = maps::force_regions(f, layer);
    Some(map_chart(
        f,
        crate::reference::population::ENGLAND_AND_WALES,
        "map-forces",
        format!(
            "How often {} people were searched compared with {} people",
            f.comparison, f.reference
        ),
        format!(
            "By police force area: rate ratio (searches per 1,000 residents), financial year \
             {period}. Self-defined \
             ethnicity; {} populations. British Transport Police has no area and is not shown.",
            f.census
        ),
        regions,
    ))
}

/// A force's districts coloured by their ratios; London (the Met's boroughs and the City)
/// with names.
fn district_map(f: &Figures, a: &AreaFigures, layer: &maps::Layer) -> Option<Chart> {
    let p = a.period.as_ref()?;
    let london = a.area == "metropolitan";
    let forces: Vec<&str> = if london {
        vec!["metropolitan", "city-of-london"]
    } else {
        vec![a.area.as_str()]
    };
    let regions = maps::district_regions(f, layer, &forces, &p.label, london);
    if regions.is_empty() {
        return None;
    }
    let (id, place) = if london {
        ("map-london", "London's 32 boroughs and the City".to_owned())
    } else {
        ("map-districts", format!("{}, by local authority", a.name))
    };
    Some(map_chart(
        f,
        &a.area,
        id,
        format!(
            "How often {} people were searched compared with {} people",
            f.comparison, f.reference
        ),
        format!(
            "{place}: rate ratio (searches per 1,000 residents), {}. Searches placed by their \
             recorded location; self-defined ethnicity; {} populations.",
            period_words(p, &a.area),
            f.census
        ),
        regions,
    ))
}

/// A ratio as a forest-plot row, with the searches of both groups beside it.
fn ratio_row(r: &Ratio, colour: RGBColor) -> ForestRow {
    ForestRow {
        label: r.label.clone(),
        estimate: r.ratio,
        low: r.low,
        high: r.high,
        note: format!(
            "{} v {}{}{}",
            thousands(r.searches as i64),
            thousands(r.reference_searches as i64),
            unrecorded_note(r),
            time_marks(r)
        ),
        flagged: r.small_numbers || r.unsuitable || r.unreliable(),
        mark: ratio_mark(r),
        divider: false,
        colour,
    }
}

/// Every mark a ratio carries in the charts (`†`, `*`, `‡`, `§`), for the report's tables.
pub fn all_marks(r: &Ratio) -> String {
    let m = ratio_mark(r);
    let t = time_marks(r);
    if m.is_empty() {
        t.trim_start().to_owned()
    } else {
        format!("{m}{t}")
    }
}

/// `†` for small numbers or an unfit denominator, `*` where unknown ethnicity could
/// overturn the ratio.
fn ratio_mark(r: &Ratio) -> String {
    let mut marks = Vec::new();
    if r.small_numbers || r.unsuitable {
        marks.push("†");
    }
    if r.unreliable() {
        marks.push("*");
    }
    marks.join(" ")
}

/// Beside a ratio unknown ethnicity could overturn: how much is not recorded, and the
/// officer-defined sensitivity where there is one.
fn unrecorded_note(r: &Ratio) -> String {
    if !r.unreliable() {
        return String::new();
    }
    let share = r
        .not_stated_share
        .map(|s| format!(" · {}% not recorded", human(s * 100.0)))
        .unwrap_or_default();
    let officer = r
        .officer_fallback
        .map(|o| format!(" · officer-defined {}", human(o)))
        .unwrap_or_default();
    format!("{share}{officer}")
}

/// Rows of ratios, the reliable first and those unknown ethnicity could overturn below a
/// divider (the leagues are sorted so).
fn ratio_rows(ratios: &[Ratio], row: impl Fn(&Ratio) -> ForestRow) -> Vec<ForestRow> {
    let mut rows = Vec::new();
    let mut divided = false;
    for r in ratios {
        if r.unreliable() && !divided && ratios.iter().any(|r| !r.unreliable()) {
            rows.push(ForestRow::divider(
                "* Below: ethnicity not recorded for too many searches, or the missing could \
                 reverse the comparison. Do not headline.",
            ));
            divided = true;
        }
        rows.push(row(r));
    }
    rows
}

/// The footnote of the `*` mark, where a row carries it.
fn unrecorded_footnote<'a>(rows: impl IntoIterator<Item = &'a Ratio>) -> Option<String> {
    let shares: Vec<f64> = rows
        .into_iter()
        .filter(|r| r.unreliable())
        .map(|r| r.not_stated_share.unwrap_or(0.0))
        .collect();
    let worst = shares
        .iter()
        .copied()
        .fold(None, |m: Option<f64>, s| Some(m.map_or(s, |m| m.max(s))))?;
    Some(format!(
        "* Hollow marker: the person's own ethnicity is not recorded for too many of the area's \
         searches (up to {}% here), or allocating the missing ethnicities would reverse the \
         comparison: do not headline. Beside each row, the share not recorded and, where there \
         is one, the ratio counting the officer's record where the person's is missing.",
        human(worst * 100.0)
    ))
}

/// The forest plot of a force's districts.
fn district_league_chart(f: &Figures, a: &AreaFigures) -> Option<Chart> {
    let rows = f.district_league.get(&a.area)?;
    let p = a.period.as_ref()?;
    let colour = group_colour(&f.comparison);
    let marks = [
        time_notes(rows.iter()).to_vec(),
        vec![unrecorded_footnote(rows.iter())],
    ]
    .concat();
    let rows: Vec<ForestRow> = ratio_rows(rows, |r| ratio_row(r, colour));
    let height = (300 + 34 * rows.len() as u32).max(HEIGHT);
    let mut footnotes = with(vec![flag_note()], &marks);
    if a.location
        .as_ref()
        .and_then(|l| l.district_share)
        .is_some_and(|s| s < 0.9)
    {
        footnotes.push(
            "The force placed fewer than 90% of its searches in its districts: district \
             figures leave out more than a tenth of its searches."
                .to_owned(),
        );
    }
    Some(Chart {
        area: a.area.clone(),
        id: "league-districts".to_owned(),
        frame: Frame {
            title: format!(
                "How often {} people were searched compared with {} people, district by district",
                f.comparison, f.reference
            ),
            subtitle: format!(
                "{}, {}: rate ratio with its exact 95% interval; 1 means the same rate. \
                 Searches of {} and of {} people beside each district.",
                a.name,
                period_words(p, &a.area),
                f.comparison,
                f.reference
            ),
            footnotes,
            source: source(f),
        },
        body: Body::Forest {
            rows,
            axis: "Rate ratio (searches per 1,000 residents), log scale".to_owned(),
        },
        size: (WIDTH, height),
    })
}

/// The forest plot of every force's rate ratio, when there is a league year.
fn league_chart(f: &Figures) -> Option<Chart> {
    let period = f.league_period.as_ref()?;
    if f.league.is_empty() {
        return None;
    }
    let rows: Vec<ForestRow> = ratio_rows(&f.league, |r| {
        let mut row = ratio_row(r, group_colour(&f.comparison));
        row.note = format!(
            "{} v {}{}{}{}",
            thousands(r.searches as i64),
            thousands(r.reference_searches as i64),
            r.period
                .as_ref()
                .filter(|p| !p.is_complete())
                .map(|p| format!(" ({}/12 mo)", p.covered))
                .unwrap_or_default(),
            unrecorded_note(r),
            time_marks(r)
        );
        row
    });
    let height = (300 + 34 * rows.len() as u32).max(HEIGHT);
    Some(Chart {
        area: crate::reference::population::ENGLAND_AND_WALES.to_owned(),
        id: "league".to_owned(),
        frame: Frame {
            title: format!(
                "How often {} people were searched compared with {} people, force by force",
                f.comparison, f.reference
            ),
            subtitle: format!(
                "Rate ratio with its 95% interval, financial year {period}; 1 means the same \
                 rate, 2 twice the rate. Searches of {} and of {} people beside each force. \
                 Self-defined ethnicity; {} populations.",
                f.comparison, f.reference, f.census
            ),
            footnotes: with(
                vec![
                    flag_note(),
                    "Forces with part of the year missing show how many months they published."
                        .to_owned(),
                ],
                &[
                    time_notes(f.league.iter()).to_vec(),
                    vec![unrecorded_footnote(f.league.iter())],
                ]
                .concat(),
            ),
            source: source(f),
        },
        body: Body::Forest {
            rows,
            axis: "Rate ratio (searches per 1,000 residents), log scale".to_owned(),
        },
        size: (WIDTH, height),
    })
}

/// The grid of which forces published which months, so gaps read as gaps, not zeros.
fn coverage_chart(f: &Figures) -> Option<Chart> {
    if f.coverage.forces.is_empty() {
        return None;
    }
    let statuses = ["submitted", "zero", "missing", "failed"];
    let legend = vec![
        ("Published".to_owned(), RGBColor(0, 114, 178)),
        ("Published, no searches".to_owned(), RGBColor(86, 180, 233)),
        ("Not published".to_owned(), RGBColor(221, 221, 221)),
        ("File unreadable".to_owned(), RGBColor(213, 94, 0)),
        ("Published, looks partial".to_owned(), RGBColor(230, 159, 0)),
        (
            "Published, unusually many rows".to_owned(),
            RGBColor(204, 121, 167),
        ),
    ];
    let rows: Vec<(String, Vec<usize>)> = f
        .coverage
        .forces
        .iter()
        .map(|(force, cells)| {
            let cells = cells
                .iter()
                .zip(&f.coverage.months)
                .map(
                    |(s, m)| match f.coverage.suspect.get(&(force.clone(), *m)) {
                        Some(&"partial") => 4,
                        Some(_) => 5,
                        None => statuses.iter().position(|x| x == s).unwrap_or(2),
                    },
                )
                .collect();
            (force.clone(), cells)
        })
        .collect();
    let height = (260 + 18 * rows.len() as u32).max(HEIGHT);
    let (first, last) = (
        f.coverage
            .months
            .first()
            .map(|m| m.to_string())
            .unwrap_or_default(),
        f.coverage
            .months
            .last()
            .map(|m| m.to_string())
            .unwrap_or_default(),
    );
    Some(Chart {
        area: crate::reference::population::ENGLAND_AND_WALES.to_owned(),
        id: "coverage".to_owned(),
        frame: Frame {
            title: "Which forces published stop and search data, month by month".to_owned(),
            subtitle: format!(
                "Each row is a force, each column a month from {first} to {last}. A month \
                 not published is missing data, not a month without searches."
            ),
            footnotes: if f.coverage.suspect.is_empty() {
                vec![]
            } else {
                vec![
                    "A month looks partial, or unusually large, when its rows are far below, or \
                     far above, the force's median over the 12 months before (the coverage \
                     table's partial_suspected and spike_suspected); both still count."
                        .to_owned(),
                ]
            },
            source: source(f),
        },
        body: Body::Grid {
            rows,
            months: f.coverage.months.clone(),
            legend,
        },
        size: (WIDTH, height),
    })
}

fn share_rows(shares: &[Share]) -> Vec<BarRow> {
    shares
        .iter()
        .map(|s| share_bar(group_label(&s.group), s))
        .collect()
}

fn stack_rows(splits: &[Split], categories: &[&str]) -> Vec<StackRow> {
    splits
        .iter()
        .map(|s| StackRow {
            label: group_label(&s.group),
            total: s.total,
            parts: categories
                .iter()
                .map(|c| s.parts.iter().find(|p| p.0 == *c).map_or(0, |p| p.1))
                .collect(),
        })
        .collect()
}

/// A short name for a grounds category, to fit beside a bar.
pub fn grounds_label(category: &str) -> String {
    match category {
        "smell_of_cannabis" => "smell".to_owned(),
        "smell_only" => "smell only".to_owned(),
        "smell_with_other_grounds" => "smell + other".to_owned(),
        "no_smell" => "no smell".to_owned(),
        "drugs_paraphernalia" => "paraphernalia".to_owned(),
        "intelligence_or_information" => "intelligence".to_owned(),
        "behaviour_or_demeanour" => "behaviour".to_owned(),
        "seen_concealing_or_discarding" => "concealing".to_owned(),
        "weapon_seen_or_reported" => "weapon".to_owned(),
        "matches_description" => "description".to_owned(),
        other => other.replace('_', " "),
    }
}

/// The searches a grounds chart describes, in words.
pub fn grounds_searches(g: &GroundsFigures) -> &'static str {
    if g.search_group == "drugs" {
        "drug searches"
    } else {
        "searches"
    }
}

/// The footnote of every share chart whose hollow bars mark small numbers.
const SMALL_SHARE_NOTE: &str = "† Outlined bar: fewer than 20 searches behind the share.";

const GROUNDS_SOURCE_NOTE: &str = "Grounds are what the officer wrote, from a force or FOI \
    extract (data.police.uk publishes none), sorted into categories by the keyword rules in \
    queries/grounds.toml; a text can mention several.";

/// One bar of a share chart, hollow when fewer than 20 searches are behind it.
fn share_bar(label: String, s: &Share) -> BarRow {
    BarRow {
        label,
        value: s.share,
        low: s.low,
        high: s.high,
        note: format!("{} of {}", thousands(s.n as i64), thousands(s.total as i64)),
        flagged: s.total < 20,
        colour: group_colour(&s.group),
    }
}

/// How often smell (and smell alone) is given as the grounds, by group.
fn grounds_smell_chart(s: &Scope, g: &GroundsFigures) -> Option<Chart> {
    let searches = grounds_searches(g);
    let mut rows = Vec::new();
    for share in g.smell.iter().filter(|s| s.total > 0) {
        rows.push(share_bar(
            format!("{}: smell", group_label(&share.group)),
            share,
        ));
        if let Some(only) = g.smell_only.iter().find(|o| o.group == share.group) {
            rows.push(share_bar(
                format!("{}: smell only", group_label(&share.group)),
                only,
            ));
        }
    }
    if rows.is_empty() {
        return None;
    }
    let height = (300 + 34 * rows.len() as u32).max(HEIGHT);
    let chart = s.chart(
        "grounds-smell",
        format!("How often the grounds for {searches} gave the smell of cannabis"),
        &format!(
            "Share of each group's {searches} whose recorded grounds mention the smell of \
             cannabis, and whose only ground was the smell, with 95% intervals."
        ),
        vec![
            "The College of Policing's position is that the smell of cannabis alone will not \
             normally justify a search."
                .to_owned(),
            GROUNDS_SOURCE_NOTE.to_owned(),
            SMALL_SHARE_NOTE.to_owned(),
        ],
        Body::Bars {
            rows,
            axis: format!("Share of the group's {searches} with grounds recorded"),
            percent: true,
        },
    );
    Some(Chart {
        size: (WIDTH, height),
        ..chart
    })
}

/// Find rates by what the grounds said, for the two groups compared.
fn grounds_find_chart(s: &Scope, g: &GroundsFigures) -> Option<Chart> {
    let (f, searches) = (s.f, grounds_searches(g));
    let rows: Vec<BarRow> = g
        .find
        .iter()
        .flat_map(|(category, shares)| {
            [&f.comparison, &f.reference]
                .into_iter()
                .filter_map(|group| shares.iter().find(|s| &s.group == group && s.total > 0))
                .map(|s| share_bar(format!("{}: {}", grounds_label(category), s.group), s))
                .collect::<Vec<_>>()
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    let (title, what) = if g.measure == "outcome_linked" {
        (
            format!(
                "How often {searches} found what they were looking for, by what the grounds said"
            ),
            "an outcome linked to the object of search",
        )
    } else {
        (
            format!("How often {searches} led to action, by what the grounds said"),
            "an outcome other than no further action",
        )
    };
    let height = (300 + 34 * rows.len() as u32).max(HEIGHT);
    let chart = s.chart(
        "grounds-find",
        title,
        &format!(
            "Share of {searches} with {what}, with 95% intervals, by what the grounds mention, \
             for {} and {} people.",
            f.comparison, f.reference
        ),
        vec![
            "smell only: the smell of cannabis was the only ground; smell + other: smell and \
             something else; no smell: the grounds did not mention smell."
                .to_owned(),
            GROUNDS_SOURCE_NOTE.to_owned(),
            SMALL_SHARE_NOTE.to_owned(),
        ],
        Body::Bars {
            rows,
            axis: format!("Share of {searches} with {what}"),
            percent: true,
        },
    );
    Some(Chart {
        size: (WIDTH, height),
        ..chart
    })
}

/// What every chart of one area shares: the figures, the area and its headline year.
struct Scope<'a> {
    f: &'a Figures,
    a: &'a AreaFigures,
    p: &'a Period,
    /// The footnote of a partial year, which the year's rate and share charts carry.
    partial: Option<String>,
}

impl<'a> Scope<'a> {
    fn new(f: &'a Figures, a: &'a AreaFigures, p: &'a Period) -> Self {
        let partial = (!p.is_complete()).then(|| {
            format!(
                "A partial year: rates count the months published ({} of {}), so they are yearly \
                 rates at the pace of those months.",
                p.covered, p.possible
            )
        });
        Self { f, a, p, partial }
    }

    /// A chart of the usual size with the area's usual subtitle.
    fn chart(
        &self,
        id: &str,
        title: String,
        what: &str,
        footnotes: Vec<String>,
        body: Body,
    ) -> Chart {
        let frame = Frame {
            title,
            subtitle: subtitle(self.f, self.a, self.p, what),
            footnotes,
            source: source(self.f),
        };
        self.framed(id, frame, body)
    }

    /// A chart of the usual size with a frame of its own.
    fn framed(&self, id: &str, frame: Frame, body: Body) -> Chart {
        Chart {
            area: self.a.area.clone(),
            id: id.to_owned(),
            frame,
            body,
            size: (WIDTH, HEIGHT),
        }
    }

    /// `notes`, then the partial-year note if the year is partial.
    fn with_partial(&self, notes: Vec<String>) -> Vec<String> {
        with(notes, std::slice::from_ref(&self.partial))
    }
}

/// `notes`, then each of `extra` that is there.
fn with(mut notes: Vec<String>, extra: &[Option<String>]) -> Vec<String> {
    notes.extend(extra.iter().flatten().cloned());
    notes
}

/// Every chart of one area, in the order they are drawn and listed; none without a year.
fn area_charts(f: &Figures, a: &AreaFigures) -> Vec<Chart> {
    let Some(p) = &a.period else {
        return Vec::new();
    };
    let s = Scope::new(f, a, p);
    let grounds = a.grounds.as_ref();
    [
        disparity_chart(&s),
        rates_chart(&s),
        young_men_chart(&s),
        trend_searches_chart(&s),
        trend_ratio_chart(&s),
        search_groups_chart(&s),
        outcomes_chart(&s),
        find_linked_chart(&s),
        find_any_outcome_chart(&s),
        out_of_court_chart(&s),
        diversion_chart(&s),
        powers_chart(&s),
        find_by_power_chart(&s),
        grounds.and_then(|g| grounds_smell_chart(&s, g)),
        grounds.and_then(|g| grounds_find_chart(&s, g)),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The forest plot of each group's rate ratio against the reference group, with the age–sex
/// standardised ratio under the crude one where the run has a population by age.
fn disparity_chart(s: &Scope) -> Option<Chart> {
    let (f, a) = (s.f, s.a);
    if a.ratios.is_empty() || a.no_resident_population {
        return None;
    }
    let mut rows = Vec::new();
    for r in &a.ratios {
        let colour = group_colour(&r.label);
        rows.push(ratio_row(r, colour));
        if let Some(st) = a.standardised.iter().find(|st| st.label == r.label) {
            rows.push(ForestRow {
                label: format!("{}, standardised", r.label),
                note: "for age and sex".to_owned(),
                ..ratio_row(st, colour)
            });
        }
    }
    let height = (300 + 34 * rows.len() as u32).max(HEIGHT);
    let chart = s.chart(
        "disparity",
        format!(
            "How often each group was searched compared with {} people",
            f.reference
        ),
        &format!(
            "Rate ratio with its 95% interval: 1 means the same rate as {} people, 2 twice \
             the rate. Searches of the group and of {} people beside each row.",
            f.reference, f.reference
        ),
        with(
            vec![flag_note(), standardised_note(f, a)],
            &[
                vec![not_stated_note(a), s.partial.clone()],
                time_notes(a.ratios.iter()).to_vec(),
                vec![unrecorded_footnote(a.ratios.iter())],
            ]
            .concat(),
        ),
        Body::Forest {
            rows,
            axis: "Rate ratio (searches per 1,000 residents), log scale".to_owned(),
        },
    );
    Some(Chart {
        size: (WIDTH, height),
        ..chart
    })
}

/// What the standardised rows of the disparity chart are, or why there are none.
fn standardised_note(f: &Figures, a: &AreaFigures) -> String {
    match &f.age_census {
        None => "No population by age and sex was given to this run (--population-age), so no \
                 age–sex standardised ratio is shown."
            .to_owned(),
        Some(_) if a.standardised.iter().all(|r| r.ratio.is_none()) => {
            "No age–sex standardised ratio can be given here: some age and sex group has no \
             residents, or no ages were recorded."
                .to_owned()
        }
        Some(census) => format!(
            "Standardised: the ratio if every group had England and Wales's age and sex \
             make-up (residents by age and sex: {census}). It removes differences in age and \
             sex make-up, not in where people live or who is out in public places."
        ),
    }
}

/// A colour halfway to white: the second bar of a pair, in the same group's colour.
fn paler(c: RGBColor) -> RGBColor {
    let mix = |v: u8| ((u16::from(v) + 255) / 2) as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// One bar of a rate by age and sex, hollow on under 20 searches or an unfit denominator (as
/// in the rates chart).
fn age_bar(label: String, r: &AgeRate, colour: RGBColor) -> BarRow {
    BarRow {
        label,
        value: r.rate,
        low: r.low,
        high: r.high,
        note: match r.searches {
            1 => "1 search".to_owned(),
            n => format!("{} searches", thousands(n as i64)),
        },
        flagged: r.searches < 20 || r.unsuitable,
        colour,
    }
}

/// Searches per 1,000 young men of each group (the youngest band the police ranges and the
/// population table share), each beside the rate for everyone in the group: how much of a
/// group's rate is its young men's.
fn young_men_chart(s: &Scope) -> Option<Chart> {
    let (f, a) = (s.f, s.a);
    let y = a.young_men.as_ref()?;
    if a.no_resident_population || y.men.iter().all(|r| r.rate.is_none()) {
        return None;
    }
    let mut rows = Vec::new();
    for m in &y.men {
        let colour = group_colour(&m.group);
        let (men, everyone) = if m.group == "All" {
            (format!("All men {}", y.band), "Everyone".to_owned())
        } else {
            (
                format!("{} men {}", m.group, y.band),
                format!("{}, everyone", m.group),
            )
        };
        rows.push(age_bar(men, m, colour));
        if let Some(e) = y.everyone.iter().find(|e| e.group == m.group) {
            rows.push(age_bar(everyone, e, paler(colour)));
        }
    }
    let census = f.age_census.as_deref().unwrap_or("(not given)");
    let mut notes = vec![
        "† Outlined bar: fewer than 20 searches, or residents are no fit denominator.".to_owned(),
        "Paler bars: everyone in the group, both sexes and all ages.".to_owned(),
        format!(
            "Young men: the youngest band reaching 18 that both the police age ranges and the \
             population table can be summed into: {}.",
            y.made_of
        ),
    ];
    if y.age_months < y.months {
        notes.push(format!(
            "Sex and age were recorded in {} of the {} months with data; the young men's rates \
             count only those months.",
            y.age_months, y.months
        ));
    }
    let frame = Frame {
        title: format!(
            "Searches per 1,000 young men ({}), by ethnic group, against everyone",
            y.band
        ),
        subtitle: format!(
            "{}, {}. Searches in the year per 1,000 male residents aged {} of each group, with \
             exact 95% intervals, beside the rate for everyone in the group. Self-defined \
             ethnicity; residents by age and sex: {census}.",
            a.name,
            period_words(s.p, &a.area),
            y.band
        ),
        footnotes: s.with_partial(notes),
        source: source(f),
    };
    let height = (300 + 34 * rows.len() as u32).max(HEIGHT);
    let chart = s.framed(
        "young-men",
        frame,
        Body::Bars {
            rows,
            axis: "Searches per 1,000 residents a year".to_owned(),
            percent: false,
        },
    );
    Some(Chart {
        size: (WIDTH, height),
        ..chart
    })
}

/// Searches per 1,000 residents of each group.
fn rates_chart(s: &Scope) -> Option<Chart> {
    let a = s.a;
    if a.rates.is_empty() || a.no_resident_population {
        return None;
    }
    let rows = a
        .rates
        .iter()
        .map(|r| BarRow {
            label: group_label(&r.group),
            value: r.rate,
            low: r.low,
            high: r.high,
            note: format!("{} searches", thousands(r.searches as i64)),
            flagged: r.small_numbers || a.unsuitable_denominator,
            colour: group_colour(&r.group),
        })
        .collect();
    Some(s.chart(
        "rates",
        "Searches per 1,000 residents, by ethnic group".to_owned(),
        "Searches in the year per 1,000 residents of each group, with 95% intervals.",
        with(
            vec![
                "† Outlined bar: fewer than 20 searches, or residents are no fit denominator."
                    .to_owned(),
            ],
            &[not_stated_note(a), s.partial.clone()],
        ),
        Body::Bars {
            rows,
            axis: "Searches per 1,000 residents a year".to_owned(),
            percent: false,
        },
    ))
}

/// The area's months, and which of them have data; the trend charts need one covered month.
fn trend_months(a: &AreaFigures) -> Option<(Vec<Month>, Vec<bool>)> {
    let months: Vec<_> = a.monthly.iter().map(|m| m.month).collect();
    let covered: Vec<bool> = a.monthly.iter().map(|m| m.searches.is_some()).collect();
    covered.iter().any(|c| *c).then_some((months, covered))
}

/// Searches each month by group, with months not published shown as gaps.
fn trend_searches_chart(s: &Scope) -> Option<Chart> {
    let (f, a) = (s.f, s.a);
    let (months, covered) = trend_months(a)?;
    let mut series: Vec<(String, RGBColor, Vec<Option<f64>>)> = GROUPS
        .iter()
        .map(|g| {
            let values = a
                .monthly
                .iter()
                .map(|m| m.searches.as_ref().map(|s| s[*g] as f64))
                .collect();
            (g.to_string(), group_colour(g), values)
        })
        .collect();
    series.push((
        "Not stated or missing".to_owned(),
        group_colour("Not stated"),
        a.monthly
            .iter()
            .map(|m| {
                m.searches
                    .as_ref()
                    .map(|s| (s["Not stated"] + s["Missing"]) as f64)
            })
            .collect(),
    ));
    let frame = Frame {
        title: "Searches each month, by ethnic group".to_owned(),
        subtitle: format!(
            "{}, {} to {}. Grey columns are months with no data published: gaps, not zeros.",
            a.name,
            months.first().map(|m| m.to_string()).unwrap_or_default(),
            months.last().map(|m| m.to_string()).unwrap_or_default()
        ),
        footnotes: vec![],
        source: source(f),
    };
    let body = Body::Lines {
        months,
        series,
        covered,
        axis: "Searches in the month".to_owned(),
    };
    Some(s.framed("trend-searches", frame, body))
}

/// The comparison group's rate ratio month by month, when any month has one.
fn trend_ratio_chart(s: &Scope) -> Option<Chart> {
    let (f, a) = (s.f, s.a);
    let (months, covered) = trend_months(a)?;
    let points: Vec<_> = a.monthly.iter().map(|m| m.ratio).collect();
    if !points.iter().any(|p| p.is_some()) || a.no_resident_population {
        return None;
    }
    let frame = Frame {
        title: format!(
            "{} people's search rate compared with {} people's, month by month",
            f.comparison, f.reference
        ),
        subtitle: format!(
            "{}. Rate ratio with its 95% interval (shaded); the line at 1 means the same rate. \
             Grey columns are months with no data. Self-defined ethnicity; {} populations.",
            a.name, f.census
        ),
        footnotes: vec![],
        source: source(f),
    };
    let body = Body::Band {
        months,
        points,
        covered,
        axis: "Rate ratio".to_owned(),
        colour: group_colour(&f.comparison),
    };
    Some(s.framed("trend-ratio", frame, body))
}

/// A chart of how each group's searches split between `texts`, in colours of that order.
fn stacked_chart(
    s: &Scope,
    id: &str,
    title: &str,
    what: &str,
    splits: &[Split],
    texts: &[&str],
) -> Chart {
    let categories: Vec<(String, RGBColor)> = texts
        .iter()
        .enumerate()
        .map(|(i, g)| (g.replace('_', " "), CATEGORY[i]))
        .collect();
    s.chart(
        id,
        title.to_owned(),
        what,
        s.with_partial(vec![]),
        Body::Stacked {
            rows: stack_rows(splits, texts),
            categories,
        },
    )
}

/// What the searches were for (object of search), by group.
fn search_groups_chart(s: &Scope) -> Option<Chart> {
    (!s.a.search_groups.is_empty()).then(|| {
        stacked_chart(
            s,
            "search-groups",
            "What the searches were for, by ethnic group",
            "Share of each group's searches by object of search (what the officer was looking \
             for, not the grounds).",
            &s.a.search_groups,
            SearchGroup::TEXTS,
        )
    })
}

/// What happened after the searches, by group.
fn outcomes_chart(s: &Scope) -> Option<Chart> {
    (!s.a.outcomes.is_empty()).then(|| {
        stacked_chart(
            s,
            "outcomes",
            "What happened after the search, by ethnic group",
            "Share of each group's searches by outcome; unknown means the outcome was not \
             recorded.",
            &s.a.outcomes,
            OutcomeClass::TEXTS,
        )
    })
}

/// A chart of one share of searches by group, drawn only when the groups compared both have
/// recorded outcomes.
fn share_chart(s: &Scope, id: &str, shares: &[Share], title: &str, what: &str) -> Option<Chart> {
    let recorded = |g: &str| shares.iter().any(|s| s.group == g && s.total > 0);
    if !recorded(&s.f.comparison) || !recorded(&s.f.reference) {
        return None;
    }
    Some(s.chart(
        id,
        title.to_owned(),
        what,
        s.with_partial(vec![SMALL_SHARE_NOTE.to_owned()]),
        Body::Bars {
            rows: share_rows(shares),
            axis: "Share of the group's searches".to_owned(),
            percent: true,
        },
    ))
}

/// How often the search found what it was looking for.
fn find_linked_chart(s: &Scope) -> Option<Chart> {
    share_chart(
        s,
        "find-linked",
        &s.a.find_linked,
        "How often the search found what it was looking for, by ethnic group",
        "Share of searches whose outcome was linked to the object of search, with 95% \
         intervals; only months in which the force records this.",
    )
}

/// How often a search led to any action.
fn find_any_outcome_chart(s: &Scope) -> Option<Chart> {
    share_chart(
        s,
        "find-any-outcome",
        &s.a.find_action,
        "How often a search led to any action, by ethnic group",
        "Share of searches with any outcome other than no further action, with 95% \
         intervals; searches with no recorded outcome left out.",
    )
}

/// How often a search ended in an out-of-court disposal.
fn out_of_court_chart(s: &Scope) -> Option<Chart> {
    share_chart(
        s,
        "out-of-court",
        &s.a.out_of_court,
        "Out-of-court disposals, by ethnic group",
        "Share of each group's searches ending in a cannabis or khat warning, penalty \
         notice, community resolution or caution, with 95% intervals.",
    )
}

/// The diversion gap: of the drug searches that ended in a disposal, the share that was out
/// of court rather than arrest or a charge; drawn when both groups compared had disposals.
fn diversion_chart(s: &Scope) -> Option<Chart> {
    let (f, a) = (s.f, s.a);
    let had = |g: &str| {
        a.diversion
            .iter()
            .any(|d| d.share.group == g && d.share.total > 0)
    };
    if !had(&f.comparison) || !had(&f.reference) {
        return None;
    }
    let rows = a
        .diversion
        .iter()
        .map(|d| share_bar(group_label(&d.share.group), &d.share))
        .collect();
    Some(s.chart(
        "diversion",
        "When a drug search ended in a disposal, how often it was out of court".to_owned(),
        "Share of drug searches ending in a disposal that were a cannabis or khat warning, \
         penalty notice, community resolution or caution rather than arrest or a summons or \
         charge, with 95% (Wilson) intervals.",
        s.with_partial(vec![
            "† Outlined bar: fewer than 20 disposals behind the share.".to_owned(),
            "Outside the share: drug searches ending in no further action, or with no disposal \
             or no outcome recorded."
                .to_owned(),
            "The data do not record what or how much was found, or anyone's previous record, \
             which also shape the disposal."
                .to_owned(),
        ]),
        Body::Bars {
            rows,
            axis: "Share of the group's drug-search disposals that were out of court".to_owned(),
            percent: true,
        },
    ))
}

/// A power's name as a chart row's label, short enough for the label column.
pub fn power_label(power: &str) -> String {
    match power {
        "no_suspicion_required" => "No suspicion: all".to_owned(),
        "cjpo_s60" => "Section 60".to_owned(),
        "terrorism_s47a" => "Section 47A".to_owned(),
        "suspicion_required" => "Suspicion: all".to_owned(),
        "pace_s1" => "PACE s1".to_owned(),
        "misuse_of_drugs_s23" => "Drugs (MDA s23)".to_owned(),
        "firearms_s47" => "Firearms s47".to_owned(),
        "terrorism_s43" => "Terrorism s43".to_owned(),
        "psychoactive_substances" => "Psychoactive".to_owned(),
        "other" => "Other powers".to_owned(),
        "unknown" => "Not recorded".to_owned(),
        other => other.replace('_', " "),
    }
}

/// Why a rate per resident says so little for the powers that need no suspicion.
pub const NO_SUSPICION_NOTE: &str = "Section 60 and section 47A searches need no suspicion of \
    the person searched, and are allowed only inside an authorisation limited to one place for \
    a short time. The people searched are those who were there then, so counting them against \
    everyone who lives in the whole area is an especially poor yardstick for these powers.";

const POWERS_NOTE: &str = "Suspicion: all is every power that needs reasonable suspicion (PACE \
    s1, Misuse of Drugs Act s23, Firearms Act s47, Terrorism Act s43 and others); No \
    suspicion: all is section 60 (Criminal Justice and Public Order Act 1994) and section 47A \
    (Terrorism Act 2000) together. Not recorded: the power was left blank.";

/// The comparison group's rate ratio against the reference group under each power the area
/// used in the headline year; drawn where the area made searches that need no suspicion
/// (section 60 or s47A) and has residents to count rates against.
fn powers_chart(s: &Scope) -> Option<Chart> {
    let (f, a) = (s.f, s.a);
    if a.area_type == "local_authority" || a.no_resident_population {
        return None;
    }
    a.no_suspicion()?;
    let colour = group_colour(&f.comparison);
    let rows: Vec<ForestRow> = a
        .powers
        .iter()
        .filter_map(|p| {
            Some(ForestRow {
                label: power_label(&p.power),
                ..ratio_row(p.ratio.as_ref()?, colour)
            })
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    let height = (300 + 34 * rows.len() as u32).max(HEIGHT);
    let chart = s.chart(
        "powers",
        format!(
            "How often {} people were searched compared with {} people, by the power used",
            f.comparison, f.reference
        ),
        &format!(
            "Rate ratio under each power with its exact 95% interval: 1 means the same rate as \
             {} people, 2 twice the rate. Searches of {} and of {} people beside each row.",
            f.reference, f.comparison, f.reference
        ),
        with(
            vec![
                flag_note(),
                NO_SUSPICION_NOTE.to_owned(),
                POWERS_NOTE.to_owned(),
            ],
            std::slice::from_ref(&s.partial),
        ),
        Body::Forest {
            rows,
            axis: "Rate ratio (searches per 1,000 residents), log scale".to_owned(),
        },
    );
    Some(Chart {
        size: (WIDTH, height),
        ..chart
    })
}

/// The share of each group's searches with an outcome other than no further action, under
/// the powers that need no suspicion and under those that need it; drawn where the area made
/// searches that need no suspicion with outcomes recorded.
fn find_by_power_chart(s: &Scope) -> Option<Chart> {
    let a = s.a;
    if a.area_type == "local_authority" {
        return None;
    }
    let none = a.no_suspicion()?;
    if !none.find.iter().any(|s| s.total > 0) {
        return None;
    }
    let rows: Vec<BarRow> = [Some(none), a.power("suspicion_required")]
        .into_iter()
        .flatten()
        .flat_map(|p| {
            let power = match p.power.as_str() {
                "suspicion_required" => "Suspicion".to_owned(),
                "no_suspicion_required" => "No suspicion".to_owned(),
                other => power_label(other),
            };
            p.find
                .iter()
                .filter(|s| GROUPS.contains(&s.group.as_str()) && s.total > 0)
                .map(move |s| share_bar(format!("{power}: {}", s.group), s))
                .collect::<Vec<_>>()
        })
        .collect();
    let height = (300 + 34 * rows.len() as u32).max(HEIGHT);
    let chart = s.chart(
        "find-by-power",
        "How often a search led to any action, with and without suspicion, by ethnic group"
            .to_owned(),
        "Share of searches with any outcome other than no further action, with 95% (Wilson) \
         intervals, under the powers that need no suspicion and under those that need \
         reasonable suspicion; searches with no recorded outcome left out.",
        s.with_partial(vec![
            SMALL_SHARE_NOTE.to_owned(),
            "Section 60 and section 47A need no suspicion of the person searched; every other \
             power needs reasonable suspicion."
                .to_owned(),
        ]),
        Body::Bars {
            rows,
            axis: "Share of the group's searches under the power".to_owned(),
            percent: true,
        },
    );
    Some(Chart {
        size: (WIDTH, height),
        ..chart
    })
}

fn draw_chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    chart: &Chart,
) -> std::result::Result<(), String> {
    let canvas = Canvas::new(area);
    let (top, bottom) = canvas::draw_frame(&canvas, &chart.frame)?;
    draw::draw(&canvas, &chart.body, top, bottom)?;
    area.present().map_err(canvas::err)
}

thread_local! {
    /// The pixels of the chart a thread is drawing, kept for its next: a fresh 2.4 MB buffer
    /// per chart cost as much in page faults as the drawing.
    static PIXELS: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The PNG encoder's settings: the fast compressor with the Paeth filter. Measured on 150 of
/// the charts against trying every filter on every row (plotters' choice): files 7% larger in
/// 56% of the time; the slower compressor would make them a third of the size at eight times
/// the time.
const PNG_SPEED: CompressionType = CompressionType::Fast;
const PNG_FILTER: FilterType = FilterType::Paeth;

/// Draws one chart to `<dir>/<area>/<id>.png` and `.svg`.
pub fn render(chart: &Chart, out: &Path) -> Result<Rendered> {
    font::register();
    let dir = out.join("charts").join(&chart.area);
    std::fs::create_dir_all(&dir).map_err(Error::write(&dir))?;
    let png: PathBuf = dir.join(format!("{}.png", chart.id));
    let svg: PathBuf = dir.join(format!("{}.svg", chart.id));
    let failed = |path: &Path, e: String| Error::Write {
        path: path.to_owned(),
        source: std::io::Error::other(e),
    };
    PIXELS.with_borrow_mut(|pixels| {
        let (width, height) = chart.size;
        // Every chart starts by filling its whole area, so the buffer needs no clearing.
        pixels.resize(width as usize * height as usize * 3, 0);
        {
            let area = BitMapBackend::with_buffer(pixels, chart.size).into_drawing_area();
            draw_chart(&area, chart).map_err(|e| failed(&png, e))?;
        }
        let file = std::fs::File::create(&png).map_err(Error::write(&png))?;
        let mut file = std::io::BufWriter::new(file);
        PngEncoder::new_with_quality(&mut file, PNG_SPEED, PNG_FILTER)
            .write_image(pixels, width, height, image::ColorType::Rgb8)
            .map_err(|e| failed(&png, e.to_string()))?;
        crate::output::write::finish(file, &png)
    })?;
    let mut text = String::new();
    {
        let area = SVGBackend::with_string(&mut text, chart.size).into_drawing_area();
        draw_chart(&area, chart).map_err(|e| failed(&svg, e))?;
    }
    let mut file = std::fs::File::create(&svg).map_err(Error::write(&svg))?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(Error::write(&svg))?;
    crate::output::write::start_writeback(&file);
    let rel = |p: &Path| {
        p.strip_prefix(out)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    };
    Ok(Rendered {
        area: chart.area.clone(),
        id: chart.id.clone(),
        png: rel(&png),
        svg: rel(&svg),
        title: chart.frame.title.clone(),
        alt: format!("{}. {}", chart.frame.title, chart.frame.subtitle),
    })
}

/// Draws every chart in parallel; the result keeps the order of `charts`.
pub fn render_all(charts: &[Chart], out: &Path) -> Result<Vec<Rendered>> {
    charts.par_iter().map(|c| render(c, out)).collect()
}
