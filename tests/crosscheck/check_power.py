#!/usr/bin/env python3
"""Checks the figures by power searched under (the `power` column of `searches` and the rows by
power of `rates`, `find_rates` and `disparity`) against an independent computation from the raw
data.police.uk files, read here with Python's csv module (and, for the saved API response among
the fixtures, its json module), never from the program's `searches` table, except as the side
compared against in check 1.

    check_power.py fixtures OUT        OUT: `stopsearch run --no-charts --no-cache -q --out OUT`
                                       over the bundled fixtures (fixtures/police_uk), run from
                                       the repository root
    check_power.py year OUT RAW_DIR    OUT: the same over RAW_DIR (for example
                                       ../shared/data/police_uk_extra/fy2020-21); also prints
                                       the README's table of section 60 searches

Powers, from the published legislation (rules copied from src/reference/vocab.rs into
rawfiles.py): `pace_s1`, `misuse_of_drugs_s23`, `firearms_s47`, `cjpo_s60`, `terrorism_s47a`,
`terrorism_s43`, `psychoactive_substances`, `other` (any other non-empty label) and `unknown`
(empty); the combined groups `suspicion_required` (every power but cjpo_s60, terrorism_s47a and
unknown) and `no_suspicion_required` (cjpo_s60 and terrorism_s47a). Every force area and
`england-and-wales` (the 43 territorial forces, every force but `btp`) is checked, by financial
and by calendar year, for every period in the raw files:

1. searches: the number of searches by force x power x self-defined broad ethnic group,
   and suspicion_required on every row, against the raw files; every legislation label in the
   raw files that names one of the Acts above (matched loosely: case, spaces, `s`/`section`)
   is in its named power, never `other`.
2. rates (search_group `all`): searches by area x power x ethnic group; a row by power exists
   exactly when the area had a search under that power in the period, with a row for every
   ethnic group the area-period's `all` rows have; power rows only with search_group `all`.
3. find_rates (search_group `all`): `outcome_other_than_nfa` (and `outcome_linked`) n, total,
   share and its Wilson interval by area x power x ethnic group, rows exactly where the group
   had a search under the power; at least three forces with section 60 searches.
4. disparity: on the cjpo_s60 rows, searches and reference_searches (White); rows exactly for
   the area-periods with a section 60 search.
And no_suspicion_power (rates, disparity, find_rates, outcomes) true exactly on cjpo_s60,
terrorism_s47a and no_suspicion_required. Stops at the first mismatch.
"""
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rawfiles import (  # noqa: E402
    COMBINED, EW, FIXTURES, NO_SUSPICION_ROWS, POWERS, areas_of, boolean, check_inputs,
    compare, ethnicity, fail, keyed, missing, outcome_class, periods_of, power, power_rows,
    raw_files, raw_records, same_keys, suspicion_required, table, territorial_forces, wilson,
)

REFERENCE = "White"

# ---------------------------------------------------------------------------------------------
# Labels (the program's rules: rawfiles.py).

# The named Acts, matched loosely (any case and spacing, `section`/`s`/`s.`), to catch a label
# the exact rule (rawfiles.power) would leave in `other`.
_SECTION = r"\((?:section|sec\.?|s\.?)\s*"
NAMED_ACTS = [
    (re.compile(r"^police and criminal evidence act,? 1984\s*" + _SECTION + r"1\s*\)$"),
     "pace_s1"),
    (re.compile(r"^misuse of drugs act,? 1971\s*" + _SECTION + r"23(?:\s*\(\d\))?\s*\)$"),
     "misuse_of_drugs_s23"),
    (re.compile(r"^firearms act,? 1968\s*" + _SECTION + r"47\s*\)$"), "firearms_s47"),
    (re.compile(r"^criminal justice and public order act,? 1994\s*" + _SECTION + r"60\s*\)$"),
     "cjpo_s60"),
    (re.compile(r"^terrorism act,? 2000\s*" + _SECTION + r"47a(?:\s*\(\d\))?\s*\)$"),
     "terrorism_s47a"),
    (re.compile(r"^terrorism act,? 2000\s*" + _SECTION + r"43a?(?:\s*\(\d\))?\s*\)$"),
     "terrorism_s43"),
    (re.compile(r"^psychoactive substances act,? 2016\s*" + _SECTION + r"3[67]\s*(?:\(\s*2\s*\))?\s*\)$"),
     "psychoactive_substances"),
]


