//! Residents by ethnic group × sex × age band (`--population-age`): a long CSV with one row per
//! area, group, sex and band, such as the ONS Census 2021 custom dataset "ethnic group by sex by
//! age". It gives the age–sex specific rates and the weights of direct standardisation.
//!
//! The police publish five age ranges (`under 10`, `10-17`, `18-24`, `25-34`, `over 34`) and a
//! population table has its own bands; rates need bands both sides can be summed into exactly.
//! The bands used are the finest such partition: an age is a boundary only where both a police
//! range and a population band begin (with the Census 13 bands: under 25, 25-34, over 34,
//! because the Census 16-19 band straddles 18).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::error::{Error, Result};
use crate::reference::{forces, local_areas, vocab::Ethnicity};

/// Ages `low..=high` in whole years; `high` is `None` for an open top band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ages {
    pub low: u32,
    pub high: Option<u32>,
}

/// The police age ranges of data.police.uk, as published.
pub const POLICE_RANGES: [(&str, Ages); 5] = [
    (
        "under 10",
        Ages {
            low: 0,
            high: Some(9),
        },
    ),
    (
        "10-17",
        Ages {
            low: 10,
            high: Some(17),
        },
    ),
    (
        "18-24",
        Ages {
            low: 18,
            high: Some(24),
        },
    ),
    (
        "25-34",
        Ages {
            low: 25,
            high: Some(34),
        },
    ),
    (
        "over 34",
        Ages {
            low: 35,
            high: None,
        },
    ),
];

/// The sexes a population table has; data.police.uk's `Other` has no Census count.
pub const SEXES: [&str; 2] = ["Female", "Male"];

/// The five broad groups, in the order of the other tables.
const GROUPS: [Ethnicity; 5] = [
    Ethnicity::Asian,
    Ethnicity::Black,
    Ethnicity::Mixed,
    Ethnicity::White,
    Ethnicity::Other,
];

/// Reads an age band label: `0-15`, `16 to 19`, `65+`, `65 and over`, `under 10`, `over 34`,
/// `Aged 16 to 19 years`, `Aged 15 years and under`, or a single year (`17`).
pub fn parse_band(label: &str) -> Option<Ages> {
    let t = label.trim().to_ascii_lowercase();
    let t = t.strip_prefix("aged ").unwrap_or(&t);
    let t = t
        .replace(" years", "")
        .replace(" year", "")
        .replace(" to ", "-")
        .replace(' ', "");
    let num = |s: &str| s.parse::<u32>().ok();
    if let Some(n) = t.strip_prefix("under") {
        let n = num(n)?;
        return (n > 0).then_some(Ages {
            low: 0,
            high: Some(n - 1),
        });
    }
    if let Some(n) = t.strip_prefix("over") {
        return Some(Ages {
            low: num(n)? + 1,
            high: None,
        });
    }
    for suffix in ["andover", "+", "orover"] {
        if let Some(n) = t.strip_suffix(suffix) {
            return Some(Ages {
                low: num(n)?,
                high: None,
            });
        }
    }
    for suffix in ["andunder", "orunder"] {
        if let Some(n) = t.strip_suffix(suffix) {
            return Some(Ages {
                low: 0,
                high: Some(num(n)?),
            });
        }
    }
    if let Some((a, b)) = t.split_once('-') {
        let (a, b) = (num(a)?, num(b)?);
        return (a <= b).then_some(Ages {
            low: a,
            high: Some(b),
        });
    }
    let n = num(&t)?;
    Some(Ages {
        low: n,
        high: Some(n),
    })
}

/// A band both the police ranges and the population table can be summed into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedBand {
    pub label: String,
    pub ages: Ages,
    /// Police ranges summed into it.
    pub police: Vec<&'static str>,
    /// Population bands summed into it, as labelled in the file.
    pub population: Vec<String>,
}

impl SharedBand {
    /// How the band was made, for the tables and the README: `under 25 = police under 10 +
    /// 10-17 + 18-24 = population 0-15 + 16-19 + 20-21 + 22-24`.
    pub fn mapping(&self) -> String {
        format!(
            "{} = police {} = population {}",
            self.label,
            self.police.join(" + "),
            self.population.join(" + ")
        )
    }
}

