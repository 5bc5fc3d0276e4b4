//! Statistics computed in Rust from a query's count columns, by column name, so any query
//! (built-in or an analyst's own) that returns the right counts gets rates, ratios, intervals
//! and flags. The rules:
//!
//! | the query returns | added |
//! |---|---|
//! | `searches`, `exposure` (and `reference_searches`, `reference_exposure`) | `rate_per_1000`, `rate_ci_low`, `rate_ci_high` (and `reference_…`), `no_population` |
//! | `searches`, `exposure`, `reference_searches`, `reference_exposure` | `rate_ratio`, `ratio_ci_low/high` (exact), `ratio_midp_low/high`, `undefined_ratio`, `infinite_ratio` |
//! | … and `not_stated_searches` | `ratio_if_not_stated_in_group`, `ratio_if_not_stated_in_reference` |
//! | … and `officer_fallback_searches`, `officer_fallback_reference_searches` | `rate_ratio_officer_fallback` |
//! | strata: `sex`, `age_band`, `searches`, `exposure`, `standard_weight`, `standard_weight_within_sex` (with `area`, `period…`, `ethnicity`, `reference_ethnicity`) | on the `all`-band rows: `stratified_searches`, `standardised_rate_per_1000`, `standardised_variance`, `standardised_max_weight` and the reference group's |
//! | `standardised_rate_per_1000`, `standardised_variance`, `standardised_max_weight` (and `reference_…`) | `standardised_ci_low/high` (Fay–Feuer; and `reference_…`), with both arms `standardised_ratio`, `standardised_ratio_ci_low/high` (log-normal) |
//! | `not_stated_searches`, `all_searches` (and `vehicle_only_searches`) | `not_stated_share` (over person searches) |
//! | `not_stated_share` and the two bounds | `high_not_stated`, `direction_uncertain` |
//! | `area`, `period`, `share_ratio` | `high_not_stated` (the area-period's share, from the cube) |
//! | `searches`, `previous_searches` | `change_ratio`, `change_ci_low/high` (exact), `percent_change` |
//! | … and `reference_searches`, `previous_reference_searches` | `ratio_change`, `ratio_change_ci_low/high` (log-normal) |
//! | `out_of_court`, `out_of_court_base` and their `previous_` | `out_of_court_share`, `previous_out_of_court_share`, `out_of_court_share_change` and its Newcombe interval |
//! | `area`, `period` | `suspect_months` |
//! | `n`, `total` (and `reference_n`, `reference_total`) | `share`, `share_ci_low/high` (Wilson); `reference_share`, `share_ratio`, `share_ratio_ci_low/high` (Katz) |
//! | `population` | `small_denominator` |
//! | `area`, with a rate | `no_resident_population`, `resident_denominator_unsuitable` |
//! | any of the above | `small_numbers` |

use polars::prelude::*;
use rayon::prelude::*;

use super::intervals::{self, Share};

/// What the flags need to know about areas.
#[derive(Debug, Clone)]
pub struct AreaFlags {
    /// Areas with no resident population (British Transport Police).
    pub no_resident_population: Vec<String>,
    /// Areas whose resident population is no fit denominator (the City of London, a commuter
    /// and visitor area with 8,584 residents), unless merged into the Met.
    pub unsuitable: Vec<String>,
    /// Force-months flagged partial or spike in coverage, by (area, period).
    pub suspect_months: std::collections::HashMap<(String, String), u32>,
    /// Share of person searches with no self-defined ethnicity, by (area, period).
    pub not_stated: std::collections::HashMap<(String, String), f64>,
    /// Above this share not stated, ratios are flagged `high_not_stated` (default 0.2).
    pub not_stated_limit: f64,
    /// The reference group (`White` unless `--reference` says otherwise).
    pub reference: String,
}

/// A derived column with its documentation.
type Derived = (Column, String);

/// One row of the module doc's table: the columns a rule reads, and what it adds.
struct Rule {
    /// The rule runs only when every one of these columns is present.
    needs: &'static [&'static str],
    /// The rule's columns, computed from the frame as the earlier rules left it.
    add: fn(&DataFrame, &AreaFlags) -> PolarsResult<Vec<Derived>>,
}

const RATE: &[&str] = &["searches", "exposure"];
const REFERENCE_RATE: &[&str] = &["reference_searches", "reference_exposure"];
const RATIO: &[&str] = &[
    "searches",
    "exposure",
    "reference_searches",
    "reference_exposure",
];
const SHARE: &[&str] = &["n", "total"];
const STRATA: &[&str] = &[
    "area",
    "period_type",
    "period",
    "ethnicity",
    "reference_ethnicity",
    "sex",
    "age_band",
    "searches",
    "exposure",
    "standard_weight",
    "standard_weight_within_sex",
];
const STANDARDISED: &[&str] = &[
    "standardised_rate_per_1000",
    "standardised_variance",
    "standardised_max_weight",
];
const REFERENCE_STANDARDISED: &[&str] = &[
    "reference_standardised_rate_per_1000",
    "reference_standardised_variance",
    "reference_standardised_max_weight",
];
const STANDARDISED_RATIO: &[&str] = &[
    "standardised_rate_per_1000",
    "standardised_variance",
    "reference_standardised_rate_per_1000",
    "reference_standardised_variance",
];
const SHARE_RATIO: &[&str] = &["n", "total", "reference_n", "reference_total"];
const CHANGE: &[&str] = &["searches", "previous_searches"];
const RATIO_CHANGE: &[&str] = &[
    "searches",
    "previous_searches",
    "reference_searches",
    "previous_reference_searches",
];
const DIVERSION_CHANGE: &[&str] = &[
    "out_of_court",
    "out_of_court_base",
    "previous_out_of_court",
    "previous_out_of_court_base",
];

