#!/usr/bin/env bash
# One command for every benchmark: installs what they compare against, runs each comparison
# side by side, rewrites docs/benchmarks.md (each script its own section, this script the
# summary of every target), and exits 1 when a target is missed.
#
# Usage: bench/run.sh               (about 15 minutes)
#
# Installs wrk, hyperfine and time (Debian packages) when missing, builds scimctl and the
# ceiling server in release mode, and installs the peers, pinned, in bench/.venv: python-scim's
# scim2-server 0.8.3, scim2-tester 0.5.2 and scim2-cli 0.6.0, and scim-sanity 0.7.4
# (scripts/python-env with bench/peers-requirements.txt). Then runs, each against its peer on
# the same machine in the same run:
#
#   bench/serve.sh    `scimctl serve` against scim2-server at concurrency 1, 8 and 32
#   bench/client.sh   `scimctl users get` against scim2-cli; peak RSS; `users list --all`
#   bench/suite.sh    `scimctl test` against scim2-tester (and scim-sanity's probe); against serve
#   bench/lint.sh     `scimctl lint` against scim-sanity's payload validation (no target)
#   bench/import.sh   `scimctl import` against each server's wrk POST capacity; memory; re-runs
#   bench/test-time.sh  the test suite's build and run time (issue 12), only with
#                     BENCH_TEST_TIME=1 (it takes long) and when the script exists
#
# Knobs, passed on to the scripts: BENCH_RUNS (rounds of each side-by-side timing; default per
# script), BENCH_DURATION (each wrk run; default 10s), BENCH_ONLY="client suite ..." (a subset,
# for a quick look; the summary then lists only their targets).
#
# Exit status: 0 when every target is met, 1 when one is missed, 2 when a benchmark could not
# run (its section keeps its earlier figures; the summary names it). Every server listens on
# 127.0.0.1 only and is stopped on exit. Not run by CI.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"

# In the order of docs/benchmarks.md's sections.
read -ra benchmarks <<<"${BENCH_ONLY:-serve client suite lint import}"
# The test suite's time (bench/test-time.sh, issue 12) takes long: only on request.
if [[ "${BENCH_TEST_TIME:-0}" == 1 ]]; then
    benchmarks+=(test-time)
fi

apt_install wrk
apt_install hyperfine
[[ -x /usr/bin/time ]] || apt_install time /usr/bin/time
command -v curl >/dev/null || die "curl is needed"
build_release --example bench_ceiling
setup_peers

export BENCH_TARGETS="$work/all-targets.tsv"
: >"$BENCH_TARGETS"
not_run=()
absent=()
for name in "${benchmarks[@]}"; do
    script="$repo/bench/$name.sh"
    if [[ ! -f "$script" ]]; then
        say "no bench/$name.sh in this checkout; skipped"
        absent+=("\`bench/$name.sh\`")
        continue
    fi
    say "=== bench/$name.sh"
    status=0
    bash "$script" || status=$?
    if ((status > 1)); then
        say "bench/$name.sh could not run (exit $status)"
        not_run+=("\`bench/$name.sh\` (exit $status)")
    fi
done

# Prints "$1 A, B." for the items $2..., nothing without items.
listed() {
    (($# > 1)) || return 0
    local heading="$1"
    shift
    printf '%s %s.' "$heading" "$(printf '%s, ' "$@" | sed 's/, $//')"
}

# The knobs this run was given, as a command line prefix ("BENCH_RUNS=3 ").
knobs() {
    local knob
    for knob in BENCH_RUNS BENCH_DURATION BENCH_ONLY BENCH_TEST_TIME; do
        if [[ "${!knob:-}" == *" "* ]]; then
            printf '%s="%s" ' "$knob" "${!knob}"
        elif [[ -n "${!knob:-}" ]]; then
            printf '%s=%s ' "$knob" "${!knob}"
        fi
    done
}

met="$(awk -F '\t' '$5 == "met"' "$BENCH_TARGETS" | wc -l)"
missed="$(awk -F '\t' '$5 == "missed"' "$BENCH_TARGETS" | wc -l)"
{
    cat <<EOF
Date: $started_at to $(date -u '+%H:%M UTC'). Machine: $(machine).
Load average (1/5/15 min) at the start: $load_at_start; at the end: $(load_average). The machine is shared: other work ran meanwhile; each ratio was measured side by side, so it holds up better than the absolute figures.
Command: \`$(knobs)bench/run.sh\`.

**$met targets met, $missed missed.**$(listed " Could not run:" "${not_run[@]}")$(listed " Not in this checkout:" "${absent[@]}")$(
        [[ "${BENCH_TEST_TIME:-0}" == 1 ]] ||
            echo " The test suite's time (issue 12, item 8; \`bench/test-time.sh\`) runs only with BENCH_TEST_TIME=1: not measured here."
    )

EOF
    targets_table "$BENCH_TARGETS"
} >"$work/summary.md"
write_section summary "$work/summary.md"

if ((${#not_run[@]})); then
    exit 2
elif ((missed > 0)); then
    say "$missed of $((met + missed)) targets missed"
    exit 1
fi
say "all $met targets met"
