#!/usr/bin/env python3
"""Checks the tables by age and sex (`composition`, `diversion`, `age_rates`) against an
independent computation from the raw data.police.uk files, read here with Python's csv module
(and, for the saved API response among the fixtures, its json module), never from the
program's `searches` table; the residents come straight from the --population-age CSV.

    check_age.py fixtures OUT [AGE_CSV]    OUT: `stopsearch run --no-charts --no-cache -q
                                           --out OUT --population-age AGE_CSV` over the
                                           bundled fixtures (fixtures/police_uk)
    check_age.py year OUT RAW_DIR AGE_CSV  OUT: the same over RAW_DIR (for example
                                           ../shared/data/police_uk_extra/fy2020-21); also
                                           prints the README's tables by age

AGE_CSV defaults to ../shared/data/geography/census2021_eth_sex_age/
census2021_eth5_sex_age13_pfa22.csv (columns PFA22CD, PFA22NM, sex, eth5, age_band, count).

Every force area (area = force id) and `england-and-wales` (the 43 territorial forces, every
force but `btp`) is checked, by financial and by calendar year, for every period in the raw
files:

1. composition: n for every ethnic group x sex x age range (with their `All`/`all` margins),
   total, age_recorded (and no rows by age range without it), share and its Wilson interval;
   the set of rows must be the same both sides.
2. diversion: every search group (`drugs` and `all` among them) x age range x ethnic group:
   searches, each outcome class, n (the four out-of-court disposals), total (n + arrest +
   summons or charge), the White reference, share (Wilson), reference share and the share
   ratio with its Katz interval where defined (as intervals.rs: no ratio when a total or the
   reference's n is 0, no interval when n is 0).
3. age_rates: searches, population, months covered, exposure_months, exposure, crude rate,
   rate ratio with its exact interval on every row. Each force-month gives an age range (some
   search in it has one) and a sex (some search has one); a covered month with no searches
   gives both. A row's exposure counts only some force-months: every covered month for sex
   `all` x age_band `all`; for a row by sex (band `all`), those giving a sex; by band (sex
   `all`), an age range; by sex and band (a stratum), both. A row other than `all`/`all` whose
   area and period have no such month is not written (a force without sexes has no Male/Female
   rows, and its residents are outside England and Wales's). And, recomputed with scipy, the
   directly standardised rates (to England and Wales, all groups, by sex x band, built from the
   strata) with their Fay-Feuer intervals and the standardised ratio to White with its
   log-normal interval on the rows with age_band `all` (sex `all` and each sex).

The raw files are read, and the label rules (broad ethnic group, outcome class, search group)
copied from src/reference/vocab.rs, the project's authoritative list, in rawfiles.py. Stops at
the first mismatch.
"""
import csv
import functools
import math
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rawfiles import (  # noqa: E402
    EW, FIXTURES, GROUPS, ROOT, Z, areas_of, check_inputs, compare, ethnicity, fail, keyed,
    missing, outcome_class, periods_of, raw_files, raw_records, same_keys, search_group, table,
    territorial_forces, wilson,
)

AGE_CSV = ROOT.parent / "shared" / "data" / "geography" / "census2021_eth_sex_age" / \
    "census2021_eth5_sex_age13_pfa22.csv"
SEXES = ["Female", "Male"]
BANDS = ["under 25", "25-34", "over 34"]
# Census 2021 13 bands and police ranges -> the bands both can be summed into.
CENSUS_BAND = {**{b: "under 25" for b in ("0-15", "16-19", "20-21", "22-24")},
               **{b: "25-34" for b in ("25-29", "30-34")},
               **{b: "over 34" for b in ("35-39", "40-44", "45-49", "50-54", "55-59", "60-64",
                                         "65+")}}
POLICE_BAND = {"under 10": "under 25", "10-17": "under 25", "18-24": "under 25",
               "25-34": "25-34", "over 34": "over 34"}
# Outcome classes (rawfiles.outcome_class) and the table column of each.
CLASSES = ["no_further_action", "cannabis_or_khat_warning", "penalty_notice",
           "community_resolution", "caution", "arrest", "summons_or_charge", "other", "unknown"]
