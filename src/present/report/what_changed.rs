//! The "What changed" section of each area's page: the headline year against the year before
//! (over the months covered in both), with intervals, in plain words; the months of the year
//! whose files look partial or doubled; the Home Office's counts where given; and the months
//! the last run found revised.

use crate::present::charts::canvas::{human, thousands};
use crate::present::figures::{AreaFigures, Figures, area_name};
use crate::present::over_time::{Change, RevisedMonth, ShareChange};

/// Changes quoted beside the headline change of all searches.
const LARGEST: usize = 4;

/// `12%` for a ratio of 1.12 or 0.88.
fn percent_of(ratio: f64) -> String {
    format!("{}%", human((ratio - 1.0).abs() * 100.0))
}

fn whose(c: &Change) -> String {
    let people = if c.ethnicity == "All" {
        "searches of everyone".to_owned()
    } else {
        format!("searches of {} people", c.ethnicity)
    };
    if c.search_group == "all" {
        people
    } else {
        format!("{people} for {}", c.search_group.replace('_', " "))
    }
}

/// "fell by 12% (95% interval 9% to 15%)", "rose by 8% (95% interval: from a fall of 2% to a
/// rise of 19%, so no clear change)".
pub fn change_words(c: &Change) -> String {
    let counts = format!(
        "{} against {}",
        thousands(c.searches as i64),
        thousands(c.previous_searches as i64)
    );
    let Some(r) = c.ratio else {
        return format!(
            "went from none to {} (no rate to compare with)",
            thousands(c.searches as i64)
        );
    };
    let (low, high) = (c.low.unwrap_or(0.0), c.high);
    let way = if r >= 1.0 { "rose" } else { "fell" };
    let side = |v: f64| {
        if v >= 1.0 {
            format!("a rise of {}", percent_of(v))
        } else {
            format!("a fall of {}", percent_of(v))
        }
    };
    let interval = match high {
        None => format!("95% interval from {}", side(low)),
        Some(h) if low <= 1.0 && h >= 1.0 => format!(
            "95% interval from {} to {}, so no clear change",
            side(low),
            side(h)
        ),
        Some(h) if r >= 1.0 => format!("95% interval {} to {}", percent_of(low), percent_of(h)),
        Some(h) => format!("95% interval {} to {}", percent_of(h), percent_of(low)),
    };
    let small = if c.small_numbers {
        "; too few searches to rely on"
    } else {
        ""
    };
    format!("{way} by {} ({counts}; {interval}{small})", percent_of(r))
}

/// The change in the comparison group's rate ratio against the reference group.
fn gap_words(f: &Figures, c: &Change, previous: &str) -> Option<String> {
    let (r, low, high) = c.ratio_change?;
    let between = format!(
        "the rate ratio between {} and {} people",
        f.comparison, f.reference
    );
    let interval = format!("95% interval {} to {}", human(low), human(high));
    Some(if low <= 1.0 && high >= 1.0 {
        format!(
            "No clear change in the gap since {previous}: {between} is {} times what it was              ({interval}).",
            human(r)
        )
    } else {
        let way = if r > 1.0 { "widened" } else { "narrowed" };
        format!(
            "The gap {way} since {previous}: {between} is {} times what it was ({interval}).",
            human(r)
        )
    })
}

fn points(v: f64) -> String {
    format!("{} points", human(v.abs() * 100.0))
}

fn out_of_court_words(c: &Change, s: &ShareChange, previous: &str) -> String {
    let way = if s.change < 0.0 { "down" } else { "up" };
    let clear = if s.low <= 0.0 && s.high >= 0.0 {
        ", so no clear change"
    } else {
        ""
    };
    format!(
        "Of the {} {} that ended in a disposal, {}% were dealt with out of court, against {}% \
         of {} in {previous}: {way} {} (95% interval {} to {} points{clear}).",
        thousands(s.base as i64),
        whose(c),
        human(s.share * 100.0),
        human(s.previous * 100.0),
        thousands(s.previous_base as i64),
        points(s.change),
        signed_points(s.low),
        signed_points(s.high),
    )
}

fn signed_points(v: f64) -> String {
    let p = human(v.abs() * 100.0);
    if v < 0.0 { format!("−{p}") } else { p }
}

