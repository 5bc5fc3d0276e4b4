//! Population denominators: Census usual residents by broad ethnic group and police force
//! area. Census 2021 is the default and Census 2011 the alternative, both built into the binary
//! from the real tables in `fixtures/population/`; a user's own table can be given instead.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::reference::forces;
use crate::reference::vocab::Ethnicity;

const CENSUS_2021: &str =
    include_str!("../../fixtures/population/census2021_population_by_ethnicity_pfa22.csv");
const CENSUS_2011: &str = include_str!("../../fixtures/population/force-demographics.csv");

/// Residents of one area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Residents {
    pub total: u64,
    pub asian: u64,
    pub black: u64,
    pub mixed: u64,
    pub white: u64,
    pub other: u64,
}

impl Residents {
    /// Residents of a broad group; `None` for Not stated, which has no Census count.
    pub fn of(&self, group: Ethnicity) -> Option<u64> {
        Some(match group {
            Ethnicity::Asian => self.asian,
            Ethnicity::Black => self.black,
            Ethnicity::Mixed => self.mixed,
            Ethnicity::White => self.white,
            Ethnicity::Other => self.other,
            Ethnicity::NotStated => return None,
        })
    }
}

/// A population table keyed by PFA code.
#[derive(Debug, Clone)]
pub struct Population {
    /// Recorded with every rate: `Census 2021`, `Census 2011`, or `user table <file>`.
    pub vintage: String,
    pub by_pfa: BTreeMap<String, Residents>,
    /// The same by local authority district (Census 2021 only: there is no 2011 table by the
    /// 2022 district codes here, nor district columns in a user's table).
    pub by_lad: Option<&'static BTreeMap<&'static str, Residents>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Census {
    Y2021,
    Y2011,
}

impl Population {
    pub fn census(which: Census) -> Population {
        match which {
            Census::Y2021 => Population {
                by_lad: Some(super::local_areas::census_2021()),
                ..parse_pfa_table(CENSUS_2021, "Census 2021")
                    .expect("the built-in Census 2021 table is valid")
            },
            Census::Y2011 => parse_2011(CENSUS_2011),
        }
    }

    /// A user's table with the columns of the Census 2021 table (`PFA22CD`, `total`, `asian`,
    /// `black`, `mixed`, `white`, `other`; other columns are ignored).
    pub fn from_file(path: &Path) -> Result<Population> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| Error::Population {
            file: name.clone(),
            message: e.to_string(),
        })?;
        let label = format!(
            "user table {}",
            path.file_name()
                .map_or(name.clone(), |n| n.to_string_lossy().into_owned())
        );
        parse_pfa_table(&text, &label).map_err(|message| Error::Population {
            file: name,
            message,
        })
    }

    pub fn residents(&self, pfa_code: &str) -> Option<&Residents> {
        self.by_pfa.get(pfa_code)
    }
}

const COLUMNS: [&str; 6] = ["total", "asian", "black", "mixed", "white", "other"];

fn parse_pfa_table(text: &str, vintage: &str) -> std::result::Result<Population, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let position = |name: &str| headers.iter().position(|h| h.trim() == name);
    let code_at = position("PFA22CD").ok_or("missing column `PFA22CD`")?;
    let mut at = [0usize; 6];
    for (slot, name) in at.iter_mut().zip(COLUMNS) {
        *slot = position(name).ok_or_else(|| format!("missing column `{name}`"))?;
    }
    let mut by_pfa = BTreeMap::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| format!("line {line}: {e}"))?;
        let code = record.get(code_at).unwrap_or("").trim().to_owned();
        if forces::by_pfa_code(&code).is_none() {
            return Err(format!(
                "line {line}: `{code}` is not one of the 43 police force area codes"
            ));
        }
        let mut counts = [0u64; 6];
        for ((count, &col), name) in counts.iter_mut().zip(&at).zip(COLUMNS) {
            let raw = record.get(col).unwrap_or("").trim();
            *count = raw.parse::<u64>().map_err(|_| {
                format!("line {line}: `{name}` is `{raw}`; counts must be whole numbers, 0 or more")
            })?;
        }
        let [total, asian, black, mixed, white, other] = counts;
        let residents = Residents {
            total,
            asian,
            black,
            mixed,
            white,
            other,
        };
        if by_pfa.insert(code.clone(), residents).is_some() {
            return Err(format!("line {line}: `{code}` appears twice"));
        }
    }
    if by_pfa.is_empty() {
        return Err("no rows".to_owned());
    }
    Ok(Population {
        vintage: vintage.to_owned(),
        by_pfa,
        by_lad: None,
    })
}

