#!/usr/bin/env python3
"""Checks the figures over time (exact duplicate rows in `quality`, and the `revisions`,
`changes` and `reconciliation` tables) against an independent computation from the raw
data.police.uk files, read here with Python's csv module (shared reader and label rules:
rawfiles.py), never from the program's `searches` table; the intervals are recomputed with
scipy and statsmodels from each row's own counts.

    check_time.py selftest                     the formulas below on hand-computed numbers
    check_time.py duplicates OUT RAW_DIR       OUT: a run over RAW_DIR
    check_time.py revisions OUT OLD_DIR NEW_DIR
                                               OUT: a run over OLD_DIR, then one over NEW_DIR
                                               into the same OUT
    check_time.py changes OUT RAW_DIR...       OUT: one run over all the RAW_DIRs together
    check_time.py reconciliation OUT RAW_DIR...
                                               OUT: one run over all the RAW_DIRs together

1. duplicates: per CSV file with a data row, the `exact_duplicate` row of `quality` (column
   `*`, no label) counts the data rows byte-identical, line ending removed, to an earlier row
   of the file; files the run superseded (`coverage.superseded`) are listed, not compared.
2. revisions: a force-month whose bytes differ between OLD_DIR and NEW_DIR has exactly the
   rows `rows`/`all`, `ethnicity`/each self-defined broad group and `outcome_class`/each class
   seen in either file, with before, after and change and both SHA-256s; one whose bytes are
   equal, or that is in only one folder, has none.
3. changes: by area (force or `england-and-wales`), comparison (financial year or month),
   search group and ethnic group, the counts over the months covered in both periods,
   force_months, and every derived column (ratio with its exact conditional interval, ratio of
   ratios with its log-normal interval, out-of-court share change with Newcombe's interval,
   small_numbers); every cell of 2020/21 with a search has a row.
4. reconciliation (power `all`): person searches and vehicle-only searches by self-defined
   broad group over the financial year, and difference, ratio and differs.
Stops at the first mismatch.
"""
import hashlib
import math
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd
from scipy.stats import beta
from statsmodels.stats.proportion import confint_proportions_2indep

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rawfiles import (  # noqa: E402
    EW, GROUPS, Z, close, compare, ethnicity, fail, keyed, missing, outcome_class, periods_of,
    raw_files, raw_records, read_bytes, search_group, territorial_forces, wilson,
)

REFERENCE = "White"
OUT_OF_COURT = {"cannabis_or_khat_warning", "penalty_notice", "community_resolution", "caution"}
DISPOSALS = OUT_OF_COURT | {"arrest", "summons_or_charge"}
ETHNICITIES = ["All"] + GROUPS


def read_table(out, name, columns):
    df = pd.read_parquet(Path(out) / "tables" / f"{name}.parquet")
    lacking = [c for c in columns if c not in df.columns]
    if lacking:
        fail(f"{name}: no column {', '.join(lacking)} (has {list(df.columns)})")
    if "area_type" in df.columns:
        df = df[df.area_type.astype(str).isin(["force", "country"])]
    return df


def ids(root, path):
    """The names the run may give a raw file: relative to the folder given on the command
    line's parent (what the program writes), or to the folder itself."""
    rel = path.relative_to(root).as_posix()
    return [f"{root.name}/{rel}", rel]


def num(x):
    """A Parquet value as a plain number; null and infinity as None."""
    if missing(x) or (isinstance(x, float) and math.isinf(x)):
        return None
    return x


# ---------------------------------------------------------------------------------------------
# 1. Exact duplicate rows


def duplicate_rows(data):
    """(data rows, rows byte-identical to an earlier one once the line ending is removed).
    Lines, not CSV records: no file here has a quoted line break."""
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    rows = [line[:-1] if line.endswith(b"\r") else line for line in lines[1:]]
    return len(rows), len(rows) - len(set(rows))


