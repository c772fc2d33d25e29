import { test } from "node:test";
import assert from "node:assert/strict";
import { openingRecord, step, type VettingSettings } from "../../core/vetting/record.js";
import { command } from "../../core/vetting/commands.js";
import { settings } from "./engine-fixtures.js";

const knock = { key: "$k", user: "@ada:x", reason: "ABC", knockedAt: 1_000 };
const challenge = { topic: "a lighthouse in fog", keyword: "beam" };

function openRoom(withSettings: VettingSettings) {
  const { record } = openingRecord(knock, { code: "ABC", label: "" }, challenge, withSettings);
  return step(record, { type: "roomReady", roomId: "!vet:x", now: 2_000 }, withSettings).record;
}

test("the bot's first message in a vetting room names the community (COMMUNITY_NAME)", () => {
  const named = { ...settings, communityName: "Shape Rotators" };
  const record = openRoom(named);
  assert.match(record.transcript?.[0]?.text ?? "", /^welcome to Shape Rotators! one small step/);
  // A nudge (repost) greets the same way.
  const reposted = command(record, { action: "repost", now: 3_000, by: "mod" }, named);
  assert.ok(reposted.ok);
  assert.match(reposted.step.record.transcript?.at(-1)?.text ?? "", /^welcome to Shape Rotators!/);
});

test("without COMMUNITY_NAME the first message greets plainly", () => {
  assert.match(openRoom(settings).transcript?.[0]?.text ?? "", /^welcome! one small step/);
});
