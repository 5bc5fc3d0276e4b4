//! Figures: the numbers the charts and the report show, read from the aggregate tables once
//! and shaped per area, so a chart and the sentence under it quote the same values.

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;

use crate::forces;
use crate::month::Month;
use crate::population::ENGLAND_AND_WALES;

/// Groups with a Census count, in display order.
pub const GROUPS: [&str; 5] = ["Asian", "Black", "Mixed", "White", "Other"];

/// A period the figures are about, with how much of it the data cover.
#[derive(Debug, Clone, PartialEq)]
pub struct Period {
    /// `2022/23`.
    pub label: String,
    /// Force-months with data.
    pub covered: u32,
    /// Force-months in a full year for the area (12 per force).
    pub possible: u32,
}

impl Period {
    pub fn is_complete(&self) -> bool {
        self.covered >= self.possible
    }
}

/// A rate ratio against the reference group.
#[derive(Debug, Clone, PartialEq)]
pub struct Ratio {
    pub label: String,
    pub ratio: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub searches: u64,
    pub reference_searches: u64,
    pub small_numbers: bool,
    pub unsuitable: bool,
    pub undefined: bool,
    pub not_stated_share: Option<f64>,
    pub if_not_stated_in_group: Option<f64>,
    pub if_not_stated_in_reference: Option<f64>,
    /// The financial year, for league rows.
    pub period: Option<Period>,
}

/// A rate per 1,000 residents.
#[derive(Debug, Clone, PartialEq)]
pub struct Rate {
    pub group: String,
    pub rate: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub searches: u64,
    pub population: Option<u64>,
    pub small_numbers: bool,
}

/// A share with its interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    pub group: String,
    pub n: u64,
    pub total: u64,
    pub share: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub small_numbers: bool,
}

/// How one group's searches split between categories.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    pub group: String,
    pub total: u64,
    /// (category, searches), in the order of the categories.
    pub parts: Vec<(String, u64)>,
}

/// One month of an area's series; `None` fields are months without data.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthPoint {
    pub month: Month,
    /// Searches by group (GROUPS, then Not stated and Missing) when the month is covered.
    pub searches: Option<BTreeMap<String, u64>>,
    /// Comparison group against the reference: (ratio, low, high).
    pub ratio: Option<(f64, f64, Option<f64>)>,
}

#[derive(Debug, Clone)]
pub struct AreaFigures {
    /// Force id or `england-and-wales`.
    pub area: String,
    pub name: String,
    /// The headline financial year: the latest the area covers in full, else the latest with
    /// any data.
    pub period: Option<Period>,
    pub ratios: Vec<Ratio>,
    pub rates: Vec<Rate>,
    pub monthly: Vec<MonthPoint>,
    /// By ethnic group: search_group split of the headline year.
    pub search_groups: Vec<Split>,
    /// By ethnic group: outcome class split of the headline year.
    pub outcomes: Vec<Split>,
    pub find_linked: Vec<Share>,
    pub find_action: Vec<Share>,
    pub out_of_court: Vec<Share>,
    /// Share of the area's searches whose self-defined ethnicity was not stated or empty.
    pub not_stated_share: Option<f64>,
    pub all_searches: u64,
    pub unsuitable_denominator: bool,
    pub no_resident_population: bool,
}

#[derive(Debug, Clone)]
pub struct CoverageGrid {
    pub months: Vec<Month>,
    /// (force id, status per month: `submitted`, `zero`, `missing`, `failed`).
    pub forces: Vec<(String, Vec<String>)>,
}

#[derive(Debug, Clone)]
pub struct Figures {
    pub census: String,
    pub reference: String,
    /// The group whose ratio to the reference the trend and league show (Black, or White
    /// when Black is the reference).
    pub comparison: String,
    /// England & Wales first, then each force with data, by name.
    pub areas: Vec<AreaFigures>,
    /// Black/White (comparison/reference) ratio of every force for `league_period`.
    pub league: Vec<Ratio>,
    pub league_period: Option<String>,
    pub coverage: CoverageGrid,
}

/// Columns of a frame as plain vectors, by name.
struct Cols<'a>(&'a DataFrame);

