#!/usr/bin/env python3
"""Writes the measured part of BENCHMARKS.md from bench/run.sh's results: the table of
measurements, the ratios against the goals, the cost against rows (with bench/linear.svg), and
the stage-by-stage breakdown of a cold run from its debug log. Replaces what lies between the
`<!-- bench:start -->` and `<!-- bench:end -->` markers; the prose around them is kept.

Usage: report.py RESULTS.json STAGES.log MANIFEST.json BENCHMARKS.md
"""
import json
import re
import sys

results_path, log_path, manifest_path, doc_path = sys.argv[1:5]
r = json.load(open(results_path))
manifest = json.load(open(manifest_path))
totals = manifest["totals"]

LABELS = {
    "floor": "floor (polars: every column of every CSV to one zstd Parquet)",
    "stopsearch_cold": "stopsearch cold, local areas on (empty cache)",
    "stopsearch_monthly": "stopsearch monthly run (one new month, 44 files: its periods made again)",
    "stopsearch_unchanged": "stopsearch rerun with nothing new",
    "stopsearch_tables_from_cache": "stopsearch every table rebuilt, parse from the cache",
    "stopsearch_tables_and_charts_from_cache": "the same with charts, CSV twins and report",
    "duckdb": "DuckDB (by force: rates and disparity)",
    "stopsearch_cold_no_cache": "stopsearch cold, --no-cache",
    "stopsearch_cold_without_boundaries": "stopsearch cold, no local areas",
    "stopsearch_cold_1000000": "stopsearch cold, 1 M rows",
    "stopsearch_cold_3000000": "stopsearch cold, 3 M rows",
}


def secs(k):
    return r[k]["median_seconds"]


lines = []
add = lines.append
add(
    f"Measured {r['date']} on {r['cores']} cores ({r['cpu']}), median of {r['rounds']} "
    f"round(s); peak memory is the largest of the rounds. Data: {r['rows']:,} synthetic rows "
    f"requested, {totals['rows_read']:,} read ({totals['rows_kept']:,} kept, "
    f"{totals['rows_rejected']:,} deliberately malformed rows rejected), {r['files']:,} files "
    f"with the held-back month, {r['bytes'] / 1e9:.2f} GB of CSV."
)
add("")
add("| measurement | median s | peak MiB | runs (s) |")
add("|---|---:|---:|---|")
for k, label in LABELS.items():
    if k in r:
        runs = " ".join(f"{x:.2f}" for x in r[k]["runs"])
        add(f"| {label} | {secs(k):.2f} | {r[k]['peak_mib']:,} | {runs} |")
add("")

stopsearch_peak = max(v["peak_mib"] for k, v in r.items()
                      if isinstance(v, dict) and k.startswith("stopsearch"))
charts = secs("stopsearch_tables_and_charts_from_cache") - secs("stopsearch_tables_from_cache")
goals = [
    ("cold / floor", f"{secs('stopsearch_cold') / secs('floor'):.2f}", "≤ 1.5",
     secs("stopsearch_cold") / secs("floor") <= 1.5),
    ("cold / DuckDB", f"{secs('stopsearch_cold') / secs('duckdb'):.2f}", "≤ 0.7",
     secs("stopsearch_cold") / secs("duckdb") <= 0.7),
    ("monthly run", f"{secs('stopsearch_monthly'):.2f} s", "≤ 2 s",
     secs("stopsearch_monthly") <= 2),
    ("rerun with nothing new", f"{secs('stopsearch_unchanged'):.2f} s", "≤ 1 s",
     secs("stopsearch_unchanged") <= 1),
    ("charts, CSV twins and report / cold", f"{charts / secs('stopsearch_cold'):.0%} ({charts:.1f} s)",
     "≤ 30%", charts / secs("stopsearch_cold") <= 0.3),
    ("peak memory (any stopsearch run)", f"{stopsearch_peak:,} MiB", "≤ 1,024 MiB",
     stopsearch_peak <= 1024),
    ("cold with / without local areas",
     f"{secs('stopsearch_cold') / secs('stopsearch_cold_without_boundaries'):.2f}", "≤ 1.25",
     secs("stopsearch_cold") / secs("stopsearch_cold_without_boundaries") <= 1.25),
]
add("| goal | measured | target | met |")
add("|---|---:|---:|---|")
for name, value, target, met in goals:
    add(f"| {name} | {value} | {target} | {'yes' if met else '**no**'} |")
add("")

# Cost against rows: a least-squares line through the three cold runs.
points = [(1.0, secs("stopsearch_cold_1000000")), (3.0, secs("stopsearch_cold_3000000")),
          (r["rows"] / 1e6, secs("stopsearch_cold"))]
n = len(points)
mx = sum(x for x, _ in points) / n
my = sum(y for _, y in points) / n
slope = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)
fixed = my - slope * mx
worst = max(abs(y - (fixed + slope * x)) for x, y in points)
add(
    f"Cost against rows (cold, local areas on): "
    + ", ".join(f"{x:g} M rows {y:.1f} s" for x, y in points)
    + f"; the line through them is {fixed:.1f} s + {slope:.2f} s per million rows (largest "
    f"distance from it {worst:.1f} s), drawn in [bench/linear.svg](bench/linear.svg)."
)
add("")