/// The rules, in the order their columns are added.
const RULES: &[Rule] = &[
    Rule {
        needs: RATE,
        add: rate,
    },
    Rule {
        needs: REFERENCE_RATE,
        add: reference_rate,
    },
    Rule {
        needs: RATE,
        add: no_population,
    },
    Rule {
        needs: RATIO,
        add: rate_ratio,
    },
    Rule {
        needs: &[
            "searches",
            "exposure",
            "reference_searches",
            "reference_exposure",
            "not_stated_searches",
        ],
        add: not_stated_bounds,
    },
    Rule {
        needs: &[
            "searches",
            "exposure",
            "reference_searches",
            "reference_exposure",
            "officer_fallback_searches",
            "officer_fallback_reference_searches",
        ],
        add: officer_fallback,
    },
    Rule {
        needs: STRATA,
        add: standardise,
    },
    Rule {
        needs: STANDARDISED,
        add: standardised,
    },
    Rule {
        needs: REFERENCE_STANDARDISED,
        add: reference_standardised,
    },
    Rule {
        needs: STANDARDISED_RATIO,
        add: standardised_ratio,
    },
    Rule {
        needs: &["not_stated_searches", "all_searches"],
        add: not_stated_share,
    },
    Rule {
        needs: &[
            "not_stated_share",
            "ratio_if_not_stated_in_group",
            "ratio_if_not_stated_in_reference",
        ],
        add: unknown_ethnicity_flags,
    },
    Rule {
        needs: SHARE,
        add: share,
    },
    Rule {
        needs: SHARE_RATIO,
        add: share_ratio,
    },
    Rule {
        needs: &["area", "period", "share_ratio"],
        add: share_not_stated,
    },
    Rule {
        needs: &["searches", "exposure", "population"],
        add: small_denominator,
    },
    Rule {
        needs: &["searches", "exposure", "area"],
        add: area_flags,
    },
    Rule {
        needs: CHANGE,
        add: change,
    },
    Rule {
        needs: RATIO_CHANGE,
        add: ratio_change,
    },
    Rule {
        needs: DIVERSION_CHANGE,
        add: diversion_change,
    },
    Rule {
        needs: &["area", "period"],
        add: suspect_months,
    },
    // "Any of the above": the flag picks its own case from `SMALL_NUMBERS`.
    Rule {
        needs: &[],
        add: small_numbers,
    },
];

/// Adds the derived columns; returns the documentation of each column added.
pub fn derive(df: &mut DataFrame, areas: &AreaFlags) -> PolarsResult<Vec<(String, String)>> {
    let mut added: Vec<(String, String)> = Vec::new();
    for rule in RULES {
        if !has(df, rule.needs) {
            continue;
        }
        for (col, doc) in (rule.add)(df, areas)? {
            added.push((col.name().to_string(), doc));
            df.with_column(col)?;
        }
    }
    Ok(added)
}

fn has(df: &DataFrame, names: &[&str]) -> bool {
    names.iter().all(|n| df.schema().contains(n))
}

fn rate(df: &DataFrame, _: &AreaFlags) -> PolarsResult<Vec<Derived>> {
    rate_arm(df, "")
}

fn reference_rate(df: &DataFrame, _: &AreaFlags) -> PolarsResult<Vec<Derived>> {
    rate_arm(df, "reference_")
}

/// The rate and its interval of one arm: the group (`p` empty) or the reference group.
fn rate_arm(df: &DataFrame, p: &str) -> PolarsResult<Vec<Derived>> {
    let height = df.height();
    let n = counts(df, &format!("{p}searches"))?;
    let e = floats(df, &format!("{p}exposure"))?;
    // Each distinct count's interval once: counts repeat across thousands of rows.
    let limits = memo(n.iter().flatten().copied(), intervals::poisson_count);
    let rates: Vec<Option<intervals::Rate>> = (0..height)
        .map(|i| intervals::rate_with(n[i]?, e[i]?, limits[&n[i]?]))
        .collect();
    let arm = if p.is_empty() {
        ""
    } else {
        " of the reference group"
    };
    Ok(vec![
        (
            f64_col(
                &format!("{p}rate_per_1000"),
                rates.iter().map(|r| r.map(|r| r.rate)),
            ),
            format!(
                "Searches per 1,000 residents{arm} per year: 1000 × searches / exposure. For a month, the yearly rate at that month's pace; for a fully covered financial year, the Home Office rate. Null without a resident population."
            ),
        ),
        (
            f64_col(
                &format!("{p}rate_ci_low"),
                rates.iter().map(|r| r.map(|r| r.low)),
            ),
            format!("Lower limit of the exact (Garwood) 95% Poisson interval of the rate{arm}."),
        ),
        (
            f64_col(
                &format!("{p}rate_ci_high"),
                rates.iter().map(|r| r.map(|r| r.high)),
            ),
            format!("Upper limit of the exact 95% Poisson interval of the rate{arm}."),
        ),
    ])
}

fn no_population(df: &DataFrame, _: &AreaFlags) -> PolarsResult<Vec<Derived>> {
    let e = floats(df, "exposure")?;
    Ok(vec![(
        bool_col(
            "no_population",
            e.iter().map(|e| !e.is_some_and(|e| e > 0.0)),
        ),
        "True where there is no resident population to divide by (British Transport Police, Not stated, Missing), so no rate.".to_owned(),
    )])
}

/// The group's and the reference group's counts and exposures, row by row.
struct Arms {
    n1: Vec<Option<u64>>,
    e1: Vec<Option<f64>>,
    n0: Vec<Option<u64>>,
    e0: Vec<Option<f64>>,
}

impl Arms {
    fn read(df: &DataFrame) -> PolarsResult<Self> {
        Ok(Self {
            n1: counts(df, "searches")?,
            e1: floats(df, "exposure")?,
            n0: counts(df, "reference_searches")?,
            e0: floats(df, "reference_exposure")?,
        })
    }
}

