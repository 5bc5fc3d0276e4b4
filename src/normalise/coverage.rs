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

/// When a month's row count is out of line with the force's own recent months.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Suspicion {
    /// A month below this share of the trailing median is `partial_suspected` (default 20%).
    pub partial_share: f64,
    /// A month above this multiple of the trailing median is `spike_suspected` (default 3).
    pub spike_multiple: f64,
}

impl Default for Suspicion {
    fn default() -> Self {
        Suspicion {
            partial_share: 0.2,
            spike_multiple: 3.0,
        }
    }
}

/// Months before a month that its trailing median looks at, and how many must have data.
const TRAILING: u32 = 12;
const MIN_PRIOR: usize = 6;

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
    /// Median rows of the force's covered months among the 12 before, if at least 6 had data.
    pub trailing_median: Option<f64>,
    pub partial_suspected: bool,
    pub spike_suspected: bool,
}

impl CoverageRow {
    pub fn is_suspect(&self) -> bool {
        self.partial_suspected || self.spike_suspected
    }
}

/// One row per force in `forces` × month from `first` to `last`, in table order.
pub fn coverage(
    forces: &[&'static Force],
    first: Month,
    last: Month,
    outcomes: &[Outcome],
    superseded: &[(&'static Force, Month, String)],
    suspicion: Suspicion,
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
                    trailing_median: None,
                    partial_suspected: false,
                    spike_suspected: false,
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
                    trailing_median: None,
                    partial_suspected: false,
                    spike_suspected: false,
                },
            };
            rows.push(row);
        }
    }
    flag_suspect_months(&mut rows, suspicion);
    rows
}

/// Flags months whose rows are far below or above the force's median over the months before
/// (as searchlight does): a partial upload or a double one. Rows are grouped by force, in
/// month order, as `coverage` builds them.
fn flag_suspect_months(rows: &mut [CoverageRow], s: Suspicion) {
    let mut start = 0;
    while start < rows.len() {
        let force = rows[start].force.id;
        let end = start
            + rows[start..]
                .iter()
                .take_while(|r| r.force.id == force)
                .count();
        for i in start..end {
            let month = rows[i].month;
            let mut prior: Vec<u32> = rows[start..i]
                .iter()
                .filter(|r| r.status.is_covered() && month.back(TRAILING) <= r.month)
                .map(|r| r.rows)
                .collect();
            if prior.len() < MIN_PRIOR {
                continue;
            }
            prior.sort_unstable();
            let n = prior.len();
            let median = if n % 2 == 1 {
                f64::from(prior[n / 2])
            } else {
                (f64::from(prior[n / 2 - 1]) + f64::from(prior[n / 2])) / 2.0
            };
            let r = &mut rows[i];
            r.trailing_median = Some(median);
            let rows_here = f64::from(r.rows);
            r.partial_suspected = r.status.is_covered() && rows_here < s.partial_share * median;
            r.spike_suspected = r.status == Status::Submitted
                && median > 0.0
                && rows_here > s.spike_multiple * median;
        }
        start = end;
    }
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
        let rows = coverage(
            &[gmp],
            m("2019-05"),
            m("2019-07"),
            &outcomes,
            &sup,
            Suspicion::default(),
        );
        let statuses: Vec<_> = rows.iter().map(|r| r.status).collect();
        assert_eq!(statuses, [Status::Zero, Status::Submitted, Status::Missing]);
        assert_eq!(rows[1].superseded, ["old.zip!b.csv"]);
        assert_eq!((rows[1].rows, rows[1].rejected), (907, 1));
        assert!(!Status::Missing.is_covered() && Status::Zero.is_covered());
    }

    #[test]
    fn a_tiny_month_after_six_is_partial_and_a_big_one_a_spike() {
        let force = by_id("dorset").unwrap();
        let m = |s: &str| s.parse::<Month>().unwrap();
        // Months 2020-01 .. 2020-09: six ordinary months, then 19 rows (under 20% of a median
        // of 100), 100, and 301 (over 3 x 100).
        let sizes = [90u32, 100, 110, 100, 95, 105, 19, 100, 301];
        let months: Vec<Month> = m("2020-01").through(m("2020-09")).collect();
        let outcomes: Vec<Outcome> = sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| Outcome {
                force,
                month: months[i],
                source: format!("{i}.csv"),
                rows: Some(n),
                rejected: 0,
                problem: None,
            })
            .collect();
        let rows = coverage(
            &[force],
            m("2020-01"),
            m("2020-09"),
            &outcomes,
            &[],
            Suspicion::default(),
        );
        let partial: Vec<bool> = rows.iter().map(|r| r.partial_suspected).collect();
        let spike: Vec<bool> = rows.iter().map(|r| r.spike_suspected).collect();
        // Fewer than six months before 2020-07: no median, no flag, however small.
        assert!(rows[..6].iter().all(|r| r.trailing_median.is_none()));
        assert_eq!(rows[6].trailing_median, Some(100.0));
        assert_eq!(
            partial,
            [false, false, false, false, false, false, true, false, false]
        );
        assert_eq!(
            spike,
            [false, false, false, false, false, false, false, false, true]
        );
        // 20 rows is not below 20% of 100: the limit is strict.
        let mut at_limit = outcomes.clone();
        at_limit[6].rows = Some(20);
        let rows = coverage(
            &[force],
            m("2020-01"),
            m("2020-07"),
            &at_limit,
            &[],
            Suspicion::default(),
        );
        assert!(!rows[6].partial_suspected);
    }
}
