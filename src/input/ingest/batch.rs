//! The rows of one source as read, before normalisation: label columns interned into a
//! per-file dictionary (a few dozen distinct labels over thousands of rows), so that
//! normalisation works on each distinct label once instead of on every row.

use std::collections::HashMap;

/// Columns whose values are labels from a small vocabulary (or free text, kept raw).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LabelCol {
    Type,
    PartOfOperation,
    PolicingOperation,
    Gender,
    AgeRange,
    SelfDefinedEthnicity,
    OfficerDefinedEthnicity,
    Legislation,
    ObjectOfSearch,
    Outcome,
    OutcomeLinked,
    StripSearch,
}

pub const N_LABELS: usize = 12;

impl LabelCol {
    pub const ALL: [LabelCol; N_LABELS] = [
        LabelCol::Type,
        LabelCol::PartOfOperation,
        LabelCol::PolicingOperation,
        LabelCol::Gender,
        LabelCol::AgeRange,
        LabelCol::SelfDefinedEthnicity,
        LabelCol::OfficerDefinedEthnicity,
        LabelCol::Legislation,
        LabelCol::ObjectOfSearch,
        LabelCol::Outcome,
        LabelCol::OutcomeLinked,
        LabelCol::StripSearch,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// Name of the column in the searches table.
    pub fn name(self) -> &'static str {
        match self {
            LabelCol::Type => "type",
            LabelCol::PartOfOperation => "part_of_operation",
            LabelCol::PolicingOperation => "policing_operation",
            LabelCol::Gender => "gender",
            LabelCol::AgeRange => "age_range",
            LabelCol::SelfDefinedEthnicity => "self_defined_ethnicity",
            LabelCol::OfficerDefinedEthnicity => "officer_defined_ethnicity",
            LabelCol::Legislation => "legislation",
            LabelCol::ObjectOfSearch => "object_of_search",
            LabelCol::Outcome => "outcome",
            LabelCol::OutcomeLinked => "outcome_linked",
            LabelCol::StripSearch => "strip_search",
        }
    }

    /// Header of the column in a data.police.uk CSV.
    pub fn csv_header(self) -> &'static str {
        match self {
            LabelCol::Type => "Type",
            LabelCol::PartOfOperation => "Part of a policing operation",
            LabelCol::PolicingOperation => "Policing operation",
            LabelCol::Gender => "Gender",
            LabelCol::AgeRange => "Age range",
            LabelCol::SelfDefinedEthnicity => "Self-defined ethnicity",
            LabelCol::OfficerDefinedEthnicity => "Officer-defined ethnicity",
            LabelCol::Legislation => "Legislation",
            LabelCol::ObjectOfSearch => "Object of search",
            LabelCol::Outcome => "Outcome",
            LabelCol::OutcomeLinked => "Outcome linked to object of search",
            LabelCol::StripSearch => "Removal of more than just outer clothing",
        }
    }
}

/// Code for an empty field.
pub const NULL: u32 = u32::MAX;

/// `datetime` of a row with a date and no time (an extract without times): null in the table.
pub const NO_TIME: i64 = i64::MIN;

/// One label column of one file: a code per row into a dictionary of distinct labels, in the
/// order first seen.
#[derive(Debug, Default, Clone)]
pub struct Labels {
    pub codes: Vec<u32>,
    pub dict: Vec<Box<str>>,
    index: HashMap<Box<str>, u32, foldhash::fast::FixedState>,
    /// The last code pushed: neighbouring rows often repeat a label, and comparing with the
    /// last one is cheaper than hashing.
    last: u32,
}

impl Labels {
    /// A column read back from the cache: codes and dictionary, no index (no more pushes).
    pub fn from_parts(codes: Vec<u32>, dict: Vec<String>) -> Labels {
        Labels {
            codes,
            dict: dict.into_iter().map(String::into_boxed_str).collect(),
            ..Labels::default()
        }
    }

    /// Appends one value; leading and trailing spaces are dropped and empty means null.
    pub fn push(&mut self, value: &str) {
        let value = value.trim();
        if value.is_empty() {
            self.codes.push(NULL);
            return;
        }
        if let Some(last) = self.dict.get(self.last as usize)
            && **last == *value
        {
            self.codes.push(self.last);
            return;
        }
        let code = match self.index.get(value) {
            Some(&code) => code,
            None => {
                let code = self.dict.len() as u32;
                self.dict.push(value.into());
                self.index.insert(value.into(), code);
                code
            }
        };
        self.last = code;
        self.codes.push(code);
    }

    pub fn push_null(&mut self) {
        self.codes.push(NULL);
    }

