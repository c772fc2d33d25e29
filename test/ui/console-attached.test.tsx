import "./ci-off.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import type { EngineSnapshot } from "../../core/api.js";
import type { EngineEvent } from "../../core/engine/events.js";
import { World } from "../unit/engine-fixtures.js";
import { openConsole } from "./console-harness.js";

/**
 * An engine that looks attached: the World's engine, plus the two hooks the
 * attach client (src/control) adds, driven by the test.
 */
function attachedWorld() {
  const world = new World({ ABC: { uses_remaining: 5, label: "friends" } });
  const engine = world.engine;
  const resync = new Set<(snapshot: EngineSnapshot) => void>();
  const connection = new Set<(connected: boolean, detail?: string) => void>();
  const api = {
    snapshot: () => engine.snapshot(),
    subscribe: (listener: (event: EngineEvent) => void) => engine.subscribe(listener),
    moderate: engine.moderate.bind(engine),
    openLobby: engine.openLobby.bind(engine),
    moderateLobby: engine.moderateLobby.bind(engine),
    resumeJoinWave: engine.resumeJoinWave.bind(engine),
    mintCode: engine.mintCode.bind(engine),
    revokeCode: engine.revokeCode.bind(engine),
    withdrawInvite: engine.withdrawInvite.bind(engine),
    editCodes: engine.editCodes.bind(engine),
    audit: engine.audit.bind(engine),
    onResync: (listener: (snapshot: EngineSnapshot) => void) => {
      resync.add(listener);
      return () => resync.delete(listener);
    },
    onConnection: (listener: (connected: boolean, detail?: string) => void) => {
      connection.add(listener);
      return () => connection.delete(listener);
    },
  };
  return {
    world,
    api,
    drop: (why: string) => connection.forEach((l) => l(false, why)),
    back: (snapshot: EngineSnapshot) => {
      connection.forEach((l) => l(true));
      resync.forEach((l) => l(snapshot));
    },
  };
}

test("attached: a lost stream shows in the header, and the fresh picture replaces the old one", async (t) => {
  const remote = attachedWorld();
  const c = openConsole(t, { world: remote.world, api: remote.api, mode: "attached" });
  remote.world.knock("@gone:example.org", "");
  remote.world.knock("@stays:example.org", "");
  await remote.world.reconcile();
  await c.waitForText("Knocks 2");
  remote.drop("the daemon ended the event stream");
  await c.waitForText("reconnecting (the daemon ended the event stream)");
  // Meanwhile the daemon forgot a record (pruned): only a snapshot can say so.
  const snapshot = remote.world.engine.snapshot();
  remote.back({
    ...snapshot,
    records: snapshot.records.filter((r) => r.user !== "@gone:example.org"),
  });
  const frame = await c.waitForText("Knocks 1");
  assert.doesNotMatch(frame, /reconnecting|@gone/);
  assert.match(frame, /anteroom · attached/);
});

test("attached: a new code shows the link the daemon gives", async (t) => {
  const remote = attachedWorld();
  const api = {
    ...remote.api,
    mintCode: async (...args: Parameters<typeof remote.api.mintCode>) => ({
      ...(await remote.api.mintCode(...args)),
      link: "https://gate.example.net/join?code=FROMDAEMON",
    }),
  };
  const c = openConsole(t, { world: remote.world, api, mode: "attached" });
  c.press("3", "n", "i", "enter");
  await c.waitForText("label for the new invite code");
  c.press("enter");
  await c.waitForText("the new invite code ends");
  c.press("enter");
  await c.waitForText("link: https://gate.example.net/join?code=FROMDAEMON");
});
