#!/usr/bin/env python3
"""Checks the unknown-ethnicity columns of `disparity` against the raw data.police.uk files,
read here independently with Python's csv module (shared reader and label rules:
rawfiles.py), never from the program's `searches` table.

    check_unknown.py OUT RAW_DIR [--limit X]    OUT: a run over exactly RAW_DIR; X: the run's
                                                not-stated limit (default 0.2)

Per force (area_type `force`), financial year, search_group and power `all`, and group
compared with White: all_searches (every row), vehicle_only_searches (Type exactly `Vehicle
search`), not_stated_searches (other Types whose self-defined ethnicity is Not stated or empty),
not_stated_share (over all - vehicle-only), ratio_if_not_stated_in_group / _in_reference (from
the row's own searches and exposures; null when the denominator count is 0 or an exposure is
missing), high_not_stated (share > X), direction_uncertain (any search, and the bounds straddle
1; a null lower bound is 0, a null upper one infinite). A force-year is compared only if every
month coverage gives it is a file in RAW_DIR. Columns an older binary lacks are listed, not
checked, and the exit status is 2. Stops at the first mismatch.
"""
import argparse
import json
import math
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rawfiles import (  # noqa: E402
    GROUPS, compare, ethnicity, fail, keyed, missing, periods_of, raw_files, raw_records,
    same_keys,
)

REFERENCE = "White"
VEHICLE = "Vehicle search"
UNKNOWN = {"Not stated", "Missing"}
KEYS = ["area_type", "area", "period_type", "period", "search_group", "power", "ethnicity",
        "reference_ethnicity"]
ARMS = ["searches", "exposure", "reference_searches", "reference_exposure"]
# The columns compared; the second and the last two are new (an older binary lacks them).
COUNTED = ["all_searches", "vehicle_only_searches", "not_stated_searches", "not_stated_share",
           "ratio_if_not_stated_in_group", "ratio_if_not_stated_in_reference",
           "high_not_stated", "direction_uncertain"]
# The issue's figures for North Yorkshire 2020/21, checked when RAW_DIR is this folder.
ANCHOR_DIR = Path("/work/shared/data/police_uk_extra/fy2020-21")
ANCHOR = ("north-yorkshire", "2020/21")
ISSUE = {"rows": 3772, "Person search, empty": 2114, "Person and Vehicle search, empty": 1053,
         "Not stated (not vehicle-only)": 295}


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("out", type=Path, metavar="OUT")
    p.add_argument("raw_dir", type=Path, metavar="RAW_DIR")
    p.add_argument("--limit", type=float, default=0.2)
    return p.parse_args()


def raw_counts(root):
    """{(force, financial year): Counter of the counts}, {(force, fy): {month: file names}},
    and the Type labels seen."""
    counts, months, types = defaultdict(Counter), defaultdict(dict), Counter()
    for force, month, path, kind in raw_files(root):
        key = (force, periods_of(month)[0][1])
        if month in months[key]:
            fail(f"two raw files for {force} {month} under {root}: this check assumes one")
        rel = path.relative_to(root).as_posix()
        months[key][month] = {f"{root.name}/{rel}", rel}
        c = counts[key]
        for typ, sde in raw_records(path, kind, ("Type", "Self-defined ethnicity")):
            types[typ] += 1
            c["all"] += 1
            unknown = ethnicity(sde) in UNKNOWN
            if typ == VEHICLE:
                c["vehicle"] += 1
                c["vehicle, no ethnicity"] += unknown
            elif unknown:
                c["not_stated"] += 1
                c[f"{typ or '(no type)'}, empty" if not sde
                  else "Not stated (not vehicle-only)" if ethnicity(sde) == "Not stated"
                  else "unrecognised label"] += 1
    return counts, months, types


def read(out, name, columns):
    df = pd.read_parquet(out / "tables" / f"{name}.parquet")
    lacking = [c for c in columns if c not in df.columns]
    if lacking:
        fail(f"{name}: no column {', '.join(lacking)} (has {list(df.columns)})")
    return df


def bound(a, ea, b, eb):
    """(a/ea)/(b/eb); None when b is 0 or an exposure is missing or not positive."""
    if b == 0 or missing(ea) or missing(eb) or ea <= 0 or eb <= 0:
        return None
    return (a / ea) / (b / eb)


def expected(r, c, limit):
    n1, n0, u = int(r["searches"]), int(r["reference_searches"]), c["not_stated"]
    people = c["all"] - c["vehicle"]
    share = u / people if people else None
    high = bound(n1 + u, r["exposure"], n0, r["reference_exposure"])
    low = bound(n1, r["exposure"], n0 + u, r["reference_exposure"])
    # No lower bound: no rate to compare (no exposure, or nobody of either group); an upper
    # bound missing beside a lower one is infinite (no reference searches).
    straddles = (n1 + n0 + u > 0 and low is not None
                 and low < 1 < (math.inf if high is None else high))
    return {"all_searches": c["all"], "vehicle_only_searches": c["vehicle"],
            "not_stated_searches": u, "not_stated_share": share,
            "ratio_if_not_stated_in_group": high, "ratio_if_not_stated_in_reference": low,
            "high_not_stated": share is not None and share > limit,
            "direction_uncertain": bool(straddles)}


