#!/usr/bin/env python3
"""Writes tests/cases/<table>/expected.csv from counts made by hand.

Every count below was made by reading the rows in tests/cases/<table>/input/ (each case's
README.md says which rows make which count). This script only turns those counts into the
derived figures (rates, ratios, shares and their 95% intervals) with scipy, by the formulas in
the README ("Statistics") and shared/reference/methods.md §4.2. It never runs stopsearch and
never reads its output, so the expected values are independent of the program.

Populations are read from fixtures/population/census2021_population_by_ethnicity_pfa22.csv.

Usage: compute_expected.py            write every expected.csv
       compute_expected.py --check    fail if any expected.csv is out of date
"""
import csv
import io
import math
import sys
from pathlib import Path

from scipy import stats
from scipy.optimize import brentq
from scipy.stats.contingency import relative_risk

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ALPHA = 0.05
GROUPS = ["Asian", "Black", "Mixed", "White", "Other"]
CENSUS = "Census 2021"
# The powers that need no suspicion, and their combined group: `no_suspicion_power` is true on
# their rows.
NO_SUSPICION = {"cjpo_s60", "terrorism_s47a", "no_suspicion_required"}

PFA = {"merseyside": "E23000004", "dorset": "E23000039"}
with open(ROOT / "fixtures/population/census2021_population_by_ethnicity_pfa22.csv") as f:
    _rows = {r["PFA22CD"]: r for r in csv.DictReader(f)}


# District residents, summed here from the raw TS021 rows (groups 1-5 Asian, 6-8 Black, 9-12
# Mixed, 13-17 White, 18-19 Other), not from any table the program builds.
_TS021_GROUP = {**{g: "Asian" for g in range(1, 6)}, **{g: "Black" for g in range(6, 9)},
                **{g: "Mixed" for g in range(9, 13)}, **{g: "White" for g in range(13, 18)},
                18: "Other", 19: "Other"}
_lad = {}
with open(ROOT / "fixtures/population/ons_ts021_ltla21_ethnic_group_20cat.csv") as f:
    for r in csv.DictReader(f):
        group = _TS021_GROUP.get(int(r["eth20_code"]))
        if group:
            d = _lad.setdefault(r["ltla21cd"], {"All": 0})
            d[group] = d.get(group, 0) + int(r["observation"])
            d["All"] += int(r["observation"])


def lad_pop(code, ethnicity):
    return _lad[code][ethnicity]


def pop(force, ethnicity):
    """Census 2021 residents of a force's PFA; None for Not stated and Missing."""
    column = {"All": "total"}.get(ethnicity, ethnicity.lower())
    if ethnicity in ("Not stated", "Missing"):
        return None
    return int(_rows[PFA[force]][column])


# ---------------------------------------------------------------------------------------------
# The statistics, written from the formulas (not from the Rust code).


def garwood(n):
    """Exact Poisson 95% limits for a count: chi-square form of Garwood (1936)."""
    low = 0.0 if n == 0 else stats.chi2.ppf(ALPHA / 2, 2 * n) / 2
    high = stats.chi2.ppf(1 - ALPHA / 2, 2 * n + 2) / 2
    return low, high


def rate(n, exposure):
    """rate per 1,000 per year with its Garwood interval; None without exposure."""
    if exposure is None:
        return None, None, None
    low, high = garwood(n)
    k = 1000 / exposure
    return n * k, low * k, high * k


def midp_limits(x, n):
    """Mid-p limits for a binomial x of n (methods.md §4.2 formula 7)."""
    if x == 0:
        low = 0.0
    else:
        # P(X > x) + P(X = x)/2 = a/2, increasing in p.
        low = brentq(lambda p: stats.binom.sf(x, n, p) + stats.binom.pmf(x, n, p) / 2 - ALPHA / 2,
                     1e-12, 1 - 1e-12, xtol=1e-15)
    if x == n:
        high = 1.0
    else:
        # P(X < x) + P(X = x)/2 = a/2, decreasing in p.
        high = brentq(lambda p: stats.binom.cdf(x - 1, n, p) + stats.binom.pmf(x, n, p) / 2 - ALPHA / 2,
                      1e-12, 1 - 1e-12, xtol=1e-15)
    return low, high


def rate_ratio(n1, e1, n0, e0):
    """(N1/E1)/(N0/E0), exact conditional (Clopper-Pearson on the split) and mid-p limits.

    Returns ratio, exact low, exact high, mid-p low, mid-p high; None where undefined (0/0:
    everything) or infinite (N0 = 0: the ratio and both upper limits)."""
    if n1 + n0 == 0:
        return (None,) * 5
    n = n1 + n0
    cp = stats.binomtest(n1, n).proportion_ci(confidence_level=1 - ALPHA, method="exact")
    mp = midp_limits(n1, n)

    def theta(p):
        return None if p >= 1 else p / (1 - p) * e0 / e1

    ratio = None if n0 == 0 else (n1 / e1) / (n0 / e0)
    return ratio, theta(cp.low), theta(cp.high), theta(mp[0]), theta(mp[1])


def wilson(k, n):
    """Share with its Wilson 95% interval (scipy's, without continuity correction)."""
    if n == 0:
        return None, None, None
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=1 - ALPHA, method="wilson")
    # At k = 0 and k = n the limit is exactly 0 or 1.
    low = 0.0 if k == 0 else ci.low
    high = 1.0 if k == n else ci.high
    return k / n, low, high


def katz(k1, n1, k0, n0):
    """Ratio of shares with the Katz log interval (scipy's relative_risk); the ratio is None
    when the reference share is 0 or a total is 0, the interval None when k1 = 0."""
    if n1 == 0 or n0 == 0 or k0 == 0:
        return None, None, None
    rr = relative_risk(k1, n1, k0, n0)
    if k1 == 0:
        return rr.relative_risk, None, None
    ci = rr.confidence_interval(confidence_level=1 - ALPHA)
    return rr.relative_risk, ci.low, ci.high


def share_row(k, n, rk, rn, small=20):
    """The columns every share table adds from n, total, reference_n, reference_total. A
    reference of None is a group with no row of its own (no search of the reference group under
    the power): reference_share and the ratio are null, and small_numbers looks at n only."""
    s, lo, hi = wilson(k, n)
    ratio, rlo, rhi = (None, None, None) if rn is None else katz(k, n, rk, rn)
    return {
        "n": k, "total": n, "reference_n": rk, "reference_total": rn,
        "share": s, "share_ci_low": lo, "share_ci_high": hi,
        "reference_share": None if not rn else rk / rn,
        "share_ratio": ratio, "share_ratio_ci_low": rlo, "share_ratio_ci_high": rhi,
        "small_numbers": n < small or (rn is not None and rn < small),
    }


def no_self_ratio(row):
    """The reference group against itself is no comparison: its share ratio is null."""
    if row.get("ethnicity") == "White":
        row.update(share_ratio=None, share_ratio_ci_low=None, share_ratio_ci_high=None)
    return row


