#!/usr/bin/env bash
# Benchmarks `scimctl import` on this machine, in one run, and writes the figures into
# docs/benchmarks.md (between the import-results markers) as well as to stdout.
#
# Usage: bench/import.sh            (about 6 minutes; BENCH_RUNS=1 BENCH_DURATION=3s for a look)
#
# 1. Throughput: for python-scim's scim2-server 0.8.3 and for `scimctl serve`, BENCH_RUNS times
#    (default 3), alternately: wrk POSTs new users for BENCH_DURATION at concurrency 8 into a
#    fresh server (the server's own POST capacity), and `scimctl import users` imports 5,000
#    new users of the same shape at --concurrency 8 into another fresh server (rows per second
#    over the whole command: start, reading the file, reading the server, the writes). Target:
#    the median import rate is at least 90% of the median wrk rate, for each server.
# 2. Memory: 100,000 rows with groups (200 teams, 20 departments, --create-groups) into
#    `scimctl serve`; peak RSS from /usr/bin/time -v. Target: under 64 MiB.
# 3. Re-running: 10,000 rows imported into `scimctl serve`, then the same import again (it must
#    send no write; checked with -v) and `scimctl users list --all` on the same server, each
#    5 times, interleaved. Target: the median re-run takes at most twice the median listing.
#
# Every server listens on 127.0.0.1 only and is stopped on exit. Installs wrk (Debian) if
# missing, builds scimctl in release mode, sets up the pinned venv (scripts/python-env). Exit 1
# when a target is missed. Not run by CI.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
token="bench-token"
runs="${BENCH_RUNS:-3}"
duration="${BENCH_DURATION:-10s}"
concurrency=8
rows=5000
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"

# Starts an empty `scimctl serve`; sets scimctl_pid and scimctl_url.
start_scimctl() {
    local log="$work/scimctl-$RANDOM.log"
    "$scimctl" serve --host 127.0.0.1 --port 0 --token "$token" >"$log" 2>&1 &
    scimctl_pid=$!
    server_pids+=("$scimctl_pid")
    scimctl_url="$(wait_for_url "$scimctl_pid" "$log" 60 /scim/v2)"
}

stop_server() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# Whether server $1 (pid $2) answers within 15 seconds.
answers() {
    for ((tenth = 0; tenth < 150; tenth++)); do
        kill -0 "$2" 2>/dev/null || return 1
        curl -fsS --max-time 5 -o /dev/null -H "Authorization: Bearer $token" \
            "$1/ServiceProviderConfig" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# Starts an empty server of kind $1 (scimctl or scim2-server); sets pid and url. Tried again on
# another port when the server does not answer (the machine is shared: a free port can be taken
# between choosing it and binding it).
start() {
    for attempt in 1 2 3; do
        if [[ "$1" == scimctl ]]; then
            start_scimctl
            pid="$scimctl_pid" url="$scimctl_url"
        else
            start_empty_scim2_server
            pid="$python_pid" url="$python_url"
        fi
        answers "$url" "$pid" && return
        say "$1 at $url does not answer (attempt $attempt); starting another"
        stop_server "$pid"
    done
    die "$1 would not start"
}

# totalResults of /Users on server $1.
user_count() {
    curl -fsS --max-time 60 -H "Authorization: Bearer $token" "$1/Users?count=1" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["totalResults"])'
}

# wrk POST /Users at $concurrency into server $1; prints requests per second.
wrk_post() {
    local origin base result
    origin="$(grep -o '^http://[^/]*' <<<"$1")"
    base="${1#"$origin"}"
    result="$(BENCH_KIND=post BENCH_TOKEN="$token" BENCH_BASE="$base" BENCH_ID=- BENCH_USERS=1 \
        BENCH_TAG="import-$RANDOM" wrk -t2 -c"$concurrency" -d"$duration" --timeout 30s \
        -s "$repo/bench/wrk/scim.lua" "$origin" | grep '^RESULT')" ||
        die "wrk printed no RESULT against $1"
    grep -q 'bad_status=0 socket_errors=0' <<<"$result" || die "wrk saw errors: $result"
    sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$result"
}