def check_duplicates(out, raw_dir):
    root = Path(raw_dir)
    raw = {}  # a name of the file -> (canonical name, data rows, duplicates)
    for _, _, path, kind in raw_files(root):
        if kind == "csv":
            entry = (ids(root, path)[0],) + duplicate_rows(read_bytes(path))
            raw.update({name: entry for name in ids(root, path)})
    files = {e[0]: e for e in raw.values()}
    total, dup_files = sum(e[2] for e in files.values()), sum(e[2] > 0 for e in files.values())
    print(f"raw files: {len(files)} CSV files, {total:,} duplicate rows, {dup_files} files "
          f"with at least one")

    q = read_table(out, "quality", ["source_file", "column", "measure", "label", "count"])
    q = q[q.measure.astype(str) == "exact_duplicate"]
    bad = q[(q.column.astype(str) != "*") | ~q.label.isna()]
    if len(bad):
        fail(f"quality: {len(bad)} exact_duplicate rows with a column other than * or a label")
    got = {}
    for name, count in zip(q.source_file.astype(str), q["count"]):
        if name not in raw:
            fail(f"quality: exact_duplicate row for {name}, not a raw file under {root}")
        key = raw[name][0]
        if key in got:
            fail(f"quality: two exact_duplicate rows for {name}")
        got[key] = int(count)
    cov = read_table(out, "coverage", ["superseded"])
    superseded = {raw[s][0] for cell in cov.superseded.dropna().astype(str)
                  for s in cell.split("; ") if s in raw}
    compared = skipped = 0
    for key, rows, dups in sorted(files.values()):
        if rows == 0:
            if key in got:
                fail(f"quality: exact_duplicate row for {key}, which has no data row")
        elif key in got:
            if got[key] != dups:
                fail(f"quality {key}: exact_duplicate count is {got[key]}, the raw file has "
                     f"{dups}")
            compared += 1
        elif key in superseded:
            skipped += 1
        else:
            fail(f"quality: no exact_duplicate row for {key} ({dups} duplicate rows)")
    print(f"quality exact_duplicate: {compared} files compared exactly, "
          f"{sum(got.values()):,} duplicate rows, {sum(v > 0 for v in got.values())} files with "
          f"at least one; {skipped} files superseded by the run, not compared")


# ---------------------------------------------------------------------------------------------
# 2. Revisions


def by_force_month(root):
    out = {}
    for force, month, path, kind in raw_files(root):
        if (force, month) in out:
            fail(f"two raw files for {force} {month} under {root}: this check assumes one")
        out[(force, month)] = (path, kind)
    return out


def breakdowns(path, kind):
    """{(breakdown, category): searches} of one raw file."""
    c = Counter()
    for sde, outcome in raw_records(path, kind, ("Self-defined ethnicity", "Outcome")):
        c[("rows", "all")] += 1
        c[("ethnicity", ethnicity(sde))] += 1
        c[("outcome_class", outcome_class(outcome))] += 1
    return c


def check_revisions(out, old_dir, new_dir):
    old_root, new_root = Path(old_dir), Path(new_dir)
    old, new = by_force_month(old_root), by_force_month(new_root)
    df = read_table(out, "revisions", ["force", "month", "source_file", "previous_source_file",
                                       "sha256", "previous_sha256", "breakdown", "category",
                                       "before", "after", "change"])
    got = keyed("revisions", df, ["force", "month", "breakdown", "category"])
    want = {}
    for fm in sorted(set(old) & set(new)):
        (opath, okind), (npath, nkind) = old[fm], new[fm]
        obytes, nbytes = read_bytes(opath), read_bytes(npath)
        if obytes == nbytes:
            continue
        before, after = breakdowns(opath, okind), breakdowns(npath, nkind)
        for cell in set(before) | set(after):
            want[fm + cell] = (before[cell], after[cell], opath, npath,
                               hashlib.sha256(obytes).hexdigest(),
                               hashlib.sha256(nbytes).hexdigest())
        print(f"  {fm[0]} {fm[1]}: rows {before['rows', 'all']:,} -> {after['rows', 'all']:,}, "
              f"outcome empty {before['outcome_class', 'unknown']:,} -> "
              f"{after['outcome_class', 'unknown']:,}")
    extra, lacking = set(got) - set(want), set(want) - set(got)
    if extra:
        fail(f"revisions: {len(extra)} rows the raw files do not give (equal bytes, or in only "
             f"one folder, or a category in neither file), e.g. {sorted(extra)[:3]}")
    if lacking:
        fail(f"revisions: {len(lacking)} rows missing, e.g. {sorted(lacking)[:3]}")
    for key, (b, a, opath, npath, osha, nsha) in want.items():
        r = got[key]
        for column, w in [("before", b), ("after", a), ("change", a - b)]:
            compare("revisions", key, column, w, r[column])
        for column, w in [("sha256", nsha), ("previous_sha256", osha)]:
            if str(r[column]) != w:
                fail(f"revisions {key}: {column} is {r[column]}, the raw file's is {w}")
        for column, root, path in [("source_file", new_root, npath),
                                   ("previous_source_file", old_root, opath)]:
            if str(r[column]) not in ids(root, path):
                fail(f"revisions {key}: {column} is {r[column]}, not {ids(root, path)[0]}")
    months = sorted({k[:2] for k in want})
    print(f"revisions: {len(want)} rows compared over {len(months)} revised force-months "
          f"(before, after, change, SHA-256s, source files); "
          f"{len(set(old) & set(new)) - len(months)} unchanged, "
          f"{len(set(old) ^ set(new))} in one folder only: no rows")