def named_act(law):
    s = re.sub(r"\s+", " ", law.strip().lower())
    for pattern, p in NAMED_ACTS:
        if pattern.match(s):
            return p
    return None


# ---------------------------------------------------------------------------------------------
# Raw files.

COLUMNS = ("Self-defined ethnicity", "Legislation", "Outcome",
           "Outcome linked to object of search")


class Raw:
    """Searches counted by force, month, ethnic group, power, outcome class and outcome
    linked."""

    def __init__(self, root):
        self.counts = Counter()
        self.laws = Counter()  # legislation label -> searches
        self.files = set()  # (force, month) with a file
        self.linked_month = {}  # (force, month) -> some search records outcome linked
        self.rows = 0
        for force, month, path, kind in raw_files(root):
            if (force, month) in self.files:
                fail(f"two raw files for {force} {month}: this check assumes one")
            self.files.add((force, month))
            recorded = False
            for sde, law, outcome, linked in raw_records(path, kind, COLUMNS):
                self.rows += 1
                self.laws[law] += 1
                linked = boolean(linked)
                recorded |= linked is not None
                self.counts[(force, month, ethnicity(sde), power(law), outcome_class(outcome),
                             linked)] += 1
            self.linked_month[(force, month)] = recorded
        self.forces = sorted({f for f, _ in self.files})

    def by_area_period(self, territorial):
        """{(area, period_type, period): {power row: Counter{(eth, class, linked, recorded):
        n}}} with power rows `all`, each power and the combined groups."""
        out = defaultdict(lambda: defaultdict(Counter))
        for (force, month, eth, p, cls, linked), n in self.counts.items():
            rec = self.linked_month[(force, month)]
            for ptype, period in periods_of(month):
                for area in areas_of(force, territorial):
                    for row in ["all"] + power_rows(p):
                        out[(area, ptype, period)][row][(eth, cls, linked, rec)] += n
        return out

    def area_periods(self, territorial):
        return {(area, ptype, period) for force, month in self.files
                for ptype, period in periods_of(month) for area in areas_of(force, territorial)}


def by_eth(cells):
    c = Counter()
    for (eth, *_), n in cells.items():
        c[eth] += n
    return c


def find_counts(cells, eth):
    """{measure: (n, total)} over the cells of ethnic group eth (`All`: every search)."""
    linked_n = linked_total = action_n = action_total = 0
    for (e, cls, linked, rec), n in cells.items():
        if eth != "All" and e != eth:
            continue
        if rec:
            linked_n += n if linked is True else 0
            linked_total += n if (linked is not None or cls == "no_further_action") else 0
        if cls != "unknown":
            action_total += n
            action_n += n if cls != "no_further_action" else 0
    return {"outcome_linked": (linked_n, linked_total),
            "outcome_other_than_nfa": (action_n, action_total)}


# ---------------------------------------------------------------------------------------------
# The program's tables.


def need_columns(name, df, columns):
    lacking = [c for c in columns if c not in df.columns]
    if lacking:
        fail(f"{name}: no column {', '.join(lacking)} (has {list(df.columns)})")


def check_flag(name, df):
    """no_suspicion_power true exactly on the rows of a no-suspicion power."""
    need_columns(name, df, ["power", "no_suspicion_power"])
    powers = df.power.astype(str)
    want = powers.isin(NO_SUSPICION_ROWS)
    got = df.no_suspicion_power
    if got.isna().any():
        fail(f"{name}: no_suspicion_power is null on {int(got.isna().sum())} rows")
    bad = df[want != got.astype(bool)]
    if len(bad):
        r = bad.iloc[0]
        fail(f"{name}: {len(bad)} rows with no_suspicion_power wrong, e.g. power {r.power} "
             f"area {r.area} {r.period}: {r.no_suspicion_power}")
    seen = sorted(set(powers))
    unexpected = set(seen) - set(POWERS) - set(COMBINED) - {"all"}
    if unexpected:
        fail(f"{name}: power values not in the vocabulary: {sorted(unexpected)}")
    return len(df), seen


# ---------------------------------------------------------------------------------------------
# 0. inputs


# ---------------------------------------------------------------------------------------------
# 1. searches


