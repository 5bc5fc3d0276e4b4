#!/usr/bin/env python3
"""Counts the bundled fixtures straight from the raw files, with Python's standard library
only, as an independent check on stopsearch's ingest and normalisation.

The label mappings here are not copied from the Rust code: the ethnicity groups and the
old-to-new outcome crosswalk are parsed from the tables in fixtures/reference/data-formats.md,
and the raw outcome counts are checked against the counts published in that document (§5.8).
That check is over the document's 10 sample files, two of which (City of London 2018-04 and
2020-11) are not bundled: they are read from ../shared/data/police_uk_extra/, and the check is
skipped, with a message, where ../shared is absent (and fails under CI=true).

Usage: count_raw.py            write tests/expected/fixture_counts.json
       count_raw.py --check    fail if that file is out of date
"""
import csv
import gzip
import io
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "police_uk"
DOC = (ROOT / "fixtures" / "reference" / "data-formats.md").read_text(encoding="utf-8")
OUT = ROOT / "tests" / "expected" / "fixture_counts.json"
SHARED = ROOT.parent / "shared" / "data" / "police_uk_extra"
# The sample files of data-formats.md that are read from ../shared rather than bundled.
SHARED_SAMPLES = [
    SHARED / "fy2018-19" / "2018-04-city-of-london-stop-and-search.csv",
    SHARED / "fy2020-21" / "2020-11-city-of-london-stop-and-search.csv",
]


def table_rows(heading):
    """Rows of the first Markdown table after a heading, as lists of cell texts."""
    start = DOC.index(heading)
    rows = []
    for line in DOC[start:].splitlines()[1:]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not set(cells[0]) <= set("-: "):
                rows.append(cells)
        elif rows:
            break
    return rows[1:]  # drop the header row


def unquote(cell):
    m = re.fullmatch(r"`(.*)`", cell)
    return m.group(1) if m else None


# Self-defined ethnicity → broad group, from the two tables in §5.4.
BROAD = {}
for heading in ("#### 5.4.1", "#### 5.4.2"):
    for cells in table_rows(heading):
        label = unquote(cells[0])
        if label is None:
            continue  # "(empty)"
        broad = cells[1].replace("*", "").split("(")[0].strip()
        BROAD[label] = broad
assert len(BROAD) == 19 + 17, len(BROAD)

# Outcome → class: the new labels by meaning, the old ones through the §6 crosswalk.
NEW_CLASS = {
    "A no further action disposal": "no_further_action",
    "Arrest": "arrest",
    "Summons / charged by post": "summons_or_charge",
    "Caution (simple or conditional)": "caution",
    "Community resolution": "community_resolution",
    "Khat or Cannabis warning": "cannabis_or_khat_warning",
    "Penalty Notice for Disorder": "penalty_notice",
}
OUTCOME_CLASS = dict(NEW_CLASS)
for cells in table_rows("## 6. Mapping old outcome labels to new"):
    old, new = unquote(cells[0]), unquote(cells[1])
    OUTCOME_CLASS[old] = NEW_CLASS[new] if new in NEW_CLASS else "other"
# Old API: `false` meant nothing found.
OUTCOME_CLASS[False] = "no_further_action"


def outcome_class(value):
    if value in ("", None):
        return "unknown"
    return OUTCOME_CLASS.get(value, "other")


def broad(value):
    if value in ("", None):
        return "(empty)"
    return BROAD.get(value, "(unknown)")


def csv_rows(path):
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    return [
        (
            r["Outcome"],
            r["Self-defined ethnicity"],
            r["Officer-defined ethnicity"],
            r["Outcome linked to object of search"],
            r["Removal of more than just outer clothing"],
            r["Type"],
        )
        for r in rows
    ]


def as_flag(value):
    return {True: "True", False: "False", None: ""}.get(value, value)