def exposure(ethnicity, months):
    """population, force_months_covered, exposure for `months` = {force: months covered}."""
    fmc = sum(months.values())
    if ethnicity in ("Not stated", "Missing"):
        return None, fmc, None
    population = sum(pop(f, ethnicity) for f, m in months.items() if m > 0)
    return population, fmc, sum(pop(f, ethnicity) * m for f, m in months.items()) / 12


# ---------------------------------------------------------------------------------------------
# The cases. Keys first, then the counts made by hand.


def rates():
    # months covered per force in each period (README: merseyside 2025-03, 2025-04 submitted,
    # 2025-05 missing; dorset 2025-03 missing, 2025-04 submitted, 2025-05 zero).
    FY2425 = {"merseyside": 1, "dorset": 0}
    FY2526 = {"merseyside": 1, "dorset": 2}
    CY2025 = {"merseyside": 2, "dorset": 2}
    FY, CY = "financial_year", "calendar_year"
    rows = [
        # area, period_type, period, search_group, power, ethnicity, searches, months
        ("merseyside", FY, "2024/25", "all", "all", "Black", 2, {"merseyside": 1}),
        ("merseyside", FY, "2024/25", "drugs", "all", "Black", 1, {"merseyside": 1}),
        ("merseyside", FY, "2024/25", "all", "all", "Not stated", 1, {"merseyside": 1}),
        ("merseyside", FY, "2024/25", "all", "all", "Missing", 1, {"merseyside": 1}),
        ("merseyside", FY, "2024/25", "all", "all", "All", 6, {"merseyside": 1}),
        ("merseyside", FY, "2025/26", "all", "all", "White", 18, {"merseyside": 1}),
        ("merseyside", CY, "2025", "all", "all", "White", 20, {"merseyside": 2}),
        ("merseyside", FY, "2025/26", "stolen_goods", "all", "Asian", 1, {"merseyside": 1}),
        ("merseyside", FY, "2025/26", "stolen_goods", "all", "Black", 0, {"merseyside": 1}),
        ("merseyside", "month", "2025-04", "weapons", "all", "White", 6, {"merseyside": 1}),
        ("dorset", FY, "2025/26", "all", "all", "White", 0, {"dorset": 2}),
        ("dorset", FY, "2025/26", "all", "all", "Black", 1, {"dorset": 2}),
        ("dorset", FY, "2025/26", "stolen_goods", "all", "Asian", 0, {"dorset": 2}),
        ("dorset", "month", "2025-05", "all", "all", "All", 0, {"dorset": 1}),
        ("england-and-wales", FY, "2024/25", "all", "all", "White", 2, FY2425),
        ("england-and-wales", FY, "2025/26", "all", "all", "Black", 2, FY2526),
        ("england-and-wales", CY, "2025", "all", "all", "All", 30, CY2025),
        ("england-and-wales", "month", "2025-03", "drugs", "all", "All", 5, {"merseyside": 1, "dorset": 0}),
        # By power (search_group all), over the area-period's own exposure.
        ("merseyside", FY, "2024/25", "all", "cjpo_s60", "Black", 1, {"merseyside": 1}),
        ("merseyside", FY, "2024/25", "all", "cjpo_s60", "White", 0, {"merseyside": 1}),
        ("merseyside", FY, "2024/25", "all", "suspicion_required", "All", 5, {"merseyside": 1}),
        ("merseyside", FY, "2025/26", "all", "pace_s1", "White", 8, {"merseyside": 1}),
        ("merseyside", FY, "2025/26", "all", "pace_s1", "Asian", 1, {"merseyside": 1}),
        ("merseyside", CY, "2025", "all", "misuse_of_drugs_s23", "All", 17, {"merseyside": 2}),
        ("dorset", FY, "2025/26", "all", "no_suspicion_required", "Black", 1, {"dorset": 2}),
        ("dorset", FY, "2025/26", "all", "cjpo_s60", "White", 0, {"dorset": 2}),
        ("england-and-wales", FY, "2025/26", "all", "cjpo_s60", "Black", 1, FY2526),
        ("england-and-wales", CY, "2025", "all", "cjpo_s60", "All", 2, CY2025),
    ]
    out = []
    for area, ptype, period, group, power, eth, n, months in rows:
        population, fmc, e = exposure(eth, months)
        r, lo, hi = rate(n, e)
        out.append({
            "area": area, "period_type": ptype, "period": period, "search_group": group,
            "power": power, "ethnicity": eth, "census": CENSUS,
            "no_suspicion_power": power in NO_SUSPICION,
            "no_population": e is None, "small_denominator": False,
            "no_resident_population": False, "resident_denominator_unsuitable": False,
            "small_numbers": n < 20,
            "searches": n, "population": population, "force_months_covered": fmc,
            "exposure": e, "rate_per_1000": r, "rate_ci_low": lo, "rate_ci_high": hi,
        })
    return out


