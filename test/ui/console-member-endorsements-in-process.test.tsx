/**
 * The member's detail in-process: the console straight on a runtime on a real
 * Synapse, its endorsement log the runtime's own (ENDORSEMENTS_PATH).
 */
import "./ci-off.js";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestHomeserver } from "../harness/homeserver.js";
import type { TestCommunity } from "../harness/community.js";
import { memberOfAll, startCommunityWithReader } from "../harness/community-members.js";
import { openTestRuntime } from "../harness/runtime.js";
import { runtimeModeration } from "../../src/control/runtime-moderation.js";
import { openConsole } from "./console-harness.js";

let hs: TestHomeserver;
let community: TestCommunity;
let rooms: string[];

before(async () => {
  ({ hs, community, rooms } = await startCommunityWithReader(1));
});

after(async () => {
  await hs?.stop();
});

test("in-process: Enter on a member shows whom they brought in, and X revokes the code they were given", async (t) => {
  const bob = await memberOfAll(hs, community, rooms, "bob-vouches", "Bob Vouches");
  const dir = await mkdtemp(join(tmpdir(), "anteroom-endorse-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const endorsementsPath = join(dir, "endorsements.jsonl");
  const line = { endorser: bob.userId, invitee: "@erin:example.org", code_or_manual: "manual" };
  await writeFile(endorsementsPath, `${JSON.stringify({ ...line, room_id: null, ts: 1 })}\n`);
  const { runtime, close } = await openTestRuntime(hs, community, {
    ENDORSEMENTS_PATH: endorsementsPath,
  });
  t.after(close);
  const { code } = await runtime.engine.mintCode("invite", {
    uses: 3,
    label: "welcome",
    inviter: bob.userId,
    by: "mod-carol",
  });
  const moderation = runtimeModeration(runtime, endorsementsPath);
  const c = openConsole(t, {
    api: runtime.engine,
    mode: "in-process",
    moderation,
    now: Date.now,
    columns: 140,
  });
  c.press("9");
  await c.waitForText(bob.userId, 30_000);
  c.press("/");
  c.type("bob-vouches");
  c.press("enter", "enter");
  const frame = await c.waitForText(`live codes: ${code} (invite)`);
  assert.match(frame, /vouched for by: not recorded/);
  assert.match(frame, /brought in: 1/);
  assert.match(frame, /@erin:example\.org\s+let in by hand/);
  c.press("X");
  await c.waitForText(`Revoke every live code of ${bob.userId}?`);
  c.press("tab", "enter");
  await c.waitForText(`revoked 1 code of ${bob.userId}`);
  await c.waitForText("live codes: none");
  assert.equal(runtime.engine.snapshot().codes[code], undefined);
  const audit = await runtime.engine.audit({ types: ["code_revoked"] });
  assert.deepEqual(
    audit.map((e) => [e.code, e.by]),
    [[code, "mod-alice"]],
  );
});
