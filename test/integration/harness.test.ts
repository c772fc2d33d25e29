// The integration-test harness itself, against a real Synapse: start, community, knock, deny,
// restart, rate limits, and that nothing is left running.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { MatrixHttpError, MatrixUserClient } from "../harness/newcomer.js";
import { waitFor } from "../harness/wait.js";

let hs: TestHomeserver;
let community: TestCommunity;

before(async () => {
  const t0 = performance.now();
  hs = await startHomeserver();
  const startMs = Math.round(performance.now() - t0);
  const t1 = performance.now();
  community = await createCommunity(hs);
  console.log(
    `homeserver up in ${startMs} ms at ${hs.url} (pid ${hs.pid ?? "external"}); community in ${Math.round(performance.now() - t1)} ms`,
  );
});

after(async () => {
  await hs?.stop();
});

test("the community is a knockable space with linked child rooms, owned by the bot", async () => {
  const { botClient, spaceId, childIds, bot } = community;
  assert.equal(childIds.length, 2);
  const create = await botClient.getState(spaceId, "m.room.create");
  assert.equal(create.type, "m.space");
  assert.equal(create.room_version, "11");
  assert.equal((await botClient.getState(spaceId, "m.room.join_rules")).join_rule, "knock");
  assert.equal((await botClient.getState(spaceId, "m.room.name")).name, "Test Space");
  const power = await botClient.getState(spaceId, "m.room.power_levels");
  assert.equal(power.users[bot.userId], 100);
  for (const child of childIds) {
    assert.deepEqual((await botClient.getState(spaceId, "m.space.child", child)).via, [
      hs.serverName,
    ]);
    assert.equal((await botClient.getState(child, "m.space.parent", spaceId)).canonical, true);
    assert.equal((await botClient.getState(child, "m.room.join_rules")).join_rule, "invite");
  }
  assert.equal(await botClient.getState(spaceId, "m.space.child", "!nope:localhost"), undefined);
});

test("a knock with a reason reaches the bot's sync, and a kick denies it", async () => {
  const { botClient, spaceId } = community;
  await botClient.sync(); // catch up, so the knock arrives in an incremental sync
  const user = await hs.registerUser(undefined, { displayName: "Newcomer" });
  const newcomer = new MatrixUserClient(hs.url, user);
  await newcomer.setDisplayName("Nova Newcomer");
  await newcomer.knock(spaceId, "ABC");

  const knock = await botClient.waitForEvent(
    spaceId,
    (ev) =>
      ev.type === "m.room.member" &&
      ev.state_key === user.userId &&
      ev.content?.membership === "knock",
    10_000,
    "the knock in the bot's timeline",
  );
  assert.equal(knock.content.reason, "ABC");
  assert.equal(knock.sender, user.userId);
  assert.equal(knock.content.displayname, "Nova Newcomer");
  assert.equal(await botClient.membership(spaceId, user.userId), "knock");

  await newcomer.sync();
  assert.ok(
    newcomer.seenKnocks().has(spaceId),
    "the knocker's sync lists the space under rooms.knock",
  );

  await botClient.kick(spaceId, user.userId, "Not today, sorry");
  const leave = await newcomer.waitForLeave(spaceId, 10_000);
  assert.equal(leave?.content?.membership, "leave");
  assert.equal(leave?.content?.reason, "Not today, sorry");
  assert.equal(leave?.sender, community.bot.userId);
  assert.equal(await botClient.membership(spaceId, user.userId), "leave");

  // A denied knocker cannot join; knocking again works.
  await assert.rejects(
    newcomer.join(spaceId),
    (err: unknown) => err instanceof MatrixHttpError && err.errcode === "M_FORBIDDEN",
  );
  await newcomer.knock(spaceId, "again");
  await botClient.waitForEvent(
    spaceId,
    (ev) => ev.state_key === user.userId && ev.content?.reason === "again",
  );
});

test("an invite and a message reach the newcomer", async () => {
  const { botClient, childIds } = community;
  const user = await hs.registerUser();
  const newcomer = new MatrixUserClient(hs.url, user);
  const roomId = childIds[0]!;
  await botClient.invite(roomId, user.userId);
  await newcomer.waitForInvite(roomId);
  assert.equal(await newcomer.waitForAnyInvite((id) => id === roomId), roomId);
  assert.equal(await newcomer.join(roomId), roomId);
  await botClient.sendText(roomId, "Welcome! Write a haiku.");
  const msg = await newcomer.waitForMessage(roomId, (body) => body.startsWith("Welcome"));
  assert.equal(msg.sender, community.bot.userId);
  assert.equal(newcomer.messages(roomId).length, 1);
  assert.equal(await newcomer.membership(roomId), "join");
});