# ---------------------------------------------------------------------------------------------
# 3. Changes


def exact_ratio_ci(x, y):
    """Exact conditional 95% interval of the ratio x/y of two Poisson counts (binomial x of
    x + y); high None when unbounded."""
    n = x + y
    if n == 0:
        return None, None
    p_low = 0.0 if x == 0 else beta.ppf(0.025, x, n - x + 1)
    p_high = 1.0 if x == n else beta.ppf(0.975, x + 1, n - x)
    return p_low / (1 - p_low), (None if p_high == 1 else p_high / (1 - p_high))


def ratio_of_ratios(a, b, c, d):
    """(a/b)/(c/d) and its log-normal 95% interval; None if a count is 0."""
    if min(a, b, c, d) == 0:
        return None, None, None
    r = (a / b) / (c / d)
    half = Z * math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return r, r * math.exp(-half), r * math.exp(half)


def newcombe(k1, n1, k2, n2):
    """p1 - p2 and Newcombe's hybrid score interval (method 10, from the Wilson intervals of
    p1 and p2), by statsmodels; None if a base is 0."""
    if n1 == 0 or n2 == 0:
        return None, None, None
    low, high = confint_proportions_2indep(k1, n1, k2, n2, method="newcomb", compare="diff")
    return k1 / n1 - k2 / n2, float(low), float(high)


def derived(r):
    """The derived columns of a changes row, from its own counts."""
    x, y = r["searches"], r["previous_searches"]
    low, high = exact_ratio_ci(x, y)
    ratio = x / y if y else None
    if r["ethnicity"] in ("All", REFERENCE):
        rr = (None, None, None)
    else:
        rr = ratio_of_ratios(x, r["reference_searches"], y, r["previous_reference_searches"])
    share = r["out_of_court"] / r["out_of_court_base"] if r["out_of_court_base"] else None
    previous = (r["previous_out_of_court"] / r["previous_out_of_court_base"]
                if r["previous_out_of_court_base"] else None)
    diff = newcombe(r["out_of_court"], r["out_of_court_base"], r["previous_out_of_court"],
                    r["previous_out_of_court_base"])
    return {"change_ratio": ratio, "change_ci_low": low, "change_ci_high": high,
            "percent_change": None if ratio is None else 100 * (ratio - 1),
            "ratio_change": rr[0], "ratio_change_ci_low": rr[1], "ratio_change_ci_high": rr[2],
            "out_of_court_share": share, "previous_out_of_court_share": previous,
            "out_of_court_share_change": diff[0], "out_of_court_share_change_ci_low": diff[1],
            "out_of_court_share_change_ci_high": diff[2], "small_numbers": x < 10 or y < 10}


DERIVED = ["change_ratio", "change_ci_low", "change_ci_high", "percent_change", "ratio_change",
           "ratio_change_ci_low", "ratio_change_ci_high", "out_of_court_share",
           "previous_out_of_court_share", "out_of_court_share_change",
           "out_of_court_share_change_ci_low", "out_of_court_share_change_ci_high",
           "small_numbers"]
COUNTS = ["searches", "previous_searches", "reference_searches", "previous_reference_searches",
          "out_of_court", "out_of_court_base", "previous_out_of_court",
          "previous_out_of_court_base"]


def previous_period(comparison, period):
    if comparison == "financial_year":
        start = int(period[:4]) - 1
        return f"{start}/{(start + 1) % 100:02d}"
    return f"{int(period[:4]) - 1}{period[4:]}"


