/**
 * Chat commands in the operator room (ADMIN_COMMAND_ROOM, here an invite-only
 * room of its own), against a real Synapse: operators are answered, everybody
 * else gets nothing. In the space itself: chat-commands-open-room.test.ts.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { MatrixUserClient } from "../harness/newcomer.js";
import { Newcomer } from "../harness/newcomer-flow.js";

let hs: TestHomeserver;
let community: TestCommunity;
/** The operator room: invite-only, where codes may be shown. */
let ops: string;
let daemon: TestDaemon;
/** PL 50 in the space: an operator by power level. */
let mod: MatrixUserClient;
/** PL 0, on ADMIN_ALLOWLIST. */
let owner: MatrixUserClient;
/** PL 0, not on the allowlist: must never hear from the bot. */
let member: MatrixUserClient;
let preStartCommand: string;

const COMMANDS = [
  "mint",
  "codes",
  "revoke",
  "kick",
  "ban",
  "unban",
  "promote",
  "demote",
  "block",
  "token",
  "stats",
  "held",
  "approve",
  "reject",
  "resume",
  "help",
];

/** A member of the space; with `powerLevel`, also of the operator room at that level. */
async function spaceMember(localpart: string, powerLevel?: number): Promise<MatrixUserClient> {
  const user = await hs.registerUser(localpart, { displayName: localpart });
  const client = new MatrixUserClient(hs.url, user);
  await community.botClient.invite(community.spaceId, user.userId);
  await client.join(community.spaceId);
  if (powerLevel !== undefined) {
    await community.botClient.invite(ops, user.userId);
    await client.join(ops);
    const levels = await community.botClient.getState(ops, "m.room.power_levels");
    levels.users[user.userId] = powerLevel;
    await community.botClient.sendState(ops, "m.room.power_levels", "", levels);
  }
  return client;
}

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 1 });
  ops = await community.botClient.createRoom({
    name: "Moderators",
    room_version: "11",
    preset: "private_chat", // join rule invite
  });
  mod = await spaceMember("mod", 50);
  owner = await spaceMember("owner", 0);
  member = await spaceMember("member", 0);
  // Said while no anteroom runs: it must not be acted on when one starts.
  preStartCommand = await mod.sendText(ops, "!mint said before the start");
  daemon = await TestDaemon.start(hs, community, {
    // The room cap (12 a minute by default) would hold this file's quick run of answers back.
    env: {
      ADMIN_COMMAND_ROOM: ops,
      ADMIN_ALLOWLIST: owner.userId,
      VETTING_TIMEOUT_SEC: "3600",
      SEND_MAX_PER_ROOM_PER_MIN: "200",
    },
  });
});

after(async () => {
  await daemon?.stop();
  await hs?.stop();
});

/** The bot's messages in the operator room that came after `eventId`, as `client` has seen them so far. */
function botMessagesAfter(client: MatrixUserClient, eventId: string): string[] | undefined {
  const timeline = client.timeline(ops);
  const at = timeline.findIndex((ev) => ev.event_id === eventId);
  if (at < 0) return undefined;
  return timeline
    .slice(at + 1)
    .filter((ev) => ev.sender === community.bot.userId && ev.type === "m.room.message")
    .map((ev) => String(ev.content?.body));
}

/** Sends a command and returns the bot's answer (commands are answered one at a time, in order). */
async function ask(client: MatrixUserClient, command: string): Promise<string> {
  const eventId = await client.sendText(ops, command);
  return client.syncUntil(
    () => botMessagesAfter(client, eventId)?.[0],
    `the bot's answer to ${command}`,
    30_000,
  );
}

async function codeBook(): Promise<
  Record<string, { uses_remaining: number; label: string; minted_by?: string }>
> {
  // No file yet: nothing was ever minted.
  const text = await readFile(join(daemon.dataDir, "codes.json"), "utf8").catch(() => "{}");
  return JSON.parse(text);
}

