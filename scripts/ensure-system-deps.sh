#!/usr/bin/env bash
# Make sure the Debian packages the compiler needs at build/test time are installed.
# Does nothing (and needs no network) when they already are.
set -euo pipefail

# Debian packages required by the compiler. Add new ones here (e.g. chromium).
SYSTEM_PKGS=(
    graphviz
    fonts-noto-cjk
    fonts-dejavu-core  # the print stylesheet sets code in non-CJK runbooks in DejaVu Sans Mono
    libharfbuzz-subset0
    libpango-1.0-0     # WeasyPrint (PDF) loads Pango and PangoFT2 at run time
    libpangoft2-1.0-0
    poppler-utils
    chromium  # only for the browser tests (tests/e2e), driven by Playwright
    nginx     # only for the publishing test (tests/e2e/test_publish_nginx.py), which starts its own
)

# For testing this script: PKGS_OVERRIDE="pkg1 pkg2" replaces the list above.
if [[ -n "${PKGS_OVERRIDE:-}" ]]; then
    read -r -a SYSTEM_PKGS <<<"$PKGS_OVERRIDE"
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "ensure-system-deps: dpkg-query not found; this script supports Debian/Ubuntu only." >&2
    echo "ensure-system-deps: install these packages by other means: ${SYSTEM_PKGS[*]}" >&2
    exit 1
fi

missing_pkgs() {
    local pkg status
    for pkg in "${SYSTEM_PKGS[@]}"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
        if [[ "$status" != "installed" ]]; then
            printf '%s\n' "$pkg"
        fi
    done
}

mapfile -t missing < <(missing_pkgs)
if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

if [[ $EUID -ne 0 ]]; then
    echo "ensure-system-deps: missing Debian packages: ${missing[*]}" >&2
    echo "ensure-system-deps: install them as root, then re-run make:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

echo "ensure-system-deps: installing missing Debian packages: ${missing[*]}"
# No service may start as a package is installed (nginx would take port 80): the tests start
# their own, on a loopback port. Debian's maintainer scripts ask policy-rc.d; where there is
# none, one that says "no" is in place for the install only.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# ensure-system-deps: no service starts during the install\nexit 101\n' \
        >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"

mapfile -t still_missing < <(missing_pkgs)
if [[ ${#still_missing[@]} -ne 0 ]]; then
    echo "ensure-system-deps: still missing after apt-get install: ${still_missing[*]}" >&2
    exit 1
fi
