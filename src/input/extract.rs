//! Force and FOI extracts: a force's own export (CSV or XLSX, in its own layout) read through a
//! mapping file (TOML) into the same raw rows as data.police.uk files, plus the free-text
//! grounds that data.police.uk never publishes.
//!
//! An extract spans many months, so its rows are split into one part per force-month (the
//! month of the search's local date); each part then goes through normalisation and the tables
//! exactly like a data.police.uk file. Values the mapping translates (codes such as `W1` or
//! `IC3`) become data.police.uk labels; values it does not translate are kept as found and
//! counted in the quality table as unknown labels. A row whose date (or force) cannot be read
//! is rejected with its line and reason.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde::Deserialize;

use crate::error::{Error, FileProblem, Result};
use crate::input::ingest::batch::{LabelCol, Labels, RawBatch};
use crate::input::ingest::{Parsed, Reject};
use crate::input::source::{Kind, Source};
use crate::reference::forces::{self, Force};
use crate::reference::month::Month;

// ---------------------------------------------------------------------------------------------
// The mapping file.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    extract: ExtractSection,
    columns: Columns,
    #[serde(default)]
    values: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtractSection {
    name: Option<String>,
    #[serde(default)]
    files: Vec<String>,
    sheet: Option<String>,
    force: Option<String>,
    #[serde(default)]
    constructed_for_tests: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Columns {
    date: String,
    date_format: String,
    time: Option<String>,
    time_format: Option<String>,
    force: Option<String>,
    #[serde(rename = "type")]
    type_: Option<String>,
    part_of_operation: Option<String>,
    policing_operation: Option<String>,
    gender: Option<String>,
    age_range: Option<String>,
    self_defined_ethnicity: Option<String>,
    officer_defined_ethnicity: Option<String>,
    legislation: Option<String>,
    object_of_search: Option<String>,
    outcome: Option<String>,
    outcome_linked: Option<String>,
    strip_search: Option<String>,
    latitude: Option<String>,
    longitude: Option<String>,
    grounds: Option<String>,
}

/// How a date is written in the extract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateFormat {
    /// A pattern such as `dd/mm/yyyy`, as a chrono format string, with the original for
    /// messages.
    Pattern { chrono: String, written: String },
    /// Days since 1899-12-30, as spreadsheets store dates.
    ExcelSerial,
}

impl DateFormat {
    /// Reads `dd/mm/yyyy`-style patterns (`dd`, `mm`, `yyyy`, and for times `HH`, `MM`, `SS`,
    /// with `/ - . : T` and spaces between) or `excel_serial`. Lower-case `mm` is the month and
    /// upper-case `MM` the minutes, so `dd/mm/yyyy HH:MM` is unambiguous.
    pub fn parse(written: &str) -> std::result::Result<DateFormat, String> {
        let w = written.trim();
        if matches!(w.to_ascii_lowercase().as_str(), "excel_serial" | "excel") {
            return Ok(DateFormat::ExcelSerial);
        }
        let mut chrono = String::new();
        let mut rest = w;
        let mut has = (false, false, false);
        while !rest.is_empty() {
            let token = ["yyyy", "dd", "mm", "HH", "MM", "SS"]
                .into_iter()
                .find(|t| rest.starts_with(t));
            if let Some(t) = token {
                chrono.push_str(match t {
                    "yyyy" => "%Y",
                    "dd" => "%d",
                    "mm" => "%m",
                    "HH" => "%H",
                    "MM" => "%M",
                    _ => "%S",
                });
                match t {
                    "yyyy" => has.0 = true,
                    "mm" => has.1 = true,
                    "dd" => has.2 = true,
                    _ => {}
                }
                rest = &rest[t.len()..];
                continue;
            }
            let c = rest.chars().next().unwrap_or_default();
            if matches!(c, '/' | '-' | '.' | ':' | ' ' | 'T') {
                chrono.push(c);
                rest = &rest[c.len_utf8()..];
            } else {
                return Err(invalid_format(written));
            }
        }
        if has != (true, true, true) {
            return Err(invalid_format(written));
        }
        Ok(DateFormat::Pattern {
            chrono,
            written: w.to_owned(),
        })
    }
}

