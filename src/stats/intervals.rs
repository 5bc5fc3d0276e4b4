//! Rates, ratios and their 95% intervals (formulas and test vectors: the methods reference,
//! §4.2 and §5). Exact methods throughout; zero counts are handled explicitly, never by adding
//! 0.5.

use statrs::distribution::{ContinuousCDF, Gamma};
use statrs::function::beta::{beta_reg, inv_beta_reg};
use statrs::function::gamma::ln_gamma;

/// Two-sided 5%.
pub const ALPHA: f64 = 0.05;
/// Standard normal 97.5% point.
pub const Z: f64 = 1.959_963_984_540_054;

/// An estimate with its interval; `None` bounds are infinite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub high: Option<f64>,
}

/// Exact (Garwood) 95% interval for a Poisson count.
pub fn poisson_count(n: u64) -> (f64, f64) {
    let n = n as f64;
    let low = if n == 0.0 {
        0.0
    } else {
        Gamma::new(n, 1.0)
            .expect("shape > 0")
            .inverse_cdf(ALPHA / 2.0)
    };
    let high = Gamma::new(n + 1.0, 1.0)
        .expect("shape > 0")
        .inverse_cdf(1.0 - ALPHA / 2.0);
    (low, high)
}

/// A rate per 1,000 person-years of exposure with its exact Poisson interval.
///
/// The count's interval depends on the count alone; callers with many rows compute it once per
/// distinct count with [`poisson_count`] and use [`rate_with`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub rate: f64,
    pub low: f64,
    pub high: f64,
}

pub fn rate_per_1000(searches: u64, exposure: f64) -> Option<Rate> {
    rate_with(searches, exposure, poisson_count(searches))
}

pub fn rate_with(searches: u64, exposure: f64, (low, high): (f64, f64)) -> Option<Rate> {
    if exposure.is_nan() || exposure <= 0.0 {
        return None;
    }
    let per = 1000.0 / exposure;
    Some(Rate {
        rate: searches as f64 * per,
        low: low * per,
        high: high * per,
    })
}

/// Clopper–Pearson 95% interval for a binomial proportion x/n.
pub fn clopper_pearson(x: u64, n: u64) -> (f64, f64) {
    debug_assert!(x <= n && n > 0);
    let (xf, nf) = (x as f64, n as f64);
    let low = if x == 0 {
        0.0
    } else {
        inv_beta_reg(xf, nf - xf + 1.0, ALPHA / 2.0)
    };
    let high = if x == n {
        1.0
    } else {
        inv_beta_reg(xf + 1.0, nf - xf, 1.0 - ALPHA / 2.0)
    };
    (low, high)
}

/// P(X = x) for X ~ Bin(n, p).
fn binomial_pmf(x: u64, n: u64, p: f64) -> f64 {
    if p <= 0.0 {
        return if x == 0 { 1.0 } else { 0.0 };
    }
    if p >= 1.0 {
        return if x == n { 1.0 } else { 0.0 };
    }
    let (xf, nf) = (x as f64, n as f64);
    let ln_choose = ln_gamma(nf + 1.0) - ln_gamma(xf + 1.0) - ln_gamma(nf - xf + 1.0);
    (ln_choose + xf * p.ln() + (nf - xf) * (1.0 - p).ln()).exp()
}

/// P(X ≥ k) for X ~ Bin(n, p).
fn binomial_upper(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 {
        1.0
    } else if k > n {
        0.0
    } else {
        beta_reg(k as f64, (n - k + 1) as f64, p)
    }
}

/// Root of a function that increases in p, on [lo, hi], by the Illinois variant of regula
/// falsi with bisection safeguards: a few dozen evaluations at most.
fn solve_increasing(f: impl Fn(f64) -> f64, mut lo: f64, mut hi: f64) -> f64 {
    let (mut flo, mut fhi) = (f(lo), f(hi));
    if flo >= 0.0 {
        return lo;
    }
    if fhi <= 0.0 {
        return hi;
    }
    let mut side = 0;
    for _ in 0..200 {
        let mut x = (lo * fhi - hi * flo) / (fhi - flo);
        if !(x > lo && x < hi) {
            x = 0.5 * (lo + hi);
        }
        let fx = f(x);
        if fx == 0.0 || (hi - lo) <= 1e-15 * hi.max(1e-300) {
            return x;
        }
        if fx < 0.0 {
            lo = x;
            flo = fx;
            if side == -1 {
                fhi /= 2.0;
            }
            side = -1;
        } else {
            hi = x;
            fhi = fx;
            if side == 1 {
                flo /= 2.0;
            }
            side = 1;
        }
    }
    0.5 * (lo + hi)
}

