#!/usr/bin/env bash
# Coverage-guided fuzzing of the readers: bash fuzz/run.sh SECONDS [TARGET...]
#
# Installs cargo-fuzz if missing, builds the targets (stable Rust, no sanitizer), then runs each
# target for SECONDS, one after another, starting from its working corpus (fuzz/corpus/TARGET,
# kept between runs, with the committed seeds and regressions copied in). Prints per target the
# executions, exec/s, corpus size and whether anything was found; exits 1 if any target found a
# crash, timeout or out-of-memory input (its path is printed), 2 on a usage or build error.
# After a clean run the working corpus is minimised (cargo fuzz cmin).
#
# Environment: FUZZ_TARGET_DIR (the build folder, default $HOME/.cache/stopsearch-fuzz; an
# inherited CARGO_TARGET_DIR is ignored, since CI exports the main build's), FUZZ_MAX_LEN
# (65536), FUZZ_RSS_MB (2048), FUZZ_TIMEOUT (seconds on one input before it is a hang: 10).
set -euo pipefail

usage() {
    echo "usage: bash fuzz/run.sh SECONDS [csv|json|gzip|zip ...]" >&2
    exit 2
}
[[ $# -ge 1 && $1 =~ ^[0-9]+$ && $1 -gt 0 ]] || usage
seconds=$1
shift
all_targets=(csv json gzip zip)
targets=("${@:-${all_targets[@]}}")
for t in "${targets[@]}"; do
    [[ " ${all_targets[*]} " == *" $t "* ]] || usage
done

fuzz_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$fuzz_dir")
cd "$root"

# Never the main build's folder: other RUSTFLAGS there would rebuild everything each time.
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-$HOME/.cache/stopsearch-fuzz}
max_len=${FUZZ_MAX_LEN:-65536}
rss_mb=${FUZZ_RSS_MB:-2048}
timeout=${FUZZ_TIMEOUT:-10}
cargo_fuzz_version=0.13.2

# --- tools -------------------------------------------------------------------------------------
# libfuzzer-sys compiles libFuzzer (C++) in its build script.
if ! command -v c++ >/dev/null 2>&1; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "run.sh: installing g++ (needed to compile libFuzzer)"
        apt-get update -qq && apt-get install -y -qq g++ >/dev/null
    else
        echo "run.sh: a C++ compiler (g++ or clang++) is needed to build libFuzzer" >&2
        exit 2
    fi
fi
if [[ $(cargo fuzz --version 2>/dev/null) != "cargo-fuzz $cargo_fuzz_version" ]]; then
    echo "run.sh: installing cargo-fuzz $cargo_fuzz_version (about a minute)"
    cargo install cargo-fuzz --version "$cargo_fuzz_version" --locked --quiet
fi

# --- build -------------------------------------------------------------------------------------
# No sanitizer: `-Zsanitizer` is nightly-only, and without it cargo-fuzz passes only stable
# flags (sancov passes through -Cllvm-args), so stable Rust builds the targets. Safe Rust turns
# memory errors into panics anyway; debug assertions add overflow checks. 16 codegen units
# instead of cargo-fuzz's 1 halve the first build (about 1m40 instead of 3m20 on 2 cores) and,
# measured here, cost no executions per second.
fuzz_flags=(--sanitizer none --debug-assertions --codegen-units 16)
echo "run.sh: building ${targets[*]} (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
build_start=$SECONDS
mkdir -p "$fuzz_dir/artifacts/logs"
build_log=$fuzz_dir/artifacts/logs/build.log
if ! cargo fuzz build "${fuzz_flags[@]}" >"$build_log" 2>&1; then
    tail -40 "$build_log" >&2
    echo "run.sh: build failed (full log: $build_log)" >&2
    exit 2
fi
echo "run.sh: built in $((SECONDS - build_start)) s"

# --- run ---------------------------------------------------------------------------------------
# The gzip and zip targets write each input to a file here: memory when /dev/shm exists.
scratch_base=/dev/shm
[[ -d $scratch_base && -w $scratch_base ]] || scratch_base=${TMPDIR:-/tmp}
scratch=$(mktemp -d "$scratch_base/stopsearch-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
export STOPSEARCH_FUZZ_SCRATCH=$scratch
log_dir=$fuzz_dir/artifacts/logs

stat() { # stat NAME LOG: a libFuzzer final statistic
    sed -n "s/^stat::$1: *//p" "$2" | tail -1 || true
}

failed=0
summary=()
for t in "${targets[@]}"; do
    corpus=$fuzz_dir/corpus/$t
    mkdir -p "$corpus" "$fuzz_dir/artifacts/$t"
    # Seeds, and saved reproducers of past findings (replayed first, like every corpus input).
    cp -n "$fuzz_dir/seeds/$t/"* "$corpus/" 2>/dev/null || true
    cp -n "$fuzz_dir/regressions/$t/"* "$corpus/" 2>/dev/null || true
    before=$(find "$corpus" -type f | wc -l)
    dict=()
    [[ -f $fuzz_dir/dict/$t.dict ]] && dict=("-dict=$fuzz_dir/dict/$t.dict")
    log=$log_dir/$t.log
    echo "run.sh: fuzzing $t for $seconds s (corpus $before inputs, log $log)"
    status=0
    cargo fuzz run "${fuzz_flags[@]}" "$t" "$corpus" -- \
        -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb="$rss_mb" \
        -timeout="$timeout" -print_final_stats=1 "${dict[@]}" >"$log" 2>&1 || status=$?
    if [[ $status -eq 0 ]]; then
        # Merge the corpus down to the inputs that add coverage (seconds; long runs otherwise
        # leave tens of thousands of files).
        cargo fuzz cmin "${fuzz_flags[@]}" "$t" "$corpus" -- -max_len="$max_len" \
            -rss_limit_mb="$rss_mb" -timeout="$timeout" >"$log_dir/$t.cmin.log" 2>&1 ||
            echo "run.sh: $t: corpus minimisation failed (see $log_dir/$t.cmin.log)" >&2
    fi
    runs=$(stat number_of_executed_units "$log")
    rate=$(stat average_exec_per_sec "$log")
    added=$(stat new_units_added "$log")
    rss=$(stat peak_rss_mb "$log")
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2 || true)
    # libFuzzer's own corpus at the end (inputs kept in memory / their total size).
    corp=$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -1 | cut -d' ' -f2 || true)
    after=$(find "$corpus" -type f | wc -l)
    artifacts=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" || true)
    if [[ $status -ne 0 ]]; then
        failed=1
        # The panic's message (the line after "panicked at"), else libFuzzer's verdict.
        what=$(grep -m1 -A1 'panicked at' "$log" | tail -1 | cut -c1-160 || true)
        [[ -n $what ]] || what=$(grep -m1 -oE 'ERROR: libFuzzer: [a-z-]+' "$log" || echo "exit $status")
        found="FOUND: $what"
        echo "----- $t: last lines of $log" >&2
        grep -E -A12 'panicked at|ERROR: libFuzzer' "$log" | head -40 >&2 || tail -30 "$log" >&2
        [[ -n $artifacts ]] && echo "$t: reproducer: $artifacts" >&2
        echo "$t: reproduce with: cargo fuzz run ${fuzz_flags[*]} $t <reproducer>" >&2
    else
        found="nothing"
    fi
    summary+=("$(printf '%-5s %6ss %12s %8s %6s %13s %12s %7s  %s' "$t" "$seconds" \
        "${runs:-?}" "${rate:-?}" "${cov:-?}" "${corp:-?}" "$before->$after" "${rss:-?}MB" \
        "$found")")
    echo "run.sh: $t: ${runs:-?} executions, ${rate:-?} exec/s, ${added:-0} new inputs, $found"
done

echo
printf '%-5s %7s %12s %8s %6s %13s %12s %7s  %s\n' target time executions exec/s cov \
    corpus corpus-files rss findings
printf '%s\n' "${summary[@]}"
exit $failed
