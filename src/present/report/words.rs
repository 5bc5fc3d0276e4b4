//! The sentences under each chart, generated from the figures. Wording rules: a ratio is a
//! ratio of search rates ("searched at 3.8 times the rate of"), never a probability or a
//! likelihood of guilt; caveats are said whenever they apply.

use crate::present::charts::canvas::{human, thousands};
use crate::present::figures::{
    AgeRate, AreaFigures, Diversion, Figures, Period, Ratio, Share, Split,
};
use crate::reference::population::ENGLAND_AND_WALES;

/// The caveat of every City of London rate: its residents are no fit denominator.
const CITY_OF_LONDON: &str = "The City of London has few residents and many visitors, so rates \
     per resident say little about how often people there are searched.";

/// The small-numbers caveat of a ratio; `of` says whose searches (" of young men").
fn too_few(of: &str) -> String {
    format!("Fewer than 10 searches{of} in one of the groups: too few to rely on.")
}

/// A ratio to two significant figures as a reader would quote it: 3.8, 2.0, 0.97, 12.
pub fn ratio_text(v: f64) -> String {
    let decimals = if v >= 10.0 || v <= 0.0 {
        0
    } else if v >= 1.0 {
        1
    } else {
        (1.0 - v.log10().floor()).min(6.0) as usize
    };
    format!("{v:.decimals$}")
}

/// A share as a percentage: 12%, 8.9%, 0.4%.
pub fn percent(v: f64) -> String {
    format!("{}%", human(v * 100.0))
}

fn who(area: &AreaFigures) -> String {
    if area.area == ENGLAND_AND_WALES && area.name == "England and Wales" {
        "police in England and Wales".to_owned()
    } else if area.area == ENGLAND_AND_WALES {
        // A run of some forces only: named for what it is.
        format!("police in {}", lower_first(&area.name))
    } else if area.area_type == "local_authority" {
        let force = area.force.as_deref().map_or_else(
            || "police".to_owned(),
            |f| format!("the {}", super::super::figures::area_name(f)),
        );
        format!("{force} in {}", area.name)
    } else {
        format!("the {}", area.name)
    }
}

fn people(group: &str) -> String {
    format!("{group} people")
}

fn coverage_caveat(area: &AreaFigures, p: &Period) -> Option<String> {
    (!p.is_complete()).then(|| {
        let unit = if area.area == ENGLAND_AND_WALES {
            "force-months"
        } else {
            "months"
        };
        format!(
            "The data cover only {} of the {} {unit} of the year, so these are yearly rates at \
             the pace of the months published.",
            p.covered, p.possible
        )
    })
}

/// The reading of one ratio, with every caveat that applies.
pub fn ratio_sentence(f: &Figures, area: &AreaFigures, r: &Ratio) -> String {
    let Some(p) = &area.period else {
        return String::new();
    };
    let group = people(&r.label);
    let reference = people(&f.reference);
    let mut out = Vec::new();
    match (r.ratio, r.undefined) {
        (_, true) => out.push(format!(
            "In {} neither {group} nor {reference} were searched in {}, so there is no ratio.",
            p.label, area.name
        )),
        // No rate at all: the area has no resident population (British Transport Police).
        (None, false) if area.no_resident_population => out.push(format!(
            "{} has no resident population, so no rate per 1,000 residents and no rate ratio can \
             be given; in {} it searched {} {group} and {} {reference}.",
            area.name,
            p.label,
            thousands(r.searches as i64),
            thousands(r.reference_searches as i64)
        )),
        (None, false) if r.reference_searches == 0 => out.push(format!(
            "In {} {} searched {} {group} and no {reference}, so the ratio cannot be given; it is \
             at least {}.",
            p.label,
            who(area),
            thousands(r.searches as i64),
            bound(r.low, ratio_text)
        )),
        // Both groups were searched but a rate is missing: a population table without them.
        (None, false) => out.push(format!(
            "The population table gives no count of {group} or of {reference} in {}, so no rate \
             ratio can be given; in {} there were {} searches of {group} and {} of {reference}.",
            area.name,
            p.label,
            thousands(r.searches as i64),
            thousands(r.reference_searches as i64)
        )),
        (Some(ratio), false) if r.unreliable() => {
            out.push(unreliable_sentence(area, r, ratio, &group, &reference));
        }
        // No search of the group in the files: the force's files may not use the label at
        // all, which is not the same as searching nobody.
        (Some(_), false) if r.searches == 0 => out.push(format!(
            "In {} {}'s files record no search of {group} (against {} of {reference}): the \
             group is not recorded there, so no ratio can be read from them.",
            p.label,
            files_of(area),
            thousands(r.reference_searches as i64)
        )),
        (Some(ratio), false) => {
            let interval = match r.high {
                Some(high) => format!(
                    "95% interval {} to {}",
                    bound(r.low, ratio_text),
                    ratio_text(high)
                ),
                None => format!("95% interval from {}", bound(r.low, ratio_text)),
            };
            out.push(format!(
                "In {} {} searched {group} at {} times the rate of {reference} ({interval}), \
                 based on {} searches of {group} and {} of {reference}.",
                p.label,
                who(area),
                ratio_text(ratio),
                thousands(r.searches as i64),
                thousands(r.reference_searches as i64)
            ));
            if r.low.is_some_and(|l| l <= 1.0) && r.high.is_none_or(|h| h >= 1.0) {
                out.push("The interval includes 1: no clear difference.".to_owned());
            }
        }
    }
    if r.small_numbers {
        out.push(too_few(""));
    }
    if r.unsuitable {
        out.push(CITY_OF_LONDON.to_owned());
    }
    if let (false, Some(share), Some(hi), Some(lo)) = (
        r.unreliable(),
        r.not_stated_share.filter(|s| *s > 0.0),
        r.if_not_stated_in_group,
        r.if_not_stated_in_reference,
    ) {
        out.push(format!(
            "{} of person searches did not record the person's own ethnicity; had all of them \
             been of {group} the ratio would be {}, had all been of {reference} {}.",
            percent(share),
            ratio_text(hi),
            ratio_text(lo)
        ));
    }
    out.extend(coverage_caveat(area, p));
    out.join(" ")
}

/// `the 3 forces in this run` from `The 3 forces in this run`.
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_lowercase().chain(c).collect())
}

/// Whose files: the force's (for a district, its force's), or every force's.
fn files_of(area: &AreaFigures) -> String {
    match (area.area_type.as_str(), area.force.as_deref()) {
        ("country", _) => "the forces".to_owned(),
        (_, Some(force)) => super::super::figures::area_name(force),
        _ => area.name.clone(),
    }
}

/// Which Census the rates use, and what the official figures of earlier years used.
fn census_sentence(f: &Figures) -> String {
    let mut s = format!(
        "Rates are per 1,000 residents of each group in the {}.",
        f.census
    );
    if f.census.contains("2021") {
        s.push_str(
            " Official figures up to the year ending March 2022 were first published on the \
             2011 Census; to compare with those bulletins, run with --census 2011.",
        );
    }
    s
}

/// A bound of the unknown-ethnicity range as a reader would quote it: 0.57, 19, 6,700.
fn bound_text(v: f64) -> String {
    if v >= 1000.0 {
        let digits = v.log10().floor() as i32 - 1;
        let rounded = (v / 10f64.powi(digits)).round() * 10f64.powi(digits);
        thousands(rounded as i64)
    } else {
        ratio_text(v)
    }
}

