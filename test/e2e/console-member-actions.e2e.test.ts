/**
 * Ban from the console, end to end: a real Synapse, a real daemon, and
 * `anteroom` attached in a real terminal (tmux), driven by keys only. The ban
 * is checked on the homeserver, and the knock it closed in the console. The
 * console runs `--as alice`: the header and the audit log name alice.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Newcomer } from "../harness/newcomer-flow.js";
import { http as call } from "../unit/admin-fakes.js";
import type { TestHomeserver } from "../harness/homeserver.js";
import type { TestCommunity } from "../harness/community.js";
import type { TestDaemon } from "../harness/daemon.js";
import type { TmuxSession } from "./tmux.js";
import { startAttachedConsole, type AttachedConsoleSession } from "./console-session.js";

let session: AttachedConsoleSession;
let hs: TestHomeserver;
let community: TestCommunity;
let daemon: TestDaemon;
let tmux: TmuxSession;

before(async () => {
  // The moderator named on the command line, not the login (mod-e2e): the audit keeps that name.
  session = await startAttachedConsole({
    columns: 120,
    env: { VETTING_TIMEOUT_SEC: "3600" },
    consoleArgs: ["--as", "alice"],
  });
  ({ hs, community, daemon, tmux } = session);
});

after(async () => {
  await session?.stop();
});

test("b on a live knock bans the newcomer on the homeserver, and the knock shows banned; the audit names the console's --as", async () => {
  await tmux.waitForScreen("alice in the header", (s) => /anteroom · attached.*· alice/.test(s));
  const newcomer = await Newcomer.register(hs, community, "Spam Bot");
  await newcomer.knock();
  await tmux.waitForScreen("the held knock", (s) => /held\s+Spam Bot/.test(s));
  await tmux.keys("1", "/");
  await tmux.type("Spam Bot");
  await tmux.keys("Enter");
  await tmux.waitForScreen("the knock selected", (s) =>
    s.split("\n").some((line) => line.includes("›") && line.includes("Spam Bot")),
  );
  await tmux.keys("b");
  await tmux.waitForText(`reason for the ban of ${newcomer.userId}`);
  await tmux.type("link spam");
  await tmux.keys("Enter");
  await tmux.waitForText(`Ban ${newcomer.userId}?`);
  await tmux.keys("Tab", "Enter");
  await tmux.waitForText(`banned ${newcomer.userId} in 2 of 2 rooms`, 30_000);

  for (const roomId of [community.spaceId, ...community.childIds]) {
    assert.equal(await community.botClient.membership(roomId, newcomer.userId), "ban");
  }
  const ban = await community.botClient.getState(
    community.spaceId,
    "m.room.member",
    newcomer.userId,
  );
  assert.equal(ban.reason, "link spam");
  await tmux.waitForScreen("the knock shown as banned", (s) =>
    s.split("\n").some((line) => /banned\s+Spam Bot/.test(line)),
  );
  const answer = await call(
    { socketPath: join(daemon.dataDir, "admin.sock") },
    "GET",
    `/admin/v1/audit?type=user_banned&user=${encodeURIComponent(newcomer.userId)}`,
  );
  assert.equal(answer.json.entries[0]?.by, "alice");
});

test("the Members list follows a ban made elsewhere (the admin API): the member goes without a key", async () => {
  const member = await Newcomer.register(hs, community, "Kim Kicked");
  await community.botClient.invite(community.spaceId, member.userId);
  await member.client.join(community.spaceId);
  await tmux.keys("9", "/", "Escape", "/");
  await tmux.type("Kim Kicked");
  await tmux.keys("Enter");
  // Kim joined outside anteroom: the list is fetched again until she is in it.
  await tmux.waitForScreen("Kim listed", (screen) => {
    if (screen.includes(member.userId)) return true;
    void tmux.keys("C-r");
    return false;
  });
  const answer = await call(
    { socketPath: join(daemon.dataDir, "admin.sock") },
    "POST",
    `/admin/v1/members/${encodeURIComponent(member.userId)}/actions`,
    { body: { action: "ban", reason: "raid" }, headers: { "x-anteroom-actor": "bob" } },
  );
  assert.equal(answer.status, 200, answer.text);
  // No key from here on: the daemon's audit entry reaches the console and the list is fetched again.
  await tmux.waitForScreen("Kim gone from Members", (s) => !s.includes(member.userId));
  await tmux.keys("4");
  await tmux.waitForText(`user_banned`);
});