def disparity():
    FY = ("financial_year", "2025/26")
    BOTH = {"merseyside": 2, "dorset": 1}
    rows = [
        # area, period_type, period, search_group, power, ethnicity, months covered,
        # searches, reference searches, all, not stated + missing (people only: row 10, a
        # vehicle search, is left out), vehicle-only, fallback, fallback reference
        ("merseyside", *FY, "all", "all", "Black", {"merseyside": 2}, 3, 4, 13, 3, 1, 5, 5),
        ("merseyside", *FY, "all", "all", "Mixed", {"merseyside": 2}, 0, 4, 13, 3, 1, 0, 5),
        ("merseyside", *FY, "all", "all", "Other", {"merseyside": 2}, 1, 4, 13, 3, 1, 1, 5),
        ("merseyside", *FY, "drugs", "all", "Black", {"merseyside": 2}, 2, 4, 12, 3, 1, 4, 5),
        ("merseyside", "month", "2025-04", "all", "all", "Black", {"merseyside": 1}, 2, 3, 10, 3, 1, 4, 4),
        ("merseyside", *FY, "weapons", "all", "Black", {"merseyside": 2}, 1, 0, 1, 0, 0, 1, 0),
        ("merseyside", *FY, "weapons", "all", "Asian", {"merseyside": 2}, 0, 0, 1, 0, 0, 0, 0),
        ("dorset", *FY, "all", "all", "Black", {"dorset": 1}, 1, 0, 2, 1, 0, 1, 1),
        ("dorset", *FY, "all", "all", "Mixed", {"dorset": 1}, 0, 0, 2, 1, 0, 0, 1),
        ("england-and-wales", *FY, "all", "all", "Black", BOTH, 4, 4, 15, 4, 1, 6, 6),
        ("england-and-wales", "calendar_year", "2025", "all", "all", "Asian", BOTH, 1, 4, 15, 4, 1, 1, 6),
        # By power: row 12 is the only section 60 search.
        ("merseyside", *FY, "all", "cjpo_s60", "Black", {"merseyside": 2}, 1, 0, 1, 0, 0, 1, 0),
        ("merseyside", *FY, "all", "cjpo_s60", "Mixed", {"merseyside": 2}, 0, 0, 1, 0, 0, 0, 0),
        ("merseyside", "calendar_year", "2025", "all", "no_suspicion_required", "Black", {"merseyside": 2}, 1, 0, 1, 0, 0, 1, 0),
        ("merseyside", *FY, "all", "suspicion_required", "Black", {"merseyside": 2}, 2, 4, 12, 3, 1, 4, 5),
        ("england-and-wales", *FY, "all", "misuse_of_drugs_s23", "Black", BOTH, 3, 4, 14, 4, 1, 5, 6),
    ]
    out = []
    for area, ptype, period, group, power, eth, months, n1, n0, everyone, u, v, f1, f0 in rows:
        _, _, e1 = exposure(eth, months)
        _, _, e0 = exposure("White", months)
        r1, r0 = rate(n1, e1), rate(n0, e0)
        ratio, lo, hi, mlo, mhi = rate_ratio(n1, e1, n0, e0)

        def simple(a, b):
            # Point ratio of rates; None when the reference count is 0.
            return None if b == 0 else (a / e1) / (b / e0)

        out.append({
            "area": area, "period_type": ptype, "period": period, "search_group": group,
            "power": power, "ethnicity": eth, "reference_ethnicity": "White", "census": CENSUS,
            "no_population": False, "no_suspicion_power": power in NO_SUSPICION,
            "undefined_ratio": n1 == 0 and n0 == 0, "infinite_ratio": n1 > 0 and n0 == 0,
            "small_numbers": n1 < 10 or n0 < 10,
            "searches": n1, "exposure": e1, "reference_searches": n0, "reference_exposure": e0,
            "all_searches": everyone, "not_stated_searches": u, "vehicle_only_searches": v,
            "officer_fallback_searches": f1, "officer_fallback_reference_searches": f0,
            "rate_per_1000": r1[0], "rate_ci_low": r1[1], "rate_ci_high": r1[2],
            "reference_rate_per_1000": r0[0], "reference_rate_ci_low": r0[1],
            "reference_rate_ci_high": r0[2],
            "rate_ratio": ratio, "ratio_ci_low": lo, "ratio_ci_high": hi,
            "ratio_midp_low": mlo, "ratio_midp_high": mhi,
            "ratio_if_not_stated_in_group": simple(n1 + u, n0),
            "ratio_if_not_stated_in_reference": simple(n1, n0 + u),
            "rate_ratio_officer_fallback": simple(f1, f0),
            "not_stated_share": u / (everyone - v),
            # Over 20% of person searches unrecorded; bounds on both sides of 1 (an in-group
            # bound with no reference searches is infinite; no in-reference bound, no flag).
            "high_not_stated": u / (everyone - v) > 0.2,
            "direction_uncertain": straddles(simple(n1, n0 + u), simple(n1 + u, n0),
                                             n1 + n0 + u),
        })
    return out


def straddles(low, high, searched):
    """Whether the unknown-ethnicity bounds lie on both sides of 1: no lower bound, no flag;
    no upper bound (no reference searches) is infinite."""
    if low is None or searched == 0:
        return False
    return low < 1 < (math.inf if high is None else high)


def shares(keys, rows):
    """Rows of a share table: each is (key values..., n, total, reference_n, reference_total)
    or with `excluded` after total when the table has it."""
    out = []
    for row in rows:
        k = dict(zip(keys, row[: len(keys)]))
        counts = row[len(keys):]
        if len(counts) == 5:
            n, total, excluded, rn, rt = counts
            k["excluded"] = excluded
        else:
            n, total, rn, rt = counts
        if "power" in k:
            k["no_suspicion_power"] = k["power"] in NO_SUSPICION
        k.update(share_row(n, total, rn, rt))
        out.append(no_self_ratio(k))
    return out


def outcomes():
    keys = ["area", "period_type", "period", "power", "ethnicity", "outcome_class"]
    fy = ("financial_year", "2025/26")
    jun = ("month", "2025-06")
    return shares(keys, [
        ("merseyside", *fy, "all", "Black", "arrest", 2, 4, 1, 6),
        ("merseyside", *fy, "all", "Black", "out_of_court", 1, 4, 2, 6),
        ("merseyside", *fy, "all", "Black", "penalty_notice", 1, 4, 0, 6),
        ("merseyside", *fy, "all", "Black", "caution", 0, 4, 0, 6),
        ("merseyside", *fy, "all", "Black", "community_resolution", 0, 4, 1, 6),
        ("merseyside", *fy, "all", "White", "unknown", 1, 6, 1, 6),
        ("merseyside", *fy, "all", "Asian", "out_of_court", 1, 2, 2, 6),
        ("merseyside", *fy, "all", "All", "no_further_action", 5, 14, 2, 6),
        ("merseyside", *fy, "all", "Missing", "no_further_action", 1, 1, 2, 6),
        ("merseyside", *fy, "all", "Not stated", "summons_or_charge", 0, 1, 0, 6),
        ("merseyside", *jun, "all", "White", "out_of_court", 2, 6, 2, 6),
        ("england-and-wales", *fy, "all", "White", "arrest", 2, 7, 2, 7),
        ("england-and-wales", *jun, "all", "Black", "no_further_action", 2, 6, 2, 7),
        ("england-and-wales", "calendar_year", "2025", "all", "All", "out_of_court", 4, 17, 2, 7),
        ("dorset", *fy, "all", "Black", "no_further_action", 1, 2, 0, 1),
        # By power. dorset's section 60 search (Black, arrest) has no White search beside it:
        # no reference row.
        ("dorset", *fy, "cjpo_s60", "Black", "arrest", 1, 1, None, None),
        ("dorset", *fy, "cjpo_s60", "All", "no_further_action", 0, 1, None, None),
        ("dorset", *fy, "suspicion_required", "Black", "no_further_action", 1, 1, 0, 1),
        ("england-and-wales", *fy, "no_suspicion_required", "Black", "arrest", 1, 1, None, None),
        ("merseyside", *fy, "misuse_of_drugs_s23", "Black", "arrest", 2, 4, 1, 6),
        # Power rows are by year only; one month of data, so 2025 holds June.
        ("england-and-wales", "calendar_year", "2025", "misuse_of_drugs_s23", "Black", "no_further_action", 2, 5, 2, 7),
    ])


