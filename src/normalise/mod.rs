//! Normalise: merge the per-file label dictionaries into one per column and map each distinct
//! label once to its normalised value (outcome class, broad and detailed ethnicity, search
//! group, booleans). Also measures each file's quality: empty fields, labels not in the known
//! vocabularies, unreadable values.

pub mod vocab;

use std::collections::{BTreeSet, HashMap};

use crate::forces;
use crate::ingest::batch::{Invalid, LabelCol, NULL, RawBatch};
use crate::month::Month;
use vocab::{DetailedEthnicity, Ethnicity, OutcomeClass, SearchGroup};

/// Label columns published raw in the searches table, in table order.
pub const RAW_OUTPUT: [LabelCol; 9] = [
    LabelCol::Type,
    LabelCol::Gender,
    LabelCol::AgeRange,
    LabelCol::SelfDefinedEthnicity,
    LabelCol::OfficerDefinedEthnicity,
    LabelCol::Legislation,
    LabelCol::ObjectOfSearch,
    LabelCol::Outcome,
    LabelCol::PolicingOperation,
];

/// The known labels of a column, in the order categories are listed; `None` for free text.
pub fn vocabulary(col: LabelCol) -> Option<&'static [&'static str]> {
    Some(match col {
        LabelCol::Type => vocab::TYPES,
        LabelCol::PartOfOperation | LabelCol::OutcomeLinked | LabelCol::StripSearch => {
            vocab::BOOLEANS
        }
        LabelCol::PolicingOperation => return None,
        LabelCol::Gender => vocab::GENDERS,
        LabelCol::AgeRange => vocab::AGE_RANGES,
        LabelCol::SelfDefinedEthnicity => vocab::SELF_DEFINED_ETHNICITY,
        LabelCol::OfficerDefinedEthnicity => vocab::OFFICER_DEFINED_ETHNICITY,
        LabelCol::Legislation => vocab::LEGISLATION,
        LabelCol::ObjectOfSearch => vocab::OBJECTS,
        LabelCol::Outcome => vocab::OUTCOMES,
    })
}

/// One column of labels over all files: categories and a code per row ([`NULL`] for empty).
#[derive(Debug, Default, Clone)]
pub struct LabelColumn {
    /// Known labels in vocabulary order, then labels not in the vocabulary, sorted.
    pub cats: Vec<String>,
    pub codes: Vec<u32>,
}

/// A file's rows, ready to be merged.
pub struct FileRows {
    /// Position of the file in [`Searches::sources`].
    pub source: u32,
    pub force: &'static forces::Force,
    pub month: Month,
    pub batch: RawBatch,
}

/// Every kept row, normalised, in table order (force, month, line).
#[derive(Debug, Default)]
pub struct Searches {
    pub force: Vec<u8>,
    /// Categories of `month`: every month of the span, in order.
    pub months: Vec<Month>,
    pub month: Vec<u32>,
    /// Categories of `source_file`.
    pub sources: Vec<String>,
    pub source: Vec<u32>,
    pub line: Vec<u32>,
    pub datetime: Vec<i64>,
    pub latitude: Vec<f64>,
    pub longitude: Vec<f64>,
    /// The columns of [`RAW_OUTPUT`], in that order.
    pub raw: Vec<LabelColumn>,
    /// Codes into [`Ethnicity::ALL`].
    pub ethnicity: Vec<u32>,
    /// Codes into [`DetailedEthnicity::ALL`].
    pub ethnicity_detailed: Vec<u32>,
    /// Codes into [`SearchGroup::ALL`]; never null.
    pub search_group: Vec<u32>,
    /// Codes into [`OutcomeClass::ALL`]; never null.
    pub outcome_class: Vec<u32>,
    pub part_of_operation: Vec<Option<bool>>,
    pub outcome_linked: Vec<Option<bool>>,
    pub strip_search: Vec<Option<bool>>,
}

impl Searches {
    pub fn len(&self) -> usize {
        self.line.len()
    }

    pub fn is_empty(&self) -> bool {
        self.line.is_empty()
    }
}

/// What a quality row measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Measure {
    /// Rows where the column is empty (null in the searches table).
    Null,
    /// Rows carrying a label that is not in the known vocabulary (the label is given).
    UnknownLabel,
    /// Values present but unreadable (a latitude of `abc`); the row is kept with a null.
    InvalidValue,
    /// Self-defined ethnicity recorded as not stated (a value, not an empty field).
    NotStated,
    /// Rows that were not UTF-8 and were decoded as Windows-1252.
    RecodedWindows1252,
    /// Rows whose timestamp is more than an hour outside the file's month.
    DatetimeOutsideMonth,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Null => "null",
            Measure::UnknownLabel => "unknown_label",
            Measure::InvalidValue => "invalid_value",
            Measure::NotStated => "not_stated",
            Measure::RecodedWindows1252 => "recoded_windows_1252",
            Measure::DatetimeOutsideMonth => "datetime_outside_month",
        }
    }
}