now() { python3 -c 'import time; print(time.monotonic())'; }

# Imports $2 into server $1 with extra arguments $3...; prints the seconds it took.
timed_import() {
    local url="$1" file="$2" start end
    shift 2
    start="$(now)"
    SCIMCTL_URL="$url" SCIMCTL_TOKEN="$token" "$scimctl" import users "$file" --quiet \
        --journal "$work/journal-$RANDOM" "$@" || die "the import of $file into $url failed"
    end="$(now)"
    python3 -c "print(f'{$end - $start:.3f}')"
}

# The median of the numbers on stdin, with $1 decimals (default 3).
median() { python3 -c "import statistics, sys; print(f'{statistics.median(float(x) for x in sys.stdin.read().split()):.${1:-3}f}')"; }

apt_install wrk
command -v curl >/dev/null || die "curl is needed"
[[ -x /usr/bin/time ]] || apt_install time /usr/bin/time
say "building scimctl (release)"
(cd "$repo" && cargo build --release --locked --quiet --bin scimctl)
scimctl="${CARGO_TARGET_DIR:-$repo/target}/release/scimctl"
bash "$repo/scripts/python-env" >&2
load_at_start="$(cut -d' ' -f1-3 /proc/loadavg)"
started_at="$(date -u '+%Y-%m-%d %H:%M UTC')"

python3 "$repo/bench/make_import_csv.py" "$rows" "$work/users-5k.csv" --like-wrk
python3 "$repo/bench/make_import_csv.py" 100000 "$work/users-100k-groups.csv" --groups
python3 "$repo/bench/make_import_csv.py" 10000 "$work/users-10k.csv"

# 1. Throughput.
throughput_rows=()
targets_met=true
for server in scim2-server scimctl; do
    wrk_rates=()
    import_rates=()
    for ((run = 1; run <= runs; run++)); do
        say "$server, run $run of $runs: wrk POST at concurrency $concurrency ($duration)"
        start "$server"
        wrk_rates+=("$(wrk_post "$url")")
        stop_server "$pid"
        say "$server, run $run of $runs: importing $rows users at --concurrency $concurrency"
        start "$server"
        seconds="$(timed_import "$url" "$work/users-5k.csv" --concurrency "$concurrency")"
        [[ "$(user_count "$url")" == "$rows" ]] || die "$server holds $(user_count "$url") users, not $rows"
        stop_server "$pid"
        import_rates+=("$(python3 -c "print(f'{$rows / $seconds:.0f}')")")
    done
    wrk_median="$(printf '%s\n' "${wrk_rates[@]}" | median 0)"
    import_median="$(printf '%s\n' "${import_rates[@]}" | median 0)"
    share="$(python3 -c "print(f'{100 * $import_median / $wrk_median:.0f}')")"
    python3 -c "import sys; sys.exit(0 if $share >= 90 else 1)" || targets_met=false
    throughput_rows+=("| $server | $wrk_median | $import_median | **${share}%** | $(printf '%s ' "${wrk_rates[@]}")| $(printf '%s ' "${import_rates[@]}")|")
done

# 2. Memory.
say "importing 100,000 users with groups into scimctl serve (peak RSS)"
start scimctl
rss_log="$work/rss.log"
big_start="$(now)"
SCIMCTL_URL="$url" SCIMCTL_TOKEN="$token" /usr/bin/time -v -o "$rss_log" "$scimctl" import users \
    "$work/users-100k-groups.csv" --quiet --create-groups --journal "$work/journal-100k" ||
    die "the 100,000-row import failed"
big_seconds="$(python3 -c "print(f'{$(now) - $big_start:.1f}')")"
[[ "$(user_count "$url")" == 100000 ]] || die "scimctl serve holds $(user_count "$url") users, not 100000"
rss_kib="$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$rss_log")"
rss_mib="$(python3 -c "print(f'{$rss_kib / 1024:.1f}')")"
python3 -c "import sys; sys.exit(0 if $rss_kib < 64 * 1024 else 1)" || targets_met=false
stop_server "$pid"

