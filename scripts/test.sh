#!/usr/bin/env bash
# Builds cpa-sdk and runs every test, once per CMake preset.
#
# Usage: scripts/test.sh                  (presets "gcc" and "clang"; then the suite under
#                                          AddressSanitizer + UBSan, the concurrency tests under
#                                          ThreadSanitizer, and a fuzzing smoke run)
#        CPA_PRESETS="gcc" scripts/test.sh
#        CPA_ASAN=0 / CPA_TSAN=0 / CPA_FUZZ=0 scripts/test.sh   (skip that run)
#        CPA_ASAN=concurrency scripts/test.sh   (ASan runs only the host's concurrency tests)
#        CPA_FUZZ_SECONDS=60 scripts/test.sh                    (seconds per fuzz target)
#
# On Debian 12 as root it first installs whatever build dependency is missing (see
# scripts/lib/install-deps.sh). Works from any directory. Exits non-zero on the first failure.
set -euo pipefail

repo_root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
cd -- "${repo_root}"

# shellcheck source=scripts/lib/install-deps.sh
source "${repo_root}/scripts/lib/install-deps.sh"
cpa_install_deps

# The concurrency tests: what the tsan-concurrency test preset runs.
cpa_concurrency_targets=(conformance.concurrency conformance.stress soak.reload_under_load fixtures.behaviour)

read -r -a presets <<<"${CPA_PRESETS:-gcc clang}"
if ((${#presets[@]} == 0)); then
    echo "test.sh: CPA_PRESETS is empty; nothing to do." >&2
    exit 1
fi

summary=()

print_summary() {
    echo
    echo "==== summary"
    local line
    for line in "${summary[@]}"; do
        echo "${line}"
    done
}

# run_step <preset> <step> <command...>: runs the command; on failure records it, prints the
# summary (not-yet-run presets included) and exits with the command's status.
run_step() {
    local preset="$1" step="$2"
    shift 2
    echo
    echo "==== [${preset}] ${step}: $*"
    local rc=0
    "$@" || rc=$?
    if ((rc != 0)); then
        summary+=("${preset}: FAILED at ${step} (exit ${rc})")
        local p seen=0
        for p in "${presets[@]}"; do
            if ((seen)); then
                summary+=("${p}: not run")
            fi
            if [[ "${p}" == "${preset}" ]]; then
                seen=1
            fi
        done
        print_summary
        exit "${rc}"
    fi
}

for preset in "${presets[@]}"; do
    run_step "${preset}" configure cmake --preset "${preset}"
    run_step "${preset}" build cmake --build --preset "${preset}" --parallel 2
    run_step "${preset}" test ctest --preset "${preset}" -j2
    summary+=("${preset}: OK (configure, build, test)")
done

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer, leak checking included
# (only the tests that merely compile or package something are left out: see the asan test
# preset).
# CPA_ASAN=concurrency runs only the host's concurrency tests (test preset asan-concurrency).
if [[ "${CPA_ASAN:-1}" == concurrency ]]; then
    run_step asan configure cmake --preset asan
    run_step asan build cmake --build --preset asan --parallel 2 \
        --target conformance.concurrency conformance.stress
    run_step asan test ctest --preset asan-concurrency -j2
    summary+=("asan: OK (conformance.concurrency, conformance.stress)")
elif [[ "${CPA_ASAN:-1}" != 0 ]]; then
    run_step asan configure cmake --preset asan
    run_step asan build cmake --build --preset asan --parallel 2
    run_step asan test ctest --preset asan -j2
    summary+=("asan: OK (configure, build, test)")
fi

# The concurrency tests under ThreadSanitizer: routing and executing while plugins are reloaded,
# reconfigured and unloaded, the soak test, and the misbehaving-plugin fixtures.
if [[ "${CPA_TSAN:-1}" != 0 ]]; then
    run_step tsan configure cmake --preset tsan
    run_step tsan build cmake --build --preset tsan --parallel 2 --target "${cpa_concurrency_targets[@]}"
    run_step tsan test ctest --preset tsan-concurrency -j2
    summary+=("tsan: OK (${cpa_concurrency_targets[*]})")
fi

# Every fuzz target for a few seconds over its seeds (scripts/fuzz.sh runs them for longer).
if [[ "${CPA_FUZZ:-1}" != 0 ]]; then
    run_step fuzz smoke "${repo_root}/scripts/fuzz.sh" "${CPA_FUZZ_SECONDS:-5}"
    summary+=("fuzz: OK (every target ${CPA_FUZZ_SECONDS:-5} s)")
fi

print_summary
