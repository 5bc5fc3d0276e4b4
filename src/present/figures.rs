//! Figures: the numbers the charts and the report show, read from the aggregate tables once
//! and shaped per area, so a chart and the sentence under it quote the same values.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use polars::prelude::{ChunkCompareEq, DataFrame, DataType};

use crate::error::{Error, Result};
use crate::present::over_time::{self, OverTime, RevisedMonth};
use crate::reference::forces;
use crate::reference::month::Month;
use crate::reference::population::ENGLAND_AND_WALES;
use crate::reference::population_age;
use crate::tables::contract::{
    AgeRateRow, CompositionRow, CoverageRow, DisparityRow, DiversionRow, FindRateRow,
    GroundsOutcomeRow, GroundsRow, LocationCoverageRow, OutcomeRow, RateRow, Row,
};

/// Groups with a Census count, in display order.
pub const GROUPS: [&str; 5] = ["Asian", "Black", "Mixed", "White", "Other"];
/// The groups, then everyone.
const GROUPS_AND_ALL: [&str; 6] = ["Asian", "Black", "Mixed", "White", "Other", "All"];

/// The groups of the monthly series: those with a Census count, then the two without.
pub const MONTH_GROUPS: [&str; 7] = [
    "Asian",
    "Black",
    "Mixed",
    "White",
    "Other",
    "Not stated",
    "Missing",
];

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
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ratio {
    /// The area the ratio is of (a force id or district code), for leagues and maps.
    pub area: String,
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
    /// Force-months of the period that coverage flags as partial or spiking.
    pub suspect_months: u64,
    /// The group's or the reference group's count differs from the Home Office's.
    pub home_office_differs: bool,
    /// Too many person searches with no self-defined ethnicity (`high_not_stated`), or bounds
    /// that straddle 1 (`direction_uncertain`): never headlined.
    pub high_not_stated: bool,
    pub direction_uncertain: bool,
    /// The ratio counting the officer's record where the person's is missing.
    pub officer_fallback: Option<f64>,
    /// Person searches with no self-defined ethnicity, and all person searches.
    pub not_stated_searches: u64,
    pub person_searches: u64,
}

impl Ratio {
    /// Whether unknown ethnicity could overturn the ratio.
    pub fn unreliable(&self) -> bool {
        self.high_not_stated || self.direction_uncertain
    }
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
    /// Searches by group, every one of [`MONTH_GROUPS`], when the month is covered.
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

/// Where a force's searches were located, in a period (the location_coverage table).
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    pub searches: u64,
    pub located: u64,
    /// Counted in the force's district figures.
    pub in_districts: u64,
    pub other_force_area: u64,
    pub outside_boundaries: u64,
    pub district_share: Option<f64>,
}

/// A rate per 1,000 of one group, sex and age band (the age_rates table), with its ratio to
/// the reference group's of the same sex and band.
#[derive(Debug, Clone, PartialEq)]
pub struct AgeRate {
    pub group: String,
    pub rate: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub searches: u64,
    pub reference_searches: Option<u64>,
    pub ratio: Option<f64>,
    pub ratio_low: Option<f64>,
    pub ratio_high: Option<f64>,
    /// Neither group was searched: no ratio.
    pub undefined: bool,
    /// Fewer than 10 searches of the group or of the reference group: the ratio's flag.
    pub small_numbers: bool,
    /// Residents are no fit denominator (the City of London).
    pub unsuitable: bool,
}

/// Young men against everyone in the headline year, where the run has a population by age.
#[derive(Debug, Clone, PartialEq)]
pub struct YoungMen {
    /// The youngest band the police ranges and the population table share that reaches 18
    /// (`under 25` with the Census bands, `18-24` with single years), taken from the table.
    pub band: String,
    /// How the band was made (`under 25 = police under 10 + 10-17 + 18-24 = population ...`).
    pub made_of: String,
    /// Men in the band, by group, then `All`.
    pub men: Vec<AgeRate>,
    /// Both sexes and all ages, by group, then `All`.
    pub everyone: Vec<AgeRate>,
    /// Force-months with data in the year, and those in which a sex and an age were recorded
    /// (age_rates' `exposure_months`): the young men's rates count only the second.
    pub months: u64,
    pub age_months: u64,
}

/// Of one group's drug searches that ended in a disposal, the share diverted from court.
#[derive(Debug, Clone, PartialEq)]
pub struct Diversion {
    /// Diverted (`n`) of disposals (`total`), with its Wilson interval; `small_numbers` when
    /// fewer than 20 disposals are behind it.
    pub share: Share,
    /// The group's share over the reference group's, with its 95% interval.
    pub ratio: Option<f64>,
    pub ratio_low: Option<f64>,
    pub ratio_high: Option<f64>,
    /// Drug searches of the group, and those outside the share: no further action, and no
    /// disposal recorded (an article found with none recorded, or no outcome at all).
    pub searches: u64,
    pub no_further_action: u64,
    pub unrecorded: u64,
}

/// How far the area's searches of the headline year had an age recorded (composition).
#[derive(Debug, Clone, PartialEq)]
pub struct AgeRecording {
    /// Some search of the year had an age range; false when the force left the field empty.
    pub recorded: bool,
    /// Searches with no age range, of all searches.
    pub missing: u64,
    pub total: u64,
}

/// The powers of the powers chart, in its order: those that need no suspicion (together, then
/// each), then those that need reasonable suspicion (together, then each), then `other` and
/// `unknown` (the power was not recorded).
pub const POWERS: [&str; 11] = [
    "no_suspicion_required",
    "cjpo_s60",
    "terrorism_s47a",
    "suspicion_required",
    "pace_s1",
    "misuse_of_drugs_s23",
    "firearms_s47",
    "terrorism_s43",
    "psychoactive_substances",
    "other",
    "unknown",
];

