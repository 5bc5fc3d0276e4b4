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
//! | `not_stated_searches`, `all_searches` | `not_stated_share` |
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
}

/// Adds the derived columns; returns the documentation of each column added.
pub fn derive(df: &mut DataFrame, areas: &AreaFlags) -> PolarsResult<Vec<(String, String)>> {
    let mut added: Vec<(String, String)> = Vec::new();
    let mut push = |df: &mut DataFrame, col: Column, doc: &str| -> PolarsResult<()> {
        added.push((col.name().to_string(), doc.to_owned()));
        df.with_column(col)?;
        Ok(())
    };
    let height = df.height();
    let has = |df: &DataFrame, names: &[&str]| names.iter().all(|n| df.schema().contains(n));

    let rate_arms = ["", "reference_"]
        .into_iter()
        .filter(|p| has(df, &[&format!("{p}searches"), &format!("{p}exposure")]))
        .collect::<Vec<_>>();
    let has_rate = rate_arms.contains(&"");
    let has_ratio = rate_arms.len() == 2;
    let has_share = has(df, &["n", "total"]);
    let has_share_ratio = has_share && has(df, &["reference_n", "reference_total"]);

    for p in &rate_arms {
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
        push(
            df,
            f64_col(
                &format!("{p}rate_per_1000"),
                rates.iter().map(|r| r.map(|r| r.rate)),
            ),
            &format!(
                "Searches per 1,000 residents{arm} per year: 1000 × searches / exposure. For a month, the yearly rate at that month's pace; for a fully covered financial year, the Home Office rate. Null without a resident population."
            ),
        )?;
        push(
            df,
            f64_col(
                &format!("{p}rate_ci_low"),
                rates.iter().map(|r| r.map(|r| r.low)),
            ),
            &format!("Lower limit of the exact (Garwood) 95% Poisson interval of the rate{arm}."),
        )?;
        push(
            df,
            f64_col(
                &format!("{p}rate_ci_high"),
                rates.iter().map(|r| r.map(|r| r.high)),
            ),
            &format!("Upper limit of the exact 95% Poisson interval of the rate{arm}."),
        )?;
    }
    if has_rate {
        let e = floats(df, "exposure")?;
        push(
            df,
            bool_col(
                "no_population",
                e.iter().map(|e| !e.is_some_and(|e| e > 0.0)),
            ),
            "True where there is no resident population to divide by (British Transport Police, Not stated, Missing), so no rate.",
        )?;
    }

    if has_ratio {
        let (n1, e1) = (counts(df, "searches")?, floats(df, "exposure")?);
        let (n0, e0) = (
            counts(df, "reference_searches")?,
            floats(df, "reference_exposure")?,
        );
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
        push(
            df,
            f64_col("rate_ratio", ratios.iter().map(|r| r.and_then(|r| r.ratio))),
            "Rate ratio (searches per 1,000 residents): the group's rate divided by the reference group's. A ratio of search rates, not a probability. Null when both counts are zero (undefined) or the reference count is zero (infinite).",
        )?;
        push(
            df,
            f64_col(
                "ratio_ci_low",
                ratios.iter().map(|r| r.map(|r| r.exact.low)),
            ),
            "Lower limit of the exact conditional 95% interval (Clopper–Pearson on the binomial split of the two counts, offset by the exposures). Finite even when a count is zero.",
        )?;
        push(
            df,
            f64_col(
                "ratio_ci_high",
                ratios.iter().map(|r| r.and_then(|r| r.exact.high)),
            ),
            "Upper limit of the exact conditional 95% interval; null when infinite.",
        )?;
        push(
            df,
            f64_col(
                "ratio_midp_low",
                ratios.iter().map(|r| r.map(|r| r.midp.low)),
            ),
            "Lower limit of the mid-p 95% interval (less conservative than the exact interval).",
        )?;
        push(
            df,
            f64_col(
                "ratio_midp_high",
                ratios.iter().map(|r| r.and_then(|r| r.midp.high)),
            ),
            "Upper limit of the mid-p 95% interval; null when infinite.",
        )?;
        push(
            df,
            bool_col(
                "undefined_ratio",
                (0..height).map(|i| n1[i] == Some(0) && n0[i] == Some(0)),
            ),
            "True when both groups have no searches: the ratio is undefined (0/0), never 0 or 1.",
        )?;
        push(
            df,
            bool_col(
                "infinite_ratio",
                (0..height).map(|i| n1[i].unwrap_or(0) > 0 && n0[i] == Some(0)),
            ),
            "True when the reference group has no searches and the group has some: the ratio is infinite; its lower limit is still given.",
        )?;
        let ratio = |a: Option<u64>, ea: Option<f64>, b: Option<u64>, eb: Option<f64>| {
            let (a, ea, b, eb) = (a? as f64, ea?, b? as f64, eb?);
            (ea > 0.0 && eb > 0.0 && b > 0.0).then(|| (a / ea) / (b / eb))
        };
        if df.schema().contains("not_stated_searches") {
            let u = counts(df, "not_stated_searches")?;
            let add = |x: Option<u64>, y: Option<u64>| Some(x? + y?);
            push(
                df,
                f64_col(
                    "ratio_if_not_stated_in_group",
                    (0..height).map(|i| ratio(add(n1[i], u[i]), e1[i], n0[i], e0[i])),
                ),
                "Bound on the effect of unknown ethnicity: the rate ratio if every not-stated or missing search had been of this group.",
            )?;
            push(
                df,
                f64_col(
                    "ratio_if_not_stated_in_reference",
                    (0..height).map(|i| ratio(n1[i], e1[i], add(n0[i], u[i]), e0[i])),
                ),
                "The other bound: the rate ratio if every not-stated or missing search had been of the reference group.",
            )?;
        }
        if has(
            df,
            &[
                "officer_fallback_searches",
                "officer_fallback_reference_searches",
            ],
        ) {
            let f1 = counts(df, "officer_fallback_searches")?;
            let f0 = counts(df, "officer_fallback_reference_searches")?;
            push(
                df,
                f64_col(
                    "rate_ratio_officer_fallback",
                    (0..height).map(|i| ratio(f1[i], e1[i], f0[i], e0[i])),
                ),
                "Sensitivity: the rate ratio counting searches by self-defined group where stated and by officer-defined group where not.",
            )?;
        }
    }
    if has(df, &["not_stated_searches", "all_searches"]) {
        let (u, all) = (
            counts(df, "not_stated_searches")?,
            counts(df, "all_searches")?,
        );
        push(
            df,
            f64_col(
                "not_stated_share",
                (0..height).map(|i| {
                    let (u, all) = (u[i]?, all[i]?);
                    (all > 0).then(|| u as f64 / all as f64)
                }),
            ),
            "Share of the area's searches whose self-defined ethnicity was not stated or missing.",
        )?;
    }

    if has_share {
        let (k, n) = (counts(df, "n")?, counts(df, "total")?);
        let shares: Vec<Option<Share>> = (0..height)
            .into_par_iter()
            .map(|i| intervals::wilson(k[i]?, n[i]?))
            .collect();
        push(
            df,
            f64_col("share", shares.iter().map(|s| s.map(|s| s.share))),
            "n / total.",
        )?;
        push(
            df,
            f64_col("share_ci_low", shares.iter().map(|s| s.map(|s| s.low))),
            "Lower limit of the Wilson 95% interval of the share.",
        )?;
        push(
            df,
            f64_col("share_ci_high", shares.iter().map(|s| s.map(|s| s.high))),
            "Upper limit of the Wilson 95% interval of the share.",
        )?;
        if has_share_ratio {
            let (rk, rn) = (counts(df, "reference_n")?, counts(df, "reference_total")?);
            let ratios: Vec<Option<intervals::ShareRatio>> = (0..height)
                .into_par_iter()
                .map(|i| intervals::katz_ratio(k[i]?, n[i]?, rk[i]?, rn[i]?))
                .collect();
            push(
                df,
                f64_col(
                    "reference_share",
                    (0..height).map(|i| {
                        let (a, b) = (rk[i]?, rn[i]?);
                        (b > 0).then(|| a as f64 / b as f64)
                    }),
                ),
                "reference_n / reference_total.",
            )?;
            push(
                df,
                f64_col("share_ratio", ratios.iter().map(|r| r.map(|r| r.0))),
                "The group's share divided by the reference group's share. Null when the reference share is zero.",
            )?;
            push(
                df,
                f64_col(
                    "share_ratio_ci_low",
                    ratios.iter().map(|r| r.and_then(|r| r.1).map(|c| c.0)),
                ),
                "Lower limit of the Katz log 95% interval of the share ratio (null when a count is zero).",
            )?;
            push(
                df,
                f64_col(
                    "share_ratio_ci_high",
                    ratios.iter().map(|r| r.and_then(|r| r.1).map(|c| c.1)),
                ),
                "Upper limit of the Katz log 95% interval of the share ratio.",
            )?;
        }
    }

    if has_rate && df.schema().contains("population") {
        let p = counts(df, "population")?;
        push(
            df,
            bool_col(
                "small_denominator",
                p.iter().map(|p| p.is_some_and(|p| p < 1000)),
            ),
            "True when the resident population is under 1,000 (e.g. Black residents of the City of London, 232): the rate is fragile.",
        )?;
    }
    if has_rate && df.schema().contains("area") {
        let area = strings(df, "area")?;
        let is_in = |list: &[String]| -> Vec<bool> {
            area.iter()
                .map(|a| a.as_ref().is_some_and(|a| list.contains(a)))
                .collect()
        };
        push(
            df,
            bool_col(
                "no_resident_population",
                is_in(&areas.no_resident_population).into_iter(),
            ),
            "True for British Transport Police, which polices the railways and has no resident population: counts are shown, rates are not, and its searches are left out of England & Wales rates.",
        )?;
        push(
            df,
            bool_col(
                "resident_denominator_unsuitable",
                is_in(&areas.unsuitable).into_iter(),
            ),
            "True for the City of London, a commuter and visitor area with 8,584 residents: the rate is computed but residents are no fit denominator (use --merge-city-into-met to fold it into the Met).",
        )?;
    }
    if let Some((flag, doc)) = small_numbers(df, has_ratio, has_rate, has_share, has_share_ratio)? {
        push(df, flag, &doc)?;
    }
    Ok(added)
}

