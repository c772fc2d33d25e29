import "./ci-off.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { LobbyWorld } from "../unit/engine-fixtures.js";
import { serveOnAdminSocket } from "./admin-socket.js";
import { openConsole } from "./console-harness.js";

test("attached over the admin socket: lobbies show and take commands, a book edit is applied", async (t) => {
  const world = new LobbyWorld({ ABC: { uses_remaining: 5, label: "friends" } });
  const attached = await serveOnAdminSocket(world);
  const c = openConsole(t, { world, api: attached.remote, mode: "attached", columns: 120 });
  t.after(() => attached.close());
  const opened = await world.engine.openLobby("ABC", "req-1");
  assert.ok(opened.ok);
  await world.seeMembers(opened.roomId, ["@ana:example.org"]);
  c.press("2");
  await c.waitForText("lobby #anteroom-lobby-1:example.org · friends");
  c.press("e");
  await c.waitForText("gave #anteroom-lobby-1:example.org more time");
  c.press("t");
  await c.waitForText("gave more tries in #anteroom-lobby-1:example.org");
  assert.equal(Object.values(world.lobbies.value)[0]?.guests["@ana:example.org"]?.triesLeft, 4);

  const edited = await attached.remote.editCodes(
    "invite",
    {
      set: {
        ABC: { uses_remaining: 9, label: "friends" },
        NEW: { uses_remaining: 1, label: "" },
      },
      remove: [],
    },
    "mod-alice",
  );
  assert.deepEqual(edited, { ok: true });
  assert.equal(world.codes.value.ABC?.uses_remaining, 9);
  // The charge for the lobby is still remembered after the edit.
  assert.deepEqual(world.codes.value.ABC?.redeemed_by, ["lobby:req-1"]);
  c.press("3");
  await c.waitForText("NEW");
  const refused = await attached.remote.editCodes(
    "invite",
    { set: { BAD: { uses_remaining: -1, label: "" } }, remove: [] },
    "mod-alice",
  );
  assert.equal(refused.ok, false);
  assert.equal(world.codes.value.BAD, undefined);
});
