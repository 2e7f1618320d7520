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
#    the median import rate is at least 90% of the median wrk rate, for each server (issue 11,
#    item 10, as are the targets below).
# 2. Memory: 100,000 rows with groups (200 teams, 20 departments, --create-groups) into
#    `scimctl serve`; peak RSS from /usr/bin/time -v. Target: under 64 MiB.
# 3. Re-running: 10,000 rows imported into `scimctl serve`, then the same import again (it must
#    send no write; checked with -v) and `scimctl users list --all` on the same server, each
#    5 times, interleaved. Target: the median re-run takes at most twice the median listing.
#
# Every server listens on 127.0.0.1 only and is stopped on exit. Installs wrk (Debian) if
# missing, builds scimctl in release mode, sets up the peers' venv. Exit 1 when a target is
# missed. Not run by CI.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
token="bench-token"
runs="${BENCH_RUNS:-3}"
duration="${BENCH_DURATION:-10s}"
concurrency=8
rows=5000
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"

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

# The shell's own clock: a python3 started for each reading would add its start-up (tens of
# milliseconds) to a 5,000-row import that takes a few tenths of a second.
now() { printf '%s\n' "$EPOCHREALTIME"; }

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

apt_install wrk
command -v curl >/dev/null || die "curl is needed"
[[ -x /usr/bin/time ]] || apt_install time /usr/bin/time
build_release
setup_peers

python3 "$repo/bench/make_import_csv.py" "$rows" "$work/users-5k.csv" --like-wrk
python3 "$repo/bench/make_import_csv.py" 100000 "$work/users-100k-groups.csv" --groups
python3 "$repo/bench/make_import_csv.py" 10000 "$work/users-10k.csv"

# 1. Throughput.
throughput_rows=()
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
    share="$(ratio "$((100 * import_median))" "$wrk_median" 0)"
    target 11.10 "\`scimctl import\` of $rows new users at concurrency $concurrency into $server: import rate / wrk's POST rate" \
        "${share}% ($import_median against $wrk_median per second)" ">= 90%" "$share >= 90"
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
rss_mib="$(ratio "$rss_kib" 1024 1)"
stop_server "$pid"
target 11.10 "Peak RSS of a 100,000-row import with groups" "$rss_mib MiB" "< 64 MiB" "$rss_kib < 64 * 1024"

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
rerun_ratio="$(ratio "$rerun_median" "$list_median" 2)"
target 11.10 "Writes sent by an unchanged 10,000-row import run again" "$writes" "0" "$writes == 0"
target 11.10 "Unchanged 10,000-row re-run / \`scimctl users list --all\`, medians" "${rerun_ratio}x" "<= 2x" "$rerun_ratio <= 2"

{
    run_header "$("$scimctl" --version) (release build), scim2-server 0.8.3 (Python $(python_version)), $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2)" \
        "BENCH_RUNS=$runs BENCH_DURATION=$duration bench/import.sh"
    cat <<EOF

Throughput, $rows new users at concurrency $concurrency, medians of $runs runs (each run: a fresh server for wrk, another for the import):

| Server | wrk POST /Users (req/s) | \`scimctl import\` (rows/s) | Import / wrk | wrk runs | import runs |
|---|---:|---:|---:|---|---|
$(printf '%s\n' "${throughput_rows[@]}")

Memory: 100,000 rows with groups (200 teams of 500, 20 departments of 5,000, \`--create-groups\`) into \`scimctl serve\`: peak RSS **$rss_mib MiB** (target: under 64 MiB), $big_seconds s.

Re-running an unchanged 10,000-row import: $writes writes; median **$rerun_median s** against **$list_median s** for \`scimctl users list --all\` on the same server: **${rerun_ratio}x** (target: at most 2x). Runs: import $(printf '%s ' "${rerun_times[@]}")s; list $(printf '%s ' "${list_times[@]}")s.

EOF
    targets_table
} >"$work/results.md"
write_section import "$work/results.md"
finish