/// The section's paragraphs for an area; empty without a headline year.
pub fn paragraphs(f: &Figures, a: &AreaFigures) -> Vec<String> {
    let Some(p) = &a.period else {
        return Vec::new();
    };
    let t = &a.over_time;
    let mut out = Vec::new();
    match &t.previous_period {
        None => out.push(format!(
            "Nothing to compare {} with: the run has no month of it whose month a year earlier \
             it also has.",
            p.label
        )),
        Some(previous) => {
            let unit = if a.area_type == "country" {
                "force-months"
            } else {
                "months"
            };
            let all = t
                .changes
                .iter()
                .find(|c| c.search_group == "all" && c.ethnicity == "All");
            let mut first = format!(
                "{} against {previous}, over the {} {unit} published in both years (a month \
                 missing from either year is left out of both)",
                p.label, t.force_months
            );
            if let Some(c) = all {
                first.push_str(&format!(": {} {}.", whose(c), change_words(c)));
            } else {
                first.push('.');
            }
            out.push(first);
            let largest: Vec<String> = t
                .largest(LARGEST + 1)
                .into_iter()
                .filter(|c| !(c.search_group == "all" && c.ethnicity == "All"))
                .take(LARGEST)
                .map(|c| {
                    let mut s = whose(c);
                    if let Some(first) = s.get(..1) {
                        s = first.to_uppercase() + &s[1..];
                    }
                    format!("{s} {}.", change_words(c))
                })
                .collect();
            if !largest.is_empty() {
                out.push(format!("The largest changes: {}", largest.join(" ")));
            }
            if let Some(c) = t
                .changes
                .iter()
                .find(|c| c.search_group == "all" && c.ethnicity == f.comparison)
                && let Some(g) = gap_words(f, c, previous)
            {
                out.push(g);
            }
            for group in [f.comparison.as_str(), f.reference.as_str()] {
                if let Some(c) = t
                    .changes
                    .iter()
                    .find(|c| c.search_group == "drugs" && c.ethnicity == group)
                    && let Some(s) = &c.out_of_court
                {
                    out.push(out_of_court_words(c, s, previous));
                }
            }
        }
    }
    if !t.suspect.is_empty() {
        let months: Vec<String> = t
            .suspect
            .iter()
            .map(|s| {
                let usual = s
                    .median
                    .map(|m| format!(" against a usual {}", human(m)))
                    .unwrap_or_default();
                let force = if a.area_type == "force" {
                    String::new()
                } else {
                    format!("{}, ", area_name(&s.force))
                };
                let what = if s.kind == "partial" {
                    "looks partial"
                } else {
                    "looks doubled or unusually large"
                };
                format!(
                    "{force}{} ({} rows{usual}: {what})",
                    s.month,
                    thousands(s.rows as i64)
                )
            })
            .collect();
        out.push(format!(
            "Months to read with care in {}: {}. They are counted as published, and figures \
             for the year are marked ‡.",
            p.label,
            months.join("; ")
        ));
    }
    if !t.reconciliation.is_empty() {
        out.push(reconciliation_words(a, &p.label));
    }
    let revised: Vec<&RevisedMonth> = f
        .revisions
        .iter()
        .filter(|r| a.area_type == "country" || a.force.as_deref() == Some(r.force.as_str()))
        .collect();
    if !revised.is_empty() {
        out.push(revisions_words(&revised, a.area_type != "force"));
    }
    out
}

fn reconciliation_words(a: &AreaFigures, year: &str) -> String {
    let rows: Vec<_> = a
        .over_time
        .reconciliation
        .iter()
        .filter(|r| r.power == "all")
        .collect();
    let Some(first) = rows.first() else {
        return format!(
            "The Home Office's published counts given to this run have no figure for {year} \
             over every power."
        );
    };
    if first.months_covered < first.months_expected {
        return format!(
            "The Home Office's published counts for {year} are not compared: the run has {} of \
             the year's {} months for this area.",
            first.months_covered, first.months_expected
        );
    }
    let differ: Vec<String> = rows
        .iter()
        .filter(|r| r.differs == Some(true))
        .map(|r| {
            format!(
                "{} ({} in these files against {} published)",
                r.ethnicity,
                r.police_uk
                    .map_or("none".to_owned(), |n| thousands(n as i64)),
                thousands(r.home_office as i64)
            )
        })
        .collect();
    let compared = rows.len();
    if differ.is_empty() {
        format!(
            "Against the Home Office's published counts for {year} (person searches, so \
             vehicle-only searches left out): the {compared} counts compared agree within the \
             set limit."
        )
    } else {
        format!(
            "Against the Home Office's published counts for {year} (person searches, so \
             vehicle-only searches left out), these files differ beyond the set limit for {}. \
             The official figures come from the forces' own returns; ratios resting on these \
             counts are marked §.",
            differ.join(", ")
        )
    }
}

fn revisions_words(revised: &[&RevisedMonth], name_force: bool) -> String {
    let items: Vec<String> = revised
        .iter()
        .map(|r| {
            let force = if name_force {
                format!("{} ", area_name(&r.force))
            } else {
                String::new()
            };
            let rows = match r.rows_before {
                Some(b) => format!(
                    "{} rows, was {}",
                    thousands(r.rows_after as i64),
                    thousands(b as i64)
                ),
                None => format!("{} rows", thousands(r.rows_after as i64)),
            };
            format!("{force}{} ({rows})", r.month)
        })
        .collect();
    format!(
        "Revised since the last run: the published files changed for {}. The revisions table \
         gives what changed by ethnic group and outcome.",
        items.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(searches: u64, previous: u64, r: (f64, f64, Option<f64>)) -> Change {
        Change {
            search_group: "drugs".into(),
            ethnicity: "Black".into(),
            searches,
            previous_searches: previous,
            ratio: Some(r.0),
            low: Some(r.1),
            high: r.2,
            small_numbers: searches < 10 || previous < 10,
            ratio_change: None,
            out_of_court: None,
        }
    }

    #[test]
    fn a_fall_a_rise_and_no_clear_change_in_words() {
        let fall = change(880, 1000, (0.88, 0.85, Some(0.91)));
        assert_eq!(
            format!("{} {}", whose(&fall), change_words(&fall)),
            "searches of Black people for drugs fell by 12% (880 against 1,000; 95% interval \
             9% to 15%)"
        );
        let rise = change(1080, 1000, (1.08, 0.98, Some(1.19)));
        assert_eq!(
            change_words(&rise),
            "rose by 8% (1,080 against 1,000; 95% interval from a fall of 2% to a rise of 19%, \
             so no clear change)"
        );
        let from_zero = change(5, 0, (0.0, 0.0, None));
        let from_zero = Change {
            ratio: None,
            ..from_zero
        };
        assert!(change_words(&from_zero).starts_with("went from none to 5"));
    }
}
