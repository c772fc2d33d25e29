import { test } from "node:test";
import assert from "node:assert/strict";
import type { EngineEvent } from "../../core/engine/events.js";
import {
  changesBetween,
  foldEvents,
  snapshotOfView,
  viewOfSnapshot,
} from "../../core/engine/event-fold.js";
import { record } from "./admin-fakes.js";

const start = viewOfSnapshot({
  seq: 5,
  records: [record("$a:hs", "@a:hs"), record("$b:hs", "@b:hs")],
  lobbies: [],
  codes: { OLD: { uses_remaining: 1, label: "" } },
  signupCodes: {},
});

test("events newer than the view change it; older ones and the view given stay as they were", () => {
  const events: EngineEvent[] = [
    { seq: 4, type: "removed", kind: "vetting", key: "$a:hs" },
    { seq: 6, type: "record", record: record("$c:hs", "@c:hs", "open") },
    { seq: 7, type: "removed", kind: "vetting", key: "$b:hs" },
    { seq: 8, type: "codes", book: "signup", codes: { NEW: { uses_remaining: 2, label: "x" } } },
    { seq: 9, type: "audit", entry: { ts: 1, type: "knock", user: "@c:hs" } },
  ];
  const { view, audit } = foldEvents(start, events);
  assert.deepEqual([...view.records.keys()], ["$a:hs", "$c:hs"]);
  assert.deepEqual(view.codes.signup, { NEW: { uses_remaining: 2, label: "x" } });
  assert.deepEqual(view.codes.invite, start.codes.invite);
  assert.equal(view.seq, 9);
  assert.deepEqual(audit, [{ ts: 1, type: "knock", user: "@c:hs" }]);
  assert.deepEqual([...start.records.keys()], ["$a:hs", "$b:hs"]);
  assert.equal(start.seq, 5);
});

test("a batch with nothing newer hands back the same view", () => {
  const stale: EngineEvent = { seq: 5, type: "removed", kind: "vetting", key: "$a:hs" };
  assert.equal(foldEvents(start, [stale]).view, start);
});

test("the changes between two pictures, folded into the first, give the second", () => {
  const after = viewOfSnapshot({
    seq: 20,
    records: [record("$a:hs", "@a:hs", "passed"), record("$d:hs", "@d:hs")],
    lobbies: [],
    codes: {},
    signupCodes: { S: { uses_remaining: 1, label: "" } },
    invites: [],
  });
  const changes = changesBetween(start, after);
  assert.deepEqual(
    changes.map((change) => change.type),
    ["record", "record", "removed", "codes", "codes", "invites"],
  );
  const events = changes.map((change, i) => ({ ...change, seq: start.seq + 1 + i }) as EngineEvent);
  const { view } = foldEvents(start, events);
  assert.deepEqual({ ...snapshotOfView(view), seq: 20 }, snapshotOfView(after));
});