def change_cube(raw_dirs, territorial):
    """({(area, comparison, period): force_months}, {(area, comparison, period, group, eth):
    [searches, previous, out_of_court, base, previous out_of_court, previous base]})."""
    counts = defaultdict(Counter)  # (force, month) -> (eth, group, class) -> searches
    for root in raw_dirs:
        for force, month, path, kind in raw_files(Path(root)):
            if (force, month) in counts:
                fail(f"two raw files for {force} {month}: this check assumes one")
            cells = counts[(force, month)]  # a file with no rows is a month covered
            cols = ("Self-defined ethnicity", "Object of search", "Legislation", "Outcome")
            for sde, obj, law, outcome in raw_records(path, kind, cols):
                cells[(ethnicity(sde), search_group(obj, law), outcome_class(outcome))] += 1
    matched, cube = Counter(), defaultdict(lambda: [0] * 6)
    for (force, month), cells in counts.items():
        then = previous_period("month", month)
        if (force, then) not in counts:
            continue
        fy = periods_of(month)[0][1]
        for area in [force, EW] if force in territorial else [force]:
            for key in [(area, "financial_year", fy), (area, "month", month)]:
                matched[key] += 1
                for side, c in [(0, cells), (1, counts[(force, then)])]:
                    for (eth, group, cls), n in c.items():
                        for g in ("all", group):
                            for e in ("All", eth):
                                v = cube[key + (g, e)]
                                v[side] += n
                                v[2 + 2 * side] += n if cls in OUT_OF_COURT else 0
                                v[3 + 2 * side] += n if cls in DISPOSALS else 0
    return matched, cube


def check_changes(out, raw_dirs):
    territorial = set(territorial_forces())
    matched, cube = change_cube(raw_dirs, territorial)
    df = read_table(out, "changes", ["area", "comparison", "period", "previous_period",
                                     "search_group", "ethnicity", "reference_ethnicity",
                                     "force_months"] + COUNTS + DERIVED)
    got = keyed("changes", df, ["area", "comparison", "period", "search_group", "ethnicity"])
    compared, zero_rows = Counter(), 0
    for key, r in got.items():
        area, comparison, period, group, eth = key
        if comparison not in ("financial_year", "month") or eth not in ETHNICITIES:
            fail(f"changes {key}: comparison or ethnicity not in the vocabulary")
        if str(r["previous_period"]) != previous_period(comparison, period):
            fail(f"changes {key}: previous_period is {r['previous_period']}")
        if str(r["reference_ethnicity"]) != REFERENCE:
            fail(f"changes {key}: reference_ethnicity is {r['reference_ethnicity']}")
        v, ref = cube.get(key, [0] * 6), cube.get(key[:4] + (REFERENCE,), [0] * 6)
        want = dict(zip(COUNTS, [v[0], v[1], ref[0], ref[1]] + v[2:]))
        want["force_months"] = matched[key[:3]]
        # The reference group against itself, or everyone against it, is no comparison.
        no_reference = eth in ("All", REFERENCE)
        for column, w in want.items():
            if no_reference and column in ("reference_searches", "previous_reference_searches"):
                if num(r[column]) is not None:
                    fail(f"changes {key}: {column} is {r[column]}, expected null")
                continue
            compare("changes", key, column, w, r[column])
        counts = {c: (0 if num(r[c]) is None else int(r[c])) for c in COUNTS} | {"ethnicity": eth}
        for column, w in derived(counts).items():
            g = num(r[column])
            if not (w == g if isinstance(w, bool) else close(w, g)):
                fail(f"changes {key}: {column} is {g}, the row's own counts give {w}")
        compared[comparison] += 1
        zero_rows += counts["searches"] == 0 or counts["previous_searches"] == 0
    # Every cell of 2020/21 with a search in either year has a row, and March 2021 has rows.
    for key, v in cube.items():
        if (key[1:3] == ("financial_year", "2020/21") and key[4] in ETHNICITIES
                and (v[0] or v[1]) and key not in got):
            fail(f"changes: no row for {key} ({v[0]} searches, {v[1]} a year earlier)")
    march = {k[0] for k in got if k[1:3] == ("month", "2021-03")}
    if march != {k[0] for k in matched if k[1:3] == ("month", "2021-03")}:
        fail(f"changes: 2021-03 month rows for {sorted(march)}")
    if not zero_rows:
        fail("changes: no row with a zero count (searches or previous_searches) was checked")
    fy = sorted((k[0], n) for k, n in matched.items() if k[1:] == ("financial_year", "2020/21"))
    print(f"changes: {compared['financial_year']} financial-year and {compared['month']} month "
          f"rows compared (counts, force_months, every derived column), {zero_rows} with a zero "
          f"count; 2020/21 vs 2019/20 matched force-months: "
          + ", ".join(f"{a} {n}" for a, n in fy))


