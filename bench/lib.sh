# Shared by the bench scripts (sourced, not run): a scratch directory and server processes that
# are cleaned up on exit, logging, Debian installs, the release build, the peers' venv, free
# loopback ports, starting `scimctl serve` and python-scim's scim2-server, timing commands side
# by side, recording targets, and writing a script's section of docs/benchmarks.md. Callers set
# `repo` and `token` first, and read `python_url` after start_empty_scim2_server.
# shellcheck shell=bash disable=SC2154,SC2034

work="$(mktemp -d)"
server_pids=()
# The peers (scim2-server, scim2-tester, scim2-cli, scim-sanity), pinned, in a venv of the
# benchmarks' own (bench/peers-requirements.txt beside scripts/python-requirements.txt).
venv="$repo/bench/.venv"
doc="$repo/docs/benchmarks.md"
# Every target of this script, a tab-separated row each (see `target`); run.sh collects them
# from all scripts through BENCH_TARGETS.
targets_tsv="$work/targets.tsv"
targets_met=true
: >"$targets_tsv"

cleanup() {
    for pid in "${server_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "bench: $*" >&2; }
die() {
    say "error: $*"
    exit 2
}

# Installs Debian package $1 unless command $2 (default: $1) is already there.
apt_install() {
    command -v "${2:-$1}" >/dev/null && return
    say "installing $1 (Debian package)"
    local sudo=""
    [[ "$(id -u)" == 0 ]] || sudo="sudo"
    $sudo apt-get update -qq && $sudo apt-get install -y -qq "$1" >/dev/null
}

# Builds scimctl in release mode (with cargo arguments $@, e.g. `--example bench_ceiling`); sets
# scimctl. A no-op when run.sh or an earlier run has built it.
build_release() {
    say "building scimctl (release)"
    (cd "$repo" && cargo build --release --locked --quiet --bin scimctl "$@")
    scimctl="${CARGO_TARGET_DIR:-$repo/target}/release/scimctl"
}

# Creates or refreshes the peers' venv (idempotent; PyPI only when a pin changed).
setup_peers() {
    bash "$repo/scripts/python-env" "$venv" "$repo/bench/peers-requirements.txt" >&2
}

python_version() { "$venv/bin/python" -c 'import platform; print(platform.python_version())'; }

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits (at most $3 seconds) until log file $2 of server pid $1 holds a base URL ending in
# path $4; prints it.
wait_for_url() {
    local pid="$1" log="$2" limit="$3" path="$4" url=""
    for ((tenth = 0; tenth < limit * 10; tenth++)); do
        url="$(grep -o "http://[^[:space:]]*$path" "$log" | head -n1 || true)"
        [[ -n "$url" ]] && break
        kill -0 "$pid" 2>/dev/null || die "server exited before announcing its URL: $(cat "$log")"
        sleep 0.1
    done
    [[ -n "$url" ]] || die "no URL from the server within ${limit}s: $(cat "$log")"
    echo "$url"
}

# Starts `scimctl serve` on a free loopback port, empty or with seed file $1; sets scimctl_pid
# and scimctl_url.
start_scimctl() {
    local log="$work/scimctl-$RANDOM.log" seed=()
    [[ -n "${1:-}" ]] && seed=(--seed "$1")
    "$scimctl" serve --host 127.0.0.1 --port 0 --token "$token" "${seed[@]}" >"$log" 2>&1 &
    scimctl_pid=$!
    server_pids+=("$scimctl_pid")
    scimctl_url="$(wait_for_url "$scimctl_pid" "$log" 300 /scim/v2)"
}

# Starts an empty scim2-server on a free loopback port; sets python_pid and python_url.
start_empty_scim2_server() {
    local port log="$work/scim2-server-$RANDOM.log"
    port="$(free_port)"
    "$venv/bin/scim2-server" --hostname 127.0.0.1 --port "$port" --bearer-token "$token" \
        >"$log" 2>&1 &
    python_pid=$!
    server_pids+=("$python_pid")
    python_url="$(wait_for_url "$python_pid" "$log" 60 /v2)"
}

stop_server() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# The median of the numbers on stdin (whitespace-separated), with $1 decimals (default 3).
median() {
    python3 -c "import statistics, sys; print(f'{statistics.median(float(x) for x in sys.stdin.read().split()):.${1:-3}f}')"
}

hyperfine_options=()
# Times commands side by side: after $2 warm-up rounds, $3 rounds in each of which every command
# runs once, in turn (A B A B ...), so that all of them see the same background load. Each run
# is one hyperfine run without a shell (-N; the command is split into words as a shell would,
# its output discarded), plus the options in the array `hyperfine_options`. Writes $1 in the
# shape of hyperfine's --export-json: results[i] with `command`, `times` (seconds) and `median`.
# Usage: side_by_side OUT.json WARMUP RUNS NAME COMMAND [NAME COMMAND]...
side_by_side() {
    local out="$1" warmup="$2" runs="$3" round index
    shift 3
    local names=() commands=()
    while (($#)); do
        names+=("$1")
        commands+=("$2")
        shift 2
    done
    for ((round = 1; round <= warmup + runs; round++)); do
        for index in "${!commands[@]}"; do
            hyperfine -N --runs 1 --style none "${hyperfine_options[@]}" \
                --export-json "$work/run-$index-$round.json" "${commands[$index]}" \
                >/dev/null 2>"$work/hyperfine.err" ||
                die "failed: ${commands[$index]}: $(tail -n5 "$work/hyperfine.err")"
        done
    done
    python3 - "$out" "$work" "$warmup" "$runs" "${names[@]}" <<'PY'
import json, statistics, sys
out, work, warmup, runs, names = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:]
results = []
for index, name in enumerate(names):
    times = [json.load(open(f"{work}/run-{index}-{round}.json"))["results"][0]["times"][0]
             for round in range(warmup + 1, warmup + runs + 1)]
    results.append({"command": name, "times": times, "median": statistics.median(times)})
json.dump({"results": results}, open(out, "w"))
PY
    rm -f "$work"/run-*.json
}

# The median run time in seconds of command number $2 in a side_by_side (or hyperfine) export $1.
timing_median() {
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]["median"])' "$1" "$2"
}

