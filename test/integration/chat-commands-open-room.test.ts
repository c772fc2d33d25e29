/**
 * Chat commands with the space as the operator room (the default), on a real
 * Synapse: codes and tokens are never shown there, and an operator's
 * moderation stops at anyone not below them in a room the action touches.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { memberOfAll } from "../harness/community-members.js";
import type { MatrixUserClient } from "../harness/newcomer.js";

let hs: TestHomeserver;
let community: TestCommunity;
let daemon: TestDaemon;
/** PL 50 in the space: an operator by power level. */
let mod: MatrixUserClient;

const CODES = { LIVECODE42: { uses_remaining: 5, label: "friends" } };

async function setLevel(roomId: string, user: string, level: number): Promise<void> {
  const levels = await community.botClient.getState(roomId, "m.room.power_levels");
  levels.users[user] = level;
  await community.botClient.sendState(roomId, "m.room.power_levels", "", levels);
}

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 1 });
  mod = await memberOfAll(hs, community, [community.spaceId], "mod");
  await setLevel(community.spaceId, mod.userId, 50);
  daemon = await TestDaemon.start(hs, community, {
    env: { INITIAL_CODES: JSON.stringify(CODES), SEND_MAX_PER_ROOM_PER_MIN: "200" },
  });
});

after(async () => {
  await daemon?.stop();
  await hs?.stop();
});

/** Sends a command in the space and returns the bot's answer. */
async function ask(command: string): Promise<string> {
  const asked = await mod.sendText(community.spaceId, command);
  return mod.syncUntil(
    () => {
      const timeline = mod.timeline(community.spaceId);
      const at = timeline.findIndex((ev) => ev.event_id === asked);
      if (at < 0) return undefined;
      return timeline
        .slice(at + 1)
        .find((ev) => ev.sender === community.bot.userId && ev.type === "m.room.message")?.content
        ?.body as string | undefined;
    },
    `the bot's answer to ${command}`,
    30_000,
  );
}

async function auditLog(): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(daemon.dataDir, "log.jsonl"), "utf8");
  return text
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test("!codes, !mint and !token list in the space (join rule knock) are refused, and the reply reveals no code or token", async () => {
  const knock = await community.botClient.getState(community.spaceId, "m.room.join_rules");
  assert.equal(knock.join_rule, "knock");
  for (const command of ["!codes", "!mint -n 2 sneaky", "!token list", "!mint token --uses 1"]) {
    const reply = await ask(command);
    assert.match(reply, /^!\w+ is not answered here: this is the space/, reply);
    assert.match(reply, /invite-only room \(set ADMIN_COMMAND_ROOM to one\)/, reply);
    assert.ok(!reply.includes("LIVECODE42"), reply);
    assert.ok(!reply.includes(hs.registrationToken), reply);
    assert.doesNotMatch(reply, /code=/);
  }
  const book = JSON.parse(await readFile(join(daemon.dataDir, "codes.json"), "utf8"));
  assert.deepEqual(Object.keys(book), ["LIVECODE42"], "nothing was minted");
  const tokens = await community.botClient.request<{ registration_tokens: unknown[] }>(
    "GET",
    "/_synapse/admin/v1/registration_tokens",
  );
  assert.equal(tokens.registration_tokens.length, 1, "no token was issued");
  assert.match(await ask("!help"), /^commands:/, "the other commands are answered there");
  const refused = (await auditLog()).filter(
    (r) => r.type === "admin_refused" && r.sender === mod.userId,
  );
  assert.deepEqual(
    refused.map((r) => [r.cmd, r.why]),
    [
      ["codes", "open_room"],
      ["mint", "open_room"],
      ["token", "open_room"],
      ["token", "open_room"],
    ],
  );
});

test("an operator at 50 cannot kick or demote someone at 60 in a child room, though below them in the space", async () => {
  const child = community.childIds[0] ?? "";
  const target = await memberOfAll(hs, community, [community.spaceId, child], "senior");
  await setLevel(community.spaceId, target.userId, 10);
  await setLevel(child, target.userId, 60);
  for (const command of [`!kick ${target.userId} bye`, `!demote ${target.userId}`]) {
    const reply = await ask(command);
    assert.equal(
      reply,
      `${command.split(" ")[0]} failed: ${target.userId} has power level 60 in ${child}, not below yours (50): nothing was done`,
    );
  }
  for (const room of [community.spaceId, child])
    assert.equal(await community.botClient.membership(room, target.userId), "join", room);
  const space = await community.botClient.getState(community.spaceId, "m.room.power_levels");
  assert.equal(space.users[target.userId], 10, "the space's levels are untouched");
  const log = await auditLog();
  assert.ok(!log.some((r) => r.type === "user_kicked" || r.type === "role_changed"));
  // Below the operator everywhere: the same command is carried out.
  await setLevel(child, target.userId, 10);
  assert.equal(await ask(`!kick ${target.userId} bye`), `kicked ${target.userId} in 2 of 2 rooms`);
});

test("ADMIN_PL_THRESHOLD=0 stops the start with a message naming the setting", async () => {
  const refused = await TestDaemon.start(hs, community, {
    env: { ADMIN_PL_THRESHOLD: "0" },
    waitReady: false,
  });
  const { exitCode, stderr } = await refused.exited();
  assert.equal(exitCode, 2);
  assert.match(stderr, /ADMIN_PL_THRESHOLD: at least 1/);
});