def find_rates():
    keys = ["area", "period_type", "period", "search_group", "power", "ethnicity", "measure"]
    fy = ("financial_year", "2025/26")
    jun = ("month", "2025-06")
    L, A = "outcome_linked", "outcome_other_than_nfa"
    return shares(keys, [
        # ..., n, total, excluded, reference_n, reference_total
        ("merseyside", *fy, "all", "all", "White", L, 1, 4, 2, 1, 4),
        ("merseyside", *fy, "all", "all", "White", A, 3, 5, 1, 3, 5),
        ("merseyside", *fy, "all", "all", "Black", L, 2, 3, 0, 1, 4),
        ("merseyside", *fy, "all", "all", "Black", A, 2, 3, 0, 3, 5),
        ("merseyside", *fy, "all", "all", "Asian", L, 0, 1, 0, 1, 4),
        ("merseyside", *fy, "all", "all", "Missing", L, 1, 1, 0, 1, 4),
        ("merseyside", *fy, "all", "all", "All", L, 4, 9, 2, 1, 4),
        ("merseyside", *fy, "drugs", "all", "White", L, 1, 3, 1, 1, 3),
        ("merseyside", *fy, "weapons", "all", "White", L, 0, 1, 1, 0, 1),
        ("merseyside", *fy, "weapons", "all", "Black", A, 1, 1, 0, 1, 1),
        ("dorset", *fy, "all", "all", "White", L, 0, 0, 2, 0, 0),
        ("dorset", *fy, "all", "all", "Black", A, 0, 1, 0, 1, 2),
        ("england-and-wales", *fy, "all", "all", "Black", L, 2, 3, 1, 1, 4),
        ("england-and-wales", *fy, "all", "all", "All", A, 7, 13, 1, 4, 7),
        ("england-and-wales", *jun, "all", "all", "White", A, 4, 7, 1, 4, 7),
        # By power: the section 60 searches are rows 4, 6 (White) and 8 (Black).
        ("merseyside", *fy, "all", "cjpo_s60", "White", L, 0, 1, 1, 0, 1),
        ("merseyside", *fy, "all", "cjpo_s60", "White", A, 1, 1, 1, 1, 1),
        ("merseyside", *fy, "all", "cjpo_s60", "Black", L, 1, 1, 0, 0, 1),
        ("merseyside", *fy, "all", "cjpo_s60", "Black", A, 1, 1, 0, 1, 1),
        ("merseyside", *fy, "all", "no_suspicion_required", "All", L, 1, 2, 1, 0, 1),
        ("merseyside", *fy, "all", "suspicion_required", "White", L, 1, 3, 1, 1, 3),
        ("england-and-wales", *fy, "all", "misuse_of_drugs_s23", "All", A, 5, 11, 0, 3, 6),
        # Power rows are by year only; one month of data, so 2025 holds June.
        ("england-and-wales", "calendar_year", "2025", "all", "cjpo_s60", "White", A, 1, 1, 1, 1, 1),
    ])


def strip_search():
    keys = ["area", "period_type", "period", "ethnicity"]
    fy = ("financial_year", "2025/26")
    jun = ("month", "2025-06")
    return shares(keys, [
        # ..., n, total, excluded, reference_n, reference_total
        ("merseyside", *jun, "White", 1, 3, 1, 1, 3),
        ("merseyside", *jun, "Black", 1, 2, 0, 1, 3),
        ("merseyside", *jun, "Asian", 0, 0, 1, 1, 3),
        ("merseyside", *jun, "Not stated", 1, 1, 0, 1, 3),
        ("merseyside", *jun, "Missing", 0, 1, 0, 1, 3),
        ("merseyside", "month", "2025-07", "Black", 0, 1, 0, 1, 1),
        ("merseyside", *fy, "White", 2, 4, 1, 2, 4),
        ("merseyside", *fy, "All", 4, 9, 2, 2, 4),
        ("dorset", *fy, "Black", 0, 0, 1, 0, 0),
        ("england-and-wales", *fy, "Black", 1, 3, 1, 2, 4),
        ("england-and-wales", "calendar_year", "2025", "All", 4, 9, 4, 2, 4),
    ])


def ethnicity_agreement():
    keys = ["area", "period_type", "period", "self_defined_ethnicity", "officer_defined_ethnicity"]
    fy = ("financial_year", "2025/26")
    rows = [
        ("merseyside", *fy, "White", "White", 3, 4),
        ("merseyside", *fy, "White", "Other", 1, 4),
        ("merseyside", *fy, "Mixed", "Black", 1, 2),
        ("merseyside", *fy, "Mixed", "White", 1, 2),
        ("merseyside", *fy, "Not stated", "White", 1, 2),
        ("merseyside", *fy, "Not stated", "Missing", 1, 2),
        ("merseyside", *fy, "Missing", "Black", 1, 2),
        ("merseyside", *fy, "Missing", "Missing", 1, 2),
        ("merseyside", *fy, "Asian", "Asian", 1, 1),
        ("dorset", "month", "2025-06", "Mixed", "White", 1, 1),
        ("england-and-wales", *fy, "White", "White", 4, 5),
        ("england-and-wales", *fy, "Mixed", "White", 2, 3),
        ("england-and-wales", "calendar_year", "2025", "Mixed", "Black", 1, 3),
    ]
    out = []
    for row in rows:
        k = dict(zip(keys, row[:5]))
        n, total = row[5:]
        s, lo, hi = wilson(n, total)
        k.update({"n": n, "total": total, "share": s, "share_ci_low": lo,
                  "share_ci_high": hi, "small_numbers": total < 20})
        out.append(k)
    return out


def search_groups():
    keys = ["area", "period_type", "period", "ethnicity", "search_group"]
    fy = ("financial_year", "2025/26")
    return shares(keys, [
        ("merseyside", *fy, "White", "drugs", 2, 7, 2, 7),
        ("merseyside", *fy, "White", "unknown", 2, 7, 2, 7),
        ("merseyside", *fy, "White", "other", 1, 7, 1, 7),
        ("merseyside", *fy, "White", "fireworks", 1, 7, 1, 7),
        ("merseyside", *fy, "White", "weapons", 1, 7, 1, 7),
        ("merseyside", *fy, "Black", "going_equipped", 1, 3, 0, 7),
        ("merseyside", *fy, "Black", "drugs", 1, 3, 2, 7),
        ("merseyside", *fy, "Black", "stolen_goods", 0, 3, 0, 7),
        ("merseyside", *fy, "Asian", "criminal_damage", 1, 1, 0, 7),
        ("merseyside", *fy, "Missing", "stolen_goods", 1, 1, 0, 7),
        ("merseyside", *fy, "Other", "other", 1, 1, 1, 7),
        ("merseyside", *fy, "Not stated", "drugs", 1, 1, 2, 7),
        ("merseyside", *fy, "All", "drugs", 4, 14, 2, 7),
        ("england-and-wales", *fy, "Black", "drugs", 2, 4, 3, 8),
        ("england-and-wales", *fy, "All", "drugs", 6, 16, 3, 8),
        ("dorset", "month", "2025-06", "Black", "weapons", 0, 1, 0, 1),
    ])


