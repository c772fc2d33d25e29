import "./ci-off.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import type { BlockEntry, BlockKind } from "../../core/moderation/blocklist.js";
import type { ModerationApi } from "../../core/moderation-api.js";
import { openConsole } from "./console-harness.js";

test("d on a blocklist row removes exactly that entry: the same pattern of another kind stays", async (t) => {
  let entries: BlockEntry[] = [
    { pattern: "spam.example", kind: "server", reason: "their server" },
    { pattern: "spam.example", kind: "displayname", reason: "their name" },
  ];
  const calls: string[] = [];
  // Only what the Blocklist view uses; removeBlock behaves as the admin API does.
  const moderation: Partial<ModerationApi> = {
    blocklist: async () => entries,
    members: async () => [],
    roles: async () => [],
    async removeBlock(pattern: string, by: string, kind?: BlockKind) {
      calls.push(`remove ${pattern} ${kind ?? "any kind"} ${by}`);
      entries = entries.filter((e) => e.pattern !== pattern || (kind && e.kind !== kind));
      return { ok: true, summary: `unblocked ${pattern} (${kind ?? "any kind"})` };
    },
  };
  const c = openConsole(t, { moderation: moderation as ModerationApi, columns: 100 });
  c.press("8");
  await c.waitForText("Blocklist 2");
  c.press("j", "d");
  await c.waitForText("Unblock spam.example?");
  c.press("right", "enter");
  const frame = await c.waitForText("Blocklist 1");
  assert.deepEqual(calls, ["remove spam.example displayname mod-alice"]);
  assert.match(frame, /spam\.example\s+server\s+their server/);
  assert.doesNotMatch(frame, /their name/);
});
