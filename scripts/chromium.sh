#!/usr/bin/env bash
# Install Debian's chromium for the HTML report's browser test (tests/virality/test_html_browser.py),
# then print its path. Idempotent: safe to run again.
set -euo pipefail
log() { echo "chromium.sh: $*" >&2; }
if ! command -v chromium >/dev/null 2>&1; then
  log "installing chromium from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends chromium >&2
fi
command -v chromium