def grounds():
    keys = ["area", "period_type", "period", "search_group", "ethnicity", "category"]
    fy = ("financial_year", "2023/24")
    return shares(keys, [
        ("dorset", *fy, "all", "Black", "smell_of_cannabis", 3, 5, 2, 5),
        ("dorset", *fy, "all", "Black", "smell_only", 2, 5, 1, 5),
        ("dorset", *fy, "all", "Black", "smell_with_other_grounds", 1, 5, 1, 5),
        ("dorset", *fy, "all", "White", "smell_of_cannabis", 2, 5, 2, 5),
        ("dorset", *fy, "all", "Black", "weapon_seen_or_reported", 1, 5, 0, 5),
        ("dorset", *fy, "all", "Black", "drugs_seen", 0, 5, 0, 5),
        ("dorset", *fy, "all", "Black", "behaviour_or_demeanour", 1, 5, 1, 5),
        ("dorset", *fy, "all", "White", "other", 1, 5, 1, 5),
        ("dorset", *fy, "drugs", "Black", "smell_only", 2, 4, 1, 2),
        ("dorset", *fy, "all", "All", "smell_only", 4, 12, 1, 5),
        ("dorset", *fy, "all", "Not stated", "smell_only", 1, 1, 1, 5),
        ("dorset", *fy, "all", "Asian", "intelligence_or_information", 1, 1, 0, 5),
        ("dorset", "month", "2023-04", "all", "Black", "smell_of_cannabis", 2, 3, 2, 3),
        ("dorset", "month", "2023-05", "all", "White", "behaviour_or_demeanour", 0, 2, 0, 2),
        ("england-and-wales", *fy, "all", "Black", "admission", 1, 5, 0, 5),
    ])


def grounds_outcomes():
    keys = ["area", "period_type", "period", "search_group", "ethnicity", "category", "measure"]
    fy = ("financial_year", "2023/24")
    L, A = "outcome_linked", "outcome_other_than_nfa"
    return shares(keys, [
        # ..., n, total, excluded, reference_n, reference_total
        ("dorset", *fy, "all", "White", "any_grounds", L, 2, 5, 0, 2, 5),
        ("dorset", *fy, "all", "Black", "any_grounds", L, 1, 4, 1, 2, 5),
        ("dorset", *fy, "all", "Black", "any_grounds", A, 2, 4, 1, 2, 5),
        ("dorset", *fy, "all", "All", "any_grounds", L, 3, 10, 2, 2, 5),
        ("dorset", *fy, "all", "Black", "smell_only", L, 0, 1, 1, 0, 1),
        ("dorset", *fy, "all", "All", "smell_only", A, 0, 3, 1, 0, 1),
        ("dorset", *fy, "all", "Black", "smell_with_other_grounds", L, 1, 1, 0, 1, 1),
        ("dorset", *fy, "all", "White", "no_smell", L, 1, 3, 0, 1, 3),
        ("dorset", *fy, "all", "Black", "no_smell", A, 1, 2, 0, 1, 3),
        ("dorset", *fy, "all", "Asian", "no_smell", L, 0, 0, 1, 1, 3),
        ("dorset", *fy, "all", "Black", "behaviour_or_demeanour", A, 1, 1, 0, 0, 1),
        ("dorset", *fy, "drugs", "Black", "smell_of_cannabis", L, 1, 2, 1, 1, 2),
        ("dorset", "month", "2023-05", "all", "White", "any_grounds", L, 1, 2, 0, 1, 2),
        ("dorset", "calendar_year", "2023", "all", "Black", "any_grounds", L, 1, 4, 1, 2, 5),
        ("england-and-wales", *fy, "all", "All", "smell_of_cannabis", L, 2, 5, 1, 1, 2),
    ])


def location_coverage():
    # README: 2025-04 has 10 searches (5 in Liverpool or Sefton, 1 snapped into Liverpool from
    # 66 m east, 1 in Halton (Cheshire), 1 at 332 m east of Liverpool, 2 without a location);
    # 2026-04 has 10, all in Liverpool. The months between are missing.
    april_2025 = (10, 8, 5, 1, 1, 1)
    april_2026 = (10, 10, 10, 0, 0, 0)
    rows = [
        ("month", "2025-04", *april_2025),
        ("month", "2026-04", *april_2026),
        ("financial_year", "2025/26", *april_2025),
        ("financial_year", "2026/27", *april_2026),
        ("calendar_year", "2025", *april_2025),
        ("calendar_year", "2026", *april_2026),
    ]
    out = []
    for ptype, period, n, located, inside, nearest, other, outside in rows:
        in_districts = inside + nearest
        out.append({
            "force": "merseyside", "period_type": ptype, "period": period,
            "low_location_coverage": in_districts < 0.9 * n,
            "searches": n, "located": located, "in_force_area": inside,
            "nearest_within_200m": nearest, "other_force_area": other,
            "outside_boundaries": outside, "in_districts": in_districts,
            "located_share": located / n, "district_share": in_districts / n,
        })
    return out


def location_coverage_rates():
    # The district rows of the rates table in the same run (districts are counted by
    # financial year only): Liverpool 2025/26 = 3 White + 1 Black inside, + 1 White snapped in;
    # Sefton 2025/26 = 1 White; 2026/27 = 10 White in Liverpool and none in Sefton. Each year
    # has one covered month.
    rows = [
        ("E08000012", "Liverpool", "financial_year", "2025/26", "White", 4, True),
        ("E08000012", "Liverpool", "financial_year", "2025/26", "Black", 1, True),
        ("E08000012", "Liverpool", "financial_year", "2025/26", "All", 5, True),
        ("E08000014", "Sefton", "financial_year", "2025/26", "White", 1, True),
        ("E08000012", "Liverpool", "financial_year", "2026/27", "White", 10, False),
        ("E08000014", "Sefton", "financial_year", "2026/27", "White", 0, False),
    ]
    out = []
    for code, name, ptype, period, eth, n, low in rows:
        e = lad_pop(code, eth) * 1 / 12
        r, lo, hi = rate(n, e)
        out.append({
            "area_type": "local_authority", "area": code, "area_name": name,
            "force": "merseyside", "period_type": ptype, "period": period,
            "search_group": "all", "power": "all", "no_suspicion_power": False,
            "ethnicity": eth, "low_location_coverage": low,
            "searches": n, "population": lad_pop(code, eth), "force_months_covered": 1,
            "exposure": e, "rate_per_1000": r, "rate_ci_low": lo, "rate_ci_high": hi,
        })
    return out


# ---------------------------------------------------------------------------------------------
# Age and sex: one month (2025-06) of merseyside (15 rows, ages given) and dorset (2 rows, age
# left empty in every row). See tests/cases/composition/README.md for the rows.

FY = ("financial_year", "2025/26")


