import "./ci-off.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { startAdminApi } from "../../src/http/admin/server.js";
import { attachedModeration } from "../../src/control/moderation-api.js";
import type { RoleService } from "../../src/moderation/roles.js";
import { BlocklistStore } from "../../src/store/blocklist-store.js";
import { World } from "../unit/engine-fixtures.js";
import { openConsole } from "./console-harness.js";

const SPACE = "!space:example.org";

/** A role service that keeps levels in memory: the admin routes and their JSON are the real ones. */
function memoryRoles(levels: Map<string, number>): RoleService {
  const roles = [
    { name: "member", level: 0 },
    { name: "moderator", level: 50 },
  ];
  const set = (user: string, level: number) => {
    const from = levels.get(user) ?? 0;
    levels.set(user, level);
    return { roomId: SPACE, outcome: "changed", from, to: level } as const;
  };
  return {
    roles,
    async promote(user, role) {
      const found = roles.find((r) => r.name === role);
      if (!found) return { ok: false, reason: `no role "${role}"` };
      return { ok: true, user, role, level: found.level, rooms: [set(user, found.level)] };
    },
    demote: async (user) => ({ ok: true, user, level: "default", rooms: [set(user, 0)] }),
    members: async () =>
      [...levels].map(([userId, level]) => ({
        userId,
        rooms: { [SPACE]: { membership: "join", level } },
      })),
  };
}

test("attached: the blocklist and roles go through the daemon's admin API, audited as the moderator", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-mod-"));
  const socketPath = join(dir, "admin.sock");
  const blocklist = await BlocklistStore.open(join(dir, "blocklist.json"));
  const audit: Record<string, unknown>[] = [];
  const levels = new Map([["@bob:example.org", 0]]);
  const world = new World({});
  const admin = await startAdminApi({
    engine: world.engine,
    health: () => ({ ok: true, body: { status: "ok" } }),
    publicUrl: "https://join.example.org",
    logger: pino({ level: "silent" }),
    socketPath,
    blocklist: {
      blocklist,
      policyLists: () => [],
      audit: { append: async (entry) => void audit.push(entry) },
    },
    roles: { service: memoryRoles(levels), members: { members: async () => [] } },
  });
  const moderation = attachedModeration(socketPath);
  const c = openConsole(t, { world, moderation });
  t.after(async () => {
    moderation.close();
    await admin.close();
    await blocklist.close();
    await rm(dir, { recursive: true, force: true });
  });
  c.press("8");
  await c.waitForText("Nobody is blocked");
  c.press("n");
  c.type("@troll:evil.example");
  c.press("enter");
  await c.waitForText("reason for blocking");
  c.type("spam");
  c.press("enter");
  await c.waitFor("the entry listed", (f) => /@troll:evil\.example\s+user\s+spam/.test(f));
  assert.deepEqual(
    blocklist.entries.map((e) => [e.pattern, e.added_by]),
    [["@troll:evil.example", "mod-alice"]],
  );
  c.press("d");
  await c.waitForText("Unblock @troll:evil.example?");
  c.press("tab", "enter");
  await c.waitForText("Nobody is blocked");
  assert.deepEqual(
    audit.map((e) => [e.type, e.by]),
    [
      ["blocklist_added", "mod-alice"],
      ["blocklist_removed", "mod-alice"],
    ],
  );

  c.press("9");
  await c.waitFor("bob as member", (f) => /@bob:example\.org\s+member/.test(f));
  c.press("p", "down", "enter");
  await c.waitFor("bob as moderator", (f) => /@bob:example\.org\s+moderator/.test(f));
  assert.equal(levels.get("@bob:example.org"), 50);
});
