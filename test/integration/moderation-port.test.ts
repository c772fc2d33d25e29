// The Matrix side of moderation against the real Synapse: kick, ban and unban across a space and
// two child rooms (checked as another member sees them), power levels written and read back by
// someone else, members with display names, and a policy list joined by alias and read.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createClient } from "matrix-js-sdk";
import { logger as sdkLogger } from "matrix-js-sdk/lib/logger.js";
import { startHomeserver, type TestHomeserver, type TestUser } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { MatrixUserClient } from "../harness/newcomer.js";
import { SdkModerationPort } from "../../src/matrix/moderation-port.js";

let hs: TestHomeserver;
let community: TestCommunity;
let rooms: string[];
let port: SdkModerationPort;
/** A member of every room, who checks what the bot did. */
let observer: MatrixUserClient;

// The SDK logs every request at debug level; the test output needs only its warnings.
(sdkLogger as unknown as { setLevel(level: string): void }).setLevel("warn");

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 2 });
  rooms = [community.spaceId, ...community.childIds];
  port = new SdkModerationPort(
    createClient({
      baseUrl: hs.url,
      accessToken: community.bot.accessToken,
      userId: community.bot.userId,
    }),
  );
  observer = await member("Olive Observer", rooms);
});

after(async () => {
  await hs?.stop();
});

/** A new user, invited by the bot into `into` and joined there. */
async function member(displayName: string, into: readonly string[]): Promise<MatrixUserClient> {
  const user: TestUser = await hs.registerUser(undefined, { displayName });
  const client = new MatrixUserClient(hs.url, user);
  for (const roomId of into) {
    await community.botClient.invite(roomId, user.userId);
    await client.join(roomId);
  }
  return client;
}

test("a ban reaches the space and both child rooms, with its reason, and an unban lifts it", async () => {
  const target = await member("Mallory", [community.childIds[0]!]);
  const outcomes = await port.ban(rooms, target.userId, "spam in three rooms");
  assert.deepEqual(
    outcomes.map((o) => o.ok),
    [true, true, true],
  );
  for (const roomId of rooms) {
    const state = await observer.getState(roomId, "m.room.member", target.userId);
    assert.equal(state?.membership, "ban", roomId);
    assert.equal(state?.reason, "spam in three rooms", roomId);
  }
  // A repeat is harmless: already banned counts as done.
  assert.ok((await port.ban(rooms, target.userId, "again")).every((o) => o.ok));

  const lifted = await port.unban(rooms, target.userId, "appeal granted");
  assert.ok(lifted.every((o) => o.ok));
  for (const roomId of rooms) {
    assert.equal(await observer.membership(roomId, target.userId), "leave", roomId);
  }
  assert.ok(
    (await port.unban(rooms, target.userId)).every((o) => o.ok),
    "not banned: done",
  );
});

test("a kick removes a member from the rooms they are in, and the others count as done", async () => {
  const target = await member("Kit", [community.spaceId, community.childIds[1]!]);
  const outcomes = await port.kick(rooms, target.userId, "cool off");
  assert.ok(
    outcomes.every((o) => o.ok),
    JSON.stringify(outcomes),
  );
  const state = await observer.getState(community.childIds[1]!, "m.room.member", target.userId);
  assert.equal(state?.membership, "leave");
  assert.equal(state?.reason, "cool off");
  assert.equal(await target.membership(community.spaceId), "leave");
});

test("a room the bot cannot act in comes back as a failure for that room only", async () => {
  const stranger = new MatrixUserClient(hs.url, await hs.registerUser());
  const elsewhere = await stranger.createRoom({ preset: "private_chat" });
  const target = await hs.registerUser();
  const outcomes = await port.ban([community.childIds[0]!, elsewhere], target.userId, "spam");
  assert.equal(outcomes[0]?.ok, true);
  assert.equal(outcomes[1]?.ok, false);
  assert.equal(outcomes[1]?.ok === false && outcomes[1].error.transient, false);
});

test("power levels written by the bot are read back by another member", async () => {
  const child = community.childIds[1]!;
  const before = await port.readPowerLevels(child);
  assert.equal(before.roomVersion, "11");
  assert.equal(before.creators, undefined, "room v11: creators have no special power");
  const users = (before.content?.users ?? {}) as Record<string, number>;
  assert.equal(users[community.bot.userId], 100);

  await port.writePowerLevels(child, {
    ...before.content,
    users: { ...users, [observer.userId]: 50 },
  });
  const seen = await observer.getState(child, "m.room.power_levels");
  assert.equal(seen?.users?.[observer.userId], 50);
  assert.equal(seen?.users?.[community.bot.userId], 100);
  const after = await port.readPowerLevels(child);
  assert.equal((after.content?.users as Record<string, number>)[observer.userId], 50);
});

test("members come with their membership and display name", async () => {
  const members = await port.members(community.childIds[0]!);
  const olive = members.find((m) => m.userId === observer.userId);
  assert.deepEqual(olive, {
    userId: observer.userId,
    membership: "join",
    displayName: "Olive Observer",
  });
  assert.ok(
    members.some((m) => m.membership === "ban"),
    "the banned-then-unbanned user shows too",
  );
});

test("a policy list is joined by alias and its rules read back", async () => {
  const listOwner = new MatrixUserClient(hs.url, await hs.registerUser());
  const alias = `policies-${randomBytes(3).toString("hex")}`;
  const listId = await listOwner.createRoom({
    preset: "public_chat",
    room_alias_name: alias,
    name: "Ban list",
  });
  await listOwner.sendState(listId, "m.policy.rule.user", "rule:spammer", {
    entity: "@spammer*:evil.example",
    recommendation: "m.ban",
    reason: "spam",
  });
  await listOwner.sendState(listId, "org.matrix.mjolnir.rule.server", "rule:evil", {
    entity: "evil.example",
    recommendation: "m.ban",
    reason: "spam server",
  });
  await listOwner.sendState(listId, "m.room.topic", "", { topic: "not a rule" });

  const joined = await port.joinPolicyRoom(`#${alias}:${hs.serverName}`);
  assert.equal(joined, listId);
  const rules = await port.readPolicyRules(listId);
  const byType = Object.fromEntries(rules.map((r) => [r.type, r]));
  assert.deepEqual(Object.keys(byType).sort(), [
    "m.policy.rule.user",
    "org.matrix.mjolnir.rule.server",
  ]);
  assert.deepEqual(byType["m.policy.rule.user"]?.content, {
    entity: "@spammer*:evil.example",
    recommendation: "m.ban",
    reason: "spam",
  });
  assert.equal(byType["m.policy.rule.user"]?.sender, listOwner.userId);
  await assert.rejects(port.joinPolicyRoom("not a room"), /is not a room id/);
});
