//! Tables: run the SQL files in `queries/` with Polars SQL over the registered tables
//! `searches`, `coverage` and `population`, then add the statistics from the count columns
//! (see [`crate::stats::derive`]).

pub mod age;
pub mod areas;
pub mod contract;
pub mod queries;
pub mod splice;

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;
use polars::sql::SQLContext;
use polars_arrow::array::{Array, View};
use polars_core::query_result::QueryResult;

type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

use crate::error::{Error, Result};
use crate::geography::{Geography, Lad};
use crate::normalise::grounds::Classifier;
use crate::reference::forces::Force;
use crate::reference::home_office::HomeOffice;
use crate::reference::population::{self, Population, Residents};
use crate::reference::population_age::PopulationByAge;
use crate::reference::schema::TableMeta;
use crate::reference::vocab::Ethnicity;
use crate::stats::derive::{self, AreaFlags};
use crate::tables::contract::Row;
pub use queries::Query;
pub use splice::Splice;

/// Default for `--not-stated-limit`: ratios where more than 20% of person searches record no
/// self-defined ethnicity are flagged.
pub const DEFAULT_NOT_STATED_LIMIT: f64 = 0.2;

/// Default for `--home-office-limit`: counts more than 5% apart are flagged.
pub const DEFAULT_HOME_OFFICE_LIMIT: f64 = 0.05;

/// What the aggregate tables depend on besides the rows.
#[derive(Debug, Clone)]
pub struct Settings {
    pub population: Population,
    /// Reference group for ratios (White by default).
    pub reference: Ethnicity,
    pub merge_city_into_met: bool,
    /// Forces in the run.
    pub forces: Vec<&'static Force>,
    /// The grounds classifier (its categories are a table the queries read).
    pub grounds: Classifier,
    /// Local authority district boundaries, when given: districts become areas.
    pub geography: Option<std::sync::Arc<Geography>>,
    /// Residents by ethnic group × sex × age band, when given: rates by age and sex, and
    /// standardised ratios.
    pub population_age: Option<std::sync::Arc<PopulationByAge>>,
    /// The Home Office's published counts, when given: the reconciliation table.
    pub home_office: Option<std::sync::Arc<HomeOffice>>,
    /// Share by which the two counts may differ before `differs` is set.
    pub home_office_limit: f64,
    /// Share of person searches with no self-defined ethnicity above which ratios are
    /// flagged `high_not_stated`.
    pub not_stated_limit: f64,
}

impl Settings {
    /// The defaults: Census 2021, White as reference, the City kept apart, all 44 forces.
    pub fn standard(grounds: Classifier) -> Settings {
        Settings {
            population: Population::census(population::Census::Y2021),
            reference: Ethnicity::White,
            merge_city_into_met: false,
            forces: crate::reference::forces::FORCES.iter().collect(),
            grounds,
            geography: None,
            population_age: None,
            home_office: None,
            home_office_limit: DEFAULT_HOME_OFFICE_LIMIT,
            not_stated_limit: DEFAULT_NOT_STATED_LIMIT,
        }
    }

    /// Census residents of each district the tables have areas for, by code; empty without
    /// boundaries or with a denominator that has no district figures (Census 2011, a user's
    /// own table).
    pub fn district_residents(&self) -> Vec<(&Lad, &'static str, Residents)> {
        let (Some(g), Some(by_lad)) = (&self.geography, self.population.by_lad) else {
            return Vec::new();
        };
        g.boundaries
            .lads
            .iter()
            .zip(&g.pfa_of)
            .filter_map(|(lad, pfa)| Some((lad, *pfa, *by_lad.get(lad.code.as_str())?)))
            .collect()
    }
}

