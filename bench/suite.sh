#!/usr/bin/env bash
# Times the full default conformance suite (`scimctl test --allow-writes`: rfc7644, okta and
# entra) against python-scim's scim2-server 0.8.3, side by side with python-scim's own checker,
# scim2-tester 0.5.2, on the same server in the same run; then checks that running the checks
# concurrently changes no verdict.
#
# Usage: bench/suite.sh            (about 2 minutes; BENCH_RUNS=3 for a quicker look)
#
# Each command runs BENCH_RUNS times (default 5) under hyperfine, alternating, and the median
# wall time is compared. Targets (exit status 1 when one is missed): scimctl runs at least 150
# checks, none ends in a runtime error (which would make its time meaningless), its median is
# no longer than scim2-tester's, and `--jobs 1` and the default --jobs give every check the
# same status. Failures are counted, not targets: scim2-server's documented differences
# (testsuites/README.md) are interop failures by design. The server
# listens on 127.0.0.1 only and is stopped on exit. Builds scimctl in release mode and sets up
# the pinned Python venv with scripts/python-env. Not run by CI.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${BENCH_RUNS:-5}"
token="bench-token"
min_checks=150
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"

apt_install hyperfine
say "building scimctl (release)"
(cd "$repo" && cargo build --release --locked --quiet)
scimctl="${CARGO_TARGET_DIR:-$repo/target}/release/scimctl"
bash "$repo/scripts/python-env" >&2
python="$repo/.venv/bin/python"
checker="$repo/tests/interop/scim2_tester_check.py"

# scimctl sees no configuration file or profile of the person running the benchmark, and keeps
# its ledgers in the work directory.
export SCIMCTL_CONFIG="$work/config.toml" XDG_CACHE_HOME="$work/cache" SCIMCTL_TOKEN="$token"
unset SCIMCTL_URL SCIMCTL_PROFILE SCIMCTL_BASIC SCIMCTL_TOKEN_FILE

start_empty_scim2_server
url="$python_url"
say "scim2-server at $url"
load_at_start="$(cut -d' ' -f1-3 /proc/loadavg)"

# One run of each with its results kept: check counts and verdicts.
scimctl_test() { "$scimctl" test --url "$url" --allow-writes --color never "$@"; }
say "scimctl test, --jobs 1"
scimctl_test --jobs 1 --report "json=$work/jobs1.json" >"$work/jobs1.txt" || true
say "scimctl test, default --jobs"
scimctl_test --report "json=$work/jobs-default.json" >"$work/jobs-default.txt" || true
say "scim2-tester"
"$python" "$checker" "$url" "$token" >"$work/scim2-tester.txt" ||
    die "scim2-tester did not run: $(tail -n5 "$work/scim2-tester.txt")"

read -r scimctl_checks scimctl_statuses scimctl_errors same_verdicts verdict_diff < <(
    python3 - "$work/jobs1.json" "$work/jobs-default.json" <<'PY'
import json, sys
one, many = (json.load(open(path)) for path in sys.argv[1:3])
by_id = [{c["id"]: c["status"] for c in report["checks"]} for report in (one, many)]
checks = many["checks"]
summary = many["summary"]
statuses = ",".join(f"{summary[key]}_{key}" for key in ("passed", "failed", "warned", "skipped", "errored"))
differ = sorted(i for i in by_id[0].keys() | by_id[1].keys()
                if by_id[0].get(i) != by_id[1].get(i))
print(len(checks), statuses, summary["errored"], "yes" if not differ else "no", ",".join(differ) or "-")
PY
)
tester_checks="$(sed -n 's/^SUMMARY //p' "$work/scim2-tester.txt" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["total"])')"

say "timing, $runs runs each"
hyperfine --runs "$runs" --warmup 1 --ignore-failure --style basic \
    --export-json "$work/times.json" \
    -n "scimctl test" "$scimctl test --url $url --allow-writes --color never" \
    -n "scim2-tester" "$python $checker $url $token" >&2

read -r scimctl_median tester_median scimctl_spread tester_spread < <(
    python3 - "$work/times.json" <<'PY'
import json, statistics, sys
results = json.load(open(sys.argv[1]))["results"]
medians = [statistics.median(r["times"]) for r in results]
spreads = [f'{min(r["times"]):.2f}-{max(r["times"]):.2f}' for r in results]
print(f"{medians[0]:.2f} {medians[1]:.2f} {spreads[0]} {spreads[1]}")
PY
)
ratio="$(python3 -c "print(f'{$tester_median / $scimctl_median:.1f}')")"
jobs_default="$("$scimctl" test --help | grep -A4 -- '--jobs' | sed -n 's/.*\[default: \([0-9]*\)\].*/\1/p' | head -n1)"

targets_met=true
((scimctl_checks >= min_checks)) || targets_met=false
((scimctl_errors == 0)) || targets_met=false
[[ "$same_verdicts" == yes ]] || targets_met=false
python3 -c "import sys; sys.exit(0 if $scimctl_median <= $tester_median else 1)" || targets_met=false

cat <<EOF

Date: $(date -u '+%Y-%m-%d %H:%M UTC')
Machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(free -g | awk '/^Mem:/ {print $2}') GiB memory
Versions: $("$scimctl" --version), scim2-server 0.8.3 and scim2-tester 0.5.2 (Python $("$python" -c 'import platform; print(platform.python_version())')), $(hyperfine --version)
Load average (1/5/15 min) at start: $load_at_start; at end: $(cut -d' ' -f1-3 /proc/loadavg)
Wall time: median of $runs runs after 1 warm-up (min-max in brackets), the same scim2-server throughout.

| Checker | Checks | Median wall time (s) |
|---|---:|---:|
| \`scimctl test --allow-writes\` (rfc7644, okta, entra; --jobs ${jobs_default:-default}) | $scimctl_checks ($(sed 's/_/ /g; s/,/, /g' <<<"$scimctl_statuses")) | $scimctl_median ($scimctl_spread) |
| scim2-tester 0.5.2 (\`check_server\`) | $tester_checks | $tester_median ($tester_spread) |

scim2-tester takes ${ratio}x scimctl's wall time. Verdicts with \`--jobs 1\` and \`--jobs ${jobs_default:-default}\` identical: $same_verdicts (checks that differ: $verdict_diff).
EOF
if [[ "$targets_met" != true ]]; then
    say "a target was missed"
    exit 1
fi