/// The first sentence of a ratio that unknown ethnicity could overturn: the caveat, then the
/// ratio among the searches where ethnicity was recorded, then how far the missing could move
/// it.
fn unreliable_sentence(
    area: &AreaFigures,
    r: &Ratio,
    ratio: f64,
    group: &str,
    reference: &str,
) -> String {
    let files = if area.area == ENGLAND_AND_WALES {
        "The forces' files".to_owned()
    } else if area.area_type == "local_authority" {
        format!("In {}, the files", area.name)
    } else {
        format!("{}'s files", area.name)
    };
    let recorded = r.not_stated_share.map(|s| 1.0 - s);
    let range = match (r.if_not_stated_in_reference, r.if_not_stated_in_group) {
        (Some(lo), Some(hi)) => format!(
            "allocating the missing ethnicities either way would put the ratio anywhere between \
             {} and {}",
            bound_text(lo),
            bound_text(hi)
        ),
        (Some(lo), None) => format!(
            "allocating the missing ethnicities either way would put the ratio anywhere from {} \
             upwards",
            bound_text(lo)
        ),
        _ => "the missing ethnicities could move the ratio either way".to_owned(),
    };
    let officer = r
        .officer_fallback
        .map(|o| {
            format!(
                " Counting the officer's record where the person's is missing gives {}.",
                ratio_text(o)
            )
        })
        .unwrap_or_default();
    let first = match recorded {
        Some(rec) if r.high_not_stated => format!(
            "{files} record the person's own ethnicity for only {} of {} person searches, so no \
             reliable comparison can be given",
            percent(rec),
            if area.area_type == "force" {
                "its"
            } else {
                "their"
            }
        ),
        _ => format!(
            "{files} leave the person's own ethnicity unrecorded for {} of person searches, \
             enough to reverse the comparison, so no reliable comparison can be given",
            r.not_stated_share.map_or("some".to_owned(), percent)
        ),
    };
    format!(
        "{first}; among the searches where it was recorded, {group} were searched at {} times \
         the rate of {reference}, and {range}.{officer}",
        ratio_text(ratio)
    )
}

/// The sentence under the headline ratio chart: the comparison group's reading.
pub fn disparity_reading(f: &Figures, area: &AreaFigures) -> String {
    let mut text = area
        .ratios
        .iter()
        .find(|r| r.label == f.comparison)
        .or(area.ratios.first())
        .map(|r| ratio_sentence(f, area, r))
        .unwrap_or_default();
    if area.area == ENGLAND_AND_WALES
        && let Some(fy) = area.period.as_ref()
        && let Some(m) = missing_forces(f, &fy.label)
    {
        text.push(' ');
        text.push_str(&m);
    }
    if area.area == ENGLAND_AND_WALES
        && let Some(flagged) = flagged_forces(f, area)
    {
        text.push(' ');
        text.push_str(&flagged);
    }
    if !text.is_empty() && !area.no_resident_population {
        text.push(' ');
        text.push_str(&census_sentence(f));
    }
    text
}

/// How many forces' ratios unknown ethnicity could overturn, and how much of the national
/// not-recorded count they hold.
fn flagged_forces(f: &Figures, national: &AreaFigures) -> Option<String> {
    // Forces whose searches count in England and Wales (not British Transport Police).
    let territorial =
        |r: &&Ratio| crate::reference::forces::by_id(&r.area).is_some_and(|f| f.pfa_code.is_some());
    let flagged: Vec<&Ratio> = f
        .league
        .iter()
        .filter(territorial)
        .filter(|r| r.unreliable())
        .collect();
    if flagged.is_empty() {
        return None;
    }
    let all = national
        .ratios
        .iter()
        .find(|r| r.label == f.comparison)
        .map_or(0, |r| r.not_stated_searches);
    let theirs: u64 = flagged.iter().map(|r| r.not_stated_searches).sum();
    let names: Vec<String> = flagged.iter().map(|r| r.label.clone()).collect();
    let share = if all > 0 {
        format!(
            "; together they hold {} of the {} searches of people in England and Wales with no \
             recorded ethnicity",
            percent(theirs as f64 / all as f64),
            thousands(all as i64)
        )
    } else {
        String::new()
    };
    Some(format!(
        "{} of the {} forces compared ({}) record no ethnicity for so many of their searches \
         that their ratios are not ranked with the others{share}.",
        flagged.len(),
        f.league.iter().filter(territorial).count(),
        join_words(&names)
    ))
}

/// What standardisation does and does not remove, said wherever a standardised ratio is.
pub const STANDARDISING: &str = "Standardising removes differences in age and sex make-up \
    between groups; it does not remove differences in where people live, in who is out in \
    public places, or in how officers choose whom to search.";

/// Said wherever figures by age would be, when the run had no population by age.
pub const NO_AGE_TABLE: &str = "No population by ethnic group, sex and age was given to this \
    run (--population-age), so there are no rates by age and sex and no age–sex standardised \
    ratio.";

/// The reading under the disparity chart: the crude ratio, then the age–sex standardised one.
pub fn disparity_chart_reading(f: &Figures, area: &AreaFigures) -> String {
    let crude = disparity_reading(f, area);
    if crude.is_empty() || area.no_resident_population {
        return crude;
    }
    format!("{crude} {}", standardised_sentence(f, area))
}

/// The age–sex standardised ratio of the comparison group beside the crude one, or plainly
/// why there is none.
pub fn standardised_sentence(f: &Figures, area: &AreaFigures) -> String {
    if f.age_census.is_none() {
        return NO_AGE_TABLE.to_owned();
    }
    let year = area
        .period
        .as_ref()
        .map_or("the year", |p| p.label.as_str());
    let Some(r) = area.standardised.iter().find(|r| r.label == f.comparison) else {
        return format!(
            "The population by age and sex has no figures for {}, so there is no age–sex \
             standardised ratio.",
            area.name
        );
    };
    let Some(ratio) = r.ratio else {
        let why = if area.ages.as_ref().is_some_and(|a| !a.recorded) {
            ages_not_recorded(area, "ages", year)
        } else {
            "it needs residents in every age and sex group and searches of both groups".to_owned()
        };
        return format!("No age–sex standardised ratio can be given for {year}: {why}.");
    };
    let mut out = vec![format!(
        "Standardised for age and sex, {} were searched at {} times the rate of {} ({}).",
        people(&f.comparison),
        ratio_text(ratio),
        people(&f.reference),
        interval(r.low, r.high, ratio_text)
    )];
    if includes_one(r.low, r.high) {
        out.push("That interval includes 1: no clear difference.".to_owned());
    }
    if area.ages.as_ref().is_some_and(|a| a.missing > 0) {
        out.push("It counts only the searches with a sex and an age recorded.".to_owned());
    }
    out.push(STANDARDISING.to_owned());
    out.join(" ")
}

/// "95% interval 3.7 to 3.9", or from the lower limit when the upper is unbounded.
fn interval(low: Option<f64>, high: Option<f64>, show: fn(f64) -> String) -> String {
    match high {
        Some(h) => format!("95% interval {} to {}", bound(low, show), show(h)),
        None => format!("95% interval from {}", bound(low, show)),
    }
}

fn includes_one(low: Option<f64>, high: Option<f64>) -> bool {
    low.is_some_and(|l| l <= 1.0) && high.is_none_or(|h| h >= 1.0)
}

