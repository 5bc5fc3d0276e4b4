//! Normalise: merge the per-file label dictionaries into one per column and map each distinct
//! label once to its normalised value (outcome class, broad and detailed ethnicity, search
//! group, booleans). Also measures each file's quality: empty fields, labels not in the known
//! vocabularies, unreadable values.

pub mod coverage;
#[cfg(feature = "pipeline")]
pub mod frame;
pub mod grounds;
#[cfg(feature = "pipeline")]
pub mod ledger;

use std::collections::{BTreeSet, HashMap};

use crate::input::ingest::batch::{Invalid, LabelCol, NULL, RawBatch};
use crate::normalise::grounds::Classifier;
use crate::reference::forces;
use crate::reference::month::Month;
use crate::reference::vocab::{
    self, DetailedEthnicity, Ethnicity, OutcomeClass, Power, SearchGroup,
};

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

/// A file's rows, ready to be merged.
pub struct FileRows {
    /// Position of the file in the `source_file` categories.
    pub source: u32,
    pub force: &'static forces::Force,
    pub month: Month,
    pub batch: RawBatch,
    /// Rows repeating an earlier row of the file, where the reader counts them (CSV files).
    pub exact_duplicates: Option<u32>,
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
    /// Rows identical, byte for byte, to an earlier row of the same file.
    ExactDuplicate,
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
            Measure::ExactDuplicate => "exact_duplicate",
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
    /// Known labels in vocabulary order, then labels not in the vocabulary, sorted.
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

/// The dictionaries of every file merged, and what each distinct label normalises to:
/// computed once per label, applied per row by table lookup.
pub struct Normaliser {
    merged: Vec<Merged>,
    /// Self-defined ethnicity category → code in [`Ethnicity::ALL`] / [`DetailedEthnicity::ALL`].
    eth_of: Vec<u32>,
    detailed_of: Vec<u32>,
    /// Outcome category → code in [`OutcomeClass::ALL`].
    class_of: Vec<u32>,
    /// Search group of every (object, legislation) pair; the last row and column are null.
    group_of: Vec<Vec<u32>>,
    /// Power of each legislation category.
    power_of: Vec<u32>,
    /// Boolean label category → value, for each label column (unused columns empty).
    bool_of: Vec<Vec<Option<bool>>>,
    pub grounds: Grounds,
}

/// Free-text grounds over all files, each distinct text classified once.
pub struct Grounds {
    /// Distinct texts, sorted.
    pub texts: Vec<String>,
    /// Per file, local code → index in `texts`; `None` for files without grounds.
    maps: Vec<Option<Vec<u32>>>,
    /// Per text, its categories joined by `;` in rule order.
    pub categories: Vec<String>,
    pub smell_only: Vec<bool>,
    /// The category names, in rule order.
    pub names: Vec<String>,
}

impl Grounds {
    fn new(batches: &[&RawBatch], classifier: &Classifier) -> Grounds {
        let texts: Vec<String> = batches
            .iter()
            .filter_map(|b| b.grounds.as_ref())
            .flat_map(|g| g.dict.iter().map(|s| &**s))
            .collect::<BTreeSet<&str>>()
            .into_iter()
            .map(str::to_owned)
            .collect();
        let index: HashMap<&str, u32> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| (t.as_str(), i as u32))
            .collect();
        let maps = batches
            .iter()
            .map(|b| {
                b.grounds
                    .as_ref()
                    .map(|g| g.dict.iter().map(|t| index[&**t]).collect())
            })
            .collect();
        let names: Vec<String> = classifier.names().into_iter().map(str::to_owned).collect();
        let found: Vec<Vec<usize>> = texts.iter().map(|t| classifier.classify(t)).collect();
        Grounds {
            categories: found
                .iter()
                .map(|cats| {
                    cats.iter()
                        .map(|&i| names[i].as_str())
                        .collect::<Vec<_>>()
                        .join(";")
                })
                .collect(),
            smell_only: found.iter().map(|c| classifier.smell_only(c)).collect(),
            texts,
            maps,
            names,
        }
    }

    /// The index in `texts` of a file's local code; `None` for an empty field or a file
    /// without grounds.
    pub fn global(&self, file: usize, local: u32) -> Option<usize> {
        let map = self.maps[file].as_ref()?;
        (local != NULL).then(|| map[local as usize] as usize)
    }

    pub fn any(&self) -> bool {
        self.maps.iter().any(Option::is_some)
    }
}

impl Normaliser {
    pub fn new(batches: &[&RawBatch], classifier: &Classifier) -> Normaliser {
        let merged: Vec<Merged> = LabelCol::ALL.iter().map(|&c| merge(c, batches)).collect();
        let m = |c: LabelCol| &merged[c.index()];
        let (eth_of, detailed_of): (Vec<u32>, Vec<u32>) = m(LabelCol::SelfDefinedEthnicity)
            .cats
            .iter()
            .map(|label| match vocab::self_defined_ethnicity(label) {
                Some((broad, detailed)) => (
                    position(Ethnicity::ALL, broad),
                    detailed.map_or(NULL, |d| position(DetailedEthnicity::ALL, d)),
                ),
                None => (
                    vocab::ethnicity_from_prefix(label)
                        .map_or(NULL, |e| position(Ethnicity::ALL, e)),
                    NULL,
                ),
            })
            .unzip();
        let class_of = m(LabelCol::Outcome)
            .cats
            .iter()
            .map(|l| {
                let class = vocab::outcome_class(l).unwrap_or(OutcomeClass::Other);
                position(OutcomeClass::ALL, class)
            })
            .collect();
        let (objects, laws) = (
            &m(LabelCol::ObjectOfSearch).cats,
            &m(LabelCol::Legislation).cats,
        );
        let group_of = (0..=objects.len())
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
        let power_of = laws
            .iter()
            .map(|l| position(Power::ALL, vocab::power(Some(l))))
            .collect();
        let bool_of = LabelCol::ALL
            .iter()
            .map(|&c| {
                if vocabulary(c) == Some(vocab::BOOLEANS) {
                    m(c).cats.iter().map(|l| vocab::boolean(l)).collect()
                } else {
                    Vec::new()
                }
            })
            .collect();
        Normaliser {
            merged,
            eth_of,
            detailed_of,
            class_of,
            group_of,
            power_of,
            bool_of,
            grounds: Grounds::new(batches, classifier),
        }
    }

