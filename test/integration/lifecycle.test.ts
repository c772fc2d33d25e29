/**
 * User-lifecycle hooks through the admin API on a real Synapse: created
 * invites to the space and its rooms, revoked removes; calls sent while the
 * homeserver is down are queued and applied in order once it is back, the
 * last word per user winning.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { MatrixUserClient } from "../harness/newcomer.js";
import { waitFor } from "../harness/wait.js";
import { http as call } from "../unit/admin-fakes.js";

let hs: TestHomeserver;
let community: TestCommunity;
let daemon: TestDaemon;
let sock: { socketPath: string };
let rooms: string[];

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 2 });
  rooms = [community.spaceId, ...community.childIds];
  daemon = await TestDaemon.start(hs, community, { env: { SEND_MAX_PER_ROOM_PER_MIN: "200" } });
  sock = { socketPath: join(daemon.dataDir, "admin.sock") };
});

after(async () => {
  await daemon?.stop();
  await hs?.stop();
});

function memberships(user: string): Promise<(string | undefined)[]> {
  return Promise.all(rooms.map((roomId) => community.botClient.membership(roomId, user)));
}

test("created invites the user to the space and both child rooms", async () => {
  const user = await hs.registerUser("created");
  const answer = await call(sock, "POST", "/admin/v1/lifecycle", {
    body: { user: user.userId, action: "created" },
  });
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.json.complete, true);
  assert.deepEqual(await memberships(user.userId), ["invite", "invite", "invite"]);
});

test("revoked removes the user from the space and both child rooms", async () => {
  const user = await hs.registerUser("revoked");
  const client = new MatrixUserClient(hs.url, user);
  assert.equal(
    (
      await call(sock, "POST", "/admin/v1/lifecycle", {
        body: { user: user.userId, action: "created" },
      })
    ).status,
    200,
  );
  for (const roomId of rooms) await client.join(roomId);
  assert.deepEqual(await memberships(user.userId), ["join", "join", "join"]);
  const answer = await call(sock, "POST", "/admin/v1/lifecycle", {
    body: { user: user.userId, action: "revoked" },
  });
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.json.complete, true);
  assert.deepEqual(await memberships(user.userId), ["leave", "leave", "leave"]);
});

test("a bad call is a 400: no user ID, unknown action, unknown role", async () => {
  for (const body of [
    { user: "nobody", action: "created" },
    { user: "@a:localhost", action: "deleted" },
    { user: "@a:localhost", action: "promoted", role: "overlord" },
  ]) {
    const answer = await call(sock, "POST", "/admin/v1/lifecycle", { body });
    assert.equal(answer.status, 400, `${JSON.stringify(body)}: ${answer.text}`);
  }
});

test("calls made while the homeserver is down are applied in order once it is back, the last word winning", async () => {
  const user = await hs.registerUser("queued");
  await hs.kill();
  try {
    for (const body of [
      { user: user.userId, action: "created" },
      { user: user.userId, action: "promoted", role: "moderator" },
      { user: user.userId, action: "demoted" },
    ]) {
      const answer = await call(sock, "POST", "/admin/v1/lifecycle", { body });
      assert.equal(answer.status, 202, `${body.action}: ${answer.text}`);
      assert.equal(answer.json.queued, true);
    }
    const queued = await call(sock, "GET", "/admin/v1/lifecycle");
    assert.deepEqual(
      queued.json.queued.map((item: { call: { action: string } }) => item.call.action),
      ["created", "demoted"],
    );
  } finally {
    await hs.start();
  }
  await waitFor(async () => (await memberships(user.userId)).every((m) => m === "invite"), {
    what: "the queued created call to invite the user everywhere",
    timeoutMs: 90_000,
    intervalMs: 500,
  });
  await waitFor(
    async () => (await call(sock, "GET", "/admin/v1/lifecycle")).json.queued.length === 0,
    { what: "the lifecycle queue to empty", timeoutMs: 60_000, intervalMs: 500 },
  );
  for (const roomId of rooms) {
    const levels = await community.botClient.getState(roomId, "m.room.power_levels");
    assert.equal(levels.users[user.userId], undefined, `a level for the user in ${roomId}`);
  }
  const applied = await call(
    sock,
    "GET",
    `/admin/v1/audit?type=lifecycle_applied,role_changed&user=${encodeURIComponent(user.userId)}`,
  );
  const entries = applied.json.entries as { type: string; action?: string; role?: string }[];
  assert.deepEqual(
    entries.filter((e) => e.type === "lifecycle_applied").map((e) => e.action),
    ["created", "demoted"],
  );
  assert.ok(
    entries.every((e) => e.role !== "moderator"),
    `the superseded promotion was applied: ${JSON.stringify(entries)}`,
  );
});

test("on Synapse, LIFECYCLE_JOIN=force joins a local user and LIFECYCLE_REVOKE=deactivate ends the account", async () => {
  await daemon.stop();
  daemon = await TestDaemon.start(hs, community, {
    env: { LIFECYCLE_JOIN: "force", LIFECYCLE_REVOKE: "deactivate" },
  });
  sock = { socketPath: join(daemon.dataDir, "admin.sock") };
  const user = await hs.registerUser("forced");
  const created = await call(sock, "POST", "/admin/v1/lifecycle", {
    body: { user: user.userId, action: "created" },
  });
  assert.equal(created.status, 200, created.text);
  assert.equal(created.json.via, "join");
  assert.deepEqual(await memberships(user.userId), ["join", "join", "join"]);

  const revoked = await call(sock, "POST", "/admin/v1/lifecycle", {
    body: { user: user.userId, action: "revoked" },
  });
  assert.equal(revoked.status, 200, revoked.text);
  assert.equal(revoked.json.via, "deactivate");
  const client = new MatrixUserClient(hs.url, user);
  await assert.rejects(client.request("GET", "/account/whoami"), /M_UNKNOWN_TOKEN|401/);
  await waitFor(async () => (await memberships(user.userId)).every((m) => m === "leave"), {
    what: "the deactivated account to leave every room",
    timeoutMs: 30_000,
    intervalMs: 300,
  });
});
