#!/usr/bin/env bash
# Builds cpa-sdk and runs every test, once per CMake preset.
#
# Usage: scripts/test.sh                  (presets "gcc" and "clang", then the concurrency
#                                          tests under AddressSanitizer + UBSan)
#        CPA_PRESETS="gcc" scripts/test.sh
#        CPA_ASAN=0 scripts/test.sh       (without the sanitizer run)
#
# On Debian 12 as root it first installs whatever build dependency is missing (see
# scripts/lib/install-deps.sh). Works from any directory. Exits non-zero on the first failure.
set -euo pipefail

repo_root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
cd -- "${repo_root}"

# shellcheck source=scripts/lib/install-deps.sh
source "${repo_root}/scripts/lib/install-deps.sh"
cpa_install_deps

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

# The host's concurrency tests (routing and executing while plugins are reloaded and unloaded)
# under AddressSanitizer + UndefinedBehaviorSanitizer, leak checking included.
if [[ "${CPA_ASAN:-1}" != 0 ]]; then
    run_step asan configure cmake --preset asan
    run_step asan build cmake --build --preset asan --parallel 2 \
        --target conformance.concurrency conformance.stress
    run_step asan test ctest --preset asan-concurrency -j2
    summary+=("asan: OK (conformance.concurrency, conformance.stress)")
fi

print_summary