/// Who did not record ages in `year`, in words: "the Metropolitan Police Service did not
/// record ages" (for a district, its force), or "no force recorded ages" for the country.
fn ages_not_recorded(area: &AreaFigures, what: &str, year: &str) -> String {
    match (area.area_type.as_str(), area.force.as_deref()) {
        ("country", _) => format!("no force recorded {what} in {year}"),
        (_, force) => format!(
            "the {} did not record {what} in {year}",
            force.map_or_else(|| area.name.clone(), super::super::figures::area_name)
        ),
    }
}

/// The sentence with its first letter a capital.
fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

/// The reading of the young-men chart, or (where it is not drawn) why there is none: young
/// men of the comparison group against the reference group's, then everyone, with the
/// caveats of age recording.
pub fn young_men_reading(f: &Figures, area: &AreaFigures) -> String {
    if f.age_census.is_none() {
        return NO_AGE_TABLE.to_owned();
    }
    if area.no_resident_population {
        return format!(
            "{} has no resident population, so no rates by age and sex can be given.",
            area.name
        );
    }
    let Some(p) = &area.period else {
        return String::new();
    };
    if let Some(a) = area.ages.as_ref().filter(|a| !a.recorded) {
        return format!(
            "{} ({} searches), so there are no rates for young men.",
            capitalised(&ages_not_recorded(
                area,
                "the age of anyone searched",
                &p.label
            )),
            thousands(a.total as i64)
        );
    }
    let Some(y) = &area.young_men else {
        return format!(
            "The population by age and sex has no figures for {} in {}, so there are no rates \
             for young men.",
            area.name, p.label
        );
    };
    let men = |g: &str| y.men.iter().find(|r| r.group == g);
    let (Some(c), Some(r)) = (men(&f.comparison), men(&f.reference)) else {
        return format!(
            "There are no rates for young {} or {} men in {} in {}.",
            f.comparison, f.reference, area.name, p.label
        );
    };
    let young = |g: &str| format!("young {g} men ({})", y.band);
    let mut out = vec![young_ratio(f, area, p, c, r, &young(&f.comparison))];
    if let Some(e) = y
        .everyone
        .iter()
        .find(|e| e.group == f.comparison)
        .and_then(|e| e.ratio)
    {
        out.push(format!(
            "Counting everyone, of all ages and both sexes, the ratio was {}.",
            ratio_text(e)
        ));
    }
    if c.small_numbers {
        out.push(too_few(" of young men"));
    }
    if c.unsuitable {
        out.push(CITY_OF_LONDON.to_owned());
    }
    if y.age_months < y.months {
        out.push(format!(
            "Sex and age were recorded in only {} of the {} months with data; the young men's \
             rates count only those months.",
            y.age_months, y.months
        ));
    }
    if let Some(a) = area.ages.as_ref().filter(|a| a.missing > 0 && a.total > 0) {
        out.push(format!(
            "The age was not recorded for {} of searches ({} of {}); they count in the rate for \
             everyone but in no age band.",
            percent(a.missing as f64 / a.total as f64),
            thousands(a.missing as i64),
            thousands(a.total as i64)
        ));
    }
    out.extend(coverage_caveat(area, p));
    out.join(" ")
}

/// The first sentence of the young-men reading: the ratio, or why there is none.
fn young_ratio(
    f: &Figures,
    area: &AreaFigures,
    p: &Period,
    c: &AgeRate,
    r: &AgeRate,
    young_comparison: &str,
) -> String {
    let young_reference = format!("young {} men", f.reference);
    match (c.ratio, c.undefined) {
        (_, true) => format!(
            "In {} neither {young_comparison} nor {young_reference} were searched by {}, so \
             there is no ratio.",
            p.label,
            who(area)
        ),
        (None, false) if r.searches == 0 => format!(
            "In {} {} searched {} {young_comparison} and no {young_reference}, so the ratio \
             cannot be given.",
            p.label,
            who(area),
            thousands(c.searches as i64)
        ),
        (None, false) => format!(
            "In {} there is no rate for {young_comparison} or {young_reference} in {}: the \
             population table gives no residents, or no ages were recorded.",
            p.label, area.name
        ),
        (Some(ratio), false) => {
            let mut s = format!(
                "In {} {young_comparison} were searched by {} at {} times the rate of \
                 {young_reference} ({}): {} searches per 1,000 a year against {} per 1,000, \
                 based on {} and {} searches.",
                p.label,
                who(area),
                ratio_text(ratio),
                interval(c.ratio_low, c.ratio_high, ratio_text),
                bound(c.rate, human),
                bound(r.rate, human),
                thousands(c.searches as i64),
                thousands(r.searches as i64)
            );
            if includes_one(c.ratio_low, c.ratio_high) {
                s.push_str(" The interval includes 1: no clear difference.");
            }
            s
        }
    }
}

/// The reading of the diversion chart, or (where it is not drawn) why there is none: of the
/// drug searches that ended in a disposal, how many were out of court, for the two groups
/// compared, with what the share leaves out.
pub fn diversion_reading(f: &Figures, area: &AreaFigures) -> String {
    let Some(p) = &area.period else {
        return String::new();
    };
    if area.diversion.is_empty() {
        let mut out = format!(
            "In {} no searches by {} were recorded as drug searches, so there is no diversion \
             gap to show.",
            p.label,
            who(area)
        );
        if let Some(unknown) = area
            .search_groups
            .iter()
            .find(|s| s.group == "All")
            .and_then(|s| share_of(s, "unknown"))
            .filter(|u| *u > 0.0)
        {
            out.push_str(&format!(
                " What the search was for was not recorded for {} of the searches.",
                percent(unknown)
            ));
        }
        return out;
    }
    let find = |g: &str| area.diversion.iter().find(|d| d.share.group == g);
    let disposals = |d: Option<&Diversion>| d.map_or(0, |d| d.share.total);
    let (c, r) = (find(&f.comparison), find(&f.reference));
    let (Some(c), Some(r)) = (
        c.filter(|d| d.share.total > 0),
        r.filter(|d| d.share.total > 0),
    ) else {
        return format!(
            "In {} too few drug searches by {} ended in a disposal to compare {} and {}: {} and \
             {} did.",
            p.label,
            who(area),
            people(&f.comparison),
            people(&f.reference),
            thousands(disposals(c) as i64),
            thousands(disposals(r) as i64)
        );
    };
    let (Some(cs), Some(rs)) = (c.share.share, r.share.share) else {
        return String::new();
    };
    let mut out = vec![format!(
        "Of the drug searches by {} in {} that ended in a disposal, {} received an out-of-court \
         disposal (a warning, penalty notice, community resolution or caution) rather than \
         arrest or a charge in {} ({} of {}; {}), and {} in {} ({} of {}).",
        who(area),
        p.label,
        people(&f.comparison),
        percent(cs),
        thousands(c.share.n as i64),
        thousands(c.share.total as i64),
        interval(c.share.low, c.share.high, percent),
        people(&f.reference),
        percent(rs),
        thousands(r.share.n as i64),
        thousands(r.share.total as i64)
    )];
    // A zero share has no ratio worth quoting (and no interval): the shares say it.
    if let (Some(ratio), Some(_), Some(_)) =
        (c.ratio.filter(|r| *r > 0.0), c.ratio_low, c.ratio_high)
    {
        out.push(format!(
            "{}'s share was {} times {}'s ({}){}",
            people(&f.comparison),
            ratio_text(ratio),
            people(&f.reference),
            interval(c.ratio_low, c.ratio_high, ratio_text),
            if includes_one(c.ratio_low, c.ratio_high) {
                ": no clear difference."
            } else {
                "."
            }
        ));
    }
    if c.share.small_numbers || r.share.small_numbers {
        out.push(
            "Fewer than 20 disposals behind one of these shares: too few to rely on.".to_owned(),
        );
    }
    let unrecorded = if c.unrecorded + r.unrecorded > 0 {
        format!(
            ", and those with no disposal or no outcome recorded ({} and {})",
            thousands(c.unrecorded as i64),
            thousands(r.unrecorded as i64)
        )
    } else {
        String::new()
    };
    out.push(format!(
        "The shares leave out drug searches that ended in no further action ({} of the {} drug \
         searches of {} and {} of the {} of {}){unrecorded}.",
        thousands(c.no_further_action as i64),
        thousands(c.searches as i64),
        people(&f.comparison),
        thousands(r.no_further_action as i64),
        thousands(r.searches as i64),
        people(&f.reference),
    ));
    out.push(
        "The data do not record what or how much was found, or anyone's previous record, which \
         also shape the disposal."
            .to_owned(),
    );
    out.extend(coverage_caveat(area, p));
    out.join(" ")
}

