//! Builds the polars frames of the row-level tables from the normalised columns. Label
//! columns become polars Enums (Parquet dictionary-encoded strings), whose categories are
//! fixed lists or the labels seen in sorted order, so the files are byte-identical from run
//! to run whatever order the inputs were read in.

use polars::prelude::*;

use crate::coverage::{CoverageRow, Status};
use crate::dictionary;
use crate::forces::FORCES;
use crate::ingest::batch::NULL;
use crate::month::Month;
use crate::normalise::vocab::{DetailedEthnicity, Ethnicity, OutcomeClass, SearchGroup};
use crate::normalise::{QualityRow, RAW_OUTPUT, Searches};

/// An Enum column from category codes ([`NULL`] for null).
pub fn enum_column<S: AsRef<str>>(name: &str, cats: &[S], codes: &[u32]) -> PolarsResult<Column> {
    let frozen = FrozenCategories::new(cats.iter().map(|s| s.as_ref()))?;
    let dtype = DataType::from_frozen_categories(frozen.clone());
    let name = PlSmallStr::from(name);
    let opt = |c: u32| (c != NULL).then_some(c);
    // SAFETY: every non-null code is an index into `cats` (checked in debug builds).
    debug_assert!(
        codes
            .iter()
            .all(|&c| c == NULL || (c as usize) < cats.len())
    );
    let series = unsafe {
        match frozen.physical() {
            CategoricalPhysical::U8 => Categorical8Chunked::from_cats_and_dtype_unchecked(
                UInt8Chunked::from_iter_options(
                    name,
                    codes.iter().map(|&c| opt(c).map(|c| c as u8)),
                ),
                dtype,
            )
            .into_series(),
            CategoricalPhysical::U16 => Categorical16Chunked::from_cats_and_dtype_unchecked(
                UInt16Chunked::from_iter_options(
                    name,
                    codes.iter().map(|&c| opt(c).map(|c| c as u16)),
                ),
                dtype,
            )
            .into_series(),
            CategoricalPhysical::U32 => Categorical32Chunked::from_cats_and_dtype_unchecked(
                UInt32Chunked::from_iter_options(name, codes.iter().map(|&c| opt(c))),
                dtype,
            )
            .into_series(),
        }
    };
    Ok(series.into_column())
}

fn force_ids() -> Vec<&'static str> {
    FORCES.iter().map(|f| f.id).collect()
}

fn month_texts(months: &[Month]) -> Vec<String> {
    months.iter().map(|m| m.to_string()).collect()
}

/// Financial-year categories of a span, and each month's code among them.
fn financial_years(months: &[Month]) -> (Vec<String>, Vec<u32>) {
    let mut cats: Vec<String> = Vec::new();
    let codes = months
        .iter()
        .map(|m| {
            let fy = m.financial_year();
            if cats.last() != Some(&fy) {
                cats.push(fy);
            }
            (cats.len() - 1) as u32
        })
        .collect();
    (cats, codes)
}

fn opt_f64(name: &str, values: &[f64]) -> Column {
    Float64Chunked::from_iter_options(
        name.into(),
        values.iter().map(|v| (!v.is_nan()).then_some(*v)),
    )
    .into_column()
}

fn opt_bool(name: &str, values: &[Option<bool>]) -> Column {
    BooleanChunked::from_iter_options(name.into(), values.iter().copied()).into_column()
}

fn u32_col(name: &str, values: Vec<u32>) -> Column {
    UInt32Chunked::from_vec(name.into(), values).into_column()
}

fn str_col(name: &str, values: impl Iterator<Item = Option<String>>) -> Column {
    StringChunked::from_iter_options(name.into(), values).into_column()
}

fn texts<T: Copy>(all: &[T], f: impl Fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|&x| f(x)).collect()
}

pub fn searches(s: &Searches) -> PolarsResult<DataFrame> {
    let months = month_texts(&s.months);
    let (fy_cats, fy_of_month) = financial_years(&s.months);
    let fy: Vec<u32> = s.month.iter().map(|&m| fy_of_month[m as usize]).collect();
    let year = Int32Chunked::from_iter_values(
        "year".into(),
        s.month
            .iter()
            .map(|&m| i32::from(s.months[m as usize].year())),
    );
    let force: Vec<u32> = s.force.iter().map(|&f| u32::from(f)).collect();
    let datetime = Int64Chunked::from_slice("datetime".into(), &s.datetime)
        .into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC));
    let raw = |name: &str| -> PolarsResult<Column> {
        let i = RAW_OUTPUT
            .iter()
            .position(|c| c.name() == name)
            .expect("a raw output column");
        enum_column(name, &s.raw[i].cats, &s.raw[i].codes)
    };
    let columns = vec![
        enum_column("force", &force_ids(), &force)?,
        enum_column("month", &months, &s.month)?,
        year.into_column(),
        enum_column("financial_year", &fy_cats, &fy)?,
        datetime.into_column(),
        raw("type")?,
        raw("gender")?,
        raw("age_range")?,
        raw("self_defined_ethnicity")?,
        enum_column(
            "ethnicity",
            &texts(Ethnicity::ALL, Ethnicity::as_str),
            &s.ethnicity,
        )?,
        enum_column(
            "ethnicity_detailed",
            &texts(DetailedEthnicity::ALL, DetailedEthnicity::as_str),
            &s.ethnicity_detailed,
        )?,
        raw("officer_defined_ethnicity")?,
        raw("legislation")?,
        raw("object_of_search")?,
        enum_column(
            "search_group",
            &texts(SearchGroup::ALL, SearchGroup::as_str),
            &s.search_group,
        )?,
        raw("outcome")?,
        enum_column(
            "outcome_class",
            &texts(OutcomeClass::ALL, OutcomeClass::as_str),
            &s.outcome_class,
        )?,
        opt_bool("outcome_linked", &s.outcome_linked),
        opt_bool("strip_search", &s.strip_search),
        opt_bool("part_of_operation", &s.part_of_operation),
        raw("policing_operation")?,
        opt_f64("latitude", &s.latitude),
        opt_f64("longitude", &s.longitude),
        enum_column("source_file", &s.sources, &s.source)?,
        u32_col("source_line", s.line.clone()),
    ];
    checked(&dictionary::SEARCHES, DataFrame::new(s.len(), columns)?)
}

