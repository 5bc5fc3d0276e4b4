"""The raw data.police.uk files read independently of the program, for the cross-checks
(check_age.py, check_power.py): the monthly CSVs with Python's csv module, the saved API
responses among the fixtures with its json module, never the program's `searches` table; with
the label rules (broad ethnic group, outcome class, search group, power) copied from
src/reference/vocab.rs, the project's authoritative list, the checks of the run's manifest
against the raw files and the statistics both checks recompute from the formulas.
"""
import csv
import gzip
import io
import json
import math
import re
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FIXTURES = ROOT / "fixtures" / "police_uk"
Z = 1.959963984540054
TOL = 1e-6
EW = "england-and-wales"
GROUPS = ["Asian", "Black", "Mixed", "White", "Other"]

# ---------------------------------------------------------------------------------------------
# Labels (src/reference/vocab.rs).

ETHNICITY = {
    "White - English/Welsh/Scottish/Northern Irish/British": "White",
    "White - Irish": "White",
    "White - Gypsy or Irish Traveller": "White",
    "White - Roma": "White",
    "White - Any other White background": "White",
    "Mixed/Multiple ethnic groups - White and Black Caribbean": "Mixed",
    "Mixed/Multiple ethnic groups - White and Black African": "Mixed",
    "Mixed/Multiple ethnic groups - White and Asian": "Mixed",
    "Mixed/Multiple ethnic groups - Any other Mixed/Multiple ethnic background": "Mixed",
    "Asian/Asian British - Indian": "Asian",
    "Asian/Asian British - Pakistani": "Asian",
    "Asian/Asian British - Bangladeshi": "Asian",
    "Asian/Asian British - Chinese": "Asian",
    "Asian/Asian British - Any other Asian background": "Asian",
    "Black/African/Caribbean/Black British - African": "Black",
    "Black/African/Caribbean/Black British - Caribbean": "Black",
    "Black/African/Caribbean/Black British - Any other Black/African/Caribbean background":
        "Black",
    "Other ethnic group - Arab": "Other",
    "Other ethnic group - Any other ethnic group": "Other",
    "Other ethnic group - Not stated": "Not stated",
    "White - White British (W1)": "White",
    "White - White Irish (W2)": "White",
    "White - Any other White ethnic background (W9)": "White",
    "Mixed - White and Black Caribbean (M1)": "Mixed",
    "Mixed - White and Black African (M2)": "Mixed",
    "Mixed - White and Asian (M3)": "Mixed",
    "Mixed - Any other Mixed ethnic background (M9)": "Mixed",
    "Asian or Asian British - Indian (A1)": "Asian",
    "Asian or Asian British - Pakistani (A2)": "Asian",
    "Asian or Asian British - Bangladeshi (A3)": "Asian",
    "Asian or Asian British - Any other Asian ethnic background (A9)": "Asian",
    "Black or Black British - Caribbean (B1)": "Black",
    "Black or Black British - African (B2)": "Black",
    "Black or Black British - Any other Black ethnic background (B9)": "Black",
    # Chinese sat with "other" in the old police grouping; the Census puts it under Asian.
    "Chinese or other ethnic group - Chinese (O1)": "Asian",
    "Chinese or other ethnic group - Any other ethnic group (O9)": "Other",
    "Not Stated (NS)": "Not stated",
}
PREFIX = {"White": "White", "Mixed": "Mixed", "Mixed/Multiple ethnic groups": "Mixed",
          "Asian or Asian British": "Asian", "Asian/Asian British": "Asian",
          "Black or Black British": "Black", "Black/African/Caribbean/Black British": "Black",
          "Other ethnic group": "Other"}


def ethnicity(label):
    if not label:
        return "Missing"
    if label in ETHNICITY:
        return ETHNICITY[label]
    # A label not seen before counts in the group its heading names, else as missing.
    return PREFIX.get(label.split(" - ")[0], "Missing")


OUTCOME = {
    "A no further action disposal": "no_further_action",
    "Arrest": "arrest",
    "Community resolution": "community_resolution",
    "Khat or Cannabis warning": "cannabis_or_khat_warning",
    "Penalty Notice for Disorder": "penalty_notice",
    "Summons / charged by post": "summons_or_charge",
    "Caution (simple or conditional)": "caution",
    "Nothing found - no further action": "no_further_action",
    "Suspect arrested": "arrest",
    "Offender given drugs possession warning": "cannabis_or_khat_warning",
    "Offender given penalty notice": "penalty_notice",
    "Local resolution": "community_resolution",
    "Suspect summonsed to court": "summons_or_charge",
    "Offender cautioned": "caution",
    "Article found - Detailed outcome unavailable": "other",
    "Suspected psychoactive substances seized - No further action": "no_further_action",
    "false": "no_further_action",
}


