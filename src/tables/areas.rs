//! What each area of a table is: `area_type` (`country`, `force`, `local_authority`), a name,
//! the force it belongs to, and for districts whether their force located too few of its
//! searches for district figures to be whole (`low_location_coverage`, from the
//! `location_coverage` table). Added to every table with an `area` column as it is built, so
//! the SQL files keep to counting.

use std::collections::{BTreeMap, BTreeSet};

type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

use polars::prelude::*;

use super::Settings;
use crate::reference::forces;
use crate::reference::population::{self, ENGLAND_AND_WALES};

pub const LOCATION_COVERAGE: &str = "location_coverage";

pub const AREA_TYPES: [&str; 3] = ["country", "force", "local_authority"];

#[derive(Debug, Clone)]
struct Area {
    kind: &'static str,
    name: String,
    force: Option<&'static str>,
}

/// Every area the tables can have, and the force-periods with low location coverage.
#[derive(Debug, Clone, Default)]
pub struct Areas {
    by_id: BTreeMap<String, Area>,
    low_location: BTreeSet<(String, String, String)>,
}

/// The columns added, with their documentation.
pub const DOCS: [(&str, &str); 4] = [
    (
        "area_type",
        "`country` (England and Wales), `force` (a police force area, or British Transport Police) or `local_authority` (a local authority district, December 2022 boundaries; only with `--boundaries`).",
    ),
    (
        "area_name",
        "Name of the area: `England and Wales` (`The 3 forces in this run` when the run leaves territorial forces out: the area `england-and-wales` is then the sum of those forces only), the force's name, or the ONS district name.",
    ),
    (
        "force",
        "The force the area belongs to: the force itself, or for a district the force whose area it lies in (its searches are the ones counted there); null for England and Wales.",
    ),
    (
        "low_location_coverage",
        "Districts only: in this period the district's force placed fewer than 90% of its searches in districts of its own area (see the location_coverage table), so the district's figures leave out more than a tenth of the force's searches. Always false for countries and forces.",
    ),
];

/// The name of the sum over the territorial forces in scope: `England and Wales` only when all
/// 43 are (a run of three forces is not England and Wales).
pub fn aggregate_name(s: &Settings) -> String {
    let n = s.forces.iter().filter(|f| f.pfa_code.is_some()).count();
    if n == 43 {
        "England and Wales".to_owned()
    } else if n == 1 {
        "The 1 force in this run".to_owned()
    } else {
        format!("The {n} forces in this run")
    }
}

impl Areas {
    pub fn of(s: &Settings) -> Areas {
        let mut by_id = BTreeMap::new();
        by_id.insert(
            ENGLAND_AND_WALES.to_owned(),
            Area {
                kind: "country",
                name: aggregate_name(s),
                force: None,
            },
        );
        for f in &s.forces {
            for a in population::areas_of(f, s.merge_city_into_met) {
                if let Some(owner) = forces::by_id(a) {
                    by_id.insert(
                        a.to_owned(),
                        Area {
                            kind: "force",
                            name: owner.name.to_owned(),
                            force: Some(owner.id),
                        },
                    );
                }
            }
        }
        for (lad, pfa, _) in s.district_residents() {
            by_id.insert(
                lad.code.clone(),
                Area {
                    kind: "local_authority",
                    name: lad.name.clone(),
                    force: forces::by_pfa_code(pfa).map(|f| f.id),
                },
            );
        }
        Areas {
            by_id,
            low_location: BTreeSet::new(),
        }
    }