fn band_label(a: Ages) -> String {
    match a.high {
        None => format!("over {}", a.low.saturating_sub(1)),
        Some(h) if a.low == 0 => format!("under {}", h + 1),
        Some(h) if h == a.low => a.low.to_string(),
        Some(h) => format!("{}-{}", a.low, h),
    }
}

/// Checks that bands tile every age from 0 up without gap or overlap, ending open.
fn check_tiling(bands: &[(String, Ages)]) -> std::result::Result<(), String> {
    let mut next = 0u32;
    for (i, (label, a)) in bands.iter().enumerate() {
        if a.low != next {
            return Err(if a.low > next {
                format!(
                    "the age bands leave ages {next} to {} uncovered (before `{label}`)",
                    a.low - 1
                )
            } else {
                format!("the age band `{label}` overlaps the band before it")
            });
        }
        match a.high {
            Some(h) => next = h + 1,
            None if i + 1 == bands.len() => return Ok(()),
            None => return Err(format!("the open band `{label}` is not the last")),
        }
    }
    Err(format!(
        "the age bands stop at {}: the last band must be open (such as `65+`)",
        next.saturating_sub(1)
    ))
}

/// The finest bands both sides share, from the population table's bands.
pub fn shared_bands(population: &[(String, Ages)]) -> std::result::Result<Vec<SharedBand>, String> {
    let mut sorted = population.to_vec();
    sorted.sort_by_key(|(_, a)| *a);
    check_tiling(&sorted)?;
    let police_starts: BTreeSet<u32> = POLICE_RANGES.iter().map(|(_, a)| a.low).collect();
    let starts: Vec<u32> = sorted
        .iter()
        .map(|(_, a)| a.low)
        .filter(|s| police_starts.contains(s))
        .collect();
    let mut out = Vec::new();
    for (i, &low) in starts.iter().enumerate() {
        let high = starts.get(i + 1).map(|n| n - 1);
        let within = |a: &Ages| a.low >= low && high.is_none_or(|h| a.low <= h);
        let ages = Ages { low, high };
        out.push(SharedBand {
            label: band_label(ages),
            ages,
            police: POLICE_RANGES
                .iter()
                .filter(|(_, a)| within(a))
                .map(|(l, _)| *l)
                .collect(),
            population: sorted
                .iter()
                .filter(|(_, a)| within(a))
                .map(|(l, _)| l.clone())
                .collect(),
        });
    }
    Ok(out)
}

/// Residents of one area by group, sex and shared band (`[group][sex][band]`).
pub type Cells = Vec<[Vec<u64>; 2]>;

/// A population table by ethnic group × sex × age, read and mapped onto the shared bands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopulationByAge {
    /// Where it came from, for the tables' `census` column.
    pub label: String,
    pub bands: Vec<SharedBand>,
    /// By police force area code (`E23…`) and by district code.
    pub by_pfa: BTreeMap<String, Cells>,
    pub by_lad: BTreeMap<String, Cells>,
}

