//! Builds the polars frames of the row-level tables from the normalised columns. Label
//! columns become polars Enums (Parquet dictionary-encoded strings), whose categories are
//! fixed lists or the labels seen in sorted order, so the files are byte-identical from run
//! to run whatever order the inputs were read in.

use polars::prelude::*;

use crate::geography::{Geography, LocationStatus, Placed};
use crate::input::ingest::LabelCol;
use crate::input::ingest::batch::NULL;
use crate::normalise::coverage::{CoverageRow, Status};
use crate::normalise::{FileRows, Normaliser, QualityRow};
use crate::reference::forces::FORCES;
use crate::reference::schema;
use crate::reference::vocab::{DetailedEthnicity, Ethnicity, OutcomeClass, Power, SearchGroup};
use crate::reference::{forces, month};
use month::Month;
use polars_arrow::bitmap::{Bitmap, MutableBitmap};

/// An Enum column from an iterator of category codes ([`NULL`] for null), stored in the
/// narrowest physical type the number of categories allows.
pub fn enum_from_codes<S: AsRef<str>>(
    name: &str,
    cats: &[S],
    height: usize,
    codes: impl Iterator<Item = u32>,
) -> PolarsResult<Column> {
    let frozen = FrozenCategories::new(cats.iter().map(|s| s.as_ref()))?;
    let dtype = DataType::from_frozen_categories(frozen.clone());
    let name = PlSmallStr::from(name);
    macro_rules! build {
        ($native:ty, $chunked:ty, $logical:ty) => {{
            let mut values: Vec<$native> = Vec::with_capacity(height);
            let mut validity = MutableBitmap::with_capacity(height);
            let mut nulls = 0usize;
            for c in codes {
                debug_assert!(c == NULL || (c as usize) < cats.len());
                let valid = c != NULL;
                nulls += usize::from(!valid);
                values.push(if valid { c as $native } else { 0 });
                validity.push(valid);
            }
            let validity = (nulls > 0).then(|| Bitmap::from(validity));
            let phys = <$chunked>::from_vec_validity(name, values, validity);
            // SAFETY: every valid code is an index into `cats`.
            unsafe { <$logical>::from_cats_and_dtype_unchecked(phys, dtype) }.into_series()
        }};
    }
    let series = match frozen.physical() {
        CategoricalPhysical::U8 => build!(u8, UInt8Chunked, Categorical8Chunked),
        CategoricalPhysical::U16 => build!(u16, UInt16Chunked, Categorical16Chunked),
        CategoricalPhysical::U32 => build!(u32, UInt32Chunked, Categorical32Chunked),
    };
    Ok(series.into_column())
}