    /// Rows per dictionary entry, plus the number of nulls.
    pub fn histogram(&self) -> (Vec<u32>, u32) {
        let mut counts = vec![0u32; self.dict.len()];
        let mut nulls = 0;
        for &c in &self.codes {
            if c == NULL {
                nulls += 1;
            } else {
                counts[c as usize] += 1;
            }
        }
        (counts, nulls)
    }
}

/// A value that could not be read as its type: the row is kept with a null and the value is
/// counted in the quality table.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Invalid {
    pub column: &'static str,
    pub value: String,
}

/// All rows kept from one source, in file order.
#[derive(Debug, Default, Clone)]
pub struct RawBatch {
    pub labels: [Labels; N_LABELS],
    /// Milliseconds since the epoch, UTC. A row without a readable date is rejected; an
    /// extract's row with a date and no time has [`NO_TIME`].
    pub datetime: Vec<i64>,
    /// NaN for an empty or invalid coordinate.
    pub latitude: Vec<f64>,
    pub longitude: Vec<f64>,
    /// Line in the CSV (the header is line 1), or 1-based position in the JSON array.
    pub line: Vec<u32>,
    /// Values that were present but unreadable (a latitude of `abc`), with their counts.
    pub invalid: HashMap<Invalid, u32>,
    /// Rows that were not UTF-8 and were decoded as Windows-1252.
    pub recoded: u32,
    /// Free-text grounds for the search: only force and FOI extracts carry them.
    pub grounds: Option<Labels>,
    /// Kept rows that repeat an earlier row of the file byte for byte: (row, first line).
    pub duplicates: Vec<(u32, u32)>,
}

impl RawBatch {
    pub fn len(&self) -> usize {
        self.line.len()
    }

    pub fn is_empty(&self) -> bool {
        self.line.is_empty()
    }

    /// Makes room for `rows` more rows in every column.
    pub fn reserve(&mut self, rows: usize) {
        for l in &mut self.labels {
            l.codes.reserve_exact(rows);
        }
        self.datetime.reserve_exact(rows);
        self.latitude.reserve_exact(rows);
        self.longitude.reserve_exact(rows);
        self.line.reserve_exact(rows);
    }

    /// Keeps the rows whose entry in `keep` is true.
    pub fn retain(&mut self, keep: &[bool]) {
        fn filter<T: Copy>(v: &mut Vec<T>, keep: &[bool]) {
            let mut i = 0;
            v.retain(|_| {
                i += 1;
                keep[i - 1]
            });
        }
        for l in &mut self.labels {
            filter(&mut l.codes, keep);
        }
        if let Some(g) = &mut self.grounds {
            filter(&mut g.codes, keep);
        }
        filter(&mut self.datetime, keep);
        filter(&mut self.latitude, keep);
        filter(&mut self.longitude, keep);
        filter(&mut self.line, keep);
    }

    pub fn label(&mut self, col: LabelCol) -> &mut Labels {
        &mut self.labels[col.index()]
    }

    /// Parses and appends a coordinate pair. An out-of-range or unparseable value becomes null
    /// and is counted; a pair with one half missing is kept as published.
    pub fn push_coordinates(&mut self, lat: &str, lon: &str) {
        let lat = self.coordinate("latitude", lat.trim(), 90.0);
        let lon = self.coordinate("longitude", lon.trim(), 180.0);
        self.latitude.push(lat);
        self.longitude.push(lon);
    }

    fn coordinate(&mut self, column: &'static str, text: &str, bound: f64) -> f64 {
        if text.is_empty() {
            return f64::NAN;
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() && v.abs() <= bound => v,
            _ => {
                self.count_invalid(column, text);
                f64::NAN
            }
        }
    }

    pub fn count_invalid(&mut self, column: &'static str, value: &str) {
        let value: String = value.chars().take(200).collect();
        *self.invalid.entry(Invalid { column, value }).or_insert(0) += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_and_histogram() {
        let mut l = Labels::default();
        for v in ["Male", "", "Female", " Male ", "Male"] {
            l.push(v);
        }
        assert_eq!(l.codes, [0, NULL, 1, 0, 0]);
        assert_eq!(l.dict, ["Male".into(), "Female".into()]);
        assert_eq!(l.histogram(), (vec![3, 1], 1));
    }

    #[test]
    fn coordinates() {
        let mut b = RawBatch::default();
        b.push_coordinates("51.455989", "-0.043536");
        b.push_coordinates("", "");
        b.push_coordinates("91", "x");
        assert_eq!(b.latitude[0], 51.455989);
        assert!(b.latitude[1].is_nan() && b.longitude[2].is_nan() && b.latitude[2].is_nan());
        assert_eq!(b.invalid.len(), 2);
    }
}
