//! The Home Office's published stop-and-search counts, read to reconcile the data.police.uk
//! files with them (`--home-office`). The official annual figures come from the forces'
//! returns to the Home Office, not from data.police.uk, and they differ.
//!
//! Two layouts are read, told apart by their header:
//! - the Race Disparity Unit's *Ethnicity facts and figures: Stop and search* data file
//!   (`stop-and-search-2006-2023.csv` and later editions: `measure,time,time_type,Ethnicity,
//!   ethnicity_type,legislation_type,geography,geography_type,number_of_stop_and_searches,…`);
//! - a plain long CSV: `force` (a force id or PFA code), `financial_year`, `ethnicity`,
//!   `searches` and, optionally, `power`.
//!
//! Force names are matched after folding case, `&` to `and`, punctuation to spaces and
//! dropping "Police", "Constabulary" and "Service" (so "Devon & Cornwall" is
//! `devon-and-cornwall`), with the spellings in [`NAMES`] for the rest; an unknown name is an
//! error naming the file and line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::reference::forces::{self, FORCES};
use crate::reference::population::ENGLAND_AND_WALES;

/// Spellings of force areas in Home Office files that the folding rule does not reach.
pub const NAMES: &[(&str, &str)] = &[
    ("london, city of", "city-of-london"),
    ("city of london", "city-of-london"),
    ("metropolitan police", "metropolitan"),
    ("metropolitan", "metropolitan"),
    ("hampshire and isle of wight", "hampshire"),
    ("hampshire & isle of wight", "hampshire"),
    ("btp", "btp"),
    ("british transport police", "btp"),
];

/// The national aggregate of the 43 territorial forces, this program's `england-and-wales`.
const NATIONAL: &[&str] = &["all - excluding btp", "england and wales (excluding btp)"];

/// The powers a Home Office `legislation_type` covers, as `reconciliation` names them.
pub const POWERS: &[(&str, &[&str])] = &[
    ("all", &[]),
    (
        "section_1_and_associated",
        &[
            "pace_s1",
            "misuse_of_drugs_s23",
            "firearms_s47",
            "psychoactive_substances",
            "other",
        ],
    ),
    ("cjpo_s60", &["cjpo_s60"]),
    ("terrorism_s47a", &["terrorism_s47a"]),
    ("terrorism_s43", &["terrorism_s43"]),
];

/// One published count.
#[derive(Debug, Clone, PartialEq)]
pub struct Count {
    /// Force id or `england-and-wales`.
    pub area: String,
    /// `2020/21`.
    pub financial_year: String,
    /// A key of [`POWERS`].
    pub power: &'static str,
    /// `Asian`, `Black`, `Mixed`, `White`, `Other`, `Not stated` or `All`.
    pub ethnicity: &'static str,
    pub searches: u64,
    /// Where it was read, for messages.
    pub line: u64,
}

/// The counts of one or more files.
#[derive(Debug, Clone, Default)]
pub struct HomeOffice {
    pub files: Vec<PathBuf>,
    pub counts: Vec<Count>,
}

fn bad(path: &Path, line: u64, problem: impl std::fmt::Display) -> Error {
    Error::Usage(format!(
        "--home-office {}: line {line}: {problem}",
        path.display()
    ))
}

/// Folds a name for matching: lower case, `&` as `and`, punctuation as spaces, and the
/// words "police", "constabulary" and "service" dropped.
fn fold(name: &str) -> String {
    let lower = name.to_lowercase().replace('&', " and ");
    let spaced: String = lower
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    spaced
        .split_whitespace()
        .filter(|w| !matches!(*w, "police" | "constabulary" | "service"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The force id of a Home Office force-area name.
pub fn force_of_name(name: &str) -> Option<&'static str> {
    let lower = name.trim().to_lowercase();
    if let Some((_, id)) = NAMES.iter().find(|(n, _)| *n == lower) {
        return Some(id);
    }
    let folded = fold(name);
    FORCES
        .iter()
        .find(|f| fold(f.name) == folded || fold(f.id) == folded)
        .map(|f| f.id)
}

fn ethnicity(label: &str) -> Option<&'static str> {
    let l = label.trim().to_lowercase();
    Some(match l.as_str() {
        "all" => "All",
        "asian" => "Asian",
        "black" => "Black",
        "mixed" => "Mixed",
        "white" => "White",
        "other" | "other inc chinese" | "other including chinese" => "Other",
        "unknown" | "unknown (not stated)" | "not stated" | "unreported" => "Not stated",
        _ => return None,
    })
}

fn power(label: &str) -> Option<&'static str> {
    let l = label.trim().to_lowercase();
    let key = if l == "all" || l.is_empty() {
        "all"
    } else if POWERS.iter().any(|(k, _)| *k == l) {
        POWERS.iter().find(|(k, _)| *k == l)?.0
    } else if l.contains("60") {
        "cjpo_s60"
    } else if l.contains("47a") || l.contains("44") {
        "terrorism_s47a"
    } else if l.contains("43") {
        "terrorism_s43"
    } else if l.contains("section 1") || l.contains("pace") {
        "section_1_and_associated"
    } else {
        return None;
    };
    Some(key)
}