/// An Enum column from a slice of codes.
pub fn enum_column<S: AsRef<str>>(name: &str, cats: &[S], codes: &[u32]) -> PolarsResult<Column> {
    enum_from_codes(name, cats, codes.len(), codes.iter().copied())
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

fn u32_col(name: &str, values: Vec<u32>) -> Column {
    UInt32Chunked::from_vec(name.into(), values).into_column()
}

fn str_col(name: &str, values: impl Iterator<Item = Option<String>>) -> Column {
    StringChunked::from_iter_options(name.into(), values).into_column()
}

/// The searches table, built column by column from every file's rows: each label column is
/// freed in the files as soon as the table's columns made from it are built, so the rows are
/// never held twice over.
pub fn searches(
    files: &mut [FileRows],
    norm: &Normaliser,
    months: &[Month],
    sources: &[String],
    districts: Option<&Locating>,
) -> PolarsResult<DataFrame> {
    let height: usize = files.iter().map(|f| f.batch.len()).sum();
    // Made first, while every file still knows its length.
    let grounds = grounds_columns(files, norm, height);
    let mut columns = Vec::with_capacity(31);
    columns.extend(when_columns(files, months, height)?);
    columns.extend(label_columns(files, norm, height)?);
    let districts = district_columns(files, height, districts)?;
    columns.extend(location_columns(files, height));
    columns.extend(districts);
    columns.extend(source_columns(files, sources, height)?);
    columns.extend(grounds);
    checked(&schema::SEARCHES, DataFrame::new(height, columns)?)
}

/// One value per row of a file.
fn per_file(f: &FileRows, v: u32) -> std::iter::RepeatN<u32> {
    std::iter::repeat_n(v, f.batch.len())
}

/// Force, month, year, financial year and datetime; takes the datetimes out of the files.
fn when_columns(
    files: &mut [FileRows],
    months: &[Month],
    height: usize,
) -> PolarsResult<Vec<Column>> {
    let month_code = |m: Month| months.iter().position(|x| *x == m).unwrap_or(0) as u32;
    let (fy_cats, fy_of_month) = financial_years(months);
    let mut columns = Vec::with_capacity(5);
    columns.push(enum_from_codes(
        "force",
        &force_ids(),
        height,
        files.iter().flat_map(|f| {
            per_file(
                f,
                forces::index_of(f.force.id).expect("a known force") as u32,
            )
        }),
    )?);
    columns.push(enum_from_codes(
        "month",
        &month_texts(months),
        height,
        files.iter().flat_map(|f| per_file(f, month_code(f.month))),
    )?);
    let year: Vec<i32> = files
        .iter()
        .flat_map(|f| std::iter::repeat_n(i32::from(f.month.year()), f.batch.len()))
        .collect();
    columns.push(Int32Chunked::from_vec("year".into(), year).into_column());
    columns.push(enum_from_codes(
        "financial_year",
        &fy_cats,
        height,
        files
            .iter()
            .flat_map(|f| per_file(f, fy_of_month[month_code(f.month) as usize])),
    )?);
    let mut datetime = Vec::with_capacity(height);
    for f in files.iter_mut() {
        datetime.extend(std::mem::take(&mut f.batch.datetime));
    }
    let no_time = crate::input::ingest::batch::NO_TIME;
    let validity = datetime
        .contains(&no_time)
        .then(|| Bitmap::from_iter(datetime.iter().map(|&t| t != no_time)));
    columns.push(
        Int64Chunked::from_vec_validity("datetime".into(), datetime, validity)
            .into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
            .into_column(),
    );
    Ok(columns)
}

/// The global codes of a column, per row, for the columns made from it.
fn globals<'a>(
    files: &'a [FileRows],
    norm: &'a Normaliser,
    c: LabelCol,
) -> impl Iterator<Item = u32> + 'a {
    files.iter().enumerate().flat_map(move |(fi, f)| {
        f.batch.labels[c.index()]
            .codes
            .iter()
            .map(move |&l| norm.global(c, fi, l))
    })
}

/// A raw label column, in global codes.
fn raw(files: &[FileRows], norm: &Normaliser, height: usize, c: LabelCol) -> PolarsResult<Column> {
    enum_from_codes(c.name(), norm.cats(c), height, globals(files, norm, c))
}

/// Drops a label column's codes from the files once its columns are built.
fn free(files: &mut [FileRows], c: LabelCol) {
    for f in files.iter_mut() {
        f.batch.labels[c.index()].codes = Vec::new();
    }
}

