import { test } from "node:test";
import assert from "node:assert/strict";
import { missingDaemonFlags } from "../../bin/daemon-v8-flags.js";

const ALL = [
  "--max-semi-space-size=2",
  "--optimize-for-size",
  "--max-opt=2",
  "--no-memory-reducer",
];

test("a daemon started plainly gets every flag", () => {
  assert.deepEqual(missingDaemonFlags([], undefined), ALL);
  assert.deepEqual(missingDaemonFlags([], ""), ALL);
});

test("a flag the operator set, in any spelling V8 takes, is left to them", () => {
  assert.deepEqual(missingDaemonFlags(["--max-semi-space-size=16"]), ALL.slice(1));
  assert.deepEqual(missingDaemonFlags(["--max_semi_space_size", "16"]), ALL.slice(1));
  assert.deepEqual(missingDaemonFlags(["--no-optimize-for-size"]), [ALL[0], ...ALL.slice(2)]);
  assert.deepEqual(missingDaemonFlags(["--memory-reducer"]), ALL.slice(0, 3));
  assert.deepEqual(missingDaemonFlags([], "--nomemory_reducer --max-opt=3"), ALL.slice(0, 2));
});

test("a flag whose name only begins like one of ours does not stop ours", () => {
  assert.deepEqual(missingDaemonFlags(["--memory-reducer-gc-count=1"]), ALL);
  assert.deepEqual(missingDaemonFlags([], "--max-opt-foo"), ALL);
});