impl PopulationByAge {
    /// Reads one or more files (for example the ONS table per force area and per district);
    /// all must have the same bands, and an area may appear in only one.
    pub fn from_files(paths: &[impl AsRef<Path>]) -> Result<PopulationByAge> {
        let mut merged: Option<PopulationByAge> = None;
        for path in paths {
            let path = path.as_ref();
            let name = path.display().to_string();
            let fail = |message: String| Error::Population {
                file: name.clone(),
                message,
            };
            let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
            let label = format!(
                "age table {}",
                path.file_name()
                    .map_or(name.clone(), |n| n.to_string_lossy().into_owned())
            );
            let table = parse(&text, &label).map_err(fail)?;
            merged = Some(match merged {
                None => table,
                Some(mut m) => {
                    if m.bands != table.bands {
                        return Err(fail(format!(
                            "its age bands ({}) differ from those of the first file ({})",
                            table
                                .bands
                                .iter()
                                .map(|b| b.mapping())
                                .collect::<Vec<_>>()
                                .join("; "),
                            m.bands
                                .iter()
                                .map(|b| b.mapping())
                                .collect::<Vec<_>>()
                                .join("; ")
                        )));
                    }
                    for (into, from) in
                        [(&mut m.by_pfa, table.by_pfa), (&mut m.by_lad, table.by_lad)]
                    {
                        for (code, cells) in from {
                            if into.insert(code.clone(), cells).is_some() {
                                return Err(fail(format!(
                                    "area `{code}` is also in an earlier file"
                                )));
                            }
                        }
                    }
                    m.label = format!("{}, {}", m.label, label.trim_start_matches("age table "));
                    m
                }
            });
        }
        let table = merged.ok_or_else(|| Error::Usage("--population-age: no file given".into()))?;
        table.standard().map_err(|message| Error::Population {
            file: paths
                .iter()
                .map(|p| p.as_ref().display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            message,
        })?;
        Ok(table)
    }

    /// Residents of England and Wales by sex and band, all groups together: the standard
    /// population of direct standardisation. From the 43 force areas if the table has them
    /// all, else from the 331 districts.
    pub fn standard(&self) -> std::result::Result<[Vec<u64>; 2], String> {
        let pfas = forces::FORCES.iter().filter_map(|f| f.pfa_code).count();
        let lads = local_areas::all()
            .filter(|d| d.code.starts_with(['E', 'W']))
            .count();
        let source = if self.by_pfa.len() == pfas {
            &self.by_pfa
        } else if self.by_lad.len() == lads {
            &self.by_lad
        } else {
            return Err(format!(
                "the standard population is England and Wales: the table needs all {pfas} police force areas or all {lads} districts (it has {} and {})",
                self.by_pfa.len(),
                self.by_lad.len()
            ));
        };
        let mut out = [vec![0; self.bands.len()], vec![0; self.bands.len()]];
        for cells in source.values() {
            for group in cells {
                for (sex, bands) in group.iter().enumerate() {
                    for (b, n) in bands.iter().enumerate() {
                        out[sex][b] += n;
                    }
                }
            }
        }
        Ok(out)
    }
}

fn parse(text: &str, label: &str) -> std::result::Result<PopulationByAge, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    let find = |names: &[&str], what: &str| -> std::result::Result<usize, String> {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
            .ok_or_else(|| format!("no {what} column (one of {})", names.join(", ")))
    };
    let code_at = headers
        .iter()
        .position(|h| {
            let h = h.trim().to_ascii_uppercase();
            h == "AREA_CODE"
                || (h.len() == 7
                    && (h.starts_with("PFA") || h.starts_with("LAD"))
                    && h[3..5].bytes().all(|b| b.is_ascii_digit())
                    && h.ends_with("CD"))
        })
        .ok_or(
            "no area code column (area_code, or an ONS code column such as PFA22CD or LAD22CD)",
        )?;
    let group_at = find(&["ethnic_group", "eth5", "ethnicity"], "ethnic group")?;
    let sex_at = find(&["sex"], "sex")?;
    let band_at = find(&["age_band", "age"], "age band")?;
    let count_at = find(&["residents", "count", "observation"], "residents")?;