impl Cols<'_> {
    fn str(&self, name: &str) -> Vec<Option<String>> {
        match self.0.column(name).and_then(|c| c.cast(&DataType::String)) {
            Ok(c) => c
                .str()
                .map(|s| s.iter().map(|v| v.map(str::to_owned)).collect())
                .unwrap_or_default(),
            Err(_) => vec![None; self.0.height()],
        }
    }
    fn f64(&self, name: &str) -> Vec<Option<f64>> {
        match self.0.column(name).and_then(|c| c.cast(&DataType::Float64)) {
            Ok(c) => c.f64().map(|s| s.iter().collect()).unwrap_or_default(),
            Err(_) => vec![None; self.0.height()],
        }
    }
    fn u64(&self, name: &str) -> Vec<u64> {
        self.f64(name)
            .into_iter()
            .map(|v| v.unwrap_or(0.0) as u64)
            .collect()
    }
    fn bool(&self, name: &str) -> Vec<bool> {
        match self.0.column(name) {
            Ok(c) => c
                .bool()
                .map(|s| s.iter().map(|v| v.unwrap_or(false)).collect())
                .unwrap_or_else(|_| vec![false; self.0.height()]),
            Err(_) => vec![false; self.0.height()],
        }
    }
}

pub fn area_name(area: &str) -> String {
    if area == ENGLAND_AND_WALES {
        return "England and Wales".to_owned();
    }
    forces::by_id(area).map_or_else(|| area.to_owned(), |f| f.name.to_owned())
}

/// Financial-year rows of `rates` (search_group `all`, ethnicity `All`): coverage per area.
fn years_by_area(rates: &DataFrame) -> BTreeMap<String, Vec<Period>> {
    let c = Cols(rates);
    let (area, kind, period, group, eth) = (
        c.str("area"),
        c.str("period_type"),
        c.str("period"),
        c.str("search_group"),
        c.str("ethnicity"),
    );
    let covered = c.u64("force_months_covered");
    let mut out: BTreeMap<String, Vec<Period>> = BTreeMap::new();
    for i in 0..rates.height() {
        if kind[i].as_deref() == Some("financial_year")
            && group[i].as_deref() == Some("all")
            && eth[i].as_deref() == Some("All")
        {
            let (Some(a), Some(p)) = (&area[i], &period[i]) else {
                continue;
            };
            out.entry(a.clone()).or_default().push(Period {
                label: p.clone(),
                covered: covered[i] as u32,
                possible: 12,
            });
        }
    }
    out
}

/// Forces that count towards each area (to know how many force-months make a full year).
fn forces_per_area(coverage: &DataFrame, merge_city: bool) -> BTreeMap<String, u32> {
    let mut out: BTreeMap<String, u32> = BTreeMap::new();
    let mut seen = std::collections::BTreeSet::new();
    for force in Cols(coverage).str("force").into_iter().flatten() {
        if !seen.insert(force.clone()) {
            continue;
        }
        if let Some(f) = forces::by_id(&force) {
            for a in crate::population::areas_of(f, merge_city) {
                *out.entry(a.to_owned()).or_default() += 1;
            }
        }
    }
    out
}

/// Picks the headline year: the latest complete one, else the latest with data.
fn headline(mut years: Vec<Period>, forces: u32) -> Option<Period> {
    for y in &mut years {
        y.possible = 12 * forces.max(1);
    }
    years.sort_by(|a, b| a.label.cmp(&b.label));
    years
        .iter()
        .rev()
        .find(|y| y.is_complete())
        .or(years.last())
        .cloned()
}

pub struct Inputs<'a> {
    pub tables: &'a HashMap<String, DataFrame>,
    pub coverage: &'a DataFrame,
    pub reference: &'a str,
    pub census: &'a str,
    pub merge_city_into_met: bool,
}