pub fn rates_reading(f: &Figures, area: &AreaFigures) -> String {
    let Some(p) = &area.period else {
        return String::new();
    };
    let rate = |g: &str| area.rates.iter().find(|r| r.group == g);
    let (Some(c), Some(r)) = (rate(&f.comparison), rate(&f.reference)) else {
        return String::new();
    };
    let (Some(cr), Some(rr)) = (c.rate, r.rate) else {
        return format!(
            "{} has no resident population, so no rate per 1,000 residents can be given.",
            area.name
        );
    };
    let mut out = vec![format!(
        "In {} {} searched {} at a rate of {} per 1,000 residents a year (95% interval {} to \
         {}) and {} at {} per 1,000.",
        p.label,
        who(area),
        people(&f.comparison),
        human(cr),
        bound(c.low, human),
        bound(c.high, human),
        people(&f.reference),
        human(rr)
    )];
    if let Some(all) = rate("All").and_then(|a| a.rate) {
        out.push(format!(
            "Across everyone the rate was {} per 1,000.",
            human(all)
        ));
    }
    out.extend(coverage_caveat(area, p));
    out.join(" ")
}

pub fn trend_reading(f: &Figures, area: &AreaFigures) -> String {
    let months = area.monthly.len();
    let covered = area.monthly.iter().filter(|m| m.searches.is_some()).count();
    let ratios: Vec<f64> = area
        .monthly
        .iter()
        .filter_map(|m| m.ratio.map(|r| r.0))
        .collect();
    let (Some(first), Some(last)) = (area.monthly.first(), area.monthly.last()) else {
        return String::new();
    };
    let mut out = vec![format!(
        "Data were published for {covered} of the {months} months from {} to {}; the other \
         months are gaps, not zeros.",
        first.month, last.month
    )];
    if let (Some(lo), Some(hi)) = (
        ratios.iter().copied().reduce(f64::min),
        ratios.iter().copied().reduce(f64::max),
    ) {
        out.push(format!(
            "In the months with data, {} were searched at between {} and {} times the rate of {}.",
            people(&f.comparison),
            ratio_text(lo),
            ratio_text(hi),
            people(&f.reference)
        ));
    }
    out.join(" ")
}

fn share_of(split: &Split, category: &str) -> Option<f64> {
    (split.total > 0).then(|| {
        split
            .parts
            .iter()
            .find(|p| p.0 == category)
            .map_or(0, |p| p.1) as f64
            / split.total as f64
    })
}

pub fn search_groups_reading(f: &Figures, area: &AreaFigures) -> String {
    let Some(p) = &area.period else {
        return String::new();
    };
    let find = |g: &str| area.search_groups.iter().find(|s| s.group == g);
    let Some(all) = find("All").and_then(|s| share_of(s, "drugs")) else {
        return String::new();
    };
    let mut parts = Vec::new();
    for g in [f.comparison.as_str(), f.reference.as_str()] {
        if let Some(s) = find(g).and_then(|s| share_of(s, "drugs")) {
            parts.push(format!("{} of searches of {}", percent(s), people(g)));
        }
    }
    let mut out = format!(
        "In {} drugs were the object of {} of all searches by {}",
        p.label,
        percent(all),
        who(area)
    );
    if !parts.is_empty() {
        out.push_str(&format!(" ({})", parts.join(", ")));
    }
    out.push_str(". This is what the officer was looking for, not the grounds for the search.");
    out
}

pub fn outcomes_reading(f: &Figures, area: &AreaFigures) -> String {
    let Some(p) = &area.period else {
        return String::new();
    };
    let find = |g: &str| area.outcomes.iter().find(|s| s.group == g);
    let (Some(c), Some(r)) = (find(&f.comparison), find(&f.reference)) else {
        return String::new();
    };
    let (Some(cn), Some(rn), Some(ca), Some(ra)) = (
        share_of(c, "no_further_action"),
        share_of(r, "no_further_action"),
        share_of(c, "arrest"),
        share_of(r, "arrest"),
    ) else {
        return String::new();
    };
    let mut out = format!(
        "In {} no further action followed {} of searches of {} and {} of searches of {}; {} and \
         {} ended in arrest.",
        p.label,
        percent(cn),
        people(&f.comparison),
        percent(rn),
        people(&f.reference),
        percent(ca),
        percent(ra)
    );
    if let (Some(cu), Some(ru)) = (share_of(c, "unknown"), share_of(r, "unknown"))
        && (cu > 0.0 || ru > 0.0)
    {
        out.push_str(&format!(
            " The outcome was not recorded for {} and {} of them.",
            percent(cu),
            percent(ru)
        ));
    }
    out
}

/// A share reading: "`what` for 12% of searches of Black people (95% interval 7% to 20%),
/// against 15% for White people."
pub fn share_reading(f: &Figures, area: &AreaFigures, shares: &[Share], what: &str) -> String {
    let Some(p) = &area.period else {
        return String::new();
    };
    let find = |g: &str| shares.iter().find(|s| s.group == g && s.total > 0);
    let (Some(c), Some(r)) = (find(&f.comparison), find(&f.reference)) else {
        return format!(
            "In {} there are too few recorded outcomes to compare groups.",
            p.label
        );
    };
    let (Some(cs), Some(rs)) = (c.share, r.share) else {
        return String::new();
    };
    let mut out = format!(
        "In {} {what} {} of searches of {} (95% interval {} to {}), against {} of searches of {}.",
        p.label,
        percent(cs),
        people(&f.comparison),
        bound(c.low, percent),
        bound(c.high, percent),
        percent(rs),
        people(&f.reference)
    );
    if c.small_numbers || r.small_numbers {
        out.push_str(" Fewer than 20 searches behind one of these shares: too few to rely on.");
    }
    out
}

pub fn league_reading(f: &Figures) -> String {
    let Some(period) = &f.league_period else {
        return String::new();
    };
    let usable: Vec<&Ratio> = f
        .league
        .iter()
        .filter(|r| r.ratio.is_some() && !r.small_numbers && !r.unsuitable && !r.unreliable())
        .collect();
    let (Some(top), Some(bottom)) = (usable.first(), usable.last()) else {
        return format!(
            "In {period} no force had enough searches of both groups for a reliable ratio."
        );
    };
    let mut out = format!(
        "In {period}, of the {} forces with data, {} searched {} at {} times the rate of {}, \
         the highest ratio",
        f.league.len(),
        top.label,
        people(&f.comparison),
        bound(top.ratio, ratio_text),
        people(&f.reference)
    );
    if usable.len() > 1 {
        out.push_str(&format!(
            "; {} the lowest, at {} times",
            bottom.label,
            bound(bottom.ratio, ratio_text)
        ));
    }
    out.push_str(
        ". Forces marked † have too few searches or an unfit denominator and are not ranked here.",
    );
    if f.league.iter().any(|r| r.unreliable()) {
        out.push_str(
            " Forces marked *, below the line, record no ethnicity for so many searches that \
             their ratios cannot be relied on.",
        );
    }
    out
}