/// A plain rate ratio for the sensitivity columns; null unless both exposures and the
/// reference count are positive.
fn plain_ratio(a: Option<u64>, ea: Option<f64>, b: Option<u64>, eb: Option<f64>) -> Option<f64> {
    let (a, ea, b, eb) = (a? as f64, ea?, b? as f64, eb?);
    (ea > 0.0 && eb > 0.0 && b > 0.0).then(|| (a / ea) / (b / eb))
}

fn rate_ratio(df: &DataFrame, _: &AreaFlags) -> PolarsResult<Vec<Derived>> {
    let height = df.height();
    let Arms { n1, e1, n0, e0 } = Arms::read(df)?;
    let splits = (0..height).filter_map(|i| Some((n1[i]?, n1[i]? + n0[i]?)));
    let limits = memo(splits.filter(|(_, n)| *n > 0), |(x, n)| {
        intervals::split_limits(x, n)
    });
    let ratios: Vec<Option<intervals::RateRatio>> = (0..height)
        .map(|i| {
            let (a, b) = (n1[i]?, n0[i]?);
            let l = limits.get(&(a, a + b))?;
            intervals::rate_ratio_with(a, e1[i]?, b, e0[i]?, l)
        })
        .collect();
    let doc = |s: &str| s.to_owned();
    Ok(vec![
        (
            f64_col("rate_ratio", ratios.iter().map(|r| r.and_then(|r| r.ratio))),
            doc(
                "Rate ratio (searches per 1,000 residents): the group's rate divided by the reference group's. A ratio of search rates, not a probability. Null when both counts are zero (undefined) or the reference count is zero (infinite).",
            ),
        ),
        (
            f64_col(
                "ratio_ci_low",
                ratios.iter().map(|r| r.map(|r| r.exact.low)),
            ),
            doc(
                "Lower limit of the exact conditional 95% interval (Clopper–Pearson on the binomial split of the two counts, offset by the exposures). Finite even when a count is zero.",
            ),
        ),
        (
            f64_col(
                "ratio_ci_high",
                ratios.iter().map(|r| r.and_then(|r| r.exact.high)),
            ),
            doc("Upper limit of the exact conditional 95% interval; null when infinite."),
        ),
        (
            f64_col(
                "ratio_midp_low",
                ratios.iter().map(|r| r.map(|r| r.midp.low)),
            ),
            doc(
                "Lower limit of the mid-p 95% interval (less conservative than the exact interval).",
            ),
        ),
        (
            f64_col(
                "ratio_midp_high",
                ratios.iter().map(|r| r.and_then(|r| r.midp.high)),
            ),
            doc("Upper limit of the mid-p 95% interval; null when infinite."),
        ),
        (
            bool_col(
                "undefined_ratio",
                (0..height).map(|i| n1[i] == Some(0) && n0[i] == Some(0)),
            ),
            doc(
                "True when both groups have no searches: the ratio is undefined (0/0), never 0 or 1.",
            ),
        ),
        (
            bool_col(
                "infinite_ratio",
                (0..height).map(|i| n1[i].unwrap_or(0) > 0 && n0[i] == Some(0)),
            ),
            doc(
                "True when the reference group has no searches and the group has some: the ratio is infinite; its lower limit is still given.",
            ),
        ),
    ])
}

/// Bounds on the effect of unknown ethnicity on the rate ratio.
/// One standardised rate: Σ wᵢnᵢ/Eᵢ, Σ wᵢ²nᵢ/Eᵢ², the largest wᵢ/Eᵢ (per 1,000), and the
/// searches counted.
#[derive(Clone, Copy)]
struct Standardised {
    rate: Option<f64>,
    variance: Option<f64>,
    max_weight: Option<f64>,
    searches: u64,
}

fn at(v: &[Option<String>], i: usize) -> &str {
    v[i].as_deref().unwrap_or("")
}

