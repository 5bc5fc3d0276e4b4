#!/usr/bin/env python3
"""Checks stopsearch's local-area figures against an independent computation from the raw
files, with shapely and pyproj instead of the Rust geometry, and the ethnicity groups parsed
from fixtures/reference/data-formats.md by count_raw.py (not from the Rust code).

    check_districts.py assign OUT      OUT: a run over the bundled fixtures with
                                       --boundaries .../lad22_ew_bgc.geojson.gz
    check_districts.py year OUT DATA   OUT: a run over DATA (../shared/.../fy2020-21) with the
                                       same boundaries; also prints the README's tables and
                                       fails if the README does not show them

`assign` places every located point of the Met (2022-09), Merseyside (2025-06) and West
Yorkshire (2021-08) fixtures in the polygons with shapely (`intersects`, the first district
in code order if several; outside every polygon, the nearest within 200 m in British National
Grid), compares with the program's `lad_code` row by row, and lists each disagreement with
its distance to the nearest border: a disagreement more than 1 m from a border fails.

`year` recomputes, for the ten districts with the highest Black/White ratio in 2020/21 and for
a few chosen ones, the Black and White searches (the district's own force's searches placed in
it), the months covered, the Census 2021 residents (summed from the raw TS021 rows) and the
rate ratio with its exact interval (scipy), and compares with the disparity table.
"""
import csv
import gzip
import importlib.util
import io
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
GEOGRAPHY = ROOT.parent / "shared" / "data" / "geography"
SNAP_METRES = 200.0


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


count_raw = load("count_raw", HERE / "count_raw.py")
cases = load("compute_expected", ROOT / "tests" / "cases" / "compute_expected.py")

TO_BNG = Transformer.from_crs(4326, 27700, always_xy=True)


def to_bng(geom):
    def move(coords):
        x, y = TO_BNG.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])
    return shapely.transform(geom, move)


def districts():
    """(codes, names, pfa, shapes in lon/lat, STRtree) from the shared BGC layer."""
    with gzip.open(GEOGRAPHY / "lad22_ew_bgc.geojson.gz", "rt", encoding="utf-8") as f:
        features = json.load(f)["features"]
    features.sort(key=lambda ft: ft["properties"]["LAD22CD"])
    codes = [ft["properties"]["LAD22CD"] for ft in features]
    names = [ft["properties"]["LAD22NM"] for ft in features]
    pfa = [ft["properties"]["PFA22CD"] for ft in features]
    shapes = [shapely.geometry.shape(ft["geometry"]) for ft in features]
    return codes, names, pfa, shapes, shapely.STRtree(shapes)


def place(points, shapes, tree):
    """Index of the district of each (lon, lat): containing, else nearest within 200 m."""
    geoms = shapely.points(points)
    hits = tree.query(geoms, predicate="intersects")
    first = {}
    for p, d in zip(*hits):
        first[p] = min(first.get(p, d), d)
    bng = None
    out = []
    for i, (lon, lat) in enumerate(points):
        if i in first:
            out.append(("inside", first[i]))
            continue
        if bng is None:
            bng = {}
        x, y = TO_BNG.transform(lon, lat)
        near = tree.query(shapely.box(lon - 0.004, lat - 0.004, lon + 0.004, lat + 0.004))
        best = None
        for d in sorted(near):
            ring = to_bng(shapes[d]) if d not in bng else bng[d]
            bng[d] = ring
            dist = ring.distance(shapely.Point(x, y))
            if dist <= SNAP_METRES and (best is None or dist < best[0]):
                best = (dist, d)
        out.append(("snapped", best[1]) if best else ("outside", None))
    return out


def raw_rows(path):
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def border_distance(lon, lat, shapes, tree):
    """Metres from the point to the nearest district border."""
    x, y = TO_BNG.transform(lon, lat)
    near = tree.query(shapely.box(lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01))
    p = shapely.Point(x, y)
    return min(
        to_bng(shapes[d]).boundary.distance(p) for d in near
    )


