//! The report: `index.html` (England and Wales, the league, coverage, the forces, the data and
//! how to read it), one page per force and the data dictionary, as static files that open from
//! disk with no server and no network. Pages come from templates (minijinja); every chart has
//! a reading generated from the same figures it draws.

pub mod what_changed;
pub mod words;

use std::path::{Path, PathBuf};

use minijinja::{Environment, Value, context};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::output::dictionary::Documented;
use crate::present::charts::Rendered;
use crate::present::charts::canvas::thousands;
use crate::present::figures::{AreaFigures, Figures};
use crate::reference::population::ENGLAND_AND_WALES;

/// A table offered for download.
#[derive(Debug, Clone, Serialize)]
pub struct TableLink {
    pub name: String,
    pub rows: usize,
    pub parquet: String,
    pub csv: Option<String>,
}

pub struct Inputs<'a> {
    pub figures: &'a Figures,
    pub charts: &'a [Rendered],
    pub tables: &'a [TableLink],
    pub dictionary: &'a [Documented],
}

#[derive(Serialize)]
struct ChartView {
    id: String,
    png: String,
    svg: String,
    alt: String,
    reading: String,
}

/// The reading under a chart.
pub fn reading(f: &Figures, area: Option<&AreaFigures>, chart_id: &str) -> String {
    let Some(a) = area else {
        return String::new();
    };
    match chart_id {
        "disparity" => words::disparity_chart_reading(f, a),
        "young-men" => words::young_men_reading(f, a),
        "diversion" => words::diversion_reading(f, a),
        "rates" => words::rates_reading(f, a),
        "trend-searches" | "trend-ratio" => words::trend_reading(f, a),
        "search-groups" => words::search_groups_reading(f, a),
        "outcomes" => words::outcomes_reading(f, a),
        "find-linked" => words::share_reading(
            f,
            a,
            &a.find_linked,
            "the search found what it was looking for (an outcome linked to the object of \
             search) in",
        ),
        "find-any-outcome" => words::share_reading(
            f,
            a,
            &a.find_action,
            "some action other than no further action followed",
        ),
        "out-of-court" => words::share_reading(
            f,
            a,
            &a.out_of_court,
            "an out-of-court disposal (cannabis or khat warning, penalty notice, community \
             resolution or caution) followed",
        ),
        "powers" => words::powers_reading(f, a),
        "find-by-power" => words::find_by_power_reading(f, a),
        "grounds-smell" => words::grounds_smell_reading(f, a),
        "grounds-find" => words::grounds_find_reading(a),
        "league" => words::league_reading(f),
        "coverage" => words::coverage_reading(f),
        _ => String::new(),
    }
}

/// The charts an area may lack for want of data (no population by age, ages not recorded, no
/// drug-search disposals, no searches under section 60), each with the reading that says why: shown where the chart would
/// be, so a missing chart is explained, never a blank.
const EXPLAINED_WHEN_ABSENT: [&str; 4] = ["young-men", "diversion", "powers", "find-by-power"];

/// The readings of the charts in [`EXPLAINED_WHEN_ABSENT`] the area does not have.
fn absent(f: &Figures, area: Option<&AreaFigures>, charts: &[ChartView]) -> Vec<String> {
    if area.is_none_or(|a| a.period.is_none()) {
        return Vec::new();
    }
    EXPLAINED_WHEN_ABSENT
        .iter()
        .filter(|id| !charts.iter().any(|c| c.id == **id))
        .map(|id| reading(f, area, id))
        .filter(|r| !r.is_empty())
        .collect()
}

fn caveats(a: &AreaFigures) -> Vec<String> {
    let mut out = Vec::new();
    if a.no_resident_population {
        out.push(
            "British Transport Police polices the railways and has no resident population: its \
             searches are counted, but there are no rates per resident, and it is left out of \
             England and Wales rates."
                .to_owned(),
        );
    }
    if a.unsuitable_denominator {
        out.push(
            "The City of London has 8,584 residents and far more workers and visitors: rates \
             per resident overstate how often people there are searched. Run with \
             --merge-city-into-met to count it with the Met."
                .to_owned(),
        );
    }
    out.extend(location_caveats(a));
    if let Some(p) = &a.period
        && !p.is_complete()
    {
        let unit = if a.area == ENGLAND_AND_WALES {
            "force-months"
        } else {
            "months"
        };
        out.push(format!(
            "The latest year is incomplete: {} of {} {unit} published. Missing months are gaps, \
             not zeros.",
            p.covered, p.possible
        ));
    }
    out
}