/// Direct standardisation of each `all`-band row from the table's own strata (its rows by sex
/// and band). Summed here, in a fixed order, rather than in SQL: a floating-point sum whose
/// order follows the engine's threads would differ in the last digits from run to run.
fn standardise(df: &DataFrame, _: &AreaFlags) -> PolarsResult<Vec<Derived>> {
    use std::collections::{BTreeMap, BTreeSet};
    let text = |c: &str| strings(df, c);
    let (area, period_type, period) = (text("area")?, text("period_type")?, text("period")?);
    let (ethnicity, reference) = (text("ethnicity")?, text("reference_ethnicity")?);
    let (sex, band) = (text("sex")?, text("age_band")?);
    let n = counts(df, "searches")?;
    let e = floats(df, "exposure")?;
    let w_all = floats(df, "standard_weight")?;
    let w_sex = floats(df, "standard_weight_within_sex")?;
    let is_stratum = |i: usize| {
        band[i].as_deref().is_some_and(|b| b != "all")
            && matches!(sex[i].as_deref(), Some("Male" | "Female"))
    };
    type Key<'a> = (&'a str, &'a str, &'a str, &'a str);
    let bands: BTreeSet<&str> = (0..df.height())
        .filter(|&i| is_stratum(i))
        .map(|i| at(&band, i))
        .collect();
    // Strata by area, period and group, each list in (sex, band) order.
    let mut strata: BTreeMap<Key, Vec<(&str, &str, usize)>> = BTreeMap::new();
    for i in (0..df.height()).filter(|&i| is_stratum(i)) {
        strata
            .entry((
                at(&area, i),
                at(&period_type, i),
                at(&period, i),
                at(&ethnicity, i),
            ))
            .or_default()
            .push((at(&sex, i), at(&band, i), i));
    }
    for rows in strata.values_mut() {
        rows.sort_unstable();
    }
    let compute = |k: Key, of_sex: &str| -> Option<Standardised> {
        let rows: Vec<usize> = strata
            .get(&k)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter(|(s, _, _)| of_sex == "all" || *s == of_sex)
            .map(|(_, _, i)| *i)
            .collect();
        let searches = rows.iter().map(|&i| n[i].unwrap_or(0)).sum();
        let expected = if of_sex == "all" { 2 } else { 1 } * bands.len();
        let mut out = Standardised {
            rate: None,
            variance: None,
            max_weight: None,
            searches,
        };
        // Every stratum must be there with residents: a missing one (no month with both sex
        // and age) or an empty one leaves the rate undefined.
        if rows.len() != expected {
            return Some(out);
        }
        let (mut d, mut v, mut wm) = (0.0, 0.0, 0.0f64);
        for &i in &rows {
            let w = if of_sex == "all" { w_all[i] } else { w_sex[i] };
            let (Some(w), Some(e)) = (w, e[i]) else {
                return Some(out);
            };
            if e <= 0.0 {
                return Some(out);
            }
            let x = n[i].unwrap_or(0) as f64;
            d += 1000.0 * w * x / e;
            v += 1.0e6 * w * w * x / (e * e);
            wm = wm.max(1000.0 * w / e);
        }
        out.rate = Some(d);
        out.variance = Some(v);
        out.max_weight = Some(wm);
        Some(out)
    };
    let mut own = Vec::with_capacity(df.height());
    let mut theirs = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let of_sex = at(&sex, i);
        let wanted = at(&band, i) == "all" && matches!(of_sex, "all" | "Male" | "Female");
        let k = |g: &'_ str| -> Option<Standardised> {
            wanted
                .then(|| {
                    compute(
                        (at(&area, i), at(&period_type, i), at(&period, i), g),
                        of_sex,
                    )
                })
                .flatten()
        };
        own.push(k(at(&ethnicity, i)));
        theirs.push(k(at(&reference, i)));
    }
    let col = |name: &str, of: &[Option<Standardised>], f: fn(&Standardised) -> Option<f64>| {
        f64_col(name, of.iter().map(|s| s.as_ref().and_then(f)))
    };
    Ok(vec![
        (
            UInt64Chunked::from_iter_options(
                "stratified_searches".into(),
                own.iter().map(|s| s.map(|s| s.searches)),
            )
            .into_column(),
            "Rows with age_band `all`: searches with a sex of Male or Female and an age range, the ones standardisation counts.".to_owned(),
        ),
        (
            col("standardised_rate_per_1000", &own, |s| s.rate),
            "Rows with age_band `all`: directly standardised rate per 1,000 person-years, to England and Wales's residents by sex and age band (by band within the sex for a sex's row). Null when a stratum has no residents or no months with both sex and age.".to_owned(),
        ),
        (
            col("standardised_variance", &own, |s| s.variance),
            "Its variance: 1000² Σ wᵢ² nᵢ / Eᵢ².".to_owned(),
        ),
        (
            col("standardised_max_weight", &own, |s| s.max_weight),
            "The largest stratum weight per 1,000 person-years (1000 wᵢ / Eᵢ), for the Fay–Feuer upper limit.".to_owned(),
        ),
        (
            col("reference_standardised_rate_per_1000", &theirs, |s| s.rate),
            "The reference group's standardised rate.".to_owned(),
        ),
        (
            col("reference_standardised_variance", &theirs, |s| s.variance),
            "Its variance.".to_owned(),
        ),
        (
            col("reference_standardised_max_weight", &theirs, |s| s.max_weight),
            "Its largest stratum weight.".to_owned(),
        ),
    ])
}

fn standardised(df: &DataFrame, _: &AreaFlags) -> PolarsResult<Vec<Derived>> {
    standardised_arm(df, "")
}

fn reference_standardised(df: &DataFrame, _: &AreaFlags) -> PolarsResult<Vec<Derived>> {
    standardised_arm(df, "reference_")
}

/// The Fay–Feuer interval of one arm's standardised rate.
fn standardised_arm(df: &DataFrame, p: &str) -> PolarsResult<Vec<Derived>> {
    let d = floats(df, &format!("{p}standardised_rate_per_1000"))?;
    let v = floats(df, &format!("{p}standardised_variance"))?;
    let w = floats(df, &format!("{p}standardised_max_weight"))?;
    let limits: Vec<Option<(f64, f64)>> = (0..df.height())
        .into_par_iter()
        .map(|i| intervals::fay_feuer(d[i]?, v[i]?, w[i]?))
        .collect();
    let arm = if p.is_empty() {
        "the standardised rate"
    } else {
        "the reference group's standardised rate"
    };
    Ok(vec![
        (
            f64_col(
                &format!("{p}standardised_ci_low"),
                limits.iter().map(|l| l.map(|l| l.0)),
            ),
            format!(
                "Lower limit of the 95% interval of {arm} (Fay and Feuer's gamma method, 1997)."
            ),
        ),
        (
            f64_col(
                &format!("{p}standardised_ci_high"),
                limits.iter().map(|l| l.map(|l| l.1)),
            ),
            format!(
                "Upper limit of the 95% interval of {arm} (Fay–Feuer: conservative when strata are sparse or empty)."
            ),
        ),
    ])
}

fn standardised_ratio(df: &DataFrame, _: &AreaFlags) -> PolarsResult<Vec<Derived>> {
    let d1 = floats(df, "standardised_rate_per_1000")?;
    let v1 = floats(df, "standardised_variance")?;
    let d0 = floats(df, "reference_standardised_rate_per_1000")?;
    let v0 = floats(df, "reference_standardised_variance")?;
    let ratios: Vec<Option<(f64, f64, f64)>> = (0..df.height())
        .map(|i| intervals::standardised_ratio(d1[i]?, v1[i]?, d0[i]?, v0[i]?))
        .collect();
    Ok(vec![
        (
            f64_col("standardised_ratio", ratios.iter().map(|r| r.map(|r| r.0))),
            "Age–sex standardised rate ratio: the group's standardised rate over the reference group's, each with England and Wales's age and sex structure. Null when either is 0 or cannot be standardised.".to_owned(),
        ),
        (
            f64_col(
                "standardised_ratio_ci_low",
                ratios.iter().map(|r| r.map(|r| r.1)),
            ),
            "Lower limit of its 95% interval: log-normal, exp(ln R - 1.96 sqrt(v1/d1^2 + v0/d0^2)) (delta method).".to_owned(),
        ),
        (
            f64_col(
                "standardised_ratio_ci_high",
                ratios.iter().map(|r| r.map(|r| r.2)),
            ),
            "Upper limit of its 95% interval (log-normal).".to_owned(),
        ),
    ])
}

