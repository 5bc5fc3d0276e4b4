//! The figures of the report's "What changed" sections, read from the tables through their
//! contracts: each area's headline year against the year before (changes), the months of that
//! year whose files look partial or doubled (coverage), the Home Office's counts where given
//! (reconciliation), and the months the last run found revised (revisions).

use std::collections::HashMap;

use polars::prelude::DataFrame;

use crate::error::Result;
use crate::tables::contract::{ChangeRow, CoverageRow, ReconciliationRow, RevisionRow, Row};

/// A period against the previous one, for one search group and ethnic group.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub search_group: String,
    pub ethnicity: String,
    pub searches: u64,
    pub previous_searches: u64,
    /// `searches / previous_searches` with its exact 95% interval (high `None` when infinite).
    pub ratio: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub small_numbers: bool,
    /// The change in the rate ratio against the reference group, with its interval.
    pub ratio_change: Option<(f64, f64, f64)>,
    /// The out-of-court share now and before, the change and its interval.
    pub out_of_court: Option<ShareChange>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ShareChange {
    pub share: f64,
    pub previous: f64,
    pub change: f64,
    pub low: f64,
    pub high: f64,
    pub base: u64,
    pub previous_base: u64,
}

/// A month of the headline year that coverage flags.
#[derive(Debug, Clone, PartialEq)]
pub struct SuspectMonth {
    pub force: String,
    pub month: String,
    /// `partial` or `spike`.
    pub kind: &'static str,
    pub rows: u64,
    pub median: Option<f64>,
}

/// One of the headline year's published Home Office counts against the files'.
#[derive(Debug, Clone, PartialEq)]
pub struct Reconciled {
    pub ethnicity: String,
    pub power: String,
    pub home_office: u64,
    pub police_uk: Option<u64>,
    pub ratio: Option<f64>,
    pub differs: Option<bool>,
    pub months_covered: u64,
    pub months_expected: u64,
}

/// An area's figures over time, for its headline year.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OverTime {
    /// The year compared with, and the force-months compared.
    pub previous_period: Option<String>,
    pub force_months: u64,
    /// Every change of the headline year against the year before, for all searches and for
    /// drug searches, by group (then `All`).
    pub changes: Vec<Change>,
    pub suspect: Vec<SuspectMonth>,
    pub reconciliation: Vec<Reconciled>,
}

impl OverTime {
    /// The largest changes that rest on enough searches: by the size of the change (either
    /// way), at most `n`.
    pub fn largest(&self, n: usize) -> Vec<&Change> {
        let mut v: Vec<&Change> = self
            .changes
            .iter()
            .filter(|c| !c.small_numbers && c.ratio.is_some_and(|r| r > 0.0))
            .collect();
        v.sort_by(|a, b| {
            let size = |c: &Change| c.ratio.map_or(0.0, |r| r.ln().abs());
            size(b)
                .total_cmp(&size(a))
                .then_with(|| a.search_group.cmp(&b.search_group))
                .then_with(|| a.ethnicity.cmp(&b.ethnicity))
        });
        v.truncate(n);
        v
    }
}

/// A revised force-month of the last run.
#[derive(Debug, Clone, PartialEq)]
pub struct RevisedMonth {
    pub force: String,
    pub month: String,
    pub rows_before: Option<u64>,
    pub rows_after: u64,
}

/// The changes tables rows of one area, the coverage rows by force, and the reconciliation.
pub struct Tables {
    changes: HashMap<String, Vec<ChangeRow>>,
    coverage: Vec<CoverageRow>,
    reconciliation: HashMap<String, Vec<ReconciliationRow>>,
}

fn by_area<T>(rows: Vec<T>, area: impl Fn(&T) -> &str) -> HashMap<String, Vec<T>> {
    let mut out: HashMap<String, Vec<T>> = HashMap::new();
    for r in rows {
        out.entry(area(&r).to_owned()).or_default().push(r);
    }
    out
}

impl Tables {
    pub fn read(
        changes: Vec<ChangeRow>,
        coverage: Vec<CoverageRow>,
        reconciliation: Vec<ReconciliationRow>,
    ) -> Tables {
        Tables {
            changes: by_area(changes, |r| &r.area),
            coverage,
            reconciliation: by_area(reconciliation, |r| &r.area),
        }
    }

