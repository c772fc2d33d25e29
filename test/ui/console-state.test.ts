import { test } from "node:test";
import assert from "node:assert/strict";
import type { EngineEvent } from "../../core/engine/events.js";
import type { VettingRecord } from "../../core/vetting/record.js";
import { complete, completions, parseCommand } from "../../ui/keys/command-line.js";
import { REGISTRY, bindingFor } from "../../ui/keys/registry.js";
import { MAX_AUDIT_LINES, initialConsoleState, VIEWS } from "../../ui/state/console-state.js";
import { applyAuditHistory, applyEvents, applySnapshot } from "../../ui/state/engine-data.js";
import { relative, timeLeft } from "../../ui/format/time.js";

const record = (key: string, knockedAt: number): VettingRecord => ({
  key,
  user: `@${key}:example.org`,
  reason: "",
  knockedAt,
  phase: "held",
  triesLeft: 3,
  judged: [],
  outbox: [],
  nextEffectId: 1,
});

test("events no newer than the snapshot are dropped; later ones apply in order", () => {
  let state = applySnapshot(initialConsoleState, {
    seq: 5,
    records: [record("a", 1)],
    codes: {},
    signupCodes: {},
    lobbies: [],
  });
  const events: EngineEvent[] = [
    { seq: 5, type: "record", record: { ...record("a", 1), phase: "denied" } },
    { seq: 6, type: "record", record: record("b", 2) },
    { seq: 7, type: "codes", book: "invite", codes: { X: { uses_remaining: 1, label: "" } } },
    { seq: 8, type: "audit", entry: { ts: 1, type: "knock_received" } },
  ];
  state = applyEvents(state, events);
  assert.equal(state.seq, 8);
  assert.equal(state.records.get("a")?.phase, "held");
  assert.ok(state.records.get("b"));
  assert.deepEqual(Object.keys(state.codes.invite), ["X"]);
  assert.equal(state.audit.length, 1);
  assert.equal(applyEvents(state, events), state);
});

test("the log keeps the last 10,000 entries however many arrive", () => {
  let state = applySnapshot(initialConsoleState, {
    seq: 0,
    records: [],
    codes: {},
    signupCodes: {},
    lobbies: [],
  });
  let seq = 0;
  for (let batch = 0; batch < 12; batch++) {
    const events: EngineEvent[] = Array.from({ length: 1000 }, () => ({
      seq: ++seq,
      type: "audit" as const,
      entry: { ts: seq, type: "knock_received", n: seq },
    }));
    state = applyEvents(state, events);
  }
  assert.equal(state.audit.length, MAX_AUDIT_LINES);
  assert.equal(state.audit[0]?.fields.n, 2001);
  assert.equal(state.audit.at(-1)?.fields.n, 12000);
});

test("audit history read at start goes before the streamed entries, without duplicates", () => {
  let state = applySnapshot(initialConsoleState, {
    seq: 0,
    records: [],
    codes: {},
    signupCodes: {},
    lobbies: [],
  });
  state = applyEvents(state, [
    { seq: 1, type: "audit", entry: { ts: 10, type: "b", user: "@u" } },
    { seq: 2, type: "audit", entry: { ts: 11, type: "c" } },
  ]);
  state = applyAuditHistory(state, [
    { ts: 9, type: "a" },
    { ts: 10, type: "b", user: "@u" },
  ]);
  assert.deepEqual(
    state.audit.map((line) => line.type),
    ["a", "b", "c"],
  );
  assert.equal(new Set(state.audit.map((line) => line.id)).size, 3);
});

test("every binding has an id, keys, a description, a hint and screens; ids are unique", () => {
  const ids = new Set<string>();
  for (const binding of REGISTRY) {
    assert.ok(binding.id && !ids.has(binding.id), binding.id);
    ids.add(binding.id);
    assert.ok(binding.keys.length > 0 && binding.description && binding.hint, binding.id);
    assert.ok(binding.screens.length > 0, binding.id);
  }
  assert.equal(REGISTRY[0]?.id, "help", "help comes first, so the hint bar starts with it");
});

test("no key runs two bindings on the same screen, except where one is meant to win", () => {
  for (const screen of [...VIEWS, "detail", "member"] as const) {
    const seen = new Map<string, string>();
    for (const binding of REGISTRY.filter((b) => b.screens.includes(screen))) {
      for (const key of binding.keys) {
        const first = seen.get(key);
        // esc clears a filter in lists and goes back in the detail pane; q quits elsewhere.
        if (first) assert.equal(bindingFor(key, screen)?.id, first, `${key} on ${screen}`);
        else seen.set(key, binding.id);
      }
    }
  }
});

test("the command line parses a name and its arguments and completes over the registry", () => {
  assert.deepEqual(parseCommand(":reject  spam links "), { name: "reject", args: "spam links" });
  assert.deepEqual(parseCommand("approve"), { name: "approve", args: "" });
  assert.deepEqual(completions("re"), ["reject", "repost", "reinvite", "revoke", "revoke-codes"]);
  assert.equal(complete("rej"), "reject ");
  assert.equal(complete("re"), "re");
  assert.equal(complete("pa"), "pa"); // page-down, page-up, pause
  assert.equal(complete("page"), "page-");
  assert.equal(complete("zzz"), "zzz");
});

test("times read short: 3 min ago, in 2 h, 1 h 5 min left", () => {
  const now = 1_700_000_000_000;
  assert.equal(relative(now - 3 * 60_000, now), "3 min ago");
  assert.equal(relative(now + 2 * 3_600_000, now), "in 2 h");
  assert.equal(relative(now, now), "now");
  assert.equal(timeLeft(now + 65 * 60_000, now), "1 h 5 min left");
  assert.equal(timeLeft(now + 30 * 60_000, now), "30 min left");
  assert.equal(timeLeft(now - 60_000, now), "over, 1 min ago");
});