fn not_stated_bounds(df: &DataFrame, _: &AreaFlags) -> PolarsResult<Vec<Derived>> {
    let height = df.height();
    let Arms { n1, e1, n0, e0 } = Arms::read(df)?;
    let u = counts(df, "not_stated_searches")?;
    let add = |x: Option<u64>, y: Option<u64>| Some(x? + y?);
    Ok(vec![
        (
            f64_col(
                "ratio_if_not_stated_in_group",
                (0..height).map(|i| plain_ratio(add(n1[i], u[i]), e1[i], n0[i], e0[i])),
            ),
            "Bound on the effect of unknown ethnicity: the rate ratio if every not-stated or missing search had been of this group.".to_owned(),
        ),
        (
            f64_col(
                "ratio_if_not_stated_in_reference",
                (0..height).map(|i| plain_ratio(n1[i], e1[i], add(n0[i], u[i]), e0[i])),
            ),
            "The other bound: the rate ratio if every not-stated or missing search had been of the reference group.".to_owned(),
        ),
    ])
}

fn officer_fallback(df: &DataFrame, _: &AreaFlags) -> PolarsResult<Vec<Derived>> {
    let height = df.height();
    let (e1, e0) = (floats(df, "exposure")?, floats(df, "reference_exposure")?);
    let f1 = counts(df, "officer_fallback_searches")?;
    let f0 = counts(df, "officer_fallback_reference_searches")?;
    Ok(vec![(
        f64_col(
            "rate_ratio_officer_fallback",
            (0..height).map(|i| plain_ratio(f1[i], e1[i], f0[i], e0[i])),
        ),
        "Sensitivity: the rate ratio counting searches by self-defined group where stated and by officer-defined group where not.".to_owned(),
    )])
}

fn not_stated_share(df: &DataFrame, _: &AreaFlags) -> PolarsResult<Vec<Derived>> {
    let height = df.height();
    let (u, all) = (
        counts(df, "not_stated_searches")?,
        counts(df, "all_searches")?,
    );
    // Over people: vehicle-only searches have no person to describe.
    let vehicle = has(df, &["vehicle_only_searches"])
        .then(|| counts(df, "vehicle_only_searches"))
        .transpose()?;
    Ok(vec![(
        f64_col(
            "not_stated_share",
            (0..height).map(|i| {
                let v = vehicle.as_ref().map_or(Some(0), |v| v[i])?;
                let (u, people) = (u[i]?, all[i]?.checked_sub(v)?);
                (people > 0).then(|| u as f64 / people as f64)
            }),
        ),
        "Share of the area's person searches whose self-defined ethnicity was not stated or left empty (vehicle-only searches, which have no person to describe, are left out of both counts).".to_owned(),
    )])
}

/// Whether unknown ethnicity could overturn a ratio: too large a share not recorded, or
/// bounds that straddle 1 (allocating the unknown one way or the other reverses the
/// comparison).
fn unknown_ethnicity_flags(df: &DataFrame, areas: &AreaFlags) -> PolarsResult<Vec<Derived>> {
    let share = floats(df, "not_stated_share")?;
    let in_group = floats(df, "ratio_if_not_stated_in_group")?;
    let in_reference = floats(df, "ratio_if_not_stated_in_reference")?;
    let (n1, n0, u) = (
        counts(df, "searches")?,
        counts(df, "reference_searches")?,
        counts(df, "not_stated_searches")?,
    );
    let limit = areas.not_stated_limit;
    let straddles = (0..df.height()).map(|i| {
        let any = n1[i].unwrap_or(0) + n0[i].unwrap_or(0) + u[i].unwrap_or(0) > 0;
        // With no lower bound there is no rate to compare (no exposure, as for British
        // Transport Police, or nobody of either group); an upper bound missing beside a lower
        // one is infinite (no reference searches).
        let Some(low) = in_reference[i] else {
            return false;
        };
        let high = in_group[i].unwrap_or(f64::INFINITY);
        any && low < 1.0 && high > 1.0
    });
    Ok(vec![
        (
            bool_col(
                "high_not_stated",
                share.iter().map(|s| s.is_some_and(|s| s > limit)),
            ),
            format!(
                "True when more than {}% of the area's person searches in the period record no self-defined ethnicity (`--not-stated-limit`, settings `not_stated_limit`): the ratio rests on the few recorded, and the report never headlines it.",
                limit * 100.0
            ),
        ),
        (
            bool_col("direction_uncertain", straddles),
            "True when the unknown-ethnicity bounds (`ratio_if_not_stated_in_reference` to `ratio_if_not_stated_in_group`) straddle 1: allocating the searches with no recorded ethnicity one way or the other would reverse the comparison.".to_owned(),
        ),
    ])
}

/// `high_not_stated` for a share table's ratios: the area and period's not-stated share of
/// person searches, from the cube (null where it is not known).
fn share_not_stated(df: &DataFrame, areas: &AreaFlags) -> PolarsResult<Vec<Derived>> {
    let (area, period) = (text(df, "area")?, text(df, "period")?);
    let limit = areas.not_stated_limit;
    let mut by_key = per_area_period(|a, p| {
        areas
            .not_stated
            .get(&(a.to_owned(), p.to_owned()))
            .map(|s| *s > limit)
    });
    let values: Vec<Option<bool>> = area
        .iter()
        .zip(period.iter())
        .map(|k| by_key(k).flatten())
        .collect();
    Ok(vec![(
        Column::new("high_not_stated".into(), values),
        format!(
            "True when more than {}% of the area's person searches in the period record no self-defined ethnicity: the groups' shares rest on the searches where it was recorded. Null where not known.",
            limit * 100.0
        ),
    )])
}