/// Mid-p 95% interval for a binomial proportion x/n: P(X > x) + ½P(X = x) = α/2 for the
/// lower limit and P(X < x) + ½P(X = x) = α/2 for the upper.
pub fn binomial_midp(x: u64, n: u64) -> (f64, f64) {
    debug_assert!(x <= n && n > 0);
    let (cp_low, cp_high) = clopper_pearson(x, n);
    let phat = x as f64 / n as f64;
    let low = if x == 0 {
        0.0
    } else {
        // Increases with p; the limit lies between the Clopper–Pearson limit and the estimate.
        let g = |p: f64| binomial_upper(x + 1, n, p) + 0.5 * binomial_pmf(x, n, p) - ALPHA / 2.0;
        solve_increasing(g, cp_low, phat)
    };
    let high = if x == n {
        1.0
    } else {
        // P(X < x) + ½P(X = x) decreases with p: solve its negation.
        let g =
            |p: f64| -((1.0 - binomial_upper(x, n, p)) + 0.5 * binomial_pmf(x, n, p) - ALPHA / 2.0);
        solve_increasing(g, phat, cp_high)
    };
    (low, high)
}

/// Ratio of two Poisson rates (N₁/E₁)/(N₀/E₀), with exact conditional intervals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateRatio {
    /// `None` when infinite (the reference arm has no searches).
    pub ratio: Option<f64>,
    /// Exact conditional (Clopper–Pearson on the binomial split).
    pub exact: Interval,
    /// Mid-p.
    pub midp: Interval,
}

/// The exact and mid-p limits for the binomial split x of n: everything a rate ratio's
/// intervals need besides the exposures, so it can be computed once per distinct (x, n).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SplitLimits {
    pub exact: (f64, f64),
    pub midp: (f64, f64),
}

pub fn split_limits(x: u64, n: u64) -> SplitLimits {
    SplitLimits {
        exact: clopper_pearson(x, n),
        midp: binomial_midp(x, n),
    }
}

/// `None` when both counts are zero (uninformative: never reported as 0 or 1) or an exposure
/// is not positive.
pub fn rate_ratio(n1: u64, e1: f64, n0: u64, e0: f64) -> Option<RateRatio> {
    if n1 + n0 == 0 {
        return None;
    }
    rate_ratio_with(n1, e1, n0, e0, &split_limits(n1, n1 + n0))
}

/// [`rate_ratio`] with the split's limits already computed.
pub fn rate_ratio_with(
    n1: u64,
    e1: f64,
    n0: u64,
    e0: f64,
    limits: &SplitLimits,
) -> Option<RateRatio> {
    let positive = |e: f64| e > 0.0;
    if n1 + n0 == 0 || !positive(e1) || !positive(e0) {
        return None;
    }
    // Conditional on n, N₁ ~ Bin(n, π) with π = θE₁/(θE₁ + E₀); θ = π/(1 − π) · E₀/E₁.
    let theta = |p: f64| -> Option<f64> { (p < 1.0).then(|| p / (1.0 - p) * e0 / e1) };
    let (cp_lo, cp_hi) = limits.exact;
    let (mp_lo, mp_hi) = limits.midp;
    let ratio = (n0 > 0).then(|| (n1 as f64 / e1) / (n0 as f64 / e0));
    Some(RateRatio {
        ratio,
        exact: Interval {
            low: theta(cp_lo).unwrap_or(0.0),
            high: theta(cp_hi),
        },
        midp: Interval {
            low: theta(mp_lo).unwrap_or(0.0),
            high: theta(mp_hi),
        },
    })
}

/// Log-Wald interval for a rate ratio; undefined when either count is zero.
pub fn log_wald_ratio(n1: u64, e1: f64, n0: u64, e0: f64) -> Option<(f64, f64)> {
    if n1 == 0 || n0 == 0 {
        return None;
    }
    let ratio = (n1 as f64 / e1) / (n0 as f64 / e0);
    let se = (1.0 / n1 as f64 + 1.0 / n0 as f64).sqrt();
    Some(((ratio.ln() - Z * se).exp(), (ratio.ln() + Z * se).exp()))
}

