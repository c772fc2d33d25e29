// Pending invites on a real Synapse: a newcomer who passes and joins the space is welcomed
// by name in the welcome room; one who leaves the invite unanswered gets a reminder entry,
// then the invite is withdrawn (their membership goes back to leave in the space and in
// every child room). A moderator's withdrawal: invite-withdraw.test.ts.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { Newcomer, haikuWith } from "../harness/newcomer-flow.js";
import { memberOfAll } from "../harness/community-members.js";
import { waitFor } from "../harness/wait.js";

let hs: TestHomeserver;
let community: TestCommunity;
let daemon: TestDaemon;

const EXPIRE_SEC = 12;

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 2 });
  daemon = await TestDaemon.start(hs, community, {
    env: {
      INITIAL_CODES: JSON.stringify({ FRIENDS: { uses_remaining: 20, label: "friends" } }),
      INVITE_REMIND_SEC: "4",
      INVITE_EXPIRE_SEC: String(EXPIRE_SEC),
      WELCOME_TEXT: "the rules are pinned in this room",
    },
  });
});

after(async () => {
  await daemon?.stop();
  await hs?.stop();
});

async function audit(type: string, user: string): Promise<Record<string, unknown> | undefined> {
  const text = await readFile(join(daemon.dataDir, "log.jsonl"), "utf8");
  return text
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((entry) => entry.type === type && entry.user === user);
}

async function passVetting(person: Newcomer): Promise<void> {
  await person.knock("FRIENDS");
  const challenge = await person.readChallenge(60_000);
  await person.reply(challenge, haikuWith(challenge.keyword));
  await person.botSays(challenge, /^passed!/, 30_000);
  await person.client.waitForInvite(community.spaceId, 30_000);
}

test("a passed newcomer who joins the space is welcomed by name in the first child room", async () => {
  const ada = await Newcomer.register(hs, community, "Ada Lovelace");
  await passVetting(ada);
  await ada.client.join(community.spaceId);
  const welcomeRoom = community.childIds[0] ?? "";
  const welcome = await community.botClient.waitForMessage(
    welcomeRoom,
    (body) => body.startsWith("welcome, Ada Lovelace!"),
    30_000,
  );
  assert.equal(welcome.content.body, "welcome, Ada Lovelace! the rules are pinned in this room");
  await waitFor(() => audit("welcomed", ada.userId), {
    what: "the welcomed audit entry",
    timeoutMs: 30_000,
  });
});

test("a newcomer named @room is welcomed without a room mention: the message mentions only them", async () => {
  const welcomeRoom = community.childIds[0] ?? "";
  // Someone already in the welcome room, whose notifications would show a room mention.
  const regular = await memberOfAll(hs, community, [welcomeRoom], "regular");
  const hostile = await Newcomer.register(hs, community, "@room");
  await passVetting(hostile);
  await hostile.client.join(community.spaceId);
  const welcome = await community.botClient.waitForMessage(
    welcomeRoom,
    (body) => body.startsWith("welcome, @room!"),
    30_000,
  );
  assert.deepEqual(welcome.content["m.mentions"], { user_ids: [hostile.userId] });
  const notifications = await regular.request<{
    notifications: { event: { event_id: string }; actions: unknown[] }[];
  }>("GET", "/_matrix/client/v3/notifications?limit=50");
  const seen = notifications.notifications.find((n) => n.event.event_id === welcome.event_id);
  assert.ok(seen, "the welcome notifies the room's members as any message does");
  const highlight = seen.actions.find(
    (a): a is { set_tweak: string; value?: boolean } =>
      typeof a === "object" && a !== null && "set_tweak" in a && a.set_tweak === "highlight",
  );
  assert.ok(!highlight || highlight.value === false, "but pings nobody else in the room");
});

test("an invite left unanswered is reminded, then withdrawn: the space and every child room go back to leave", async () => {
  const slow = await Newcomer.register(hs, community, "Slow Coach");
  await passVetting(slow);
  assert.equal(await community.botClient.membership(community.spaceId, slow.userId), "invite");
  for (const room of community.childIds) await slow.client.waitForInvite(room, 30_000);
  await waitFor(() => audit("invite_reminded", slow.userId), {
    what: "the invite_reminded audit entry",
    timeoutMs: 60_000,
  });
  const leave = await slow.client.waitForLeave(community.spaceId, 90_000);
  assert.match(String(leave?.content?.reason), /invite expired/);
  assert.equal(await community.botClient.membership(community.spaceId, slow.userId), "leave");
  const withdrawn = await waitFor(() => audit("invite_withdrawn", slow.userId), {
    what: "the invite_withdrawn audit entry",
    timeoutMs: 30_000,
  });
  assert.ok(Number(withdrawn.waited_sec) >= EXPIRE_SEC);
  for (const room of community.childIds) {
    assert.equal(await community.botClient.membership(room, slow.userId), "leave", room);
  }
  assert.deepEqual(withdrawn.rooms, [community.spaceId, ...community.childIds]);
});
