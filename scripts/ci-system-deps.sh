#!/usr/bin/env bash
# System packages the test suite needs beyond the Python venv: Debian's Chromium, for the tests
# that render the HTML report and the Airflow UI headless (Playwright drives /usr/bin/chromium;
# Playwright's own browser download is not used).
#
# Idempotent and quick when everything is there: it only calls apt-get when a binary is missing.
# Never fatal: without root or apt (a developer's laptop) it says what to install and exits 0,
# and the browser tests skip with that reason.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# Fonts for legible screenshots; chromium pulls some in, this one keeps text metrics stable.
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)

if [ ${#missing[@]} -eq 0 ]; then
    echo "ci-system-deps: chromium already installed ($(command -v chromium))"
    exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ci-system-deps: missing ${missing[*]}; install them (Debian: apt-get install -y ${missing[*]})" \
        "or the browser tests will skip" >&2
    exit 0
fi

echo "ci-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; } \
    >/tmp/ci-system-deps.log 2>&1; then
    echo "ci-system-deps: apt-get failed (see /tmp/ci-system-deps.log); browser tests will skip" >&2
    tail -5 /tmp/ci-system-deps.log >&2 || true
    exit 0
fi
echo "ci-system-deps: installed $(command -v chromium)"