def composition():
    keys = ["area", "period_type", "period", "ethnicity", "sex", "age_range"]
    rows = [
        ("merseyside", *FY, "All", "all", "all", 15, 15),
        ("merseyside", *FY, "White", "Male", "18-24", 4, 15),
        ("merseyside", *FY, "Black", "Male", "18-24", 3, 15),
        ("merseyside", *FY, "All", "Male", "all", 11, 15),
        ("merseyside", *FY, "All", "all", "Missing", 1, 15),
        ("merseyside", *FY, "All", "Missing", "all", 1, 15),
        ("merseyside", *FY, "Asian", "Other", "over 34", 1, 15),
        ("merseyside", *FY, "Not stated", "Male", "25-34", 1, 15),
        ("merseyside", *FY, "White", "all", "all", 7, 15),
        ("merseyside", *FY, "Black", "Female", "18-24", 1, 15),
        ("merseyside", "calendar_year", "2025", "All", "all", "10-17", 2, 15),
        ("dorset", *FY, "All", "all", "all", 2, 2),
        ("dorset", *FY, "Black", "Female", "all", 1, 2),
        ("england-and-wales", *FY, "All", "all", "Missing", 3, 17),
        ("england-and-wales", *FY, "White", "Male", "all", 6, 17),
    ]
    out = []
    for row in rows:
        k = dict(zip(keys, row[:6]))
        n, total = row[6:]
        s, lo, hi = wilson(n, total)
        k.update({"n": n, "total": total, "age_recorded": k["area"] != "dorset",
                  "share": s, "share_ci_low": lo, "share_ci_high": hi,
                  "small_numbers": total < 20})
        out.append(k)
    return out


def diversion():
    keys = ["area", "period_type", "period", "search_group", "age_range", "ethnicity"]
    # (searches, nfa, warning, pnd, cr, caution, arrest, summons, other, unknown), then the
    # reference group's (diverted, disposals).
    rows = [
        ("merseyside", *FY, "drugs", "all", "White", (6, 1, 1, 1, 1, 1, 1, 0, 0, 0), (4, 5)),
        ("merseyside", *FY, "drugs", "all", "Black", (5, 0, 1, 0, 0, 0, 2, 1, 1, 0), (4, 5)),
        ("merseyside", *FY, "drugs", "18-24", "Black", (3, 0, 1, 0, 0, 0, 2, 0, 0, 0), (2, 3)),
        ("merseyside", *FY, "drugs", "18-24", "White", (4, 1, 1, 0, 1, 0, 1, 0, 0, 0), (2, 3)),
        ("merseyside", *FY, "drugs", "all", "All", (13, 1, 2, 1, 2, 1, 3, 1, 1, 1), (4, 5)),
        ("merseyside", *FY, "all", "all", "White", (7, 1, 1, 1, 1, 1, 2, 0, 0, 0), (4, 6)),
        ("merseyside", *FY, "drugs", "over 34", "Asian", (1, 0, 0, 0, 0, 0, 0, 0, 0, 1), (0, 0)),
        ("merseyside", *FY, "drugs", "over 34", "White", (0,) * 10, (0, 0)),
        ("merseyside", *FY, "weapons", "18-24", "Black", (1, 1, 0, 0, 0, 0, 0, 0, 0, 0), (0, 0)),
        ("dorset", *FY, "drugs", "all", "Black", (1, 0, 1, 0, 0, 0, 0, 0, 0, 0), (0, 1)),
        ("dorset", *FY, "drugs", "all", "White", (1, 0, 0, 0, 0, 0, 1, 0, 0, 0), (0, 1)),
        ("england-and-wales", *FY, "drugs", "all", "Black",
         (6, 0, 2, 0, 0, 0, 2, 1, 1, 0), (4, 6)),
    ]
    names = ["searches", "no_further_action", "cannabis_or_khat_warning", "penalty_notice",
             "community_resolution", "caution", "arrest", "summons_or_charge", "other_outcome",
             "unknown_outcome"]
    out = []
    for row in rows:
        k = dict(zip(keys, row[:6]))
        counts = dict(zip(names, row[6]))
        assert counts["searches"] == sum(row[6][1:]), row
        k.update(counts)
        n = sum(counts[c] for c in ("cannabis_or_khat_warning", "penalty_notice",
                                    "community_resolution", "caution"))
        total = n + counts["arrest"] + counts["summons_or_charge"]
        k.update(share_row(n, total, *row[7]))
        no_self_ratio(k)
        k["age_recorded"] = k["area"] != "dorset"
        out.append(k)
    return out


# The constructed population by ethnic group x sex x age (tests/cases/age_rates/
# TEST-ONLY-constructed-population-age.csv, written by this script): single years 0 to 34,
# then 35-64 and 65+, for every force area, from a formula, so the police ranges 10-17 and
# 18-24 can be separated.
AGE_LABELS = [str(a) for a in range(35)] + ["35-64", "65+"]
SEXES = ["Female", "Male"]
PFA_CODES = sorted({r["PFA22CD"] for r in _rows.values()})


def age_residents(pfa, group, sex, label):
    base = 50 + 3 * PFA_CODES.index(pfa) + 11 * GROUPS.index(group) + 5 * SEXES.index(sex)
    if label == "35-64":
        return 30 * base
    if label == "65+":
        return 12 * base
    return base + 2 * int(label)


def population_age_file():
    lines = ["area_code,ethnic_group,sex,age_band,residents"]
    for pfa in PFA_CODES:
        for g in GROUPS:
            for s in SEXES:
                for label in AGE_LABELS:
                    lines.append(f"{pfa},{g},{s},{label},{age_residents(pfa, g, s, label)}")
    return "\n".join(lines) + "\n"


# Police range -> the population labels in it (the finest shared bands are the five ranges).
BANDS = {
    "under 10": [str(a) for a in range(10)],
    "10-17": [str(a) for a in range(10, 18)],
    "18-24": [str(a) for a in range(18, 25)],
    "25-34": [str(a) for a in range(25, 35)],
    "over 34": ["35-64", "65+"],
}


def band_pop(force, group, sex, band):
    sexes = SEXES if sex == "all" else [sex]
    groups = GROUPS if group == "All" else [group]
    bands = list(BANDS) if band == "all" else [band]
    return sum(age_residents(PFA[force], g, s, lab)
               for g in groups for s in sexes for b in bands for lab in BANDS[b])


# Searches by (force, group, sex, band) with a sex of Male/Female and an age range, read off
# the input rows (merseyside only: dorset gives no ages).
STRATA = {
    ("Black", "Male", "18-24"): 3, ("Black", "Male", "10-17"): 1,
    ("Black", "Male", "over 34"): 1, ("Black", "Female", "18-24"): 1,
    ("White", "Male", "18-24"): 4, ("White", "Male", "10-17"): 1,
    ("White", "Female", "25-34"): 1,
    # Counted in `All` only (no residents of its own).
    ("Not stated", "Male", "25-34"): 1,
}


def standard_weights(within_sex=None):
    """England and Wales (all 43 force areas, all groups) by sex x band, as shares."""
    cells = {(s, b): sum(age_residents(p, g, s, lab) for p in PFA_CODES for g in GROUPS
                         for lab in BANDS[b])
             for s in SEXES for b in BANDS}
    if within_sex:
        cells = {k: v for k, v in cells.items() if k[0] == within_sex}
    total = sum(cells.values())
    return {k: v / total for k, v in cells.items()}