pub fn figures(inp: &Inputs) -> Figures {
    let empty = DataFrame::empty();
    let table = |name: &str| inp.tables.get(name).unwrap_or(&empty);
    let comparison = if inp.reference == "Black" {
        "White"
    } else {
        "Black"
    };
    let per_area = forces_per_area(inp.coverage, inp.merge_city_into_met);
    let years = years_by_area(table("rates"));
    let mut areas: Vec<AreaFigures> = years
        .iter()
        .map(|(area, ys)| {
            let period = headline(ys.clone(), per_area.get(area).copied().unwrap_or(1));
            area_figures(inp, area, period, comparison)
        })
        .collect();
    areas.sort_by_key(|a| (a.area != ENGLAND_AND_WALES, a.name.clone()));

    // The league: the latest financial year that some force covers in full, else the latest
    // with any data.
    let force_years: Vec<Period> = years
        .iter()
        .filter(|(a, _)| *a != ENGLAND_AND_WALES)
        .flat_map(|(_, ys)| ys.clone())
        .collect();
    let league_period = force_years
        .iter()
        .filter(|y| y.covered >= 12)
        .map(|y| y.label.clone())
        .max()
        .or_else(|| force_years.iter().map(|y| y.label.clone()).max());
    let league = league_period
        .as_ref()
        .map(|p| league(inp, p, comparison, &years))
        .unwrap_or_default();
    Figures {
        census: inp.census.to_owned(),
        reference: inp.reference.to_owned(),
        comparison: comparison.to_owned(),
        areas,
        league,
        league_period,
        coverage: coverage_grid(inp.coverage),
    }
}

fn ratio_rows(
    disparity: &DataFrame,
    keep: impl Fn(&str, &str, &str, &str, &str) -> bool,
) -> Vec<(String, String, Ratio)> {
    let c = Cols(disparity);
    let (area, kind, period, group, eth) = (
        c.str("area"),
        c.str("period_type"),
        c.str("period"),
        c.str("search_group"),
        c.str("ethnicity"),
    );
    let (ratio, low, high) = (
        c.f64("rate_ratio"),
        c.f64("ratio_ci_low"),
        c.f64("ratio_ci_high"),
    );
    let (n, rn) = (c.u64("searches"), c.u64("reference_searches"));
    let (small, unsuitable, undefined) = (
        c.bool("small_numbers"),
        c.bool("resident_denominator_unsuitable"),
        c.bool("undefined_ratio"),
    );
    let (ns, b_hi, b_lo) = (
        c.f64("not_stated_share"),
        c.f64("ratio_if_not_stated_in_group"),
        c.f64("ratio_if_not_stated_in_reference"),
    );
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    (0..disparity.height())
        .filter(|&i| {
            keep(
                &text(&area[i]),
                &text(&kind[i]),
                &text(&period[i]),
                &text(&group[i]),
                &text(&eth[i]),
            )
        })
        .map(|i| {
            (
                text(&area[i]),
                text(&period[i]),
                Ratio {
                    label: text(&eth[i]),
                    ratio: ratio[i],
                    low: low[i],
                    high: high[i],
                    searches: n[i],
                    reference_searches: rn[i],
                    small_numbers: small[i],
                    unsuitable: unsuitable[i],
                    undefined: undefined[i],
                    not_stated_share: ns[i],
                    if_not_stated_in_group: b_hi[i],
                    if_not_stated_in_reference: b_lo[i],
                    period: None,
                },
            )
        })
        .collect()
}

fn league(
    inp: &Inputs,
    period: &str,
    comparison: &str,
    years: &BTreeMap<String, Vec<Period>>,
) -> Vec<Ratio> {
    let Some(d) = inp.tables.get("disparity") else {
        return Vec::new();
    };
    let mut rows: Vec<Ratio> = ratio_rows(d, |a, k, p, g, e| {
        a != ENGLAND_AND_WALES
            && k == "financial_year"
            && p == period
            && g == "all"
            && e == comparison
    })
    .into_iter()
    .map(|(area, _, mut r)| {
        r.period = years
            .get(&area)
            .and_then(|ys| ys.iter().find(|y| y.label == period).cloned());
        r.label = area_name(&area);
        r
    })
    .collect();
    rows.sort_by(|a, b| {
        b.ratio
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&a.ratio.unwrap_or(f64::NEG_INFINITY))
            .then_with(|| a.label.cmp(&b.label))
    });
    rows
}