/// `2020/21` from `2020/21`, `2020-21` or `2020/2021`.
fn financial_year(text: &str) -> Option<String> {
    let t = text.trim();
    let (a, b) = t.split_once(['/', '-'])?;
    let start: u16 = a.trim().parse().ok()?;
    let end: u16 = b.trim().parse().ok()?;
    let ok = end == (start + 1) % 100 || end == start + 1;
    (ok && (1990..2100).contains(&start)).then(|| format!("{start}/{:02}", (start + 1) % 100))
}

/// A published count: digits with optional thousands separators; `None` for the markers
/// of a figure not published (empty, `..`, `N/A`, `-`, `x`, `[c]`).
fn number(text: &str) -> std::result::Result<Option<u64>, ()> {
    let t = text.trim();
    if t.is_empty()
        || matches!(
            t.to_lowercase().as_str(),
            ".." | "n/a" | "-" | "x" | "[c]" | "[x]"
        )
    {
        return Ok(None);
    }
    t.replace(',', "").parse::<u64>().map(Some).map_err(|_| ())
}

impl HomeOffice {
    pub fn from_files(paths: &[PathBuf]) -> Result<HomeOffice> {
        let mut all = HomeOffice::default();
        let mut seen: HashMap<(String, String, &str, &str), (PathBuf, u64)> = HashMap::new();
        for path in paths {
            for c in read(path)? {
                let key = (
                    c.area.clone(),
                    c.financial_year.clone(),
                    c.power,
                    c.ethnicity,
                );
                if let Some((p, first)) = seen.get(&key) {
                    return Err(bad(
                        path,
                        c.line,
                        format!(
                            "a second count for {} {} {} {} (the first is {} line {first})",
                            c.area,
                            c.financial_year,
                            c.power,
                            c.ethnicity,
                            p.display()
                        ),
                    ));
                }
                seen.insert(key, (path.clone(), c.line));
                all.counts.push(c);
            }
            all.files.push(path.clone());
        }
        Ok(all)
    }
}

fn read(path: &Path) -> Result<Vec<Count>> {
    let bytes = std::fs::read(path).map_err(|e| {
        Error::Usage(format!(
            "--home-office {}: cannot be read: {e}",
            path.display()
        ))
    })?;
    let text = String::from_utf8_lossy(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes));
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| bad(path, 1, e))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let at = |name: &str| header.iter().position(|h| h == name);
    let layout = if let (Some(n), Some(t), Some(e), Some(g)) = (
        at("number_of_stop_and_searches"),
        at("time"),
        at("ethnicity"),
        at("geography"),
    ) {
        Layout::Rdu {
            number: n,
            time: t,
            time_type: at("time_type"),
            ethnicity: e,
            ethnicity_type: at("ethnicity_type"),
            legislation: at("legislation_type"),
            geography: g,
            geography_type: at("geography_type"),
        }
    } else if let (Some(f), Some(y), Some(e), Some(n)) = (
        at("force").or_else(|| at("pfa_code")),
        at("financial_year"),
        at("ethnicity"),
        at("searches"),
    ) {
        Layout::Plain {
            force: f,
            year: y,
            ethnicity: e,
            searches: n,
            power: at("power").or_else(|| at("legislation_type")),
        }
    } else {
        return Err(bad(
            path,
            1,
            "the header is neither the Race Disparity Unit's stop-and-search data file \
             (time, Ethnicity, geography, number_of_stop_and_searches, ...) nor a plain file \
             with force, financial_year, ethnicity and searches",
        ));
    };
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let record = record.map_err(|e| bad(path, line, e))?;
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        if let Some(c) = layout.count(&field, path, line)? {
            out.push(c);
        }
    }
    Ok(out)
}

enum Layout {
    Rdu {
        number: usize,
        time: usize,
        time_type: Option<usize>,
        ethnicity: usize,
        ethnicity_type: Option<usize>,
        legislation: Option<usize>,
        geography: usize,
        geography_type: Option<usize>,
    },
    Plain {
        force: usize,
        year: usize,
        ethnicity: usize,
        searches: usize,
        power: Option<usize>,
    },
}

