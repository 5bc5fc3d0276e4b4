//! Tables: run the SQL files in `queries/` with Polars SQL over the registered tables
//! `searches`, `coverage` and `population`, then add the statistics from the count columns
//! (see [`crate::stats::derive`]).

pub mod queries;

use std::collections::BTreeMap;

use polars::prelude::*;
use polars::sql::SQLContext;

use crate::error::{Error, Result};
use crate::forces::Force;
use crate::normalise::vocab::Ethnicity;
use crate::population::{self, Population};
use crate::stats::derive::{self, AreaFlags};
use crate::write::TableMeta;
pub use queries::Query;

/// What the aggregate tables depend on besides the rows.
#[derive(Debug, Clone)]
pub struct Settings {
    pub population: Population,
    /// Reference group for ratios (White by default).
    pub reference: Ethnicity,
    pub merge_city_into_met: bool,
    /// Forces in the run.
    pub forces: Vec<&'static Force>,
}

impl Settings {
    /// The defaults: Census 2021, White as reference, the City kept apart, all 44 forces.
    pub fn standard() -> Settings {
        Settings {
            population: Population::census(population::Census::Y2021),
            reference: Ethnicity::White,
            merge_city_into_met: false,
            forces: crate::forces::FORCES.iter().collect(),
        }
    }
}

/// A finished aggregate table.
pub struct Table {
    pub meta: TableMeta,
    pub df: DataFrame,
}

/// Ethnic groups of the population table: the five with Census counts, everyone, and the two
/// without a denominator.
pub const POPULATION_GROUPS: [&str; 8] = [
    "Asian",
    "Black",
    "Mixed",
    "White",
    "Other",
    "All",
    "Not stated",
    "Missing",
];

/// The `population` table the queries read: one row per force × area it counts towards ×
/// ethnic group. A force counts towards its own area (the Met's, if the City is merged into
/// it) and, for the 43 territorial forces, England & Wales. British Transport Police has no
/// resident population, nor do Not stated and Missing: their population is null.
pub fn population_frame(s: &Settings) -> PolarsResult<DataFrame> {
    let mut force = Vec::new();
    let mut area = Vec::new();
    let mut pfa = Vec::new();
    let mut group = Vec::new();
    let mut count: Vec<Option<i64>> = Vec::new();
    for f in &s.forces {
        let residents = f.pfa_code.and_then(|c| s.population.residents(c));
        for a in population::areas_of(f, s.merge_city_into_met) {
            for g in POPULATION_GROUPS {
                force.push(f.id);
                area.push(a);
                pfa.push(f.pfa_code);
                group.push(g);
                let n = residents.and_then(|r| match g {
                    "All" => Some(r.total),
                    "Not stated" | "Missing" => None,
                    _ => {
                        let e = Ethnicity::ALL.iter().find(|e| e.as_str() == g)?;
                        r.of(*e)
                    }
                });
                count.push(n.map(|n| n as i64));
            }
        }
    }
    let height = force.len();
    DataFrame::new(
        height,
        vec![
            Column::new("force".into(), force),
            Column::new("area".into(), area),
            Column::new("pfa_code".into(), pfa),
            Column::new("census".into(), vec![s.population.vintage.as_str(); height]),
            Column::new("ethnicity".into(), group),
            Column::new("population".into(), count),
        ],
    )
}

/// Documents the aggregate tables the queries make, by running them on empty tables: the
/// columns, their types and their descriptions, as the README's data dictionary shows them.
pub fn describe(queries: Vec<Query>, s: &Settings) -> Result<Vec<crate::dictionary::Documented>> {
    let (empty, _) = crate::normalise::normalise(Vec::new(), Vec::new(), Vec::new());
    let searches =
        crate::frame::searches(&empty).map_err(Error::polars("an empty searches table"))?;
    let coverage =
        crate::frame::coverage(&[], &[]).map_err(Error::polars("an empty coverage table"))?;
    let mut tables = build(queries, &searches, &coverage, s)?;
    tables.sort_by_key(|t| {
        let known = [
            "rates",
            "disparity",
            "outcomes",
            "find_rates",
            "strip_search",
        ];
        let rank = known
            .iter()
            .position(|k| *k == t.meta.name)
            .unwrap_or(known.len());
        (rank, t.meta.name.clone())
    });
    Ok(tables
        .iter()
        .map(|t| crate::dictionary::Documented::of(&t.meta, &t.df))
        .collect())
}

/// Runs every query in dependency order; returns the tables (not the helpers), each sorted by
/// its columns from left to right so the output does not depend on how the engine ordered it.
pub fn build(
    queries: Vec<Query>,
    searches: &DataFrame,
    coverage: &DataFrame,
    s: &Settings,
) -> Result<Vec<Table>> {
    let queries = queries::order(queries)?;
    let mut ctx = SQLContext::new();
    ctx.register("searches", searches.clone().lazy());
    ctx.register("coverage", coverage.clone().lazy());
    let population = population_frame(s).map_err(Error::polars("building the population table"))?;
    ctx.register("population", population.lazy());
    let params = BTreeMap::from([("reference".to_owned(), s.reference.as_str().to_owned())]);
    let areas = AreaFlags {
        no_resident_population: vec!["btp".to_owned()],
        unsuitable: if s.merge_city_into_met {
            vec![]
        } else {
            vec!["city-of-london".to_owned()]
        },
    };
    let mut tables = Vec::new();
    for q in queries {
        let failed = |e: PolarsError| Error::Query {
            file: q.path.display().to_string(),
            message: e.to_string(),
        };
        let sql = queries::substitute(&q.sql, &params);
        let clock = std::time::Instant::now();
        let mut df = ctx
            .execute(&sql)
            .and_then(|lf| lf.collect())
            .map_err(failed)?;
        tracing::debug!(query = %q.name, rows = df.height(), elapsed = ?clock.elapsed(), "ran");
        if q.is_helper() {
            ctx.register(&q.name, df.lazy());
            continue;
        }
        let clock = std::time::Instant::now();
        let derived = derive::derive(&mut df, &areas).map_err(failed)?;
        tracing::debug!(query = %q.name, elapsed = ?clock.elapsed(), "statistics added");
        let by: Vec<PlSmallStr> = df.get_column_names_owned();
        let df = df
            .sort(by, SortMultipleOptions::default().with_maintain_order(true))
            .map_err(failed)?;
        ctx.register(&q.name, df.clone().lazy());
        let documented: BTreeMap<&str, &str> = q
            .columns
            .iter()
            .map(|(c, d)| (c.as_str(), d.as_str()))
            .chain(derived.iter().map(|(c, d)| (c.as_str(), d.as_str())))
            .collect();
        let columns = df
            .get_column_names()
            .iter()
            .map(|c| {
                let doc = documented
                    .get(c.as_str())
                    .copied()
                    .unwrap_or("(not documented in the query file)");
                (c.to_string(), doc.to_owned())
            })
            .collect();
        tables.push(Table {
            meta: TableMeta {
                name: q.name.clone(),
                description: q.description.clone(),
                columns,
            },
            df,
        });
    }
    Ok(tables)
}
