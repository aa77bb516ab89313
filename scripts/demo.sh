#!/usr/bin/env bash
# Builds cpa-sdk with the gcc preset and runs the wire demo, which prints decoded CPA wire
# messages.
#
# The full reference-host demo (loading a native plugin and driving it the way CPA does) arrives
# with the host library; until then this runs the wire demo only.
#
# On Debian 12 as root it first installs whatever build dependency is missing (see
# scripts/lib/install-deps.sh). Works from any directory.
set -euo pipefail

repo_root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
cd -- "${repo_root}"

# shellcheck source=scripts/lib/install-deps.sh
source "${repo_root}/scripts/lib/install-deps.sh"
cpa_install_deps

preset=gcc
echo "==== [${preset}] configure"
cmake --preset "${preset}"
echo "==== [${preset}] build"
cmake --build --preset "${preset}" --parallel 2

demo="build/${preset}/reference_host/cpa-host"
if [[ -x "${demo}" ]]; then
    echo "==== running ${demo}"
    exec "./${demo}" demo
fi

echo "demo.sh: the SDK built, but ${demo} does not exist in this checkout yet," >&2
echo "demo.sh: so there is no demo to run. Run ./scripts/test.sh to exercise the SDK." >&2