    /// Takes the force-periods flagged in the location_coverage table.
    pub fn learn_location_coverage(&mut self, df: &DataFrame) -> PolarsResult<()> {
        let text = |name: &str| -> PolarsResult<StringChunked> {
            Ok(df.column(name)?.cast(&DataType::String)?.str()?.clone())
        };
        let (force, pt, p) = (text("force")?, text("period_type")?, text("period")?);
        let low = df.column("low_location_coverage")?.bool()?.clone();
        for i in 0..df.height() {
            if low.get(i) == Some(true)
                && let (Some(f), Some(t), Some(p)) = (force.get(i), pt.get(i), p.get(i))
            {
                self.low_location
                    .insert((f.to_owned(), t.to_owned(), p.to_owned()));
            }
        }
        Ok(())
    }

    /// Where an area's type sorts: 0 for an area the run does not know, then `country`,
    /// `force` and `local_authority` (the lexical order of `area_type`).
    pub fn kind_order(&self, area: &str) -> u8 {
        self.by_id.get(area).map_or(0, |a| {
            AREA_TYPES
                .iter()
                .position(|k| *k == a.kind)
                .map_or(0, |i| i as u8 + 1)
        })
    }

    /// Adds `area_type`, `area_name`, `force` (after `area`) and `low_location_coverage` (at
    /// the end) to a table with an `area` column; returns the names added. An area the run
    /// does not know (an analyst's own query inventing one) gets nulls.
    pub fn decorate(&self, df: &mut DataFrame) -> PolarsResult<Vec<&'static str>> {
        let Ok(area) = df.column("area") else {
            return Ok(Vec::new());
        };
        if let Some((taken, _)) = DOCS.iter().find(|(c, _)| df.column(c).is_ok()) {
            polars_bail!(Duplicate: "the query returns `{taken}` beside `area`; the program adds `area_type`, `area_name`, `force` and `low_location_coverage` to every table with an `area` column, so rename it");
        }
        let area = area.cast(&DataType::String)?;
        let area = area.str()?;
        // Each distinct area (a few hundred) is looked up once, not once per row.
        let mut known: HashMap<&str, Option<&Area>> = HashMap::default();
        let info: Vec<Option<&Area>> = area
            .iter()
            .map(|a| a.and_then(|a| *known.entry(a).or_insert_with(|| self.by_id.get(a))))
            .collect();
        let kind: Vec<Option<&str>> = info.iter().map(|a| a.map(|a| a.kind)).collect();
        let name: Vec<Option<&str>> = info.iter().map(|a| a.map(|a| a.name.as_str())).collect();
        let force: Vec<Option<&str>> = info.iter().map(|a| a.and_then(|a| a.force)).collect();
        // Only a table with periods can say which of its district rows fall in a flagged
        // force-period.
        let text = |name: &str| -> Option<StringChunked> {
            Some(
                df.column(name)
                    .ok()?
                    .cast(&DataType::String)
                    .ok()?
                    .str()
                    .ok()?
                    .clone(),
            )
        };
        let low: Vec<bool> = match (text("period_type"), text("period")) {
            (Some(t), Some(p)) if !self.low_location.is_empty() => {
                let mut seen: HashMap<(&str, &str, &str), bool> = HashMap::default();
                info.iter()
                    .zip(t.iter().zip(p.iter()))
                    .map(|(a, (t, p))| match (a, t, p) {
                        (Some(a), Some(t), Some(p)) if a.kind == "local_authority" => {
                            a.force.is_some_and(|f| {
                                *seen.entry((f, t, p)).or_insert_with(|| {
                                    self.low_location.contains(&(
                                        f.to_owned(),
                                        t.to_owned(),
                                        p.to_owned(),
                                    ))
                                })
                            })
                        }
                        _ => false,
                    })
                    .collect()
            }
            _ => vec![false; df.height()],
        };
        let at = df.get_column_index("area").expect("checked above");
        df.insert_column(at, Column::new("area_type".into(), kind))?;
        df.insert_column(at + 2, Column::new("area_name".into(), name))?;
        df.insert_column(at + 3, Column::new("force".into(), force))?;
        df.with_column(Column::new("low_location_coverage".into(), low))?;
        Ok(DOCS.iter().map(|(c, _)| *c).collect())
    }
}
