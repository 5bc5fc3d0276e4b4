#!/usr/bin/env python3
"""Reads a run's Parquet tables with tools journalists use (pyarrow, pandas, DuckDB), not
with polars, and checks them against the independent raw counts in
tests/expected/fixture_counts.json.

Usage: check_output.py OUTPUT_DIR    (after `stopsearch run --out OUTPUT_DIR` on the fixtures)
"""
import json
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[2]
out = Path(sys.argv[1])
tables = out / "tables"
expected = json.loads((ROOT / "tests" / "expected" / "fixture_counts.json").read_text())["files"]

# Every table opens in pyarrow and pandas and documents every column in its metadata.
# The same descriptions are in the Arrow schema, where pyarrow and pandas users look: the
# table's as schema metadata, each column's as its field's.
for path in sorted(tables.glob("*.parquet")):
    meta = pq.read_metadata(path).metadata
    table = pq.read_table(path)
    schema = pq.read_schema(path)
    assert schema.metadata and schema.metadata.get(b"description") == meta[b"stopsearch.description"], \
        f"{path.name}: no table description in the Arrow schema"
    assert schema.metadata.get(b"stopsearch.table") == path.stem.encode(), path.name
    for name in table.column_names:
        key = f"stopsearch.column.{name}".encode()
        assert meta.get(key), f"{path.name}: no description for column {name}"
        field = schema.field(name).metadata or {}
        assert field.get(b"description") == meta[key], \
            f"{path.name}: column {name} has no description in its Arrow field metadata"
    table.to_pandas()
    print(f"{path.name}: {table.num_rows} rows, {table.num_columns} columns, documented "
          f"(key-value and Arrow schema metadata)")

searches = pq.read_table(tables / "searches.parquet").to_pandas()
for file, want in expected.items():
    rows = searches[searches["source_file"] == file]
    assert len(rows) == want["rows"], (file, len(rows), want["rows"])
    got = Counter(rows["outcome_class"].astype(str))
    assert got == Counter(want["outcome_class"]), (file, got, want["outcome_class"])
    eth = Counter(rows["ethnicity"].astype(object).fillna("(empty)").astype(str))
    assert eth == Counter(want["ethnicity"]), (file, eth, want["ethnicity"])
print(f"searches: per-file rows, outcome classes and ethnicity match the raw counts ({len(expected)} files)")

con = duckdb.connect()
total, = con.execute(f"SELECT count(*) FROM '{tables / 'searches.parquet'}'").fetchone()
assert total == sum(f["rows"] for f in expected.values()), total
missing, = con.execute(
    f"SELECT count(*) FROM '{tables / 'coverage.parquet'}' WHERE status = 'missing'"
).fetchone()
submitted, = con.execute(
    f"SELECT count(*) FROM '{tables / 'coverage.parquet'}' WHERE status = 'submitted'"
).fetchone()
assert submitted == len(expected), submitted
print(f"duckdb: {total} searches; coverage {submitted} submitted, {missing} missing")

# Recompute one rate with DuckDB from the row-level table and the Census CSV: Met, 2022-09,
# Black, one month of exposure (population / 12 person-years).
black, = con.execute(
    f"""SELECT count(*) FROM '{tables / 'searches.parquet'}'
        WHERE force = 'metropolitan' AND month = '2022-09' AND ethnicity = 'Black'"""
).fetchone()
population, = con.execute(
    f"""SELECT black FROM read_csv_auto('{ROOT / 'fixtures/population/census2021_population_by_ethnicity_pfa22.csv'}')
        WHERE PFA22CD = 'E23000001'"""
).fetchone()
rate, = con.execute(
    f"""SELECT rate_per_1000 FROM '{tables / 'rates.parquet'}'
        WHERE area = 'metropolitan' AND period = '2022-09' AND search_group = 'all'
        AND power = 'all' AND ethnicity = 'Black'"""
).fetchone()
assert abs(rate - 1000 * black / (population / 12)) < 1e-9, (rate, black, population)
print(f"rates: Met 2022-09 Black {black} / ({population} / 12) x 1000 = {rate:.4f}, as DuckDB recomputes")

manifest = json.loads((out / "manifest.json").read_text())
for s in manifest["sources"]:
    assert s["rows_read"] == s["rows_kept"] + s["rows_rejected"], s
print("manifest: rows read = kept + rejected for every source")
