//! Typed table contracts: the columns, and their types, that the figures, charts and report
//! read from each table. They are checked once, as each table is built, so a query that
//! renames or drops a column the report quotes stops the run with an error naming the SQL
//! file, the table and the column, instead of publishing blanks or zeros. Rows are then read
//! into the structs declared here, never through lookups with defaults.

use polars::prelude::*;

use crate::error::{Error, Result};

/// A column type as the presentation layer reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text, enum or categorical, never null.
    Text,
    /// Text that may be null (the force of England and Wales).
    OptionalText,
    /// An unsigned or signed integer, never null.
    Count,
    /// An integer that may be null (a population with no Census count).
    OptionalCount,
    /// A floating-point number that may be null (a rate with no denominator).
    Number,
    /// A boolean, never null.
    Flag,
    /// A boolean that may be null (not compared).
    OptionalFlag,
}

impl Kind {
    fn accepts(self, dtype: &DataType) -> bool {
        match self {
            Kind::Text | Kind::OptionalText => matches!(
                dtype,
                DataType::String | DataType::Enum(..) | DataType::Categorical(..)
            ),
            Kind::Count | Kind::OptionalCount => dtype.is_integer(),
            Kind::Number => dtype.is_float(),
            Kind::Flag | Kind::OptionalFlag => dtype.is_bool(),
        }
    }

    fn nullable(self) -> bool {
        matches!(
            self,
            Kind::OptionalCount | Kind::Number | Kind::OptionalText | Kind::OptionalFlag
        )
    }

    fn describe(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::OptionalText => "text",
            Kind::Count => "an integer count",
            Kind::OptionalCount => "an integer",
            Kind::Number => "a floating-point number",
            Kind::Flag | Kind::OptionalFlag => "a boolean",
        }
    }
}

/// What one table must hold for the presentation layer.
#[derive(Debug)]
pub struct Contract {
    pub table: &'static str,
    pub columns: &'static [(&'static str, Kind)],
}

impl Contract {
    /// Checks a built table against the contract; `file` is the SQL file (or the stage) that
    /// made it, for the message.
    pub fn check(&self, df: &DataFrame, file: &str) -> Result<()> {
        let broken = |column: &str, problem: String| Error::Contract {
            file: file.to_owned(),
            table: self.table.to_owned(),
            column: column.to_owned(),
            problem,
        };
        for &(name, kind) in self.columns {
            let Ok(column) = df.column(name) else {
                return Err(broken(name, "no such column".to_owned()));
            };
            if !kind.accepts(column.dtype()) {
                return Err(broken(
                    name,
                    format!("is {}, not {}", column.dtype(), kind.describe()),
                ));
            }
            if !kind.nullable() && column.null_count() > 0 {
                return Err(broken(
                    name,
                    format!("has {} null values", column.null_count()),
                ));
            }
        }
        Ok(())
    }
}

/// A table's rows as typed structs.
pub trait Row: Sized {
    const CONTRACT: Contract;
    /// Reads every row; the table must have passed [`Contract::check`].
    fn read(df: &DataFrame) -> Result<Vec<Self>>;
}

/// Every contract, for the check after the tables are built.
pub const ALL: [&Contract; 13] = [
    &ChangeRow::CONTRACT,
    &ReconciliationRow::CONTRACT,
    &RateRow::CONTRACT,
    &DisparityRow::CONTRACT,
    &OutcomeRow::CONTRACT,
    &FindRateRow::CONTRACT,
    &GroundsRow::CONTRACT,
    &GroundsOutcomeRow::CONTRACT,
    &CoverageRow::CONTRACT,
    &LocationCoverageRow::CONTRACT,
    &DiversionRow::CONTRACT,
    &AgeRateRow::CONTRACT,
    &CompositionRow::CONTRACT,
];

/// The contract of the named table, if the presentation layer reads it.
pub fn of(table: &str) -> Option<&'static Contract> {
    ALL.iter().copied().find(|c| c.table == table)
}

fn invariant(table: &str, column: &str, e: PolarsError) -> Error {
    Error::Invariant(format!(
        "{table}.{column} passed its contract but could not be read: {e}"
    ))
}

/// Readers for each [`Kind`], one vector per column.
pub mod read {
    use super::*;

    /// The column cast to `dtype`, which the contract check guarantees is possible.
    fn cast(df: &DataFrame, table: &str, name: &str, dtype: &DataType) -> Result<Column> {
        df.column(name)
            .and_then(|c| c.cast(dtype))
            .map_err(|e| invariant(table, name, e))
    }