# 3. Re-running an unchanged import.
say "re-running an unchanged 10,000-row import against users list --all"
start scimctl
journal_10k="$work/journal-10k"
SCIMCTL_URL="$url" SCIMCTL_TOKEN="$token" "$scimctl" import users "$work/users-10k.csv" --quiet \
    --journal "$journal_10k"
writes="$(SCIMCTL_URL="$url" SCIMCTL_TOKEN="$token" "$scimctl" -v import users "$work/users-10k.csv" \
    --journal "$journal_10k" 2>&1 | grep -cE '^(POST|PUT|PATCH|DELETE) ' || true)"
rerun_times=()
list_times=()
for ((run = 1; run <= 5; run++)); do
    begin="$(now)"
    SCIMCTL_URL="$url" SCIMCTL_TOKEN="$token" "$scimctl" import users "$work/users-10k.csv" --quiet \
        --journal "$journal_10k"
    rerun_times+=("$(python3 -c "print(f'{$(now) - $begin:.3f}')")")
    begin="$(now)"
    SCIMCTL_URL="$url" SCIMCTL_TOKEN="$token" "$scimctl" users list --all -o ndjson >/dev/null 2>&1
    list_times+=("$(python3 -c "print(f'{$(now) - $begin:.3f}')")")
done
stop_server "$pid"
rerun_median="$(printf '%s\n' "${rerun_times[@]}" | median)"
list_median="$(printf '%s\n' "${list_times[@]}" | median)"
rerun_ratio="$(python3 -c "print(f'{$rerun_median / $list_median:.2f}')")"
python3 -c "import sys; sys.exit(0 if $writes == 0 and $rerun_ratio <= 2 else 1)" || targets_met=false

cat >"$work/results.md" <<EOF
Date: $started_at. Machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(free -g | awk '/^Mem:/ {print $2}') GiB memory.
$("$scimctl" --version) (release build), scim2-server 0.8.3 (Python $("$repo/.venv/bin/python" -c 'import platform; print(platform.python_version())')), $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2).
Load average (1/5/15 min) at the start: $load_at_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared: other work ran meanwhile, so compare the ratios, which were measured side by side, rather than the absolute rates).
Command: \`bench/import.sh\` (BENCH_RUNS=$runs, BENCH_DURATION=$duration).

Throughput, $rows new users at concurrency $concurrency, medians of $runs runs (each run: a fresh server for wrk, another for the import):

| Server | wrk POST /Users (req/s) | \`scimctl import\` (rows/s) | Import / wrk | wrk runs | import runs |
|---|---:|---:|---:|---|---|
$(printf '%s\n' "${throughput_rows[@]}")

Memory: 100,000 rows with groups (200 teams of 500, 20 departments of 5,000, \`--create-groups\`) into \`scimctl serve\`: peak RSS **$rss_mib MiB** (target: under 64 MiB), $big_seconds s.

Re-running an unchanged 10,000-row import: $writes writes; median **$rerun_median s** against **$list_median s** for \`scimctl users list --all\` on the same server: **${rerun_ratio}x** (target: at most 2x). Runs: import $(printf '%s ' "${rerun_times[@]}")s; list $(printf '%s ' "${list_times[@]}")s.
EOF
results="$(cat "$work/results.md")"
echo "$results"
python3 - "$repo/docs/benchmarks.md" "$results" <<'PY'
import sys
path, results = sys.argv[1], sys.argv[2]
text = open(path, encoding="utf-8").read()
start, end = "<!-- import-results:start -->", "<!-- import-results:end -->"
before, found, rest = text.partition(start)
_, _, after = rest.partition(end)
if not found:
    sys.exit(f"{path} has no {start} marker")
open(path, "w", encoding="utf-8").write(f"{before}{start}\n{results}\n{end}{after}")
PY
say "wrote the results into docs/benchmarks.md"

if $targets_met; then
    say "targets met"
else
    say "TARGETS MISSED: want import >= 90% of wrk's POST rate, RSS < 64 MiB, a re-run without writes in at most 2x the listing"
    exit 1
fi