fn invalid_format(written: &str) -> String {
    format!(
        "invalid date format {written:?}: write it with dd, mm and yyyy (and HH, MM, SS for a \
         time) separated by / - . : or spaces, e.g. \"dd/mm/yyyy\" or \"yyyy-mm-dd HH:MM\"; or \
         \"excel_serial\" for spreadsheet day numbers"
    )
}

/// Where a record's force comes from.
#[derive(Debug, Clone)]
pub enum ForceSpec {
    Fixed(&'static Force),
    /// A column holding force ids or names (after the `[values.force]` map).
    Column(String),
}

/// A mapping file, read and checked.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub path: PathBuf,
    pub name: String,
    /// File-name patterns (`*`, `?`) of the extracts it applies to in folders.
    pub files: Vec<glob::Pattern>,
    pub sheet: Option<String>,
    pub force: ForceSpec,
    /// Constructed test data: the run is marked as such and never mixed with real data.
    pub constructed_for_tests: bool,
    date: (String, DateFormat),
    time: Option<(String, String)>,
    labels: Vec<(LabelCol, String)>,
    latitude: Option<String>,
    longitude: Option<String>,
    grounds: Option<String>,
    /// Per field: source value → label, looked up as written, then ignoring case.
    values: HashMap<String, ValueMap>,
}

#[derive(Debug, Clone, Default)]
struct ValueMap {
    exact: HashMap<String, String>,
    folded: HashMap<String, String>,
}

impl ValueMap {
    fn get(&self, value: &str) -> Option<&str> {
        self.exact
            .get(value)
            .or_else(|| self.folded.get(&value.to_lowercase()))
            .map(String::as_str)
    }
}

