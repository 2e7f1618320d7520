# Shared by the bench scripts (sourced, not run): a scratch directory and server processes that
# are cleaned up on exit, logging, Debian installs, free loopback ports, and starting
# python-scim's scim2-server from the repo venv. Callers set `repo` and `token` first, and read
# `python_url` after start_empty_scim2_server.
# shellcheck shell=bash disable=SC2154,SC2034

work="$(mktemp -d)"
server_pids=()

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

# Starts an empty scim2-server on a free loopback port; sets python_pid and python_url.
start_empty_scim2_server() {
    local port log="$work/scim2-server.log"
    port="$(free_port)"
    "$repo/.venv/bin/scim2-server" --hostname 127.0.0.1 --port "$port" --bearer-token "$token" \
        >"$log" 2>&1 &
    python_pid=$!
    server_pids+=("$python_pid")
    python_url="$(wait_for_url "$python_pid" "$log" 60 /v2)"
}
