import "./ci-off.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { startAdminApi } from "../../src/http/admin/server.js";
import { attachedModeration } from "../../src/control/moderation-api.js";
import type { RoleService } from "../../src/moderation/roles.js";
import { World } from "../unit/engine-fixtures.js";
import { openConsole } from "./console-harness.js";

const SPACE = "!space:example.org";
const BOB = "@bob:example.org";

/** Bob is a member; the admin routes and their JSON are the real ones. */
const roles: RoleService = {
  roles: [{ name: "member", level: 0 }],
  promote: async () => ({ ok: false, reason: "not in this test" }),
  demote: async () => ({ ok: false, reason: "not in this test" }),
  members: async () => [{ userId: BOB, rooms: { [SPACE]: { membership: "join", level: 0 } } }],
};

const line = (endorser: string, invitee: string, code: string) =>
  JSON.stringify({ endorser, invitee, code_or_manual: code, room_id: null, ts: 1_700_000_000 });

test("attached: a member's detail shows who vouched for them and whom they brought in, and X revokes their live codes after a Cancel-focused confirmation", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-endorse-"));
  const socketPath = join(dir, "admin.sock");
  const endorsementsPath = join(dir, "endorsements.jsonl");
  await writeFile(
    endorsementsPath,
    `${line("@ann:example.org", BOB, "ABC")}\n${line(BOB, "@dave:example.org", "BOBS")}\n`,
  );
  const world = new World({
    ABC: { uses_remaining: 4, label: "friends", minted_by: "@ann:example.org" },
    BOBS: { uses_remaining: 2, label: "bob's friends", minted_by: BOB },
  });
  const admin = await startAdminApi({
    engine: world.engine,
    health: () => ({ ok: true, body: { status: "ok" } }),
    publicUrl: "https://join.example.org",
    logger: pino({ level: "silent" }),
    socketPath,
    roles: { service: roles, members: { members: async () => [] } },
    endorsementsPath,
  });
  const moderation = attachedModeration(socketPath);
  const c = openConsole(t, { world, moderation, columns: 120 });
  t.after(async () => {
    moderation.close();
    await admin.close();
    await rm(dir, { recursive: true, force: true });
  });
  c.press("9");
  await c.waitFor("bob listed", (f) => /@bob:example\.org\s+member/.test(f));
  c.press("enter");
  const frame = await c.waitForText("vouched for by @ann:example.org (with code ABC");
  assert.match(frame, /brought in: 1/);
  assert.match(frame, /@dave:example\.org\s+with code BOBS/);
  assert.match(frame, /live codes: BOBS \(invite\)/);

  c.press("X");
  await c.waitForText("Revoke every live code of @bob:example.org?");
  assert.match(c.frame(), /1 live code they minted or were given/);
  c.press("enter"); // Cancel is focused: nothing happens
  await c.waitFor("the dialog gone", (f) => !f.includes("Revoke every live code"));
  assert.equal(world.engine.snapshot().codes.BOBS?.uses_remaining, 2);

  c.press("X");
  await c.waitForText("Revoke every live code of @bob:example.org?");
  c.press("tab", "enter");
  await c.waitForText("revoked 1 code of @bob:example.org");
  await c.waitForText("live codes: none");
  assert.equal(world.engine.snapshot().codes.BOBS, undefined);
  assert.equal(world.engine.snapshot().codes.ABC?.uses_remaining, 4, "Ann's code stays");
  assert.deepEqual(
    world.audit.filter((e) => e.type === "code_revoked").map((e) => [e.code, e.by]),
    [["BOBS", "mod-alice"]],
  );
  c.press("esc");
  await c.waitFor("back to the list", (f) => /Members 1/.test(f));
});
