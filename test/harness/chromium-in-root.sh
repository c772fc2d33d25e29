#!/usr/bin/env bash
# Playwright's executablePath for the page tests: runs the chromium that provision-root-package.sh put
# in the Synapse root, so the host needs no browser. In a mount namespace of its own it mounts
# /proc, the host's /dev (with /dev/shm) and the host's temporary directory at the same paths in
# the root, so the paths playwright passes (--user-data-dir=/tmp/…) name the same files inside.
# Every step execs, so the process playwright started becomes chromium and its pipes (fds 3 and 4)
# pass straight through.
set -euo pipefail
export PATH="/usr/local/sbin:/usr/sbin:/sbin:$PATH"
root="${ANTEROOM_SYNAPSE_ROOT:-$HOME/.cache/anteroom-synapse/root}"
tmp="$(cd "${TMPDIR:-/tmp}" && pwd -P)"
# shellcheck disable=SC2016 # the inner shell expands its own arguments
exec unshare --mount --propagation private -- /bin/sh -c '
  root="$1" tmp="$2"
  shift 2
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  mkdir -p "$root$tmp"
  mount --bind "$tmp" "$root$tmp"
  exec chroot "$root" /usr/bin/chromium "$@"
' sh "$root" "$tmp" "$@"
