# shellcheck shell=bash
# Installs the Debian 12 packages cpa-sdk needs to build and test. Sourced by scripts/test.sh,
# scripts/demo.sh and scripts/fuzz.sh, which call cpa_install_deps once before configuring.
#
# Only missing packages are installed: each is checked with `dpkg -s`, and `apt-get update` runs
# once, only when something is missing. As a non-root user nothing is installed; the missing
# packages are listed and the calling script exits with status 1.

CPA_DEB_PACKAGES=(
    cmake
    ninja-build
    g++
    gcc
    clang-14
    libclang-rt-14-dev
    libboost1.81-dev
    libboost-json1.81-dev
    libboost-log1.81-dev
    libboost-test1.81-dev
    libbenchmark-dev
    libyaml-dev
    pkg-config
    make
)

# True when the package is installed (not merely known to dpkg, e.g. removed with config left).
cpa_deb_installed() {
    dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed$'
}

cpa_install_deps() {
    if ! command -v dpkg >/dev/null 2>&1; then
        echo "install-deps: dpkg not found; not a Debian system, so nothing is installed." >&2
        echo "install-deps: make sure the equivalents of these are present: ${CPA_DEB_PACKAGES[*]}" >&2
        return 0
    fi

    local missing=() pkg
    for pkg in "${CPA_DEB_PACKAGES[@]}"; do
        if ! cpa_deb_installed "${pkg}"; then
            missing+=("${pkg}")
        fi
    done

    if ((${#missing[@]} == 0)); then
        echo "install-deps: all ${#CPA_DEB_PACKAGES[@]} required packages are installed."
        return 0
    fi

    if [[ "$(id -u)" -ne 0 ]]; then
        echo "install-deps: missing packages: ${missing[*]}" >&2
        echo "install-deps: install them as root, e.g.:" >&2
        echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi

    echo "install-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends "${missing[@]}"
}