# ---------------------------------------------------------------------------------------------
# 4. Reconciliation


def check_reconciliation(out, raw_dirs):
    territorial = set(territorial_forces())
    person, vehicle, months = Counter(), Counter(), defaultdict(set)
    for force, month, path, kind in [f for root in raw_dirs for f in raw_files(Path(root))]:
        fy = periods_of(month)[0][1]
        areas = [force, EW] if force in territorial else [force]
        months[(force, fy)].add(month)
        for typ, sde in raw_records(path, kind, ("Type", "Self-defined ethnicity")):
            eth = ethnicity(sde)
            side = vehicle if typ == "Vehicle search" else person
            for area in areas:
                for e in ("All", "Not stated" if eth == "Missing" else eth):
                    side[(area, fy, e)] += 1
    df = read_table(out, "reconciliation", [
        "area", "financial_year", "power", "ethnicity", "home_office_searches",
        "police_uk_searches", "vehicle_only_searches", "months_covered", "months_expected",
        "difference", "ratio", "differs"])
    got = keyed("reconciliation", df[df.power.astype(str) == "all"],
                ["area", "financial_year", "ethnicity"])
    if not got:
        fail("reconciliation: no row with power all")
    uncovered = 0
    for key, r in got.items():
        if key[0] != EW:
            compare("reconciliation", key, "months_covered", len(months[key[:2]]),
                    r["months_covered"])
        # With no month of the year in the run there is no count to compare: null, not 0.
        covered = int(r["months_covered"]) > 0
        uncovered += not covered
        mine = person[key] if covered else None
        compare("reconciliation", key, "police_uk_searches", mine, r["police_uk_searches"])
        compare("reconciliation", key, "vehicle_only_searches",
                vehicle[key] if covered else None, r["vehicle_only_searches"])
        ho = num(r["home_office_searches"])
        diff = None if ho is None or mine is None else mine - ho
        ratio = mine / ho if ho and mine is not None else None
        partial = int(r["months_covered"]) < int(r["months_expected"])
        differs = None if partial or not ho else abs(diff) / ho > 0.05
        compare("reconciliation", key, "difference", diff, num(r["difference"]))
        compare("reconciliation", key, "ratio", ratio, num(r["ratio"]))
        if differs is None:
            if not missing(r["differs"]):
                fail(f"reconciliation {key}: differs is {r['differs']}, want null")
        else:
            compare("reconciliation", key, "differs", differs, r["differs"])
    flagged = sum(1 for r in got.values() if not missing(r["differs"]) and r["differs"])
    print(f"reconciliation: {len(got)} rows with power all compared (police_uk_searches and "
          f"vehicle_only_searches from the raw files, difference, ratio, differs); "
          f"{flagged} differ by more than 5%; {uncovered} with no month of the year in the run "
          f"(null counts)")


# ---------------------------------------------------------------------------------------------