def assign(out):
    codes, names, pfa, shapes, tree = districts()
    searches = pd.read_parquet(
        Path(out) / "tables" / "searches.parquet",
        columns=["source_file", "source_line", "lad_code", "location_status"],
    )
    searches["source_file"] = searches["source_file"].astype(str)
    failures = []
    for name, expect_located, expect_in in [
        ("2022-09-metropolitan-stop-and-search.csv.gz", 11107, None),
        ("2025-06-merseyside-stop-and-search.csv.gz", 4682, None),
        ("2021-08-west-yorkshire-stop-and-search.csv.gz", 1264, None),
    ]:
        rows = raw_rows(ROOT / "fixtures" / "police_uk" / name)
        located = [(i + 2, float(r["Longitude"]), float(r["Latitude"]))
                   for i, r in enumerate(rows) if r["Latitude"] and r["Longitude"]]
        if len(located) != expect_located:
            failures.append(f"{name}: {len(located)} located rows, the geography README says {expect_located}")
        places = place([(lon, lat) for _, lon, lat in located], shapes, tree)
        program = searches[searches.source_file.str.endswith(name)].set_index("source_line")
        how = Counter(p[0] for p in places)
        disagree = []
        for (line, lon, lat), (kind, d) in zip(located, places):
            mine = None if d is None else codes[d]
            theirs = program.at[line, "lad_code"]
            theirs = None if pd.isna(theirs) else str(theirs)
            if mine != theirs:
                disagree.append((line, lon, lat, mine, theirs, border_distance(lon, lat, shapes, tree)))
        print(f"{name}: {len(located)} located; shapely: {how['inside']} inside a district, "
              f"{how['snapped']} snapped within 200 m, {how['outside']} outside; "
              f"{len(disagree)} disagreements with stopsearch")
        for line, lon, lat, mine, theirs, dist in disagree:
            print(f"  line {line} ({lat}, {lon}): shapely {mine}, stopsearch {theirs}; "
                  f"{dist:.2f} m from a border")
            if dist > 1.0:
                failures.append(f"{name} line {line}: {mine} v {theirs}, {dist:.1f} m from a border")
    if failures:
        sys.exit("\n".join(failures))
    print("district assignment: agrees with shapely (any difference is on a border)")