    let mut band_index: BTreeMap<String, Ages> = BTreeMap::new();
    let mut raw: BTreeMap<(String, usize, usize, String), u64> = BTreeMap::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| format!("line {line}: {e}"))?;
        let get = |at: usize| record.get(at).unwrap_or("").trim();
        let code = get(code_at).to_owned();
        let group_text = get(group_at);
        let group = GROUPS
            .iter()
            .position(|g| {
                group_text.eq_ignore_ascii_case(g.as_str())
                    || group_text
                        .to_ascii_lowercase()
                        .starts_with(&format!("{},", g.as_str().to_ascii_lowercase()))
            })
            .ok_or_else(|| {
                format!("line {line}: ethnic group `{group_text}` is not Asian, Black, Mixed, White or Other")
            })?;
        let sex_text = get(sex_at);
        let sex = SEXES
            .iter()
            .position(|s| sex_text.eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("line {line}: sex `{sex_text}` is not Female or Male"))?;
        let band = get(band_at).to_owned();
        let ages = parse_band(&band).ok_or_else(|| {
            format!("line {line}: `{band}` is not an age band (such as 16-19 or 65+)")
        })?;
        if let Some(seen) = band_index.insert(band.clone(), ages)
            && seen != ages
        {
            return Err(format!("line {line}: band `{band}` read two ways"));
        }
        let count_text = get(count_at);
        let count = count_text.parse::<u64>().map_err(|_| {
            format!(
                "line {line}: residents `{count_text}`: counts must be whole numbers, 0 or more"
            )
        })?;
        if forces::by_pfa_code(&code).is_none() && local_areas::lookup(&code).is_none() {
            return Err(format!(
                "line {line}: `{code}` is neither a police force area code nor a December 2022 district code"
            ));
        }
        if raw
            .insert((code.clone(), group, sex, band.clone()), count)
            .is_some()
        {
            return Err(format!(
                "line {line}: a second row for {code}, {}, {}, {band}",
                GROUPS[group].as_str(),
                SEXES[sex]
            ));
        }
    }
    if raw.is_empty() {
        return Err("no rows".into());
    }
    let population_bands: Vec<(String, Ages)> = band_index.into_iter().collect();
    let bands = shared_bands(&population_bands)?;
    let band_of = |label: &str| {
        bands
            .iter()
            .position(|b| b.population.iter().any(|p| p == label))
    };
    let codes: BTreeSet<&String> = raw.keys().map(|(c, ..)| c).collect();
    let mut by_pfa = BTreeMap::new();
    let mut by_lad = BTreeMap::new();
    for code in codes {
        let mut cells: Cells = (0..GROUPS.len())
            .map(|_| [vec![0u64; bands.len()], vec![0u64; bands.len()]])
            .collect();
        for (g, group) in cells.iter_mut().enumerate() {
            for (s, by_band) in group.iter_mut().enumerate() {
                for (label, _) in &population_bands {
                    let n = raw
                        .get(&(code.clone(), g, s, label.clone()))
                        .ok_or_else(|| {
                            format!(
                                "no row for {code}, {}, {}, {label}: every area needs every group, sex and band",
                                GROUPS[g].as_str(),
                                SEXES[s]
                            )
                        })?;
                    by_band[band_of(label).expect("every band is in a shared band")] += n;
                }
            }
        }
        if forces::by_pfa_code(code).is_some() {
            by_pfa.insert(code.clone(), cells);
        } else {
            by_lad.insert(code.clone(), cells);
        }
    }
    Ok(PopulationByAge {
        label: label.to_owned(),
        bands,
        by_pfa,
        by_lad,
    })
}

