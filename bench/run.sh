#!/usr/bin/env bash
# The benchmark harness: generates the full-archive scale set once (SYNTHETIC data, from
# `stopsearch synth`), then measures in one session, with wall time and peak memory:
#   (a) the floor: polars reading every column of the CSVs and writing one zstd Parquet;
#   (b) stopsearch run --no-charts, cold (empty cache);
#   (c) the same, warm, after one new month is added;
#   (d) DuckDB doing the same job (bench/duckdb_job.py);
#   (e) stopsearch cold at 1M, 3M and 6M rows;
#   and a run with nothing new, with and without charts, to time the charts and report alone.
# Each is repeated in rounds (REPEAT, default 3); prints the medians, the ratios
# stopsearch/DuckDB and stopsearch/floor, and writes bench/results.json.
# Usage: bash bench/run.sh [ROWS]   (default 6000000)
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-6000000}"
work="${BENCH_DIR:-$HOME/.cache/stopsearch-bench}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/stopsearch-target}"
mkdir -p "$work"

venv="$work/venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check duckdb polars
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/stopsearch"
from=2014-12; to=2026-02; last=2026-02

generate() { # rows dir
    if [ ! -f "$2/SYNTHETIC-DATA-README.txt" ]; then
        rm -rf "$2"
        "$bin" synth --rows "$1" --from "$from" --to "$to" --seed 1 --out "$2" -q
    fi
}

# Wall seconds and peak RSS (MiB) of a command: "seconds mib".
measure() {
    /usr/bin/time -o "$work/time.txt" -f '%e %M' "$@" >"$work/last.log" 2>&1 ||
        { cat "$work/last.log" >&2; return 1; }
    awk '{ printf "%.2f %.0f\n", $1, $2 / 1024 }' "$work/time.txt"
}

# The set without its last month (hard links, no copy), to add that month later.
split_last() { # full dir → all-but-last dir
    rm -rf "$2"
    mkdir -p "$2"
    for m in "$1"/*/; do
        name=$(basename "$m")
        [ "$name" = "$last" ] || cp -al "$m" "$2/$name"
    done
}

# Each measurement is repeated (REPEAT, default 3) in rounds, every system once per round, so a
# machine that speeds up or slows down during the session affects all of them alike; the table
# gives the median time and the largest peak memory.
repeat="${REPEAT:-3}"
declare -A times mems
names=()
record() { # name command...
    local s m
    read -r s m <<<"$(measure "${@:2}")"
    [ -n "${times[$1]:-}" ] || names+=("$1")
    times[$1]="${times[$1]:-} $s"
    mems[$1]="${mems[$1]:-} $m"
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
largest() { tr ' ' '\n' | grep -v '^$' | sort -g | tail -1; }

sed 's/^british-transport-police,/btp,/' fixtures/population/ho_ss20_totals_ye_mar2025_unverified.csv >"$work/forces.csv"
population=fixtures/population/census2021_population_by_ethnicity_pfa22.csv

for n in 1000000 3000000 "$rows"; do
    generate "$n" "$work/data-$n"
done
full="$work/data-$rows"
files=$(find "$full" -name '*.csv' | wc -l)
bytes=$(du -sb "$full" | cut -f1)
echo "data set: $rows rows, $files files, $bytes bytes (SYNTHETIC); $repeat rounds"
split_last "$full" "$work/run"

for round in $(seq "$repeat"); do
    echo "round $round of $repeat"
    rm -f "$work/floor.parquet"
    record floor "$venv/bin/python" bench/floor.py "$work/run" "$work/floor.parquet"
    rm -rf "$work/out"
    record stopsearch_cold "$bin" run "$work/run" --out "$work/out" --no-charts -q
    # One new month arrives: its files are parsed, the rest come from the cache.
    cp -al "$full/$last" "$work/run/$last"
    record stopsearch_warm "$bin" run "$work/run" --out "$work/out" --no-charts -q
    rm -rf "$work/run/$last" "$work/out/.cache/v1/$last"-*.parquet
    # Nothing new: every file from the cache; then the same with charts and the report.
    record stopsearch_unchanged "$bin" run "$work/run" --out "$work/out" --no-charts -q
    record stopsearch_unchanged_with_charts "$bin" run "$work/run" --out "$work/out" -q
    rm -rf "$work/duck" && mkdir -p "$work/duck"
    record duckdb "$venv/bin/python" bench/duckdb_job.py "$work/run" "$work/duck" "$population" "$work/forces.csv"
    rm -rf "$work/out-nocache"
    record stopsearch_cold_no_cache "$bin" run "$work/run" --out "$work/out-nocache" --no-charts --no-cache -q
    for n in 1000000 3000000; do
        rm -rf "$work/out-$n"
        record "stopsearch_cold_${n}" "$bin" run "$work/data-$n" --out "$work/out-$n" --no-charts -q
    done
done

declare -A secs mib
echo
printf '%-34s %10s %10s   %s\n' measurement "median s" "peak MiB" "all runs (s)"
for k in "${names[@]}"; do
    secs[$k]=$(echo "${times[$k]}" | median)
    mib[$k]=$(echo "${mems[$k]}" | largest)
    printf '%-34s %10s %10s  %s\n' "$k" "${secs[$k]}" "${mib[$k]}" "${times[$k]}"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "stopsearch cold / DuckDB:  $(ratio "${secs[stopsearch_cold]}" "${secs[duckdb]}")"
echo "stopsearch cold / floor:   $(ratio "${secs[stopsearch_cold]}" "${secs[floor]}")"
echo "stopsearch cold (no cache) / DuckDB: $(ratio "${secs[stopsearch_cold_no_cache]}" "${secs[duckdb]}")"
echo "stopsearch cold (no cache) / floor:  $(ratio "${secs[stopsearch_cold_no_cache]}" "${secs[floor]}")"
echo "stopsearch warm / DuckDB:  $(ratio "${secs[stopsearch_warm]}" "${secs[duckdb]}")"
echo "charts, CSV twins and report: $(awk -v a="${secs[stopsearch_unchanged_with_charts]}" -v b="${secs[stopsearch_unchanged]}" 'BEGIN { printf "%.2f", a - b }') s"

{
    echo "{"
    echo "  \"rows\": $rows, \"files\": $files, \"bytes\": $bytes, \"cores\": $(nproc), \"rounds\": $repeat,"
    first=1
    for k in "${names[@]}"; do
        [ $first = 1 ] || echo ","
        first=0
        printf '  "%s": {"median_seconds": %s, "peak_mib": %s, "runs": [%s]}' "$k" "${secs[$k]}" "${mib[$k]}" "$(echo ${times[$k]} | tr ' ' ',')"
    done
    echo
    echo "}"
} >bench/results.json
echo "wrote bench/results.json"
