#!/usr/bin/env bash
# Installs tmux on this machine when it is missing, for the console's end-to-end tests (Debian's
# package, as root). Two test processes at once are safe: apt-get waits for the other's lock, then
# finds tmux installed. This machine's package lists are refreshed only when the install needs it.
set -euo pipefail
export PATH="/usr/local/sbin:/usr/sbin:/sbin:$PATH"
command -v tmux >/dev/null && { echo "tmux ready"; exit 0; }
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "tmux is missing, and installing it here needs root and apt-get" >&2
  exit 1
fi
log="$(mktemp "${TMPDIR:-/tmp}/anteroom-tmux-install.XXXXXX")"
trap 'rm -f "$log"' EXIT
install_tmux() {
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends tmux >>"$log" 2>&1
}
echo "installing tmux on this machine (first time only, a few seconds)…"
if ! install_tmux; then
  echo "that failed: refreshing this machine's package lists and trying again…"
  { apt-get -o DPkg::Lock::Timeout=300 update >>"$log" 2>&1 && install_tmux; } || {
    tail -n 15 "$log" >&2
    echo "installing tmux failed (no access to the Debian archive?)" >&2
    exit 1
  }
fi
echo "tmux ready: $(tmux -V)"
