#!/usr/bin/env bash
# Wall time of `scripts/test`, the one command that runs every test, as a developer meets it:
# from a clean clone (every dependency compiled), then again after touching one file of the
# protocol core (src/scim/filter/mod.rs), the edit-and-retest loop. Several git revisions are
# measured side by side, alternating, so that before and after see the same machine and load.
#
# Usage: bench/test-time.sh [REV...]     (default: 15ffac1 HEAD, about 20 minutes on 2 quiet cores)
#
# 15ffac1 is the last commit whose integration tests were one binary per file; issue 12 (item 8)
# asks the one-binary layout for at least 30% less wall time than it, from a clean clone and
# after a touch. With exactly two revisions, the second is judged against the first on both and
# the results go into docs/benchmarks.md (between the test-time-results markers); exit 1 when a
# target is missed. Other counts of revisions print their figures only.
#
# Each revision gets a fresh clone in a scratch directory with its own CARGO_TARGET_DIR (several
# GB each, all kept until the end, then deleted). The cold run of every revision comes first,
# then BENCH_ROUNDS (default 1) rounds of one touched run per revision. The cargo registry is
# shared (its downloads are not timed: `cargo fetch` runs before the clock starts). The
# headless-browser tests run when /usr/bin/chromium is there and are skipped otherwise or with
# SCIMCTL_SKIP_BROWSER=1; the interop tests use this checkout's .venv, linked into each clone,
# or are skipped when there is none or SCIMCTL_SKIP_INTEROP=1. Either skip is said on stderr
# and in the results. BENCH_KEEP_LOGS=DIR copies each run's log into DIR. Not run by CI.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
(($#)) || set -- 15ffac1 HEAD

rounds="${BENCH_ROUNDS:-1}"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a whole number of rounds, 1 or more"
[[ -x /usr/bin/time ]] || apt_install time /usr/bin/time

skipped=()
if [[ "${SCIMCTL_SKIP_BROWSER:-}" == 1 || ! -x /usr/bin/chromium ]]; then
    export SCIMCTL_SKIP_BROWSER=1
    skipped+=("the headless-browser tests (SCIMCTL_SKIP_BROWSER=1)")
fi
unset CARGO_TARGET_DIR RUSTC_WRAPPER CARGO_BUILD_RUSTC_WRAPPER
test_venv="$(readlink -f "$repo/.venv" 2>/dev/null || true)"
if [[ "${SCIMCTL_SKIP_INTEROP:-}" == 1 || ! -x "$test_venv/bin/python" ]]; then
    export SCIMCTL_SKIP_INTEROP=1
    skipped+=("the interop tests (SCIMCTL_SKIP_INTEROP=1)")
fi
for skip in "${skipped[@]}"; do
    say "skipped: $skip"
done

# Runs scripts/test in clone $1, logging to $2; prints "WALL CPU STATUS": seconds of wall time,
# seconds of CPU time (user and system, of scripts/test and everything it waited for, which
# other work on the machine changes far less than the wall time), and the exit status.
timed_test() {
    local clone="$1" log="$2" status=0
    (cd "$clone" && CARGO_TARGET_DIR="$clone/target" \
        /usr/bin/time -f '%e %U %S' -o "$log.time" bash scripts/test) >"$log" 2>&1 || status=$?
    tail -n 1 "$log.time" | awk -v st="$status" '{ printf "%.1f %.1f %s\n", $1, $2 + $3, st }'
}

# One clone per revision, ready to test: checked out, the venv linked, dependencies fetched.
revs=("$@")
commits=()
for i in "${!revs[@]}"; do
    commit="$(git -C "$repo" rev-parse --verify --quiet "${revs[$i]}^{commit}")" ||
        die "unknown revision ${revs[$i]}"
    commits+=("$commit")
    clone="$work/clone-$i"
    git clone --quiet --no-checkout "$repo" "$clone"
    git -C "$clone" checkout --quiet --detach "$commit"
    if [[ "${SCIMCTL_SKIP_INTEROP:-}" != 1 ]]; then
        ln -s "$test_venv" "$clone/.venv"
    fi
    (cd "$clone" && cargo fetch --locked --quiet)
done

# Every run, a tab-separated row: revision index, run (cold, touched-N), wall s, CPU s, exit
# status, load before, load after.
runs_tsv="$work/runs.tsv"
: >"$runs_tsv"
sizes=()

# Runs scripts/test once in the clone of revision $1, as run $2.
measure() {
    local i="$1" run="$2" clone="$work/clone-$1" before seconds cpu status
    local log="$work/${commits[$i]:0:9}-$run.log"
    [[ "$run" == cold ]] || touch "$clone/src/scim/filter/mod.rs"
    before="$(load_average)"
    read -r seconds cpu status < <(timed_test "$clone" "$log")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$i" "$run" "$seconds" "$cpu" "$status" "$before" \
        "$(load_average)" >>"$runs_tsv"
    say "${revs[$i]} $run: ${seconds} s wall, ${cpu} s CPU, exit $status"
    if [[ "$run" == cold ]]; then
        sizes[i]="$(du -sh "$clone/target" 2>/dev/null | cut -f1 || echo nothing)"
    fi
    if [[ -n "${BENCH_KEEP_LOGS:-}" ]]; then
        mkdir -p "$BENCH_KEEP_LOGS"
        cp "$log" "$BENCH_KEEP_LOGS/"
    fi
    if [[ "$status" != 0 ]]; then
        say "${revs[$i]} $run: $(grep 'scripts/test:' "$log" | tail -1)"
    fi
}

for i in "${!revs[@]}"; do
    measure "$i" cold
done
for ((round = 1; round <= rounds; round++)); do
    for i in "${!revs[@]}"; do
        measure "$i" "touched-$round"
    done
done

# The change from $1 to $2, in percent with a sign: -18.8%.
change() { python3 -c "print(f'{($2 - $1) / max($1, 1e-9) * 100:+.1f}%')"; }

# The mean of column $3 (3: wall, 4: CPU) over the runs of revision $1 whose name starts with
# $2 (cold, touched).
mean() {
    awk -F '\t' -v i="$1" -v run="$2" -v col="$3" \
        '$1 == i && index($2, run) == 1 { sum += $col; n++ } END { printf "%.1f", sum / n }' \
        "$runs_tsv"
}

{
    run_header "$(cargo --version)" "${BENCH_ROUNDS:+BENCH_ROUNDS=$BENCH_ROUNDS }bench/test-time.sh ${revs[*]}"
    echo
    if ((${#skipped[@]})); then
        echo "Skipped: $(printf '%s, ' "${skipped[@]}" | sed 's/, $//')."
        echo
    fi
    echo "| Revision | Commit | Run | Wall | CPU | Exit | Load before | Load after |"
    echo "|---|---|---|---:|---:|---:|---|---|"
    while IFS=$'\t' read -r i run seconds cpu status before after; do
        echo "| ${revs[$i]} | ${commits[$i]:0:7} | $run | $seconds s | $cpu s | $status | $before | $after |"
    done <"$runs_tsv"
    echo
    for i in "${!revs[@]}"; do
        echo "- ${revs[$i]}: the target directory holds ${sizes[i]} after the cold run."
    done
    if ((${#revs[@]} == 2)); then
        echo
        for run in cold touched; do
            before_wall="$(mean 0 "$run" 3)" after_wall="$(mean 1 "$run" 3)"
            before_cpu="$(mean 0 "$run" 4)" after_cpu="$(mean 1 "$run" 4)"
            what="from a clean clone"
            [[ "$run" == cold ]] || what="after touching src/scim/filter/mod.rs (mean of $rounds)"
            target 12.8 "\`scripts/test\` $what: wall time, ${revs[1]} against ${revs[0]} (CPU $(change "$before_cpu" "$after_cpu"), $after_cpu s against $before_cpu s)" \
                "$(change "$before_wall" "$after_wall") ($after_wall s against $before_wall s)" \
                ">= 30% less" "$after_wall <= 0.7 * $before_wall"
        done
        targets_table
    fi
    if awk -F '\t' '$5 != 0 { bad = 1 } END { exit !bad }' "$runs_tsv"; then
        echo
        echo "**A run of scripts/test failed**: its figures do not count."
        targets_met=false
    fi
} >"$work/results.md"

if ((${#revs[@]} == 2)); then
    write_section test-time "$work/results.md"
    finish
fi
cat "$work/results.md"