/// The 2011 table has NOMIS column names and PFA names without codes.
fn parse_2011(text: &str) -> Population {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = reader.headers().expect("a header").clone();
    let col = |group: &str| {
        let name = format!("Ethnic Group: {group}; measures: Value");
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("2011 column {name}"))
    };
    let at = [
        col("All categories: Ethnic group"),
        col("Asian"),
        col("Black"),
        col("Mixed"),
        col("White"),
        col("Other"),
    ];
    // 2021 names as in the Census 2021 table, by PFA code.
    let names_2021 = parse_names_2021();
    let mut by_pfa = BTreeMap::new();
    for record in reader.records() {
        let record = record.expect("a valid 2011 row");
        let name = match &record[0] {
            // The 2011 table's own spellings of three PFAs.
            "Avon & Somerset" => "Avon and Somerset",
            "City of London" => "London, City of",
            "Metropolitan" => "Metropolitan Police",
            other => other,
        };
        let code = names_2021
            .iter()
            .find(|(_, n)| n == name)
            .map(|(c, _)| c.clone())
            .unwrap_or_else(|| panic!("2011 PFA {name} has a 2021 code"));
        let n = |i: usize| record[at[i]].parse::<u64>().expect("a count");
        by_pfa.insert(
            code,
            Residents {
                total: n(0),
                asian: n(1),
                black: n(2),
                mixed: n(3),
                white: n(4),
                other: n(5),
            },
        );
    }
    Population {
        vintage: "Census 2011".to_owned(),
        by_pfa,
        by_lad: None,
    }
}

fn parse_names_2021() -> Vec<(String, String)> {
    let mut reader = csv::ReaderBuilder::new().from_reader(CENSUS_2021.as_bytes());
    reader
        .records()
        .map(|r| {
            let r = r.expect("a valid 2021 row");
            (r[0].to_owned(), r[1].to_owned())
        })
        .collect()
}

/// Areas a force's counts go into: its own (the Met's, if the City is merged into it) and
/// England & Wales for the 43 territorial forces.
pub fn areas_of(force: &forces::Force, merge_city_into_met: bool) -> Vec<&'static str> {
    let own = if merge_city_into_met && force.id == "city-of-london" {
        "metropolitan"
    } else {
        force.id
    };
    let mut areas = vec![own];
    if force.pfa_code.is_some() {
        areas.push(ENGLAND_AND_WALES);
    }
    areas
}

pub const ENGLAND_AND_WALES: &str = "england-and-wales";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_censuses_cover_the_43_areas() {
        for (which, total) in [(Census::Y2021, 59_597_578), (Census::Y2011, 56_075_912)] {
            let p = Population::census(which);
            assert_eq!(p.by_pfa.len(), 43);
            assert_eq!(p.by_pfa.values().map(|r| r.total).sum::<u64>(), total);
            for r in p.by_pfa.values() {
                assert_eq!(r.asian + r.black + r.mixed + r.white + r.other, r.total);
            }
        }
    }

    #[test]
    fn known_denominators() {
        // population README and methods.md §3.
        let p21 = Population::census(Census::Y2021);
        assert_eq!(p21.residents("E23000001").unwrap().black, 1_188_137);
        assert_eq!(p21.residents("E23000034").unwrap().black, 232);
        let p11 = Population::census(Census::Y2011);
        assert_eq!(p11.residents("E23000014").unwrap().black, 164_069);
        assert_eq!(p11.residents("E23000014").unwrap().white, 1_919_138);
        assert_eq!(p11.residents("E23000034").unwrap().total, 7_375);
    }

    #[test]
    fn user_tables_are_validated() {
        let ok = "PFA22CD,total,asian,black,mixed,white,other\nE23000001,10,1,2,3,3,1\n";
        let p = parse_pfa_table(ok, "user").unwrap();
        assert_eq!(p.residents("E23000001").unwrap().mixed, 3);
        let cases = [
            (
                "PFA22CD,total,asian,mixed,white,other\n",
                "missing column `black`",
            ),
            (
                "PFA22CD,total,asian,black,mixed,white,other\nE23000001,10,1,-2,3,3,1\n",
                "line 2: `black` is `-2`",
            ),
            (
                "PFA22CD,total,asian,black,mixed,white,other\nE23000001,10,1,x,3,3,1\n",
                "line 2: `black` is `x`",
            ),
            (
                "PFA22CD,total,asian,black,mixed,white,other\nE99,10,1,2,3,3,1\n",
                "not one of the 43",
            ),
            (
                "PFA22CD,total,asian,black,mixed,white,other\nE23000001,1,1,1,1,1,1\nE23000001,1,1,1,1,1,1\n",
                "line 3: `E23000001` appears twice",
            ),
        ];
        for (text, message) in cases {
            let err = parse_pfa_table(text, "user").unwrap_err();
            assert!(err.contains(message), "{err}");
        }
    }

    #[test]
    fn areas() {
        let city = forces::by_id("city-of-london").unwrap();
        assert_eq!(areas_of(city, false), ["city-of-london", ENGLAND_AND_WALES]);
        assert_eq!(areas_of(city, true), ["metropolitan", ENGLAND_AND_WALES]);
        assert_eq!(areas_of(forces::by_id("btp").unwrap(), true), ["btp"]);
    }
}