/// A proportion with its Wilson 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Share {
    pub share: f64,
    pub low: f64,
    pub high: f64,
}

pub fn wilson(k: u64, n: u64) -> Option<Share> {
    if n == 0 {
        return None;
    }
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = Z * Z;
    let centre = p + z2 / (2.0 * n);
    let half = Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    let denom = 1.0 + z2 / n;
    // At k = 0 and k = n the bound is exactly 0 or 1; the formula leaves rounding dust
    // (6e-18) that would print as a figure.
    Some(Share {
        share: p,
        low: if k == 0.0 {
            0.0
        } else {
            ((centre - half) / denom).max(0.0)
        },
        high: if k == n {
            1.0
        } else {
            ((centre + half) / denom).min(1.0)
        },
    })
}

/// Difference of two proportions k₁/n₁ − k₀/n₀ with Newcombe's hybrid score interval (his
/// method 10: the Wilson limits of each share combined), which stays inside [−1, 1] and is
/// defined at zero counts. `None` when either denominator is zero.
pub fn newcombe_difference(k1: u64, n1: u64, k0: u64, n0: u64) -> Option<(f64, f64, f64)> {
    let (a, b) = (wilson(k1, n1)?, wilson(k0, n0)?);
    let d = a.share - b.share;
    let low = d - ((a.share - a.low).powi(2) + (b.high - b.share).powi(2)).sqrt();
    let high = d + ((a.high - a.share).powi(2) + (b.share - b.low).powi(2)).sqrt();
    Some((d, low, high))
}

/// Ratio of two rate ratios (a/b)/(c/d) from four counts, with the log-normal interval
/// exp(ln r ± z √(1/a + 1/b + 1/c + 1/d)); `None` when any count is zero.
pub fn ratio_of_ratios(a: u64, b: u64, c: u64, d: u64) -> Option<(f64, f64, f64)> {
    if a == 0 || b == 0 || c == 0 || d == 0 {
        return None;
    }
    let (a, b, c, d) = (a as f64, b as f64, c as f64, d as f64);
    let r = (a / b) / (c / d);
    let se = (1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d).sqrt();
    Some((r, (r.ln() - Z * se).exp(), (r.ln() + Z * se).exp()))
}

/// A ratio of two shares and its interval, if defined.
pub type ShareRatio = (f64, Option<(f64, f64)>);

/// Ratio of two proportions (k₁/n₁)/(k₀/n₀) with the Katz log interval. The interval is
/// undefined (`None`) when either numerator is zero.
pub fn katz_ratio(k1: u64, n1: u64, k0: u64, n0: u64) -> Option<ShareRatio> {
    if n1 == 0 || n0 == 0 || k0 == 0 {
        return None;
    }
    let (a, b, c, d) = (k1 as f64, n1 as f64, k0 as f64, n0 as f64);
    let ratio = (a / b) / (c / d);
    if k1 == 0 {
        return Some((ratio, None));
    }
    let se = (1.0 / a - 1.0 / b + 1.0 / c - 1.0 / d).sqrt();
    Some((
        ratio,
        Some(((ratio.ln() - Z * se).exp(), (ratio.ln() + Z * se).exp())),
    ))
}

/// Fay–Feuer (1997) 95% interval for a directly standardised rate `dsr` = Σ wᵢxᵢ with
/// variance `v` = Σ wᵢ²xᵢ and largest weight `w_max`: gamma limits, exact when there is one
/// stratum (Garwood's), and conservative with sparse strata, zero counts included.
pub fn fay_feuer(dsr: f64, v: f64, w_max: f64) -> Option<(f64, f64)> {
    // Written so that NaN fails every test.
    if !(dsr >= 0.0 && v >= 0.0 && w_max > 0.0 && dsr.is_finite() && w_max.is_finite()) {
        return None;
    }
    let low = if dsr == 0.0 || v == 0.0 {
        0.0
    } else {
        Gamma::new(dsr * dsr / v, dsr / v)
            .ok()?
            .inverse_cdf(ALPHA / 2.0)
    };
    let (d, vv) = (dsr + w_max, v + w_max * w_max);
    let high = Gamma::new(d * d / vv, d / vv)
        .ok()?
        .inverse_cdf(1.0 - ALPHA / 2.0);
    Some((low, high))
}