def dsr(group, sex):
    """Direct standardisation of the one month with ages (merseyside's; dorset gives no ages,
    so England and Wales's strata hold merseyside's searches and residents too): rate,
    variance, max weight, and the Fay-Feuer limits (gamma quantiles, Fay and Feuer 1997)."""
    w = standard_weights(None if sex == "all" else sex)
    d = v = wm = 0.0
    for (s, b), ws in w.items():
        e = band_pop("merseyside", group, s, b) / 12
        n = sum(c for (g, ss, bb), c in STRATA.items()
                if ss == s and bb == b and group in (g, "All"))
        d += 1000 * ws * n / e
        v += 1000 ** 2 * ws ** 2 * n / e ** 2
        wm = max(wm, 1000 * ws / e)
    low = 0.0 if d == 0 else stats.gamma.ppf(ALPHA / 2, d * d / v, scale=v / d)
    high = stats.gamma.ppf(1 - ALPHA / 2, (d + wm) ** 2 / (v + wm ** 2),
                           scale=(v + wm ** 2) / (d + wm))
    return d, v, wm, low, high


def age_rates():
    rows = [
        # area, group, sex, band, searches, reference searches, months with ages (per force)
        ("merseyside", "Black", "Male", "18-24", 3, 4),
        ("merseyside", "Black", "Male", "10-17", 1, 1),
        ("merseyside", "Black", "Female", "25-34", 0, 1),
        ("merseyside", "Black", "Male", "all", 5, 5),
        ("merseyside", "Black", "all", "18-24", 4, 4),
        ("merseyside", "Black", "all", "all", 6, 7),
        ("merseyside", "All", "all", "all", 15, 7),
        ("dorset", "Black", "all", "all", 1, 1),
        ("england-and-wales", "Black", "Male", "18-24", 3, 4),
        ("england-and-wales", "Black", "all", "all", 7, 8),
    ]
    out = []
    for area, g, sex, band, n, rn in rows:
        forces = ["merseyside", "dorset"] if area == "england-and-wales" else [area]
        # A band's exposure counts only months with ages: dorset gives none (it gives sexes,
        # so a sex row over all bands counts it).
        age_forces_all = [f for f in forces if f == "merseyside"]
        age_forces = age_forces_all if band != "all" else forces
        population = sum(band_pop(f, g, sex, band) for f in forces)
        e = sum(band_pop(f, g, sex, band) for f in age_forces) / 12
        re = sum(band_pop(f, "White", sex, band) for f in age_forces) / 12
        r, lo, hi = rate(n, e)
        ratio, clo, chi, _, _ = rate_ratio(n, e, rn, re)
        k = {"area": area, "period_type": FY[0], "period": FY[1], "ethnicity": g, "sex": sex,
             "age_band": band, "searches": n, "population": population,
             "force_months_covered": len(forces),
             "exposure_months": len(forces) if band == "all" else len(age_forces_all),
             "exposure": e,
             "reference_searches": rn, "reference_exposure": re,
             "rate_per_1000": r, "rate_ci_low": lo, "rate_ci_high": hi,
             "rate_ratio": ratio, "ratio_ci_low": clo, "ratio_ci_high": chi}
        if area != "dorset" and band == "all":
            d, v, wm, slo, shi = dsr(g, sex)
            rd, rv, _, _, _ = dsr("White", sex)
            # Ratio: log-normal, exp(ln R +- z sqrt(v1/d1^2 + v0/d0^2)).
            z = stats.norm.ppf(1 - ALPHA / 2)
            se = math.sqrt(v / d ** 2 + rv / rd ** 2)
            k.update({"standardised_rate_per_1000": d, "standardised_variance": v,
                      "standardised_max_weight": wm, "standardised_ci_low": slo,
                      "standardised_ci_high": shi, "standardised_ratio": d / rd,
                      "standardised_ratio_ci_low": d / rd * math.exp(-z * se),
                      "standardised_ratio_ci_high": d / rd * math.exp(z * se)})
        else:
            k.update({c: None for c in ["standardised_rate_per_1000", "standardised_variance",
                                        "standardised_max_weight", "standardised_ci_low",
                                        "standardised_ci_high", "standardised_ratio",
                                        "standardised_ratio_ci_low", "standardised_ratio_ci_high"]})
        out.append(k)
    return out


# ---------------------------------------------------------------------------------------------
# Change over time: merseyside 2025-06 against 2024-06 (2024-07 has no 2025-07 beside it, so it
# is in neither side), dorset 2025-06 alone (no pair). See tests/cases/changes/README.md.

Z = 1.959963984540054


def change_limits(x, prev):
    """change_ratio = x / prev with the exact conditional interval, written from the beta
    quantiles and checked against rate_ratio's Clopper-Pearson (binomtest) limits."""
    n = x + prev
    p_low = 0.0 if x == 0 else stats.beta.ppf(ALPHA / 2, x, n - x + 1)
    p_high = 1.0 if x == n else stats.beta.ppf(1 - ALPHA / 2, x + 1, n - x)
    ratio = None if prev == 0 else x / prev
    low = p_low / (1 - p_low)
    high = None if p_high == 1 else p_high / (1 - p_high)
    r, lo, hi, _, _ = rate_ratio(x, 1.0, prev, 1.0)
    assert r == ratio and math.isclose(lo, low, rel_tol=1e-9, abs_tol=1e-15), (x, prev)
    assert (hi is None) == (high is None) and (hi is None or math.isclose(hi, high, rel_tol=1e-9))
    return ratio, low, high


def ratio_of_ratios(a, b, c, d):
    """(a/b)/(c/d) with exp(ln r +- z sqrt(1/a+1/b+1/c+1/d)); None when a count is 0 or null."""
    if None in (a, b, c, d) or 0 in (a, b, c, d):
        return None, None, None
    r = (a / b) / (c / d)
    se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return r, math.exp(math.log(r) - Z * se), math.exp(math.log(r) + Z * se)


def newcombe(k1, n1, k0, n0):
    """Difference of two shares with Newcombe's hybrid score interval (method 10) from the
    Wilson limits, checked against statsmodels; None when a base is 0."""
    if n1 == 0 or n0 == 0:
        return None, None, None
    p1, l1, u1 = wilson(k1, n1)
    p0, l0, u0 = wilson(k0, n0)
    d = p1 - p0
    low = d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    from statsmodels.stats.proportion import confint_proportions_2indep
    sl, sh = confint_proportions_2indep(k1, n1, k0, n0, method="newcomb", compare="diff")
    assert math.isclose(sl, low, abs_tol=1e-9) and math.isclose(sh, high, abs_tol=1e-9), \
        (k1, n1, k0, n0, sl, low, sh, high)
    return d, low, high