/// The reading under the smell-of-cannabis chart: how often smell was the only ground recorded,
/// by group, and how often it was mentioned at all.
pub fn grounds_smell_reading(f: &Figures, area: &AreaFigures) -> String {
    let (Some(p), Some(g)) = (&area.period, &area.grounds) else {
        return String::new();
    };
    let searches = crate::present::charts::grounds_searches(g);
    let find = |shares: &[Share], group: &str| {
        shares
            .iter()
            .find(|s| s.group == group && s.total > 0)
            .cloned()
    };
    let (Some(c), Some(r)) = (
        find(&g.smell_only, &f.comparison),
        find(&g.smell_only, &f.reference),
    ) else {
        return format!(
            "In {} too few {searches} of {} or {} have grounds recorded to compare.",
            p.label,
            people(&f.comparison),
            people(&f.reference)
        );
    };
    let (Some(cs), Some(rs)) = (c.share, r.share) else {
        return String::new();
    };
    let mut out = format!(
        "In {} the smell of cannabis was the only ground recorded for {} of {searches} of {} ({} of {}; 95% interval {} to {}), against {} of {searches} of {} ({} of {}).",
        p.label,
        percent(cs),
        people(&f.comparison),
        thousands(c.n as i64),
        thousands(c.total as i64),
        bound(c.low, percent),
        bound(c.high, percent),
        percent(rs),
        people(&f.reference),
        thousands(r.n as i64),
        thousands(r.total as i64)
    );
    if let (Some(cm), Some(rm)) = (
        find(&g.smell, &f.comparison).and_then(|s| s.share),
        find(&g.smell, &f.reference).and_then(|s| s.share),
    ) {
        out.push_str(&format!(
            " The smell was mentioned at all, alone or with other grounds, in {} and {}.",
            percent(cm),
            percent(rm)
        ));
    }
    if c.total < 20 || r.total < 20 {
        out.push_str(" Fewer than 20 searches behind one of these shares: too few to rely on.");
    }
    out.push_str(
        " The College of Policing's position is that the smell of cannabis alone will not \
         normally justify a search. The figures count what officers wrote, sorted by keyword \
         rules; they do not say whether the grounds were sound.",
    );
    out
}

/// The reading under the find-rate-by-grounds chart: does smell add to the chance of a find?
pub fn grounds_find_reading(area: &AreaFigures) -> String {
    let (Some(p), Some(g)) = (&area.period, &area.grounds) else {
        return String::new();
    };
    let searches = crate::present::charts::grounds_searches(g);
    let everyone = |category: &str| {
        g.find
            .iter()
            .find(|(c, _)| c == category)
            .and_then(|(_, shares)| shares.iter().find(|s| s.group == "All" && s.total > 0))
            .and_then(|s| Some((s.share?, s.n, s.total)))
    };
    let verb = if g.measure == "outcome_linked" {
        "found what they were looking for (an outcome linked to the object of search)"
    } else {
        "led to an outcome other than no further action"
    };
    let Some((only, n, total)) = everyone("smell_only") else {
        return format!(
            "In {} no {searches} had the smell of cannabis as their only recorded ground.",
            p.label
        );
    };
    let mut out = format!(
        "In {}, counting everyone, {searches} whose only recorded ground was the smell of \
         cannabis {verb} in {} of cases ({} of {})",
        p.label,
        percent(only),
        thousands(n as i64),
        thousands(total as i64)
    );
    let others: Vec<String> = [
        (
            "smell_with_other_grounds",
            "that gave smell with other grounds",
        ),
        ("no_smell", "whose grounds did not mention smell"),
    ]
    .iter()
    .filter_map(|(c, words)| {
        everyone(c).map(|(share, n, total)| {
            format!(
                "{} of those {words} ({} of {})",
                percent(share),
                thousands(n as i64),
                thousands(total as i64)
            )
        })
    })
    .collect();
    if !others.is_empty() {
        out.push_str(&format!(", against {}", join_words(&others)));
    }
    out.push_str(
        ". The intervals on the chart show how far chance alone could move each share; where \
         they overlap, the difference may be chance.",
    );
    out
}

fn join_words(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [a, b] => format!("{a} and {b}"),
        [init @ .., last] => format!("{}, and {last}", init.join(", ")),
    }
}

/// The territorial forces in scope with no month of data in financial year `fy`, by name,
/// and the share of the residents in scope they police.
fn missing_forces(f: &Figures, fy: &str) -> Option<String> {
    let g = &f.coverage;
    let in_year: Vec<usize> = g
        .months
        .iter()
        .enumerate()
        .filter(|(_, m)| m.financial_year() == fy)
        .map(|(i, _)| i)
        .collect();
    if in_year.is_empty() {
        return None;
    }
    let missing: Vec<&str> = g
        .forces
        .iter()
        .filter(|(force, _)| f.residents.contains_key(force))
        .filter(|(_, cells)| {
            in_year
                .iter()
                .all(|&i| !matches!(cells[i].as_str(), "submitted" | "zero"))
        })
        .map(|(force, _)| force.as_str())
        .collect();
    if missing.is_empty() {
        return None;
    }
    let all: u64 = f.residents.values().sum();
    let theirs: u64 = missing.iter().filter_map(|m| f.residents.get(*m)).sum();
    let names: Vec<String> = missing
        .iter()
        .map(|m| super::super::figures::area_name(m))
        .collect();
    let (verb, which) = if missing.len() == 1 {
        ("polices", "it")
    } else {
        ("police", "them")
    };
    Some(format!(
        "No data for {fy} from {}, which {verb} {} of the residents of the forces in this run; \
         the figures for all forces together leave {which} out.",
        join_words(&names),
        if all > 0 {
            percent(theirs as f64 / all as f64)
        } else {
            "some".to_owned()
        }
    ))
}

pub fn coverage_reading(f: &Figures) -> String {
    let g = &f.coverage;
    let (Some(first), Some(last)) = (g.months.first(), g.months.last()) else {
        return String::new();
    };
    let published = g
        .forces
        .iter()
        .filter(|(_, cells)| cells.iter().any(|s| s == "submitted" || s == "zero"))
        .count();
    let missing: usize = g
        .forces
        .iter()
        .map(|(_, cells)| cells.iter().filter(|s| *s == "missing").count())
        .sum();
    let total = g.forces.len() * g.months.len();
    let mut text = format!(
        "{published} of the {} forces published data for at least one month between {first} and \
         {last}; {} of the {} force-months have no data, and are left out of every rate rather \
         than counted as zero.",
        g.forces.len(),
        thousands(missing as i64),
        thousands(total as i64)
    );
    if let Some(m) = f
        .league_period
        .as_deref()
        .and_then(|fy| missing_forces(f, fy))
    {
        text.push(' ');
        text.push_str(&m);
    }
    text
}

/// The powers that need no suspicion the area used, in words: "section 60", "section 47A",
/// or both.
fn no_suspicion_words(area: &AreaFigures) -> &'static str {
    match (
        area.power("cjpo_s60").is_some(),
        area.power("terrorism_s47a").is_some(),
    ) {
        (true, true) => "section 60 or section 47A",
        (false, true) => "section 47A",
        _ => "section 60",
    }
}