def selftest():
    """The formulas above on numbers worked out by hand (closed forms, Newcombe 1998)."""
    def near(got, want, tol=1e-9):
        assert (got is None) == (want is None) and (
            want is None or abs(got - want) <= tol * max(1, abs(want))), (got, want)

    assert duplicate_rows(b"h\r\na,1\r\nb\r\na,1\na,1\r\nb") == (5, 3)  # CRLF = LF; 3 a's: 2
    assert duplicate_rows(b"h\n") == (0, 0)
    root = Path("/x/police_uk_extra")
    assert ids(root, root / "fy2019-20/f.csv") == ["police_uk_extra/fy2019-20/f.csv",
                                                   "fy2019-20/f.csv"]
    assert previous_period("financial_year", "2020/21") == "2019/20"
    assert previous_period("financial_year", "2000/01") == "1999/00"
    assert previous_period("month", "2021-03") == "2020-03"
    # Exact interval: Beta(1, b) and Beta(a, 1) have closed-form quantiles.
    s = math.sqrt(0.975)
    low, high = exact_ratio_ci(1, 1)
    near(low, (1 - s) / s), near(high, s / (1 - s))
    near(low, 0.012739367083666641)
    p, q = 1 - 0.025 ** (1 / 5), 0.025 ** (1 / 3)
    low, high = exact_ratio_ci(0, 5)
    assert low == 0.0, low
    near(high, p / (1 - p))
    low, high = exact_ratio_ci(3, 0)
    near(low, q / (1 - q)), near(high, None)
    assert exact_ratio_ci(0, 0) == (None, None)
    # Log-normal: (40/10)/(20/10) = 2, se = sqrt(0.275).
    r, low, high = ratio_of_ratios(40, 10, 20, 10)
    near(r, 2), near(low, 0.7155766169836816), near(high, 5.589897580584608)
    assert ratio_of_ratios(40, 0, 20, 10) == (None, None, None)
    # Newcombe (1998), Table II, method 10, to his 4 decimals; and from the Wilson limits.
    for (k1, n1, k2, n2), (lo, hi) in [((56, 70, 48, 80), (0.0524, 0.3339)),
                                       ((9, 10, 3, 10), (0.1705, 0.8090)),
                                       ((10, 10, 0, 10), (0.6075, 1.0))]:
        d, low, high = newcombe(k1, n1, k2, n2)
        near(d, k1 / n1 - k2 / n2)
        assert abs(low - lo) < 5e-5 and abs(high - hi) < 5e-5, (k1, n1, k2, n2, low, high)
        (p1, l1, u1), (p2, l2, u2) = wilson(k1, n1), wilson(k2, n2)
        near(low, d - math.hypot(p1 - l1, u2 - p2)), near(high, d + math.hypot(u1 - p1, p2 - l2))
    assert newcombe(1, 0, 1, 2) == (None, None, None)
    # A whole row: 30 Black searches against 20, White 100 against 50; 4 of 8 disposals out of
    # court against none of 0.
    row = {"searches": 30, "previous_searches": 20, "reference_searches": 100,
           "previous_reference_searches": 50, "out_of_court": 4, "out_of_court_base": 8,
           "previous_out_of_court": 0, "previous_out_of_court_base": 0, "ethnicity": "Black"}
    d = derived(row)
    near(d["change_ratio"], 1.5), near(d["percent_change"], 50.0)
    near(d["ratio_change"], 0.75), near(d["out_of_court_share"], 0.5)
    assert d["previous_out_of_court_share"] is None and d["out_of_court_share_change"] is None
    assert d["small_numbers"] is False
    d = derived(row | {"ethnicity": "White", "previous_searches": 9})
    assert d["ratio_change"] is None and d["small_numbers"] is True
    assert [c for c in d if c != "small_numbers"] == DERIVED[:-1]
    # Matched months: a force's month counts only beside the same month a year earlier.
    header = b"Type,Self-defined ethnicity,Object of search,Legislation,Outcome\n"
    files = {"2019-04-gwent": b"Person search,White - Irish,Controlled drugs,,Arrest\n",
             "2019-06-gwent": b"Person search,,,,\n",
             "2020-04-gwent": b"Person search,,Firearms,,Community resolution\n" * 3,
             "2020-05-gwent": b"Person search,,,,\n",
             "2021-03-btp": b"Vehicle search,,,,\n"}
    with tempfile.TemporaryDirectory() as tmp:
        for name, rows in files.items():
            (Path(tmp) / f"{name}-stop-and-search.csv").write_bytes(header + rows)
        matched, cube = change_cube([tmp], set(territorial_forces()))
    fy = ("financial_year", "2020/21")
    assert dict(matched) == {("gwent",) + fy: 1, (EW,) + fy: 1, ("gwent", "month", "2020-04"): 1,
                             (EW, "month", "2020-04"): 1}, matched
    assert cube[("gwent",) + fy + ("all", "All")] == [3, 1, 3, 3, 0, 1]
    assert cube[(EW,) + fy + ("weapons", "Missing")] == [3, 0, 3, 3, 0, 0]
    assert cube[("gwent", "month", "2020-04", "drugs", "White")] == [0, 1, 0, 0, 0, 1]
    print("selftest: duplicates, periods, exact ratio interval, log-normal ratio of ratios, "
          "Newcombe's interval (Newcombe 1998 and statsmodels), a whole row and the matched "
          "months of a made-up folder agree with the hand-computed values")


def main(argv):
    mode, args = (argv[1], argv[2:]) if len(argv) > 1 else (None, [])
    if mode == "selftest" and not args:
        selftest()
    elif mode == "duplicates" and len(args) == 2:
        check_duplicates(*args)
    elif mode == "revisions" and len(args) == 3:
        check_revisions(*args)
    elif mode == "changes" and len(args) >= 2:
        check_changes(args[0], args[1:])
    elif mode == "reconciliation" and len(args) >= 2:
        check_reconciliation(args[0], args[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
