#!/usr/bin/env bash
# The benchmark harness: generates the full-archive scale set once (SYNTHETIC data, from
# `stopsearch synth`, its searches placed inside their force areas from the ONS boundaries in
# ../shared), then measures in one session, with wall time and peak memory:
#   (a) the floor: polars reading every column of the CSVs and writing one zstd Parquet;
#   (b) stopsearch run --no-charts --boundaries, cold (empty cache): every table, by force
#       and by local authority;
#   (c) the same after one new month is added (the monthly run: only the periods the month
#       touches are made again, the rest read back from the published tables);
#   (d) a rerun with nothing new, and a rerun after one file is touched (every table rebuilt
#       from the parse cache), without and with the charts and report;
#   (e) DuckDB doing the by-force part of the job (bench/duckdb_job.py);
#   (f) stopsearch cold without --cache, without boundaries, and at 1 M and 3 M rows.
# Each is repeated in rounds (REPEAT, default 3); prints the medians and the ratios, writes
# bench/results.json and the stage-by-stage breakdown of the last cold run, and rewrites the
# measured part of BENCHMARKS.md (between its bench:start and bench:end markers).
# Usage: bash bench/run.sh [ROWS]   (default 6000000)
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-6000000}"
work="${BENCH_DIR:-$HOME/.cache/stopsearch-bench}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/stopsearch-target}"
mkdir -p "$work"
bgc=../shared/data/geography/lad22_ew_bgc.geojson.gz
[ -f "$bgc" ] || { echo "bench: $bgc is missing (the ONS boundaries the benchmark places searches in)" >&2; exit 2; }
bgc=$(realpath "$bgc")

venv="$work/venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check duckdb polars
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/stopsearch"
from=2014-12; to=2026-02; last=2026-02

generate() { # rows dir
    local how="synth --rows $1 --from $from --to $to --seed 1 --boundaries lad22_ew_bgc"
    if [ "$(cat "$2/GENERATED-WITH" 2>/dev/null)" != "$how" ]; then
        rm -rf "$2"
        "$bin" synth --rows "$1" --from "$from" --to "$to" --seed 1 --boundaries "$bgc" --out "$2" -q
        echo "$how" >"$2/GENERATED-WITH"
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

# A new modification time for one file, its bytes unchanged: the next run cannot stand on
# the last one's output and rebuilds every table, parsing only from the cache.
touch_one() { touch "$(find "$1" -name '*.csv' | sort | head -1)"; }

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

run_args=(--no-charts --boundaries "$bgc" -q)
for round in $(seq "$repeat"); do
    echo "round $round of $repeat"
    rm -f "$work/floor.parquet"
    record floor "$venv/bin/python" bench/floor.py "$work/run" "$work/floor.parquet"
    rm -rf "$work/out" "$work/.out.cache"
    record stopsearch_cold "$bin" run "$work/run" --out "$work/out" "${run_args[@]}"
    # One new month arrives: its files are parsed, the rest come from the cache.
    cp -al "$full/$last" "$work/run/$last"
    record stopsearch_monthly "$bin" run "$work/run" --out "$work/out" "${run_args[@]}"
    record stopsearch_unchanged "$bin" run "$work/run" --out "$work/out" "${run_args[@]}"
    rm -rf "$work/run/$last"
    touch_one "$work/run"
    # Without the record of the force-months behind the published tables, every table is
    # made again (from the parse cache), not only the periods of the month taken out.
    rm -f "$work/.out.cache/last-tables.json"
    record stopsearch_tables_from_cache "$bin" run "$work/run" --out "$work/out" "${run_args[@]}"
    rm -f "$work/.out.cache/last-tables.json"
    record stopsearch_tables_and_charts_from_cache "$bin" run "$work/run" --out "$work/out" --boundaries "$bgc" -q
    rm -rf "$work/duck" && mkdir -p "$work/duck"
    record duckdb "$venv/bin/python" bench/duckdb_job.py "$work/run" "$work/duck" "$population" "$work/forces.csv"
    rm -rf "$work/out-nocache"
    record stopsearch_cold_no_cache "$bin" run "$work/run" --out "$work/out-nocache" "${run_args[@]}" --no-cache
    rm -rf "$work/out-nob" "$work/.out-nob.cache"
    record stopsearch_cold_without_boundaries "$bin" run "$work/run" --out "$work/out-nob" --no-charts -q
    for n in 1000000 3000000; do
        rm -rf "$work/out-$n" "$work/.out-$n.cache"
        record "stopsearch_cold_${n}" "$bin" run "$work/data-$n" --out "$work/out-$n" "${run_args[@]}"
    done
done

# The stages of one more cold run, from its debug log.
rm -rf "$work/out" "$work/.out.cache"
"$bin" run "$work/run" --out "$work/out" --no-charts --boundaries "$bgc" -v >"$work/stages.log" 2>&1

declare -A secs mib
echo
printf '%-34s %10s %10s   %s\n' measurement "median s" "peak MiB" "all runs (s)"
for k in "${names[@]}"; do
    secs[$k]=$(echo "${times[$k]}" | median)
    mib[$k]=$(echo "${mems[$k]}" | largest)
    printf '%-34s %10s %10s  %s\n' "$k" "${secs[$k]}" "${mib[$k]}" "${times[$k]}"
done

{
    echo "{"
    echo "  \"rows\": $rows, \"files\": $files, \"bytes\": $bytes, \"cores\": $(nproc), \"rounds\": $repeat,"
    echo "  \"date\": \"$(date -u +%Y-%m-%d)\", \"cpu\": \"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)\","
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
"$venv/bin/python" bench/report.py bench/results.json "$work/stages.log" "$work/out/manifest.json" BENCHMARKS.md