/// A rejected row, with the force-month of its file.
pub struct RejectRow {
    pub force: u32,
    pub month: u32,
    pub source: String,
    pub line: u32,
    pub reason: String,
    pub raw: String,
}

pub fn rejects(rows: &[RejectRow], months: &[Month]) -> PolarsResult<DataFrame> {
    let columns = vec![
        enum_column(
            "force",
            &force_ids(),
            &rows.iter().map(|r| r.force).collect::<Vec<_>>(),
        )?,
        enum_column(
            "month",
            &month_texts(months),
            &rows.iter().map(|r| r.month).collect::<Vec<_>>(),
        )?,
        str_col("source_file", rows.iter().map(|r| Some(r.source.clone()))),
        u32_col("source_line", rows.iter().map(|r| r.line).collect()),
        str_col("reason", rows.iter().map(|r| Some(r.reason.clone()))),
        str_col("raw_text", rows.iter().map(|r| Some(r.raw.clone()))),
    ];
    checked(&dictionary::REJECTS, DataFrame::new(rows.len(), columns)?)
}

/// Quality rows with each file's force, month, id and kept-row count.
pub fn quality(
    rows: &[QualityRow],
    files: &[(u32, u32, String, u32)],
    months: &[Month],
) -> PolarsResult<DataFrame> {
    let file = |r: &QualityRow| &files[r.source as usize];
    let columns = vec![
        enum_column(
            "force",
            &force_ids(),
            &rows.iter().map(|r| file(r).0).collect::<Vec<_>>(),
        )?,
        enum_column(
            "month",
            &month_texts(months),
            &rows.iter().map(|r| file(r).1).collect::<Vec<_>>(),
        )?,
        str_col("source_file", rows.iter().map(|r| Some(file(r).2.clone()))),
        str_col("column", rows.iter().map(|r| Some(r.column.to_owned()))),
        str_col(
            "measure",
            rows.iter().map(|r| Some(r.measure.as_str().to_owned())),
        ),
        str_col("label", rows.iter().map(|r| r.label.clone())),
        u32_col("count", rows.iter().map(|r| r.count).collect()),
        u32_col("rows", rows.iter().map(|r| file(r).3).collect()),
        Float64Chunked::from_iter_options(
            "share".into(),
            rows.iter().map(|r| {
                let n = file(r).3;
                (n > 0).then(|| f64::from(r.count) / f64::from(n))
            }),
        )
        .into_column(),
    ];
    checked(&dictionary::QUALITY, DataFrame::new(rows.len(), columns)?)
}

pub fn coverage(rows: &[CoverageRow], months: &[Month]) -> PolarsResult<DataFrame> {
    let month_of = |m: Month| months.iter().position(|x| *x == m).expect("month in span") as u32;
    let (fy_cats, fy_of_month) = financial_years(months);
    let force: Vec<u32> = rows
        .iter()
        .map(|r| {
            FORCES
                .iter()
                .position(|f| f.id == r.force.id)
                .expect("known force") as u32
        })
        .collect();
    let month: Vec<u32> = rows.iter().map(|r| month_of(r.month)).collect();
    let columns = vec![
        enum_column("force", &force_ids(), &force)?,
        str_col(
            "force_name",
            rows.iter().map(|r| Some(r.force.name.to_owned())),
        ),
        str_col(
            "pfa_code",
            rows.iter().map(|r| r.force.pfa_code.map(str::to_owned)),
        ),
        enum_column("month", &month_texts(months), &month)?,
        Int32Chunked::from_iter_values(
            "year".into(),
            rows.iter().map(|r| i32::from(r.month.year())),
        )
        .into_column(),
        enum_column(
            "financial_year",
            &fy_cats,
            &month
                .iter()
                .map(|&m| fy_of_month[m as usize])
                .collect::<Vec<_>>(),
        )?,
        enum_column(
            "status",
            Status::TEXTS,
            &rows.iter().map(|r| r.status as u32).collect::<Vec<_>>(),
        )?,
        u32_col("rows", rows.iter().map(|r| r.rows).collect()),
        u32_col("rejected", rows.iter().map(|r| r.rejected).collect()),
        str_col("source_file", rows.iter().map(|r| r.source.clone())),
        str_col(
            "superseded",
            rows.iter()
                .map(|r| (!r.superseded.is_empty()).then(|| r.superseded.join("; "))),
        ),
        str_col("problem", rows.iter().map(|r| r.problem.clone())),
    ];
    checked(&dictionary::COVERAGE, DataFrame::new(rows.len(), columns)?)
}

/// Guards the data dictionary: the frame must have exactly the documented columns, in order.
fn checked(doc: &dictionary::TableDoc, df: DataFrame) -> PolarsResult<DataFrame> {
    let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    let documented: Vec<&str> = doc.columns.iter().map(|c| c.name).collect();
    polars_ensure!(
        names == documented,
        SchemaMismatch: "table {} has columns {:?}, but the data dictionary lists {:?}",
        doc.name, names, documented
    );
    Ok(df)
}
