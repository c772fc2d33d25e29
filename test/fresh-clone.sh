#!/usr/bin/env bash
# The README's two commands on a fresh clone of the current commit, in a clean
# temporary directory, the way a newcomer to the repository runs them:
#   1. `npm install && npx anteroom demo`: with no terminal (as in CI) the demo
#      runs headless; it must exit 0 with every simulated newcomer at its
#      expected outcome.
#   2. `npm test`: the whole suite twice (here and in CI's main step) is too
#      slow, so the clone runs the same command with a filter, `npm test --
#      test/unit` (test/run.ts runs the files whose path contains it).
# Needs what CI has: Node 22 on PATH and the test Synapse provisioned.
# Exits non-zero on the first failure, saying which.
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

# The demo's data dir stays inside the clone's temporary directory (it defaults to one under
# ~/.cache that each demo start wipes); npm's audit and funding notices are CI noise.
export ANTEROOM_DEMO_DATA_DIR="$work/demo-data"
export npm_config_audit=false npm_config_fund=false

echo "fresh clone: npm install && npx anteroom demo"
started=$SECONDS
set +e
# stdin from /dev/null: no terminal, whatever runs this script.
(npm install && npx anteroom demo) </dev/null 2>&1 | tee "$output"
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

echo "fresh clone: npm test -- test/unit"
started=$SECONDS
npm test -- test/unit </dev/null || fail "\`npm test -- test/unit\` failed"
echo "fresh clone: the test command took $((SECONDS - started)) s"
echo "fresh clone: passed ($total of $total newcomers as expected, unit tests green)"