/// The label columns, raw and normalised, each freed from the files once used.
fn label_columns(
    files: &mut [FileRows],
    norm: &Normaliser,
    height: usize,
) -> PolarsResult<Vec<Column>> {
    let mut columns = Vec::with_capacity(18);
    for c in [LabelCol::Type, LabelCol::Gender, LabelCol::AgeRange] {
        columns.push(raw(files, norm, height, c)?);
        free(files, c);
    }
    let sde = LabelCol::SelfDefinedEthnicity;
    columns.push(raw(files, norm, height, sde)?);
    columns.push(enum_from_codes(
        "ethnicity",
        Ethnicity::TEXTS,
        height,
        globals(files, norm, sde).map(|g| norm.ethnicity(g)),
    )?);
    columns.push(enum_from_codes(
        "ethnicity_detailed",
        DetailedEthnicity::TEXTS,
        height,
        globals(files, norm, sde).map(|g| norm.ethnicity_detailed(g)),
    )?);
    free(files, sde);
    columns.push(raw(files, norm, height, LabelCol::OfficerDefinedEthnicity)?);
    free(files, LabelCol::OfficerDefinedEthnicity);
    columns.push(raw(files, norm, height, LabelCol::Legislation)?);
    columns.push(raw(files, norm, height, LabelCol::ObjectOfSearch)?);
    columns.push(enum_from_codes(
        "search_group",
        SearchGroup::TEXTS,
        height,
        globals(files, norm, LabelCol::ObjectOfSearch)
            .zip(globals(files, norm, LabelCol::Legislation))
            .map(|(o, l)| norm.search_group(o, l)),
    )?);
    columns.push(enum_from_codes(
        "power",
        Power::TEXTS,
        height,
        globals(files, norm, LabelCol::Legislation).map(|l| norm.power(l)),
    )?);
    let suspicion = globals(files, norm, LabelCol::Legislation)
        .map(|l| Power::ALL[norm.power(l) as usize].suspicion_required());
    columns.push(
        BooleanChunked::from_iter_options("suspicion_required".into(), suspicion).into_column(),
    );
    free(files, LabelCol::ObjectOfSearch);
    free(files, LabelCol::Legislation);
    columns.push(raw(files, norm, height, LabelCol::Outcome)?);
    columns.push(enum_from_codes(
        "outcome_class",
        OutcomeClass::TEXTS,
        height,
        globals(files, norm, LabelCol::Outcome).map(|g| norm.outcome_class(g)),
    )?);
    free(files, LabelCol::Outcome);
    for c in [
        LabelCol::OutcomeLinked,
        LabelCol::StripSearch,
        LabelCol::PartOfOperation,
    ] {
        let values = globals(files, norm, c).map(|g| norm.boolean(c, g));
        columns.push(BooleanChunked::from_iter_options(c.name().into(), values).into_column());
        free(files, c);
    }
    columns.push(raw(files, norm, height, LabelCol::PolicingOperation)?);
    free(files, LabelCol::PolicingOperation);
    Ok(columns)
}

/// What the district columns need: the boundaries and every distinct point already placed.
pub struct Locating<'a> {
    pub geography: &'a Geography,
    pub placed: &'a Placed,
}

/// District code and name and location status of every search (all null without boundaries);
/// reads the coordinates, so runs before they are taken out of the files.
fn district_columns(
    files: &[FileRows],
    height: usize,
    loc: Option<&Locating>,
) -> PolarsResult<Vec<Column>> {
    let lads: &[crate::geography::Lad] = loc.map_or(&[], |l| &l.geography.boundaries.lads);
    let codes: Vec<&str> = lads.iter().map(|l| l.code.as_str()).collect();
    let names: Vec<&str> = lads.iter().map(|l| l.name.as_str()).collect();
    let (lad, status): (Vec<u32>, Vec<u32>) = match loc {
        None => (vec![NULL; height], vec![NULL; height]),
        Some(l) => {
            use rayon::prelude::*;
            let per_file: Vec<(Vec<u32>, Vec<u32>)> = files
                .par_iter()
                .map(|f| {
                    // Relative to the force's own area, also with the City merged into the
                    // Met: a Met search in the City's district is not in the Met's area.
                    let own: Vec<&str> = f.force.pfa_code.into_iter().collect();
                    let points = f.batch.longitude.iter().zip(&f.batch.latitude);
                    points
                        .map(|(&lon, &lat)| {
                            let (d, s) =
                                crate::geography::status(l.geography, l.placed, &own, lon, lat);
                            (d.unwrap_or(NULL), s as u32)
                        })
                        .unzip()
                })
                .collect();
            let (lads, statuses): (Vec<_>, Vec<_>) = per_file.into_iter().unzip();
            (lads.concat(), statuses.concat())
        }
    };
    let column = |name: &str, cats: &[&str], values: &[u32]| {
        enum_from_codes(name, cats, height, values.iter().copied())
    };
    Ok(vec![
        column("lad_code", &codes, &lad)?,
        column("lad_name", &names, &lad)?,
        column("location_status", &LocationStatus::TEXTS, &status)?,
    ])
}

