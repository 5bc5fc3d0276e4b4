//! Coverage: which force submitted which month. A missing submission is never a zero: a force
//! with no file for a month is `missing`, a file with a header and no rows is `zero`.

use std::collections::HashMap;

use crate::reference::forces::{FORCES, Force};
use crate::reference::month::Month;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// A file with at least one row.
    Submitted,
    /// A file with the header and no rows: the force searched nobody that month.
    Zero,
    /// No file: the force did not publish that month, so there is no count to use.
    Missing,
    /// A file was found but could not be read (recorded under `--keep-going`).
    Failed,
}

impl Status {
    pub const TEXTS: &'static [&'static str] = &["submitted", "zero", "missing", "failed"];

    pub fn as_str(self) -> &'static str {
        Self::TEXTS[self as usize]
    }

    /// Whether the month counts towards exposure (months covered).
    pub fn is_covered(self) -> bool {
        matches!(self, Status::Submitted | Status::Zero)
    }
}

/// What became of one force-month's source.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub force: &'static Force,
    pub month: Month,
    pub source: String,
    /// `None` if the file could not be read.
    pub rows: Option<u32>,
    pub rejected: u32,
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CoverageRow {
    pub force: &'static Force,
    pub month: Month,
    pub status: Status,
    pub rows: u32,
    pub rejected: u32,
    pub source: Option<String>,
    /// Other inputs that carried the same force-month and were not read.
    pub superseded: Vec<String>,
    pub problem: Option<String>,
}

/// One row per force in `forces` × month from `first` to `last`, in table order.
pub fn coverage(
    forces: &[&'static Force],
    first: Month,
    last: Month,
    outcomes: &[Outcome],
    superseded: &[(&'static Force, Month, String)],
) -> Vec<CoverageRow> {
    let by_key: HashMap<(&str, Month), &Outcome> = outcomes
        .iter()
        .map(|o| ((o.force.id, o.month), o))
        .collect();
    let mut others: HashMap<(&str, Month), Vec<String>> = HashMap::new();
    for (force, month, id) in superseded {
        others
            .entry((force.id, *month))
            .or_default()
            .push(id.clone());
    }
    let mut rows = Vec::new();
    for force in FORCES
        .iter()
        .filter(|f| forces.iter().any(|g| g.id == f.id))
    {
        for month in first.through(last) {
            let key = (force.id, month);
            let mut superseded = others.remove(&key).unwrap_or_default();
            superseded.sort();
            let row = match by_key.get(&key) {
                None => CoverageRow {
                    force,
                    month,
                    status: Status::Missing,
                    rows: 0,
                    rejected: 0,
                    source: None,
                    superseded,
                    problem: None,
                },
                Some(o) => CoverageRow {
                    force,
                    month,
                    status: match o.rows {
                        None => Status::Failed,
                        Some(0) => Status::Zero,
                        Some(_) => Status::Submitted,
                    },
                    rows: o.rows.unwrap_or(0),
                    rejected: o.rejected,
                    source: Some(o.source.clone()),
                    superseded,
                    problem: o.problem.clone(),
                },
            };
            rows.push(row);
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::forces::by_id;

    #[test]
    fn missing_is_not_zero() {
        let gmp = by_id("greater-manchester").unwrap();
        let m = |s: &str| s.parse::<Month>().unwrap();
        let outcomes = [
            Outcome {
                force: gmp,
                month: m("2019-05"),
                source: "a.csv".into(),
                rows: Some(0),
                rejected: 0,
                problem: None,
            },
            Outcome {
                force: gmp,
                month: m("2019-06"),
                source: "b.csv".into(),
                rows: Some(907),
                rejected: 1,
                problem: None,
            },
        ];
        let sup = [(gmp, m("2019-06"), "old.zip!b.csv".to_string())];
        let rows = coverage(&[gmp], m("2019-05"), m("2019-07"), &outcomes, &sup);
        let statuses: Vec<_> = rows.iter().map(|r| r.status).collect();
        assert_eq!(statuses, [Status::Zero, Status::Submitted, Status::Missing]);
        assert_eq!(rows[1].superseded, ["old.zip!b.csv"]);
        assert_eq!((rows[1].rows, rows[1].rejected), (907, 1));
        assert!(!Status::Missing.is_covered() && Status::Zero.is_covered());
    }
}
