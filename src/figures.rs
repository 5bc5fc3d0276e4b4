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

/// What officers wrote as the grounds for searches in the headline year, where a force or FOI
/// extract carries grounds text.
#[derive(Debug, Clone, PartialEq)]
pub struct GroundsFigures {
    /// The searches described: `drugs` when drug searches have grounds text, else `all`.
    pub search_group: String,
    /// By group: share of searches whose grounds mention the smell of cannabis.
    pub smell: Vec<Share>,
    /// By group: share of searches whose only ground is the smell of cannabis.
    pub smell_only: Vec<Share>,
    /// Find rate by grounds category: (category, shares for the comparison group, the
    /// reference group and everyone).
    pub find: Vec<(String, Vec<Share>)>,
    /// `outcome_linked` where the force records it, else `outcome_other_than_nfa`.
    pub measure: String,
}

/// The grounds categories that say how smell figured, first in the find-rate chart.
pub const SMELL_CATEGORIES: [&str; 3] = ["smell_only", "smell_with_other_grounds", "no_smell"];

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
    /// Only where an extract with grounds text covers the area.
    pub grounds: Option<GroundsFigures>,
}

#[derive(Debug, Clone)]
pub struct CoverageGrid {
    pub months: Vec<Month>,
    /// (force id, status per month: `submitted`, `zero`, `missing`, `failed`).
    pub forces: Vec<(String, Vec<String>)>,
}

#[derive(Debug, Clone)]
pub struct Figures {
    /// The inputs are test data (made by `stopsearch synth`, or an extract constructed for
    /// tests): every chart and page says so.
    pub synthetic: bool,
    /// Names of the force or FOI extracts read (from their mapping files), for source lines.
    pub extracts: Vec<String>,
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

/// A table's columns converted once to plain vectors, with its rows grouped by area: each
/// area's figures then read only that area's rows.
struct View {
    height: usize,
    text: HashMap<String, Vec<Option<String>>>,
    num: HashMap<String, Vec<Option<f64>>>,
    flag: HashMap<String, Vec<bool>>,
    by_area: HashMap<String, Vec<usize>>,
}

impl View {
    fn new(df: &DataFrame) -> View {
        let mut v = View {
            height: df.height(),
            text: HashMap::new(),
            num: HashMap::new(),
            flag: HashMap::new(),
            by_area: HashMap::new(),
        };
        for c in df.columns() {
            let name = c.name().to_string();
            match c.dtype() {
                DataType::Boolean => {
                    if let Ok(b) = c.bool() {
                        v.flag
                            .insert(name, b.iter().map(|x| x.unwrap_or(false)).collect());
                    }
                }
                DataType::String | DataType::Enum(..) | DataType::Categorical(..) => {
                    if let Ok(t) = c.cast(&DataType::String)
                        && let Ok(s) = t.str()
                    {
                        v.text
                            .insert(name, s.iter().map(|x| x.map(str::to_owned)).collect());
                    }
                }
                dt if dt.is_primitive_numeric() => {
                    if let Ok(f) = c.cast(&DataType::Float64)
                        && let Ok(f) = f.f64()
                    {
                        v.num.insert(name, f.iter().collect());
                    }
                }
                _ => {}
            }
        }
        if let Some(areas) = v.text.get("area") {
            for (i, a) in areas.iter().enumerate() {
                if let Some(a) = a {
                    v.by_area.entry(a.clone()).or_default().push(i);
                }
            }
        }
        v
    }

    fn empty() -> View {
        View::new(&DataFrame::empty())
    }

    fn rows(&self, area: &str) -> &[usize] {
        self.by_area.get(area).map_or(&[], Vec::as_slice)
    }

    fn s(&self, col: &str, i: usize) -> Option<&str> {
        self.text.get(col)?.get(i)?.as_deref()
    }

    fn n(&self, col: &str, i: usize) -> Option<f64> {
        *self.num.get(col)?.get(i)?
    }

    fn u(&self, col: &str, i: usize) -> u64 {
        self.n(col, i).unwrap_or(0.0) as u64
    }