/// An area's searches under one power (or combined group of powers) in the headline year:
/// the tables' rows of that `power`, which exist only where the area searched under it.
#[derive(Debug, Clone, PartialEq)]
pub struct PowerFigures {
    /// As in the tables' `power` column.
    pub power: String,
    /// `no_suspicion_power`: section 60, s47A and the two together.
    pub no_suspicion: bool,
    /// Searches under the power (every group; the rates table's `All` row).
    pub searches: u64,
    /// The comparison group's rate ratio against the reference group under the power.
    pub ratio: Option<Ratio>,
    /// The share of each group's searches with an outcome other than no further action
    /// (find_rates' `outcome_other_than_nfa`), in [`GROUPS`] order.
    pub find: Vec<Share>,
}

#[derive(Debug, Clone)]
pub struct AreaFigures {
    /// Force id, district code or `england-and-wales`.
    pub area: String,
    /// `country`, `force` or `local_authority`.
    pub area_type: String,
    pub name: String,
    /// The force the area belongs to (for a district, the force that polices it).
    pub force: Option<String>,
    /// A district whose force placed under 90% of its searches in its districts in the
    /// headline year.
    pub low_location_coverage: bool,
    /// The force's (for a district, its force's) location coverage in the headline year.
    pub location: Option<Location>,
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
    /// Young men against everyone; only where the run has a population by age and the area
    /// has rows of it in the headline year.
    pub young_men: Option<YoungMen>,
    /// Age–sex standardised rate ratios of the headline year (age_rates, both sexes and all
    /// ages), by group; empty without a population by age.
    pub standardised: Vec<Ratio>,
    /// The diversion gap of drug searches in the headline year, by group, then `All`.
    pub diversion: Vec<Diversion>,
    /// Whether ages were recorded in the headline year.
    pub ages: Option<AgeRecording>,
    /// The headline year by power, in [`POWERS`] order, one per power the area searched
    /// under; empty for districts (their figures are not broken down by power).
    pub powers: Vec<PowerFigures>,
    /// The headline year against the year before, its flagged months and the Home Office's
    /// counts.
    pub over_time: OverTime,
}

impl AreaFigures {
    /// The area's figures under one power in the headline year, if it searched under it.
    pub fn power(&self, power: &str) -> Option<&PowerFigures> {
        self.powers.iter().find(|p| p.power == power)
    }

    /// The searches that needed no suspicion: section 60's rows where it was the only such
    /// power used, else the two powers together; `None` where the area used neither.
    pub fn no_suspicion(&self) -> Option<&PowerFigures> {
        if self.power("terrorism_s47a").is_some() {
            self.power("no_suspicion_required")
        } else {
            self.power("cjpo_s60")
                .or_else(|| self.power("no_suspicion_required"))
        }
    }
}

#[derive(Debug, Clone)]
pub struct CoverageGrid {
    pub months: Vec<Month>,
    /// (force id, status per month: `submitted`, `zero`, `missing`, `failed`).
    pub forces: Vec<(String, Vec<String>)>,
    /// (force id, month) of the months coverage flags: `partial` or `spike`.
    pub suspect: BTreeMap<(String, Month), &'static str>,
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
    /// The run had district boundaries (`--boundaries`).
    pub districts: bool,
    /// By force id: the comparison/reference ratio of each of its districts in the force's
    /// headline year, highest first.
    pub district_league: BTreeMap<String, Vec<Ratio>>,
    /// Where the residents by age and sex come from (age_rates' `census`), when the run was
    /// given a population by age (`--population-age`) and age_rates has rows; `None` says
    /// plainly that there are no rates by age, rather than a blank chart.
    pub age_census: Option<String>,
    /// The force-months the last run found revised (empty on a first run).
    pub revisions: Vec<RevisedMonth>,
    /// Residents of each territorial force's area in scope, for saying how much of the
    /// population the forces with no data police.
    pub residents: BTreeMap<String, u64>,
}

impl Figures {
    pub fn area(&self, id: &str) -> Option<&AreaFigures> {
        self.areas.iter().find(|a| a.area == id)
    }

    /// A force's districts with figures, by name.
    pub fn districts_of<'a>(
        &'a self,
        force: &'a str,
    ) -> impl Iterator<Item = &'a AreaFigures> + 'a {
        self.areas
            .iter()
            .filter(move |a| a.area_type == "local_authority" && a.force.as_deref() == Some(force))
    }
}

/// A table's typed rows, indexed by area: each area's figures then read only that area's
/// rows, in table order.
struct ByArea<T> {
    rows: Vec<T>,
    index: HashMap<String, Vec<usize>>,
}

impl<T> ByArea<T> {
    fn new(rows: Vec<T>, area: impl Fn(&T) -> &str) -> ByArea<T> {
        let mut index: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, r) in rows.iter().enumerate() {
            index.entry(area(r).to_owned()).or_default().push(i);
        }
        ByArea { rows, index }
    }

    fn of<'a>(&'a self, area: &str) -> impl Iterator<Item = &'a T> + 'a {
        self.index
            .get(area)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|&i| &self.rows[i])
    }
}

/// Rows that are a share with its interval: outcomes, find rates and the grounds tables.
trait ShareRow {
    fn period_type(&self) -> &str;
    fn period(&self) -> &str;
    fn ethnicity(&self) -> &str;
    fn share(&self) -> Share;
}