/// One row per search with grounds text and category it was given, with the columns the
/// grounds tables group by: the categories of a search, as rows SQL can group.
fn search_grounds(searches: &DataFrame) -> PolarsResult<DataFrame> {
    let keep = [
        "force",
        "month",
        "financial_year",
        "search_group",
        "ethnicity",
        "outcome_class",
        "outcome_linked",
        "lad_code",
        "location_status",
        "grounds_categories",
    ];
    let cats = searches.column("grounds_categories")?;
    let rows = if cats.null_count() == cats.len() {
        searches.select(keep)?.clear()
    } else {
        searches.select(keep)?.filter(&cats.is_not_null())?
    };
    let mut at: Vec<IdxSize> = Vec::new();
    let mut category: Vec<&str> = Vec::new();
    for (i, text) in rows.column("grounds_categories")?.str()?.iter().enumerate() {
        for c in text.into_iter().flat_map(|t| t.split(';')) {
            at.push(i as IdxSize);
            category.push(c);
        }
    }
    let mut out = rows
        .drop("grounds_categories")?
        .take(&IdxCa::from_vec("at".into(), at))?;
    out.with_column(Column::new("category".into(), category))?;
    Ok(out)
}

/// The classifier's categories, in rule order, with their descriptions.
fn grounds_categories(c: &Classifier) -> PolarsResult<DataFrame> {
    let n = c.categories.len();
    DataFrame::new(
        n,
        vec![
            Column::new(
                "category".into(),
                c.categories
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new("position".into(), (1..=n as u32).collect::<Vec<_>>()),
            Column::new(
                "description".into(),
                c.categories
                    .iter()
                    .map(|c| c.description.as_str())
                    .collect::<Vec<_>>(),
            ),
        ],
    )
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
/// it), for the 43 territorial forces England & Wales, and, with boundaries, each district of
/// its own force area (`place` is the district's code there, `*` elsewhere; see `_cube`).
/// British Transport Police has no resident population, nor do Not stated and Missing: their
/// population is null.
pub fn population_frame(s: &Settings) -> PolarsResult<DataFrame> {
    let mut rows = PopulationRows::default();
    for f in &s.forces {
        let residents = f.pfa_code.and_then(|c| s.population.residents(c));
        for a in population::areas_of(f, s.merge_city_into_met) {
            rows.push(f, a, "*", residents);
        }
    }
    for (lad, pfa, residents) in s.district_residents() {
        if let Some(f) = s.forces.iter().find(|f| f.pfa_code == Some(pfa)) {
            rows.push(f, &lad.code, &lad.code, Some(&residents));
        }
    }
    rows.frame(&s.population.vintage)
}

#[derive(Default)]
struct PopulationRows<'a> {
    force: Vec<&'static str>,
    area: Vec<&'a str>,
    place: Vec<&'a str>,
    pfa: Vec<Option<&'static str>>,
    group: Vec<&'static str>,
    count: Vec<Option<i64>>,
}

impl<'a> PopulationRows<'a> {
    fn push(&mut self, f: &Force, area: &'a str, place: &'a str, residents: Option<&Residents>) {
        for g in POPULATION_GROUPS {
            self.force.push(f.id);
            self.area.push(area);
            self.place.push(place);
            self.pfa.push(f.pfa_code);
            self.group.push(g);
            let n = residents.and_then(|r| match g {
                "All" => Some(r.total),
                "Not stated" | "Missing" => None,
                _ => {
                    let e = Ethnicity::ALL.iter().find(|e| e.as_str() == g)?;
                    r.of(*e)
                }
            });
            self.count.push(n.map(|n| n as i64));
        }
    }

    fn frame(self, vintage: &str) -> PolarsResult<DataFrame> {
        let height = self.force.len();
        DataFrame::new(
            height,
            vec![
                Column::new("force".into(), self.force),
                Column::new("area".into(), self.area),
                Column::new("place".into(), self.place),
                Column::new("pfa_code".into(), self.pfa),
                Column::new("census".into(), vec![vintage; height]),
                Column::new("ethnicity".into(), self.group),
                Column::new("population".into(), self.count),
            ],
        )
    }
}

/// The aggregate tables the queries make, run on empty tables: their columns, types and
/// descriptions, for the data dictionary.
pub fn describe(queries: Vec<Query>, s: &Settings) -> Result<Vec<Table>> {
    let normaliser = crate::normalise::Normaliser::new(&[], &s.grounds);
    let searches = crate::normalise::frame::searches(&mut [], &normaliser, &[], &[], None)
        .map_err(Error::polars("an empty searches table"))?;
    let coverage = crate::normalise::frame::coverage(&[], &[])
        .map_err(Error::polars("an empty coverage table"))?;
    let mut tables = Vec::new();
    build(queries, searches, &coverage, s, None, |t| {
        tables.push(t);
        Ok(())
    })?;
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
    Ok(tables)
}

/// Runs a query on polars' streaming engine (several times faster than the in-memory one on
/// these group-bys and joins).
fn collect(lf: LazyFrame) -> PolarsResult<DataFrame> {
    match lf.collect_with_engine(Engine::Streaming)? {
        QueryResult::Single(df) => Ok(df),
        QueryResult::Multiple(_) => {
            polars_bail!(ComputeError: "a query returned several results")
        }
    }
}

/// Sorts a query's result so it does not depend on how the engine ordered it: by every column
/// but the floating-point ones (which follow from the counts), left to right, text in
/// lexical order, nulls first.
///
/// It runs before the area columns are added (`area_type` before `area`, and `area_name`,
/// `force` and `low_location_coverage`, which follow from the area and period), so `area`
/// is ordered by its type first (`area_kind`, 0 for an unknown area), as if `area_type`
/// were there; the order is the same and three text columns fewer are ranked and moved.
///
/// Each key column becomes dense ranks (text columns are low-cardinality: areas, periods,
/// groups), and the ranks are packed left to right into as few 64-bit words as they fit, so
/// the sort compares one integer per row, not a string or a list of columns; only rows whose
/// first word ties (none, in a table whose leading columns are its key) compare the rest.
fn sort_deterministically(
    df: DataFrame,
    area_kind: impl Fn(&str) -> u8 + Sync,
) -> PolarsResult<DataFrame> {
    use rayon::prelude::*;
    let keys: Vec<(Vec<u32>, u32)> = df
        .columns()
        .par_iter()
        .filter(|c| !c.dtype().is_float())
        .map(|c| {
            if c.name().as_str() == "area" {
                let text = c.cast(&DataType::String)?;
                Ok(text_ranks(text.str()?, &area_kind))
            } else {
                dense_ranks(c)
            }
        })
        .collect::<PolarsResult<_>>()?;
    let words = pack(&keys, df.height());
    let Some((first, rest)) = words.split_first() else {
        return Ok(df);
    };
    let mut order: Vec<(u64, IdxSize)> = first
        .iter()
        .enumerate()
        .map(|(i, w)| (*w, i as IdxSize))
        .collect();
    // The row number breaks ties, so rows equal in every key keep the engine's order (only
    // identical rows are), as a stable sort would.
    order.par_sort_unstable();
    if !rest.is_empty() {
        let mut start = 0;
        while start < order.len() {
            let end = start + order[start..].partition_point(|(w, _)| *w == order[start].0);
            if end - start > 1 {
                order[start..end].sort_by(|&(_, a), &(_, b)| {
                    rest.iter()
                        .map(|w| w[a as usize].cmp(&w[b as usize]))
                        .find(|o| o.is_ne())
                        .unwrap_or(std::cmp::Ordering::Equal)
                });
            }
            start = end;
        }
    }
    let order: Vec<IdxSize> = order.into_iter().map(|(_, i)| i).collect();
    df.take(&IdxCa::from_vec("order".into(), order))
}

/// Text as dense ranks ordered by `(prefix(value), value)`, nulls 0, and the number of
/// distinct values. Each row is looked up by its 16-byte view (which holds a string of up to
/// 12 bytes whole), so short labels are neither hashed as text nor compared byte by byte.
fn text_ranks(text: &StringChunked, prefix: impl Fn(&str) -> u8) -> (Vec<u32>, u32) {
    const NULL: u32 = u32::MAX;
    let mut ids: Vec<u32> = Vec::with_capacity(text.len());
    let mut short: FastMap<u128, u32> = FastMap::default();
    let mut long: FastMap<&str, u32> = FastMap::default();
    let mut values: Vec<&str> = Vec::new();
    for array in text.downcast_iter() {
        let views = array.views();
        for (i, view) in views.iter().enumerate() {
            if !array.is_valid(i) {
                ids.push(NULL);
                continue;
            }
            // SAFETY: `i` is within the array.
            let value = || unsafe { array.value_unchecked(i) };
            let next = values.len() as u32;
            let id = if view.length <= View::MAX_INLINE_SIZE {
                *short.entry(view.as_u128()).or_insert(next)
            } else {
                *long.entry(value()).or_insert(next)
            };
            if id == next {
                values.push(value());
            }
            ids.push(id);
        }
    }
    // Equal strings stored two ways (inline views padded differently) share a rank.
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_unstable_by_key(|&i| (prefix(values[i]), values[i]));
    let mut rank_of = vec![0u32; values.len()];
    let mut rank = 0;
    let mut previous: Option<&str> = None;
    for i in order {
        if previous != Some(values[i]) {
            rank += 1;
            previous = Some(values[i]);
        }
        rank_of[i] = rank;
    }
    let ranks = ids
        .into_iter()
        .map(|id| if id == NULL { 0 } else { rank_of[id as usize] })
        .collect();
    (ranks, rank)
}

/// Packs each row's ranks, left to right, into 64-bit words that compare as the ranks do.
fn pack(keys: &[(Vec<u32>, u32)], height: usize) -> Vec<Vec<u64>> {
    let mut words: Vec<Vec<u64>> = Vec::new();
    let mut free = 0u32;
    for (ranks, cardinality) in keys {
        // Ranks run from 0 (null) to the cardinality.
        let bits = 32 - cardinality.leading_zeros();
        if bits == 0 {
            continue;
        }
        if bits > free {
            words.push(vec![0; height]);
            free = 64;
        }
        free -= bits;
        let word = words.last_mut().expect("pushed above");
        for (w, r) in word.iter_mut().zip(ranks) {
            *w |= u64::from(*r) << free;
        }
    }
    words
}

/// A column as dense ranks ordered like its values (text lexically, nulls 0), and the
/// number of distinct values.
fn dense_ranks(column: &Column) -> PolarsResult<(Vec<u32>, u32)> {
    let dtype = column.dtype();
    if matches!(dtype, DataType::Enum(..) | DataType::Categorical(..)) {
        // Rank the few categories present once, then map each row's code.
        let distinct = column.unique()?;
        let codes = distinct.to_physical_repr().cast(&DataType::UInt32)?;
        let text = distinct.cast(&DataType::String)?;
        let mut present: Vec<(&str, u32)> = text
            .str()?
            .iter()
            .zip(codes.u32()?.iter())
            .filter_map(|(t, c)| Some((t?, c?)))
            .collect();
        present.sort_unstable();
        let size = present
            .iter()
            .map(|(_, c)| *c as usize + 1)
            .max()
            .unwrap_or(0);
        let mut rank = vec![0u32; size];
        for (i, (_, c)) in present.iter().enumerate() {
            rank[*c as usize] = i as u32 + 1;
        }
        let rows = column.to_physical_repr().cast(&DataType::UInt32)?;
        let ranks = rows
            .u32()?
            .iter()
            .map(|c| c.map_or(0, |c| rank[c as usize]))
            .collect();
        return Ok((ranks, present.len() as u32));
    }
    if dtype == &DataType::String {
        return Ok(text_ranks(column.str()?, |_| 0));
    }
    let values: Vec<Option<i64>> = if dtype.is_bool() {
        column.bool()?.iter().map(|v| v.map(i64::from)).collect()
    } else {
        let ints = column.cast(&DataType::Int64)?;
        ints.i64()?.iter().collect()
    };
    // Counts are many-valued, so they are ranked by their offset from the smallest (dense
    // enough to pack, and no search per row) unless they span too wide a range.
    let (low, high) = values
        .iter()
        .flatten()
        .fold((i64::MAX, i64::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
    if low > high {
        return Ok((vec![0; values.len()], 0));
    }
    if let Some(span) = high
        .checked_sub(low)
        .filter(|s| *s < i64::from(u32::MAX - 1))
    {
        let ranks = values
            .iter()
            .map(|v| v.map_or(0, |v| (v - low) as u32 + 1))
            .collect();
        return Ok((ranks, span as u32 + 1));
    }
    let mut distinct: Vec<i64> = values.iter().flatten().copied().collect();
    distinct.sort_unstable();
    distinct.dedup();
    let ranks = values
        .iter()
        .map(|v| v.map_or(0, |v| distinct.partition_point(|d| *d < v) as u32 + 1))
        .collect();
    Ok((ranks, distinct.len() as u32))
}

/// Runs one query. Its common table expressions are run one at a time, each result kept and
/// named for the parts that follow, so a CTE named twice is computed once.
fn run_query(ctx: &mut SQLContext, sql: &str, query: &str) -> PolarsResult<DataFrame> {
    let registered = ctx.get_tables();
    let Some(parts) = queries::split_ctes(sql)
        .filter(|p| p.ctes.iter().all(|(name, _)| !registered.contains(name)))
    else {
        return ctx.execute(sql).and_then(collect);
    };
    let mut named = Vec::new();
    let result = (|| {
        for (name, cte) in &parts.ctes {
            let clock = std::time::Instant::now();
            let df = ctx.execute(cte).and_then(collect)?;
            tracing::trace!(query, cte = %name, rows = df.height(), elapsed = ?clock.elapsed(), "ran");
            ctx.register(name, df.lazy());
            named.push(name.clone());
        }
        ctx.execute(&parts.body).and_then(collect)
    })();
    for name in named {
        ctx.unregister(&name);
    }
    result
}

/// Runs every query in dependency order; returns the tables (not the helpers), each sorted by
/// its columns from left to right (floating-point columns aside) so the output does not depend
/// on how the engine ordered it.
///
/// A table no query still to run reads is let go as soon as it can be (the row-level searches
/// among them), so memory holds only what the remaining queries need.
///
/// Each finished table goes to `on_table` at once (to be written and, if nothing else needs
/// it, let go).
///
/// With a [`Splice`], the queries run over its window of months only, and each table is the
/// published one with the rows of the touched periods made again.
pub fn build(
    queries: Vec<Query>,
    searches: DataFrame,
    coverage: &DataFrame,
    s: &Settings,
    splice: Option<&Splice>,
    mut on_table: impl FnMut(Table) -> Result<()>,
) -> Result<()> {
    let queries = queries::order(queries)?;
    let folder = queries
        .first()
        .and_then(|q| q.path.parent())
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let mut built: Vec<String> = Vec::new();
    let mut last_read: BTreeMap<String, usize> = BTreeMap::new();
    for (i, q) in queries.iter().enumerate() {
        for t in &q.reads {
            last_read.insert(t.clone(), i);
        }
    }
    // With a splice, `read` holds the periods the remade rows read.
    let (mut ctx, read) = match splice {
        Some(splice) => {
            let (searches, coverage, read) = splice
                .restrict(&searches, coverage)
                .map_err(Error::polars("taking the months the changed periods read"))?;
            tracing::debug!(
                searches = searches.height(),
                force_months = coverage.height(),
                "the searches the changed periods read"
            );
            (context(searches, &coverage, s)?, read)
        }
        None => (context(searches, coverage, s)?, Default::default()),
    };
    let params = BTreeMap::from([
        ("reference".to_owned(), s.reference.as_str().to_owned()),
        (
            "home_office_limit".to_owned(),
            s.home_office_limit.to_string(),
        ),
    ]);
    let mut places = areas::Areas::of(s);
    let mut areas = AreaFlags {
        no_resident_population: vec!["btp".to_owned()],
        unsuitable: if s.merge_city_into_met {
            vec![]
        } else {
            vec!["city-of-london".to_owned()]
        },
        suspect_months: suspect_periods(coverage, s)?,
        not_stated: HashMap::new(),
        not_stated_limit: s.not_stated_limit,
        reference: s.reference.as_str().to_owned(),
    };
    for (i, q) in queries.into_iter().enumerate() {
        let failed = |source: PolarsError| Error::QueryFailed {
            file: q.path.display().to_string(),
            source,
        };
        let sql = queries::substitute(&q.sql, &params);
        let clock = std::time::Instant::now();
        let df = run_query(&mut ctx, &sql, &q.name).map_err(failed)?;
        tracing::debug!(query = %q.name, rows = df.height(), elapsed = ?clock.elapsed(), "ran");
        for (name, last) in &last_read {
            if *last == i {
                ctx.unregister(name);
            }
        }
        if q.is_helper() {
            let df = match splice {
                Some(_) if q.name == "_area_periods" => {
                    splice::keep_read(&df, &read).map_err(failed)?
                }
                _ => df,
            };
            if last_read.contains_key(&q.name) {
                ctx.register(&q.name, df.lazy());
            }
            if q.name == "_area_periods" {
                areas.not_stated = not_stated_shares(&mut ctx);
            }
            continue;
        }
        let clock = std::time::Instant::now();
        let (df, key) = match splice {
            Some(splice) => {
                let key = splice::key_columns(&df).map_err(failed)?;
                (splice.keep_touched(&df).map_err(failed)?, Some(key))
            }
            None => (df, None),
        };
        let mut df = sort_deterministically(df, |a| places.kind_order(a)).map_err(failed)?;
        let described = places.decorate(&mut df).map_err(failed)?;
        tracing::debug!(query = %q.name, elapsed = ?clock.elapsed(), "sorted and areas described");
        if q.name == areas::LOCATION_COVERAGE {
            places.learn_location_coverage(&df).map_err(failed)?;
        }
        let clock = std::time::Instant::now();
        let mut derived = derive::derive(&mut df, &areas).map_err(failed)?;
        derived.extend(
            areas::DOCS
                .iter()
                .filter(|(c, _)| described.contains(c))
                .map(|(c, d)| ((*c).to_owned(), (*d).to_owned())),
        );
        tracing::debug!(query = %q.name, elapsed = ?clock.elapsed(), "statistics added");
        if let (Some(splice), Some(key)) = (splice, &key) {
            let clock = std::time::Instant::now();
            let made = df.height();
            df = splice
                .merge(&q.name, df, key, |a| places.kind_order(a))
                .map_err(failed)?;
            tracing::debug!(query = %q.name, made_again = made, rows = df.height(), elapsed = ?clock.elapsed(), "spliced into the published table");
        }
        if let Some(c) = contract::of(&q.name) {
            c.check(&df, &q.path.display().to_string())?;
        }
        built.push(q.name.clone());
        if last_read.contains_key(&q.name) {
            let read = match splice {
                Some(_) => splice::keep_read(&df, &read).map_err(failed)?,
                None => df.clone(),
            };
            ctx.register(&q.name, read.lazy());
        }
        let meta = meta(&q, &df, &derived);
        on_table(Table { meta, df })?;
    }
    every_contract_built(&built, &folder)
}

/// Each area and period's share of person searches with no self-defined ethnicity, from
/// `_cube` and `_area_periods`, for the flags of the share tables; empty (flags null) if a
/// folder of queries has neither.
fn not_stated_shares(ctx: &mut SQLContext) -> HashMap<(String, String), f64> {
    let sql = "WITH cells AS (
            SELECT force, month, place,
                SUM(CASE WHEN vehicle_only THEN 0
                         WHEN CAST(ethnicity AS VARCHAR) IN ('Asian', 'Black', 'Mixed', 'White',
                              'Other') THEN 0
                         ELSE n END) AS unknown,
                SUM(CASE WHEN vehicle_only THEN 0 ELSE n END) AS people
            FROM _cube GROUP BY force, month, place
        )
        SELECT ap.area, ap.period, SUM(c.unknown) AS unknown, SUM(c.people) AS people
        FROM cells c
        JOIN _area_periods ap ON c.force = ap.force AND c.month = ap.month AND c.place = ap.place
        GROUP BY ap.area, ap.period";
    let mut read = || -> PolarsResult<HashMap<(String, String), f64>> {
        let df = ctx.execute(sql)?.collect()?;
        let area = df.column("area")?.cast(&DataType::String)?;
        let period = df.column("period")?.cast(&DataType::String)?;
        let unknown = df.column("unknown")?.cast(&DataType::Float64)?;
        let people = df.column("people")?.cast(&DataType::Float64)?;
        let (area, period) = (area.str()?, period.str()?);
        let (unknown, people) = (unknown.f64()?, people.f64()?);
        Ok((0..df.height())
            .filter_map(|i| {
                let p = people.get(i).filter(|p| *p > 0.0)?;
                Some((
                    (area.get(i)?.to_owned(), period.get(i)?.to_owned()),
                    unknown.get(i)? / p,
                ))
            })
            .collect())
    };
    read().unwrap_or_else(|e| {
        tracing::debug!("no not-stated shares for the share tables: {e}");
        HashMap::new()
    })
}

/// How many force-months flagged `partial_suspected` or `spike_suspected` each area's
/// periods hold, by (area, period): a month, financial year and calendar year text never
/// coincide, so the period alone says its type.
fn suspect_periods(coverage: &DataFrame, s: &Settings) -> Result<HashMap<(String, String), u32>> {
    let rows = contract::CoverageRow::read(coverage)?;
    let mut areas_of_force: HashMap<&str, Vec<String>> = HashMap::new();
    for f in &s.forces {
        areas_of_force.insert(
            f.id,
            population::areas_of(f, s.merge_city_into_met)
                .into_iter()
                .map(str::to_owned)
                .collect(),
        );
    }
    for (lad, pfa, _) in s.district_residents() {
        if let Some(f) = s.forces.iter().find(|f| f.pfa_code == Some(pfa)) {
            areas_of_force
                .entry(f.id)
                .or_default()
                .push(lad.code.clone());
        }
    }
    let mut out: HashMap<(String, String), u32> = HashMap::new();
    for r in rows
        .iter()
        .filter(|r| r.partial_suspected || r.spike_suspected)
    {
        let Ok(month) = r.month.parse::<crate::reference::month::Month>() else {
            continue;
        };
        let periods = month.periods();
        for area in areas_of_force.get(r.force.as_str()).into_iter().flatten() {
            for p in &periods {
                *out.entry((area.clone(), p.clone())).or_default() += 1;
            }
        }
    }
    Ok(out)
}

/// The published counts given with `--home-office` (no rows without), and the powers each
/// of its legislation types covers.
fn home_office_frames(s: &Settings) -> PolarsResult<[DataFrame; 2]> {
    use crate::reference::home_office::POWERS;
    let counts = s
        .home_office
        .as_deref()
        .map_or(&[][..], |h| h.counts.as_slice());
    let counts = df!(
        "area" => counts.iter().map(|c| c.area.as_str()).collect::<Vec<_>>(),
        "financial_year" => counts.iter().map(|c| c.financial_year.as_str()).collect::<Vec<_>>(),
        "power" => counts.iter().map(|c| c.power).collect::<Vec<_>>(),
        "ethnicity" => counts.iter().map(|c| c.ethnicity).collect::<Vec<_>>(),
        "searches" => counts.iter().map(|c| c.searches as i64).collect::<Vec<_>>(),
    )?;
    let pairs: Vec<(&str, &str)> = POWERS
        .iter()
        .flat_map(|(set, members)| members.iter().map(move |m| (*set, *m)))
        .collect();
    let powers = df!(
        "power_set" => pairs.iter().map(|p| p.0).collect::<Vec<_>>(),
        "power" => pairs.iter().map(|p| p.1).collect::<Vec<_>>(),
    )?;
    Ok([counts, powers])
}

/// The registered tables every query may read: the row-level searches and coverage, each
/// search's grounds categories as rows, the classifier's categories and the population.
fn context(searches: DataFrame, coverage: &DataFrame, s: &Settings) -> Result<SQLContext> {
    let ctx = SQLContext::new();
    let grounds = search_grounds(&searches).map_err(Error::polars("the search_grounds table"))?;
    ctx.register("search_grounds", grounds.lazy());
    ctx.register(
        "grounds_categories",
        grounds_categories(&s.grounds)
            .map_err(Error::polars("the grounds_categories table"))?
            .lazy(),
    );
    ctx.register("searches", searches.lazy());
    ctx.register("coverage", coverage.clone().lazy());
    let population = population_frame(s).map_err(Error::polars("building the population table"))?;
    ctx.register("population", population.lazy());
    let [by_age, bands, standard] =
        age::frames(s).map_err(Error::polars("building the population by age tables"))?;
    ctx.register("population_age", by_age.lazy());
    ctx.register("age_bands", bands.lazy());
    ctx.register("age_standard", standard.lazy());
    let [home_office, powers] =
        home_office_frames(s).map_err(Error::polars("building the home_office table"))?;
    ctx.register("home_office", home_office.lazy());
    ctx.register("home_office_powers", powers.lazy());
    Ok(ctx)
}

/// A table's metadata: the query's description, and each column's documentation from the
/// query file or from the statistic that added it.
fn meta(q: &Query, df: &DataFrame, derived: &[(String, String)]) -> TableMeta {
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
    TableMeta {
        name: q.name.clone(),
        description: q.description.clone(),
        columns,
    }
}

/// A table the report reads that no query made (its SQL file deleted or renamed) is an error
/// naming the file it should come from.
fn every_contract_built(built: &[String], folder: &std::path::Path) -> Result<()> {
    for c in contract::ALL.iter().filter(|c| c.table != "coverage") {
        if !built.iter().any(|b| b == c.table) {
            return Err(Error::Contract {
                file: folder
                    .join(format!("{}.sql", c.table))
                    .display()
                    .to_string(),
                table: c.table.to_owned(),
                column: c.columns[0].0.to_owned(),
                problem: "no query in the queries folder makes this table".to_owned(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// One row's sort key read straight from the values: `(kind, area)`, then each column,
    /// nulls first, text lexically; the reference the packed sort must agree with.
    type Key = (
        u8,
        Option<String>,
        Option<String>,
        Option<i64>,
        Option<bool>,
        Option<String>,
    );

    /// A generated row: an index into `AREAS`, a period, a count, a flag and a label.
    type Generated = (
        Option<usize>,
        Option<String>,
        Option<i64>,
        Option<bool>,
        Option<String>,
    );

    fn frame(rows: &[Generated]) -> DataFrame {
        let area: Vec<Option<&str>> = rows.iter().map(|r| r.0.map(|i| AREAS[i])).collect();
        df!(
            "area" => area,
            "period" => rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>(),
            "n" => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            "flag" => rows.iter().map(|r| r.3).collect::<Vec<_>>(),
            "ratio" => rows.iter().map(|r| r.2.map(|n| n as f64 / 7.0)).collect::<Vec<_>>(),
            "label" => rows.iter().map(|r| r.4.clone()).collect::<Vec<_>>(),
        )
        .unwrap()
    }

    const AREAS: [&str; 4] = ["met", "E09000033", "england-and-wales", "nowhere"];

    fn kind(a: &str) -> u8 {
        match a {
            "england-and-wales" => 1,
            "met" => 2,
            "E09000033" => 3,
            _ => 0,
        }
    }

    fn keys(df: &DataFrame) -> Vec<Key> {
        let text = |c: &str| -> Vec<Option<String>> {
            df.column(c)
                .unwrap()
                .str()
                .unwrap()
                .iter()
                .map(|v| v.map(str::to_owned))
                .collect()
        };
        let (area, period, label) = (text("area"), text("period"), text("label"));
        let n: Vec<Option<i64>> = df.column("n").unwrap().i64().unwrap().iter().collect();
        let flag: Vec<Option<bool>> = df.column("flag").unwrap().bool().unwrap().iter().collect();
        (0..df.height())
            .map(|i| {
                (
                    area[i].as_deref().map_or(0, kind),
                    area[i].clone(),
                    period[i].clone(),
                    n[i],
                    flag[i],
                    label[i].clone(),
                )
            })
            .collect()
    }

    fn label() -> impl Strategy<Value = Option<String>> {
        // Short labels sit inline in their views, long ones in a buffer: both are ranked.
        prop::option::of(prop_oneof![
            "[a-c]{0,3}",
            "[a-c]{13,15}",
            Just("financial_year".to_owned()),
        ])
    }

    proptest! {
        #[test]
        fn packed_sort_orders_rows_as_comparing_them_would(
            rows in prop::collection::vec(
                (
                    prop::option::of(0..AREAS.len()),
                    label(),
                    prop::option::of(prop_oneof![-3i64..3, Just(i64::MIN + 1), Just(i64::MAX)]),
                    prop::option::of(any::<bool>()),
                    label(),
                ),
                0..60,
            )
        ) {
            let df = frame(&rows);
            let mut expected = keys(&df);
            expected.sort();
            let sorted = sort_deterministically(df, kind).unwrap();
            prop_assert_eq!(keys(&sorted), expected);
            // The floating-point column travels with its row.
            let n: Vec<Option<i64>> = sorted.column("n").unwrap().i64().unwrap().iter().collect();
            let ratio: Vec<Option<f64>> = sorted.column("ratio").unwrap().f64().unwrap().iter().collect();
            prop_assert_eq!(ratio, n.iter().map(|n| n.map(|n| n as f64 / 7.0)).collect::<Vec<_>>());
        }
    }
}