/// The group of a `Cells` index.
pub fn group(i: usize) -> Ethnicity {
    GROUPS[i]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bands(labels: &[&str]) -> Vec<(String, Ages)> {
        labels
            .iter()
            .map(|l| {
                (
                    (*l).to_owned(),
                    parse_band(l).unwrap_or_else(|| panic!("{l}")),
                )
            })
            .collect()
    }

    #[test]
    fn band_labels_are_read() {
        let a = |low, high| Some(Ages { low, high });
        assert_eq!(parse_band("0-15"), a(0, Some(15)));
        assert_eq!(parse_band("65+"), a(65, None));
        assert_eq!(parse_band("Aged 16 to 19 years"), a(16, Some(19)));
        assert_eq!(parse_band("Aged 15 years and under"), a(0, Some(15)));
        assert_eq!(parse_band("Aged 85 years and over"), a(85, None));
        assert_eq!(parse_band("under 10"), a(0, Some(9)));
        assert_eq!(parse_band("over 34"), a(35, None));
        assert_eq!(parse_band("17"), a(17, Some(17)));
        assert_eq!(parse_band("19-16"), None);
        assert_eq!(parse_band("teenagers"), None);
    }

    #[test]
    fn census_thirteen_bands_share_three_with_the_police() {
        let census = bands(&[
            "0-15", "16-19", "20-21", "22-24", "25-29", "30-34", "35-39", "40-44", "45-49",
            "50-54", "55-59", "60-64", "65+",
        ]);
        let shared = shared_bands(&census).expect("tiles");
        let labels: Vec<&str> = shared.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["under 25", "25-34", "over 34"]);
        assert_eq!(shared[0].police, ["under 10", "10-17", "18-24"]);
        assert_eq!(shared[0].population, ["0-15", "16-19", "20-21", "22-24"]);
        assert_eq!(shared[1].population, ["25-29", "30-34"]);
        assert_eq!(shared[2].police, ["over 34"]);
        assert_eq!(shared[2].population.len(), 7);
        assert_eq!(
            shared[0].mapping(),
            "under 25 = police under 10 + 10-17 + 18-24 = population 0-15 + 16-19 + 20-21 + 22-24"
        );
    }

    #[test]
    fn single_years_separate_every_police_range() {
        let mut labels: Vec<String> = (0..90).map(|a| a.to_string()).collect();
        labels.push("90+".into());
        let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
        let shared = shared_bands(&bands(&refs)).expect("tiles");
        let got: Vec<(&str, Vec<&str>)> = shared
            .iter()
            .map(|b| (b.label.as_str(), b.police.clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("under 10", vec!["under 10"]),
                ("10-17", vec!["10-17"]),
                ("18-24", vec!["18-24"]),
                ("25-34", vec!["25-34"]),
                ("over 34", vec!["over 34"]),
            ]
        );
        assert_eq!(shared[1].population.len(), 8);
        assert_eq!(shared[4].population.len(), 56);
    }

    #[test]
    fn gaps_overlaps_and_closed_tops_are_refused() {
        let gap = shared_bands(&bands(&["0-15", "17-24", "25+"])).unwrap_err();
        assert!(gap.contains("ages 16 to 16 uncovered"), "{gap}");
        let overlap = shared_bands(&bands(&["0-15", "15-24", "25+"])).unwrap_err();
        assert!(overlap.contains("overlaps"), "{overlap}");
        let closed = shared_bands(&bands(&["0-15", "16-99"])).unwrap_err();
        assert!(closed.contains("must be open"), "{closed}");
    }

    /// A file with every force area, one group's residents spread over single years.
    fn single_year_file(skip: Option<&str>) -> String {
        let mut out = String::from("area_code,ethnic_group,sex,age_band,residents\n");
        for f in forces::FORCES.iter().filter_map(|f| f.pfa_code) {
            for g in ["Asian", "Black", "Mixed", "White", "Other"] {
                for s in SEXES {
                    for age in 0..=90 {
                        let band = if age == 90 {
                            "90+".to_owned()
                        } else {
                            age.to_string()
                        };
                        if skip == Some(band.as_str()) && f == "E23000001" && g == "Black" {
                            continue;
                        }
                        out.push_str(&format!("{f},{g},{s},{band},{}\n", age + 1));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn a_single_year_table_sums_into_the_five_police_ranges() {
        let t = parse(&single_year_file(None), "t").expect("parses");
        let met = &t.by_pfa["E23000001"];
        // Black (group 1), Male (sex 1): ages 10..=17 hold 11 + ... + 18.
        assert_eq!(met[1][1][1], (11..=18).sum::<u64>());
        assert_eq!(met[1][1][4], (36..=91).sum::<u64>());
        let standard = t.standard().expect("all 43 force areas");
        assert_eq!(standard[0][0], 43 * 5 * (1..=10).sum::<u64>());
    }

    #[test]
    fn a_missing_cell_names_it() {
        let e = parse(&single_year_file(Some("40")), "t").unwrap_err();
        assert!(e.contains("no row for E23000001, Black, Female, 40"), "{e}");
    }

    #[test]
    fn bad_rows_name_their_line() {
        let head = "PFA22CD,PFA22NM,sex,eth5,age_band,count\n";
        let e = parse(&format!("{head}E23000001,Met,Female,Blue,0-15,3\n"), "t").unwrap_err();
        assert!(e.starts_with("line 2: ethnic group `Blue`"), "{e}");
        let e = parse(&format!("{head}E23000001,Met,Female,Black,0-15,-3\n"), "t").unwrap_err();
        assert!(e.starts_with("line 2: residents `-3`"), "{e}");
        let e = parse(&format!("{head}X1,Met,Female,Black,0-15,3\n"), "t").unwrap_err();
        assert!(e.contains("neither a police force area code"), "{e}");
        let e = parse("code,sex\n", "t").unwrap_err();
        assert!(e.contains("no area code column"), "{e}");
    }
}
