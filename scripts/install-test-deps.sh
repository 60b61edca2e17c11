#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian 12 machine (run as root).
# Idempotent: packages already present are not reinstalled.
set -euo pipefail

packages=(
  postgresql          # real PostgreSQL for cluster-mode persistence tests
  sip-tester          # SIPp, for SIP interop and end-to-end call tests
  chromium            # headless browser tests
  chromium-driver
  baresip             # peer-interop tests (tests/Interop.Tests): stock SIP phones and proxies against the edge
  linphone-cli
  kamailio
  sox                 # test tones for the peers' audio
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "==> installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "==> test packages already installed"
fi

# The web UI's build needs node and npm; the machine image usually has them, Debian's packages otherwise.
if ! command -v npm >/dev/null; then
  echo "==> installing nodejs and npm"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm
fi

# A distro postgres cluster may have been started by the package; tests run their own private instance.
command -v pg_ctlcluster >/dev/null && pg_lsclusters -h 2>/dev/null | awk '{print $1, $2}' | while read -r v c; do
  pg_ctlcluster "$v" "$c" stop 2>/dev/null || true
done
exit 0