def check_searches(out, raw):
    path = Path(out) / "tables" / "searches.parquet"
    columns = ["force", "ethnicity", "legislation", "power", "suspicion_required"]
    names = pq.read_schema(path).names
    if set(columns) - set(names):
        fail(f"searches: no column {', '.join(sorted(set(columns) - set(names)))}")
    df = pd.read_parquet(path, columns=columns)
    # Labels: every named Act in its power.
    pairs = df.groupby([df.legislation.astype(str).where(df.legislation.notna(), ""),
                        df.power.astype(str)], observed=True).size()
    program_power = defaultdict(set)
    for (law, p), n in pairs.items():
        program_power[law].add(p)
    named = 0
    for law, n in sorted(raw.laws.items()):
        want = named_act(law) if law else "unknown"
        if want is None:
            want = "other"
        got = program_power.get(law)
        if got is None:
            fail(f"searches: legislation {law!r} ({n} raw searches) is not in the searches "
                 f"table")
        if got != {want}:
            fail(f"searches: legislation {law!r} ({n} raw searches) has power {sorted(got)}, "
                 f"should be {want}")
        if power(law) != want:
            fail(f"rawfiles.py's copy of the rule gives {power(law)} for {law!r}, the "
                 f"named Act is {want}: fix the copy")
        named += want not in ("other", "unknown")
    extra = set(program_power) - set(raw.laws)
    if extra:
        fail(f"searches: legislation labels not in the raw files: {sorted(extra)[:3]}")
    # suspicion_required follows the power on every row.
    flag_of = df.suspicion_required.map(lambda v: None if missing(v) else bool(v)).astype(str)
    flags = df.groupby([df.power.astype(str), flag_of], observed=True).size()
    for (p, flag), n in flags.items():
        want = str(suspicion_required(p))
        if flag != want:
            fail(f"searches: {n} rows of power {p} have suspicion_required {flag}, should be "
                 f"{want}")
    # Counts by force x power x ethnicity.
    got = df.groupby([df.force.astype(str), df.power.astype(str),
                      df.ethnicity.astype(str).where(df.ethnicity.notna(), "Missing")],
                     observed=True).size()
    got = {k: int(v) for k, v in got.items() if v}
    want = Counter()
    for (force, _, eth, p, _, _), n in raw.counts.items():
        want[(force, p, eth)] += n
    same_keys("searches (force x power x ethnicity)", dict(want), got)
    for key, n in want.items():
        compare("searches", key, "searches", n, got[key])
    powers = Counter()
    for (_, p, _), n in want.items():
        powers[p] += n
    print(f"searches: {len(want)} force x power x ethnicity counts compared "
          f"({sum(want.values()):,} searches; "
          + ", ".join(f"{p} {powers[p]:,}" for p in POWERS if powers[p])
          + f"); {len(raw.laws)} legislation labels, {named} of them named Acts, each in its "
          f"power; suspicion_required on {len(flags)} power x flag pairs")


# ---------------------------------------------------------------------------------------------
# 2. rates


def check_rates(out, raw, territorial, cube):
    df = table(out, "rates")
    need_columns("rates", df, ["power", "no_suspicion_power"])
    cols = list(df.columns)
    if cols.index("power") != cols.index("search_group") + 1:
        fail(f"rates: power is not right after search_group: {cols}")
    stray = df[(df.power.astype(str) != "all") & (df.search_group.astype(str) != "all")]
    if len(stray):
        fail(f"rates: {len(stray)} power rows with search_group other than all, e.g. "
             f"{stray.iloc[0][['area', 'period', 'search_group', 'power']].tolist()}")
    df = df[df.search_group.astype(str) == "all"]
    got = keyed("rates", df, ["area", "period_type", "period", "power", "ethnicity"])
    # Ethnic groups on each area-period's `all` rows.
    eths = defaultdict(set)
    for (area, ptype, period, p, eth) in got:
        if p == "all":
            eths[(area, ptype, period)].add(eth)
    periods = raw.area_periods(territorial)
    if set(eths) != periods:
        fail(f"rates: area-periods with `all` rows {sorted(set(eths) - periods)[:3]} not in "
             f"the raw files; raw area-periods without {sorted(periods - set(eths))[:3]}")
    want = {}
    for ap, ethset in eths.items():
        for row, cells in cube.get(ap, {}).items():
            c = by_eth(cells)
            if sum(c.values()) == 0:
                continue
            for eth in ethset:
                want[ap + (row, eth)] = sum(c.values()) if eth == "All" else c[eth]
        if ap not in cube:  # a covered period with no searches: only `all` rows
            for eth in ethset:
                want[ap + ("all", eth)] = 0
    same_keys("rates", want, got)
    for key, n in want.items():
        compare("rates", key, "searches", n, got[key]["searches"])
    by_power = Counter(k[3] for k in want)
    fy = sum(1 for k in want if k[1] == "financial_year" and k[3] != "all")
    print(f"rates: {len(want)} rows compared (search_group all; {len(want) - by_power['all']} "
          f"by power, {fy} of them by financial year; "
          + ", ".join(f"{p} {by_power[p]}" for p in POWERS + COMBINED if by_power[p])
          + "): searches by area x power x ethnicity, rows exactly where the power was used")
    return df