/// How often the comparison group was searched against the reference group under a power,
/// as the rest of a sentence after "searched": with its interval, or why there is no ratio.
fn power_ratio_words(f: &Figures, r: &Ratio, full: bool) -> String {
    let group = people(&r.label);
    let reference = people(&f.reference);
    let counts = format!(
        "{} searches of {group} and {} of {reference}",
        thousands(r.searches as i64),
        thousands(r.reference_searches as i64)
    );
    match (r.ratio, r.undefined) {
        (Some(ratio), false) if ratio <= 0.0 => format!(
            "no {group}, against {} searches of {reference}, so the ratio is zero ({})",
            thousands(r.reference_searches as i64),
            match r.high {
                Some(h) => format!("95% interval up to {}", ratio_text(h)),
                None => "no upper limit".to_owned(),
            }
        ),
        (Some(ratio), false) if full => format!(
            "{group} at {} times the rate of {reference} ({}; {counts})",
            ratio_text(ratio),
            interval(r.low, r.high, ratio_text)
        ),
        (Some(ratio), false) => format!(
            "{} times ({}; {counts})",
            ratio_text(ratio),
            interval(r.low, r.high, ratio_text)
        ),
        (_, true) => format!("neither {group} nor {reference}, so there is no ratio"),
        (None, false) if r.reference_searches == 0 => format!(
            "{} {group} and no {reference}, so there is no ratio (it is at least {})",
            thousands(r.searches as i64),
            bound(r.low, ratio_text)
        ),
        (None, false) => format!("with no rate ratio to give ({counts})"),
    }
}

/// The reading of the powers chart, or (where it is not drawn) why there is none: the
/// comparison group's ratio under section 60, where no suspicion is needed, against that in
/// searches that required reasonable suspicion, with the caveats of small numbers and of the
/// denominator. Empty for districts, which have no figures by power.
pub fn powers_reading(f: &Figures, area: &AreaFigures) -> String {
    let Some(p) = &area.period else {
        return String::new();
    };
    if area.area_type == "local_authority" {
        return String::new();
    }
    let who = who(area);
    if !area.powers.is_empty() && area.powers.iter().all(|p| p.power == "unknown") {
        return format!(
            "{} did not record the power used for its searches in {}, so there are no figures \
             by power.",
            capitalised(&who),
            p.label
        );
    }
    let Some(none) = area.no_suspicion() else {
        return format!(
            "{} made no searches under section 60 in {}.",
            capitalised(&who),
            p.label
        );
    };
    let power = no_suspicion_words(area);
    let share = format!(
        "{} of the {} searches in {} {} under {power}.",
        thousands(none.searches as i64),
        thousands(area.all_searches as i64),
        p.label,
        if none.searches == 1 { "was" } else { "were" }
    );
    if area.no_resident_population {
        return format!(
            "{} has no resident population, so there are no rates per 1,000 residents by \
             power. {share}",
            area.name
        );
    }
    let Some(ratio) = &none.ratio else {
        return format!(
            "{} searched no {} under {power} in {}, so there is no ratio. {share}",
            capitalised(&who),
            people(&f.comparison),
            p.label
        );
    };
    let suspicion = area
        .power("suspicion_required")
        .and_then(|s| s.ratio.as_ref());
    let mut out = vec![match suspicion {
        Some(s) => format!(
            "In {}, under {power}, where no suspicion is needed, {who} searched {}; in \
             searches that required reasonable suspicion, {}.",
            p.label,
            power_ratio_words(f, ratio, true),
            power_ratio_words(f, s, false)
        ),
        None => format!(
            "In {}, under {power}, where no suspicion is needed, {who} searched {}; it made no \
             searches that required reasonable suspicion.",
            p.label,
            power_ratio_words(f, ratio, true)
        ),
    }];
    out.push(capitalised(&share));
    if ratio.small_numbers {
        out.push(too_few(&format!(" under {power}")));
    }
    if suspicion.is_some_and(|s| s.small_numbers) {
        out.push(too_few(" that required suspicion"));
    }
    if ratio.unsuitable {
        out.push(CITY_OF_LONDON.to_owned());
    }
    out.push(format!(
        "Rates are per 1,000 residents of the whole area, an especially poor yardstick for \
         {power}: its searches are made only inside an authorisation limited to one place for \
         a short time, so they count who was there then, not each group's chance of being \
         searched."
    ));
    if let Some(c) = coverage_caveat(area, p) {
        out.push(c);
    }
    out.join(" ")
}

/// The reading of the find-by-power chart: how often a search of the comparison and of the
/// reference group led to action under section 60 and under the powers that need suspicion;
/// where the chart is not drawn for want of recorded outcomes, that there are none. Empty
/// where the area made no searches under section 60 (the powers reading says so).
pub fn find_by_power_reading(f: &Figures, area: &AreaFigures) -> String {
    let Some(p) = &area.period else {
        return String::new();
    };
    if area.area_type == "local_authority" {
        return String::new();
    }
    let Some(none) = area.no_suspicion() else {
        return String::new();
    };
    let power = no_suspicion_words(area);
    let find = |shares: &'_ [Share], g: &str| -> Option<(f64, Share)> {
        let s = shares.iter().find(|s| s.group == g && s.total > 0)?;
        Some((s.share?, s.clone()))
    };
    if !none.find.iter().any(|s| s.total > 0) {
        return format!(
            "No outcomes were recorded for the searches under {power} in {}, so there is no \
             comparison of how often they led to action.",
            p.label
        );
    }
    let (Some((c, cs)), Some((r, rs))) = (
        find(&none.find, &f.comparison),
        find(&none.find, &f.reference),
    ) else {
        return format!(
            "In {} there are too few recorded outcomes of searches under {power} to compare {} \
             and {}.",
            p.label,
            people(&f.comparison),
            people(&f.reference)
        );
    };
    let detail = |s: &Share| {
        format!(
            "95% interval {} to {}; {} of {}",
            bound(s.low, percent),
            bound(s.high, percent),
            thousands(s.n as i64),
            thousands(s.total as i64)
        )
    };
    let mut small = cs.total < 20 || rs.total < 20;
    let suspicion = area
        .power("suspicion_required")
        .and_then(|s| Some((find(&s.find, &f.comparison)?, find(&s.find, &f.reference)?)));
    let rest = match &suspicion {
        Some(((sc, scs), (sr, srs))) => {
            small |= scs.total < 20 || srs.total < 20;
            format!(
                "; in searches that required reasonable suspicion, {} against {}",
                percent(*sc),
                percent(*sr)
            )
        }
        None => String::new(),
    };
    let mut out = format!(
        "In {}, under {power}, {} of searches of {} led to an outcome other than no further \
         action ({}), against {} of searches of {} ({}){rest}.",
        p.label,
        percent(c),
        people(&f.comparison),
        detail(&cs),
        percent(r),
        people(&f.reference),
        detail(&rs)
    );
    if small {
        out.push_str(" Fewer than 20 searches behind one of these shares: too few to rely on.");
    }
    out
}