fn share(df: &DataFrame, _: &AreaFlags) -> PolarsResult<Vec<Derived>> {
    let height = df.height();
    let (k, n) = (counts(df, "n")?, counts(df, "total")?);
    let shares: Vec<Option<Share>> = (0..height)
        .into_par_iter()
        .map(|i| intervals::wilson(k[i]?, n[i]?))
        .collect();
    Ok(vec![
        (
            f64_col("share", shares.iter().map(|s| s.map(|s| s.share))),
            "n / total.".to_owned(),
        ),
        (
            f64_col("share_ci_low", shares.iter().map(|s| s.map(|s| s.low))),
            "Lower limit of the Wilson 95% interval of the share.".to_owned(),
        ),
        (
            f64_col("share_ci_high", shares.iter().map(|s| s.map(|s| s.high))),
            "Upper limit of the Wilson 95% interval of the share.".to_owned(),
        ),
    ])
}

fn share_ratio(df: &DataFrame, areas: &AreaFlags) -> PolarsResult<Vec<Derived>> {
    let height = df.height();
    let (k, n) = (counts(df, "n")?, counts(df, "total")?);
    let (rk, rn) = (counts(df, "reference_n")?, counts(df, "reference_total")?);
    // The reference group against itself is no comparison: its ratio is left null.
    let itself: Vec<bool> = if has(df, &["ethnicity"]) {
        text(df, "ethnicity")?
            .iter()
            .map(|e| e == Some(areas.reference.as_str()))
            .collect()
    } else {
        vec![false; height]
    };
    let ratios: Vec<Option<intervals::ShareRatio>> = (0..height)
        .into_par_iter()
        .map(|i| {
            if itself[i] {
                return None;
            }
            intervals::katz_ratio(k[i]?, n[i]?, rk[i]?, rn[i]?)
        })
        .collect();
    Ok(vec![
        (
            f64_col(
                "reference_share",
                (0..height).map(|i| {
                    let (a, b) = (rk[i]?, rn[i]?);
                    (b > 0).then(|| a as f64 / b as f64)
                }),
            ),
            "reference_n / reference_total.".to_owned(),
        ),
        (
            f64_col("share_ratio", ratios.iter().map(|r| r.map(|r| r.0))),
            "The group's share divided by the reference group's share. Null when the reference share is zero, and on the reference group's own rows (no comparison).".to_owned(),
        ),
        (
            f64_col(
                "share_ratio_ci_low",
                ratios.iter().map(|r| r.and_then(|r| r.1).map(|c| c.0)),
            ),
            "Lower limit of the Katz log 95% interval of the share ratio (null when a count is zero).".to_owned(),
        ),
        (
            f64_col(
                "share_ratio_ci_high",
                ratios.iter().map(|r| r.and_then(|r| r.1).map(|c| c.1)),
            ),
            "Upper limit of the Katz log 95% interval of the share ratio.".to_owned(),
        ),
    ])
}

fn small_denominator(df: &DataFrame, _: &AreaFlags) -> PolarsResult<Vec<Derived>> {
    let p = counts(df, "population")?;
    Ok(vec![(
        bool_col(
            "small_denominator",
            p.iter().map(|p| p.is_some_and(|p| p < 1000)),
        ),
        "True when the resident population is under 1,000 (e.g. Black residents of the City of London, 232): the rate is fragile.".to_owned(),
    )])
}

fn area_flags(df: &DataFrame, areas: &AreaFlags) -> PolarsResult<Vec<Derived>> {
    let area = text(df, "area")?;
    let is_in = |list: &[String]| -> Vec<bool> {
        area.iter()
            .map(|a| a.is_some_and(|a| list.iter().any(|l| l == a)))
            .collect()
    };
    Ok(vec![
        (
            bool_col(
                "no_resident_population",
                is_in(&areas.no_resident_population).into_iter(),
            ),
            "True for British Transport Police, which polices the railways and has no resident population: counts are shown, rates are not, and its searches are left out of England & Wales rates.".to_owned(),
        ),
        (
            bool_col(
                "resident_denominator_unsuitable",
                is_in(&areas.unsuitable).into_iter(),
            ),
            "True for the City of London, a commuter and visitor area with 8,584 residents: the rate is computed but residents are no fit denominator (use --merge-city-into-met to fold it into the Met).".to_owned(),
        ),
    ])
}

/// A period's searches against the previous period's over the same months: with equal
/// exposures the rate ratio is the count ratio, and its exact conditional interval is the
/// one rate ratios use.
fn change(df: &DataFrame, _: &AreaFlags) -> PolarsResult<Vec<Derived>> {
    let now = counts(df, "searches")?;
    let before = counts(df, "previous_searches")?;
    let splits = (0..df.height()).filter_map(|i| Some((now[i]?, now[i]? + before[i]?)));
    let limits = memo(splits.filter(|(_, n)| *n > 0), |(x, n)| {
        intervals::split_limits(x, n)
    });
    let ratios: Vec<Option<intervals::RateRatio>> = (0..df.height())
        .map(|i| {
            let (a, b) = (now[i]?, before[i]?);
            intervals::rate_ratio_with(a, 1.0, b, 1.0, limits.get(&(a, a + b))?)
        })
        .collect();
    let ratio = |i: usize| ratios[i].and_then(|r| r.ratio);
    Ok(vec![
        (
            f64_col("change_ratio", (0..df.height()).map(ratio)),
            "`searches / previous_searches`: the rate in the period over the rate in the previous one (the same months and population on both sides). Null when the previous count is zero.".to_owned(),
        ),
        (
            f64_col("change_ci_low", ratios.iter().map(|r| r.map(|r| r.exact.low))),
            "Lower limit of the exact conditional 95% interval of `change_ratio` (Clopper–Pearson on the split of the two counts). Null when both counts are zero.".to_owned(),
        ),
        (
            f64_col("change_ci_high", ratios.iter().map(|r| r.and_then(|r| r.exact.high))),
            "Upper limit of that interval; null when infinite (no searches in the previous period).".to_owned(),
        ),
        (
            f64_col("percent_change", (0..df.height()).map(|i| ratio(i).map(|r| 100.0 * (r - 1.0)))),
            "`100 × (change_ratio − 1)`: -12 is a fall of 12%.".to_owned(),
        ),
    ])
}

