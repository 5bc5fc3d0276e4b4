#!/usr/bin/env python3
"""The floor: polars reading every column of the CSVs and writing them to one zstd Parquet.

Usage: floor.py DATA_DIR OUT.parquet
"""
import sys
import polars as pl

data, out = sys.argv[1], sys.argv[2]
schema = {
    "Type": pl.String,
    "Date": pl.String,
    "Part of a policing operation": pl.String,
    "Policing operation": pl.String,
    "Latitude": pl.Float64,
    "Longitude": pl.Float64,
    "Gender": pl.String,
    "Age range": pl.String,
    "Self-defined ethnicity": pl.String,
    "Officer-defined ethnicity": pl.String,
    "Legislation": pl.String,
    "Object of search": pl.String,
    "Outcome": pl.String,
    "Outcome linked to object of search": pl.String,
    "Removal of more than just outer clothing": pl.String,
}
(
    pl.scan_csv(
        f"{data}/*/*-stop-and-search.csv",
        schema=schema,
        truncate_ragged_lines=True,
        ignore_errors=True,
        include_file_paths="source_file",
    ).sink_parquet(out, compression="zstd")
)
print(pl.scan_parquet(out).select(pl.len()).collect().item(), "rows")
