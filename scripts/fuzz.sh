#!/usr/bin/env bash
# Builds the libFuzzer targets (CMake preset "fuzz": clang 14, ASan + UBSan) and runs each one in
# turn with its seeds, then prints what every run did.
#
# Usage: scripts/fuzz.sh [seconds]            each target for this many seconds (default 60)
#        FUZZ_RUNS=1000000 scripts/fuzz.sh    each target for this many executions instead
#        FUZZ_TARGETS="base64 config" ...     only these targets
#
# Corpora grow in build/fuzz/corpus/<target> (kept between runs, not committed); seeds are the
# committed tests/fuzz/seeds/<target>, every message of tests/data/cpa-wire-examples.txt and the
# YAML configurations of tests/reference_host/data. Crash inputs are copied to
# build/fuzz/crashes/<target>/; add them to tests/fuzz/regressions/<target>/ once fixed.
#
# On Debian 12 as root it first installs whatever build dependency is missing (see
# scripts/lib/install-deps.sh). Works from any directory. Exits non-zero when a target crashed
# (or the build failed).
set -euo pipefail

repo_root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
cd -- "${repo_root}"

# shellcheck source=scripts/lib/install-deps.sh
source "${repo_root}/scripts/lib/install-deps.sh"
cpa_install_deps

seconds="${1:-60}"
if ! [[ "${seconds}" =~ ^[0-9]+$ ]] || ((seconds == 0)); then
    echo "fuzz.sh: the time per target must be a positive number of seconds, got '${seconds}'" >&2
    exit 2
fi
runs="${FUZZ_RUNS:-}"
if [[ -n "${runs}" && ! "${runs}" =~ ^[0-9]+$ ]]; then
    echo "fuzz.sh: FUZZ_RUNS must be a number of executions, got '${runs}'" >&2
    exit 2
fi
read -r -a targets <<<"${FUZZ_TARGETS:-plugin_answers plugin_requests host_callbacks config base64 rfc3339}"

cmake --preset fuzz
cmake --build --preset fuzz --parallel 2

build="${repo_root}/build/fuzz"
work="${build}/fuzz-work"
seeds="${work}/seeds"
rm -rf -- "${seeds}"
mkdir -p -- "${seeds}"

# The wire examples behind every selector byte, the committed seeds and the reference host's
# YAML files (read as a host configuration and as a plugin configuration).
"${build}/tests/fuzz/cpa_fuzz_replay" --write-seeds "${seeds}" \
    "${repo_root}/tests/data/cpa-wire-examples.txt"
for target in "${targets[@]}"; do
    mkdir -p -- "${seeds}/${target}"
    if [[ -d "${repo_root}/tests/fuzz/seeds/${target}" ]]; then
        cp -- "${repo_root}/tests/fuzz/seeds/${target}"/* "${seeds}/${target}/" 2>/dev/null || true
    fi
done
n=0
for yaml in "${repo_root}"/tests/reference_host/data/*.yaml*; do
    [[ -f "${yaml}" ]] || continue
    n=$((n + 1))
    { printf '\000'; cat -- "${yaml}"; } >"${seeds}/config/reference-host-${n}-host"
    { printf '\002'; cat -- "${yaml}"; } >"${seeds}/config/reference-host-${n}-plugin"
done

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

results=()
crashed=()
for target in "${targets[@]}"; do
    binary="${build}/tests/fuzz/fuzz.${target}"
    if [[ ! -x "${binary}" ]]; then
        echo "fuzz.sh: no fuzz target ${target} (${binary})" >&2
        exit 2
    fi
    corpus="${build}/corpus/${target}"
    crashes="${build}/crashes/${target}"
    log="${work}/${target}.log"
    mkdir -p -- "${corpus}" "${crashes}"
    limit=(-max_total_time="${seconds}")
    if [[ -n "${runs}" ]]; then
        limit=(-runs="${runs}")
    fi
    echo
    echo "==== fuzz.${target}: ${limit[*]}"
    rc=0
    "${binary}" "${limit[@]}" -print_final_stats=1 -detect_leaks=1 -timeout=60 \
        -artifact_prefix="${crashes}/" "${corpus}" "${seeds}/${target}" >"${log}" 2>&1 || rc=$?
    execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "${log}" | tail -n 1 | grep -o '[0-9]*$' || true)"
    status_line="$(grep -E '^#[0-9]+.* cov: ' "${log}" | tail -n 1 || true)"
    cov="$(grep -o 'cov: [0-9]*' <<<"${status_line}" | grep -o '[0-9]*$' || true)"
    ft="$(grep -o 'ft: [0-9]*' <<<"${status_line}" | grep -o '[0-9]*$' || true)"
    line="$(printf '%-16s execs %-10s cov %-6s ft %-6s' "${target}" "${execs:-?}" "${cov:-?}" "${ft:-?}")"
    if ((rc != 0)); then
        tail -n 40 -- "${log}"
        found=("${crashes}"/*)
        line+=" CRASHED (exit ${rc}; log ${log}; inputs: ${found[*]})"
        crashed+=("${target}")
    else
        line+=" ok"
    fi
    echo "${line}"
    results+=("${line}")
done

echo
echo "==== summary ($(date -u '+%Y-%m-%d %H:%M UTC'))"
printf '%s\n' "${results[@]}"
if ((${#crashed[@]} != 0)); then
    echo "fuzz.sh: crashes in: ${crashed[*]}; inputs under ${build}/crashes/<target>/" >&2
    exit 1
fi