def outcome_class(label):
    if not label:
        return "unknown"
    return OUTCOME.get(label, "other")


def search_group(obj, law):
    if obj in ("Controlled drugs", "Psychoactive substances"):
        return "drugs"
    if obj in ("Offensive weapons", "Firearms", "Anything to threaten or harm anyone"):
        return "weapons"
    if obj == "Stolen goods":
        return "stolen_goods"
    if obj == "Article for use in theft":
        return "going_equipped"
    if obj == "Articles for use in criminal damage":
        return "criminal_damage"
    if obj == "Fireworks":
        return "fireworks"
    if obj in ("", "Evidence of offences under the Act", "Detailed object of search unavailable"):
        if law in ("Misuse of Drugs Act 1971 (section 23)",
                   "Psychoactive Substances Act 2016 (s36(2))",
                   "Psychoactive Substances Act 2016 (s37(2))"):
            return "drugs"
        if law in ("Firearms Act 1968 (section 47)",
                   "Criminal Justice and Public Order Act 1994 (section 60)",
                   "Criminal Justice Act 1988 (section 139B)"):
            return "weapons"
        if law in ("", "Police and Criminal Evidence Act 1984 (section 1)"):
            return "unknown"
        return "other"
    return "other"


def boolean(label):
    return {"True": True, "False": False}.get(label)


LAW_POWER = {
    "Police and Criminal Evidence Act 1984 (section 1)": "pace_s1",
    "Misuse of Drugs Act 1971 (section 23)": "misuse_of_drugs_s23",
    "Firearms Act 1968 (section 47)": "firearms_s47",
    "Criminal Justice and Public Order Act 1994 (section 60)": "cjpo_s60",
    "Psychoactive Substances Act 2016 (s36(2))": "psychoactive_substances",
    "Psychoactive Substances Act 2016 (s37(2))": "psychoactive_substances",
}
POWERS = ["pace_s1", "misuse_of_drugs_s23", "firearms_s47", "cjpo_s60", "terrorism_s47a",
          "terrorism_s43", "psychoactive_substances", "other", "unknown"]
NO_SUSPICION = {"cjpo_s60", "terrorism_s47a"}
COMBINED = ["suspicion_required", "no_suspicion_required"]
NO_SUSPICION_ROWS = NO_SUSPICION | {"no_suspicion_required"}


def power(law):
    """The program's rule (vocab.rs `power`)."""
    if not law:
        return "unknown"
    if law in LAW_POWER:
        return LAW_POWER[law]
    lower = law.lower()
    if lower.startswith("terrorism act 2000"):
        if "47a" in lower:
            return "terrorism_s47a"
        if "section 43" in lower or "s43" in lower:
            return "terrorism_s43"
    return "other"


def suspicion_required(p):
    return None if p == "unknown" else p not in NO_SUSPICION


def power_rows(p):
    """The power-table rows a search under power p counts in (besides `all`)."""
    if p == "unknown":
        return [p]
    return [p, "no_suspicion_required" if p in NO_SUSPICION else "suspicion_required"]


# ---------------------------------------------------------------------------------------------
# Raw files.

CSV_NAME = re.compile(r"^(\d{4}-\d{2})-(.+)-stop-and-search\.csv(\.gz)?$")
JSON_NAME = re.compile(r"^stops-force_(.+)_(\d{4}-\d{2})\.json(\.gz)?$")


def read_bytes(path):
    raw = path.read_bytes()
    return gzip.decompress(raw) if path.suffix == ".gz" else raw


def decode(raw):
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def json_label(value):
    if value is None:
        return ""
    if value is True:
        return "True"
    if value is False:
        return "False"
    return str(value)


def raw_files(root):
    """(force, month, path, kind) of every raw file under root."""
    out = []
    for path in sorted(root.rglob("*")):
        if m := CSV_NAME.match(path.name):
            out.append((m.group(2), m.group(1), path, "csv"))
        elif m := JSON_NAME.match(path.name):
            out.append((m.group(1), m.group(2), path, "json"))
    return out


# The JSON key of each CSV column the checks read (the outcome has its own rule below).
JSON_KEY = {
    "Self-defined ethnicity": "self_defined_ethnicity",
    "Gender": "gender",
    "Age range": "age_range",
    "Object of search": "object_of_search",
    "Legislation": "legislation",
    "Outcome linked to object of search": "outcome_linked_to_object_of_search",
}