/// One measurement of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QualityRow {
    pub source: u32,
    pub column: &'static str,
    pub measure: Measure,
    pub label: Option<String>,
    pub count: u32,
}

/// Merged dictionary of one label column.
struct Merged {
    cats: Vec<String>,
    known: Vec<bool>,
    /// Per file, local code → global code.
    maps: Vec<Vec<u32>>,
}

fn merge(col: LabelCol, batches: &[&RawBatch]) -> Merged {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for b in batches {
        seen.extend(b.labels[col.index()].dict.iter().map(|s| &**s));
    }
    let open = vocabulary(col).is_none();
    let vocabulary = vocabulary(col).unwrap_or(&[]);
    let mut cats: Vec<String> = vocabulary
        .iter()
        .filter(|l| seen.contains(*l))
        .map(|l| l.to_string())
        .collect();
    let n_known = cats.len();
    cats.extend(
        seen.iter()
            .filter(|l| !vocabulary.contains(l))
            .map(|l| l.to_string()),
    );
    let index: HashMap<&str, u32> = cats
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i as u32))
        .collect();
    let maps = batches
        .iter()
        .map(|b| {
            b.labels[col.index()]
                .dict
                .iter()
                .map(|l| index[&**l])
                .collect()
        })
        .collect();
    let known = (0..cats.len()).map(|i| i < n_known || open).collect();
    Merged { cats, known, maps }
}

fn position<T: PartialEq>(all: &[T], x: T) -> u32 {
    all.iter()
        .position(|a| *a == x)
        .expect("value of a closed set") as u32
}