macro_rules! share_rows {
    ($($t:ty),*) => {$(
        impl ShareRow for $t {
            fn period_type(&self) -> &str {
                &self.period_type
            }
            fn period(&self) -> &str {
                &self.period
            }
            fn ethnicity(&self) -> &str {
                &self.ethnicity
            }
            fn share(&self) -> Share {
                Share {
                    group: self.ethnicity.clone(),
                    n: self.n,
                    total: self.total,
                    share: self.share,
                    low: self.share_ci_low,
                    high: self.share_ci_high,
                    small_numbers: self.small_numbers,
                }
            }
        }
    )*};
}
share_rows!(OutcomeRow, FindRateRow, GroundsRow, GroundsOutcomeRow);

/// The tables the figures read, each through its contract.
struct Views {
    rates: ByArea<RateRow>,
    disparity: ByArea<DisparityRow>,
    outcomes: ByArea<OutcomeRow>,
    find_rates: ByArea<FindRateRow>,
    /// The rows of one power or combined group (`power` not `all`).
    power_rates: ByArea<RateRow>,
    power_disparity: ByArea<DisparityRow>,
    power_find: ByArea<FindRateRow>,
    grounds: ByArea<GroundsRow>,
    grounds_outcomes: ByArea<GroundsOutcomeRow>,
    location: ByArea<LocationCoverageRow>,
    diversion: ByArea<DiversionRow>,
    age_rates: ByArea<AgeRateRow>,
    composition: ByArea<CompositionRow>,
    /// The youngest age band of age_rates and how it was made, if the table has rows.
    young_band: Option<(String, String)>,
    /// Area id → (area_type, name, force), from the rates table.
    kinds: BTreeMap<String, (String, String, Option<String>)>,
}

/// A table's rows, read into its contract's struct (the contract was checked when the table
/// was built); a table no query made is an error naming it.
///
/// The table is taken out of `tables` and let go once read: holding every table beside every
/// row read from it would double what the charts stage needs.
fn rows_of<T: Row>(tables: &mut HashMap<String, DataFrame>, queries: &Path) -> Result<Vec<T>> {
    let contract = &T::CONTRACT;
    let file = queries.join(format!("{}.sql", contract.table));
    let df = tables
        .remove(contract.table)
        .ok_or_else(|| Error::Contract {
            file: file.display().to_string(),
            table: contract.table.to_owned(),
            column: contract.columns[0].0.to_owned(),
            problem: "the table was not built (no query makes it)".to_owned(),
        })?;
    T::read(&df)
}

/// The rows over every power (`power` `all`). The figures, charts and report are about all
/// searches whatever the power; the rows of one power (or of the combined suspicion groups)
/// are a breakdown of the same searches, and counting them too would count searches twice.
/// Returns them first, then the rows of one power or combined group, which the figures by
/// power read.
fn every_power<T>(rows: Vec<T>, power: impl Fn(&T) -> &str) -> (Vec<T>, Vec<T>) {
    let all = rows.iter().filter(|r| power(r) == "all").count();
    let (mut every, mut one) = (
        Vec::with_capacity(all),
        Vec::with_capacity(rows.len() - all),
    );
    for r in rows {
        if power(&r) == "all" {
            every.push(r);
        } else {
            one.push(r);
        }
    }
    (every, one)
}

const YEAR: (&str, &str) = ("period_type", "financial_year");

/// The slice of each table the figures read, as text columns and the value each must hold:
/// outcomes, find rates and diversion are read for the headline financial year only
/// (`splits`, `shares`, `area_figures`), outcomes over every power and diversion for drug
/// searches at every age; composition for the recording of age (`age_recording`), everyone,
/// by year. Sliced before they are read (and, in a run, as each table is built), the
/// millions of rows they never look at cost neither time nor memory.
fn slice(table: &str) -> &'static [(&'static str, &'static str)] {
    match table {
        "outcomes" => &[YEAR, ("power", "all")],
        "find_rates" => &[YEAR],
        "diversion" => &[YEAR, ("search_group", "drugs"), ("age_range", "all")],
        "composition" => &[YEAR, ("ethnicity", "All"), ("sex", "all")],
        _ => &[],
    }
}

/// The rows of `df` (the table `table`) the figures read; taking them again changes nothing.
pub fn keep(table: &str, mut df: DataFrame) -> Result<DataFrame> {
    for (column, value) in slice(table) {
        df = df
            .column(column)
            .and_then(|c| c.cast(&DataType::String))
            .and_then(|c| c.as_materialized_series().equal(*value))
            .and_then(|wanted| df.filter(&wanted))
            .map_err(|e| Error::Invariant(format!("{table}.{column}: {e}")))?;
    }
    Ok(df)
}

impl Views {
    fn read(tables: &mut HashMap<String, DataFrame>, queries: &Path) -> Result<Views> {
        let (rates, power_rates) = every_power(rows_of(tables, queries)?, |r: &RateRow| &r.power);
        let (disparity, power_disparity) =
            every_power(rows_of(tables, queries)?, |r: &DisparityRow| &r.power);
        let outcomes: Vec<OutcomeRow> = rows_of(tables, queries)?;
        let (find_rates, power_find) =
            every_power(rows_of(tables, queries)?, |r: &FindRateRow| &r.power);
        let age_rates: Vec<AgeRateRow> = rows_of(tables, queries)?;
        let mut kinds = BTreeMap::new();
        for r in &rates {
            if !kinds.contains_key(&r.area) {
                let kind = (r.area_type.clone(), r.area_name.clone(), r.force.clone());
                kinds.insert(r.area.clone(), kind);
            }
        }
        Ok(Views {
            kinds,
            location: ByArea::new(rows_of(tables, queries)?, |r: &LocationCoverageRow| {
                &r.force
            }),
            rates: ByArea::new(rates, |r: &RateRow| &r.area),
            disparity: ByArea::new(disparity, |r: &DisparityRow| &r.area),
            outcomes: ByArea::new(outcomes, |r: &OutcomeRow| &r.area),
            find_rates: ByArea::new(find_rates, |r: &FindRateRow| &r.area),
            power_rates: ByArea::new(power_rates, |r: &RateRow| &r.area),
            power_disparity: ByArea::new(power_disparity, |r: &DisparityRow| &r.area),
            power_find: ByArea::new(power_find, |r: &FindRateRow| &r.area),
            grounds: ByArea::new(rows_of(tables, queries)?, |r: &GroundsRow| &r.area),
            grounds_outcomes: ByArea::new(rows_of(tables, queries)?, |r: &GroundsOutcomeRow| {
                &r.area
            }),
            diversion: ByArea::new(rows_of(tables, queries)?, |r: &DiversionRow| &r.area),
            young_band: youngest_band(&age_rates),
            age_rates: ByArea::new(age_rates, |r: &AgeRateRow| &r.area),
            composition: ByArea::new(rows_of(tables, queries)?, |r: &CompositionRow| &r.area),
        })
    }
}