# ---------------------------------------------------------------------------------------------
# 3. find_rates


def check_find_rates(out, raw, territorial, cube, year_mode):
    df = table(out, "find_rates")
    need_columns("find_rates", df, ["power", "no_suspicion_power", "share_ci_low",
                                    "share_ci_high"])
    cols = list(df.columns)
    if cols.index("power") != cols.index("search_group") + 1:
        fail(f"find_rates: power is not right after search_group: {cols}")
    stray = df[(df.power.astype(str) != "all") & (df.search_group.astype(str) != "all")]
    if len(stray):
        fail(f"find_rates: {len(stray)} power rows with search_group other than all")
    df = df[df.search_group.astype(str) == "all"]
    got = keyed("find_rates", df, ["area", "period_type", "period", "power", "ethnicity",
                                   "measure"])
    want = {}
    for ap, rows in cube.items():
        for row, cells in rows.items():
            c = by_eth(cells)
            for eth in [e for e, n in c.items() if n] + ["All"]:
                for measure, (n, total) in find_counts(cells, eth).items():
                    want[ap + (row, eth, measure)] = (n, total)
    same_keys("find_rates", want, got)
    for key, (n, total) in want.items():
        r = got[key]
        share, low, high = wilson(n, total)
        for column, w in [("n", n), ("total", total), ("share", share),
                          ("share_ci_low", low), ("share_ci_high", high)]:
            compare("find_rates", key, column, w, r[column])
    s60 = sorted({k[0] for k in want if k[3] == "cjpo_s60" and k[0] in raw.forces})
    if year_mode and len(s60) < 3:
        fail(f"find_rates: only {len(s60)} forces with section 60 searches ({s60}); need 3")
    nfa = sum(1 for k in want if k[5] == "outcome_other_than_nfa")
    by_power = sum(1 for k in want if k[5] == "outcome_other_than_nfa" and k[3] != "all")
    print(f"find_rates: {len(want)} rows compared ({nfa} outcome_other_than_nfa, {by_power} of "
          f"them by power; the rest outcome_linked): n, total, share, Wilson interval; "
          f"cjpo_s60 in {len(s60)} forces: {', '.join(s60) or 'none'}")


# ---------------------------------------------------------------------------------------------
# 4. disparity


def check_disparity(out, cube):
    df = table(out, "disparity")
    need_columns("disparity", df, ["power", "no_suspicion_power"])
    cols = list(df.columns)
    if cols.index("power") != cols.index("search_group") + 1:
        fail(f"disparity: power is not right after search_group: {cols}")
    df = df[df.search_group.astype(str) == "all"]
    got = keyed("disparity", df, ["area", "period_type", "period", "power", "ethnicity"])
    comparable = {k[:3] for k in got if k[3] == "all"}
    ethnicities = sorted({k[4] for k in got if k[3] == "all"})
    want = {}
    for ap in comparable:
        cells = cube.get(ap, {}).get("cjpo_s60")
        if not cells or not sum(cells.values()):
            continue
        c = by_eth(cells)
        for eth in ethnicities:
            want[ap + ("cjpo_s60", eth)] = (c[eth], c[REFERENCE])
    got_s60 = {k: v for k, v in got.items() if k[3] == "cjpo_s60"}
    same_keys("disparity (cjpo_s60)", want, got_s60)
    for key, (n, ref) in want.items():
        compare("disparity", key, "searches", n, got[key]["searches"])
        compare("disparity", key, "reference_searches", ref, got[key]["reference_searches"])
    print(f"disparity: {len(want)} cjpo_s60 rows compared (searches, reference_searches; "
          f"ethnic groups {', '.join(ethnicities)}) over {len({k[:3] for k in want})} "
          f"area-periods")