    /// Categories of a label column over all files.
    pub fn cats(&self, c: LabelCol) -> &[String] {
        &self.merged[c.index()].cats
    }

    /// The global code of a file's local code ([`NULL`] stays null).
    pub fn global(&self, c: LabelCol, file: usize, local: u32) -> u32 {
        if local == NULL {
            NULL
        } else {
            self.merged[c.index()].maps[file][local as usize]
        }
    }

    fn lookup(table: &[u32], global: u32) -> u32 {
        if global == NULL {
            NULL
        } else {
            table[global as usize]
        }
    }

    /// Broad ethnicity code of a self-defined ethnicity category.
    pub fn ethnicity(&self, sde: u32) -> u32 {
        Self::lookup(&self.eth_of, sde)
    }

    pub fn ethnicity_detailed(&self, sde: u32) -> u32 {
        Self::lookup(&self.detailed_of, sde)
    }

    /// Outcome class of an outcome category; an empty outcome is `unknown`.
    pub fn outcome_class(&self, outcome: u32) -> u32 {
        if outcome == NULL {
            position(OutcomeClass::ALL, OutcomeClass::Unknown)
        } else {
            self.class_of[outcome as usize]
        }
    }

    pub fn search_group(&self, object: u32, legislation: u32) -> u32 {
        let o = if object == NULL {
            self.group_of.len() - 1
        } else {
            object as usize
        };
        let row = &self.group_of[o];
        let l = if legislation == NULL {
            row.len() - 1
        } else {
            legislation as usize
        };
        row[l]
    }

    /// Power of a legislation category; an empty field is `unknown`.
    pub fn power(&self, legislation: u32) -> u32 {
        if legislation == NULL {
            position(Power::ALL, Power::Unknown)
        } else {
            self.power_of[legislation as usize]
        }
    }

    pub fn boolean(&self, c: LabelCol, global: u32) -> Option<bool> {
        if global == NULL {
            None
        } else {
            self.bool_of[c.index()][global as usize]
        }
    }

    /// Measures one file's quality.
    pub fn quality(&self, fi: usize, file: &FileRows) -> Vec<QualityRow> {
        let b = &file.batch;
        let q = |column, measure, label: Option<String>, count| QualityRow {
            source: file.source,
            column,
            measure,
            label,
            count,
        };
        let mut quality = Vec::new();
        if b.is_empty() {
            return quality;
        }
        let nan = |v: &[f64]| v.iter().filter(|x| x.is_nan()).count() as u32;
        let no_time = b
            .datetime
            .iter()
            .filter(|&&t| t == crate::input::ingest::batch::NO_TIME)
            .count() as u32;
        quality.push(q("datetime", Measure::Null, None, no_time));
        quality.push(q("latitude", Measure::Null, None, nan(&b.latitude)));
        quality.push(q("longitude", Measure::Null, None, nan(&b.longitude)));
        let not_stated = position(Ethnicity::ALL, Ethnicity::NotStated);
        for col in LabelCol::ALL {
            let (counts, mut nulls) = b.labels[col.index()].histogram();
            let merged = &self.merged[col.index()];
            let mut unknown = Vec::new();
            let mut stated = 0;
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
                if col == LabelCol::SelfDefinedEthnicity && self.eth_of[g] == not_stated {
                    stated += count;
                }
            }
            quality.push(q(col.name(), Measure::Null, None, nulls));
            unknown.sort_by(|a, b| a.label.cmp(&b.label));
            quality.extend(unknown);
            if col == LabelCol::SelfDefinedEthnicity {
                quality.push(q(col.name(), Measure::NotStated, None, stated));
            }
        }
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
        if let Some(g) = &b.grounds {
            quality.push(q("grounds_text", Measure::Null, None, g.histogram().1));
        }
        if b.recoded > 0 {
            quality.push(q("*", Measure::RecodedWindows1252, None, b.recoded));
        }
        let (from, to) = (
            file.month.start_millis() - 3_600_000,
            file.month.next().start_millis() + 3_600_000,
        );
        let outside = b
            .datetime
            .iter()
            .filter(|&&t| t != crate::input::ingest::batch::NO_TIME && (t < from || t >= to))
            .count() as u32;
        if outside > 0 {
            quality.push(q("datetime", Measure::DatetimeOutsideMonth, None, outside));
        }
        // Always written where counted, so none (0) is told apart from not measured.
        if let Some(n) = file.exact_duplicates {
            quality.push(q("*", Measure::ExactDuplicate, None, n));
        }
        quality
    }
}