DIVERTED = ["cannabis_or_khat_warning", "penalty_notice", "community_resolution", "caution"]
COLUMN_OF_CLASS = {c: c for c in CLASSES} | {"other": "other_outcome",
                                              "unknown": "unknown_outcome"}


# ---------------------------------------------------------------------------------------------
# Raw files.

COLUMNS = ("Self-defined ethnicity", "Gender", "Age range", "Object of search", "Legislation",
           "Outcome")


class Raw:
    """Searches counted by force, month, group, sex, age range, search group and outcome."""

    def __init__(self, root):
        self.counts = Counter()
        self.files = set()  # (force, month) with a file
        # (force, month) -> whether some search of the month has an age range (a sex); a
        # month whose file has no searches gives both.
        self.age_month, self.sex_month = {}, {}
        self.rows = 0
        for force, month, path, kind in raw_files(root):
            if (force, month) in self.files:
                fail(f"two raw files for {force} {month}: this check assumes one")
            self.files.add((force, month))
            n_rows, with_age, with_sex = 0, 0, 0
            for sde, sex, age, obj, law, outcome in raw_records(path, kind, COLUMNS):
                n_rows += 1
                with_age += age != ""
                with_sex += sex != ""
                self.counts[(force, month, ethnicity(sde), sex or "Missing", age or "Missing",
                             search_group(obj, law), outcome_class(outcome))] += 1
            self.rows += n_rows
            self.age_month[(force, month)] = n_rows == 0 or with_age > 0
            self.sex_month[(force, month)] = n_rows == 0 or with_sex > 0
        self.forces = sorted({f for f, _ in self.files})
        self.ethnicities = sorted({k[2] for k in self.counts})

    def by_area_period(self, territorial):
        """{(area, period_type, period): Counter{(eth, sex, age, group, class): n}}."""
        out = defaultdict(Counter)
        for (force, month, *rest), n in self.counts.items():
            for ptype, period in periods_of(month):
                for area in areas_of(force, territorial):
                    out[(area, ptype, period)][tuple(rest)] += n
        return out

    def area_periods(self, territorial):
        """Every (area, period_type, period) with at least one file."""
        return {(area, ptype, period) for force, month in self.files
                for ptype, period in periods_of(month) for area in areas_of(force, territorial)}


# ---------------------------------------------------------------------------------------------
# Statistics, from the formulas.


def katz(k1, n1, k0, n0):
    """Ratio of shares and Katz log interval; None where intervals.rs leaves them null."""
    if n1 == 0 or n0 == 0 or k0 == 0:
        return None, None, None
    ratio = (k1 / n1) / (k0 / n0)
    if k1 == 0:
        return ratio, None, None
    se = math.sqrt(1 / k1 - 1 / n1 + 1 / k0 - 1 / n0)
    return ratio, math.exp(math.log(ratio) - Z * se), math.exp(math.log(ratio) + Z * se)


def rate_ratio_exact(n1, e1, n0, e0):
    """(N1/E1)/(N0/E0) with the exact conditional interval (Clopper-Pearson on the split)."""
    if n1 + n0 == 0 or not e1 or not e0:
        return None, None, None
    low, high = clopper_pearson(n1, n1 + n0)

    def theta(p):
        return None if p >= 1 else p / (1 - p) * e0 / e1

    ratio = None if n0 == 0 else (n1 / e1) / (n0 / e0)
    return ratio, theta(low), theta(high)


@functools.cache
def clopper_pearson(x, n):
    """Exact binomial 95% limits of x of n, from the beta quantiles."""
    low = 0.0 if x == 0 else stats.beta.ppf(0.025, x, n - x + 1)
    high = 1.0 if x == n else stats.beta.ppf(0.975, x + 1, n - x)
    return float(low), float(high)


def fay_feuer(d, v, wm):
    low = 0.0 if d == 0 or v == 0 else stats.gamma.ppf(0.025, a=d * d / v, scale=v / d)
    dd, vv = d + wm, v + wm * wm
    return low, stats.gamma.ppf(0.975, a=dd * dd / vv, scale=vv / dd)