def check_flags(out):
    for name in ["rates", "disparity", "find_rates", "outcomes"]:
        df = table(out, name)
        if name == "outcomes":
            cols = list(df.columns)
            need_columns(name, df, ["power"])
            if cols.index("power") != cols.index("period") + 1:
                fail(f"outcomes: power is not right after period: {cols}")
        n, seen = check_flag(name, df)
        print(f"{name}: no_suspicion_power on {n} rows (powers {', '.join(seen)}): true "
              f"exactly on {', '.join(sorted(NO_SUSPICION_ROWS))}")


# ---------------------------------------------------------------------------------------------


def run(out, raw_dir, year_mode):
    territorial = set(territorial_forces())
    raw = Raw(Path(raw_dir))
    check_inputs(out, raw)
    cube = raw.by_area_period(territorial)
    check_searches(out, raw)
    check_rates(out, raw, territorial, cube)
    check_find_rates(out, raw, territorial, cube, year_mode)
    check_disparity(out, cube)
    check_flags(out)
    print("searches, rates, find_rates and disparity by power agree with the raw files")
    return raw, territorial, cube


def fmt_share(k, n):
    share, low, high = wilson(k, n)
    if share is None:
        return "–"
    return f"{100 * share:.1f}% ({100 * low:.1f}–{100 * high:.1f}; {k:,}/{n:,})"


def readme_table(raw, cube, territorial):
    years = sorted({p for _, m in raw.files for t, p in periods_of(m) if t == "financial_year"})
    lines = []
    for year in years:
        forces = sorted(f for f in raw.forces
                        if sum(cube.get((f, "financial_year", year), {})
                               .get("cjpo_s60", Counter()).values()))
        lines += [f"Section 60 (no suspicion needed) beside the powers that need reasonable "
                  f"suspicion, {year}, forces with any section 60 search: searches of Black "
                  f"and White people and the find rate (any outcome other than no further "
                  f"action, of searches with an outcome recorded; 95% Wilson intervals):", "",
                  "| force | s60 searches | s60 searches, Black | s60 searches, White | s60 find rate, Black "
                  "| s60 find rate, White | suspicion-required searches, Black "
                  "| suspicion-required searches, White | suspicion-required find rate, Black "
                  "| suspicion-required find rate, White |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for area in forces + [EW]:
            rows = cube.get((area, "financial_year", year), {})
            cells = []
            s60, req = rows.get("cjpo_s60", Counter()), rows.get("suspicion_required", Counter())
            for group in (s60, req):
                c = by_eth(group)
                finds = {e: find_counts(group, e)["outcome_other_than_nfa"]
                         for e in ("Black", "White")}
                cells.append([f"{c['Black']:,}", f"{c['White']:,}",
                              fmt_share(*finds["Black"]), fmt_share(*finds["White"])])
            name = f"`{area}`" if area != EW else "England and Wales"
            lines.append(f"| {name} | {sum(s60.values()):,} | "
                         + " | ".join(cells[0] + cells[1]) + " |")
        with_files = sorted({f for f, m in raw.files if f in territorial
                             and periods_of(m)[0][1] == year})
        absent = sorted(territorial - set(with_files))
        lines += ["", f"England and Wales is the {len(with_files)} territorial forces with files "
                  f"for {year}"
                  + ("" if not absent else
                     f" (none for {', '.join(f'`{f}`' for f in absent)})" if len(absent) <= 5
                     else f" (only {', '.join(f'`{f}`' for f in with_files)})")
                  + "; `btp` counts only in its own row. A find rate's total leaves out "
                  "searches with no outcome recorded.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "fixtures":
        run(sys.argv[2], FIXTURES, False)
    elif len(sys.argv) == 4 and sys.argv[1] == "year":
        raw, territorial, cube = run(sys.argv[2], sys.argv[3], True)
        print()
        print(readme_table(raw, cube, territorial))
    else:
        sys.exit(__doc__)
