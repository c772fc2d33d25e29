import { test } from "node:test";
import assert from "node:assert/strict";
import type { LobbyRecord } from "../../core/lobby/record.js";
import type { VettingRecord } from "../../core/vetting/record.js";
import { initialConsoleState } from "../../ui/state/console-state.js";
import { applyEvents, applySnapshot } from "../../ui/state/engine-data.js";

const record = (key: string): VettingRecord => ({
  key,
  user: `@${key}:example.org`,
  reason: "",
  knockedAt: 1,
  phase: "denied",
  triesLeft: 0,
  judged: [],
  outbox: [],
  nextEffectId: 1,
  closedAt: 2,
});
// The mirror only reads a lobby's key (and closedAt when it bounds the list).
const lobby = (key: string) => ({ key, closedAt: 2 }) as unknown as LobbyRecord;

test("records and lobbies the engine forgot leave the console", () => {
  let state = applySnapshot(initialConsoleState, {
    seq: 1,
    records: [record("a"), record("b")],
    lobbies: [lobby("lobby:x"), lobby("lobby:y")],
    codes: {},
    signupCodes: {},
  });
  state = applyEvents(state, [
    { seq: 2, type: "removed", kind: "vetting", key: "a" },
    { seq: 3, type: "removed", kind: "lobby", key: "lobby:y" },
    { seq: 4, type: "removed", kind: "vetting", key: "never-seen" },
  ]);
  assert.deepEqual([...state.records.keys()], ["b"]);
  assert.deepEqual([...state.lobbies.keys()], ["lobby:x"]);
  assert.equal(state.seq, 4);
});