def standardised_ratio(d1, v1, d0, v0):
    if missing(d1) or missing(d0) or not (d1 > 0 and d0 > 0):
        return None, None, None
    r = d1 / d0
    se = math.sqrt(v1 / d1 ** 2 + v0 / d0 ** 2)
    return r, r * math.exp(-Z * se), r * math.exp(Z * se)


# ---------------------------------------------------------------------------------------------
# The program's tables.


def program(out, name, keys):
    """{key: row} of a table's force and country rows by financial and calendar year."""
    return keyed(name, table(out, name), keys)


# ---------------------------------------------------------------------------------------------
# 1. composition


def check_composition(out, raw, territorial):
    keys = ["area", "period_type", "period", "ethnicity", "sex", "age_range"]
    got = program(out, "composition", keys)
    want = {}
    for (area, ptype, period), cells in raw.by_area_period(territorial).items():
        c = Counter()
        for (eth, sex, age, _, _), n in cells.items():
            for e in (eth, "All"):
                for s in (sex, "all"):
                    for a in (age, "all"):
                        c[(e, s, a)] += n
        total = sum(cells.values())
        recorded = any(n for (_, _, age, _, _), n in cells.items() if age != "Missing")
        for (e, s, a), n in c.items():
            if recorded or a == "all":
                want[(area, ptype, period, e, s, a)] = (n, total, recorded)
    same_keys("composition", want, got)
    for key, (n, total, recorded) in want.items():
        r = got[key]
        share, low, high = wilson(n, total)
        for column, w in [("n", n), ("total", total), ("age_recorded", recorded),
                          ("share", share), ("share_ci_low", low), ("share_ci_high", high),
                          ("small_numbers", total < 20)]:
            compare("composition", key, column, w, r[column])
    periods = {k[:3] for k in want}
    unrecorded = sorted({k[:3] for k, v in want.items() if not v[2]})
    print(f"composition: {len(want)} rows compared over {len(periods)} area-periods "
          f"(n, total, age_recorded, share, Wilson interval, small_numbers); "
          f"{len(unrecorded)} area-periods without ages have only `all` rows"
          + (f", e.g. {unrecorded[0]}" if unrecorded else ""))


# ---------------------------------------------------------------------------------------------
# 2. diversion


def check_diversion(out, raw, territorial):
    keys = ["area", "period_type", "period", "search_group", "age_range", "ethnicity"]
    got = program(out, "diversion", keys)
    seen = set(raw.ethnicities) | {"All"}
    want = {}
    for (area, ptype, period), cells in raw.by_area_period(territorial).items():
        recorded = any(n for (_, _, age, _, _), n in cells.items() if age != "Missing")
        c = defaultdict(Counter)
        for (eth, _, age, group, cls), n in cells.items():
            for g in (group, "all"):
                for a in (age, "all"):
                    for e in (eth, "All"):
                        c[(g, a, e)][cls] += n
        for g, a in {(g, a) for g, a, _ in c}:
            if not (recorded or a == "all"):
                continue
            for e in seen:
                counts = c.get((g, a, e), Counter())
                want[(area, ptype, period, g, a, e)] = (counts, recorded)
    same_keys("diversion", want, got)
    drugs = 0
    for key, (counts, recorded) in want.items():
        r = got[key]
        n = sum(counts[k] for k in DIVERTED)
        total = n + counts["arrest"] + counts["summons_or_charge"]
        ref = want.get(key[:5] + ("White",))
        if ref is not None:
            rn = sum(ref[0][k] for k in DIVERTED)
            rt = rn + ref[0]["arrest"] + ref[0]["summons_or_charge"]
        else:
            rn = rt = None
        share, low, high = wilson(n, total)
        # The reference group against itself is no comparison: no ratio.
        ratio, rlow, rhigh = (katz(n, total, rn, rt) if ref is not None and key[5] != "White"
                              else (None,) * 3)
        checks = [("searches", sum(counts.values()))]
        checks += [(COLUMN_OF_CLASS[k], counts[k]) for k in CLASSES]
        checks += [("n", n), ("total", total), ("age_recorded", recorded),
                   ("share", share), ("share_ci_low", low), ("share_ci_high", high),
                   ("share_ratio", ratio), ("share_ratio_ci_low", rlow),
                   ("share_ratio_ci_high", rhigh),
                   ("small_numbers", total < 20 or (rt is not None and rt < 20))]
        if ref is not None:
            checks += [("reference_n", rn), ("reference_total", rt),
                       ("reference_share", rn / rt if rt else None)]
        for column, w in checks:
            compare("diversion", key, column, w, r[column])
        drugs += key[3] == "drugs"
    groups = Counter(k[3] for k in want)
    print(f"diversion: {len(want)} rows compared ({drugs} drugs, {groups['all']} all, "
          f"{len(want) - drugs - groups['all']} other search groups; {len(seen)} ethnic groups "
          f"per cell): outcome classes, n, total, reference, share (Wilson), share ratio (Katz), "
          f"small_numbers")