def json_outcome(r):
    """The outcome of an API record: `false` for a search with none, else its label, else the
    name of its outcome object."""
    outcome = r.get("outcome")
    outcome = "false" if outcome is False else json_label(outcome)
    if not outcome.strip():
        outcome = json_label((r.get("outcome_object") or {}).get("name"))
    return outcome


def raw_records(path, kind, columns):
    """The fields named by columns (CSV column names) per row, as a tuple in that order,
    trimmed (an empty field is "")."""
    if kind == "csv":
        for r in csv.DictReader(io.StringIO(decode(read_bytes(path)), newline="")):
            yield tuple((r.get(c) or "").strip() for c in columns)
    else:
        for r in json.loads(read_bytes(path)):
            yield tuple((json_outcome(r) if c == "Outcome" else json_label(r.get(JSON_KEY[c])))
                        .strip() for c in columns)


def periods_of(month):
    y, m = int(month[:4]), int(month[5:7])
    start = y if m >= 4 else y - 1
    return [("financial_year", f"{start}/{(start + 1) % 100:02d}"), ("calendar_year", str(y))]


def areas_of(force, territorial):
    return [force, EW] if force in territorial else [force]


# ---------------------------------------------------------------------------------------------
# The run's inputs.


def territorial_forces():
    """data.police.uk force id -> PFA code, from the bundled crosswalk (not the Rust table)."""
    with open(ROOT / "fixtures/population/ho_ss20_totals_ye_mar2025_unverified.csv") as f:
        pfa = {r["force_id"]: r["pfa_code"] for r in csv.DictReader(f) if r["pfa_code"]}
    assert len(pfa) == 43 and "btp" not in pfa, sorted(pfa)
    return pfa


def check_inputs(out, raw):
    """The program read the same files and kept every row."""
    manifest = json.loads((Path(out) / "manifest.json").read_text())
    read = {(s["force"], s["month"]) for s in manifest["sources"] if s["status"] == "read"}
    if read != raw.files:
        fail(f"the run read other files: only the run {sorted(read - raw.files)[:3]}, "
             f"only the raw directory {sorted(raw.files - read)[:3]}")
    kept = sum(s["rows_kept"] for s in manifest["sources"] if s["status"] == "read")
    if kept != raw.rows:
        fail(f"the run kept {kept} rows, the raw files have {raw.rows}")
    print(f"inputs: {len(raw.files)} raw files, {raw.rows:,} rows, as the run read them")


# ---------------------------------------------------------------------------------------------
# Statistics, from the formulas.


def fail(message):
    sys.exit(f"MISMATCH: {message}")


def missing(x):
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def close(a, b):
    if missing(a) or missing(b):
        return missing(a) and missing(b)
    return abs(a - b) <= TOL * max(abs(a), abs(b)) or abs(a - b) < 1e-12


def wilson(k, n):
    if n == 0:
        return None, None, None
    p = k / n
    centre = p + Z * Z / (2 * n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    denom = 1 + Z * Z / n
    low = 0.0 if k == 0 else max((centre - half) / denom, 0.0)
    high = 1.0 if k == n else min((centre + half) / denom, 1.0)
    return p, low, high


def compare(table, key, column, want, got):
    if isinstance(want, bool) or isinstance(want, int):
        ok = (not missing(got)) and want == got
    else:
        ok = close(want, got)
    if not ok:
        fail(f"{table} {key}: {column} is {got}, the raw files give {want}")


# ---------------------------------------------------------------------------------------------
# The program's tables.


def table(out, name):
    path = Path(out) / "tables" / f"{name}.parquet"
    df = pd.read_parquet(path)
    if "area_type" in df.columns:
        df = df[df.area_type.isin(["force", "country"])]
    df = df[df.period_type.isin(["financial_year", "calendar_year"])]
    return df


def keyed(name, df, keys):
    df = df.copy()
    for k in keys:
        df[k] = df[k].astype(str)
    rows = {}
    for r in df.to_dict("records"):
        key = tuple(r[k] for k in keys)
        if key in rows:
            fail(f"{name}: two rows for {key}")
        rows[key] = r
    return rows


def same_keys(name, want, got):
    extra, lacking = set(got) - set(want), set(want) - set(got)
    if extra:
        fail(f"{name}: {len(extra)} rows the raw files do not give, e.g. {sorted(extra)[:3]}")
    if lacking:
        fail(f"{name}: {len(lacking)} rows missing, e.g. {sorted(lacking)[:3]}")


# ---------------------------------------------------------------------------------------------
# Additions for check_time.py.

# The API's key for the CSV's Type column (person, person and vehicle, or vehicle search).
JSON_KEY.setdefault("Type", "type")