/// Latitude and longitude, NaN as null; takes them out of the files.
fn location_columns(files: &mut [FileRows], height: usize) -> Vec<Column> {
    let mut columns = Vec::with_capacity(2);
    for name in ["latitude", "longitude"] {
        let mut values = Vec::with_capacity(height);
        for f in files.iter_mut() {
            let v = if name == "latitude" {
                &mut f.batch.latitude
            } else {
                &mut f.batch.longitude
            };
            values.extend(std::mem::take(v));
        }
        let validity: MutableBitmap = values.iter().map(|v| !v.is_nan()).collect();
        let validity = (validity.unset_bits() > 0).then(|| Bitmap::from(validity));
        columns
            .push(Float64Chunked::from_vec_validity(name.into(), values, validity).into_column());
    }
    columns
}

/// Source file and line; the file's source is read before its lines (and so its length)
/// are taken out.
fn source_columns(
    files: &mut [FileRows],
    sources: &[String],
    height: usize,
) -> PolarsResult<Vec<Column>> {
    let file = enum_from_codes(
        "source_file",
        sources,
        height,
        files.iter().flat_map(|f| per_file(f, f.source)),
    )?;
    let mut line = Vec::with_capacity(height);
    for f in files.iter_mut() {
        line.extend(std::mem::take(&mut f.batch.line));
    }
    Ok(vec![file, u32_col("source_line", line)])
}

/// The grounds text of extracts, its categories and the smell-only flag; null for
/// data.police.uk rows, which carry no grounds.
fn grounds_columns(files: &[FileRows], norm: &Normaliser, height: usize) -> [Column; 3] {
    let g = &norm.grounds;
    if !g.any() {
        return [
            Column::full_null("grounds_text".into(), height, &DataType::String),
            Column::full_null("grounds_categories".into(), height, &DataType::String),
            Column::full_null("smell_only".into(), height, &DataType::Boolean),
        ];
    }
    let mut index: Vec<u32> = Vec::with_capacity(height);
    for (fi, f) in files.iter().enumerate() {
        match &f.batch.grounds {
            Some(labels) => index.extend(
                labels
                    .codes
                    .iter()
                    .map(|&l| g.global(fi, l).map_or(NULL, |i| i as u32)),
            ),
            None => index.extend(std::iter::repeat_n(NULL, f.batch.len())),
        }
    }
    let at = |i: &u32| (*i != NULL).then_some(*i as usize);
    [
        str_col(
            "grounds_text",
            index.iter().map(|i| at(i).map(|i| g.texts[i].clone())),
        ),
        str_col(
            "grounds_categories",
            index.iter().map(|i| at(i).map(|i| g.categories[i].clone())),
        ),
        BooleanChunked::from_iter_options(
            "smell_only".into(),
            index.iter().map(|i| at(i).map(|i| g.smell_only[i])),
        )
        .into_column(),
    ]
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
    checked(&schema::REJECTS, DataFrame::new(rows.len(), columns)?)
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
    checked(&schema::QUALITY, DataFrame::new(rows.len(), columns)?)
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
        Float64Chunked::from_iter_options(
            "trailing_median".into(),
            rows.iter().map(|r| r.trailing_median),
        )
        .into_column(),
        BooleanChunked::from_iter_values(
            "partial_suspected".into(),
            rows.iter().map(|r| r.partial_suspected),
        )
        .into_column(),
        BooleanChunked::from_iter_values(
            "spike_suspected".into(),
            rows.iter().map(|r| r.spike_suspected),
        )
        .into_column(),
    ];
    checked(&schema::COVERAGE, DataFrame::new(rows.len(), columns)?)
}

/// Guards the data dictionary: the frame must have exactly the documented columns, in order.
fn checked(doc: &schema::TableDoc, df: DataFrame) -> PolarsResult<DataFrame> {
    let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    let documented: Vec<&str> = doc.columns.iter().map(|c| c.name).collect();
    polars_ensure!(
        names == documented,
        SchemaMismatch: "table {} has columns {:?}, but the data dictionary lists {:?}",
        doc.name, names, documented
    );
    Ok(df)
}
