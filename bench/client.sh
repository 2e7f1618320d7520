#!/usr/bin/env bash
# Benchmarks the scimctl client against python-scim's scim2-cli 0.6.0, in one run, and writes
# the figures into docs/benchmarks.md (between the client-results markers).
#
# Usage: bench/client.sh            (about 2 minutes; BENCH_RUNS=5 for a quicker look)
#
# 1. Starts scim2-server 0.8.3 (bench/.venv) on a free 127.0.0.1 port with a bearer token and
#    one user, then times `scimctl users get ID` and `scim2 query user ID` (scim2-cli 0.6.0)
#    side by side (A B A B ...; BENCH_RUNS rounds, default 20, after 3 warm-up rounds), after
#    checking that both print that user. Target (issue 4): the ratio of the medians >= 100.
# 2. Measures the peak RSS of `scimctl users get ID` (/usr/bin/time, median of 9 runs).
#    Target: under 15 MiB.
# 3. Starts `scimctl serve` with 10,000 users (--seed, bench/make_seed.py) and times
#    `scimctl users list --all -o ndjson` (10 runs after 1 warm-up). Target: median under 1 s.
#
# Exit status 1 when a target is missed. Both servers listen on 127.0.0.1 only and are stopped
# on exit. Installs hyperfine (Debian) if missing, builds scimctl in release mode and sets up
# the peers' venv. Not run by CI.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
token="bench-token"
runs="${BENCH_RUNS:-20}"
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"

apt_install hyperfine
[[ -x /usr/bin/time ]] || apt_install time /usr/bin/time
build_release
setup_peers

# --- 1. One `users get` against scim2-server ----------------------------------------------------
start_empty_scim2_server
python3 "$repo/bench/make_seed.py" 1 "$work/seed-1.json"
"$venv/bin/python" "$repo/bench/load_users.py" "$python_url" "$token" "$work/seed-1.json" >&2
user_name="bench-user-000001"

# Neither tool may read a profile, a cached discovery or a token from the environment.
export SCIMCTL_CONFIG="$work/none.toml" XDG_CACHE_HOME="$work/cache" NO_COLOR=1
unset SCIMCTL_URL SCIMCTL_TOKEN SCIMCTL_PROFILE SCIMCTL_HEADERS SCIMCTL_BASIC SCIM_CLI_HEADERS
user_id="$("$scimctl" --url "$python_url" --token "$token" users get --user-name "$user_name" -o json |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')"
ours="$scimctl --url $python_url --token $token users get $user_id -o json"
theirs="$venv/bin/scim2 --url $python_url --header 'Authorization: Bearer $token' query user $user_id"
for command in "$ours" "$theirs"; do
    output="$(bash -c "$command" </dev/null)" || die "failed: $command"
    grep -q "\"userName\": *\"$user_name\"" <<<"$output" ||
        die "no userName $user_name in the output of: $command: ${output:0:300}"
done
say "scim2-server at $python_url; timing scimctl users get and scim2 query side by side ($runs rounds)"
side_by_side "$work/get.json" 3 "$runs" "scimctl users get" "$ours" "scim2 query user" "$theirs"
ours_s="$(timing_median "$work/get.json" 0)"
theirs_s="$(timing_median "$work/get.json" 1)"
get_ratio="$(ratio "$theirs_s" "$ours_s" 0)"

rss_kib="$(for _ in 1 2 3 4 5 6 7 8 9; do
    /usr/bin/time -f %M -o "$work/rss" bash -c "exec $ours" >/dev/null </dev/null
    cat "$work/rss"
done | median 0)"
rss_mib="$(ratio "$rss_kib" 1024 1)"
stop_server "$python_pid"

# --- 3. `users list --all` of 10,000 users from scimctl serve ------------------------------------
python3 "$repo/bench/make_seed.py" 10000 "$work/seed-10k.json"
start_scimctl "$work/seed-10k.json"
listed="$("$scimctl" --url "$scimctl_url" --token "$token" users list --all -o ndjson 2>/dev/null | wc -l)"
[[ "$listed" == 10000 ]] || die "users list --all printed $listed users, want 10000"
say "scimctl serve at $scimctl_url with 10,000 users; timing users list --all (10 runs)"
side_by_side "$work/list.json" 1 10 "scimctl users list --all" \
    "$scimctl --url $scimctl_url --token $token users list --all -o ndjson"
list_s="$(timing_median "$work/list.json" 0)"
stop_server "$scimctl_pid"

ms() { python3 -c "print(f'{$1 * 1000:.1f}')"; }
target 4.10 "\`users get\` against scim2-server: scim2-cli's median / scimctl's" "${get_ratio}x" ">= 100x" "$get_ratio >= 100"
target 4.10 "Peak RSS of \`scimctl users get ID\`" "$rss_mib MiB" "< 15 MiB" "$rss_kib < 15 * 1024"
target 4.10 "\`scimctl users list --all\`, 10,000 users from \`scimctl serve\`" "$(ms "$list_s") ms" "< 1000 ms" "$list_s < 1"

{
    run_header "$("$scimctl" --version) (release build), scim2-cli 0.6.0 and scim2-server 0.8.3 (Python $(python_version)), $(hyperfine --version)" \
        "BENCH_RUNS=$runs bench/client.sh"
    cat <<EOF

| Measurement | Result |
|---|---:|
| \`scimctl users get ID\`, median of $runs (range, ms) | $(ms "$ours_s") ms ($(timing_spread "$work/get.json" 0 1 ms)) |
| \`scim2 query user ID\`, median of $runs (range, ms) | $(ms "$theirs_s") ms ($(timing_spread "$work/get.json" 1 1 ms)) |
| Ratio of the medians | **${get_ratio}x** |
| Peak RSS of \`scimctl users get ID\`, median of 9 | **$rss_mib MiB** ($rss_kib KiB) |
| \`scimctl users list --all -o ndjson\`, 10,000 users, median of 10 (range, ms) | **$(ms "$list_s") ms** ($(timing_spread "$work/list.json" 0 1 ms)) |

EOF
    targets_table
} >"$work/results.md"
write_section client "$work/results.md"
finish
