#!/usr/bin/env bash
# Builds (once) a Debian sid root holding Synapse, for the integration tests and `anteroom demo`.
# The root is cached in ANTEROOM_SYNAPSE_ROOT (default ~/.cache/anteroom-synapse/root)
# and reused across runs. Needs root, debootstrap (installed here when missing)
# and the Debian mirror this machine's apt already uses (debootstrap's default).
set -euo pipefail
# debootstrap and chroot live in sbin, which a non-login PATH may leave out.
export PATH="/usr/local/sbin:/usr/sbin:/sbin:$PATH"
root="${ANTEROOM_SYNAPSE_ROOT:-$HOME/.cache/anteroom-synapse/root}"
if [ -x "$root/usr/bin/python3" ] && chroot "$root" python3 -c 'import synapse' 2>/dev/null; then
  echo "synapse root ready: $root"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "provisioning Synapse needs root (debootstrap + chroot); or set ANTEROOM_TEST_HS and ANTEROOM_TEST_HS_SECRET" >&2
  exit 1
fi
if ! command -v debootstrap >/dev/null; then
  echo "installing debootstrap…"
  DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap >/dev/null 2>&1 ||
    { apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap >/dev/null; }
fi
mkdir -p "$(dirname "$root")"
partial="$root.partial"
rm -rf "$partial"
echo "debootstrap sid into $partial (about 30 s)…"
debootstrap --variant=minbase --include=ca-certificates sid "$partial" >"$partial.log" 2>&1 ||
  { tail -20 "$partial.log" >&2; exit 1; }
echo "installing matrix-synapse in the root (about 30 s)…"
# The sid Release file can be past its Valid-Until date.
chroot "$partial" sh -c 'apt-get -o Acquire::Check-Valid-Until=false update >/dev/null &&
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends matrix-synapse >/dev/null' ||
  { echo "installing matrix-synapse failed" >&2; exit 1; }
rm -rf "$root"
mv "$partial" "$root"
echo "synapse root ready: $root"
