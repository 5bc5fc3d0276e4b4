//! The sentences under each chart, generated from the figures. Wording rules: a ratio is a
//! ratio of search rates ("searched at 3.8 times the rate of"), never a probability or a
//! likelihood of guilt; caveats are said whenever they apply.

use crate::present::charts::canvas::{human, thousands};
use crate::present::figures::{AreaFigures, Figures, Period, Ratio, Share, Split};
use crate::reference::population::ENGLAND_AND_WALES;

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
    if area.area == ENGLAND_AND_WALES {
        "police in England and Wales".to_owned()
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
        out.push("Fewer than 10 searches in one of the groups: too few to rely on.".to_owned());
    }
    if r.unsuitable {
        out.push(
            "The City of London has few residents and many visitors, so rates per resident \
             say little about how often people there are searched."
                .to_owned(),
        );
    }
    if let (Some(share), Some(hi), Some(lo)) = (
        r.not_stated_share.filter(|s| *s > 0.0),
        r.if_not_stated_in_group,
        r.if_not_stated_in_reference,
    ) {
        out.push(format!(
            "{} of searches did not record the person's own ethnicity; had all of them been of \
             {group} the ratio would be {}, had all been of {reference} {}.",
            percent(share),
            ratio_text(hi),
            ratio_text(lo)
        ));
    }
    out.extend(coverage_caveat(area, p));
    out.join(" ")
}

/// The sentence under the headline ratio chart: the comparison group's reading.
pub fn disparity_reading(f: &Figures, area: &AreaFigures) -> String {
    area.ratios
        .iter()
        .find(|r| r.label == f.comparison)
        .or(area.ratios.first())
        .map(|r| ratio_sentence(f, area, r))
        .unwrap_or_default()
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
        .filter(|r| r.ratio.is_some() && !r.small_numbers && !r.unsuitable)
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
    format!(
        "{published} of the {} forces published data for at least one month between {first} and \
         {last}; {} of the {} force-months have no data, and are left out of every rate rather \
         than counted as zero.",
        g.forces.len(),
        thousands(missing as i64),
        thousands(total as i64)
    )
}

/// A limit or estimate the sentence quotes; never a silent zero if it is missing (the tables
/// give one wherever the estimate exists, so this is a guard, not a case).
fn bound(value: Option<f64>, show: fn(f64) -> String) -> String {
    value.map_or_else(|| "(not available)".to_owned(), show)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wording_never_speaks_of_likelihood() {
        let f = Figures {
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
            },
            districts: false,
            district_league: Default::default(),
        };
        let area = AreaFigures {
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
        };
        let r = Ratio {
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
            not_stated_share: None,
            if_not_stated_in_group: None,
            if_not_stated_in_reference: None,
            period: None,
        };
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
}