impl Mapping {
    pub fn load(path: &Path) -> Result<Mapping> {
        let fail = |message: String| Error::Mapping {
            file: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        Mapping::parse(path, &text).map_err(fail)
    }

    pub fn parse(path: &Path, text: &str) -> std::result::Result<Mapping, String> {
        let file: MappingFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let c = file.columns;
        let force = match (&file.extract.force, &c.force) {
            (Some(id), None) => ForceSpec::Fixed(forces::by_id(id.trim()).ok_or_else(|| {
                format!("[extract] force: unknown force id `{id}`; see the README for the 44 ids")
            })?),
            (None, Some(column)) => ForceSpec::Column(column.clone()),
            (Some(_), Some(_)) => {
                return Err(
                    "give either [extract] force (one force) or [columns] force (a column), not both"
                        .to_owned(),
                );
            }
            (None, None) => {
                return Err(
                    "say which force the records belong to: [extract] force = \"<force id>\", or \
                     [columns] force = \"<column>\""
                        .to_owned(),
                );
            }
        };
        let date_format =
            DateFormat::parse(&c.date_format).map_err(|e| format!("[columns] date_format: {e}"))?;
        let time = match (&c.time, &c.time_format) {
            (Some(col), format) => {
                let format = format.clone().unwrap_or_else(|| "HH:MM".to_owned());
                Some((col.clone(), time_format(&format)?))
            }
            (None, Some(_)) => return Err("[columns] time_format is given without time".to_owned()),
            (None, None) => None,
        };
        let labels: Vec<(LabelCol, String)> = LabelCol::ALL
            .into_iter()
            .filter_map(|col| {
                let column = match col {
                    LabelCol::Type => &c.type_,
                    LabelCol::PartOfOperation => &c.part_of_operation,
                    LabelCol::PolicingOperation => &c.policing_operation,
                    LabelCol::Gender => &c.gender,
                    LabelCol::AgeRange => &c.age_range,
                    LabelCol::SelfDefinedEthnicity => &c.self_defined_ethnicity,
                    LabelCol::OfficerDefinedEthnicity => &c.officer_defined_ethnicity,
                    LabelCol::Legislation => &c.legislation,
                    LabelCol::ObjectOfSearch => &c.object_of_search,
                    LabelCol::Outcome => &c.outcome,
                    LabelCol::OutcomeLinked => &c.outcome_linked,
                    LabelCol::StripSearch => &c.strip_search,
                };
                column.clone().map(|name| (col, name))
            })
            .collect();
        let mut values = HashMap::new();
        for (field, map) in file.values {
            let mapped = field == "force" && matches!(force, ForceSpec::Column(_))
                || labels.iter().any(|(col, _)| col.name() == field);
            if !mapped {
                return Err(format!(
                    "[values.{field}]: `{field}` is not a mapped column; map it under [columns] \
                     first (value maps apply to: force, {})",
                    LabelCol::ALL.map(LabelCol::name).join(", ")
                ));
            }
            let mut vm = ValueMap::default();
            for (from, to) in map {
                vm.folded
                    .insert(from.trim().to_lowercase(), to.trim().to_owned());
                vm.exact
                    .insert(from.trim().to_owned(), to.trim().to_owned());
            }
            values.insert(field, vm);
        }
        let files = file
            .extract
            .files
            .iter()
            .map(|p| {
                glob::Pattern::new(p).map_err(|e| format!("[extract] files: pattern {p:?}: {e}"))
            })
            .collect::<std::result::Result<_, _>>()?;
        Ok(Mapping {
            path: path.to_owned(),
            name: file.extract.name.unwrap_or_else(|| {
                path.file_stem()
                    .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
            }),
            files,
            sheet: file.extract.sheet,
            force,
            constructed_for_tests: file.extract.constructed_for_tests,
            date: (c.date, date_format),
            time,
            labels,
            latitude: c.latitude,
            longitude: c.longitude,
            grounds: c.grounds,
            values,
        })
    }

    /// Whether a file found in a folder is one of this mapping's extracts.
    pub fn applies_to(&self, file_name: &str) -> bool {
        self.files.iter().any(|p| p.matches(file_name))
    }

    /// Every source column the mapping reads, with the field it feeds.
    fn columns(&self) -> Vec<(&'static str, &str)> {
        let mut out = vec![("date", self.date.0.as_str())];
        if let Some((t, _)) = &self.time {
            out.push(("time", t));
        }
        if let ForceSpec::Column(c) = &self.force {
            out.push(("force", c));
        }
        out.extend(self.labels.iter().map(|(col, c)| (col.name(), c.as_str())));
        for (field, c) in [
            ("latitude", &self.latitude),
            ("longitude", &self.longitude),
            ("grounds", &self.grounds),
        ] {
            if let Some(c) = c {
                out.push((field, c));
            }
        }
        out
    }
}

fn time_format(written: &str) -> std::result::Result<String, String> {
    let w = written.trim();
    let chrono = match w {
        "HH:MM" => "%H:%M",
        "HH:MM:SS" => "%H:%M:%S",
        "HHMM" => "%H%M",
        "HH.MM" => "%H.%M",
        _ => {
            return Err(format!(
                "[columns] time_format: invalid time format {written:?}: use HH:MM, HH:MM:SS, \
                 HH.MM or HHMM"
            ));
        }
    };
    Ok(chrono.to_owned())
}

// ---------------------------------------------------------------------------------------------
// Reading an extract.

/// An extract file found by discovery, with the mapping it is read through.
#[derive(Debug, Clone)]
pub struct ExtractInput {
    pub id: String,
    pub path: PathBuf,
    pub size: u64,
    pub mapping: usize,
}

/// What one extract yielded.
#[derive(Debug)]
pub struct ExtractRead {
    /// One part per force-month, in force then month order.
    pub parts: Vec<(Source, Parsed)>,
    /// Rows rejected before a force-month could be told (an unreadable date or force).
    pub undated: Vec<Reject>,
    pub rows_read: u32,
    pub sha256: String,
}

/// A cell as read: text, or a spreadsheet number (dates are numbers in XLSX).
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.trim().to_owned(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// One record: its line (CSV line or spreadsheet row, the header being 1) and cells, or the
/// reason it could not be split into cells.
struct Record {
    line: u32,
    cells: std::result::Result<Vec<Cell>, String>,
    raw: String,
}

pub fn read(
    input: &ExtractInput,
    mapping: &Mapping,
    limit: u64,
) -> std::result::Result<ExtractRead, FileProblem> {
    let stored = std::fs::read(&input.path).map_err(FileProblem::read)?;
    let sha256 = crate::input::ingest::read::sha256_hex(&stored);
    let name = input.id.to_ascii_lowercase();
    let (header, records) = if name.ends_with(".xlsx") {
        if stored.len() as u64 > limit {
            return Err(FileProblem::TooLarge { limit });
        }
        read_xlsx(&stored, mapping)?
    } else {
        let data = if name.ends_with(".gz") {
            let mut out = Vec::new();
            flate2::read::MultiGzDecoder::new(&stored[..])
                .take(limit.saturating_add(1))
                .read_to_end(&mut out)
                .map_err(|e| FileProblem::Corrupt {
                    format: "gzip",
                    message: e.to_string(),
                })?;
            if out.len() as u64 > limit {
                return Err(FileProblem::TooLarge { limit });
            }
            out
        } else {
            if stored.len() as u64 > limit {
                return Err(FileProblem::TooLarge { limit });
            }
            stored
        };
        read_csv(&data)?
    };
    let slots = locate(&header, mapping)?;
    let mut out = split(records, &slots, mapping, input)?;
    out.sha256 = sha256;
    Ok(out)
}

fn read_csv(data: &[u8]) -> std::result::Result<(Vec<String>, Vec<Record>), FileProblem> {
    let mut reader = crate::input::ingest::csv::reader(data)?;
    let text = |f: &[u8]| match std::str::from_utf8(f) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(f)
            .0
            .into_owned(),
    };
    let mut rows = reader.byte_records();
    let header: Vec<String> = match rows.next() {
        Some(Ok(r)) => r.iter().map(|f| text(f).trim().to_owned()).collect(),
        Some(Err(e)) => return Err(FileProblem::read(e)),
        None => return Err(FileProblem::Empty),
    };
    let mut records = Vec::new();
    for r in rows {
        let r = r.map_err(FileProblem::read)?;
        let line = r.position().map_or(0, |p| p.line() as u32);
        let cells: Vec<Cell> = r
            .iter()
            .map(|f| {
                let t = text(f);
                if t.trim().is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(t)
                }
            })
            .collect();
        let raw = cells.iter().map(Cell::text).collect::<Vec<_>>().join(",");
        let cells = if cells.len() == header.len() {
            Ok(cells)
        } else {
            Err(format!(
                "wrong field count: expected {}, found {}",
                header.len(),
                cells.len()
            ))
        };
        records.push(Record { line, cells, raw });
    }
    Ok((header, records))
}

