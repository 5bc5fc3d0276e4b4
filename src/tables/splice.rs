//! Tables made again only for the periods a change touches.
//!
//! A new, revised or removed force-month changes the rows of its month, its financial year and
//! its calendar year, and (through `changes`, which sets each period against the one a year
//! before) the rows of the month and the years after. Every other row of every table is
//! computed from the months of its own period (and of the period a year before) alone, so it
//! is the row the last run published. The queries then run over a window of months — the
//! touched years and the years either side — and only their touched rows replace the
//! published ones; the rest are read back from the published tables. `_area_periods`, and a
//! table a later query reads, are cut to the periods those rows read (the touched ones, the
//! periods a year either side and the witnesses' below), so no query computes a period whose
//! rows would be thrown away. A test runs the same inputs cold and through this path, after a
//! month is added, revised and removed, and compares the tables byte for byte.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::reference::month::Month;

/// The columns that say which period a row is of.
const PERIOD_COLUMNS: [&str; 3] = ["period", "previous_period", "financial_year"];

/// Columns of `searches` each of whose values seen anywhere in the run gets a row in every
/// period (`rates` and `search_groups` list every search group, `outcomes` every outcome
/// class, `diversion` every ethnic group), zero where the period has none.
const SEEN_IN_THE_RUN: [&str; 3] = ["search_group", "outcome_class", "ethnicity"];

/// What this run makes again, and where the rest is read from.
#[derive(Debug, Clone)]
pub struct Splice {
    /// Periods (`2024-05`, `2024/25`, `2024`) whose rows are made again: those of a touched
    /// month.
    pub periods: HashSet<String>,
    /// Periods those rows read: the touched ones and the periods a year before and after
    /// (`changes` sets a period against the one a year before). [`Splice::restrict`] adds the
    /// witnesses' periods, and `_area_periods` is cut to the whole set, so the queries compute
    /// no period whose rows would be thrown away.
    pub read: HashSet<String>,
    /// Months whose searches those rows are made from.
    pub window: BTreeSet<String>,
    /// The published tables the other rows are read from.
    pub previous: PathBuf,
}

impl Splice {
    /// The periods of the `touched` months, and the window of `months` (the run's span) that
    /// their rows read: every month of the financial and calendar years touched and of the
    /// years either side.
    pub fn of(touched: &BTreeSet<Month>, months: &[Month], previous: PathBuf) -> Splice {
        let mut periods = HashSet::new();
        let mut read = HashSet::new();
        let mut years: BTreeSet<(bool, i32)> = BTreeSet::new();
        for m in touched {
            periods.extend(m.periods());
            read.extend(m.back(12).periods());
            read.extend(m.periods());
            if let Some(after) = Month::new(m.year() + 1, m.month()) {
                read.extend(after.periods());
            }
            for d in -1..=1 {
                years.insert((true, i32::from(m.financial_year_start()) + d));
                years.insert((false, i32::from(m.year()) + d));
            }
        }
        let window = months
            .iter()
            .filter(|m| {
                years.contains(&(true, i32::from(m.financial_year_start())))
                    || years.contains(&(false, i32::from(m.year())))
            })
            .map(Month::to_string)
            .collect();
        Splice {
            periods,
            read,
            window,
            previous,
        }
    }

    /// Which rows of `df` (with a `month` column) are of the window.
    fn window_rows(&self, df: &DataFrame) -> PolarsResult<Vec<bool>> {
        matching(df.column("month")?, |m| self.window.contains(m))
    }