/// The band of "young men" in the age_rates table, with how it was made: the youngest band
/// that reaches the age of 18, so a table of single years gives `18-24` rather than boys
/// `under 10`, and the Census 2021 bands give `under 25`; the youngest band of all if none
/// does. Bands are ordered by the age they start at (the table is sorted by text, where
/// `25-34` comes before `under 25`).
fn youngest_band(rows: &[AgeRateRow]) -> Option<(String, String)> {
    let bands: Vec<(population_age::Ages, &AgeRateRow)> = rows
        .iter()
        .filter(|r| r.age_band != "all")
        .filter_map(|r| Some((population_age::parse_band(&r.age_band)?, r)))
        .collect();
    let adult = |a: &population_age::Ages| a.low <= 18 && a.high.is_none_or(|h| h >= 18);
    let youngest = |keep: &dyn Fn(&population_age::Ages) -> bool| {
        bands
            .iter()
            .filter(|(a, _)| keep(a))
            .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.age_band.cmp(&b.1.age_band)))
            .map(|(_, r)| (r.age_band.clone(), r.age_bands.clone()))
    };
    youngest(&adult).or_else(|| youngest(&|_| true))
}

pub fn area_name(area: &str) -> String {
    if area == ENGLAND_AND_WALES {
        return "England and Wales".to_owned();
    }
    forces::by_id(area).map_or_else(|| area.to_owned(), |f| f.name.to_owned())
}

/// Financial-year rows of `rates` (search_group `all`, ethnicity `All`): coverage per area.
fn years_by_area(rates: &ByArea<RateRow>) -> BTreeMap<String, Vec<Period>> {
    let mut out: BTreeMap<String, Vec<Period>> = BTreeMap::new();
    for r in &rates.rows {
        if r.period_type == "financial_year" && r.search_group == "all" && r.ethnicity == "All" {
            out.entry(r.area.clone()).or_default().push(Period {
                label: r.period.clone(),
                covered: r.force_months_covered as u32,
                possible: 12,
            });
        }
    }
    out
}