impl Layout {
    /// The count on one line; `None` for a line of something this program does not compare
    /// (another time type, a finer ethnic classification, a region, a figure not published).
    fn count<'a>(
        &self,
        field: &impl Fn(usize) -> &'a str,
        path: &Path,
        line: u64,
    ) -> Result<Option<Count>> {
        let opt = |i: Option<usize>| i.map(field).unwrap_or("");
        let (area, year, eth, n, pw) = match *self {
            Layout::Rdu {
                number,
                time,
                time_type,
                ethnicity: e,
                ethnicity_type,
                legislation,
                geography,
                geography_type,
            } => {
                let tt = opt(time_type).to_lowercase();
                if !tt.is_empty() && !tt.contains("financial") {
                    return Ok(None);
                }
                let geo = field(geography);
                let gt = opt(geography_type).to_lowercase();
                let area = if NATIONAL.contains(&geo.to_lowercase().as_str()) {
                    ENGLAND_AND_WALES
                } else if gt.contains("police") || gt.contains("force") {
                    force_of_name(geo).ok_or_else(|| {
                        bad(
                            path,
                            line,
                            format!(
                                "`{geo}` is not a police force area this program knows; the \
                                 README lists the names it matches"
                            ),
                        )
                    })?
                } else {
                    return Ok(None);
                };
                let et = opt(ethnicity_type).to_lowercase();
                let label = field(e);
                let broad =
                    et.is_empty() || et == "all" || et.contains("5+1") || et.contains("5 + 1");
                if !broad && ethnicity(label).is_none() {
                    return Ok(None);
                }
                (area, field(time), label, field(number), opt(legislation))
            }
            Layout::Plain {
                force,
                year,
                ethnicity: e,
                searches,
                power: p,
            } => {
                let f = field(force);
                let area = if f.eq_ignore_ascii_case(ENGLAND_AND_WALES) {
                    ENGLAND_AND_WALES
                } else {
                    forces::by_id(f)
                        .or_else(|| forces::by_pfa_code(f))
                        .map(|f| f.id)
                        .ok_or_else(|| {
                            bad(path, line, format!("`{f}` is not a force id or PFA code"))
                        })?
                };
                (area, field(year), field(e), field(searches), opt(p))
            }
        };
        let financial_year = financial_year(year).ok_or_else(|| {
            bad(
                path,
                line,
                format!("`{year}` is not a financial year such as 2020/21"),
            )
        })?;
        let ethnicity = ethnicity(eth).ok_or_else(|| {
            bad(
                path,
                line,
                format!(
                    "`{eth}` is not an ethnic group (All, Asian, Black, Mixed, White, Other or \
                     Unknown)"
                ),
            )
        })?;
        let power = power(pw).ok_or_else(|| {
            bad(
                path,
                line,
                format!("`{pw}` is not a legislation type (All, section 1, section 60, ...)"),
            )
        })?;
        let searches = match number(n) {
            Ok(Some(n)) => n,
            Ok(None) => return Ok(None),
            Err(()) => return Err(bad(path, line, format!("`{n}` is not a count of searches"))),
        };
        Ok(Some(Count {
            area: area.to_owned(),
            financial_year,
            power,
            ethnicity,
            searches,
            line,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_office_names_map_to_force_ids() {
        for (name, id) in [
            ("Devon & Cornwall", "devon-and-cornwall"),
            ("London, City of", "city-of-london"),
            ("Metropolitan Police", "metropolitan"),
            ("Avon and Somerset", "avon-and-somerset"),
            ("Dyfed-Powys", "dyfed-powys"),
            ("British Transport Police", "btp"),
            ("West Midlands", "west-midlands"),
            ("North Yorkshire Police", "north-yorkshire"),
            ("Greater Manchester", "greater-manchester"),
        ] {
            assert_eq!(force_of_name(name), Some(id), "{name}");
        }
        assert_eq!(force_of_name("Atlantis"), None);
        // Every force's own name is found.
        for f in FORCES.iter() {
            assert_eq!(force_of_name(f.name), Some(f.id), "{}", f.name);
        }
    }

    #[test]
    fn years_numbers_groups_and_powers() {
        assert_eq!(financial_year("2020/21").as_deref(), Some("2020/21"));
        assert_eq!(financial_year("2020-21").as_deref(), Some("2020/21"));
        assert_eq!(financial_year("2099/00").as_deref(), Some("2099/00"));
        assert_eq!(financial_year("2020"), None);
        assert_eq!(number("3,973"), Ok(Some(3973)));
        assert_eq!(number(".."), Ok(None));
        assert_eq!(number("many"), Err(()));
        assert_eq!(ethnicity("Unknown (not stated)"), Some("Not stated"));
        assert_eq!(ethnicity("Indian"), None);
        assert_eq!(power("All"), Some("all"));
        assert_eq!(power("Section 60"), Some("cjpo_s60"));
        assert_eq!(
            power("section 1 (PACE) and associated legislation"),
            Some("section_1_and_associated")
        );
        assert_eq!(power("Dog licensing"), None);
    }
}