    /// The area's figures over time in financial year `fy`; `forces` are the forces whose
    /// months the area's figures count.
    pub fn of(&self, area: &str, fy: &str, forces: &[&str], groups: &[&str]) -> OverTime {
        let rows: Vec<&ChangeRow> = self
            .changes
            .get(area)
            .into_iter()
            .flatten()
            .filter(|r| r.comparison == "financial_year" && r.period == fy)
            .filter(|r| r.search_group == "all" || r.search_group == "drugs")
            .collect();
        let rank = |e: &str| groups.iter().position(|g| *g == e).unwrap_or(groups.len());
        let mut changes: Vec<Change> = rows.iter().map(|r| change(r)).collect();
        changes.sort_by(|a, b| {
            (a.search_group != "all", rank(&a.ethnicity), &a.ethnicity).cmp(&(
                b.search_group != "all",
                rank(&b.ethnicity),
                &b.ethnicity,
            ))
        });
        let first = rows.first();
        let suspect = self
            .coverage
            .iter()
            .filter(|r| forces.contains(&r.force.as_str()))
            .filter(|r| r.partial_suspected || r.spike_suspected)
            .filter(|r| {
                r.month
                    .parse::<crate::reference::month::Month>()
                    .is_ok_and(|m| m.financial_year() == fy)
            })
            .map(|r| SuspectMonth {
                force: r.force.clone(),
                month: r.month.clone(),
                kind: if r.partial_suspected {
                    "partial"
                } else {
                    "spike"
                },
                rows: r.rows,
                median: r.trailing_median,
            })
            .collect();
        let reconciliation = self
            .reconciliation
            .get(area)
            .into_iter()
            .flatten()
            .filter(|r| r.financial_year == fy)
            .map(|r| Reconciled {
                ethnicity: r.ethnicity.clone(),
                power: r.power.clone(),
                home_office: r.home_office_searches,
                police_uk: r.police_uk_searches,
                ratio: r.ratio,
                differs: r.differs,
                months_covered: r.months_covered,
                months_expected: r.months_expected,
            })
            .collect();
        OverTime {
            previous_period: first.map(|r| r.previous_period.clone()),
            force_months: first.map_or(0, |r| r.force_months),
            changes,
            suspect,
            reconciliation,
        }
    }
}

fn change(r: &ChangeRow) -> Change {
    let out_of_court = match (
        r.out_of_court_share,
        r.previous_out_of_court_share,
        r.out_of_court_share_change,
        r.out_of_court_share_change_ci_low,
        r.out_of_court_share_change_ci_high,
    ) {
        (Some(share), Some(previous), Some(change), Some(low), Some(high)) => Some(ShareChange {
            share,
            previous,
            change,
            low,
            high,
            base: r.out_of_court_base,
            previous_base: r.previous_out_of_court_base,
        }),
        _ => None,
    };
    Change {
        search_group: r.search_group.clone(),
        ethnicity: r.ethnicity.clone(),
        searches: r.searches,
        previous_searches: r.previous_searches,
        ratio: r.change_ratio,
        low: r.change_ci_low,
        high: r.change_ci_high,
        small_numbers: r.small_numbers,
        ratio_change: match (
            r.ratio_change,
            r.ratio_change_ci_low,
            r.ratio_change_ci_high,
        ) {
            (Some(a), Some(b), Some(c)) => Some((a, b, c)),
            _ => None,
        },
        out_of_court,
    }
}

/// The force-months the last run found revised: the revisions whose old version the previous
/// run published.
pub fn revised(
    revisions: &DataFrame,
    previous_published: Option<&str>,
) -> Result<Vec<RevisedMonth>> {
    let Some(previous) = previous_published else {
        return Ok(Vec::new());
    };
    RevisionRow::CONTRACT.check(revisions, "the revisions table (src/output/revisions.rs)")?;
    Ok(RevisionRow::read(revisions)?
        .into_iter()
        .filter(|r| r.previous_published == previous && r.breakdown == "rows")
        .map(|r| RevisedMonth {
            force: r.force,
            month: r.month,
            rows_before: r.before,
            rows_after: r.after,
        })
        .collect())
}