    /// The searches and coverage the queries read: the window's, and for each value of a
    /// [`SEEN_IN_THE_RUN`] column found only outside it, one search that has it (a witness),
    /// with its force-month's coverage row so the queries count it. A witness's own periods
    /// lie outside the window's years and the years either side, so none of its rows is kept.
    pub fn restrict(
        &self,
        searches: &DataFrame,
        coverage: &DataFrame,
    ) -> PolarsResult<(DataFrame, DataFrame, HashSet<String>)> {
        let mut keep = self.window_rows(searches)?;
        let mut found: Vec<IdxSize> = Vec::new();
        for name in SEEN_IN_THE_RUN {
            let Ok(column) = searches.column(name) else {
                continue;
            };
            let (codes, distinct) = super::dense_ranks(column)?;
            let mut seen = vec![false; distinct as usize + 1];
            for (code, _) in codes.iter().zip(&keep).filter(|(_, k)| **k) {
                seen[*code as usize] = true;
            }
            for (i, code) in codes.iter().enumerate() {
                if !seen[*code as usize] {
                    seen[*code as usize] = true;
                    found.push(i as IdxSize);
                }
            }
            for i in &found {
                keep[*i as usize] = true;
            }
        }
        // The witnesses' force-months, read from those few rows only.
        let picked = searches
            .select(["force", "month"])?
            .take(&IdxCa::from_vec("witnesses".into(), found))?;
        let text = |c: &str| -> PolarsResult<Vec<Option<String>>> {
            let t = picked.column(c)?.cast(&DataType::String)?;
            Ok(t.str()?.iter().map(|v| v.map(str::to_owned)).collect())
        };
        let witnesses: HashSet<(String, String)> = text("force")?
            .into_iter()
            .zip(text("month")?)
            .filter_map(|(f, m)| Some((f?, m?)))
            .collect();
        let searches = searches.filter(&BooleanChunked::from_slice("keep".into(), &keep))?;
        let mut covered = self.window_rows(coverage)?;
        if !witnesses.is_empty() {
            let force = coverage.column("force")?.cast(&DataType::String)?;
            let month = coverage.column("month")?.cast(&DataType::String)?;
            for ((c, f), m) in covered
                .iter_mut()
                .zip(force.str()?.iter())
                .zip(month.str()?.iter())
            {
                if let (Some(f), Some(m)) = (f, m) {
                    *c |= witnesses.contains(&(f.to_owned(), m.to_owned()));
                }
            }
        }
        let coverage = coverage.filter(&BooleanChunked::from_slice("keep".into(), &covered))?;
        // The witnesses' periods are read too, or their values would drop out of the lists of
        // values seen (their own rows are not of a touched period, so none is kept).
        let mut read = self.read.clone();
        for (_, m) in &witnesses {
            if let Ok(m) = m.parse::<Month>() {
                read.extend(m.periods());
            }
        }
        Ok((searches, coverage, read))
    }

    /// Which rows of a table are of a touched period; an error for a table with no period.
    fn touched(&self, df: &DataFrame) -> PolarsResult<Vec<bool>> {
        let mut touched = vec![false; df.height()];
        let mut any = false;
        for name in PERIOD_COLUMNS {
            if let Ok(c) = df.column(name) {
                any = true;
                for (row, t) in touched
                    .iter_mut()
                    .zip(matching(c, |p| self.periods.contains(p))?)
                {
                    *row |= t;
                }
            }
        }
        if !any {
            polars_bail!(ColumnNotFound: "a table made again by period needs a `period` or `financial_year` column");
        }
        Ok(touched)
    }

    /// The rows of a query's result that this run makes again.
    pub fn keep_touched(&self, df: &DataFrame) -> PolarsResult<DataFrame> {
        df.filter(&BooleanChunked::from_slice(
            "touched".into(),
            &self.touched(df)?,
        ))
    }

    /// The published table `name` with its touched rows replaced by `new` (the table's touched
    /// rows as this run made them, in the table's order). `key` is the query's leading
    /// columns up to and including its period column: rows are ordered by them first (text,
    /// nulls first, `area` by `area_kind` first), and they never tie between a row kept and
    /// a row made again, whose periods differ.
    pub fn merge(
        &self,
        name: &str,
        new: DataFrame,
        key: &[String],
        area_kind: impl Fn(&str) -> u8,
    ) -> PolarsResult<DataFrame> {
        let path = self.previous.join(format!("{name}.parquet"));
        let clock = std::time::Instant::now();
        let old = read(&path)?;
        let read_in = clock.elapsed();
        // The rows kept are runs of the published table between the periods made again, so
        // the table is put together from slices of it and of `new`, not row by row.
        let touched = self.touched(&old)?;
        let old = conform(old, &new).map_err(|e| {
            polars_err!(SchemaMismatch: "{}: the published table does not have this run's columns ({e})", path.display())
        })?;
        let n_old = old.height();
        let mut both = old;
        both.vstack_mut_owned(new)?;
        // Each key column as ranks over both parts, packed as the table's sort packs them.
        let ranks = key
            .iter()
            .map(|k| {
                let text = both.column(k)?.cast(&DataType::String)?;
                let text = text.str()?;
                Ok(if k == "area" {
                    super::text_ranks(text, &area_kind)
                } else {
                    super::text_ranks(text, |_| 0)
                })
            })
            .collect::<PolarsResult<Vec<_>>>()?;
        let words = super::pack(&ranks, both.height());
        let order = |a: usize, b: usize| -> Ordering {
            words
                .iter()
                .map(|w| w[a].cmp(&w[b]))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        };
        let kept: Vec<usize> = touched
            .iter()
            .enumerate()
            .filter(|(_, t)| !**t)
            .map(|(i, _)| i)
            .collect();
        let height = both.height();
        // (first row, rows) of each run, in the table's order.
        let mut runs: Vec<(usize, usize)> = Vec::new();
        let mut push = |row: usize| match runs.last_mut() {
            Some((first, rows)) if *first + *rows == row => *rows += 1,
            _ => runs.push((row, 1)),
        };
        let (mut i, mut j) = (0, n_old);
        while i < kept.len() || j < height {
            let from_old = j == height
                || (i < kept.len()
                    && match order(kept[i], j) {
                        Ordering::Less => true,
                        Ordering::Greater => false,
                        Ordering::Equal => {
                            polars_bail!(ComputeError: "{}: a published row and a row made again share their key ({}), so their order is not known", path.display(), key.join(", "))
                        }
                    });
            if from_old {
                push(kept[i]);
                i += 1;
            } else {
                push(j);
                j += 1;
            }
        }
        let ordered_in = clock.elapsed();
        let mut merged = both.clear();
        for (first, rows) in runs {
            merged.vstack_mut_owned(both.slice(first as i64, rows))?;
        }
        // One chunk, as a table made from scratch is: the Parquet writer's row groups follow
        // the chunks.
        merged.rechunk_mut_par();
        tracing::trace!(table = name, ?read_in, ?ordered_in, merged_in = ?clock.elapsed(), "merged");
        Ok(merged)
    }
}

