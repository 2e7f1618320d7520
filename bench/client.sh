#!/usr/bin/env bash
# Benchmarks the scimctl client against python-scim's scim2-cli 0.6.0, in one run.
#
# Usage: bench/client.sh            (about 2 minutes)
#
# 1. Starts scim2-server 0.8.3 (the repo venv, scripts/python-env) on a free 127.0.0.1 port
#    with a bearer token and one user, then times, side by side in one hyperfine invocation
#    (20 runs each after 3 warm-up runs), `scimctl users get ID` and `scim2 query user ID`
#    (scim2-cli 0.6.0 in its own venv, bench/.venv-cli), after checking that both print that
#    user. Target: the ratio of the medians is at least 100.
# 2. Measures the peak RSS of `scimctl users get ID` (/usr/bin/time, median of 9 runs).
#    Target: under 15 MiB.
# 3. Starts `scimctl serve` with 10,000 users (--seed, bench/make_seed.py) and times
#    `scimctl users list --all -o ndjson > /dev/null` (10 runs). Target: median under 1 s.
#
# Exit status 1 when a target is missed. Both servers listen on 127.0.0.1 only and are stopped
# on exit. Installs hyperfine (Debian) if missing and builds scimctl in release mode. Not run
# by CI.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
token="bench-token"
cli_venv="$repo/bench/.venv-cli"
min_ratio=100
max_rss_kib=$((15 * 1024))
max_list_seconds=1
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"

install_scim2_cli() {
    if "$cli_venv/bin/python" -c 'import importlib.metadata as m; assert m.version("scim2-cli") == "0.6.0"' 2>/dev/null; then
        return
    fi
    say "installing scim2-cli 0.6.0 into $cli_venv"
    rm -rf "$cli_venv"
    python3 -m venv "$cli_venv"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$cli_venv/bin/python" -m pip install --quiet 'scim2-cli==0.6.0'
}

# The median of the numbers on stdin, one per line.
median() {
    python3 -c 'import statistics, sys; print(statistics.median(float(l) for l in sys.stdin if l.strip()))'
}

# The median run time in seconds of command number $2 in hyperfine export $1.
hyperfine_median() {
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]["median"])' "$1" "$2"
}

apt_install hyperfine
command -v /usr/bin/time >/dev/null || die "/usr/bin/time is needed (Debian package time)"
say "building scimctl (release)"
(cd "$repo" && cargo build --release --locked --quiet)
scimctl="${CARGO_TARGET_DIR:-$repo/target}/release/scimctl"
bash "$repo/scripts/python-env" >&2
install_scim2_cli
load_at_start="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- 1. One `users get` against scim2-server ----------------------------------------------------
start_empty_scim2_server
python3 "$repo/bench/make_seed.py" 1 "$work/seed-1.json"
"$repo/.venv/bin/python" "$repo/bench/load_users.py" "$python_url" "$token" "$work/seed-1.json" >&2
user_name="bench-user-000001"

# Neither tool may read a profile, a cached discovery or a token from the environment.
export SCIMCTL_CONFIG="$work/none.toml" XDG_CACHE_HOME="$work/cache" NO_COLOR=1
unset SCIMCTL_URL SCIMCTL_TOKEN SCIMCTL_PROFILE SCIMCTL_HEADERS SCIMCTL_BASIC SCIM_CLI_HEADERS
user_id="$("$scimctl" --url "$python_url" --token "$token" users get --user-name "$user_name" -o json |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')"
ours="$scimctl --url $python_url --token $token users get $user_id -o json"
theirs="$cli_venv/bin/scim2 --url $python_url --header 'Authorization: Bearer $token' query user $user_id"
for command in "$ours" "$theirs"; do
    output="$(bash -c "$command" </dev/null)" || die "failed: $command"
    grep -q "\"userName\": *\"$user_name\"" <<<"$output" ||
        die "no userName $user_name in the output of: $command: ${output:0:300}"
done
say "scim2-server at $python_url; timing scimctl users get and scim2 query (20 runs each)"
hyperfine --style basic --warmup 3 --runs 20 --export-json "$work/get.json" \
    -n "scimctl users get" "$ours" -n "scim2 query user" "$theirs" >&2
ours_s="$(hyperfine_median "$work/get.json" 0)"
theirs_s="$(hyperfine_median "$work/get.json" 1)"
ratio="$(python3 -c "print(f'{$theirs_s / $ours_s:.0f}')")"

rss_kib="$(for _ in 1 2 3 4 5 6 7 8 9; do
    /usr/bin/time -f %M -o "$work/rss" bash -c "exec $ours" >/dev/null </dev/null
    cat "$work/rss"
done | median)"
rss_kib="${rss_kib%.*}"
kill "${server_pids[0]}" 2>/dev/null || true

# --- 3. `users list --all` of 10,000 users from scimctl serve ------------------------------------
python3 "$repo/bench/make_seed.py" 10000 "$work/seed-10k.json"
"$scimctl" serve --host 127.0.0.1 --port 0 --token "$token" --seed "$work/seed-10k.json" \
    >"$work/scimctl.log" 2>&1 &
server_pids+=("$!")
scimctl_url="$(wait_for_url "$!" "$work/scimctl.log" 300 /scim/v2)"
listed="$("$scimctl" --url "$scimctl_url" --token "$token" users list --all -o ndjson 2>/dev/null | wc -l)"
[[ "$listed" == 10000 ]] || die "users list --all printed $listed users, want 10000"
say "scimctl serve at $scimctl_url with 10,000 users; timing users list --all (10 runs)"
hyperfine --style basic --warmup 1 --runs 10 --export-json "$work/list.json" \
    -n "scimctl users list --all" \
    "$scimctl --url $scimctl_url --token $token users list --all -o ndjson" >&2
list_s="$(hyperfine_median "$work/list.json" 0)"

ms() { python3 -c "print(f'{$1 * 1000:.1f}')"; }
cat <<EOF

Date: $(date -u '+%Y-%m-%d %H:%M UTC')
Machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(free -g | awk '/^Mem:/ {print $2}') GiB memory
Versions: $("$scimctl" --version) (release build), scim2-cli 0.6.0 and scim2-server 0.8.3 (Python $("$repo/.venv/bin/python" -c 'import platform; print(platform.python_version())')), $(hyperfine --version)
Load average (1/5/15 min) at start: $load_at_start; at end: $(cut -d' ' -f1-3 /proc/loadavg)

| Measurement | Result | Target |
|---|---:|---|
| \`scimctl users get ID\`, median of 20 | $(ms "$ours_s") ms | |
| \`scim2 query user ID\`, median of 20 | $(ms "$theirs_s") ms | |
| Ratio of the medians | ${ratio}x | >= ${min_ratio}x |
| Peak RSS of \`scimctl users get ID\`, median of 9 | $((rss_kib / 1024)).$(((rss_kib % 1024) * 10 / 1024)) MiB ($rss_kib KiB) | < 15 MiB |
| \`scimctl users list --all -o ndjson\`, 10,000 users, median of 10 | $(ms "$list_s") ms | < 1000 ms |
EOF

targets_met=true
python3 -c "import sys; sys.exit(0 if $ratio >= $min_ratio else 1)" || targets_met=false
((rss_kib < max_rss_kib)) || targets_met=false
python3 -c "import sys; sys.exit(0 if $list_s < $max_list_seconds else 1)" || targets_met=false
if $targets_met; then
    say "targets met"
else
    say "TARGETS MISSED: want a ratio >= ${min_ratio}x, RSS < 15 MiB and the 10,000-user list < 1 s"
    exit 1
fi