# "min-max" of the run times of command $2 in export $1, with $3 decimals, in seconds or, with
# $4 = ms, in milliseconds.
timing_spread() {
    python3 -c '
import json, sys
scale = 1000 if sys.argv[4:] == ["ms"] else 1
t = [scale * x for x in json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]["times"]]
print(f"{min(t):.{sys.argv[3]}f}-{max(t):.{sys.argv[3]}f}")' "$@"
}

# Prints $1 / $2 with $3 decimals (default 1).
ratio() { python3 -c "print(f'{$1 / max($2, 1e-9):.${3:-1}f}')"; }

# Records a target: measurement $2 (named by issue $1, e.g. "3.6" for issue 3, item 6) came out
# at figure $3 against target $4, met when the Python expression $5 holds. A missed target
# clears targets_met. Without $5 (and with $1 "-"), the row is a comparison that no issue sets
# a target for. The row goes to this script's table and, through BENCH_TARGETS, to run.sh's
# summary.
target() {
    local status=met
    if [[ -z "${5:-}" ]]; then
        status="no target"
    elif ! python3 -c "import sys; sys.exit(0 if ($5) else 1)"; then
        status=missed
        targets_met=false
    fi
    printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$status" | tee -a "$targets_tsv" >>"${BENCH_TARGETS:-/dev/null}"
}

# The targets recorded in tab-separated file $1 (default: this script's) as a Markdown table.
targets_table() {
    echo "| Issue | Measurement | Figure | Target | Met |"
    echo "|---|---|---:|---|---|"
    awk -F '\t' '{ printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, ($5 == "missed" ? "**MISSED**" : $5) }' "${1:-$targets_tsv}"
}

# The machine, for a results section: cores, CPU model, memory, kernel.
machine() {
    echo "$(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)), $(free -g | awk '/^Mem:/ {print $2}') GiB memory, Linux $(uname -r)"
}

load_average() { cut -d' ' -f1-3 /proc/loadavg; }

# Records the date and load at the start of a run (for run_header).
started_at="$(date -u '+%Y-%m-%d %H:%M UTC')"
load_at_start="$(load_average)"

# The opening lines of a results section: date, machine, the versions in $1, the load at the
# start and now, and the command line (knobs included) in $2.
run_header() {
    cat <<EOF
Date: $started_at. Machine: $(machine).
Versions: $1.
Load average (1/5/15 min) at the start: $load_at_start; at the end: $(load_average). The machine is shared: other work ran meanwhile, so compare the ratios, measured side by side, rather than the absolute figures.
Command: \`$2\`.
EOF
}

# Writes file $2 into docs/benchmarks.md between the markers of section $1
# (<!-- $1-results:start --> and <!-- $1-results:end -->), and prints it.
write_section() {
    cat "$2"
    python3 - "$doc" "$1" "$2" <<'PY'
import sys
path, name, results = sys.argv[1], sys.argv[2], open(sys.argv[3], encoding="utf-8").read().rstrip("\n")
text = open(path, encoding="utf-8").read()
start, end = f"<!-- {name}-results:start -->", f"<!-- {name}-results:end -->"
before, found, rest = text.partition(start)
_, found_end, after = rest.partition(end)
if not found or not found_end:
    sys.exit(f"{path} has no {start} ... {end} markers")
open(path, "w", encoding="utf-8").write(f"{before}{start}\n{results}\n{end}{after}")
PY
    say "wrote the $1 results into docs/benchmarks.md"
}

# Ends the script: exit 1 when a target was missed.
finish() {
    if $targets_met; then
        say "targets met"
    else
        say "TARGETS MISSED: $(awk -F '\t' '$5 == "missed" { printf "%s%s (%s; want %s)", sep, $2, $3, $4; sep = "; " }' "$targets_tsv")"
        exit 1
    fi
}