/// The rows of a table with a `period` column (`_area_periods`, or a table a later query
/// reads) of the periods `read` (as [`Splice::restrict`] gives them); a table without one,
/// whole.
pub fn keep_read(df: &DataFrame, read: &HashSet<String>) -> PolarsResult<DataFrame> {
    let Ok(period) = df.column("period") else {
        return Ok(df.clone());
    };
    let read = matching(period, |p| read.contains(p))?;
    df.filter(&BooleanChunked::from_slice("read".into(), &read))
}

/// Which values of a column `wanted` takes, row by row (false for a null); a column of
/// categories is looked up once per category.
fn matching(column: &Column, wanted: impl Fn(&str) -> bool) -> PolarsResult<Vec<bool>> {
    if matches!(
        column.dtype(),
        DataType::Enum(..) | DataType::Categorical(..)
    ) {
        let distinct = column.unique()?;
        let codes = distinct.to_physical_repr().cast(&DataType::UInt32)?;
        let text = distinct.cast(&DataType::String)?;
        let mut by_code: Vec<bool> = Vec::new();
        for (t, c) in text.str()?.iter().zip(codes.u32()?.iter()) {
            if let (Some(t), Some(c)) = (t, c) {
                let c = c as usize;
                if by_code.len() <= c {
                    by_code.resize(c + 1, false);
                }
                by_code[c] = wanted(t);
            }
        }
        let rows = column.to_physical_repr().cast(&DataType::UInt32)?;
        return Ok(rows
            .u32()?
            .iter()
            .map(|c| c.is_some_and(|c| by_code[c as usize]))
            .collect());
    }
    let text = column.cast(&DataType::String)?;
    Ok(text.str()?.iter().map(|t| t.is_some_and(&wanted)).collect())
}

/// A query result's leading columns up to and including its first period column: the
/// columns [`Splice::merge`] orders by. They must be text, which the table order compares
/// as text.
pub fn key_columns(df: &DataFrame) -> PolarsResult<Vec<String>> {
    let columns = df.columns();
    let Some(end) = columns
        .iter()
        .position(|c| PERIOD_COLUMNS.contains(&c.name().as_str()))
    else {
        polars_bail!(ColumnNotFound: "a table made again by period needs a `period` or `financial_year` column");
    };
    columns[..=end]
        .iter()
        .map(|c| {
            if matches!(
                c.dtype(),
                DataType::String | DataType::Enum(..) | DataType::Categorical(..)
            ) {
                Ok(c.name().to_string())
            } else {
                polars_bail!(SchemaMismatch: "a table made again by period needs text in its leading columns; `{}` is {}", c.name(), c.dtype())
            }
        })
        .collect()
}

fn read(path: &Path) -> PolarsResult<DataFrame> {
    let file = std::fs::File::open(path)
        .map_err(|e| polars_err!(ComputeError: "{}: {e}", path.display()))?;
    ParquetReader::new(file).finish()
}