# ---------------------------------------------------------------------------------------------
# 3. age_rates


class Population:
    def __init__(self, path):
        self.cells = Counter()  # (pfa, eth, sex, band) -> residents
        with open(path, newline="", encoding="utf-8-sig") as f:
            for r in csv.DictReader(f):
                self.cells[(r["PFA22CD"], r["eth5"], r["sex"], CENSUS_BAND[r["age_band"]])] += \
                    int(r["count"])
        self.pfas = sorted({k[0] for k in self.cells})
        assert len(self.pfas) == 43, len(self.pfas)
        # The standard: England and Wales, all groups, by sex x band.
        self.standard = Counter()
        for (_, _, sex, band), n in self.cells.items():
            self.standard[(sex, band)] += n

    def residents(self, pfa, eth, sex, band):
        eths = GROUPS if eth == "All" else [eth]
        sexes = SEXES if sex == "all" else [sex]
        bands = BANDS if band == "all" else [band]
        return sum(self.cells[(pfa, e, s, b)] for e in eths for s in sexes for b in bands)

    def weights(self, sex):
        """{(sex, band): weight}: over both sexes for `all`, within the sex otherwise."""
        sexes = SEXES if sex == "all" else [sex]
        strata = [(s, b) for s in sexes for b in BANDS]
        total = sum(self.standard[k] for k in strata)
        return {k: self.standard[k] / total for k in strata}