/// The change in the rate ratio against the reference group: a ratio of ratios.
fn ratio_change(df: &DataFrame, _: &AreaFlags) -> PolarsResult<Vec<Derived>> {
    let [a, b, c, d] = [
        "searches",
        "reference_searches",
        "previous_searches",
        "previous_reference_searches",
    ]
    .map(|n| counts(df, n));
    let (a, b, c, d) = (a?, b?, c?, d?);
    let v: Vec<Option<(f64, f64, f64)>> = (0..df.height())
        .map(|i| intervals::ratio_of_ratios(a[i]?, b[i]?, c[i]?, d[i]?))
        .collect();
    Ok(vec![
        (
            f64_col("ratio_change", v.iter().map(|x| x.map(|x| x.0))),
            "The rate ratio against the reference group in the period over the same ratio in the previous period (a ratio of ratios): above 1, the gap widened. Null when any of the four counts is zero, on the reference group's rows and on `All`.".to_owned(),
        ),
        (
            f64_col("ratio_change_ci_low", v.iter().map(|x| x.map(|x| x.1))),
            "Lower limit of the 95% log-normal interval of `ratio_change`: exp(ln r − 1.96 √(1/a + 1/b + 1/c + 1/d)) over the four counts, treated as independent Poisson counts.".to_owned(),
        ),
        (
            f64_col("ratio_change_ci_high", v.iter().map(|x| x.map(|x| x.2))),
            "Upper limit of that interval.".to_owned(),
        ),
    ])
}

/// The change in the out-of-court share, in the diversion table's sense.
fn diversion_change(df: &DataFrame, _: &AreaFlags) -> PolarsResult<Vec<Derived>> {
    let [k1, n1, k0, n0] = [
        "out_of_court",
        "out_of_court_base",
        "previous_out_of_court",
        "previous_out_of_court_base",
    ]
    .map(|n| counts(df, n));
    let (k1, n1, k0, n0) = (k1?, n1?, k0?, n0?);
    let share = |k: &[Option<u64>], n: &[Option<u64>], i: usize| {
        intervals::wilson(k[i]?, n[i]?).map(|s| s.share)
    };
    let d: Vec<Option<(f64, f64, f64)>> = (0..df.height())
        .map(|i| intervals::newcombe_difference(k1[i]?, n1[i]?, k0[i]?, n0[i]?))
        .collect();
    Ok(vec![
        (
            f64_col("out_of_court_share", (0..df.height()).map(|i| share(&k1, &n1, i))),
            "`out_of_court / out_of_court_base`: the share of disposals that diverted the person from court, in the period.".to_owned(),
        ),
        (
            f64_col("previous_out_of_court_share", (0..df.height()).map(|i| share(&k0, &n0, i))),
            "The same in the previous period.".to_owned(),
        ),
        (
            f64_col("out_of_court_share_change", d.iter().map(|x| x.map(|x| x.0))),
            "`out_of_court_share − previous_out_of_court_share`, as a fraction (-0.05 is a fall of 5 percentage points). Null when either period has no disposals.".to_owned(),
        ),
        (
            f64_col("out_of_court_share_change_ci_low", d.iter().map(|x| x.map(|x| x.1))),
            "Lower limit of Newcombe's 95% hybrid score interval for the difference (from the Wilson limits of each share).".to_owned(),
        ),
        (
            f64_col("out_of_court_share_change_ci_high", d.iter().map(|x| x.map(|x| x.2))),
            "Upper limit of that interval.".to_owned(),
        ),
    ])
}

fn suspect_months(df: &DataFrame, areas: &AreaFlags) -> PolarsResult<Vec<Derived>> {
    let (area, period) = (text(df, "area")?, text(df, "period")?);
    let previous = has(df, &["previous_period"])
        .then(|| text(df, "previous_period"))
        .transpose()?;
    let mut count = per_area_period(|a, p| {
        areas
            .suspect_months
            .get(&(a.to_owned(), p.to_owned()))
            .copied()
            .unwrap_or(0)
    });
    let mut values: Vec<u32> = Vec::with_capacity(df.height());
    let mut before = previous.as_ref().map(|p| p.iter());
    for (a, p) in area.iter().zip(period.iter()) {
        let then = before.as_mut().and_then(|b| b.next().flatten());
        values.push(
            count((a, p)).unwrap_or(0) + then.map_or(0, |then| count((a, Some(then))).unwrap_or(0)),
        );
    }
    Ok(vec![(
        Column::new("suspect_months".into(), values),
        "Force-months in the period (and, for a change, in the period compared with) that the coverage table flags `partial_suspected` or `spike_suspected`; 0 when none. They are counted as published: read a figure with any as possibly distorted.".to_owned(),
    )])
}

/// One case of the `small_numbers` flag: true where a count (or, if given, a second count)
/// is below the limit.
struct SmallNumbers {
    needs: &'static [&'static str],
    count: &'static str,
    other: Option<&'static str>,
    limit: u64,
    doc: &'static str,
}