    fn b(&self, col: &str, i: usize) -> bool {
        self.flag
            .get(col)
            .and_then(|f| f.get(i))
            .copied()
            .unwrap_or(false)
    }
}

/// The tables the figures read, each viewed once.
struct Views {
    rates: View,
    disparity: View,
    outcomes: View,
    find_rates: View,
    grounds: View,
    grounds_outcomes: View,
}

pub fn area_name(area: &str) -> String {
    if area == ENGLAND_AND_WALES {
        return "England and Wales".to_owned();
    }
    forces::by_id(area).map_or_else(|| area.to_owned(), |f| f.name.to_owned())
}

/// Financial-year rows of `rates` (search_group `all`, ethnicity `All`): coverage per area.
fn years_by_area(rates: &View) -> BTreeMap<String, Vec<Period>> {
    let mut out: BTreeMap<String, Vec<Period>> = BTreeMap::new();
    for i in 0..rates.height {
        if rates.s("period_type", i) == Some("financial_year")
            && rates.s("search_group", i) == Some("all")
            && rates.s("ethnicity", i) == Some("All")
        {
            let (Some(a), Some(p)) = (rates.s("area", i), rates.s("period", i)) else {
                continue;
            };
            out.entry(a.to_owned()).or_default().push(Period {
                label: p.to_owned(),
                covered: rates.u("force_months_covered", i) as u32,
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
    let forces: Vec<String> = coverage
        .column("force")
        .and_then(|c| c.cast(&DataType::String))
        .ok()
        .and_then(|c| {
            c.str()
                .ok()
                .map(|s| s.iter().flatten().map(str::to_owned).collect())
        })
        .unwrap_or_default();
    for force in forces {
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
    pub synthetic: bool,
    pub extracts: Vec<String>,
    /// The grounds classifier's categories, in rule order.
    pub grounds_categories: Vec<String>,
}

pub fn figures(inp: &Inputs) -> Figures {
    let view = |name: &str| inp.tables.get(name).map_or_else(View::empty, View::new);
    let v = Views {
        rates: view("rates"),
        disparity: view("disparity"),
        outcomes: view("outcomes"),
        find_rates: view("find_rates"),
        grounds: view("grounds"),
        grounds_outcomes: view("grounds_outcomes"),
    };
    let comparison = if inp.reference == "Black" {
        "White"
    } else {
        "Black"
    };
    let per_area = forces_per_area(inp.coverage, inp.merge_city_into_met);
    let years = years_by_area(&v.rates);
    let coverage = coverage_grid(inp.coverage);
    let mut areas: Vec<AreaFigures> = years
        .iter()
        .map(|(area, ys)| {
            let period = headline(ys.clone(), per_area.get(area).copied().unwrap_or(1));
            area_figures(
                &v,
                &coverage.months,
                area,
                period,
                comparison,
                inp.reference,
                &inp.grounds_categories,
            )
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
        .map(|p| league(&v.disparity, p, comparison, &years))
        .unwrap_or_default();
    Figures {
        synthetic: inp.synthetic,
        extracts: inp.extracts.clone(),
        census: inp.census.to_owned(),
        reference: inp.reference.to_owned(),
        comparison: comparison.to_owned(),
        areas,
        league,
        league_period,
        coverage,
    }
}

/// Rows of the disparity table as ratios: (area, period, ratio).
fn ratio_rows<'a>(
    d: &'a View,
    rows: impl Iterator<Item = usize> + 'a,
    keep: impl Fn(&str, &str, &str, &str) -> bool + 'a,
) -> impl Iterator<Item = (String, String, Ratio)> + 'a {
    rows.filter(move |&i| {
        keep(
            d.s("period_type", i).unwrap_or_default(),
            d.s("period", i).unwrap_or_default(),
            d.s("search_group", i).unwrap_or_default(),
            d.s("ethnicity", i).unwrap_or_default(),
        )
    })
    .map(move |i| {
        (
            d.s("area", i).unwrap_or_default().to_owned(),
            d.s("period", i).unwrap_or_default().to_owned(),
            Ratio {
                label: d.s("ethnicity", i).unwrap_or_default().to_owned(),
                ratio: d.n("rate_ratio", i),
                low: d.n("ratio_ci_low", i),
                high: d.n("ratio_ci_high", i),
                searches: d.u("searches", i),
                reference_searches: d.u("reference_searches", i),
                small_numbers: d.b("small_numbers", i),
                unsuitable: d.b("resident_denominator_unsuitable", i),
                undefined: d.b("undefined_ratio", i),
                not_stated_share: d.n("not_stated_share", i),
                if_not_stated_in_group: d.n("ratio_if_not_stated_in_group", i),
                if_not_stated_in_reference: d.n("ratio_if_not_stated_in_reference", i),
                period: None,
            },
        )
    })
}

fn league(
    d: &View,
    period: &str,
    comparison: &str,
    years: &BTreeMap<String, Vec<Period>>,
) -> Vec<Ratio> {
    let mut rows: Vec<Ratio> = ratio_rows(d, 0..d.height, |k, p, g, e| {
        k == "financial_year" && p == period && g == "all" && e == comparison
    })
    .filter(|(area, _, _)| area != ENGLAND_AND_WALES)
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

fn area_figures(
    v: &Views,
    span: &[Month],
    area: &str,
    period: Option<Period>,
    comparison: &str,
    reference: &str,
    order: &[String],
) -> AreaFigures {
    let fy = period.as_ref().map(|p| p.label.clone()).unwrap_or_default();
    let d = &v.disparity;
    let ratios: Vec<Ratio> = ratio_rows(d, d.rows(area).iter().copied(), |k, p, g, _| {
        k == "financial_year" && p == fy && g == "all"
    })
    .map(|(_, _, r)| r)
    .collect();
    let ratios = order_by_group(ratios, |r| r.label.as_str());

    // Rates and monthly series.
    let r = &v.rates;
    let mut rates = Vec::new();
    let mut monthly: BTreeMap<Month, BTreeMap<String, u64>> = BTreeMap::new();
    let mut all_searches = 0;
    let (mut unsuitable_denominator, mut no_resident_population) = (false, false);
    for &i in r.rows(area) {
        if r.s("search_group", i) != Some("all") {
            continue;
        }
        let group = r.s("ethnicity", i).unwrap_or_default().to_owned();
        match r.s("period_type", i) {
            Some("financial_year") if r.s("period", i) == Some(fy.as_str()) => {
                unsuitable_denominator |= r.b("resident_denominator_unsuitable", i);
                no_resident_population |= r.b("no_resident_population", i);
                if group == "All" {
                    all_searches = r.u("searches", i);
                }
                if GROUPS.contains(&group.as_str()) || group == "All" {
                    rates.push(Rate {
                        group,
                        rate: r.n("rate_per_1000", i),
                        low: r.n("rate_ci_low", i),
                        high: r.n("rate_ci_high", i),
                        searches: r.u("searches", i),
                        population: r.n("population", i).map(|p| p as u64),
                        small_numbers: r.b("small_numbers", i),
                    });
                }
            }
            Some("month") if group != "All" => {
                if let Some(m) = r.s("period", i).and_then(|m| m.parse().ok()) {
                    monthly
                        .entry(m)
                        .or_default()
                        .insert(group, r.u("searches", i));
                }
            }
            _ => {}
        }
    }
    let rates = order_by_group(rates, |r| r.group.as_str());
    let month_ratios: BTreeMap<String, (f64, f64, Option<f64>)> =
        ratio_rows(d, d.rows(area).iter().copied(), |k, _, g, e| {
            k == "month" && g == "all" && e == comparison
        })
        .filter_map(|(_, p, r)| Some((p, (r.ratio?, r.low?, r.high))))
        .collect();
    let monthly = span
        .iter()
        .map(|m| MonthPoint {
            month: *m,
            searches: monthly.get(m).cloned(),
            ratio: month_ratios.get(&m.to_string()).copied(),
        })
        .collect();

    // How each group's searches of the headline year split between categories.
    let splits = |t: &View, category: &str, value: &str| -> Vec<Split> {
        let mut by: BTreeMap<String, Vec<(String, u64)>> = BTreeMap::new();
        for &i in t.rows(area) {
            let group = t.s("ethnicity", i).unwrap_or_default();
            let cat = t.s(category, i).unwrap_or_default();
            let wanted = t.s("period_type", i) == Some("financial_year")
                && t.s("period", i) == Some(fy.as_str())
                && (GROUPS.contains(&group) || group == "All")
                && cat != "all"
                && cat != "out_of_court"
                && t.s("search_group", i) != Some("all");
            if wanted {
                by.entry(group.to_owned())
                    .or_default()
                    .push((cat.to_owned(), t.u(value, i)));
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
    let search_groups = splits(&v.rates, "search_group", "searches");
    let outcomes = splits(&v.outcomes, "outcome_class", "n");

    let shares = |t: &View, keep: &dyn Fn(usize) -> bool| -> Vec<Share> {
        let rows: Vec<Share> = t
            .rows(area)
            .iter()
            .copied()
            .filter(|&i| {
                t.s("period_type", i) == Some("financial_year")
                    && t.s("period", i) == Some(fy.as_str())
                    && t.s("ethnicity", i)
                        .is_some_and(|e| GROUPS.contains(&e) || e == "All")
                    && keep(i)
            })
            .map(|i| Share {
                group: t.s("ethnicity", i).unwrap_or_default().to_owned(),
                n: t.u("n", i),
                total: t.u("total", i),
                share: t.n("share", i),
                low: t.n("share_ci_low", i),
                high: t.n("share_ci_high", i),
                small_numbers: t.b("small_numbers", i),
            })
            .collect();
        order_by_group(rows, |s| s.group.as_str())
    };
    let f = &v.find_rates;
    let find = |measure: &'static str| {
        move |i: usize| f.s("search_group", i) == Some("all") && f.s("measure", i) == Some(measure)
    };
    let find_linked = shares(f, &find("outcome_linked"));
    let find_action = shares(f, &find("outcome_other_than_nfa"));
    let o = &v.outcomes;
    let out_of_court = shares(o, &|i| o.s("outcome_class", i) == Some("out_of_court"));
    let not_stated_share = ratios.iter().find_map(|r| r.not_stated_share);
    let grounds = grounds_figures(v, area, &fy, comparison, reference, order, &shares);
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
        grounds,
    }
}

/// The shares of a table's rows that pass a filter, one per ethnic group.
type SharesOf<'a> = dyn Fn(&View, &dyn Fn(usize) -> bool) -> Vec<Share> + 'a;

/// The grounds figures of an area's headline year, if an extract gives it grounds text.
fn grounds_figures(
    v: &Views,
    area: &str,
    fy: &str,
    comparison: &str,
    reference: &str,
    order: &[String],
    shares: &SharesOf<'_>,
) -> Option<GroundsFigures> {
    let g = &v.grounds;
    let described = |group: &str| {
        g.rows(area).iter().any(|&i| {
            g.s("period_type", i) == Some("financial_year")
                && g.s("period", i) == Some(fy)
                && g.s("search_group", i) == Some(group)
                && g.s("ethnicity", i) == Some("All")
                && g.u("total", i) > 0
        })
    };
    let search_group = if described("drugs") {
        "drugs"
    } else if described("all") {
        "all"
    } else {
        return None;
    };
    let category = |c: &'static str| {
        move |i: usize| {
            g.s("search_group", i) == Some(search_group) && g.s("category", i) == Some(c)
        }
    };
    let smell = shares(g, &category(crate::grounds::SMELL));
    let smell_only = shares(g, &category("smell_only"));
    let o = &v.grounds_outcomes;
    let of = |i: usize, measure: &str| {
        o.s("search_group", i) == Some(search_group) && o.s("measure", i) == Some(measure)
    };
    let linked_recorded = o.rows(area).iter().any(|&i| {
        of(i, "outcome_linked")
            && o.s("period", i) == Some(fy)
            && o.s("category", i) == Some("any_grounds")
            && o.s("ethnicity", i) == Some("All")
            && o.u("total", i) > 0
    });
    let measure = if linked_recorded {
        "outcome_linked"
    } else {
        "outcome_other_than_nfa"
    };
    // How smell figured, then the other categories in rule order (smell itself is split
    // between the first three).
    let categories: Vec<String> = SMELL_CATEGORIES
        .iter()
        .map(|c| c.to_string())
        .chain(
            order
                .iter()
                .filter(|c| c.as_str() != crate::grounds::SMELL)
                .cloned(),
        )
        .collect();
    let reference_and_comparison =
        |s: &Share| s.group == comparison || s.group == "All" || s.group == reference;
    let find = categories
        .into_iter()
        .map(|c| {
            let rows = shares(o, &|i| {
                of(i, measure) && o.s("category", i) == Some(c.as_str())
            })
            .into_iter()
            .filter(|s| reference_and_comparison(s))
            .collect();
            (c, rows)
        })
        .collect();
    Some(GroundsFigures {
        search_group: search_group.to_owned(),
        smell,
        smell_only,
        find,
        measure: measure.to_owned(),
    })
}

/// Orders rows by [`GROUPS`], then `All`.
fn order_by_group<T>(mut rows: Vec<T>, key: impl Fn(&T) -> &str) -> Vec<T> {
    let rank = |g: &str| GROUPS.iter().position(|x| *x == g).unwrap_or(GROUPS.len());
    rows.sort_by_key(|r| rank(key(r)));
    rows
}

fn coverage_grid(coverage: &DataFrame) -> CoverageGrid {
    let c = View::new(coverage);
    let column = |name: &str| c.text.get(name).cloned().unwrap_or_default();
    let (force, month, status) = (column("force"), column("month"), column("status"));
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
