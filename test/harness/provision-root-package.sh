#!/usr/bin/env bash
# Adds one Debian package to the Synapse root (provision-synapse.sh makes that root) for the tests
# that need it — chromium for the page tests, prometheus for promtool — so the host is left alone.
# Usage: provision-root-package.sh PACKAGE Once per root: a marker written at the very end says it is
# ready, and a lock keeps two test processes from installing at once. Other test processes may be
# running Synapse from this root meanwhile, so nothing there is upgraded: no `apt-get upgrade`, and
# the root's package lists are refreshed only when the archive no longer has the files they name.
set -euo pipefail
# chroot lives in sbin, which a non-login PATH may leave out.
export PATH="/usr/local/sbin:/usr/sbin:/sbin:$PATH"
package="${1:?usage: provision-root-package.sh PACKAGE}"
root="${ANTEROOM_SYNAPSE_ROOT:-$HOME/.cache/anteroom-synapse/root}"
marker="$root/srv/$package.ready"
[ -f "$marker" ] && { echo "$package ready in $root"; exit 0; }
if [ "$(id -u)" != 0 ]; then
  echo "installing $package into $root needs root (chroot)" >&2
  exit 1
fi
[ -x "$root/usr/bin/apt-get" ] || { echo "no Synapse root at $root (provision-synapse.sh makes it)" >&2; exit 1; }

exec 9>"$(dirname "$root")/$package.lock"
if ! flock -n 9; then
  echo "waiting for another test process that is installing $package into $root…"
  flock 9
fi
[ -f "$marker" ] && { echo "$package ready in $root"; exit 0; }

log="$(dirname "$root")/$package-install.log"
: >"$log"
# Runs a command in the root, with /proc mounted in a mount namespace of its own (packages'
# install scripts may read it); the host's mounts are untouched.
in_root() {
  # shellcheck disable=SC2016 # the inner shell expands its own arguments
  unshare --mount --propagation private -- /bin/sh -c \
    'root="$1"; shift; mount -t proc proc "$root/proc" && exec chroot "$root" "$@"' \
    sh "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root \
    DEBIAN_FRONTEND=noninteractive "$@"
}
# DPkg::Lock::Timeout: wait for an apt run someone started by hand in the root rather than fail.
install_package() {
  in_root apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "$package" >>"$log" 2>&1
}

echo "installing $package into $root (first time only, about 30 s; log: $log)…"
if ! install_package; then
  echo "that failed: refreshing the root's package lists (the archive moves on) and trying again…"
  # The sid Release file can be past its Valid-Until date.
  { in_root apt-get -o Acquire::Check-Valid-Until=false update >>"$log" 2>&1 && install_package; } || {
    tail -n 15 "$log" >&2
    echo "installing $package into $root failed (no access to the Debian archive?); see $log" >&2
    exit 1
  }
fi
# shellcheck disable=SC2016 # a dpkg-query format, not a shell expansion
version="$(chroot "$root" dpkg-query -W -f='${Version}' "$package")"
echo "$version" >"$marker.tmp"
mv "$marker.tmp" "$marker"
echo "$package $version ready in $root"
