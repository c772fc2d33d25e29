/** The blocklist routes of the admin API: list, add, remove, with validation and audit. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import { installAdminErrorHandling } from "../../src/http/admin/routes.js";
import { registerBlocklistRoutes } from "../../src/http/admin/blocklist.js";
import { BlocklistStore } from "../../src/store/blocklist-store.js";

test("an operator adds, lists and removes blocklist entries; a bad pattern is a 400", async () => {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-admin-blocklist-"));
  const blocklist = await BlocklistStore.open(join(dir, "blocklist.json"));
  const audit: Record<string, unknown>[] = [];
  const app = Fastify();
  installAdminErrorHandling(app);
  registerBlocklistRoutes(app, {
    blocklist,
    policyLists: () => [
      { list: "#bans:example.org", joined: false, rules: 0, error: "M_FORBIDDEN" },
    ],
    audit: { append: async (entry) => void audit.push(entry) },
  });
  const add = await app.inject({
    method: "POST",
    url: "/admin/v1/blocklist",
    headers: { "x-anteroom-actor": "@mod:example.org" },
    payload: { pattern: "@spammer:evil.org", reason: "spam" },
  });
  assert.equal(add.statusCode, 201);
  assert.equal(add.json().entry.kind, "user");
  assert.equal(
    blocklist.match({ userId: "@5pamm3r:evil.org" })?.entry.pattern,
    "@spammer:evil.org",
  );
  const bad = await app.inject({
    method: "POST",
    url: "/admin/v1/blocklist",
    payload: { pattern: "@*", kind: "user" },
  });
  assert.equal(bad.statusCode, 400);
  const list = (await app.inject({ method: "GET", url: "/admin/v1/blocklist" })).json();
  assert.equal(list.entries.length, 1);
  assert.equal(list.policy_lists[0].joined, false);
  const gone = await app.inject({
    method: "DELETE",
    url: `/admin/v1/blocklist?pattern=${encodeURIComponent("@spammer:evil.org")}`,
  });
  assert.equal(gone.statusCode, 200);
  assert.equal(blocklist.match({ userId: "@spammer:evil.org" }), undefined);
  const again = await app.inject({
    method: "DELETE",
    url: `/admin/v1/blocklist?pattern=${encodeURIComponent("@spammer:evil.org")}`,
  });
  assert.equal(again.statusCode, 404);
  assert.deepEqual(
    audit.map((a) => [a.type, a.by]),
    [
      ["blocklist_added", "@mod:example.org"],
      ["blocklist_removed", "admin-api"],
    ],
  );
  await app.close();
});