test("the registration token registers a user (two stages on Synapse)", async () => {
  const url = `${hs.url}/_matrix/client/v3/register`;
  const post = (body: object) =>
    fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const username = `signup-${Date.now().toString(36)}`;
  const first = await post({ username, password: "correct horse battery" });
  assert.equal(first.status, 401);
  const { session, flows } = (await first.json()) as {
    session: string;
    flows: { stages: string[] }[];
  };
  assert.ok(flows.some((f) => f.stages.includes("m.login.registration_token")));
  const bad = await post({ auth: { type: "m.login.registration_token", token: "wrong", session } });
  assert.equal(bad.status, 401);
  let res = await post({
    auth: { type: "m.login.registration_token", token: hs.registrationToken, session },
  });
  if (res.status === 401) res = await post({ auth: { type: "m.login.dummy", session } });
  assert.equal(res.status, 200);
  assert.equal(
    ((await res.json()) as { user_id: string }).user_id,
    `@${username}:${hs.serverName}`,
  );
});

test("restart keeps the database and the server answers afterwards", async (t) => {
  if (process.env.ANTEROOM_TEST_HS) return t.skip("needs the harness's own Synapse");
  const { botClient, spaceId } = community;
  const pidBefore = hs.pid;
  const t0 = performance.now();
  await hs.restart();
  console.log(`restart took ${Math.round(performance.now() - t0)} ms`);
  assert.notEqual(hs.pid, undefined);
  assert.notEqual(hs.pid, pidBefore);
  assert.equal((await fetch(`${hs.url}/_matrix/client/versions`)).status, 200);
  const whoami = await botClient.request<{ user_id: string }>("GET", "/account/whoami");
  assert.equal(whoami.user_id, community.bot.userId);
  assert.equal((await botClient.getState(spaceId, "m.room.join_rules")).join_rule, "knock");
  // The bot's sync token survives too, and new events arrive.
  await botClient.sync();
  const eventId = await botClient.sendText(spaceId, "after restart");
  await botClient.waitForEvent(spaceId, (ev) => ev.event_id === eventId);
});

test("kill, then a newcomer's wait rides out the downtime", async (t) => {
  if (process.env.ANTEROOM_TEST_HS) return t.skip("needs the harness's own Synapse");
  const { botClient, childIds } = community;
  const user = await hs.registerUser();
  const newcomer = new MatrixUserClient(hs.url, user);
  await newcomer.sync();
  await hs.kill();
  assert.equal(hs.pid, undefined);
  await assert.rejects(fetch(`${hs.url}/_matrix/client/versions`));
  const waiting = newcomer.waitForInvite(childIds[1]!, 30_000);
  await hs.start();
  await botClient.invite(childIds[1]!, user.userId);
  await waiting;
});

test("rateLimited: true gives 429 with retry_after_ms", async (t) => {
  if (process.env.ANTEROOM_TEST_HS) return t.skip("needs the harness's own Synapse");
  const t0 = performance.now();
  const limited = await startHomeserver({ rateLimited: true });
  console.log(`rate-limited homeserver up in ${Math.round(performance.now() - t0)} ms`);
  try {
    const user = await limited.registerUser();
    const strict = new MatrixUserClient(limited.url, user, { retryRateLimited: false });
    const roomId = await strict.createRoom({ preset: "private_chat" });
    let limitedError: MatrixHttpError | undefined;
    for (let i = 0; i < 10 && !limitedError; i++) {
      try {
        await strict.sendText(roomId, `message ${i}`);
      } catch (err) {
        if (!(err instanceof MatrixHttpError)) throw err;
        limitedError = err;
      }
    }
    assert.ok(limitedError, "expected a 429 within 10 quick messages");
    assert.equal(limitedError.status, 429);
    assert.equal(limitedError.errcode, "M_LIMIT_EXCEEDED");
    assert.ok((limitedError.retryAfterMs ?? 0) > 0, `retry_after_ms: ${limitedError.retryAfterMs}`);
    // The default client waits it out.
    const patient = new MatrixUserClient(limited.url, user);
    assert.match(await patient.sendText(roomId, "patient"), /^\$/);
    // And a community can still be built under tight limits.
    const c = await createCommunity(limited);
    assert.equal(c.childIds.length, 2);
  } finally {
    const pid = limited.pid;
    await limited.stop();
    if (pid !== undefined) assert.throws(() => process.kill(pid, 0), /ESRCH/);
  }
});

test("stop leaves nothing running", async (t) => {
  if (process.env.ANTEROOM_TEST_HS) return t.skip("needs the harness's own Synapse");
  const pid = hs.pid;
  assert.ok(pid !== undefined);
  await hs.stop();
  assert.equal(hs.pid, undefined);
  assert.throws(() => process.kill(pid, 0), /ESRCH/);
  await waitFor(
    async () => {
      try {
        await fetch(`${hs.url}/_matrix/client/versions`);
        return false;
      } catch {
        return true;
      }
    },
    { what: "the port to close", timeoutMs: 5_000 },
  );
});