def check_age_rates(out, raw, territorial, pfa_of, pop):
    keys = ["area", "period_type", "period", "ethnicity", "sex", "age_band"]
    got = program(out, "age_rates", keys)
    if any(k[0] == "btp" for k in got):
        fail("age_rates: btp has rows, though it has no residents")
    months = recording_months(raw)
    # Searches by area, period, group, sex and band (None: no age range).
    searches = defaultdict(Counter)
    for (force, month, eth, sex, age, _, _), n in raw.counts.items():
        for ptype, period in periods_of(month):
            for area in areas_of(force, territorial):
                searches[(area, ptype, period)][(eth, sex, POLICE_BAND.get(age))] += n

    def count(cells, eth, sex, band):
        return sum(n for (e, s, b), n in cells.items()
                   if (eth == "All" or e == eth) and (sex == "all" or s == sex)
                   and (band == "all" or b == band))

    want = {}
    for area, ptype, period in raw.area_periods(territorial):
        forces = [area] if area != EW else sorted(territorial)
        forces = [f for f in forces
                  if f in territorial and months[(f, ptype, period, "covered")] > 0]
        if not forces:
            continue
        cells = searches[(area, ptype, period)]
        fmc = sum(months[(f, ptype, period, "covered")] for f in forces)
        for eth in GROUPS + ["All"]:
            for sex in SEXES + ["all"]:
                for band in BANDS + ["all"]:
                    # The force-months this row's exposure counts; a row other than all/all
                    # without any is not written.
                    kind = exposure_kind(sex, band)
                    em = sum(months[(f, ptype, period, kind)] for f in forces)
                    if kind != "covered" and em == 0:
                        continue
                    res = {f: pop.residents(pfa_of[f], eth, sex, band) for f in forces}
                    e = sum(res[f] * months[(f, ptype, period, kind)] for f in forces) / 12
                    want[(area, ptype, period, eth, sex, band)] = {
                        "searches": count(cells, eth, sex, band),
                        "population": sum(res.values()),
                        "force_months_covered": fmc, "exposure_months": em,
                        "exposure": e if e > 0 else None,
                    }
    same_keys("age_rates", want, got)
    for key, w in want.items():
        ref = want[key[:3] + ("White",) + key[4:]]
        w["reference_searches"] = ref["searches"]
        w["reference_exposure"] = ref["exposure"]
        e = w["exposure"]
        w["rate_per_1000"] = None if e is None else 1000 * w["searches"] / e
        ratio, low, high = rate_ratio_exact(w["searches"], e, ref["searches"], ref["exposure"])
        w["rate_ratio"], w["ratio_ci_low"], w["ratio_ci_high"] = ratio, low, high
        w["small_numbers"] = w["searches"] < 10 or ref["searches"] < 10
    crude = 0
    for key, w in want.items():
        for column, v in w.items():
            compare("age_rates", key, column, v, got[key][column])
        crude += 1
    bands = sum(1 for k in want if k[5] != "all")
    by_sex = sum(1 for k in want if k[4] != "all")
    print(f"age_rates: {crude} rows compared ({bands} by age band, {by_sex} by sex): searches, "
          f"population, months covered, exposure months, exposure, reference, crude rate, rate "
          f"ratio with its exact interval, small_numbers")
    # Area-periods left without rows of a kind, because no force-month of it gave the field.
    for kind, what in [("sex", "a sex"), ("age", "an age range"), ("both", "both")]:
        without = sorted(k[:3] for k in want
                         if k[3] == "All" and k[4] == "all" and k[5] == "all"
                         and not any(exposure_kind(s, b) == kind
                                     and k[:4] + (s, b) in want
                                     for s in SEXES + ["all"] for b in BANDS + ["all"]))
        if without:
            print(f"  {len(without)} area-periods with no month giving {what}, so no rows "
                  f"{ROWS_OF_KIND[kind]}: e.g. {without[:3]}")

    # Direct standardisation, recomputed for every area-period on the rows with band `all`.
    standardised = {}
    for key, w in want.items():
        area, ptype, period, eth, sex, band = key
        if band != "all":
            continue
        weights = pop.weights(sex)
        cells = searches[(area, ptype, period)]
        terms = []
        for (s, b), wt in weights.items():
            n = count(cells, eth, s, b)
            stratum = want.get((area, ptype, period, eth, s, b))
            if stratum is None:  # no month giving both a sex and an age range: no stratum
                if n:
                    fail(f"age_rates {key}: {n} searches of {s} {b} without a month giving "
                         f"both a sex and an age range")
                terms.append((wt, 0, None))
            else:
                terms.append((wt, n, stratum["exposure"]))
        stratified = sum(n for _, n, _ in terms)
        if any(e is None for _, _, e in terms):
            d = v = wm = low = high = None
        else:
            d = 1000 * sum(wt * n / e for wt, n, e in terms)
            v = 1000 ** 2 * sum(wt * wt * n / (e * e) for wt, n, e in terms)
            wm = 1000 * max(wt / e for wt, _, e in terms)
            low, high = fay_feuer(d, v, wm)
        zero = any(n == 0 for _, n, _ in terms) and d is not None
        standardised[key] = dict(stratified_searches=float(stratified),
                                 standardised_rate_per_1000=d, standardised_variance=v,
                                 standardised_max_weight=wm, standardised_ci_low=low,
                                 standardised_ci_high=high, _zero=zero)
    compared, areas, zero_areas = 0, set(), set()
    for key, s in standardised.items():
        ref = standardised[key[:3] + ("White",) + key[4:]]
        r, low, high = standardised_ratio(s["standardised_rate_per_1000"],
                                          s["standardised_variance"],
                                          ref["standardised_rate_per_1000"],
                                          ref["standardised_variance"])
        s.update(standardised_ratio=r, standardised_ratio_ci_low=low,
                 standardised_ratio_ci_high=high,
                 reference_standardised_rate_per_1000=ref["standardised_rate_per_1000"],
                 reference_standardised_ci_low=ref["standardised_ci_low"],
                 reference_standardised_ci_high=ref["standardised_ci_high"],
                 reference_standardised_variance=ref["standardised_variance"],
                 reference_standardised_max_weight=ref["standardised_max_weight"])
        for column, v in s.items():
            if not column.startswith("_"):
                compare("age_rates", key, column, v, got[key][column])
        compared += 1
        areas.add(key[0])
        if s["_zero"]:
            zero_areas.add(key[0])
    # Rows by band carry no standardised figures.
    for key, r in got.items():
        if key[5] != "all" and not missing(r["standardised_rate_per_1000"]):
            fail(f"age_rates {key}: a band row has a standardised rate")
    if len(areas) < 4:
        fail(f"age_rates: standardisation checked in only {len(areas)} areas (need 4)")
    if not zero_areas:
        fail("age_rates: no area with a Male/Female x band stratum of zero searches was checked")
    defined = sum(1 for s in standardised.values()
                  if s["standardised_rate_per_1000"] is not None)
    print(f"age_rates standardised: {compared} rows compared (sex all/Male/Female, band all; "
          f"{defined} with a rate) in {len(areas)} areas: rate, variance, max weight, Fay-Feuer "
          f"interval, ratio to White with its log-normal interval; zero-search strata in "
          f"{len(zero_areas)} areas, e.g. {sorted(zero_areas)[:3]}")
    return want