/// The cases, most specific first; the first whose columns are present decides the flag.
const SMALL_NUMBERS: &[SmallNumbers] = &[
    SmallNumbers {
        needs: CHANGE,
        count: "searches",
        other: Some("previous_searches"),
        limit: 10,
        doc: "True when either period has fewer than 10 searches of the group: do not headline this change.",
    },
    SmallNumbers {
        needs: RATIO,
        count: "searches",
        other: Some("reference_searches"),
        limit: 10,
        doc: "True when either group has fewer than 10 searches: do not headline this ratio.",
    },
    SmallNumbers {
        needs: RATE,
        count: "searches",
        other: None,
        limit: 20,
        doc: "True when the rate rests on fewer than 20 searches (the ONS convention for a potentially unreliable rate).",
    },
    SmallNumbers {
        needs: SHARE_RATIO,
        count: "total",
        other: Some("reference_total"),
        limit: 20,
        doc: "True when either group's share rests on fewer than 20 searches.",
    },
    SmallNumbers {
        needs: SHARE,
        count: "total",
        other: None,
        limit: 20,
        doc: "True when the share rests on fewer than 20 searches.",
    },
];

fn small_numbers(df: &DataFrame, _: &AreaFlags) -> PolarsResult<Vec<Derived>> {
    let Some(case) = SMALL_NUMBERS.iter().find(|c| has(df, c.needs)) else {
        return Ok(Vec::new());
    };
    let a = counts(df, case.count)?;
    let b = case.other.map(|o| counts(df, o)).transpose()?;
    let below = |x: &Option<u64>| x.is_some_and(|x| x < case.limit);
    let flags: Vec<bool> = (0..a.len())
        .map(|i| below(&a[i]) || b.as_ref().is_some_and(|b| below(&b[i])))
        .collect();
    Ok(vec![(
        bool_col("small_numbers", flags.into_iter()),
        case.doc.to_owned(),
    )])
}

/// `f` of every distinct key, computed in parallel, for lookup by key.
fn memo<K, V>(
    keys: impl Iterator<Item = K>,
    f: impl Fn(K) -> V + Sync,
) -> std::collections::HashMap<K, V>
where
    K: Copy + Eq + std::hash::Hash + Ord + Send + Sync,
    V: Send,
{
    let mut distinct: Vec<K> = keys.collect();
    distinct.sort_unstable();
    distinct.dedup();
    distinct.into_par_iter().map(|k| (k, f(k))).collect()
}

fn counts(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<u64>>> {
    let c = df.column(name)?.cast(&DataType::UInt64)?;
    Ok(c.u64()?.iter().collect())
}

fn floats(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<f64>>> {
    let c = df.column(name)?.cast(&DataType::Float64)?;
    Ok(c.f64()?.iter().collect())
}

/// A text column, borrowed row by row (no string copied per row).
fn text(df: &DataFrame, name: &str) -> PolarsResult<StringChunked> {
    Ok(df.column(name)?.cast(&DataType::String)?.str()?.clone())
}

/// `f` of each distinct (area, period) pair, computed once: tables have millions of rows but
/// some tens of thousands of pairs. `None` where either is null.
fn per_area_period<'a, V: Copy>(
    f: impl Fn(&str, &str) -> V,
) -> impl FnMut((Option<&'a str>, Option<&'a str>)) -> Option<V> {
    let mut seen: std::collections::HashMap<(&'a str, &'a str), V, foldhash::fast::FixedState> =
        Default::default();
    move |(a, p)| {
        let (a, p) = (a?, p?);
        Some(*seen.entry((a, p)).or_insert_with(|| f(a, p)))
    }
}

fn strings(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<String>>> {
    let c = df.column(name)?.cast(&DataType::String)?;
    Ok(c.str()?.iter().map(|s| s.map(str::to_owned)).collect())
}

fn f64_col(name: &str, values: impl Iterator<Item = Option<f64>>) -> Column {
    Float64Chunked::from_iter_options(name.into(), values).into_column()
}

fn bool_col(name: &str, values: impl Iterator<Item = bool>) -> Column {
    BooleanChunked::from_iter_values(name.into(), values).into_column()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags() -> AreaFlags {
        AreaFlags {
            no_resident_population: vec![],
            unsuitable: vec![],
            suspect_months: Default::default(),
            not_stated: Default::default(),
            not_stated_limit: 0.2,
            reference: "White".to_owned(),
        }
    }

    /// The 20% limit is strict, and the bounds straddle 1 only when one is below and the
    /// other above (an unbounded upper bound counts as above).
    #[test]
    fn unknown_ethnicity_flags_at_their_boundaries() {
        let df = df!(
            // 20 of 100 person searches: at the limit, not above it; then 21 of 100.
            "not_stated_share" => [Some(0.2), Some(0.21), Some(0.05), Some(0.05), Some(0.05), None],
            "ratio_if_not_stated_in_group" => [Some(2.0), Some(3.0), Some(3.0), Some(0.9), None, None],
            "ratio_if_not_stated_in_reference" => [Some(1.5), Some(1.2), Some(0.5), Some(0.3), Some(0.8), None],
            // (the last: no exposure or nobody searched, so no bounds at all)
            "searches" => [10u64, 10, 10, 10, 10, 0],
            "reference_searches" => [10u64, 10, 10, 10, 0, 0],
            "not_stated_searches" => [5u64, 5, 5, 5, 5, 0],
        )
        .unwrap();
        let cols = unknown_ethnicity_flags(&df, &flags()).unwrap();
        let get =
            |c: &Column| -> Vec<bool> { c.bool().unwrap().iter().map(|v| v.unwrap()).collect() };
        assert_eq!(get(&cols[0].0), [false, true, false, false, false, false]);
        // (1.5, 2): above 1 both; (1.2, 3) too; (0.5, 3) straddles; (0.3, 0.9) below; (0.8,
        // infinite) straddles; nothing searched: no comparison to reverse.
        assert_eq!(get(&cols[1].0), [false, false, true, false, true, false]);
    }

    /// Vehicle-only searches are left out of the not-stated share's denominator.
    #[test]
    fn the_not_stated_share_is_over_people() {
        let df = df!(
            "not_stated_searches" => [30u64],
            "all_searches" => [200u64],
            "vehicle_only_searches" => [50u64],
        )
        .unwrap();
        let cols = not_stated_share(&df, &flags()).unwrap();
        assert_eq!(cols[0].0.f64().unwrap().get(0), Some(30.0 / 150.0));
    }
}