/// Forces that count towards each area (to know how many force-months make a full year).
fn forces_per_area(coverage: &[CoverageRow], merge_city: bool) -> BTreeMap<String, u32> {
    let mut out: BTreeMap<String, u32> = BTreeMap::new();
    let mut seen = std::collections::BTreeSet::new();
    for row in coverage {
        if !seen.insert(row.force.as_str()) {
            continue;
        }
        if let Some(f) = forces::by_id(&row.force) {
            for a in crate::reference::population::areas_of(f, merge_city) {
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
    /// The folder of the SQL files, to name the file behind a broken contract.
    pub queries: &'a Path,
    pub coverage: &'a DataFrame,
    pub reference: &'a str,
    pub census: &'a str,
    pub merge_city_into_met: bool,
    pub synthetic: bool,
    pub extracts: Vec<String>,
    /// The grounds classifier's categories, in rule order.
    pub grounds_categories: Vec<String>,
    /// The run had district boundaries.
    pub districts: bool,
    /// The revisions table, and when the previous run finished (its new rows carry it).
    pub revisions: &'a DataFrame,
    pub previous_published: Option<&'a str>,
    /// Residents of each territorial force's area in scope.
    pub residents: BTreeMap<String, u64>,
}

/// The figures of every area, read from the aggregate tables (by name, as built) through
/// their contracts; each table is let go once read.
pub fn figures(inp: &Inputs, mut tables: HashMap<String, DataFrame>) -> Result<Figures> {
    let v = Views::read(&mut tables, inp.queries)?;
    let coverage_rows = CoverageRow::read(inp.coverage)?;
    let comparison = if inp.reference == "Black" {
        "White"
    } else {
        "Black"
    };
    let per_area = forces_per_area(&coverage_rows, inp.merge_city_into_met);
    let years = years_by_area(&v.rates);
    let coverage = coverage_grid(&coverage_rows)?;
    let mut areas: Vec<AreaFigures> = years
        .iter()
        .map(|(area, ys)| {
            let district = v.kinds.get(area).is_some_and(|k| k.0 == "local_authority");
            let forces = if district {
                Some(1)
            } else {
                per_area.get(area).copied()
            };
            let forces = forces.ok_or_else(|| {
                Error::Invariant(format!("area {area} has rates but no force in coverage"))
            })?;
            let period = headline(ys.clone(), forces);
            Ok(area_figures(
                &v,
                &coverage.months,
                area,
                period,
                comparison,
                inp.reference,
                &inp.grounds_categories,
            ))
        })
        .collect::<Result<_>>()?;
    let rank = |t: &str| {
        ["country", "force", "local_authority"]
            .iter()
            .position(|k| *k == t)
    };
    areas.sort_by_key(|a| (rank(&a.area_type), a.name.clone()));
    let history = over_time::Tables::read(
        rows_of(&mut tables, inp.queries)?,
        coverage_rows.clone(),
        rows_of(&mut tables, inp.queries)?,
    );
    let mut territorial: Vec<&str> = coverage_rows
        .iter()
        .map(|r| r.force.as_str())
        .filter(|f| forces::by_id(f).is_some_and(|f| f.pfa_code.is_some()))
        .collect();
    territorial.sort_unstable();
    territorial.dedup();
    for a in &mut areas {
        let Some(fy) = a.period.as_ref().map(|p| p.label.clone()) else {
            continue;
        };
        let mut of: Vec<&str> = match a.area_type.as_str() {
            "country" => territorial.clone(),
            _ => a.force.as_deref().into_iter().collect(),
        };
        if a.area == "metropolitan" && inp.merge_city_into_met {
            of.push("city-of-london");
        }
        of.sort_unstable();
        of.dedup();
        a.over_time = history.of(&a.area, &fy, &of, &GROUPS_AND_ALL);
    }

    // The league: the latest financial year that some force covers in full, else the latest
    // with any data.
    let is_force = |a: &str| v.kinds.get(a).is_some_and(|k| k.0 == "force");
    let force_years: Vec<Period> = years
        .iter()
        .filter(|(a, _)| is_force(a))
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
        .map(|p| league_of(&v, p, comparison, &years, |r| r.area_type == "force"))
        .unwrap_or_default();
    let district_league = areas
        .iter()
        .filter(|a| a.area_type == "force")
        .filter_map(|a| {
            let p = a.period.as_ref()?;
            let rows = league_of(&v, &p.label, comparison, &years, |r: &DisparityRow| {
                r.area_type == "local_authority" && r.force.as_deref() == Some(a.area.as_str())
            });
            (!rows.is_empty()).then(|| (a.area.clone(), rows))
        })
        .collect();
    Ok(Figures {
        synthetic: inp.synthetic,
        extracts: inp.extracts.clone(),
        census: inp.census.to_owned(),
        reference: inp.reference.to_owned(),
        comparison: comparison.to_owned(),
        areas,
        league,
        league_period,
        coverage,
        districts: inp.districts,
        district_league,
        age_census: v.age_rates.rows.first().map(|r| r.census.clone()),
        revisions: over_time::revised(inp.revisions, inp.previous_published)?,
        residents: inp.residents.clone(),
    })
}

impl DisparityRow {
    fn ratio(&self) -> Ratio {
        Ratio {
            area: self.area.clone(),
            label: self.ethnicity.clone(),
            ratio: self.rate_ratio,
            low: self.ratio_ci_low,
            high: self.ratio_ci_high,
            searches: self.searches,
            reference_searches: self.reference_searches,
            small_numbers: self.small_numbers,
            unsuitable: self.resident_denominator_unsuitable,
            undefined: self.undefined_ratio,
            not_stated_share: self.not_stated_share,
            if_not_stated_in_group: self.ratio_if_not_stated_in_group,
            if_not_stated_in_reference: self.ratio_if_not_stated_in_reference,
            period: None,
            suspect_months: self.suspect_months,
            home_office_differs: self.home_office_differs == Some(true),
            high_not_stated: self.high_not_stated,
            direction_uncertain: self.direction_uncertain,
            officer_fallback: self.rate_ratio_officer_fallback,
            not_stated_searches: self.not_stated_searches,
            person_searches: self.all_searches.saturating_sub(self.vehicle_only_searches),
        }
    }
}

fn league_of(
    v: &Views,
    period: &str,
    comparison: &str,
    years: &BTreeMap<String, Vec<Period>>,
    keep: impl Fn(&DisparityRow) -> bool,
) -> Vec<Ratio> {
    let mut rows: Vec<Ratio> = v
        .disparity
        .rows
        .iter()
        .filter(|r| {
            r.period_type == "financial_year"
                && r.period == period
                && r.search_group == "all"
                && r.ethnicity == comparison
                && keep(r)
        })
        .map(|r| {
            let mut ratio = r.ratio();
            ratio.period = years
                .get(&r.area)
                .and_then(|ys| ys.iter().find(|y| y.label == period).cloned());
            ratio.label = r.area_name.clone();
            ratio
        })
        .collect();
    // Reliable ratios first, those unknown ethnicity could overturn below them.
    rows.sort_by(|a, b| {
        a.unreliable()
            .cmp(&b.unreliable())
            .then_with(|| {
                b.ratio
                    .unwrap_or(f64::NEG_INFINITY)
                    .total_cmp(&a.ratio.unwrap_or(f64::NEG_INFINITY))
            })
            .then_with(|| a.label.cmp(&b.label))
    });
    rows
}

/// An area's rates in the headline year, its monthly searches by group and the denominator
/// flags.
struct AreaRates {
    rates: Vec<Rate>,
    monthly: BTreeMap<Month, BTreeMap<String, u64>>,
    all_searches: u64,
    unsuitable_denominator: bool,
    no_resident_population: bool,
}

fn area_rates(rates: &ByArea<RateRow>, area: &str, fy: &str) -> AreaRates {
    let mut out = AreaRates {
        rates: Vec::new(),
        monthly: BTreeMap::new(),
        all_searches: 0,
        unsuitable_denominator: false,
        no_resident_population: false,
    };
    for r in rates.of(area).filter(|r| r.search_group == "all") {
        let group = r.ethnicity.as_str();
        match r.period_type.as_str() {
            "financial_year" if r.period == fy => {
                out.unsuitable_denominator |= r.resident_denominator_unsuitable;
                out.no_resident_population |= r.no_resident_population;
                if group == "All" {
                    out.all_searches = r.searches;
                }
                if GROUPS.contains(&group) || group == "All" {
                    out.rates.push(Rate {
                        group: group.to_owned(),
                        rate: r.rate_per_1000,
                        low: r.rate_ci_low,
                        high: r.rate_ci_high,
                        searches: r.searches,
                        population: r.population,
                        small_numbers: r.small_numbers,
                    });
                }
            }
            "month" if group != "All" => {
                if let Ok(m) = r.period.parse() {
                    // A covered month lists every group: one with no row in the rates table
                    // (none of its labels seen in the run) had no searches that month.
                    out.monthly
                        .entry(m)
                        .or_insert_with(|| {
                            MONTH_GROUPS.iter().map(|g| (g.to_string(), 0)).collect()
                        })
                        .insert(group.to_owned(), r.searches);
                }
            }
            _ => {}
        }
    }
    out.rates = order_by_group(out.rates, |r| r.group.as_str());
    out
}

/// How each group's searches of the headline year split between the categories of a
/// table's `category` column (`all` and the `out_of_court` subtotal left out).
fn splits<'a, T: 'a>(
    rows: impl Iterator<Item = &'a T>,
    fy: &str,
    fields: impl Fn(&T) -> (&str, &str, &str, &str, &str, u64),
) -> Vec<Split> {
    let mut by: BTreeMap<String, Vec<(String, u64)>> = BTreeMap::new();
    for r in rows {
        // `search_group` is empty for a table without one.
        let (period_type, period, search_group, group, cat, value) = fields(r);
        let wanted = period_type == "financial_year"
            && period == fy
            && (GROUPS.contains(&group) || group == "All")
            && cat != "all"
            && cat != "out_of_court"
            && search_group != "all";
        if wanted {
            by.entry(group.to_owned())
                .or_default()
                .push((cat.to_owned(), value));
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
}

/// The shares of an area's headline-year rows that pass `keep`, one per ethnic group.
fn shares<'a, T: ShareRow + 'a>(
    rows: impl Iterator<Item = &'a T>,
    fy: &str,
    keep: impl Fn(&T) -> bool,
) -> Vec<Share> {
    let rows: Vec<Share> = rows
        .filter(|r| {
            r.period_type() == "financial_year"
                && r.period() == fy
                && (GROUPS.contains(&r.ethnicity()) || r.ethnicity() == "All")
                && keep(r)
        })
        .map(ShareRow::share)
        .collect();
    order_by_group(rows, |s| s.group.as_str())
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
    let fy = fy.as_str();
    let ratios: Vec<Ratio> = v
        .disparity
        .of(area)
        .filter(|r| r.period_type == "financial_year" && r.period == fy && r.search_group == "all")
        .map(DisparityRow::ratio)
        .collect();
    let ratios = order_by_group(ratios, |r| r.label.as_str());
    let rates = area_rates(&v.rates, area, fy);
    let month_ratios: BTreeMap<&str, (f64, f64, Option<f64>)> = v
        .disparity
        .of(area)
        .filter(|r| {
            r.period_type == "month" && r.search_group == "all" && r.ethnicity == comparison
        })
        .filter_map(|r| {
            Some((
                r.period.as_str(),
                (r.rate_ratio?, r.ratio_ci_low?, r.ratio_ci_high),
            ))
        })
        .collect();
    let monthly = span
        .iter()
        .map(|m| MonthPoint {
            month: *m,
            searches: rates.monthly.get(m).cloned(),
            ratio: month_ratios.get(m.to_string().as_str()).copied(),
        })
        .collect();
    let search_groups = splits(v.rates.of(area), fy, |r: &RateRow| {
        let g = r.search_group.as_str();
        (&r.period_type, &r.period, g, &r.ethnicity, g, r.searches)
    });
    // The outcomes table covers all searches, with no search group to leave out.
    let outcomes = splits(v.outcomes.of(area), fy, |r: &OutcomeRow| {
        (
            &r.period_type,
            &r.period,
            "",
            &r.ethnicity,
            &r.outcome_class,
            r.n,
        )
    });
    let find = |measure: &'static str| {
        move |r: &FindRateRow| r.search_group == "all" && r.measure == measure
    };
    let find_linked = shares(v.find_rates.of(area), fy, find("outcome_linked"));
    let find_action = shares(v.find_rates.of(area), fy, find("outcome_other_than_nfa"));
    let out_of_court = shares(v.outcomes.of(area), fy, |r: &OutcomeRow| {
        r.outcome_class == "out_of_court"
    });
    let not_stated_share = ratios.iter().find_map(|r| r.not_stated_share);
    let grounds = grounds_figures(v, area, fy, comparison, reference, order);
    let (area_type, name, force) = v
        .kinds
        .get(area)
        .cloned()
        .unwrap_or_else(|| ("force".to_owned(), area_name(area), Some(area.to_owned())));
    let low_location_coverage = v
        .disparity
        .of(area)
        .any(|r| r.period_type == "financial_year" && r.period == fy && r.low_location_coverage);
    let location = force.as_deref().and_then(|f| {
        let r = v
            .location
            .of(f)
            .find(|r| r.period_type == "financial_year" && r.period == fy)?;
        Some(Location {
            searches: r.searches,
            located: r.located,
            in_districts: r.in_districts,
            other_force_area: r.other_force_area,
            outside_boundaries: r.outside_boundaries,
            district_share: r.district_share,
        })
    });
    let young_men = young_men(v, area, fy, reference);
    let standardised = order_by_group(
        v.age_rates
            .of(area)
            .filter(|r| {
                r.period_type == "financial_year"
                    && r.period == fy
                    && r.sex == "all"
                    && r.age_band == "all"
                    && r.ethnicity != reference
                    && GROUPS.contains(&r.ethnicity.as_str())
            })
            .map(AgeRateRow::standardised)
            .collect(),
        |r| r.label.as_str(),
    );
    let diversion = order_by_group(
        v.diversion
            .of(area)
            .filter(|r| {
                r.period_type == "financial_year"
                    && r.period == fy
                    && r.search_group == "drugs"
                    && r.age_range == "all"
                    && (GROUPS.contains(&r.ethnicity.as_str()) || r.ethnicity == "All")
            })
            .map(DiversionRow::diversion)
            .collect(),
        |d| d.share.group.as_str(),
    );
    let ages = age_recording(&v.composition, area, fy);
    let powers = if area_type == "local_authority" {
        Vec::new()
    } else {
        powers(v, area, fy, comparison)
    };
    AreaFigures {
        area: area.to_owned(),
        area_type,
        name,
        force,
        low_location_coverage,
        location,
        period,
        ratios,
        rates: rates.rates,
        monthly,
        search_groups,
        outcomes,
        find_linked,
        find_action,
        out_of_court,
        not_stated_share,
        all_searches: rates.all_searches,
        unsuitable_denominator: rates.unsuitable_denominator,
        no_resident_population: rates.no_resident_population,
        grounds,
        young_men,
        standardised,
        diversion,
        ages,
        powers,
        over_time: OverTime::default(),
    }
}

/// An area's figures by power in the headline year, one per power with rows in the rates
/// table (the rows exist only where the area searched under the power), in [`POWERS`] order
/// and then any other power by name.
fn powers(v: &Views, area: &str, fy: &str, comparison: &str) -> Vec<PowerFigures> {
    let year = |period_type: &str, period: &str| period_type == "financial_year" && period == fy;
    let mut out: Vec<PowerFigures> = v
        .power_rates
        .of(area)
        .filter(|r| year(&r.period_type, &r.period) && r.search_group == "all")
        .filter(|r| r.ethnicity == "All")
        .map(|r| {
            let ratio = v
                .power_disparity
                .of(area)
                .find(|d| {
                    year(&d.period_type, &d.period)
                        && d.search_group == "all"
                        && d.power == r.power
                        && d.ethnicity == comparison
                })
                .map(DisparityRow::ratio);
            let find = shares(v.power_find.of(area), fy, |f: &FindRateRow| {
                f.search_group == "all"
                    && f.power == r.power
                    && f.measure == "outcome_other_than_nfa"
                    && f.ethnicity != "All"
            });
            PowerFigures {
                power: r.power.clone(),
                no_suspicion: r.no_suspicion_power,
                searches: r.searches,
                ratio,
                find,
            }
        })
        .collect();
    let rank = |p: &str| POWERS.iter().position(|x| *x == p).unwrap_or(POWERS.len());
    out.sort_by(|a, b| {
        rank(&a.power)
            .cmp(&rank(&b.power))
            .then_with(|| a.power.cmp(&b.power))
    });
    out.dedup_by(|a, b| a.power == b.power);
    out
}

impl AgeRateRow {
    fn age_rate(&self) -> AgeRate {
        AgeRate {
            group: self.ethnicity.clone(),
            rate: self.rate_per_1000,
            low: self.rate_ci_low,
            high: self.rate_ci_high,
            searches: self.searches,
            reference_searches: self.reference_searches,
            ratio: self.rate_ratio,
            ratio_low: self.ratio_ci_low,
            ratio_high: self.ratio_ci_high,
            undefined: self.undefined_ratio,
            small_numbers: self.small_numbers,
            unsuitable: self.resident_denominator_unsuitable,
        }
    }

    /// The age–sex standardised ratio as a [`Ratio`], to sit beside the crude one.
    fn standardised(&self) -> Ratio {
        Ratio {
            area: self.area.clone(),
            label: self.ethnicity.clone(),
            ratio: self.standardised_ratio,
            low: self.standardised_ratio_ci_low,
            high: self.standardised_ratio_ci_high,
            searches: self.searches,
            reference_searches: self.reference_searches.unwrap_or(0),
            small_numbers: self.small_numbers,
            unsuitable: self.resident_denominator_unsuitable,
            undefined: self.undefined_ratio,
            ..Ratio::default()
        }
    }
}

impl DiversionRow {
    fn diversion(&self) -> Diversion {
        Diversion {
            share: Share {
                group: self.ethnicity.clone(),
                n: self.n,
                total: self.total,
                share: self.share,
                low: self.share_ci_low,
                high: self.share_ci_high,
                small_numbers: self.total < 20,
            },
            ratio: self.share_ratio,
            ratio_low: self.share_ratio_ci_low,
            ratio_high: self.share_ratio_ci_high,
            searches: self.searches,
            no_further_action: self.no_further_action,
            unrecorded: self.other_outcome + self.unknown_outcome,
        }
    }
}

/// Young men in the youngest band against everyone, in the headline year; `None` when the
/// run has no population by age or the area has none of its rows that year.
fn young_men(v: &Views, area: &str, fy: &str, reference: &str) -> Option<YoungMen> {
    let (band, made_of) = v.young_band.clone()?;
    let rows: Vec<&AgeRateRow> = v
        .age_rates
        .of(area)
        .filter(|r| {
            r.period_type == "financial_year"
                && r.period == fy
                && (GROUPS.contains(&r.ethnicity.as_str()) || r.ethnicity == "All")
        })
        .collect();
    let pick = |sex: &str, age: &str| {
        order_by_group(
            rows.iter()
                .filter(|r| r.sex == sex && r.age_band == age)
                .map(|r| r.age_rate())
                .collect(),
            |r: &AgeRate| r.group.as_str(),
        )
    };
    let men = pick("Male", &band);
    let everyone = pick("all", "all");
    if men.is_empty() && everyone.is_empty() {
        return None;
    }
    // The months the young men's rates count (those with a sex and an age recorded), of the
    // group the ratios are set against: every group of one area shares them.
    let months = rows
        .iter()
        .find(|r| r.sex == "Male" && r.age_band == band && r.ethnicity == reference)
        .map_or((0, 0), |r| (r.force_months_covered, r.exposure_months));
    Some(YoungMen {
        band,
        made_of,
        men,
        everyone,
        months: months.0,
        age_months: months.1,
    })
}

/// How far ages were recorded in the headline year: composition's row of every search, and
/// its row of searches with no age range (no row: none).
fn age_recording(rows: &ByArea<CompositionRow>, area: &str, fy: &str) -> Option<AgeRecording> {
    let everyone = |age: &str| {
        rows.of(area).find(|r| {
            r.period_type == "financial_year"
                && r.period == fy
                && r.ethnicity == "All"
                && r.sex == "all"
                && r.age_range == age
        })
    };
    let all = everyone("all")?;
    let missing = if all.age_recorded {
        everyone("Missing").map_or(0, |r| r.n)
    } else {
        all.n
    };
    Some(AgeRecording {
        recorded: all.age_recorded,
        missing,
        total: all.n,
    })
}

/// The grounds figures of an area's headline year, if an extract gives it grounds text.
fn grounds_figures(
    v: &Views,
    area: &str,
    fy: &str,
    comparison: &str,
    reference: &str,
    order: &[String],
) -> Option<GroundsFigures> {
    let g = &v.grounds;
    let described = |group: &str| {
        g.of(area).any(|r| {
            r.period_type == "financial_year"
                && r.period == fy
                && r.search_group == group
                && r.ethnicity == "All"
                && r.total > 0
        })
    };
    let search_group = if described("drugs") {
        "drugs"
    } else if described("all") {
        "all"
    } else {
        return None;
    };
    let category =
        |c: &'static str| move |r: &GroundsRow| r.search_group == search_group && r.category == c;
    let smell = shares(g.of(area), fy, category(crate::normalise::grounds::SMELL));
    let smell_only = shares(g.of(area), fy, category("smell_only"));
    let o = &v.grounds_outcomes;
    let of = |r: &GroundsOutcomeRow, measure: &str| {
        r.search_group == search_group && r.measure == measure
    };
    let linked_recorded = o.of(area).any(|r| {
        of(r, "outcome_linked")
            && r.period == fy
            && r.category == "any_grounds"
            && r.ethnicity == "All"
            && r.total > 0
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
                .filter(|c| c.as_str() != crate::normalise::grounds::SMELL)
                .cloned(),
        )
        .collect();
    let reference_and_comparison =
        |s: &Share| s.group == comparison || s.group == "All" || s.group == reference;
    let find = categories
        .into_iter()
        .map(|c| {
            let rows = shares(o.of(area), fy, |r| of(r, measure) && r.category == c)
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

/// The coverage table as a force × month grid; it has one row per force and month of the
/// run's span.
fn coverage_grid(coverage: &[CoverageRow]) -> Result<CoverageGrid> {
    let mut months: Vec<Month> = coverage
        .iter()
        .filter_map(|r| r.month.parse().ok())
        .collect();
    months.sort();
    months.dedup();
    let mut by_force: BTreeMap<&str, BTreeMap<&str, &str>> = BTreeMap::new();
    for r in coverage {
        by_force
            .entry(&r.force)
            .or_default()
            .insert(&r.month, &r.status);
    }
    let forces = by_force
        .into_iter()
        .map(|(f, statuses)| {
            let row = months
                .iter()
                .map(|m| {
                    statuses
                        .get(m.to_string().as_str())
                        .map(|s| (*s).to_owned())
                        .ok_or_else(|| Error::Invariant(format!("coverage has no row for {f} {m}")))
                })
                .collect::<Result<_>>()?;
            Ok((f.to_owned(), row))
        })
        .collect::<Result<_>>()?;
    let suspect = coverage
        .iter()
        .filter(|r| r.partial_suspected || r.spike_suspected)
        .filter_map(|r| {
            let kind = if r.partial_suspected {
                "partial"
            } else {
                "spike"
            };
            Some(((r.force.clone(), r.month.parse().ok()?), kind))
        })
        .collect();
    Ok(CoverageGrid {
        months,
        forces,
        suspect,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;

    /// Slicing keeps exactly the rows whose columns hold every value asked for, whatever the
    /// column's type, and slicing again keeps them all.
    #[test]
    fn a_table_is_sliced_to_the_rows_the_figures_read() {
        let periods = [
            "financial_year",
            "month",
            "financial_year",
            "financial_year",
        ];
        let powers = ["all", "all", "cjpo_s60", "all"];
        let n = [1u32, 2, 3, 4];
        let df = df!("period_type" => periods, "power" => powers, "n" => n).unwrap();
        let categorical = df
            .clone()
            .lazy()
            .with_column(col("power").cast(DataType::from_categories(Categories::global())))
            .collect()
            .unwrap();
        for table in [df, categorical] {
            let kept = keep("outcomes", table).unwrap();
            let n: Vec<u32> = kept["n"].u32().unwrap().into_no_null_iter().collect();
            assert_eq!(n, [1, 4]);
            assert_eq!(keep("outcomes", kept.clone()).unwrap(), kept);
        }
        let whole = df!("period_type" => periods, "n" => n).unwrap();
        assert_eq!(keep("rates", whole.clone()).unwrap(), whole);
    }
}