async function auditLog(): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(daemon.dataDir, "log.jsonl"), "utf8");
  return text
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test("a command right after /healthz turns 200 is answered; one from before the start is not", async () => {
  const help = await ask(mod, "!help");
  for (const name of COMMANDS)
    assert.match(help, new RegExp(`^!${name}\\b`, "m"), `!help lists !${name}`);
  // Commands are answered in order: by now the one from before the start would have been.
  const answers = botMessagesAfter(mod, preStartCommand) ?? [];
  assert.deepEqual(answers, [help], "the only answer since the pre-start command is the !help one");
  assert.ok(!Object.values(await codeBook()).some((e) => e.label === "said before the start"));
});

test("!mint -n 2 --uses 3 makes two codes with the label as typed, and a code lets a newcomer knock", async () => {
  const reply = await ask(mod, "!mint -n 2 --uses 3 my label");
  const book = await codeBook();
  const minted = Object.entries(book).filter(([, e]) => e.label === "my label");
  assert.equal(minted.length, 2);
  for (const [code, entry] of minted) {
    assert.ok(reply.includes(code), `the reply shows ${code} verbatim: ${reply}`);
    assert.ok(reply.includes(`/join?code=${code}`), "with its join link");
    assert.equal(entry.uses_remaining, 3);
    assert.equal(entry.minted_by, mod.userId);
  }
  const newcomer = await Newcomer.register(hs, community, "Mia");
  await newcomer.knock(minted[0]?.[0]);
  const challenge = await newcomer.readChallenge();
  assert.match(challenge.text, /write a 3-line haiku about: /);
  assert.equal((await codeBook())[minted[0]?.[0] ?? ""]?.uses_remaining, 2);
});

test("!codes lists live codes; !revoke withdraws one and a knock with it is denied", async () => {
  const reply = await ask(mod, "!mint --uses 2 to be revoked");
  const code = /code=([A-Z2-9]{10})/.exec(reply)?.[1] ?? "";
  assert.ok(code, reply);
  const listing = await ask(mod, "!codes");
  assert.match(listing, new RegExp(`^  ${code} \\(uses=2, label='to be revoked'\\)$`, "m"));
  assert.equal(await ask(mod, `!revoke ${code}`), `revoked ${code} (in codes.json)`);
  assert.equal((await codeBook())[code], undefined);
  assert.ok(!(await ask(mod, "!codes")).includes(code));
  assert.equal(await ask(mod, `!revoke ${code}`), `unknown code: ${code}`);

  const newcomer = await Newcomer.register(hs, community, "Rex");
  await newcomer.knock(code);
  const denied = await newcomer.client.waitForLeave(community.spaceId);
  assert.match(String(denied?.content?.reason), /not valid/);
});

test("someone on ADMIN_ALLOWLIST is answered with power level 0", async () => {
  const reply = await ask(owner, "!mint signup for the owner");
  const code = /signup\?code=([A-Z2-9]{10})/.exec(reply)?.[1] ?? "";
  const signupBook = JSON.parse(await readFile(join(daemon.dataDir, "signup_codes.json"), "utf8"));
  assert.equal(signupBook[code]?.label, "for the owner");
});

/**
 * Every file anteroom keeps in its data dir but the audit log and sync cursor, parsed. The join
 * wave's own clock ("now") moves on every tick, so it is left out.
 */