ROWS_OF_KIND = {"sex": "by sex", "age": "by age band", "both": "by sex and age band"}


def exposure_kind(sex, band):
    """Which force-months a row's exposure counts: every covered month for all/all, those
    giving a sex for a row by sex, an age range by band, both for a stratum."""
    if sex == "all":
        return "covered" if band == "all" else "age"
    return "sex" if band == "all" else "both"


def recording_months(raw):
    """Counter{(force, period_type, period, kind): months}, kind `covered` (a file), `age` (some
    search with an age range), `sex` (some search with a sex) and `both`; a month with no
    searches gives both."""
    out = Counter()
    for force, month in raw.files:
        age, sex = raw.age_month[(force, month)], raw.sex_month[(force, month)]
        for ptype, period in periods_of(month):
            out[(force, ptype, period, "covered")] += 1
            out[(force, ptype, period, "age")] += age
            out[(force, ptype, period, "sex")] += sex
            out[(force, ptype, period, "both")] += age and sex
    return out


# ---------------------------------------------------------------------------------------------


def run(out, raw_dir, age_csv):
    pfa_of = territorial_forces()
    territorial = set(pfa_of)
    raw = Raw(Path(raw_dir))
    check_inputs(out, raw)
    check_composition(out, raw, territorial)
    check_diversion(out, raw, territorial)
    check_age_rates(out, raw, territorial, pfa_of, Population(age_csv))
    print("composition, diversion and age_rates agree with the raw files")
    return raw, territorial


def fmt_ci(value, low, high, digits=2):
    if missing(value):
        return "–"
    ci = "" if missing(low) or missing(high) else \
        f" ({low:.{digits}f}–{high:.{digits}f})"
    return f"{value:.{digits}f}{ci}"


def fmt_share(share, low, high):
    if missing(share):
        return "–"
    return f"{100 * share:.1f}% ({100 * low:.1f}–{100 * high:.1f})"