    /// Values of a column the contract says has no nulls, in a vector sized once: the tables
    /// the figures read run to millions of rows, and growing by doubling would copy each
    /// column several times over.
    fn present<T>(
        values: impl Iterator<Item = Option<T>>,
        len: usize,
        table: &str,
        name: &str,
    ) -> Result<Vec<T>> {
        let mut out = Vec::with_capacity(len);
        for v in values {
            out.push(v.ok_or_else(|| Error::Invariant(format!("{table}.{name} has a null")))?);
        }
        Ok(out)
    }

    pub fn text(df: &DataFrame, table: &str, name: &str) -> Result<Vec<String>> {
        let column = cast(df, table, name, &DataType::String)?;
        let values = column.str().map_err(|e| invariant(table, name, e))?;
        present(
            values.iter().map(|v| v.map(str::to_owned)),
            df.height(),
            table,
            name,
        )
    }

    pub fn optional_text(df: &DataFrame, table: &str, name: &str) -> Result<Vec<Option<String>>> {
        let column = cast(df, table, name, &DataType::String)?;
        let values = column.str().map_err(|e| invariant(table, name, e))?;
        Ok(values.iter().map(|v| v.map(str::to_owned)).collect())
    }

    pub fn optional_count(df: &DataFrame, table: &str, name: &str) -> Result<Vec<Option<u64>>> {
        let column = cast(df, table, name, &DataType::Int64)?;
        let values = column.i64().map_err(|e| invariant(table, name, e))?;
        let mut out = Vec::with_capacity(df.height());
        for v in values.iter() {
            out.push(
                v.map(|v| {
                    u64::try_from(v)
                        .map_err(|_| Error::Invariant(format!("{table}.{name} holds {v}")))
                })
                .transpose()?,
            );
        }
        Ok(out)
    }

    pub fn count(df: &DataFrame, table: &str, name: &str) -> Result<Vec<u64>> {
        present(
            optional_count(df, table, name)?.into_iter(),
            df.height(),
            table,
            name,
        )
    }

    pub fn number(df: &DataFrame, table: &str, name: &str) -> Result<Vec<Option<f64>>> {
        let column = cast(df, table, name, &DataType::Float64)?;
        Ok(column
            .f64()
            .map_err(|e| invariant(table, name, e))?
            .iter()
            .collect())
    }

    pub fn optional_flag(df: &DataFrame, table: &str, name: &str) -> Result<Vec<Option<bool>>> {
        let column = cast(df, table, name, &DataType::Boolean)?;
        let values = column.bool().map_err(|e| invariant(table, name, e))?;
        Ok(values.iter().collect())
    }

    pub fn flag(df: &DataFrame, table: &str, name: &str) -> Result<Vec<bool>> {
        present(
            optional_flag(df, table, name)?.into_iter(),
            df.height(),
            table,
            name,
        )
    }
}

/// Declares a row struct, its contract and its reader from one list of columns, so the
/// columns read and the columns checked can never differ.
macro_rules! rows {
    ($(
        $(#[$meta:meta])*
        $name:ident from $table:literal {
            $($field:ident: $kind:ident),* $(,)?
        }
    )*) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $(pub $field: rows!(@type $kind)),*
        }

        impl Row for $name {
            const CONTRACT: Contract = Contract {
                table: $table,
                columns: &[$((stringify!($field), Kind::$kind)),*],
            };

            fn read(df: &DataFrame) -> Result<Vec<Self>> {
                $(let mut $field = rows!(@read $kind, df, $table, stringify!($field))?.into_iter();)*
                Ok((0..df.height())
                    .map(|_| $name {
                        $($field: $field.next().expect("one value per row")),*
                    })
                    .collect())
            }
        }
    )*};
    (@type Text) => { String };
    (@type OptionalText) => { Option<String> };
    (@type Count) => { u64 };
    (@type OptionalCount) => { Option<u64> };
    (@type Number) => { Option<f64> };
    (@type Flag) => { bool };
    (@type OptionalFlag) => { Option<bool> };
    (@read Text, $df:expr, $t:expr, $c:expr) => { read::text($df, $t, $c) };
    (@read OptionalText, $df:expr, $t:expr, $c:expr) => { read::optional_text($df, $t, $c) };
    (@read Count, $df:expr, $t:expr, $c:expr) => { read::count($df, $t, $c) };
    (@read OptionalCount, $df:expr, $t:expr, $c:expr) => { read::optional_count($df, $t, $c) };
    (@read Number, $df:expr, $t:expr, $c:expr) => { read::number($df, $t, $c) };
    (@read Flag, $df:expr, $t:expr, $c:expr) => { read::flag($df, $t, $c) };
    (@read OptionalFlag, $df:expr, $t:expr, $c:expr) => { read::optional_flag($df, $t, $c) };
}

