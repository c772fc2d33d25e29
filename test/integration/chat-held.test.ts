/**
 * On call from a phone, against a real Synapse: a held knock is announced in
 * the notify room, `!held` lists it, `!approve` lets the person in and
 * `!reject` turns them away with the reason they see.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import type { MatrixUserClient } from "../harness/newcomer.js";
import { openOperatorRoom, type OperatorRoom } from "../harness/operator-room.js";
import { Newcomer } from "../harness/newcomer-flow.js";

let hs: TestHomeserver;
let community: TestCommunity;
let daemon: TestDaemon;
/** A private operators' room (a moderator at PL 50): commands are taken there and notices go there. */
let ops: OperatorRoom;
let opsRoom: string;
let mod: MatrixUserClient;

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 1 });
  ops = await openOperatorRoom(hs, community, "oncall");
  opsRoom = ops.roomId;
  mod = ops.mod;
  daemon = await TestDaemon.start(hs, community, {
    env: {
      ADMIN_COMMAND_ROOM: opsRoom,
      OPERATOR_NOTIFY_ROOM: opsRoom,
      KNOCK_HOLD_SEC: "3600",
      SEND_MAX_PER_ROOM_PER_MIN: "200",
    },
  });
});

after(async () => {
  await daemon?.stop();
  await hs?.stop();
});

const botSays = (pattern: RegExp, afterEventId?: string) => ops.botSays(pattern, afterEventId);
const ask = (command: string, expected: RegExp) => ops.ask(command, expected);

test("a held knock is announced, listed by !held, and !approve lets the person in", async () => {
  const newcomer = await Newcomer.register(hs, community, "Ned");
  await newcomer.knock();
  const notice = await botSays(new RegExp(`${escape(newcomer.userId)} knocked without a code`));
  assert.match(notice, /!approve .* or !reject /);
  const held = await ask("!held", /waiting for a moderator/);
  assert.match(held, new RegExp(`${escape(newcomer.userId)}: knocked without a code`));
  const approved = await ask(`!approve ${newcomer.userId}`, /approved|!approve/);
  assert.match(approved, /^approved /);
  await newcomer.client.waitForInvite(community.spaceId);
  assert.equal(await ask("!held", /moderator/), "nothing waits for a moderator.");
  const notices = mod
    .timeline(opsRoom)
    .filter((ev) => ev.sender === community.bot.userId)
    .filter((ev) =>
      String(ev.content?.body).startsWith(`${newcomer.userId} knocked without a code`),
    );
  assert.equal(notices.length, 1, "the held knock is announced once");
});

test("!reject turns a held knock away with the moderator's reason; an unknown person is said to have none", async () => {
  const newcomer = await Newcomer.register(hs, community, "Rex");
  await newcomer.knock();
  await botSays(new RegExp(`${escape(newcomer.userId)} knocked without a code`));
  const rejected = await ask(`!reject ${newcomer.userId} not this time`, /rejected|!reject/);
  assert.match(rejected, /^rejected .*not this time/);
  const left = await newcomer.client.waitForLeave(community.spaceId);
  assert.match(String(left?.content?.reason), /not this time/);
  const nobody = await ask("!approve @nobody:localhost", /!approve/);
  assert.match(nobody, /has no knock waiting for a moderator/);
});

test("!mint --expires: the code works until its end, and a knock after it is denied as expired", async () => {
  const end = new Date(Date.now() + 8_000).toISOString();
  const minted = await ask(`!mint --expires ${end} short-lived`, /minted|!mint/);
  assert.match(minted, new RegExp(`until ${escape(end)}`));
  const code = /code=([A-Za-z0-9_-]+)/.exec(minted)?.[1];
  assert.ok(code, `a code in ${minted}`);
  await new Promise((resolve) =>
    setTimeout(resolve, Math.max(0, Date.parse(end) - Date.now() + 500)),
  );
  const late = await Newcomer.register(hs, community, "Late");
  await late.knock(code);
  const denied = await late.client.waitForLeave(community.spaceId);
  assert.match(String(denied?.content?.reason), /expired/);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