W, H, P = 480, 300, 50
xmax = max(x for x, _ in points) * 1.1
ymax = max(y for _, y in points) * 1.2
sx = lambda x: P + x / xmax * (W - 2 * P)
sy = lambda y: H - P - y / ymax * (H - 2 * P)
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<line x1="{P}" y1="{H - P}" x2="{W - P}" y2="{H - P}" stroke="black"/>',
       f'<line x1="{P}" y1="{H - P}" x2="{P}" y2="{P}" stroke="black"/>',
       f'<text x="{W / 2}" y="{H - 12}" text-anchor="middle">rows (millions, synthetic)</text>',
       f'<text x="14" y="{H / 2}" text-anchor="middle" transform="rotate(-90 14 {H / 2})">cold run, seconds</text>',
       f'<line x1="{sx(0):.1f}" y1="{sy(fixed):.1f}" x2="{sx(xmax):.1f}" y2="{sy(fixed + slope * xmax):.1f}" stroke="#999" stroke-dasharray="4 3"/>']
for x, y in points:
    svg.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="4" fill="#1f4e79"/>')
    svg.append(f'<text x="{sx(x) + 6:.1f}" y="{sy(y) - 6:.1f}">{y:.1f} s</text>')
for t in range(0, int(xmax) + 1):
    svg.append(f'<text x="{sx(t):.1f}" y="{H - P + 16}" text-anchor="middle">{t}</text>')
step = max(1, round(ymax / 5 / 10) * 10)
for t in range(0, int(ymax) + 1, step):
    svg.append(f'<text x="{P - 6}" y="{sy(t) + 4:.1f}" text-anchor="end">{t}</text>')
svg.append("</svg>")
open("bench/linear.svg", "w").write("\n".join(svg) + "\n")

# Stages of the cold run, from its debug log.
def seconds(text):
    m = re.match(r"([\d.]+)(ns|µs|us|ms|s)$", text)
    v = float(m.group(1))
    return v * {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}[m.group(2)]


queries = {}
order = []
marks = {}
writes = {}
for line in open(log_path, encoding="utf-8"):
    m = re.search(r"elapsed=(\S+)", line)
    if not m:
        continue
    e = seconds(m.group(1))
    q = re.search(r"query=(\S+)", line)
    t = re.search(r"table=(\S+)", line)
    rows = re.search(r"rows=(\d+)", line)
    if q:
        name = q.group(1)
        if name not in queries:
            queries[name] = {"rows": 0, "ran": 0.0, "sorted": 0.0, "statistics": 0.0}
            order.append(name)
        if " ran " in line:
            queries[name]["ran"] += e
            queries[name]["rows"] = int(rows.group(1)) if rows else 0
        elif "sorted" in line:
            queries[name]["sorted"] += e
        elif "statistics added" in line:
            queries[name]["statistics"] += e
    elif t and "wrote Parquet" in line:
        writes[t.group(1)] = e
    else:
        for key in ("read inputs", "ingested", "normalised", "aggregate tables built", "run complete"):
            if key in line:
                marks[key] = e

add("Stages of one more cold run (`-v` log; times since the start of the run):")
add("")
add("| stage | s |")
add("|---|---:|")
prev = 0.0
for key, label in [("ingested", "discover, read, hash, parse, write the parse cache"),
                   ("normalised", "boundaries, place the points, normalise, the searches frame"),
                   ("aggregate tables built", "every table: queries, sort, statistics, Parquet"),
                   ("run complete", "manifest and publish")]:
    if key in marks:
        add(f"| {label} | {marks[key] - prev:.1f} |")
        prev = marks[key]
add(f"| of which: writing `searches.parquet` (beside the queries, on its own thread) | {writes.get('searches', 0):.1f} |")
add("")
add("Each query (helpers start with `_`; the tables are written on a thread of their own while "
    "the next query runs):")
add("")
add("| query | rows | SQL s | sort and areas s | statistics s | Parquet s |")
add("|---|---:|---:|---:|---:|---:|")
tot = [0.0, 0.0, 0.0, 0.0]
for name in order:
    q = queries[name]
    w = writes.get(name, 0.0)
    tot = [tot[0] + q["ran"], tot[1] + q["sorted"], tot[2] + q["statistics"], tot[3] + w]
    add(f"| {name} | {q['rows']:,} | {q['ran']:.2f} | {q['sorted']:.2f} | {q['statistics']:.2f} | {w:.2f} |")
add(f"| **all** | | **{tot[0]:.1f}** | **{tot[1]:.1f}** | **{tot[2]:.1f}** | **{tot[3]:.1f}** |")

doc = open(doc_path, encoding="utf-8").read()
start, end = "<!-- bench:start -->", "<!-- bench:end -->"
if start not in doc or end not in doc:
    sys.exit(f"{doc_path} has no {start} … {end} markers")
head, rest = doc.split(start, 1)
_, tail = rest.split(end, 1)
open(doc_path, "w", encoding="utf-8").write(head + start + "\n" + "\n".join(lines) + "\n" + end + tail)
print(f"wrote the measured part of {doc_path} and bench/linear.svg")