/// What district figures leave out: searches without a usable location, and searches across
/// force borders.
fn location_caveats(a: &AreaFigures) -> Vec<String> {
    let Some(l) = &a.location else {
        return Vec::new();
    };
    let year = a
        .period
        .as_ref()
        .map(|p| p.label.as_str())
        .unwrap_or("the year");
    let share = l
        .district_share
        .map(|s| format!("{}%", super::charts::canvas::human(s * 100.0)));
    match a.area_type.as_str() {
        "local_authority" => {
            let mut out = vec![format!(
                "District figures count the searches {} recorded at a location in this district. \
                 In {year} the force placed {} of its {} searches in its districts; searches \
                 with no location, and those it recorded in another force's area ({}), are in \
                 no district. Searches by other forces here (British Transport Police at \
                 stations, neighbouring forces) are not counted.",
                a.force.as_deref().map_or_else(
                    || "the force".to_owned(),
                    crate::present::figures::area_name
                ),
                share.clone().unwrap_or_else(|| "none".to_owned()),
                thousands(l.searches as i64),
                thousands(l.other_force_area as i64),
            )];
            if a.low_location_coverage {
                out.push(
                    "Low location coverage: the force placed fewer than 90% of its searches in \
                     its districts this year, so this district's figures may be too low."
                        .to_owned(),
                );
            }
            out
        }
        "force" if l.located == 0 && l.searches > 0 => vec![format!(
            "This force published no locations for its {} searches in {year}, so it has no \
             figures by local authority.",
            thousands(l.searches as i64)
        )],
        "force" => share
            .map(|s| {
                vec![format!(
                    "Locations: {s} of the {} searches in {year} were recorded in one of the \
                     force's local authority districts; {} had no location, {} were in another \
                     force's area and {} were outside England and Wales's districts.",
                    thousands(l.searches as i64),
                    thousands((l.searches - l.located) as i64),
                    thousands(l.other_force_area as i64),
                    thousands(l.outside_boundaries as i64),
                )]
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// A row of a table of areas: link, year, searches and ratio.
fn summary_row(f: &Figures, a: &AreaFigures) -> Value {
    let comparison = a.ratios.iter().find(|r| r.label == f.comparison);
    // The ratio with the marks the charts give it, so a table never shows it bare.
    let ratio = comparison
        .and_then(|r| {
            let marks = super::charts::all_marks(r);
            r.ratio.map(|v| {
                let v = words::ratio_text(v);
                if marks.is_empty() {
                    v
                } else {
                    format!("{v} {marks}")
                }
            })
        })
        .unwrap_or_else(|| "–".to_owned());
    let mut flags = Vec::new();
    if comparison.is_some_and(|r| r.small_numbers) {
        flags.push("small numbers †");
    }
    if comparison.is_some_and(|r| r.unsuitable) {
        flags.push("residents no fit denominator");
    }
    if a.low_location_coverage {
        flags.push("low location coverage");
    }
    if comparison.is_some_and(|r| r.unreliable()) {
        flags.push("ethnicity not recorded for too many searches: do not headline *");
    }
    if comparison.is_some_and(|r| r.suspect_months > 0) {
        flags.push("a month looks partial or doubled ‡");
    }
    if comparison.is_some_and(|r| r.home_office_differs) {
        flags.push("counts differ from the Home Office's §");
    }
    context! {
        id => a.area.clone(),
        name => a.name.clone(),
        period => a.period.as_ref().map(|p| if p.is_complete() {
            p.label.clone()
        } else {
            format!("{} ({} of {} months)", p.label, p.covered, p.possible)
        }).unwrap_or_default(),
        searches => thousands(a.all_searches as i64),
        ratio => ratio,
        flags => flags.join(", "),
    }
}

fn serde_value<T: Serialize>(x: T) -> Value {
    Value::from(minijinja::value::Serde(x))
}

fn env() -> Environment<'static> {
    let mut env = Environment::new();
    for (name, source) in [
        ("base.html", include_str!("templates/base.html")),
        ("charts.html", include_str!("templates/charts.html")),
        ("index.html", include_str!("templates/index.html")),
        ("force.html", include_str!("templates/force.html")),
        ("area.html", include_str!("templates/area.html")),
        ("dictionary.html", include_str!("templates/dictionary.html")),
    ] {
        env.add_template(name, source)
            .expect("the built-in templates are valid");
    }
    env
}

fn chart_views(f: &Figures, charts: &[Rendered], area: &str) -> Vec<ChartView> {
    let figures = f.areas.iter().find(|a| a.area == area);
    charts
        .iter()
        .filter(|c| c.area == area)
        .map(|c| ChartView {
            id: c.id.clone(),
            png: c.png.clone(),
            svg: c.svg.clone(),
            alt: c.alt.clone(),
            reading: reading(f, figures, &c.id),
        })
        .collect()
}

/// Writes the report into `out`; returns the pages written.
pub fn write(inp: &Inputs, out: &Path) -> Result<Vec<PathBuf>> {
    let env = env();
    let f = inp.figures;
    let render = |template: &str, ctx: minijinja::Value| -> Result<String> {
        env.get_template(template)
            .and_then(|t| t.render(ctx))
            .map_err(|e| Error::Invariant(format!("report template {template}: {e}")))
    };
    let mut pages = Vec::new();
    let mut put = |path: PathBuf, html: String| -> Result<()> {
        crate::output::write::atomic(&path, html.as_bytes())?;
        pages.push(path);
        Ok(())
    };
    let national = f.areas.iter().find(|a| a.area == ENGLAND_AND_WALES);
    let national_charts = chart_views(f, inp.charts, ENGLAND_AND_WALES);
    let national_absent = absent(f, national, &national_charts);
    let forces: Vec<_> = f
        .areas
        .iter()
        .filter(|a| a.area_type == "force")
        .map(|a| summary_row(f, a))
        .collect();
    let index = render(
        "index.html",
        context! {
            title => "Stop and search in England and Wales, by ethnicity",
            synthetic => f.synthetic,
            root => "",
            census => f.census.clone(),
            version => crate::VERSION,
            reference => f.reference.clone(),
            comparison => f.comparison.clone(),
            headline => national.map(|a| words::disparity_reading(f, a)).unwrap_or_default(),
            changed => national.map(|a| what_changed::paragraphs(f, a)).unwrap_or_default(),
            national_name => national.map_or_else(|| "England and Wales".to_owned(), |a| a.name.clone()),
            caveats => national.map(caveats).unwrap_or_default(),
            charts => serde_value(national_charts),
            absent => national_absent,
            forces => forces,
            districts => f.districts,
            tables => serde_value(inp.tables),
        },
    )?;
    put(out.join("index.html"), index)?;
    // A page per force and per district: the same charts and readings, with the district's
    // force above it and the force's districts below.
    for a in f.areas.iter().filter(|a| a.area_type != "country") {
        let district = a.area_type == "local_authority";
        let districts: Vec<Value> = f.districts_of(&a.area).map(|d| summary_row(f, d)).collect();
        let charts = chart_views(f, inp.charts, &a.area);
        let absent = absent(f, Some(a), &charts);
        let html = render(
            if district { "area.html" } else { "force.html" },
            context! {
                title => format!("Stop and search by ethnicity: {}", a.name),
                synthetic => f.synthetic,
                root => "../",
                census => f.census.clone(),
                version => crate::VERSION,
                id => a.area.clone(),
                name => a.name.clone(),
                force => a.force.clone(),
                force_name => a.force.as_deref().map(crate::present::figures::area_name),
                headline => words::disparity_reading(f, a),
                changed => what_changed::paragraphs(f, a),
                caveats => caveats(a),
                charts => serde_value(charts),
                absent => absent,
                districts => districts,
                boundaries => f.districts,
            },
        )?;
        let folder = if district { "areas" } else { "forces" };
        put(out.join(folder).join(format!("{}.html", a.area)), html)?;
    }
    let tables: Vec<_> = inp
        .dictionary
        .iter()
        .map(|t| {
            context! {
                name => t.name.clone(),
                description => t.description.clone(),
                columns => serde_value(&t.columns),
            }
        })
        .collect();
    let dictionary = render(
        "dictionary.html",
        context! {
            title => "stopsearch data dictionary",
            synthetic => f.synthetic,
            root => "",
            census => f.census.clone(),
            version => crate::VERSION,
            tables => tables,
        },
    )?;
    put(out.join("data-dictionary.html"), dictionary)?;
    Ok(pages)
}