rows! {
    /// `rates.sql`: searches and rates per 1,000 by area, period, search group, power and
    /// group (`power` is `all` except on the rows of one power or combined group).
    RateRow from "rates" {
        area_type: Text,
        area: Text,
        area_name: Text,
        force: OptionalText,
        low_location_coverage: Flag,
        period_type: Text,
        period: Text,
        search_group: Text,
        power: Text,
        no_suspicion_power: Flag,
        ethnicity: Text,
        searches: Count,
        population: OptionalCount,
        force_months_covered: Count,
        rate_per_1000: Number,
        rate_ci_low: Number,
        rate_ci_high: Number,
        small_numbers: Flag,
        resident_denominator_unsuitable: Flag,
        no_resident_population: Flag,
    }

    /// `disparity.sql`: rate ratios against the reference group, over every power (`power`
    /// `all`) and by power.
    DisparityRow from "disparity" {
        area_type: Text,
        area: Text,
        area_name: Text,
        force: OptionalText,
        low_location_coverage: Flag,
        period_type: Text,
        period: Text,
        search_group: Text,
        power: Text,
        no_suspicion_power: Flag,
        ethnicity: Text,
        searches: Count,
        reference_searches: Count,
        rate_ratio: Number,
        ratio_ci_low: Number,
        ratio_ci_high: Number,
        small_numbers: Flag,
        resident_denominator_unsuitable: Flag,
        undefined_ratio: Flag,
        not_stated_share: Number,
        ratio_if_not_stated_in_group: Number,
        ratio_if_not_stated_in_reference: Number,
        suspect_months: Count,
        home_office_differs: OptionalFlag,
        all_searches: Count,
        not_stated_searches: Count,
        vehicle_only_searches: Count,
        rate_ratio_officer_fallback: Number,
        high_not_stated: Flag,
        direction_uncertain: Flag,
    }

    /// `changes.sql`: a period against the previous one over the months covered in both.
    ChangeRow from "changes" {
        area_type: Text,
        area: Text,
        comparison: Text,
        period: Text,
        previous_period: Text,
        search_group: Text,
        ethnicity: Text,
        force_months: Count,
        searches: Count,
        previous_searches: Count,
        change_ratio: Number,
        change_ci_low: Number,
        change_ci_high: Number,
        ratio_change: Number,
        ratio_change_ci_low: Number,
        ratio_change_ci_high: Number,
        out_of_court_base: Count,
        previous_out_of_court_base: Count,
        out_of_court_share: Number,
        previous_out_of_court_share: Number,
        out_of_court_share_change: Number,
        out_of_court_share_change_ci_low: Number,
        out_of_court_share_change_ci_high: Number,
        small_numbers: Flag,
        suspect_months: Count,
    }

    /// `reconciliation.sql`: the data.police.uk counts against the Home Office's.
    ReconciliationRow from "reconciliation" {
        area: Text,
        financial_year: Text,
        power: Text,
        ethnicity: Text,
        home_office_searches: Count,
        police_uk_searches: OptionalCount,
        months_covered: Count,
        months_expected: Count,
        ratio: Number,
        differs: OptionalFlag,
    }

    /// The revisions table (`src/output/revisions.rs`).
    RevisionRow from "revisions" {
        force: Text,
        month: Text,
        previous_published: Text,
        breakdown: Text,
        category: Text,
        before: OptionalCount,
        after: Count,
    }

    /// `location_coverage.sql`: how many of a force's searches district figures count.
    LocationCoverageRow from "location_coverage" {
        force: Text,
        period_type: Text,
        period: Text,
        searches: Count,
        located: Count,
        in_force_area: Count,
        nearest_within_200m: Count,
        other_force_area: Count,
        outside_boundaries: Count,
        in_districts: Count,
        located_share: Number,
        district_share: Number,
    }

    /// `outcomes.sql`: outcome classes as shares of each group's searches (all searches: it
    /// has no search group), over every power (`power` `all`) and by power.
    OutcomeRow from "outcomes" {
        area: Text,
        period_type: Text,
        period: Text,
        power: Text,
        no_suspicion_power: Flag,
        ethnicity: Text,
        outcome_class: Text,
        n: Count,
        total: Count,
        share: Number,
        share_ci_low: Number,
        share_ci_high: Number,
        small_numbers: Flag,
    }

    /// `find_rates.sql`: the share of searches that found something, by measure, over every
    /// power (`power` `all`) and by power.
    FindRateRow from "find_rates" {
        area: Text,
        period_type: Text,
        period: Text,
        search_group: Text,
        power: Text,
        no_suspicion_power: Flag,
        ethnicity: Text,
        measure: Text,
        n: Count,
        total: Count,
        share: Number,
        share_ci_low: Number,
        share_ci_high: Number,
        small_numbers: Flag,
    }

    /// `grounds.sql`: the share of searches whose grounds fall in each category.
    GroundsRow from "grounds" {
        area: Text,
        period_type: Text,
        period: Text,
        search_group: Text,
        ethnicity: Text,
        category: Text,
        n: Count,
        total: Count,
        share: Number,
        share_ci_low: Number,
        share_ci_high: Number,
        small_numbers: Flag,
    }

    /// `grounds_outcomes.sql`: find rates by grounds category.
    GroundsOutcomeRow from "grounds_outcomes" {
        area: Text,
        period_type: Text,
        period: Text,
        search_group: Text,
        ethnicity: Text,
        category: Text,
        measure: Text,
        n: Count,
        total: Count,
        share: Number,
        share_ci_low: Number,
        share_ci_high: Number,
        small_numbers: Flag,
    }

    /// `diversion.sql`: of the searches that ended in a disposal, the share diverted from
    /// court, by search group, age range and group; the other outcome classes beside it, for
    /// what the share leaves out.
    DiversionRow from "diversion" {
        area_type: Text,
        area: Text,
        area_name: Text,
        force: OptionalText,
        low_location_coverage: Flag,
        period_type: Text,
        period: Text,
        search_group: Text,
        age_range: Text,
        ethnicity: Text,
        searches: Count,
        no_further_action: Count,
        cannabis_or_khat_warning: Count,
        penalty_notice: Count,
        community_resolution: Count,
        caution: Count,
        arrest: Count,
        summons_or_charge: Count,
        other_outcome: Count,
        unknown_outcome: Count,
        n: Count,
        total: Count,
        // Null only when the reference group was never seen in the run.
        reference_n: OptionalCount,
        reference_total: OptionalCount,
        age_recorded: Flag,
        share: Number,
        share_ci_low: Number,
        share_ci_high: Number,
        reference_share: Number,
        share_ratio: Number,
        share_ratio_ci_low: Number,
        share_ratio_ci_high: Number,
        small_numbers: Flag,
    }

    /// `age_rates.sql`: rates per 1,000 by group, sex and age band, with age–sex standardised
    /// ratios on the rows of both sexes and all ages. Empty unless the run has a population
    /// by age (`--population-age`), but its columns are checked either way.
    AgeRateRow from "age_rates" {
        area_type: Text,
        area: Text,
        area_name: Text,
        force: OptionalText,
        low_location_coverage: Flag,
        period_type: Text,
        period: Text,
        ethnicity: Text,
        sex: Text,
        age_band: Text,
        age_bands: Text,
        census: Text,
        searches: Count,
        population: Count,
        force_months_covered: Count,
        exposure_months: Count,
        exposure: Number,
        // Null only when the reference group has no residents row for the sex and band.
        reference_searches: OptionalCount,
        rate_per_1000: Number,
        rate_ci_low: Number,
        rate_ci_high: Number,
        rate_ratio: Number,
        ratio_ci_low: Number,
        ratio_ci_high: Number,
        undefined_ratio: Flag,
        standardised_rate_per_1000: Number,
        standardised_ci_low: Number,
        standardised_ci_high: Number,
        reference_standardised_rate_per_1000: Number,
        standardised_ratio: Number,
        standardised_ratio_ci_low: Number,
        standardised_ratio_ci_high: Number,
        small_numbers: Flag,
        no_resident_population: Flag,
        resident_denominator_unsuitable: Flag,
    }

    /// `composition.sql`: who was searched, by group, sex and age range, as shares of the
    /// area's searches; the report reads how many had no age recorded.
    CompositionRow from "composition" {
        area_type: Text,
        area: Text,
        area_name: Text,
        force: OptionalText,
        low_location_coverage: Flag,
        period_type: Text,
        period: Text,
        ethnicity: Text,
        sex: Text,
        age_range: Text,
        n: Count,
        total: Count,
        age_recorded: Flag,
        share: Number,
        share_ci_low: Number,
        share_ci_high: Number,
        small_numbers: Flag,
    }

    /// The `coverage` table (built in code, not SQL): each force-month's status.
    CoverageRow from "coverage" {
        force: Text,
        month: Text,
        status: Text,
        rows: Count,
        trailing_median: Number,
        partial_suspected: Flag,
        spike_suspected: Flag,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> DataFrame {
        df!(
            "force" => ["merseyside", "dorset"],
            "month" => ["2024-01", "2024-02"],
            "status" => ["submitted", "missing"],
            "rows" => [10u32, 0],
            "trailing_median" => [Some(12.0), None],
            "partial_suspected" => [false, false],
            "spike_suspected" => [false, false],
        )
        .unwrap()
    }

    #[test]
    fn a_table_that_keeps_its_contract_is_read_into_rows() {
        let df = frame();
        CoverageRow::CONTRACT
            .check(&df, "the coverage stage")
            .unwrap();
        let rows = CoverageRow::read(&df).unwrap();
        assert_eq!(rows[1].force, "dorset");
        assert_eq!(rows[1].status, "missing");
    }

    #[test]
    fn a_missing_mistyped_or_null_column_is_named() {
        let message = |df: DataFrame| {
            CoverageRow::CONTRACT
                .check(&df, "queries/x.sql")
                .unwrap_err()
                .to_string()
        };
        let missing = message(frame().drop("status").unwrap());
        assert!(
            missing.contains("queries/x.sql")
                && missing.contains("coverage")
                && missing.contains("`status`")
                && missing.contains("no such column"),
            "{missing}"
        );
        let mut df = frame();
        df.with_column(Column::new("status".into(), [1u32, 2]))
            .unwrap();
        assert!(message(df).contains("not text"));
        let mut df = frame();
        df.with_column(Column::new("month".into(), [Some("2024-01"), None]))
            .unwrap();
        assert!(message(df).contains("1 null values"));
    }

    /// A frame of `height` rows with every column of `c`, each of the kind it asks for.
    fn frame_of(c: &Contract, height: usize) -> DataFrame {
        let columns = c
            .columns
            .iter()
            .map(|&(name, kind)| match kind {
                Kind::Text | Kind::OptionalText => Column::new(name.into(), vec!["x"; height]),
                Kind::Count | Kind::OptionalCount => Column::new(name.into(), vec![3u32; height]),
                Kind::Number => Column::new(name.into(), vec![0.25f64; height]),
                Kind::Flag | Kind::OptionalFlag => Column::new(name.into(), vec![true; height]),
            })
            .collect();
        DataFrame::new(height, columns).unwrap()
    }

    /// The diversion, age_rates and composition tables are read like the others, empty or
    /// not (age_rates is empty without `--population-age`), and a column the report reads
    /// that a query drops names the query's file.
    #[test]
    fn the_age_and_diversion_tables_are_checked_like_the_others() {
        fn check<T: Row>(dropped: &str) {
            let c = &T::CONTRACT;
            let file = format!("queries/{}.sql", c.table);
            for height in [0, 2] {
                let df = frame_of(c, height);
                c.check(&df, &file).unwrap();
                assert_eq!(T::read(&df).unwrap().len(), height, "{}", c.table);
            }
            let message = c
                .check(&frame_of(c, 2).drop(dropped).unwrap(), &file)
                .unwrap_err()
                .to_string();
            assert!(
                message.contains(&file)
                    && message.contains(&format!("`{dropped}`"))
                    && message.contains("no such column"),
                "{message}"
            );
        }
        check::<DiversionRow>("share_ci_low");
        check::<DiversionRow>("unknown_outcome");
        check::<AgeRateRow>("standardised_ratio");
        check::<AgeRateRow>("age_bands");
        check::<CompositionRow>("age_recorded");
        let rows = DiversionRow::read(&frame_of(&DiversionRow::CONTRACT, 1)).unwrap();
        assert_eq!(rows[0].share, Some(0.25));
        assert_eq!(rows[0].reference_n, Some(3));
        assert!(rows[0].age_recorded);
    }

    /// A share the report quotes may be null (no disposals), a count may not.
    #[test]
    fn a_null_count_in_the_new_tables_is_an_error() {
        let mut df = frame_of(&AgeRateRow::CONTRACT, 2);
        df.with_column(Column::new("searches".into(), [Some(1u32), None]))
            .unwrap();
        let message = AgeRateRow::CONTRACT
            .check(&df, "queries/age_rates.sql")
            .unwrap_err()
            .to_string();
        assert!(message.contains("`searches`") && message.contains("1 null values"));
        let mut df = frame_of(&DiversionRow::CONTRACT, 2);
        df.with_column(Column::new("share".into(), [Some(0.5f64), None]))
            .unwrap();
        DiversionRow::CONTRACT
            .check(&df, "queries/diversion.sql")
            .unwrap();
    }

    #[test]
    fn every_table_has_one_contract() {
        let mut names: Vec<_> = ALL.iter().map(|c| c.table).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
    }
}