def json_rows(path):
    records = json.loads(gzip.decompress(path.read_bytes()))
    out = []
    for r in records:
        outcome = r.get("outcome")
        if outcome in ("", None):
            outcome = (r.get("outcome_object") or {}).get("name") or ""
        out.append(
            (
                outcome,
                r.get("self_defined_ethnicity"),
                r.get("officer_defined_ethnicity") or "",
                as_flag(r.get("outcome_linked_to_object_of_search")),
                as_flag(r.get("removal_of_more_than_outer_clothing")),
                r.get("type") or "",
            )
        )
    return out


def nested(pairs):
    """{a: {b: count}} from (a, b) pairs, keys sorted."""
    out = {}
    for a, b in pairs:
        out.setdefault(a, Counter())[b] += 1
    return {a: dict(sorted(c.items())) for a, c in sorted(out.items())}


def find_counts(rows):
    """The outcome test as the README defines it, per broad group: `outcome_linked` counts
    only in files that record the field, treating an empty field with no further action as
    not linked; `outcome_other_than_nfa` counts rows whose outcome was recorded."""
    records = any(linked != "" for _, _, _, linked, _, _ in rows)
    out = {}
    for outcome, eth, _, linked, _, _ in rows:
        group = broad(eth)
        group = "Missing" if group == "(empty)" else group
        c = out.setdefault(group, Counter())
        cls = outcome_class(outcome)
        if records and (linked != "" or cls == "no_further_action"):
            c["linked_total"] += 1
            c["linked_n"] += linked == "True"
        if cls != "unknown":
            c["action_total"] += 1
            c["action_n"] += cls != "no_further_action"
    return {g: dict(sorted(c.items())) for g, c in sorted(out.items())}


def main():
    files = {}
    raw_outcomes = Counter()
    for path in sorted(FIXTURES.rglob("*")):
        name = path.name
        if name.endswith((".csv", ".csv.gz")):
            rows = csv_rows(path)
            raw_outcomes.update(r[0] for r in rows)
        elif name.endswith((".json", ".json.gz")):
            rows = json_rows(path)
        else:
            continue
        files[path.relative_to(FIXTURES.parent).as_posix()] = {
            "rows": len(rows),
            "outcome_class": dict(sorted(Counter(outcome_class(r[0]) for r in rows).items())),
            "ethnicity": dict(sorted(Counter(broad(r[1]) for r in rows).items())),
            "outcome_class_by_ethnicity": nested((broad(r[1]), outcome_class(r[0])) for r in rows),
            "officer_by_self_defined": nested((broad(r[1]), r[2] or "(empty)") for r in rows),
            "strip_search_by_ethnicity": nested((broad(r[1]), r[4] or "(empty)") for r in rows),
            # Vehicle-only searches have no person to describe: unknown ethnicity is counted
            # over the other searches.
            "vehicle_only_by_ethnicity": dict(sorted(
                Counter(broad(r[1]) for r in rows if r[5] == "Vehicle search").items())),
            "find": find_counts(rows),
        }

    # The raw outcome counts over the 10 sample CSVs must equal those published in §5.8.
    published = {}
    for cells in table_rows("**Outcome counts over the 10 sample files**"):
        label = unquote(cells[0])
        published["" if label is None else label] = int(cells[1].replace(",", ""))
    if all(p.is_file() for p in SHARED_SAMPLES):
        for path in SHARED_SAMPLES:
            raw_outcomes.update(r[0] for r in csv_rows(path))
        assert dict(raw_outcomes) == published, (dict(raw_outcomes), published)
        print("raw outcome counts over the 10 sample files match data-formats.md §5.8")
    elif os.environ.get("CI"):
        sys.exit(f"CI: {SHARED} is missing, so the published outcome counts cannot be checked")
    else:
        print(f"skipped the published outcome counts: {SHARED} is not here")

    text = json.dumps({"files": files}, indent=2, sort_keys=True) + "\n"
    if "--check" in sys.argv:
        if OUT.read_text(encoding="utf-8") != text:
            sys.exit(f"{OUT} is out of date; run {Path(__file__).name} to regenerate it")
        print(f"{OUT.name} matches the raw fixtures")
    else:
        OUT.write_text(text, encoding="utf-8")
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