fn area_figures(inp: &Inputs, area: &str, period: Option<Period>, comparison: &str) -> AreaFigures {
    let empty = DataFrame::empty();
    let table = |name: &str| inp.tables.get(name).unwrap_or(&empty);
    let fy = period.as_ref().map(|p| p.label.clone()).unwrap_or_default();
    let ratios: Vec<Ratio> = ratio_rows(table("disparity"), |a, k, p, g, _| {
        a == area && k == "financial_year" && p == fy && g == "all"
    })
    .into_iter()
    .map(|(_, _, r)| r)
    .collect();
    let ratios = order_by_group(ratios, |r| r.label.as_str());

    // Rates and monthly series.
    let r = table("rates");
    let c = Cols(r);
    let (ar, kind, per, sg, eth) = (
        c.str("area"),
        c.str("period_type"),
        c.str("period"),
        c.str("search_group"),
        c.str("ethnicity"),
    );
    let (rate, low, high) = (
        c.f64("rate_per_1000"),
        c.f64("rate_ci_low"),
        c.f64("rate_ci_high"),
    );
    let (n, pop, small) = (
        c.u64("searches"),
        c.f64("population"),
        c.bool("small_numbers"),
    );
    let (unsuitable, no_res) = (
        c.bool("resident_denominator_unsuitable"),
        c.bool("no_resident_population"),
    );
    let mut rates = Vec::new();
    let mut monthly: BTreeMap<Month, BTreeMap<String, u64>> = BTreeMap::new();
    let mut all_searches = 0;
    let (mut unsuitable_denominator, mut no_resident_population) = (false, false);
    for i in 0..r.height() {
        if ar[i].as_deref() != Some(area) || sg[i].as_deref() != Some("all") {
            continue;
        }
        let group = eth[i].clone().unwrap_or_default();
        match kind[i].as_deref() {
            Some("financial_year") if per[i].as_deref() == Some(fy.as_str()) => {
                unsuitable_denominator |= unsuitable[i];
                no_resident_population |= no_res[i];
                if group == "All" {
                    all_searches = n[i];
                }
                if GROUPS.contains(&group.as_str()) || group == "All" {
                    rates.push(Rate {
                        group,
                        rate: rate[i],
                        low: low[i],
                        high: high[i],
                        searches: n[i],
                        population: pop[i].map(|p| p as u64),
                        small_numbers: small[i],
                    });
                }
            }
            Some("month") if group != "All" => {
                if let Some(m) = per[i].as_deref().and_then(|m| m.parse().ok()) {
                    monthly.entry(m).or_default().insert(group, n[i]);
                }
            }
            _ => {}
        }
    }
    let rates = order_by_group(rates, |r| r.group.as_str());
    let month_ratios: BTreeMap<String, (f64, f64, Option<f64>)> =
        ratio_rows(table("disparity"), |a, k, _, g, e| {
            a == area && k == "month" && g == "all" && e == comparison
        })
        .into_iter()
        .filter_map(|(_, p, r)| Some((p, (r.ratio?, r.low?, r.high))))
        .collect();
    let span = &coverage_grid(inp.coverage).months;
    let monthly = span
        .iter()
        .map(|m| MonthPoint {
            month: *m,
            searches: monthly.get(m).cloned(),
            ratio: month_ratios.get(&m.to_string()).copied(),
        })
        .collect();

    let splits = |table_name: &str, category: &str, value: &str| -> Vec<Split> {
        let t = table(table_name);
        let c = Cols(t);
        let (ar, kind, per, eth, cat) = (
            c.str("area"),
            c.str("period_type"),
            c.str("period"),
            c.str("ethnicity"),
            c.str(category),
        );
        let sg = c.str("search_group");
        let v = c.u64(value);
        let mut by: BTreeMap<String, Vec<(String, u64)>> = BTreeMap::new();
        for i in 0..t.height() {
            let group = eth[i].clone().unwrap_or_default();
            let wanted = ar[i].as_deref() == Some(area)
                && kind[i].as_deref() == Some("financial_year")
                && per[i].as_deref() == Some(fy.as_str())
                && (GROUPS.contains(&group.as_str()) || group == "All");
            let category = cat[i].clone().unwrap_or_default();
            if wanted
                && category != "all"
                && category != "out_of_court"
                && sg[i].as_deref() != Some("all")
            {
                by.entry(group).or_default().push((category, v[i]));
            }
        }
        let splits: Vec<Split> = by
            .into_iter()
            .map(|(group, mut parts)| {
                parts.sort();
                Split {
                    total: parts.iter().map(|p| p.1).sum(),
                    group,
                    parts,
                }
            })
            .collect();
        order_by_group(splits, |s| s.group.as_str())
    };
    let search_groups = {
        // rates rows are per search_group × ethnicity: searches by group.
        splits("rates", "search_group", "searches")
    };
    let outcomes = splits("outcomes", "outcome_class", "n");

    let shares = |table_name: &str, filter: &dyn Fn(usize, &Cols) -> bool| -> Vec<Share> {
        let t = table(table_name);
        let c = Cols(t);
        let (ar, kind, per, eth) = (
            c.str("area"),
            c.str("period_type"),
            c.str("period"),
            c.str("ethnicity"),
        );
        let (k, tot, sh, lo, hi, small) = (
            c.u64("n"),
            c.u64("total"),
            c.f64("share"),
            c.f64("share_ci_low"),
            c.f64("share_ci_high"),
            c.bool("small_numbers"),
        );
        let rows: Vec<Share> = (0..t.height())
            .filter(|&i| {
                ar[i].as_deref() == Some(area)
                    && kind[i].as_deref() == Some("financial_year")
                    && per[i].as_deref() == Some(fy.as_str())
                    && eth[i]
                        .as_deref()
                        .is_some_and(|e| GROUPS.contains(&e) || e == "All")
                    && filter(i, &c)
            })
            .map(|i| Share {
                group: eth[i].clone().unwrap_or_default(),
                n: k[i],
                total: tot[i],
                share: sh[i],
                low: lo[i],
                high: hi[i],
                small_numbers: small[i],
            })
            .collect();
        order_by_group(rows, |s| s.group.as_str())
    };
    let find = |measure: &'static str| {
        move |i: usize, c: &Cols| {
            c.str("search_group")[i].as_deref() == Some("all")
                && c.str("measure")[i].as_deref() == Some(measure)
        }
    };
    let find_linked = shares("find_rates", &find("outcome_linked"));
    let find_action = shares("find_rates", &find("outcome_other_than_nfa"));
    let out_of_court = shares("outcomes", &|i, c: &Cols| {
        c.str("outcome_class")[i].as_deref() == Some("out_of_court")
    });
    let not_stated_share = ratios.iter().find_map(|r| r.not_stated_share);
    AreaFigures {
        area: area.to_owned(),
        name: area_name(area),
        period,
        ratios,
        rates,
        monthly,
        search_groups,
        outcomes,
        find_linked,
        find_action,
        out_of_court,
        not_stated_share,
        all_searches,
        unsuitable_denominator,
        no_resident_population,
    }
}