/// 95% interval for the ratio of two standardised rates, log-normal (delta method):
/// exp(ln R ± z·√(v₁/d₁² + v₀/d₀²)). Undefined when either rate is 0.
pub fn standardised_ratio(d1: f64, v1: f64, d0: f64, v0: f64) -> Option<(f64, f64, f64)> {
    if !(d1 > 0.0 && d0 > 0.0 && v1 >= 0.0 && v0 >= 0.0) {
        return None;
    }
    let ratio = d1 / d0;
    let se = (v1 / (d1 * d1) + v0 / (d0 * d0)).sqrt();
    Some((ratio, ratio * (-Z * se).exp(), ratio * (Z * se).exp()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn t1_katz_scipy_example() {
        let (rr, ci) = katz_ratio(10, 75, 12, 225).unwrap();
        let (lo, hi) = ci.unwrap();
        assert!(close(rr, 2.5, 1e-12));
        assert!(
            close(lo, 1.126156, 1e-6) && close(hi, 5.549851, 1e-6),
            "{lo} {hi}"
        );
    }

    #[test]
    fn t2_exact_conditional_rateratio_test_example() {
        let r = rate_ratio(2, 17_877.0, 9, 16_660.0).unwrap();
        assert!(close(r.ratio.unwrap(), 0.2070942, 1e-6));
        assert!(close(r.exact.low, 0.02177406, 1e-6), "{}", r.exact.low);
        assert!(
            close(r.exact.high.unwrap(), 1.00054910, 1e-6),
            "{:?}",
            r.exact.high
        );
    }

    #[test]
    fn t3_midp() {
        let r = rate_ratio(2, 17_877.0, 9, 16_660.0).unwrap();
        // The reference gives five decimals.
        assert!(close(r.midp.low, 0.03050, 5e-6), "{}", r.midp.low);
        assert!(
            close(r.midp.high.unwrap(), 0.86952, 5e-6),
            "{:?}",
            r.midp.high
        );
    }

    #[test]
    fn t4_log_wald() {
        let (lo, hi) = log_wald_ratio(2, 17_877.0, 9, 16_660.0).unwrap();
        assert!(
            close(lo, 0.04475, 5e-6) && close(hi, 0.95848, 5e-6),
            "{lo} {hi}"
        );
    }

    #[test]
    fn t5_wilson() {
        let s = wilson(26, 100).unwrap();
        assert!(
            close(s.low, 0.18405, 5e-6) && close(s.high, 0.35371, 5e-6),
            "{s:?}"
        );
    }

    #[test]
    fn t6_zero_count_has_a_finite_exact_upper_limit() {
        let r = rate_ratio(0, 1_000.0, 50, 100_000.0).unwrap();
        assert_eq!(r.ratio, Some(0.0));
        assert_eq!(r.exact.low, 0.0);
        let pi_u: f64 = 1.0 - 0.025f64.powf(1.0 / 50.0);
        let expected = pi_u / (1.0 - pi_u) * 100_000.0 / 1_000.0;
        assert!(close(r.exact.high.unwrap(), expected, 1e-9));
        assert!(close(r.exact.high.unwrap(), 7.66, 0.005));
        assert_eq!(log_wald_ratio(0, 1_000.0, 50, 100_000.0), None);
        // The other way round: infinite estimate, finite lower limit.
        let r = rate_ratio(50, 100_000.0, 0, 1_000.0).unwrap();
        assert_eq!((r.ratio, r.exact.high), (None, None));
        assert!(r.exact.low > 0.0 && r.exact.low.is_finite());
    }

    #[test]
    fn t7_both_zero_is_undefined() {
        assert_eq!(rate_ratio(0, 1_000.0, 0, 100_000.0), None);
    }

    #[test]
    fn t8_t9_published_rates() {
        let r = |n, p: f64| rate_per_1000(n, p).unwrap().rate;
        assert_eq!(format!("{:.2}", r(3_973, 164_069.0)), "24.22");
        assert_eq!(format!("{:.2}", r(9_713, 1_919_138.0)), "5.06");
        let ratio = rate_ratio(3_973, 164_069.0, 9_713, 1_919_138.0).unwrap();
        assert_eq!(format!("{:.2}", ratio.ratio.unwrap()), "4.78");
        assert_eq!(format!("{:.2}", r(49_561, 1_188_137.0)), "41.71");
    }

    #[test]
    fn poisson_count_interval() {
        // Garwood limits for 0 and 10 (tables: 0–3.689 and 4.795–18.39).
        let (lo, hi) = poisson_count(0);
        assert_eq!(lo, 0.0);
        assert!(close(hi, 3.688879, 1e-5));
        let (lo, hi) = poisson_count(10);
        assert!(
            close(lo, 4.795389, 1e-5) && close(hi, 18.390356, 1e-5),
            "{lo} {hi}"
        );
    }

    /// With one stratum of weight w, the Fay–Feuer limits are w times Garwood's.
    #[test]
    fn fay_feuer_with_one_stratum_is_garwood() {
        for n in [0u64, 1, 7, 40] {
            let w = 0.25;
            let (lo, hi) = fay_feuer(w * n as f64, w * w * n as f64, w).expect("defined");
            let (glo, ghi) = poisson_count(n);
            assert!(
                close(lo, w * glo, 1e-9) && close(hi, w * ghi, 1e-9),
                "{n}: {lo} {hi}"
            );
        }
        assert_eq!(fay_feuer(1.0, 1.0, 0.0), None);
        assert_eq!(standardised_ratio(0.0, 0.0, 1.0, 0.1), None);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn interval_contains_the_estimate(n1 in 0u64..5_000, n0 in 0u64..5_000,
                                          e1 in 10.0f64..1e6, e0 in 10.0f64..1e6) {
            if let Some(r) = rate_ratio(n1, e1, n0, e0) {
                if let Some(theta) = r.ratio {
                    prop_assert!(r.exact.low <= theta * (1.0 + 1e-9));
                    prop_assert!(r.exact.high.is_none_or(|h| theta <= h * (1.0 + 1e-9)));
                    // Mid-p lies inside the exact interval.
                    prop_assert!(r.midp.low >= r.exact.low * (1.0 - 1e-9));
                    prop_assert!(r.midp.low <= theta * (1.0 + 1e-9));
                }
            } else {
                prop_assert_eq!(n1 + n0, 0);
            }
        }

        #[test]
        fn swapping_arms_inverts(n1 in 1u64..3_000, n0 in 1u64..3_000,
                                 e1 in 10.0f64..1e6, e0 in 10.0f64..1e6) {
            let a = rate_ratio(n1, e1, n0, e0).unwrap();
            let b = rate_ratio(n0, e0, n1, e1).unwrap();
            let rel = |x: f64, y: f64| ((x - y) / y).abs() < 1e-7;
            prop_assert!(rel(a.ratio.unwrap(), 1.0 / b.ratio.unwrap()));
            prop_assert!(rel(a.exact.low, 1.0 / b.exact.high.unwrap()));
            prop_assert!(rel(a.exact.high.unwrap(), 1.0 / b.exact.low));
            prop_assert!(rel(a.midp.low, 1.0 / b.midp.high.unwrap()));
        }

        #[test]
        fn more_data_narrows(n1 in 1u64..2_000, n0 in 1u64..2_000, k in 2u64..10) {
            let a = rate_ratio(n1, 1e4, n0, 2e4).unwrap();
            let b = rate_ratio(n1 * k, 1e4 * k as f64, n0 * k, 2e4 * k as f64).unwrap();
            let width = |r: &RateRatio| (r.exact.high.unwrap() / r.exact.low).ln();
            prop_assert!(width(&b) < width(&a));
        }

        #[test]
        fn wilson_contains_share(k in 0u64..1000, extra in 0u64..1000) {
            let s = wilson(k, k + extra.max(1)).unwrap();
            prop_assert!(s.low <= s.share + 1e-12 && s.share <= s.high + 1e-12);
            prop_assert!(s.low >= 0.0 && s.high <= 1.0);
        }

        #[test]
        fn wilson_is_exact_at_the_ends(n in 1u64..100_000) {
            prop_assert_eq!(wilson(0, n).unwrap().low, 0.0);
            prop_assert_eq!(wilson(n, n).unwrap().high, 1.0);
        }
    }
}
