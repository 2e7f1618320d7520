#!/usr/bin/env bash
# Benchmarks `scimctl serve` against python-scim's scim2-server 0.8.3 on this machine, in one run,
# and writes the figures into docs/benchmarks.md (between the serve-results markers).
#
# Usage: bench/serve.sh            (about 9 minutes; BENCH_DURATION=3s for a quick look)
#
# With 10,000 identical users loaded in each server, wrk measures requests per second for
# GET /Users/{id}, GET /Users?filter=userName eq "..." and POST /Users at concurrency 1, 8
# and 32 (at most 2 wrk threads: the machine has 2 cores, shared by wrk and the server).
# Then scimctl alone is restarted with 100,000 users and the median latency of a
# `userName eq` list request is measured at concurrency 1.
#
# Each cell also runs against a ceiling: examples/bench_ceiling.rs, axum on the same runtime
# answering every request with a fixed body (no store, no validation). No server can beat it on
# this machine, so its ratio to scim2-server says how much of a cell the machine allows.
#
# Targets (issue 3, item 6; exit status 1 when one is missed): every scimctl/scim2-server ratio
# >= 30, and the 100,000-user median under 20 ms. The servers listen on 127.0.0.1 only and are
# stopped on exit. Installs wrk (Debian) if missing, builds scimctl in release mode, and sets up
# the peers' venv. Not run by CI.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
duration="${BENCH_DURATION:-10s}"
token="bench-token"
concurrencies=(1 8 32)
kinds=(get filter post)
min_ratio=30
max_median_ms=20
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"

# Starts scim2-server and POSTs the users of seed file $1; sets python_pid and python_url.
start_scim2_server() {
    start_empty_scim2_server
    say "loading users into scim2-server (it has no seed option)"
    "$venv/bin/python" "$repo/bench/load_users.py" "$python_url" "$token" "$1" >&2
}

# Prints the id of user $2 on server $1, after checking the filter finds exactly that user.
user_id() {
    curl -fsS --max-time 30 -H "Authorization: Bearer $token" \
        "$1/Users?filter=userName%20eq%20%22$2%22" |
        python3 -c '
import json, sys
answer = json.load(sys.stdin)
found = answer.get("Resources") or []
if answer.get("totalResults") != 1 or len(found) != 1 or found[0].get("userName") != sys.argv[1]:
    sys.exit(f"filter for {sys.argv[1]} answered {json.dumps(answer)[:300]}")
print(found[0]["id"])' "$2"
}

# Runs wrk against server URL $1 for request kind $2 at concurrency $3, reading user id $4;
# prints the RESULT line of bench/wrk/scim.lua.
run_wrk() {
    local url="$1" kind="$2" connections="$3" id="$4"
    local threads=$((connections < 2 ? connections : 2))
    local origin base
    origin="$(grep -o '^http://[^/]*' <<<"$url")"
    base="${url#"$origin"}"
    BENCH_KIND="$kind" BENCH_TOKEN="$token" BENCH_BASE="$base" BENCH_ID="$id" \
        BENCH_USERS="$users" BENCH_TAG="$kind-c$connections-$RANDOM" \
        wrk -t"$threads" -c"$connections" -d"$duration" --timeout 30s \
        -s "$repo/bench/wrk/scim.lua" "$origin" | grep '^RESULT' ||
        die "wrk printed no RESULT for $kind at -c$connections against $url"
}

field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<" $2"; }

# "1234.5" or "1234.5 (N bad)" when some answers were errors or sockets failed.
rps_cell() {
    local bad=$(($(field bad_status "$1") + $(field socket_errors "$1")))
    if ((bad > 0)); then
        echo "$(field rps "$1") ($bad bad)"
    else
        field rps "$1"
    fi
}

label() {
    case "$1" in
    get) echo 'GET /Users/{id}' ;;
    filter) echo 'GET /Users?filter=userName eq "..."' ;;
    post) echo 'POST /Users' ;;
    esac
}