/// Orders rows by [`GROUPS`], then `All`.
fn order_by_group<T>(mut rows: Vec<T>, key: impl Fn(&T) -> &str) -> Vec<T> {
    let rank = |g: &str| GROUPS.iter().position(|x| *x == g).unwrap_or(GROUPS.len());
    rows.sort_by_key(|r| rank(key(r)));
    rows
}

fn coverage_grid(coverage: &DataFrame) -> CoverageGrid {
    let c = Cols(coverage);
    let (force, month, status) = (c.str("force"), c.str("month"), c.str("status"));
    let mut months: Vec<Month> = month
        .iter()
        .flatten()
        .filter_map(|m| m.parse().ok())
        .collect();
    months.sort();
    months.dedup();
    let mut by_force: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for i in 0..coverage.height() {
        if let (Some(f), Some(m), Some(s)) = (&force[i], &month[i], &status[i]) {
            by_force
                .entry(f.clone())
                .or_default()
                .insert(m.clone(), s.clone());
        }
    }
    let forces = by_force
        .into_iter()
        .map(|(f, statuses)| {
            let row = months
                .iter()
                .map(|m| {
                    statuses
                        .get(&m.to_string())
                        .cloned()
                        .unwrap_or_else(|| "missing".to_owned())
                })
                .collect();
            (f, row)
        })
        .collect();
    CoverageGrid { months, forces }
}