fn read_xlsx(
    data: &[u8],
    mapping: &Mapping,
) -> std::result::Result<(Vec<String>, Vec<Record>), FileProblem> {
    use calamine::{Data, Reader, Xlsx};
    let corrupt = |message: String| FileProblem::Corrupt {
        format: "xlsx",
        message,
    };
    let mut book: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(data)).map_err(|e| corrupt(e.to_string()))?;
    let sheets = book.sheet_names();
    let sheet = match &mapping.sheet {
        Some(s) => {
            if !sheets.contains(s) {
                return Err(FileProblem::Mapping(format!(
                    "the mapping {} names sheet {s:?}, which the workbook does not have (its \
                     sheets: {})",
                    mapping.path.display(),
                    sheets.join(", ")
                )));
            }
            s.clone()
        }
        None => sheets
            .first()
            .cloned()
            .ok_or_else(|| corrupt("no sheets".to_owned()))?,
    };
    let range = book
        .worksheet_range(&sheet)
        .map_err(|e| corrupt(e.to_string()))?;
    // Rows are numbered as the spreadsheet shows them, so a reject points at the right row.
    let first_row = range.start().map_or(0, |(r, _)| r) + 1;
    let cell = |d: &Data| match d {
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            if s.trim().is_empty() {
                Cell::Empty
            } else {
                Cell::Text(s.clone())
            }
        }
        Data::Bool(b) => Cell::Text(if *b { "True" } else { "False" }.to_owned()),
        Data::DateTime(dt) => Cell::Number(dt.as_f64()),
        Data::Error(e) => Cell::Text(format!("#{e:?}")),
        Data::Empty => Cell::Empty,
    };
    let mut rows = range.rows();
    let header: Vec<String> = match rows.next() {
        Some(r) => r.iter().map(|d| cell(d).text()).collect(),
        None => return Err(FileProblem::Empty),
    };
    let mut records = Vec::new();
    for (i, r) in rows.enumerate() {
        let cells: Vec<Cell> = r.iter().map(cell).collect();
        if cells.iter().all(|c| *c == Cell::Empty) {
            continue;
        }
        let raw = cells.iter().map(Cell::text).collect::<Vec<_>>().join(",");
        records.push(Record {
            line: first_row + 1 + i as u32,
            cells: Ok(cells),
            raw,
        });
    }
    Ok((header, records))
}