def readme_tables(out, raw, territorial):
    rates = pd.read_parquet(Path(out) / "tables" / "age_rates.parquet")
    div = pd.read_parquet(Path(out) / "tables" / "diversion.parquet")
    years = sorted({p for f, m in raw.files for t, p in periods_of(m) if t == "financial_year"})
    months = recording_months(raw)
    lines = []
    for year in years:
        black = Counter()
        for (force, month, eth, *_), n in raw.counts.items():
            if eth == "Black" and periods_of(month)[0][1] == year:
                black[force] += n
        # Forces without residents (btp) have no rates: ranked among the territorial forces.
        ranked = sorted(black, key=lambda f: (-black[f], f))
        top = [f for f in ranked if f in territorial][:5]
        passed = [f for f in ranked[:ranked.index(top[-1])] if f not in territorial]
        fy = ("financial_year", year)
        unrecorded = [(f, kind, months[(f, *fy, kind)], months[(f, *fy, "covered")])
                      for f in top for kind in ("sex", "age")
                      if months[(f, *fy, kind)] < months[(f, *fy, "covered")]]
        r = rates[(rates.area_type == "force") & (rates.period_type == "financial_year")
                  & (rates.period == year) & (rates.ethnicity == "Black")]
        d = div[(div.area_type == "force") & (div.period_type == "financial_year")
                & (div.period == year) & (div.search_group == "drugs")
                & (div.age_range == "all")]

        def one(frame, force, **where):
            rows = frame[frame.area == force]
            for k, v in where.items():
                rows = rows[rows[k] == v]
            assert len(rows) <= 1, (force, where)
            return rows.iloc[0] if len(rows) else None

        lines += [f"Black and White searches per 1,000 residents, {year} (Census 2021 "
                  "residents by ethnic group, sex and age; 95% intervals):", "",
                  "| force | Black searches | Black/White ratio, males under 25 (crude) "
                  "| Black/White ratio, all ages (crude) "
                  "| Black/White ratio, age–sex standardised |",
                  "|---|---:|---:|---:|---:|"]
        for force in top:
            young = one(r, force, sex="Male", age_band="under 25")
            every = one(r, force, sex="all", age_band="all")
            cell = lambda row, a, b, c: "–" if row is None else fmt_ci(row[a], row[b], row[c])
            lines.append(
                f"| `{force}` | {black[force]:,} "
                f"| {cell(young, 'rate_ratio', 'ratio_ci_low', 'ratio_ci_high')} "
                f"| {cell(every, 'rate_ratio', 'ratio_ci_low', 'ratio_ci_high')} "
                f"| {cell(every, 'standardised_ratio', 'standardised_ratio_ci_low', 'standardised_ratio_ci_high')} |")
        notes = [f"`{f}` ({black[f]:,} searches of Black people) has no resident population"
                 for f in passed]
        field = {"sex": "sex", "age": "age range"}
        rows = {"sex": "by sex", "age": "by age band"}
        for f, kind, given, covered in unrecorded:
            if given == 0:
                notes.append(f"`{f}` recorded no {field[kind]} on any search in {year}: no "
                             f"ratio {rows[kind]}, no standardised ratio")
            else:
                notes.append(f"`{f}` gave a {field[kind]} in {given} of its {covered} months "
                             f"of {year}: its rates {rows[kind]} count only those months")
        if notes:
            lines += ["", "Notes: " + "; ".join(notes) + "."]
        lines += ["", f"Drug searches ending in a disposal, {year}, all ages: share diverted "
                  "from court (cannabis or khat warning, penalty notice, community resolution, "
                  "caution) rather than arrested or summonsed/charged (95% Wilson intervals; "
                  "ratio with its Katz interval):", "",
                  "| force | Black: diverted / disposals | Black share diverted "
                  "| White: diverted / disposals | White share diverted | ratio | flags |",
                  "|---|---:|---:|---:|---:|---:|---|"]
        for force in top:
            b = one(d, force, ethnicity="Black")
            if b is None:
                lines.append(f"| `{force}` | – | – | – | – | – | |")
                continue
            w = one(d, force, ethnicity="White")
            flags = "small numbers" if b.small_numbers else ""
            lines.append(
                f"| `{force}` | {b.n:,} / {b.total:,} "
                f"| {fmt_share(b.share, b.share_ci_low, b.share_ci_high)} "
                f"| {b.reference_n:,} / {b.reference_total:,} "
                f"| {fmt_share(w.share, w.share_ci_low, w.share_ci_high)} "
                f"| {fmt_ci(b.share_ratio, b.share_ratio_ci_low, b.share_ratio_ci_high)} "
                f"| {flags} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) in (3, 4) and sys.argv[1] == "fixtures":
        run(sys.argv[2], FIXTURES, sys.argv[3] if len(sys.argv) == 4 else AGE_CSV)
    elif len(sys.argv) == 5 and sys.argv[1] == "year":
        raw, territorial = run(sys.argv[2], sys.argv[3], sys.argv[4])
        print()
        print(readme_tables(sys.argv[2], raw, territorial))
    else:
        sys.exit(__doc__)
