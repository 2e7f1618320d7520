#!/usr/bin/env bash
# Wall time of `scripts/test`, the one command that runs every test, as a developer meets it:
# from a clean clone (every dependency compiled), then again after touching one file of the
# protocol core (src/scim/filter/mod.rs), the edit-and-retest loop. Several git revisions are
# measured side by side, alternating, so that before and after see the same machine and load.
#
# Each revision gets a fresh clone in a scratch directory with its own CARGO_TARGET_DIR (several
# GB each, all kept until the end, then deleted). The cargo registry is shared (its downloads are
# not timed: `cargo fetch` runs before the clock starts). The headless-browser tests run when
# /usr/bin/chromium is there and are skipped otherwise or with SCIMCTL_SKIP_BROWSER=1; the
# interop tests use this checkout's .venv, linked into each clone, or are skipped when there is
# none or SCIMCTL_SKIP_INTEROP=1. Either skip is said on stderr.
#
# Usage: bench/test-time.sh [REV...]     (default: HEAD; e.g. `bench/test-time.sh main HEAD`)
# Runs the cold run of every revision in turn, then BENCH_ROUNDS (default 1) rounds of one
# touched run per revision. Prints one line per run: seconds of wall time and of CPU time, the
# exit status of scripts/test, and the load average before and after. BENCH_KEEP_LOGS=DIR copies
# each run's log into DIR. Needs GNU time (/usr/bin/time, the Debian package `time`).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
(($#)) || set -- HEAD

scratch="$(mktemp -d "${TMPDIR:-/tmp}/scimctl-test-time.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
trap 'exit 130' INT TERM

say() { echo "test-time: $*" >&2; }
load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime | sed 's/.*load average[s]*: //'; }

[[ -x /usr/bin/time ]] || { say "needs GNU time at /usr/bin/time (Debian package \`time\`)"; exit 2; }
if [[ "${SCIMCTL_SKIP_BROWSER:-}" == 1 || ! -x /usr/bin/chromium ]]; then
    export SCIMCTL_SKIP_BROWSER=1
    say "no /usr/bin/chromium (or SCIMCTL_SKIP_BROWSER=1): the headless-browser tests are skipped"
fi
unset CARGO_TARGET_DIR RUSTC_WRAPPER CARGO_BUILD_RUSTC_WRAPPER
venv="$(readlink -f "$repo/.venv" 2>/dev/null || true)"
if [[ "${SCIMCTL_SKIP_INTEROP:-}" == 1 || ! -x "$venv/bin/python" ]]; then
    export SCIMCTL_SKIP_INTEROP=1
    say "no .venv (or SCIMCTL_SKIP_INTEROP=1): the interop tests are skipped"
fi

# Runs scripts/test in clone $1, logging to $2; prints "WALL CPU STATUS": seconds of wall time,
# seconds of CPU time (user and system, of scripts/test and everything it waited for, which
# other work on the machine changes far less than the wall time), and the exit status.
timed_test() {
    local clone="$1" log="$2" status=0
    (cd "$clone" && CARGO_TARGET_DIR="$clone/target" \
        /usr/bin/time -f '%e %U %S' -o "$log.time" bash scripts/test) >"$log" 2>&1 || status=$?
    tail -n 1 "$log.time" | awk -v st="$status" '{ printf "%.1f %.1f %s\n", $1, $2 + $3, st }'
}

rounds="${BENCH_ROUNDS:-1}"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { say "BENCH_ROUNDS must be a whole number of rounds, 1 or more"; exit 2; }

# One clone per revision, ready to test: checked out, the venv linked, dependencies fetched.
revs=("$@")
commits=()
for i in "${!revs[@]}"; do
    commit="$(git -C "$repo" rev-parse --verify --quiet "${revs[$i]}^{commit}")" \
        || { say "unknown revision ${revs[$i]}"; exit 2; }
    commits+=("$commit")
    clone="$scratch/clone-$i"
    git clone --quiet --no-checkout "$repo" "$clone"
    git -C "$clone" checkout --quiet --detach "$commit"
    if [[ "${SCIMCTL_SKIP_INTEROP:-}" != 1 ]]; then
        ln -s "$venv" "$clone/.venv"
    fi
    (cd "$clone" && cargo fetch --locked --quiet)
done

# Runs scripts/test once in the clone of revision $1, as run $2 (cold, touched-N).
measure() {
    local i="$1" run="$2" clone="$scratch/clone-$1" before seconds cpu status
    local log="$scratch/${commits[$i]:0:9}-$run.log"
    [[ "$run" == cold ]] || touch "$clone/src/scim/filter/mod.rs"
    before="$(load)"
    read -r seconds cpu status < <(timed_test "$clone" "$log")
    printf '%-12s %-9s %-10s %8s %8s %6s  %-16s %s\n' \
        "${revs[$i]}" "${commits[$i]:0:9}" "$run" "$seconds" "$cpu" "$status" "$before" "$(load)"
    if [[ "$run" == cold ]]; then
        say "${revs[$i]}: the target directory holds $(du -sh "$clone/target" | cut -f1) after the cold run"
    fi
    if [[ -n "${BENCH_KEEP_LOGS:-}" ]]; then
        mkdir -p "$BENCH_KEEP_LOGS"
        cp "$log" "$BENCH_KEEP_LOGS/"
    fi
    if [[ "$status" != 0 ]]; then
        say "${revs[$i]} $run: $(grep 'scripts/test:' "$log" | tail -1)"
    fi
}

printf '%-12s %-9s %-10s %8s %8s %6s  %-16s %s\n' \
    revision commit run wall-s cpu-s status "load before" "load after"
for i in "${!revs[@]}"; do
    measure "$i" cold
done
for ((round = 1; round <= rounds; round++)); do
    for i in "${!revs[@]}"; do
        measure "$i" "touched-$round"
    done
done