def anchor(root, c, got):
    """North Yorkshire 2020/21: the issue's breakdown of the not-stated count."""
    parts = {"rows": c["all"], **{k: c[k] for k in ISSUE if k != "rows"}}
    print(f"{ANCHOR[0]} {ANCHOR[1]}: " + ", ".join(f"{k} {v:,}" for k, v in parts.items())
          + f" = not stated {c['not_stated']:,} (unrecognised labels {c['unrecognised label']}); "
          f"vehicle-only {c['vehicle']:,}, {c['vehicle, no ethnicity']:,} of them with no "
          f"ethnicity")
    if root.resolve() == ANCHOR_DIR:
        diff = {k: (ISSUE[k], parts[k]) for k in ISSUE if ISSUE[k] != parts[k]}
        print("  the issue's figures: "
              + (f"DIFFER (issue, raw files): {diff}" if diff else "the same"))
    table = {int(r["not_stated_searches"]) for k, r in got.items() if k[:2] == ANCHOR}
    if table != {c["not_stated"]}:
        fail(f"{ANCHOR}: disparity not_stated_searches {sorted(table)}, the raw files give "
             f"{c['not_stated']:,} (with vehicle-only searches of no ethnicity: "
             f"{c['not_stated'] + c['vehicle, no ethnicity']:,})")
    print(f"  disparity not_stated_searches: {c['not_stated']:,}, the same")


def main():
    args = parse()
    out, root, limit = args.out, args.raw_dir, args.limit
    settings = json.loads((out / "manifest.json").read_text()).get("settings", {})
    if "not_stated_limit" in settings and not math.isclose(settings["not_stated_limit"], limit):
        fail(f"the run's not_stated_limit is {settings['not_stated_limit']}, --limit is {limit}")
    counts, months, types = raw_counts(root)
    print(f"raw files: {sum(len(m) for m in months.values())} files, "
          f"{sum(c['all'] for c in counts.values()):,} rows, {len(counts)} force-years; Type: "
          + ", ".join(f"{t or '(empty)'} {n:,}" for t, n in types.most_common()))

    cov = read(out, "coverage", ["force", "month", "financial_year", "source_file"])
    cov = cov[cov.source_file.notna()]
    table_months = defaultdict(dict)
    for force, month, fy, src in zip(cov.force.astype(str), cov.month.astype(str),
                                     cov.financial_year.astype(str), cov.source_file.astype(str)):
        table_months[(force, fy)][month] = src
    compared, skipped = [], []
    for key, tm in sorted(table_months.items()):
        if all(src in months.get(key, {}).get(m, ()) for m, src in tm.items()):
            if set(tm) != set(months[key]):
                fail(f"{key}: the run covers months {sorted(tm)}, RAW_DIR has "
                     f"{sorted(months[key])}")
            compared.append(key)
        else:
            skipped.append(key)
    unread = set(counts) - set(table_months)
    if unread:
        fail(f"force-years in RAW_DIR the run has no file for: {sorted(unread)[:3]}")

    df = read(out, "disparity", KEYS + ARMS + COUNTED[:1] + COUNTED[2:-2])
    lacking = [c for c in COUNTED if c not in df.columns]
    df = df[(df.area_type.astype(str) == "force") & (df.period_type.astype(str) == "financial_year")
            & (df.search_group.astype(str) == "all") & (df.power.astype(str) == "all")]
    if set(df.reference_ethnicity.astype(str)) - {REFERENCE}:
        fail(f"disparity: reference groups {sorted(set(df.reference_ethnicity.astype(str)))}")
    got = keyed("disparity", df, ["area", "period", "ethnicity"])
    keep = set(compared)
    got = {k: r for k, r in got.items() if k[:2] in keep or k[:2] not in table_months}
    keys = [key + (eth,) for key in compared for eth in GROUPS if eth != REFERENCE]
    same_keys("disparity (force, financial year, all, all)", dict.fromkeys(keys), got)
    want = {k: expected(got[k], counts[k[:2]], limit) for k in keys}

    # For the record, from the raw files (and the table's own searches and exposures).
    shares = sorted(((c["not_stated"] / (c["all"] - c["vehicle"]), key) for key, c in
                     ((k, counts[k]) for k in compared) if c["all"] > c["vehicle"]), reverse=True)
    high = [k for s, k in shares if s > limit]
    uncertain = defaultdict(list)
    for k, w in want.items():
        if w["direction_uncertain"]:
            uncertain[k[:2]].append(k[2])
    print(f"force-years: {len(compared)} compared, {len(skipped)} skipped (months from outside "
          f"RAW_DIR); high_not_stated (share > {limit:g}): {len(high)}; direction_uncertain: "
          f"{len(uncertain)} force-years ({sum(map(len, uncertain.values()))} of {len(want)} "
          f"rows)")
    print("largest not_stated_share: not stated / person searches; vehicle-only; all rows; "
          "groups whose direction is uncertain")
    for s, key in shares[:10]:
        c = counts[key]
        print(f"  {key[0]:<22} {key[1]}  {100 * s:5.1f}%  {c['not_stated']:>6,} / "
              f"{c['all'] - c['vehicle']:>6,}; {c['vehicle']:>5,}; {c['all']:>6,}; "
              f"{', '.join(uncertain.get(key, [])) or 'none'}")
    if ANCHOR in keep:
        anchor(root, counts[ANCHOR], got)

    columns = [c for c in COUNTED if c not in lacking]
    for key, w in sorted(want.items()):
        for column in columns:
            got_value = got[key][column]
            if isinstance(w[column], bool) and not missing(got_value):
                got_value = bool(got_value)
            compare("disparity", key, column, w[column], got_value)
    print(f"disparity: {len(want)} rows compared ({', '.join(columns)})")
    if lacking:
        print(f"INCOMPLETE: disparity has no column {', '.join(lacking)} (an older binary?): "
              f"not checked; the rest agrees with the raw files", file=sys.stderr)
        sys.exit(2)
    print("the unknown-ethnicity columns of disparity agree with the raw files")


if __name__ == "__main__":
    main()
