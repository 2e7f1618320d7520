#!/usr/bin/env bash
# Benchmarks `scimctl lint` against scim-sanity 0.7.4's payload validation, in one run, and
# writes the figures into docs/benchmarks.md (between the lint-results markers).
#
# Usage: bench/lint.sh              (about a minute; BENCH_RUNS=5 for a quicker look)
#
# Two bodies, each checked offline by both tools side by side (A B A B ...; BENCH_RUNS rounds,
# default 20, after 3 warm-up rounds), one process per check from start to exit: a User as an
# IdP provisions it (bench/make_seed.py's first user) with `scimctl lint FILE` and
# `scim-sanity FILE`, and RFC 7644 §3.5.2.3's PatchOp replacing a work address
# (fixtures/rfc/patch/) with `scimctl lint FILE --patch` and `scim-sanity FILE --patch`. Before
# the timing, both tools must accept both bodies (exit 0), so both do their whole work.
#
# No issue sets a target for this comparison (issue 15 names scim-sanity as a peer and nothing
# more): the ratios are recorded, not judged, and the script exits 0 unless a tool fails.
# Builds scimctl in release mode, installs hyperfine (Debian) if missing and sets up the peers'
# venv. Reads no configuration file. Not run by CI.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${BENCH_RUNS:-20}"
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"

apt_install hyperfine
build_release
setup_peers
export SCIMCTL_CONFIG="$work/none.toml" XDG_CACHE_HOME="$work/cache" NO_COLOR=1
unset SCIMCTL_URL SCIMCTL_PROFILE

python3 "$repo/bench/make_seed.py" 1 "$work/seed-1.json"
python3 -c 'import json, sys; json.dump(json.load(open(sys.argv[1]))["Users"][0], open(sys.argv[2], "w"), indent=2)' \
    "$work/seed-1.json" "$work/user.json"
patch_body="$repo/fixtures/rfc/patch/3.5.2.3-replace-work-address.json"
sanity="$venv/bin/scim-sanity"

rows=()
for body in user patch; do
    if [[ "$body" == user ]]; then
        file="$work/user.json" flag="" label="A User (bench/make_seed.py)"
    else
        file="$patch_body" flag=" --patch" label="RFC 7644 §3.5.2.3 PatchOp, replace a work address"
    fi
    ours="$scimctl lint $file$flag"
    # scim-sanity takes the file before the flag: `scim-sanity --patch FILE`, as its help writes
    # it, reads FILE as a subcommand.
    theirs="$sanity $file$flag"
    for command in "$ours" "$theirs"; do
        bash -c "$command" >"$work/out.txt" 2>&1 </dev/null ||
            die "the $body body is not accepted by: $command: $(head -c 300 "$work/out.txt")"
    done
    say "timing scimctl lint and scim-sanity on the $body body, $runs rounds"
    side_by_side "$work/$body.json" 3 "$runs" "scimctl lint" "$ours" "scim-sanity" "$theirs"
    ours_ms="$(python3 -c "print(f'{$(timing_median "$work/$body.json" 0) * 1000:.1f}')")"
    theirs_ms="$(python3 -c "print(f'{$(timing_median "$work/$body.json" 1) * 1000:.1f}')")"
    body_ratio="$(ratio "$theirs_ms" "$ours_ms" 0)"
    rows+=("| $label | \`scimctl lint${flag}\` | $ours_ms ($(timing_spread "$work/$body.json" 0 1 ms)) | $theirs_ms ($(timing_spread "$work/$body.json" 1 1 ms)) | **${body_ratio}x** |")
    target - "$label: scim-sanity's median / \`scimctl lint\`'s" "${body_ratio}x" "none named"
done

{
    run_header "$("$scimctl" --version) (release build), scim-sanity 0.7.4 (Python $(python_version)), $(hyperfine --version)" \
        "BENCH_RUNS=$runs bench/lint.sh"
    cat <<EOF
One process per check, from start to exit; median of $runs rounds after 3 warm-up rounds, the two
tools in turn (min-max in brackets). Both accept both bodies.

| Body | scimctl command | scimctl median (ms) | scim-sanity median (ms) | Ratio |
|---|---|---:|---:|---:|
$(printf '%s\n' "${rows[@]}")

EOF
    targets_table
} >"$work/results.md"
write_section lint "$work/results.md"
finish