/// Column positions of what the mapping reads.
struct Slots {
    date: usize,
    time: Option<usize>,
    force: Option<usize>,
    labels: Vec<(LabelCol, usize)>,
    latitude: Option<usize>,
    longitude: Option<usize>,
    grounds: Option<usize>,
}

fn locate(header: &[String], mapping: &Mapping) -> std::result::Result<Slots, FileProblem> {
    let find = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .or_else(|| header.iter().position(|h| h.eq_ignore_ascii_case(name)))
    };
    let missing: Vec<String> = mapping
        .columns()
        .into_iter()
        .filter(|(_, c)| find(c).is_none())
        .map(|(field, c)| format!("`{c}` (for {field})"))
        .collect();
    if !missing.is_empty() {
        return Err(FileProblem::Mapping(format!(
            "the mapping {} names {} which the file does not have; its columns are: {}",
            mapping.path.display(),
            if missing.len() == 1 {
                format!("the column {}", missing[0])
            } else {
                format!("the columns {}", missing.join(", "))
            },
            header
                .iter()
                .map(|h| format!("`{h}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let at = |c: &str| find(c).expect("checked above");
    Ok(Slots {
        date: at(&mapping.date.0),
        time: mapping.time.as_ref().map(|(c, _)| at(c)),
        force: match &mapping.force {
            ForceSpec::Column(c) => Some(at(c)),
            ForceSpec::Fixed(_) => None,
        },
        labels: mapping.labels.iter().map(|(l, c)| (*l, at(c))).collect(),
        latitude: mapping.latitude.as_deref().map(at),
        longitude: mapping.longitude.as_deref().map(at),
        grounds: mapping.grounds.as_deref().map(at),
    })
}

/// Reads a date cell by the mapping's format; `Err` says why not.
fn read_date(
    cell: &Cell,
    format: &DateFormat,
) -> std::result::Result<(NaiveDate, Option<NaiveTime>), String> {
    let from_serial = |serial: f64| -> Option<(NaiveDate, Option<NaiveTime>)> {
        // Spreadsheet day 1 is 1900-01-01 and day 60 the 29 February 1900 that never was;
        // counting from 1899-12-30 is right for every date after it.
        if !(61.0..2_958_466.0).contains(&serial) {
            return None;
        }
        let days = serial.floor();
        let date = NaiveDate::from_ymd_opt(1899, 12, 30)?
            .checked_add_days(chrono::Days::new(days as u64))?;
        let seconds = ((serial - days) * 86_400.0).round() as u32;
        let time = (seconds > 0)
            .then(|| NaiveTime::from_num_seconds_from_midnight_opt(seconds.min(86_399), 0))
            .flatten();
        Some((date, time))
    };
    match (cell, format) {
        (Cell::Empty, _) => Err("missing date".to_owned()),
        // A real date cell in a spreadsheet, whatever format the mapping gives for text.
        (Cell::Number(n), _) => from_serial(*n).ok_or_else(|| format!("date out of range: {n}")),
        (Cell::Text(t), DateFormat::ExcelSerial) => t
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(from_serial)
            .ok_or_else(|| format!("unreadable date {:?} (expected excel_serial)", t.trim())),
        (Cell::Text(t), DateFormat::Pattern { chrono, written }) => {
            let t = t.trim();
            if chrono.contains("%H") {
                NaiveDateTime::parse_from_str(t, chrono)
                    .map(|dt| (dt.date(), Some(dt.time())))
                    .map_err(|_| format!("unreadable date {t:?} (expected {written})"))
            } else {
                NaiveDate::parse_from_str(t, chrono)
                    .map(|d| (d, None))
                    .map_err(|_| format!("unreadable date {t:?} (expected {written})"))
            }
        }
    }
}

fn read_time(cell: &Cell, chrono_format: &str) -> Option<std::result::Result<NaiveTime, String>> {
    match cell {
        Cell::Empty => None,
        // A spreadsheet time: a fraction of a day.
        Cell::Number(n) if (0.0..1.0).contains(n) => Some(
            NaiveTime::from_num_seconds_from_midnight_opt(
                (n * 86_400.0).round().min(86_399.0) as u32,
                0,
            )
            .ok_or_else(|| n.to_string()),
        ),
        other => {
            let t = other.text();
            Some(NaiveTime::parse_from_str(&t, chrono_format).map_err(|_| t))
        }
    }
}

/// Milliseconds since the epoch (UTC) of a local time in the UK. British Summer Time runs from
/// 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October (Summer
/// Time Order 2002). A local time that occurs twice (the October change) is taken as the
/// first, in summer time.
pub fn uk_local_to_utc_millis(local: NaiveDateTime) -> i64 {
    let as_utc = local.and_utc().timestamp_millis();
    let year = local.year();
    let last_sunday = |month: u32| {
        let last =
            NaiveDate::from_ymd_opt(year, month, 31).expect("March and October have 31 days");
        let back = last.weekday().num_days_from_sunday();
        last - chrono::Days::new(u64::from(back))
    };
    let start = last_sunday(3)
        .and_hms_opt(1, 0, 0)
        .expect("valid")
        .and_utc()
        .timestamp_millis();
    let end = last_sunday(10)
        .and_hms_opt(1, 0, 0)
        .expect("valid")
        .and_utc()
        .timestamp_millis();
    let summer = as_utc - 3_600_000;
    if (start..end).contains(&summer) {
        summer
    } else {
        as_utc
    }
}

/// Where a record belongs: its date and the force-month that date and its force make.
struct Placed<'r> {
    cells: &'r [Cell],
    date: NaiveDate,
    /// The time, when the date cell holds one.
    time_in_date: Option<NaiveTime>,
    force: &'static Force,
    month: Month,
}

/// Splits an extract's records into one part per force-month. A record whose force-month
/// cannot be told is rejected as undated; its other cells are read into its part's batch.
fn split(
    records: Vec<Record>,
    slots: &Slots,
    mapping: &Mapping,
    input: &ExtractInput,
) -> std::result::Result<ExtractRead, FileProblem> {
    let mut parts: BTreeMap<(usize, Month), Parsed> = BTreeMap::new();
    let mut undated = Vec::new();
    let rows_read = records.len() as u32;
    let force_values = mapping.values.get("force");
    for record in records {
        let placed = match place(&record, slots, mapping, force_values) {
            Ok(p) => p,
            Err(reason) => {
                undated.push(Reject {
                    line: record.line,
                    reason,
                    raw: record.raw.chars().take(4096).collect(),
                });
                continue;
            }
        };
        let force_index = forces::index_of(placed.force.id).expect("a known force");
        let part = parts
            .entry((force_index, placed.month))
            .or_insert_with(|| Parsed {
                batch: RawBatch {
                    grounds: Some(Labels::default()),
                    ..RawBatch::default()
                },
                ..Parsed::default()
            });
        push_row(part, record.line, &placed, slots, mapping);
    }
    Ok(ExtractRead {
        parts: into_sources(parts, mapping, input),
        undated,
        rows_read,
        sha256: String::new(),
    })
}

/// Reads a record's date and force, in that order; `Err` is the reason it is rejected (its
/// cells could not be split, or its date or force cannot be read).
fn place<'r>(
    record: &'r Record,
    slots: &Slots,
    mapping: &Mapping,
    force_values: Option<&ValueMap>,
) -> std::result::Result<Placed<'r>, String> {
    let cells = match &record.cells {
        Ok(c) => c,
        Err(reason) => return Err(reason.clone()),
    };
    let (date, time_in_date) = read_date(&cells[slots.date], &mapping.date.1)?;
    let force: &'static Force = match (&mapping.force, slots.force) {
        (ForceSpec::Fixed(f), _) => f,
        (ForceSpec::Column(_), Some(i)) => {
            let raw = cells[i].text();
            let value = force_values.and_then(|m| m.get(&raw)).unwrap_or(&raw);
            match forces::by_id(value).or_else(|| forces::by_name(value)) {
                Some(f) => f,
                None if raw.is_empty() => return Err("missing force".to_owned()),
                None => return Err(format!("unknown force {raw:?}")),
            }
        }
        (ForceSpec::Column(_), None) => unreachable!("located with the mapping"),
    };
    let Some(month) = Month::new(date.year() as u16, date.month() as u8) else {
        return Err(format!("date out of range: {date}"));
    };
    Ok(Placed {
        cells,
        date,
        time_in_date,
        force,
        month,
    })
}

/// Appends one placed record to its part: time (an unreadable one is counted invalid and
/// left out), line, coordinates, the mapped labels and the grounds.
fn push_row(part: &mut Parsed, line: u32, placed: &Placed, slots: &Slots, mapping: &Mapping) {
    let cells = placed.cells;
    part.rows_read += 1;
    let batch = &mut part.batch;
    let time = match (placed.time_in_date, slots.time, &mapping.time) {
        (Some(t), _, _) => Some(t),
        (None, Some(i), Some((_, format))) => match read_time(&cells[i], format) {
            Some(Ok(t)) => Some(t),
            Some(Err(text)) => {
                batch.count_invalid("time", &text);
                None
            }
            None => None,
        },
        _ => None,
    };
    batch
        .datetime
        .push(time.map_or(crate::input::ingest::batch::NO_TIME, |t| {
            uk_local_to_utc_millis(
                placed
                    .date
                    .and_hms_opt(t.hour(), t.minute(), t.second())
                    .expect("valid"),
            )
        }));
    batch.line.push(line);
    let text_at = |i: Option<usize>| i.map(|i| cells[i].text()).unwrap_or_default();
    batch.push_coordinates(&text_at(slots.latitude), &text_at(slots.longitude));
    for col in LabelCol::ALL {
        match slots.labels.iter().find(|(l, _)| *l == col) {
            Some((_, i)) => {
                let raw = cells[*i].text();
                let value = mapping
                    .values
                    .get(col.name())
                    .and_then(|m| m.get(&raw))
                    .unwrap_or(&raw);
                batch.label(col).push(value);
            }
            None => batch.label(col).push_null(),
        }
    }
    let grounds = text_at(slots.grounds);
    batch
        .grounds
        .as_mut()
        .expect("made with grounds")
        .push(&grounds);
}

/// Names each force-month part as a source of its own: `<file>#<month>` for a fixed force,
/// `<file>#<force>/<month>` when the force comes from a column.
fn into_sources(
    parts: BTreeMap<(usize, Month), Parsed>,
    mapping: &Mapping,
    input: &ExtractInput,
) -> Vec<(Source, Parsed)> {
    parts
        .into_iter()
        .map(|((force, month), parsed)| {
            let force = &forces::FORCES[force];
            let id = match mapping.force {
                ForceSpec::Fixed(_) => format!("{}#{month}", input.id),
                ForceSpec::Column(_) => format!("{}#{}/{month}", input.id, force.id),
            };
            let source = Source {
                id,
                path: input.path.clone(),
                kind: Kind::Extract {
                    xlsx: input.id.to_ascii_lowercase().ends_with(".xlsx"),
                },
                force,
                month,
                size: input.size,
            };
            (source, parsed)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_formats() {
        let f = DateFormat::parse("dd/mm/yyyy").unwrap();
        assert_eq!(
            read_date(&Cell::Text("01/04/2023".into()), &f).unwrap().0,
            NaiveDate::from_ymd_opt(2023, 4, 1).unwrap()
        );
        assert!(
            read_date(&Cell::Text("31/02/2024".into()), &f)
                .unwrap_err()
                .contains("31/02/2024")
        );
        assert_eq!(
            read_date(&Cell::Text("not recorded".into()), &f).unwrap_err(),
            "unreadable date \"not recorded\" (expected dd/mm/yyyy)"
        );
        // 45017 is 2023-04-01 in a spreadsheet.
        assert_eq!(
            read_date(&Cell::Number(45017.0), &f).unwrap().0,
            NaiveDate::from_ymd_opt(2023, 4, 1).unwrap()
        );
        assert_eq!(
            read_date(&Cell::Text("45017".into()), &DateFormat::ExcelSerial)
                .unwrap()
                .0,
            NaiveDate::from_ymd_opt(2023, 4, 1).unwrap()
        );
        let with_time = DateFormat::parse("yyyy-mm-dd HH:MM").unwrap();
        let (d, t) = read_date(&Cell::Text("2023-07-01 21:55".into()), &with_time).unwrap();
        assert_eq!((d.day(), t.unwrap().hour()), (1, 21));
        for bad in ["dd/mm/yy", "d/m/Y", "dd/mm", "mm-yyyy", "%d/%m/%Y"] {
            assert!(
                DateFormat::parse(bad)
                    .unwrap_err()
                    .contains("invalid date format"),
                "{bad}"
            );
        }
    }

    #[test]
    fn uk_summer_time() {
        let local = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        let utc = |s: &str| local(s).and_utc().timestamp_millis();
        // Winter: local is UTC.
        assert_eq!(
            uk_local_to_utc_millis(local("2024-01-15 12:00")),
            utc("2024-01-15 12:00")
        );
        // Summer: local is UTC + 1.
        assert_eq!(
            uk_local_to_utc_millis(local("2024-07-01 00:30")),
            utc("2024-06-30 23:30")
        );
        // 2024's changes: 31 March and 27 October.
        assert_eq!(
            uk_local_to_utc_millis(local("2024-03-31 00:59")),
            utc("2024-03-31 00:59")
        );
        assert_eq!(
            uk_local_to_utc_millis(local("2024-03-31 02:00")),
            utc("2024-03-31 01:00")
        );
        assert_eq!(
            uk_local_to_utc_millis(local("2024-10-27 01:30")),
            utc("2024-10-27 00:30")
        );
        assert_eq!(
            uk_local_to_utc_millis(local("2024-10-27 02:00")),
            utc("2024-10-27 02:00")
        );
    }

    #[test]
    fn mapping_errors_name_the_problem() {
        let base = "[extract]\nforce = \"metropolitan\"\n[columns]\ndate = \"D\"\ndate_format = \"dd/mm/yyyy\"\n";
        let p = Path::new("m.toml");
        assert!(Mapping::parse(p, base).is_ok());
        let bad = |t: &str| Mapping::parse(p, t).unwrap_err();
        assert!(
            bad(&base.replace("dd/mm/yyyy", "dd/mm/yy"))
                .contains("invalid date format \"dd/mm/yy\"")
        );
        assert!(
            bad(&base.replace("metropolitan", "atlantis")).contains("unknown force id `atlantis`")
        );
        assert!(bad(&format!("{base}colour = \"C\"\n")).contains("colour"));
        assert!(
            bad(&format!(
                "{base}[values.outcome]\nNFA = \"A no further action disposal\"\n"
            ))
            .contains("not a mapped column")
        );
        assert!(
            bad("[extract]\n[columns]\ndate = \"D\"\ndate_format = \"dd/mm/yyyy\"\n")
                .contains("which force")
        );
    }
}