/// A limit or estimate the sentence quotes; never a silent zero if it is missing (the tables
/// give one wherever the estimate exists, so this is a guard, not a case).
fn bound(value: Option<f64>, show: fn(f64) -> String) -> String {
    value.map_or_else(|| "(not available)".to_owned(), show)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::present::figures::{AgeRecording, PowerFigures, YoungMen};

    fn figures(age_census: Option<&str>) -> Figures {
        Figures {
            synthetic: false,
            extracts: vec![],
            census: "Census 2021".into(),
            reference: "White".into(),
            comparison: "Black".into(),
            areas: vec![],
            league: vec![],
            league_period: None,
            coverage: crate::present::figures::CoverageGrid {
                months: vec![],
                forces: vec![],
                suspect: Default::default(),
            },
            districts: false,
            district_league: Default::default(),
            age_census: age_census.map(str::to_owned),
            revisions: vec![],
            residents: Default::default(),
        }
    }

    fn met() -> AreaFigures {
        AreaFigures {
            area: "metropolitan".into(),
            area_type: "force".into(),
            force: Some("metropolitan".into()),
            low_location_coverage: false,
            location: None,
            name: "Metropolitan Police Service".into(),
            period: Some(Period {
                label: "2022/23".into(),
                covered: 12,
                possible: 12,
            }),
            ratios: vec![],
            rates: vec![],
            monthly: vec![],
            search_groups: vec![],
            outcomes: vec![],
            find_linked: vec![],
            find_action: vec![],
            out_of_court: vec![],
            not_stated_share: None,
            all_searches: 0,
            unsuitable_denominator: false,
            no_resident_population: false,
            grounds: None,
            young_men: None,
            standardised: vec![],
            diversion: vec![],
            ages: Some(AgeRecording {
                recorded: true,
                missing: 0,
                total: 5_000,
            }),
            powers: vec![],
            over_time: Default::default(),
        }
    }

    fn age_rate(group: &str, rate: f64, searches: u64, ratio: Option<(f64, f64, f64)>) -> AgeRate {
        AgeRate {
            group: group.into(),
            rate: Some(rate),
            low: Some(rate * 0.9),
            high: Some(rate * 1.1),
            searches,
            reference_searches: Some(400),
            ratio: ratio.map(|r| r.0),
            ratio_low: ratio.map(|r| r.1),
            ratio_high: ratio.map(|r| r.2),
            undefined: false,
            small_numbers: searches < 10,
            unsuitable: false,
        }
    }

    fn young(black_searches: u64) -> YoungMen {
        YoungMen {
            band: "under 25".into(),
            made_of: "under 25 = police under 10 + 10-17 + 18-24 = population 0-15 + 16-19 + \
                      20-21 + 22-24"
                .into(),
            men: vec![
                age_rate("Black", 41.2, black_searches, Some((4.12, 3.61, 4.7))),
                age_rate("White", 10.0, 400, Some((1.0, 0.9, 1.1))),
            ],
            everyone: vec![
                age_rate("Black", 12.0, 3_000, Some((3.81, 3.72, 3.9))),
                age_rate("White", 3.1, 2_000, Some((1.0, 0.95, 1.05))),
            ],
            months: 12,
            age_months: 12,
        }
    }

    fn diversion(group: &str, n: u64, total: u64, ratio: Option<(f64, f64, f64)>) -> Diversion {
        Diversion {
            share: Share {
                group: group.into(),
                n,
                total,
                share: Some(n as f64 / total as f64),
                low: Some(n as f64 / total as f64 - 0.05),
                high: Some(n as f64 / total as f64 + 0.05),
                small_numbers: total < 20,
            },
            ratio: ratio.map(|r| r.0),
            ratio_low: ratio.map(|r| r.1),
            ratio_high: ratio.map(|r| r.2),
            searches: total * 3,
            no_further_action: total * 2,
            unrecorded: 0,
        }
    }

    #[test]
    fn young_men_are_read_against_young_men_of_the_reference_group() {
        let f = figures(Some("age table census2021.csv"));
        let mut area = met();
        area.young_men = Some(young(220));
        let s = young_men_reading(&f, &area);
        assert_eq!(
            s,
            "In 2022/23 young Black men (under 25) were searched by the Metropolitan Police \
             Service at 4.1 times the rate of young White men (95% interval 3.6 to 4.7): 41 \
             searches per 1,000 a year against 10 per 1,000, based on 220 and 400 searches. \
             Counting everyone, of all ages and both sexes, the ratio was 3.8."
        );
        assert!(!s.to_lowercase().contains("likely"));
    }

    #[test]
    fn young_men_caveats_small_numbers_and_missing_ages() {
        let f = figures(Some("age table census2021.csv"));
        let mut area = met();
        let mut y = young(7);
        y.age_months = 9;
        area.young_men = Some(y);
        area.ages = Some(AgeRecording {
            recorded: true,
            missing: 250,
            total: 5_000,
        });
        let s = young_men_reading(&f, &area);
        for caveat in [
            "Fewer than 10 searches of young men in one of the groups: too few to rely on.",
            "Sex and age were recorded in only 9 of the 12 months with data; the young men's \
             rates count only those months.",
            "The age was not recorded for 5% of searches (250 of 5,000); they count in the rate \
             for everyone but in no age band.",
        ] {
            assert!(s.contains(caveat), "{caveat}\nnot in\n{s}");
        }
    }

    #[test]
    fn without_ages_the_young_men_reading_says_why() {
        let mut area = met();
        area.young_men = Some(young(220));
        assert_eq!(young_men_reading(&figures(None), &area), NO_AGE_TABLE);
        area.ages = Some(AgeRecording {
            recorded: false,
            missing: 1_234,
            total: 1_234,
        });
        assert_eq!(
            young_men_reading(&figures(Some("age table")), &area),
            "The Metropolitan Police Service did not record the age of anyone searched in \
             2022/23 (1,234 searches), so there are no rates for young men."
        );
        let mut btp = met();
        btp.name = "British Transport Police".into();
        btp.no_resident_population = true;
        assert!(
            young_men_reading(&figures(Some("age table")), &btp)
                .starts_with("British Transport Police has no resident population")
        );
    }

    #[test]
    fn the_diversion_gap_is_read_with_what_it_leaves_out() {
        let f = figures(None);
        let mut area = met();
        area.diversion = vec![
            diversion("Black", 44, 200, Some((0.71, 0.53, 0.95))),
            diversion("White", 93, 300, None),
        ];
        let s = diversion_reading(&f, &area);
        assert_eq!(
            s,
            "Of the drug searches by the Metropolitan Police Service in 2022/23 that ended in a \
             disposal, Black people received an out-of-court disposal (a warning, penalty \
             notice, community resolution or caution) rather than arrest or a charge in 22% (44 \
             of 200; 95% interval 17% to 27%), and White people in 31% (93 of 300). Black \
             people's share was 0.71 times White people's (95% interval 0.53 to 0.95). The \
             shares leave out drug searches that ended in no further action (400 of the 600 \
             drug searches of Black people and 600 of the 900 of White people). The data do not \
             record what or how much was found, or anyone's previous record, which also shape \
             the disposal."
        );
        area.diversion[0] = diversion("Black", 4, 12, Some((1.1, 0.5, 2.4)));
        area.diversion[0].unrecorded = 3;
        let s = diversion_reading(&f, &area);
        assert!(
            s.contains("(95% interval 0.50 to 2.4): no clear difference."),
            "{s}"
        );
        assert!(
            s.contains("Fewer than 20 disposals behind one of these shares"),
            "{s}"
        );
        assert!(s.contains("and those with no disposal or no outcome recorded (3 and 0)."));
        area.diversion.truncate(1);
        assert_eq!(
            diversion_reading(&f, &area),
            "In 2022/23 too few drug searches by the Metropolitan Police Service ended in a \
             disposal to compare Black people and White people: 12 and 0 did."
        );
        area.diversion.clear();
        assert!(diversion_reading(&f, &area).contains("were recorded as drug searches"));
    }

    #[test]
    fn the_standardised_ratio_stands_beside_the_crude_one_or_its_absence_is_said() {
        let crude = met_black_ratio();
        let mut area = met();
        area.ratios = vec![crude.clone()];
        let without = disparity_chart_reading(&figures(None), &area);
        assert!(without.ends_with(NO_AGE_TABLE), "{without}");
        area.standardised = vec![Ratio {
            ratio: Some(3.12),
            low: Some(3.01),
            high: Some(3.24),
            ..crude
        }];
        let with = disparity_chart_reading(&figures(Some("age table")), &area);
        assert!(
            with.contains(
                "Standardised for age and sex, Black people were searched at 3.1 times the rate \
                 of White people (95% interval 3.0 to 3.2)."
            ),
            "{with}"
        );
        assert!(with.ends_with(STANDARDISING));
        assert!(with.starts_with(&disparity_reading(&figures(None), &area)));
        area.standardised[0].ratio = None;
        area.ages = Some(AgeRecording {
            recorded: false,
            missing: 10,
            total: 10,
        });
        assert_eq!(
            standardised_sentence(&figures(Some("age table")), &area),
            "No age–sex standardised ratio can be given for 2022/23: the Metropolitan Police \
             Service did not record ages in 2022/23."
        );
    }

    /// The Met's Black/White ratio of the wording tests.
    fn met_black_ratio() -> Ratio {
        Ratio {
            area: "metropolitan".into(),
            label: "Black".into(),
            ratio: Some(3.81),
            low: Some(3.72),
            high: Some(3.9),
            searches: 41_023,
            reference_searches: 20_000,
            small_numbers: false,
            unsuitable: false,
            undefined: false,
            ..Ratio::default()
        }
    }

    #[test]
    fn wording_never_speaks_of_likelihood() {
        let (f, area) = (figures(None), met());
        let r = met_black_ratio();
        let s = ratio_sentence(&f, &area, &r);
        assert_eq!(
            s,
            "In 2022/23 the Metropolitan Police Service searched Black people at 3.8 times the rate \
             of White people (95% interval 3.7 to 3.9), based on 41,023 searches of Black people \
             and 20,000 of White people."
        );
        assert!(!s.contains("likely"));
        assert_eq!(ratio_text(2.0), "2.0");
        assert_eq!(ratio_text(0.9671), "0.97");
        assert_eq!(ratio_text(0.00412), "0.0041");
        assert_eq!(ratio_text(12.4), "12");
        assert_eq!(ratio_text(0.0), "0");
    }

    fn power_ratio(searches: u64, reference: u64, ratio: (f64, f64, f64)) -> Ratio {
        Ratio {
            area: "metropolitan".into(),
            label: "Black".into(),
            ratio: Some(ratio.0),
            low: Some(ratio.1),
            high: Some(ratio.2),
            searches,
            reference_searches: reference,
            small_numbers: searches < 10 || reference < 10,
            unsuitable: false,
            undefined: false,
            ..Ratio::default()
        }
    }

    fn find_share(group: &str, n: u64, total: u64) -> Share {
        Share {
            group: group.into(),
            n,
            total,
            share: Some(n as f64 / total as f64),
            low: Some(n as f64 / total as f64 - 0.05),
            high: Some(n as f64 / total as f64 + 0.05),
            small_numbers: total < 20,
        }
    }

    fn power(name: &str, searches: u64, ratio: Ratio, find: Vec<Share>) -> PowerFigures {
        PowerFigures {
            power: name.into(),
            no_suspicion: name == "cjpo_s60" || name == "no_suspicion_required",
            searches,
            ratio: Some(ratio),
            find,
        }
    }

    /// The Met with section 60 searches: `s60` Black and White searches under it.
    fn met_with_s60(s60: (u64, u64)) -> AreaFigures {
        let mut area = met();
        area.all_searches = 40_000;
        let none = power_ratio(s60.0, s60.1, (5.1, 4.2, 6.3));
        let find = vec![
            find_share("Black", s60.0 / 10, s60.0),
            find_share("White", s60.1 / 8, s60.1),
        ];
        area.powers = vec![
            power("no_suspicion_required", 1_200, none.clone(), find.clone()),
            power("cjpo_s60", 1_200, none, find),
            power(
                "suspicion_required",
                38_800,
                power_ratio(9_000, 12_000, (3.2, 3.1, 3.3)),
                vec![
                    find_share("Black", 2_700, 9_000),
                    find_share("White", 3_000, 12_000),
                ],
            ),
        ];
        area
    }

    #[test]
    fn the_powers_reading_sets_section_60_against_searches_with_suspicion() {
        let f = figures(None);
        let area = met_with_s60((600, 400));
        let reading = powers_reading(&f, &area);
        assert!(
            reading.starts_with(
                "In 2022/23, under section 60, where no suspicion is needed, the Metropolitan \
                 Police Service searched Black people at 5.1 times the rate of White people \
                 (95% interval 4.2 to 6.3; 600 searches of Black people and 400 of White \
                 people); in searches that required reasonable suspicion, 3.2 times (95% \
                 interval 3.1 to 3.3; 9,000 searches of Black people and 12,000 of White \
                 people). 1,200 of the 40,000 searches in 2022/23 were under section 60. \
                 Rates are per 1,000 residents of the whole area, an especially poor \
                 yardstick for section 60"
            ),
            "{reading}"
        );
        assert!(!reading.contains("too few"), "{reading}");
        assert!(!reading.to_lowercase().contains("likel"), "{reading}");
        let find = find_by_power_reading(&f, &area);
        assert_eq!(
            find,
            "In 2022/23, under section 60, 10% of searches of Black people led to an outcome \
             other than no further action (95% interval 5% to 15%; 60 of 600), against 12% of \
             searches of White people (95% interval 7.5% to 18%; 50 of 400); in searches that \
             required reasonable suspicion, 30% against 25%."
        );
    }

    #[test]
    fn the_powers_reading_flags_small_numbers() {
        let f = figures(None);
        let area = met_with_s60((6, 16));
        let reading = powers_reading(&f, &area);
        assert!(
            reading.contains(
                "Fewer than 10 searches under section 60 in one of the groups: too few to rely on."
            ),
            "{reading}"
        );
        let find = find_by_power_reading(&f, &area);
        assert!(
            find.ends_with(
                " Fewer than 20 searches behind one of these shares: too few to rely on."
            ),
            "{find}"
        );
    }

    #[test]
    fn without_section_60_the_reading_says_so_in_one_sentence() {
        let f = figures(None);
        let mut area = met();
        area.name = "Essex Police".into();
        area.area = "essex".into();
        area.powers = vec![power(
            "suspicion_required",
            5_000,
            power_ratio(900, 4_000, (2.7, 2.5, 2.9)),
            vec![],
        )];
        assert_eq!(
            powers_reading(&f, &area),
            "The Essex Police made no searches under section 60 in 2022/23."
        );
        // The find-rate note would say the same again: it is left to the powers reading.
        assert_eq!(find_by_power_reading(&f, &area), "");
        // A force that did not record the power at all says that instead.
        area.powers[0].power = "unknown".into();
        assert_eq!(
            powers_reading(&f, &area),
            "The Essex Police did not record the power used for its searches in 2022/23, so \
             there are no figures by power."
        );
    }
}
