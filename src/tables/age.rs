//! The tables `age_rates` reads when a population by ethnic group × sex × age is given
//! (`--population-age`): `population_age` (residents per force, area, place, group, sex and
//! shared band, laid out like `population`), `age_bands` (which police age range falls in
//! which shared band) and `age_standard` (England and Wales's residents by sex and band, the
//! weights of direct standardisation). Without the table all three are empty, and so is
//! `age_rates`.

use polars::prelude::*;

use super::Settings;
use crate::reference::population;
use crate::reference::population_age::{self, PopulationByAge, SEXES};

/// The three tables, in the order above.
pub fn frames(s: &Settings) -> PolarsResult<[DataFrame; 3]> {
    let table = s.population_age.as_deref();
    Ok([
        population_frame(s, table)?,
        bands_frame(table)?,
        standard_frame(table)?,
    ])
}

#[derive(Default)]
struct Rows {
    force: Vec<&'static str>,
    area: Vec<String>,
    place: Vec<String>,
    census: Vec<String>,
    ethnicity: Vec<&'static str>,
    sex: Vec<&'static str>,
    band: Vec<String>,
    population: Vec<i64>,
}

impl Rows {
    fn push(
        &mut self,
        force: &'static str,
        area: &str,
        place: &str,
        t: &PopulationByAge,
        cells: &population_age::Cells,
    ) {
        for (g, by_sex) in cells.iter().enumerate() {
            for (sex, by_band) in SEXES.iter().zip(by_sex) {
                for (band, n) in t.bands.iter().zip(by_band) {
                    self.force.push(force);
                    self.area.push(area.to_owned());
                    self.place.push(place.to_owned());
                    self.census.push(t.label.clone());
                    self.ethnicity.push(population_age::group(g).as_str());
                    self.sex.push(sex);
                    self.band.push(band.label.clone());
                    self.population.push(*n as i64);
                }
            }
        }
    }
}

fn population_frame(s: &Settings, table: Option<&PopulationByAge>) -> PolarsResult<DataFrame> {
    let mut rows = Rows::default();
    if let Some(t) = table {
        for f in &s.forces {
            let Some(cells) = f.pfa_code.and_then(|c| t.by_pfa.get(c)) else {
                continue;
            };
            for a in population::areas_of(f, s.merge_city_into_met) {
                rows.push(f.id, a, "*", t, cells);
            }
        }
        if let Some(g) = &s.geography {
            for (lad, pfa) in g.boundaries.lads.iter().zip(&g.pfa_of) {
                let force = s.forces.iter().find(|f| f.pfa_code == Some(*pfa));
                if let (Some(f), Some(cells)) = (force, t.by_lad.get(&lad.code)) {
                    rows.push(f.id, &lad.code, &lad.code, t, cells);
                }
            }
        }
    }
    let height = rows.force.len();
    DataFrame::new(
        height,
        vec![
            Column::new("force".into(), rows.force),
            Column::new("area".into(), rows.area),
            Column::new("place".into(), rows.place),
            Column::new("census".into(), rows.census),
            Column::new("ethnicity".into(), rows.ethnicity),
            Column::new("sex".into(), rows.sex),
            Column::new("age_band".into(), rows.band),
            Column::new("population".into(), rows.population),
        ],
    )
}

fn bands_frame(table: Option<&PopulationByAge>) -> PolarsResult<DataFrame> {
    let (mut range, mut band, mut mapping) = (Vec::new(), Vec::new(), Vec::new());
    for b in table.map(|t| t.bands.as_slice()).unwrap_or_default() {
        for r in &b.police {
            range.push(*r);
            band.push(b.label.clone());
            mapping.push(b.mapping());
        }
    }
    let height = range.len();
    DataFrame::new(
        height,
        vec![
            Column::new("age_range".into(), range),
            Column::new("age_band".into(), band),
            Column::new("mapping".into(), mapping),
        ],
    )
}

fn standard_frame(table: Option<&PopulationByAge>) -> PolarsResult<DataFrame> {
    let (mut sex, mut band, mut residents) = (Vec::new(), Vec::new(), Vec::new());
    let (mut weight_all, mut weight_within_sex) = (Vec::new(), Vec::new());
    if let Some(t) = table {
        // Checked when the table was read.
        let standard = t.standard().map_err(|e| polars_err!(ComputeError: "{e}"))?;
        let total: u64 = standard.iter().flatten().sum();
        for (s, by_band) in SEXES.iter().zip(&standard) {
            let of_sex: u64 = by_band.iter().sum();
            for (b, n) in t.bands.iter().zip(by_band) {
                sex.push(*s);
                band.push(b.label.clone());
                residents.push(*n as i64);
                weight_all.push(*n as f64 / total as f64);
                weight_within_sex.push(*n as f64 / of_sex as f64);
            }
        }
    }
    let height = sex.len();
    DataFrame::new(
        height,
        vec![
            Column::new("sex".into(), sex),
            Column::new("age_band".into(), band),
            Column::new("residents".into(), residents),
            Column::new("weight_all".into(), weight_all),
            Column::new("weight_within_sex".into(), weight_within_sex),
        ],
    )
}