/// Merges files (already in table order) and normalises their labels.
pub fn normalise(
    files: Vec<FileRows>,
    months: Vec<Month>,
    sources: Vec<String>,
) -> (Searches, Vec<QualityRow>) {
    let batches: Vec<&RawBatch> = files.iter().map(|f| &f.batch).collect();
    let merged: Vec<Merged> = LabelCol::ALL.iter().map(|&c| merge(c, &batches)).collect();
    let m = |c: LabelCol| &merged[c.index()];

    // Normalised value of each distinct label, computed once.
    let sde = m(LabelCol::SelfDefinedEthnicity);
    let (eth_of, detailed_of): (Vec<u32>, Vec<u32>) = sde
        .cats
        .iter()
        .map(|label| match vocab::self_defined_ethnicity(label) {
            Some((broad, detailed)) => (
                position(Ethnicity::ALL, broad),
                detailed.map_or(NULL, |d| position(DetailedEthnicity::ALL, d)),
            ),
            None => (
                vocab::ethnicity_from_prefix(label).map_or(NULL, |e| position(Ethnicity::ALL, e)),
                NULL,
            ),
        })
        .unzip();
    let not_stated = position(Ethnicity::ALL, Ethnicity::NotStated);
    let class_of: Vec<u32> = m(LabelCol::Outcome)
        .cats
        .iter()
        .map(|l| {
            position(
                OutcomeClass::ALL,
                vocab::outcome_class(l).unwrap_or(OutcomeClass::Other),
            )
        })
        .collect();
    let unknown_class = position(OutcomeClass::ALL, OutcomeClass::Unknown);
    let (objects, laws) = (
        &m(LabelCol::ObjectOfSearch).cats,
        &m(LabelCol::Legislation).cats,
    );
    // Search group of every (object, legislation) pair; the last row and column are null.
    let group_of: Vec<Vec<u32>> = (0..=objects.len())
        .map(|o| {
            (0..=laws.len())
                .map(|l| {
                    let g = vocab::search_group(
                        objects.get(o).map(String::as_str),
                        laws.get(l).map(String::as_str),
                    );
                    position(SearchGroup::ALL, g)
                })
                .collect()
        })
        .collect();
    let bool_of = |c: LabelCol| -> Vec<Option<bool>> {
        m(c).cats.iter().map(|l| vocab::boolean(l)).collect()
    };
    let bools = [
        bool_of(LabelCol::PartOfOperation),
        bool_of(LabelCol::OutcomeLinked),
        bool_of(LabelCol::StripSearch),
    ];

    let total: usize = files.iter().map(|f| f.batch.len()).sum();
    let mut s = Searches {
        months: months.clone(),
        sources,
        raw: RAW_OUTPUT
            .iter()
            .map(|&c| LabelColumn {
                cats: m(c).cats.clone(),
                codes: Vec::with_capacity(total),
            })
            .collect(),
        ..Default::default()
    };
    let mut quality = Vec::new();
    let month_index: HashMap<Month, u32> = months
        .iter()
        .enumerate()
        .map(|(i, m)| (*m, i as u32))
        .collect();

    for (fi, file) in files.into_iter().enumerate() {
        let b = file.batch;
        let n = b.len();
        let global = |c: LabelCol| -> Vec<u32> {
            let map = &m(c).maps[fi];
            b.labels[c.index()]
                .codes
                .iter()
                .map(|&code| {
                    if code == NULL {
                        NULL
                    } else {
                        map[code as usize]
                    }
                })
                .collect()
        };
        let force = forces::index_of(file.force.id).expect("sources have known forces") as u8;
        s.force.extend(std::iter::repeat_n(force, n));
        s.month
            .extend(std::iter::repeat_n(month_index[&file.month], n));
        s.source.extend(std::iter::repeat_n(file.source, n));
        s.line.extend_from_slice(&b.line);
        s.datetime.extend_from_slice(&b.datetime);
        s.latitude.extend_from_slice(&b.latitude);
        s.longitude.extend_from_slice(&b.longitude);

        let sde_codes = global(LabelCol::SelfDefinedEthnicity);
        let lookup = |table: &[u32], c: u32| if c == NULL { NULL } else { table[c as usize] };
        s.ethnicity
            .extend(sde_codes.iter().map(|&c| lookup(&eth_of, c)));
        s.ethnicity_detailed
            .extend(sde_codes.iter().map(|&c| lookup(&detailed_of, c)));
        s.outcome_class
            .extend(global(LabelCol::Outcome).iter().map(|&c| {
                if c == NULL {
                    unknown_class
                } else {
                    class_of[c as usize]
                }
            }));
        let (obj, law) = (
            global(LabelCol::ObjectOfSearch),
            global(LabelCol::Legislation),
        );
        s.search_group.extend(obj.iter().zip(&law).map(|(&o, &l)| {
            let o = if o == NULL { objects.len() } else { o as usize };
            let l = if l == NULL { laws.len() } else { l as usize };
            group_of[o][l]
        }));
        for (out, (c, table)) in [
            &mut s.part_of_operation,
            &mut s.outcome_linked,
            &mut s.strip_search,
        ]
        .into_iter()
        .zip(
            [
                LabelCol::PartOfOperation,
                LabelCol::OutcomeLinked,
                LabelCol::StripSearch,
            ]
            .iter()
            .zip(&bools),
        ) {
            out.extend(
                global(*c)
                    .iter()
                    .map(|&g| if g == NULL { None } else { table[g as usize] }),
            );
        }
        for (col, out) in RAW_OUTPUT.iter().zip(s.raw.iter_mut()) {
            out.codes.extend(global(*col));
        }

        // Quality of this file.
        let q = |column, measure, label: Option<String>, count| QualityRow {
            source: file.source,
            column,
            measure,
            label,
            count,
        };
        if n == 0 {
            continue;
        }
        let nan = |v: &[f64]| v.iter().filter(|x| x.is_nan()).count() as u32;
        quality.push(q("datetime", Measure::Null, None, 0));
        quality.push(q("latitude", Measure::Null, None, nan(&b.latitude)));
        quality.push(q("longitude", Measure::Null, None, nan(&b.longitude)));
        for col in LabelCol::ALL {
            let (counts, mut nulls) = b.labels[col.index()].histogram();
            let merged = m(col);
            let mut unknown = Vec::new();
            for (local, &count) in counts.iter().enumerate() {
                let g = merged.maps[fi][local] as usize;
                if !merged.known[g] {
                    unknown.push(q(
                        col.name(),
                        Measure::UnknownLabel,
                        Some(merged.cats[g].clone()),
                        count,
                    ));
                    // An unknown boolean is published as null.
                    if vocabulary(col) == Some(vocab::BOOLEANS) {
                        nulls += count;
                    }
                }
            }
            quality.push(q(col.name(), Measure::Null, None, nulls));
            unknown.sort_by(|a, b| a.label.cmp(&b.label));
            quality.extend(unknown);
        }
        let stated = sde_codes
            .iter()
            .filter(|&&c| lookup(&eth_of, c) == not_stated)
            .count();
        quality.push(q(
            "self_defined_ethnicity",
            Measure::NotStated,
            None,
            stated as u32,
        ));
        let mut invalid: Vec<_> = b.invalid.iter().collect();
        invalid.sort();
        for (Invalid { column, value }, count) in invalid {
            quality.push(q(
                column,
                Measure::InvalidValue,
                Some(value.clone()),
                *count,
            ));
        }
        if b.recoded > 0 {
            quality.push(q("*", Measure::RecodedWindows1252, None, b.recoded));
        }
        let (from, to) = (
            file.month.start_millis() - 3_600_000,
            file.month.next().start_millis() + 3_600_000,
        );
        let outside = b.datetime.iter().filter(|&&t| t < from || t >= to).count() as u32;
        if outside > 0 {
            quality.push(q("datetime", Measure::DatetimeOutsideMonth, None, outside));
        }
    }
    (s, quality)
}
