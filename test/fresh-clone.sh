#!/usr/bin/env bash
# The README's two commands on a fresh clone of the current commit, in a clean
# temporary directory, the way a newcomer to the repository runs them, both whole:
#   1. `npm install && npx anteroom demo`: with no terminal (as in CI) the demo
#      runs headless; it must exit 0 with every simulated newcomer at its
#      expected outcome. It provisions the local Synapse on first use.
#   2. `npm test`: the whole suite (about 17 minutes). It provisions what its
#      tests need (Chromium in the Synapse root, tmux on the host) on first use.
# The browser the page tests use is never the host's: ANTEROOM_CHROMIUM is
# unset here, and without it the harness does not look at the host's chromium.
# Arguments, if any, go to npm test as a filter (to try this script without
# the whole suite: `bash test/fresh-clone.sh pages-browser`); CI passes none.
# Needs Node 22 on PATH. .ci/run ends with this script, so nothing is printed
# after npm test's closing `N passed, N failed`, and its exit status is this
# script's. Exits non-zero on the first failure before it, saying which.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
commit="$(git -C "$repo" rev-parse HEAD)"
work="$(mktemp -d "${TMPDIR:-/tmp}/anteroom-fresh-clone.XXXXXX")"
trap 'rm -rf "$work"' EXIT
clone="$work/anteroom"
output="$work/demo.out"

fail() {
  echo "fresh clone: FAILED: $*" >&2
  exit 1
}

# The commit only: nothing from the working tree (node_modules, dist, caches) comes along.
git init --quiet "$clone"
git -C "$clone" fetch --quiet --depth 1 "file://$repo" "$commit"
git -C "$clone" checkout --quiet --detach FETCH_HEAD
echo "fresh clone: $commit in $clone"
cd "$clone"

# A newcomer's environment: no browser named for the page tests. npm's audit and funding notices
# are CI noise.
unset ANTEROOM_CHROMIUM
export npm_config_audit=false npm_config_fund=false

echo "fresh clone: npm install && npx anteroom demo"
started=$SECONDS
set +e
# stdin from /dev/null: no terminal, whatever runs this script. The demo's data dir stays inside
# the clone's temporary directory (it defaults to one under ~/.cache that each demo start wipes).
(export ANTEROOM_DEMO_DATA_DIR="$work/demo-data" && npm install && npx anteroom demo) </dev/null 2>&1 | tee "$output"
status=${PIPESTATUS[0]}
set -e
echo "fresh clone: the first command took $((SECONDS - started)) s and exited $status"
[ "$status" -eq 0 ] || fail "\`npm install && npx anteroom demo\` exited $status"
! grep -q '^FAIL ' "$output" || fail "a simulated newcomer did not reach its expected outcome"
summary="$(grep -E '^demo passed: [0-9]+ of [0-9]+ newcomers' "$output" | tail -n 1 || true)"
[ -n "$summary" ] || fail "the demo did not end with 'demo passed: N of N newcomers…'"
read -r reached total <<<"$(sed -E 's/^demo passed: ([0-9]+) of ([0-9]+).*/\1 \2/' <<<"$summary")"
oks="$(grep -c '^ok ' "$output" || true)"
[ "$reached" -eq "$total" ] && [ "$oks" -eq "$total" ] ||
  fail "expected $total newcomer outcomes, saw $oks ok lines ($summary)"
echo "fresh clone: the first command passed ($total of $total newcomers as expected)"

# Last, and nothing printed after it: CI reads npm test's closing `N passed, N failed`.
if [ "$#" -eq 0 ]; then
  echo "fresh clone: npm test (the whole suite, about 17 minutes)"
  set +e
  npm test </dev/null
else
  echo "fresh clone: npm test -- $* (a filter: not the README's command)"
  set +e
  npm test -- "$@" </dev/null
fi
status=$?
set -e
exit "$status"