def changes():
    keys = ["area", "comparison", "period", "previous_period", "search_group", "ethnicity"]
    FYC = ("financial_year", "2025/26", "2024/25")
    JUN = ("month", "2025-06", "2024-06")
    rows = [
        # ..., searches, previous, reference (White) now, reference before (None on White and
        # All), out-of-court now / base now, out-of-court before / base before
        ("merseyside", *FYC, "all", "All", 14, 12, None, None, (6, 12), (3, 8)),
        ("merseyside", *FYC, "all", "White", 6, 7, None, None, (2, 4), (2, 5)),
        ("merseyside", *FYC, "all", "Black", 4, 4, 6, 7, (2, 4), (1, 3)),
        ("merseyside", *FYC, "all", "Asian", 2, 0, 6, 7, (1, 2), (0, 0)),
        ("merseyside", *FYC, "drugs", "Black", 3, 2, 4, 5, (2, 3), (1, 2)),
        ("merseyside", *FYC, "drugs", "Asian", 2, 0, 4, 5, (1, 2), (0, 0)),
        ("merseyside", *FYC, "drugs", "All", 10, 7, None, None, (6, 9), (2, 5)),
        ("merseyside", *FYC, "weapons", "Black", 0, 2, 2, 1, (0, 0), (0, 1)),
        ("merseyside", *FYC, "weapons", "White", 2, 1, None, None, (0, 1), (1, 1)),
        ("merseyside", *FYC, "stolen_goods", "Black", 1, 0, 0, 1, (0, 1), (0, 0)),
        ("merseyside", *FYC, "stolen_goods", "All", 2, 2, None, None, (0, 2), (0, 1)),
        ("merseyside", *JUN, "all", "All", 14, 12, None, None, (6, 12), (3, 8)),
        ("merseyside", *JUN, "drugs", "White", 4, 5, None, None, (2, 3), (1, 3)),
        # dorset's 2025-06 has no 2024-06 beside it: England & Wales is merseyside alone.
        ("england-and-wales", *FYC, "all", "All", 14, 12, None, None, (6, 12), (3, 8)),
        ("england-and-wales", *JUN, "drugs", "Black", 3, 2, 4, 5, (2, 3), (1, 2)),
    ]
    out = []
    for row in rows:
        k = dict(zip(keys, row[:6]))
        n, prev, rn, rprev, (k1, n1), (k0, n0) = row[6:]
        ratio, lo, hi = change_limits(n, prev)
        rc, rclo, rchi = ratio_of_ratios(n, rn, prev, rprev)
        d, dlo, dhi = newcombe(k1, n1, k0, n0)
        k.update({
            "reference_ethnicity": "White", "small_numbers": n < 10 or prev < 10,
            "force_months": 1, "suspect_months": 0,
            "searches": n, "previous_searches": prev, "reference_searches": rn,
            "previous_reference_searches": rprev,
            "out_of_court": k1, "out_of_court_base": n1, "previous_out_of_court": k0,
            "previous_out_of_court_base": n0,
            "change_ratio": ratio, "change_ci_low": lo, "change_ci_high": hi,
            "percent_change": None if ratio is None else 100 * (ratio - 1),
            "ratio_change": rc, "ratio_change_ci_low": rclo, "ratio_change_ci_high": rchi,
            "out_of_court_share": wilson(k1, n1)[0],
            "previous_out_of_court_share": wilson(k0, n0)[0],
            "out_of_court_share_change": d, "out_of_court_share_change_ci_low": dlo,
            "out_of_court_share_change_ci_high": dhi,
        })
        out.append(k)
    return out


# ---------------------------------------------------------------------------------------------
# Reconciliation with the Home Office: dorset's 12 months of 2020/21 (20 rows, 3 of them
# vehicle-only), merseyside's 2020-04 (3 rows, 1 vehicle-only), against
# tests/cases/reconciliation/TEST-ONLY-constructed-home-office.csv. See its README.md.

def reconciliation():
    LIMIT = 0.05
    FY2021 = "2020/21"
    rows = [
        # area, power, ethnicity, published, person searches, vehicle-only, months covered
        ("dorset", "all", "All", 17, 17, 3, 12),
        ("dorset", "all", "White", 12, 10, 1, 12),
        ("dorset", "all", "Black", 4, 4, 0, 12),
        ("dorset", "all", "Mixed", 1, 0, 0, 12),
        ("dorset", "all", "Not stated", 2, 2, 2, 12),
        ("dorset", "cjpo_s60", "All", 1, 1, 0, 12),
        ("dorset", "section_1_and_associated", "All", 16, 16, 3, 12),
        ("dorset", "terrorism_s47a", "All", 0, 0, 0, 12),
        ("merseyside", "all", "All", 40, 2, 1, 1),
        # Kent: no file of the run, so no count to compare.
        ("kent", "all", "All", 1200, None, None, 0),
        ("england-and-wales", "all", "All", 500, 19, 4, 13),
    ]
    out = []
    for area, power, eth, ho, police, vehicle, months in rows:
        expected = 516 if area == "england-and-wales" else 12
        diff = None if police is None else police - ho
        ratio = None if police is None or ho == 0 else police / ho
        differs = None if months < expected or ho == 0 else abs(diff) > LIMIT * ho
        out.append({
            "area": area, "financial_year": FY2021, "power": power, "ethnicity": eth,
            "home_office_searches": ho, "police_uk_searches": police,
            "vehicle_only_searches": vehicle, "months_covered": months,
            "months_expected": expected, "difference": diff, "ratio": ratio,
            "differs": differs,
        })
    return out


CASES = {
    "location_coverage": location_coverage,
    "location_coverage/expected.rates": location_coverage_rates,
    "rates": rates, "disparity": disparity, "outcomes": outcomes, "find_rates": find_rates,
    "strip_search": strip_search, "ethnicity_agreement": ethnicity_agreement,
    "search_groups": search_groups, "grounds": grounds, "grounds_outcomes": grounds_outcomes,
    "composition": composition, "diversion": diversion, "age_rates": age_rates,
    "changes": changes, "reconciliation": reconciliation,
}


def cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return f"{v:.12g}"
    return str(v)


def render(rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(rows[0].keys())
    for r in rows:
        assert r.keys() == rows[0].keys()
        w.writerow(cell(v) for v in r.values())
    return buf.getvalue()


def main():
    check = "--check" in sys.argv
    stale = []
    population = HERE / "age_rates" / "TEST-ONLY-constructed-population-age.csv"
    if check:
        if not population.exists() or population.read_text() != population_age_file():
            stale.append("age_rates population")
    else:
        population.write_text(population_age_file())
    for name, make in CASES.items():
        path = HERE / (name + ".csv") if "/" in name else HERE / name / "expected.csv"
        text = render(make())
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
            print(f"{path.relative_to(ROOT)}: {text.count(chr(10)) - 1} rows")
    if stale:
        sys.exit(f"out of date: {', '.join(stale)} (run tests/cases/compute_expected.py)")


if __name__ == "__main__":
    main()