/// `old` with `new`'s columns, in its order and of its types.
fn conform(old: DataFrame, new: &DataFrame) -> PolarsResult<DataFrame> {
    let names: Vec<&str> = old.columns().iter().map(|c| c.name().as_str()).collect();
    let wanted: Vec<&str> = new.columns().iter().map(|c| c.name().as_str()).collect();
    if names != wanted {
        polars_bail!(SchemaMismatch: "columns {} against {}", names.join(", "), wanted.join(", "));
    }
    let columns = new
        .columns()
        .iter()
        .map(|c| old.column(c.name())?.cast(c.dtype()))
        .collect::<PolarsResult<Vec<_>>>()?;
    DataFrame::new(old.height(), columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(s: &str) -> Month {
        s.parse().unwrap()
    }

    #[test]
    fn a_month_touches_its_periods_and_reads_the_years_beside_them() {
        let span: Vec<Month> = month("2019-01").through(month("2024-12")).collect();
        let s = Splice::of(&BTreeSet::from([month("2022-02")]), &span, PathBuf::new());
        let periods: BTreeSet<&str> = s.periods.iter().map(String::as_str).collect();
        assert_eq!(periods, BTreeSet::from(["2022-02", "2021/22", "2022"]));
        let read: BTreeSet<&str> = s.read.iter().map(String::as_str).collect();
        assert_eq!(
            read,
            BTreeSet::from([
                "2021-02", "2020/21", "2021", "2022-02", "2021/22", "2022", "2023-02", "2022/23",
                "2023"
            ])
        );
        // Financial years 2020/21 to 2022/23 (2020-04 to 2023-03) and calendar years 2021 to
        // 2023: 2020-04 to 2023-12.
        let first = s.window.first().unwrap();
        let last = s.window.last().unwrap();
        assert_eq!((first.as_str(), last.as_str()), ("2020-04", "2023-12"));
        assert_eq!(s.window.len(), 45);
    }

    #[test]
    fn kept_and_remade_rows_are_merged_in_table_order() {
        let dir = tempfile::tempdir().unwrap();
        // `z` is the country (area kind 1), `a` and `b` forces (2): the order puts the kind
        // first, then the text.
        let kind = |a: &str| if a == "z" { 1 } else { 2 };
        let mut old = df!(
            "area" => ["z", "z", "a", "a", "b"],
            "period" => ["2021", "2022", "2021", "2022", "2022"],
            "n" => [1i64, 2, 3, 4, 5],
        )
        .unwrap();
        let file = std::fs::File::create(dir.path().join("t.parquet")).unwrap();
        ParquetWriter::new(file).finish(&mut old).unwrap();
        let s = Splice::of(
            &BTreeSet::from([month("2022-01")]),
            &[month("2022-01")],
            dir.path().to_path_buf(),
        );
        let new = df!(
            "area" => ["z", "a", "b"],
            "period" => ["2022", "2022", "2022"],
            "n" => [20i64, 40, 50],
        )
        .unwrap();
        let key = key_columns(&new).unwrap();
        assert_eq!(key, ["area", "period"]);
        let merged = s.merge("t", new, &key, kind).unwrap();
        let expected = df!(
            "area" => ["z", "z", "a", "a", "b"],
            "period" => ["2021", "2022", "2021", "2022", "2022"],
            "n" => [1i64, 20, 3, 40, 50],
        )
        .unwrap();
        assert!(merged.equals(&expected), "{merged}");
        // A row made again that ties with a kept one cannot be placed.
        let clash = df!("area" => ["a"], "period" => ["2021"], "n" => [0i64]).unwrap();
        assert!(s.merge("t", clash, &key, kind).is_err());
    }

    #[test]
    fn rows_are_touched_by_any_of_their_periods() {
        let s = Splice::of(
            &BTreeSet::from([month("2022-02")]),
            &[month("2022-02")],
            PathBuf::new(),
        );
        let df = df!(
            "period" => ["2022-02", "2023-02", "2021/22", "2022/23", "2022", "2023", "2022-03", "2020/21"],
            "previous_period" => [Some("2021-02"), Some("2022-02"), None, Some("2021/22"), None, Some("2022"), Some("2021-03"), Some("2019/20")],
        )
        .unwrap();
        let t: Vec<bool> = s.touched(&df).unwrap();
        assert_eq!(t, [true, true, true, true, true, true, false, false]);
        let df = df!("financial_year" => ["2020/21", "2021/22"]).unwrap();
        let t: Vec<bool> = s.touched(&df).unwrap();
        assert_eq!(t, [false, true]);
        assert!(s.touched(&df!("area" => ["x"]).unwrap()).is_err());
    }
}