async function stores(): Promise<Record<string, unknown>> {
  const names = (await readdir(daemon.dataDir)).filter(
    (f) => f.endsWith(".json") && f !== "sync.json",
  );
  const entries = await Promise.all(
    names.map(async (f) => {
      const value = JSON.parse(await readFile(join(daemon.dataDir, f), "utf8")) as Record<
        string,
        unknown
      >;
      if (f === "join-wave.json") delete value.now;
      return [f, value] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/** What the commands could change on the homeserver: memberships, power levels, registration tokens. */
async function homeserverState(users: readonly string[]): Promise<unknown> {
  const rooms = [community.spaceId, ...community.childIds];
  return {
    levels: await Promise.all(
      rooms.map((r) => community.botClient.getState(r, "m.room.power_levels")),
    ),
    memberships: await Promise.all(
      rooms.flatMap((r) => users.map((u) => community.botClient.membership(r, u))),
    ),
    tokens: await community.botClient.request("GET", "/_synapse/admin/v1/registration_tokens"),
  };
}

test("a member without the power level gets nothing at all for any command, and nothing changes", async () => {
  const victim = await spaceMember("victim", 10);
  const banned = await spaceMember("banned");
  await community.botClient.ban(community.spaceId, banned.userId, "set up by the test");
  const live = /code=([A-Z2-9]{10})/.exec(await ask(mod, "!mint --uses 2 must survive"))?.[1];
  assert.ok(live);
  const attempts: readonly [string, string][] = [
    ["mint", "!mint -n 3 sneaky"],
    ["mint", "!mint signup sneaky"],
    ["codes", "!codes"],
    ["revoke", `!revoke ${live}`],
    ["kick", `!kick ${victim.userId}`],
    ["ban", `!ban ${victim.userId} no reason`],
    ["unban", `!unban ${banned.userId}`],
    ["promote", `!promote ${member.userId} admin`],
    ["demote", `!demote ${victim.userId}`],
    ["block", "!block *:sneaky.example"],
    ["token", "!token issue --uses 5"],
    ["token", `!token revoke ${hs.registrationToken}`],
    ["token", "!token list"],
    ["resume", "!resume"],
    ["held", "!held"],
    ["approve", `!approve ${victim.userId}`],
    ["reject", `!reject ${victim.userId} sneaky`],
    ["stats", "!stats"],
    ["help", "!help"],
  ];
  assert.deepEqual(
    [...new Set(attempts.map(([name]) => name))].sort(),
    [...COMMANDS].sort(),
    "every command is tried",
  );
  const users = [victim.userId, banned.userId, member.userId];
  const storesBefore = await stores();
  const homeserverBefore = await homeserverState(users);

  let first: string | undefined;
  for (const [, text] of attempts) {
    const eventId = await member.sendText(ops, text);
    first ??= eventId;
  }
  // An operator's command after those: when it is answered, the member's were handled before it.
  const fence = await mod.sendText(ops, "!help");
  await mod.syncUntil(() => botMessagesAfter(mod, fence)?.[0], "the answer to !help", 30_000);
  await member.sync();
  assert.equal(
    botMessagesAfter(member, first ?? "")?.length,
    1,
    "only the operator's !help was answered",
  );
  assert.equal(member.seenInvites().size, 0, "no direct message either");
  assert.deepEqual(await stores(), storesBefore, "no store changed");
  assert.deepEqual(
    await homeserverState(users),
    homeserverBefore,
    "nothing changed on the homeserver",
  );
  const refused = (await auditLog()).filter(
    (r) => r.type === "admin_refused" && r.sender === member.userId,
  );
  assert.deepEqual(
    refused.map((r) => r.cmd),
    attempts.map(([name]) => name),
  );
});

test("!stats answers with the last 24 hours' figures", async () => {
  const stats = await ask(mod, "!stats");
  assert.match(stats, /^last 24 h:/);
  const knocks = Number(/^knocks: (\d+)$/m.exec(stats)?.[1]);
  const minted = Number(/^codes minted: (\d+)$/m.exec(stats)?.[1]);
  assert.ok(knocks >= 2, stats);
  assert.ok(minted >= 4, stats);
  assert.match(stats, /^vetting: \d+ passed, \d+ failed, \d+ timed out$/m);
});

test("!ban and !unban act on the space and its child room; a member's !kick does nothing", async () => {
  const target = await spaceMember("target");
  const child = community.childIds[0] ?? "";
  await community.botClient.invite(child, target.userId);
  await target.join(child);

  await member.sendText(ops, `!kick ${target.userId}`);
  assert.equal(
    await ask(mod, `!ban ${target.userId} spamming`),
    `banned ${target.userId} in 2 of 2 rooms`,
  );
  for (const room of [community.spaceId, child]) {
    assert.equal(await community.botClient.membership(room, target.userId), "ban");
  }
  const ban = await community.botClient.getState(community.spaceId, "m.room.member", target.userId);
  assert.equal(ban.reason, "spamming");
  assert.equal(
    await ask(mod, `!unban ${target.userId}`),
    `unbanned ${target.userId} in 2 of 2 rooms`,
  );
  for (const room of [community.spaceId, child]) {
    assert.equal(await community.botClient.membership(room, target.userId), "leave");
  }
  const log = await auditLog();
  assert.ok(
    log.some((r) => r.type === "admin_refused" && r.cmd === "kick" && r.sender === member.userId),
  );
  assert.ok(!log.some((r) => r.type === "user_kicked"), "the member's !kick was not carried out");
  assert.ok(
    log.some((r) => r.type === "user_banned" && r.user === target.userId && r.by === mod.userId),
  );
  assert.equal(
    await ask(mod, "!ban not-a-user"),
    "!ban: not a Matrix user ID (like @alice:example.org): 'not-a-user'",
  );
});

test("!promote and !demote set the level in the space and its child room, never above the operator's", async () => {
  const bo = await spaceMember("bo");
  const child = community.childIds[0] ?? "";
  const levelsOf = async (room: string) =>
    (await community.botClient.getState(room, "m.room.power_levels")).users as Record<
      string,
      number
    >;

  assert.match(
    await ask(mod, `!promote ${bo.userId} moderator`),
    /changed in 2, already so in 0, of 2 rooms/,
  );
  for (const room of [community.spaceId, child])
    assert.equal((await levelsOf(room))[bo.userId], 50);
  // A moderator (50) cannot make anyone an admin (100), nor act on a peer.
  assert.match(await ask(mod, `!promote ${member.userId} admin`), /above your own power level/);
  assert.match(await ask(mod, `!demote ${bo.userId}`), /not below yours \(50\)/);
  assert.equal((await levelsOf(community.spaceId))[member.userId], undefined);
  // The allowlisted owner outranks everyone.
  assert.match(await ask(owner, `!demote ${bo.userId}`), /changed in 2/);
  for (const room of [community.spaceId, child])
    assert.equal((await levelsOf(room))[bo.userId], undefined);
});

test("!block answers (wired to the blocklist, or saying it is not available yet)", async () => {
  const reply = await ask(mod, "!block *:spam.example flood");
  assert.ok(
    reply === "!block is not available yet in this anteroom." || /spam\.example/.test(reply),
    reply,
  );
});

test("!token issues, lists and revokes registration tokens on the homeserver", async () => {
  const issued = await ask(mod, "!token issue --uses 2");
  const token = /^registration token issued: (\S+) \(2 of 2 uses left, /.exec(issued)?.[1];
  assert.ok(token, issued);
  const listing = await ask(mod, "!token list");
  assert.match(listing, /^registration tokens:/);
  for (const shown of [token, hs.registrationToken])
    assert.ok(listing.includes(`  ${shown} (`), listing);
  assert.equal(await ask(mod, `!token revoke ${token}`), `revoked registration token ${token}`);
  const left = await community.botClient.request<{ registration_tokens: { token: string }[] }>(
    "GET",
    "/_synapse/admin/v1/registration_tokens",
  );
  assert.deepEqual(
    left.registration_tokens.map((t) => t.token),
    [hs.registrationToken],
  );
});

test("!resume when no join wave has paused auto-approval says there is nothing to resume", async () => {
  assert.equal(await ask(mod, "!resume"), "nothing to resume: auto-approval is not paused.");
});

test("after a restart, commands said while anteroom was down are not carried out", async () => {
  assert.equal(await daemon.stop(), 0);
  const whileDown = await mod.sendText(ops, "!mint said while down");
  await daemon.launch();
  const help = await ask(mod, "!help");
  assert.deepEqual(botMessagesAfter(mod, whileDown), [help]);
  assert.ok(!Object.values(await codeBook()).some((e) => e.label === "said while down"));
});