fn small_numbers(
    df: &DataFrame,
    has_ratio: bool,
    has_rate: bool,
    has_share: bool,
    has_share_ratio: bool,
) -> PolarsResult<Option<(Column, String)>> {
    let below = |a: &[Option<u64>], b: Option<&[Option<u64>]>, limit: u64| -> Vec<bool> {
        (0..a.len())
            .map(|i| {
                a[i].is_some_and(|x| x < limit)
                    || b.is_some_and(|b| b[i].is_some_and(|x| x < limit))
            })
            .collect()
    };
    let (flags, doc) = if has_ratio {
        let (a, b) = (counts(df, "searches")?, counts(df, "reference_searches")?);
        (
            below(&a, Some(&b), 10),
            "True when either group has fewer than 10 searches: do not headline this ratio.",
        )
    } else if has_rate {
        (
            below(&counts(df, "searches")?, None, 20),
            "True when the rate rests on fewer than 20 searches (the ONS convention for a potentially unreliable rate).",
        )
    } else if has_share_ratio {
        let (a, b) = (counts(df, "total")?, counts(df, "reference_total")?);
        (
            below(&a, Some(&b), 20),
            "True when either group's share rests on fewer than 20 searches.",
        )
    } else if has_share {
        (
            below(&counts(df, "total")?, None, 20),
            "True when the share rests on fewer than 20 searches.",
        )
    } else {
        return Ok(None);
    };
    Ok(Some((
        bool_col("small_numbers", flags.into_iter()),
        doc.to_owned(),
    )))
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