def year(out, data):
    codes, names, pfa, shapes, tree = districts()
    index = {c: i for i, c in enumerate(codes)}
    pfa_of_force = {f: c for f, c in cases_pfa().items()}
    force_of_pfa = {c: f for f, c in pfa_of_force.items()}
    # Black and White searches by district (the district's own force only), and months.
    counts = defaultdict(Counter)
    months = Counter()
    points = {}
    files = sorted(Path(data).glob("2*-stop-and-search.csv*"))
    per_file = []
    for path in files:
        month, force = path.name[:7], path.name[8:].split("-stop-and-search")[0]
        if not ("2020-04" <= month <= "2021-03") or force not in pfa_of_force:
            continue
        months[force] += 1
        rows = raw_rows(path)
        per_file.append((force, rows))
        for r in rows:
            if r["Latitude"] and r["Longitude"]:
                points[(float(r["Longitude"]), float(r["Latitude"]))] = None
    keys = list(points)
    for k, p in zip(keys, place(keys, shapes, tree)):
        points[k] = p[1]
    for force, rows in per_file:
        for r in rows:
            if not (r["Latitude"] and r["Longitude"]):
                continue
            d = points[(float(r["Longitude"]), float(r["Latitude"]))]
            if d is None or pfa[d] != pfa_of_force[force]:
                continue
            group = count_raw.broad(r["Self-defined ethnicity"])
            counts[codes[d]][group] += 1
    disparity = pd.read_parquet(Path(out) / "tables" / "disparity.parquet")
    dis = disparity[(disparity.area_type == "local_authority")
                    & (disparity.period_type == "financial_year") & (disparity.period == "2020/21")
                    & (disparity.search_group == "all") & (disparity.power == "all")
                    & (disparity.ethnicity == "Black")]
    top = dis.sort_values(["rate_ratio", "area"], ascending=[False, True]).head(10)
    # Liverpool, Leeds, Birmingham, Bristol, Cardiff.
    chosen = ["E08000012", "E08000035", "E08000025", "E06000023", "W06000015"]
    failures = []
    # A force that published no locations has no district rows at all, never zeros.
    for force in ("nottinghamshire", "south-yorkshire"):
        if (disparity.force == force).any() & (disparity.area_type == "local_authority").any():
            rows = disparity[(disparity.force == force) & (disparity.area_type == "local_authority")]
            if len(rows):
                failures.append(f"{force} published no locations but has {len(rows)} district rows")
    checked = 0
    for code in list(top.area) + chosen:
        row = dis[dis.area == code]
        if row.empty:
            failures.append(f"{code}: no 2020/21 row in disparity")
            continue
        row = row.iloc[0]
        force = force_of_pfa[pfa[index[code]]]
        m = months[force]
        b, w = counts[code]["Black"], counts[code]["White"]
        eb = cases.lad_pop(code, "Black") * m / 12
        ew = cases.lad_pop(code, "White") * m / 12
        ratio, low, high = cases.rate_ratio(b, eb, w, ew)[:3]
        got = (int(row.searches), int(row.reference_searches))
        if got != (b, w):
            failures.append(f"{code}: Black/White searches {got}, from the raw files {(b, w)}")
        for label, mine, theirs in [("ratio", ratio, row.rate_ratio),
                                    ("low", low, row.ratio_ci_low), ("high", high, row.ratio_ci_high)]:
            if mine is None or pd.isna(theirs) or abs(mine - theirs) > 1e-6 * max(abs(mine), 1e-12):
                failures.append(f"{code} {label}: {theirs} v {mine} from the raw files")
        checked += 1
    print(f"{checked} districts recomputed from {len(per_file)} raw files")
    tables = readme_tables(out, top)
    print(tables)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    if tables not in readme:
        failures.append("the README's local-area tables are not those of this run (paste the output above)")
    if failures:
        sys.exit("\n".join(failures))


def cases_pfa():
    """data.police.uk force id → PFA code, from the bundled crosswalk (not the Rust table)."""
    with open(ROOT / "fixtures/population/ho_ss20_totals_ye_mar2025_unverified.csv") as f:
        return {r["force_id"]: r["pfa_code"] for r in csv.DictReader(f) if r["pfa_code"]}


def readme_tables(out, top):
    lc = pd.read_parquet(Path(out) / "tables" / "location_coverage.parquet")
    lc = lc[(lc.period_type == "financial_year") & (lc.period == "2020/21")].sort_values("force")
    lines = ["| force | searches | located | in its own districts | share in districts |",
             "|---|---:|---:|---:|---:|"]
    for r in lc.itertuples():
        share = "–" if pd.isna(r.district_share) else f"{100 * r.district_share:.1f}%"
        lines.append(f"| `{r.force}` | {r.searches:,} | {r.located:,} | {r.in_districts:,} | {share} |")
    lines += ["", "| district | force | Black searches | White searches | rate ratio | 95% interval | flags |",
              "|---|---|---:|---:|---:|---|---|"]
    for r in top.itertuples():
        flags = ", ".join(f for f, on in [("small numbers", r.small_numbers),
                                           ("low location coverage", r.low_location_coverage)] if on)
        lines.append(f"| {r.area_name} (`{r.area}`) | `{r.force}` | {r.searches:,} | "
                     f"{r.reference_searches:,} | {r.rate_ratio:.2f} | "
                     f"{r.ratio_ci_low:.2f}–{r.ratio_ci_high:.2f} | {flags} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "assign":
        assign(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "year":
        year(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