apt_install wrk
command -v curl >/dev/null || die "curl is needed"
build_release --example bench_ceiling
ceiling="${CARGO_TARGET_DIR:-$repo/target}/release/examples/bench_ceiling"
setup_peers

users=10000
python3 "$repo/bench/make_seed.py" "$users" "$work/seed-10k.json"
start_scimctl "$work/seed-10k.json"
start_scim2_server "$work/seed-10k.json"
probe_user="bench-user-005000"
scimctl_id="$(user_id "$scimctl_url" "$probe_user")"
python_id="$(user_id "$python_url" "$probe_user")"
ceiling_log="$work/ceiling.log"
"$ceiling" >"$ceiling_log" 2>&1 &
ceiling_pid=$!
server_pids+=("$ceiling_pid")
ceiling_url="$(wait_for_url "$ceiling_pid" "$ceiling_log" 60 /scim/v2)"
say "scimctl at $scimctl_url, scim2-server at $python_url, $users users each; ceiling at $ceiling_url"

rows=()
for kind in "${kinds[@]}"; do
    for c in "${concurrencies[@]}"; do
        say "$(label "$kind") at concurrency $c ($duration each)"
        ours="$(run_wrk "$scimctl_url" "$kind" "$c" "$scimctl_id")"
        theirs="$(run_wrk "$python_url" "$kind" "$c" "$python_id")"
        bound="$(run_wrk "$ceiling_url" "$kind" "$c" "$python_id")"
        cell_ratio="$(ratio "$(field rps "$ours")" "$(field rps "$theirs")")"
        bound_ratio="$(ratio "$(field rps "$bound")" "$(field rps "$theirs")")"
        target 3.6 "\`$(label "$kind")\` at concurrency $c: \`scimctl serve\` / scim2-server (the ceiling reached ${bound_ratio}x)" \
            "${cell_ratio}x" ">= ${min_ratio}x" "$cell_ratio >= $min_ratio"
        rows+=("| \`$(label "$kind")\` | $c | $(rps_cell "$ours") | $(rps_cell "$theirs") | **${cell_ratio}x** | $(rps_cell "$bound") | ${bound_ratio}x |")
    done
done
stop_server "$scimctl_pid"
stop_server "$python_pid"
stop_server "$ceiling_pid"

users=100000
say "restarting scimctl with $users users"
python3 "$repo/bench/make_seed.py" "$users" "$work/seed-100k.json"
start_scimctl "$work/seed-100k.json"
user_id "$scimctl_url" "bench-user-099999" >/dev/null
latency="$(run_wrk "$scimctl_url" filter 1 -)"
median_ms="$(python3 -c "print(f'{$(field p50_us "$latency") / 1000:.2f}')")"
p99_ms="$(python3 -c "print(f'{$(field p99_us "$latency") / 1000:.2f}')")"
stop_server "$scimctl_pid"
target 3.6 "100,000 users, \`GET /Users?filter=userName eq \"...\"\` at concurrency 1: median latency" \
    "$median_ms ms" "< $max_median_ms ms" "$median_ms < $max_median_ms"

{
    run_header "$("$scimctl" --version) (release build), scim2-server 0.8.3 (Python $(python_version)), $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2)" \
        "BENCH_DURATION=$duration bench/serve.sh"
    cat <<EOF
Each cell: wrk for $duration, at most 2 threads, 10,000 users loaded (POST runs add users); in
each cell scimctl, scim2-server and the ceiling run one after the other.

| Request | Concurrency | scimctl serve (req/s) | scim2-server (req/s) | Ratio | Ceiling (req/s) | Ceiling ratio |
|---|---:|---:|---:|---:|---:|---:|
$(printf '%s\n' "${rows[@]}")

100,000 users, \`GET /Users?filter=userName eq "..."\` at concurrency 1: median **${median_ms} ms**, p99 ${p99_ms} ms ($(field requests "$latency") requests, $(rps_cell "$latency") req/s).

EOF
    targets_table
} >"$work/results.md"
write_section serve "$work/results.md"
finish
