/** The operator-room listener on a stand-in client: what is answered, what is ignored, what is audited. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { ClientEvent, MatrixEvent, RoomEvent, SyncState, type MatrixClient } from "matrix-js-sdk";
import type { CodeBookName, MintRequest } from "../../core/api.js";
import type { CodeBook } from "../../core/codes/code-book.js";
import { listenToOperatorRoom, type DeviceGate } from "../../src/chat/operator-room.js";
import type { ChatCommandsApi } from "../../src/chat/run-command.js";
import type { OperatorActions } from "../../src/chat/operator-actions.js";
import { waitFor } from "../harness/wait.js";

const ROOM = "!ops:example.org";
const BOT = "@anteroom:example.org";
const MOD = "@mod:example.org";
const NOBODY = "@nobody:example.org";
const T0 = 1_800_000_000_000;

class Books implements ChatCommandsApi {
  codes: CodeBook = {};
  signupCodes: CodeBook = {};
  audited: { ts: number; type: string }[] = [];
  private n = 0;
  snapshot() {
    return { codes: this.codes, signupCodes: this.signupCodes, records: [], lobbies: [] };
  }
  async moderate() {
    return { ok: false as const, error: "no knocks here" };
  }
  async mintCode(book: CodeBookName, request: MintRequest) {
    const code = `CODE${++this.n}`;
    const entry = { uses_remaining: request.uses, label: request.label, minted_by: request.by };
    if (book === "invite") this.codes = { ...this.codes, [code]: entry };
    else this.signupCodes = { ...this.signupCodes, [code]: entry };
    return { code, entry };
  }
  async revokeCode(book: CodeBookName, code: string) {
    const books = book === "invite" ? this.codes : this.signupCodes;
    delete books[code];
    return { ok: true as const };
  }
  async audit() {
    return this.audited;
  }
}

/** The operator room's state: a private room of moderators unless a test says otherwise. */
interface RoomState {
  readonly spaceId?: string;
  readonly joinRule?: string;
  readonly historyVisibility?: string;
}

function setup(actions: OperatorActions = {}, roomState: RoomState = {}, deviceGate?: DeviceGate) {
  const client = new EventEmitter() as EventEmitter & {
    getUserId(): string;
    getRoom(id: string): unknown;
    getCrypto(): undefined;
  };
  const state: Record<string, Record<string, unknown>> = {
    "m.room.power_levels": { users: { [BOT]: 100, [MOD]: 50 }, users_default: 0 },
    "m.room.join_rules": { join_rule: roomState.joinRule ?? "invite" },
    "m.room.history_visibility": { history_visibility: roomState.historyVisibility ?? "shared" },
  };
  const room = {
    roomId: ROOM,
    getMyMembership: () => "join",
    hasEncryptionStateEvent: () => false,
    currentState: {
      getStateEvents: (type: string) =>
        state[type] === undefined ? null : { getContent: () => state[type] },
    },
  };
  client.getUserId = () => BOT;
  client.getRoom = (id) => (id === ROOM ? room : null);
  client.getCrypto = () => undefined; // the bot's encryption is off
  const warnings: Record<string, unknown>[] = [];
  let undecryptable = 0;
  const sent: { text: string; txnId: string }[] = [];
  const audit: Record<string, unknown>[] = [];
  const api = new Books();
  let clock = T0;
  const listener = listenToOperatorRoom({
    client: client as unknown as MatrixClient,
    roomId: ROOM,
    spaceId: roomState.spaceId ?? "!space:example.org",
    policy: { threshold: 50, allowlist: ["@owner:example.org"] },
    publicUrl: "https://hs.example",
    api,
    actions,
    audit: { append: async (record) => void audit.push(record) },
    send: async (roomId, text, txnId) => {
      assert.equal(roomId, ROOM);
      sent.push({ text, txnId });
    },
    log: {
      info: () => undefined,
      warn: (fields: object) => void warnings.push(fields as Record<string, unknown>),
      error: () => undefined,
    },
    now: () => clock,
    onUndecryptable: () => undecryptable++,
    ...(deviceGate ? { deviceGate } : {}),
  });
  let ids = 0;
  const say = (
    sender: string,
    body: string,
    opts: { ts?: number; id?: string; roomId?: string; msgtype?: string } = {},
  ) => {
    const event = new MatrixEvent({
      type: "m.room.message",
      event_id: opts.id ?? `$e${++ids}`,
      sender,
      room_id: opts.roomId ?? ROOM,
      origin_server_ts: opts.ts ?? clock,
      content: { msgtype: opts.msgtype ?? "m.text", body },
    });
    const target = opts.roomId && opts.roomId !== ROOM ? { ...room, roomId: opts.roomId } : room;
    client.emit(RoomEvent.Timeline, event, target, false, false, { liveEvent: true });
    return event;
  };
  const sync = (state: SyncState, fromCache = false) =>
    client.emit(ClientEvent.Sync, state, null, fromCache ? { fromCache } : {});
  const sayEncrypted = (sender: string, sessionId: string) => {
    const event = new MatrixEvent({
      type: "m.room.encrypted",
      event_id: `$e${++ids}`,
      sender,
      room_id: ROOM,
      origin_server_ts: clock,
      content: { algorithm: "m.megolm.v1.aes-sha2", session_id: sessionId, ciphertext: "x" },
    });
    client.emit(RoomEvent.Timeline, event, room, false, false, { liveEvent: true });
  };
  return {
    api,
    sent,
    audit,
    listener,
    say,
    sayEncrypted,
    sync,
    warnings,
    undecryptable: () => undecryptable,
    tick: (ms: number) => (clock += ms),
  };
}

test("nothing from the first sync batch (history, or a restored backlog) is acted on", async () => {
  const world = setup();
  world.sync(SyncState.Prepared, true); // the saved sync state, replayed
  world.say(MOD, "!mint before the start");
  world.sync(SyncState.Prepared); // the homeserver's first answer: still backlog up to here
  await world.listener.idle();
  assert.equal(world.sent.length, 0);
  assert.deepEqual(world.api.codes, {});
  world.tick(1000);
  world.say(MOD, "!mint after the start");
  await world.listener.idle();
  assert.equal(world.sent.length, 1);
  assert.match(world.sent[0]?.text ?? "", /\(label: after the start\)/);
});

test("a message stamped before the listener started is not answered even when it arrives live", async () => {
  const world = setup();
  world.sync(SyncState.Syncing);
  world.say(MOD, "!help", { ts: T0 - 60_000 });
  await world.listener.idle();
  assert.equal(world.sent.length, 0);
});

test("an operator's command is handled once even when its event is seen twice", async () => {
  const world = setup();
  world.sync(SyncState.Syncing);
  world.say(MOD, "!mint -n 2 --uses 3 my label", { id: "$same" });
  world.say(MOD, "!mint -n 2 --uses 3 my label", { id: "$same" });
  await world.listener.idle();
  assert.equal(world.sent.length, 1);
  assert.equal(Object.keys(world.api.codes).length, 2);
  for (const [code, entry] of Object.entries(world.api.codes)) {
    assert.ok(world.sent[0]?.text.includes(code));
    assert.equal(entry.label, "my label");
    assert.equal(entry.uses_remaining, 3);
    assert.equal(entry.minted_by, MOD);
  }
});

test("someone without the power level gets nothing at all; the refusal is only audited", async () => {
  const world = setup();
  world.sync(SyncState.Syncing);
  world.say(NOBODY, "!mint -n 5");
  world.say(NOBODY, "!mint -n 0");
  world.say(NOBODY, "just chatting");
  await world.listener.idle();
  assert.equal(world.sent.length, 0);
  assert.deepEqual(world.api.codes, {});
  assert.deepEqual(
    world.audit.map((r) => [r.type, r.cmd, r.sender]),
    [
      ["admin_refused", "mint", NOBODY],
      ["admin_refused", "mint", NOBODY],
    ],
  );
});

test("the allowlist answers a sender with no power level", async () => {
  const world = setup();
  world.sync(SyncState.Syncing);
  world.say("@owner:example.org", "!codes");
  await world.listener.idle();
  assert.deepEqual(
    world.sent.map((s) => s.text),
    ["no live codes."],
  );
});

test("the bot's own messages, notices, other rooms and plain chat are ignored", async () => {
  const world = setup();
  world.sync(SyncState.Syncing);
  world.say(BOT, "!help");
  world.say(MOD, "!help", { msgtype: "m.notice" });
  world.say(MOD, "!help", { roomId: "!elsewhere:example.org" });
  world.say(MOD, "good morning");
  await world.listener.idle();
  assert.equal(world.sent.length, 0);
});

test("a typo in a known command gets its usage; unwired moderation says it is not available yet", async () => {
  const world = setup();
  world.sync(SyncState.Syncing);
  world.say(MOD, "!mint -n 99");
  world.say(MOD, "!kick @spam:evil.org");
  await world.listener.idle();
  assert.deepEqual(
    world.sent.map((s) => s.text),
    ["!mint: -n must be 1..50, got 99", "!kick is not available yet in this anteroom."],
  );
});

test("wired moderation actions run with the operator as the actor, and failures are reported", async () => {
  const calls: unknown[][] = [];
  const world = setup({
    ban: async (user, reason, by, authority) => {
      calls.push([user, reason, by, authority]);
      return { ok: true, summary: `banned ${user} from 3 rooms` };
    },
    demote: async () => ({ ok: false, error: "the bot cannot change that level" }),
  });
  world.sync(SyncState.Syncing);
  world.say(MOD, "!ban @spam:evil.org links everywhere");
  world.say(MOD, "!demote @bo:example.org");
  await world.listener.idle();
  assert.deepEqual(calls, [["@spam:evil.org", "links everywhere", MOD, 50]]);
  assert.deepEqual(
    world.sent.map((s) => s.text),
    ["banned @spam:evil.org from 3 rooms", "!demote failed: the bot cannot change that level"],
  );
});

test("!revoke removes the code from its book, matching without regard to case", async () => {
  const world = setup();
  world.api.codes = { FRIENDS: { uses_remaining: 4, label: "f" } };
  world.sync(SyncState.Syncing);
  world.say(MOD, "!revoke friends");
  world.say(MOD, "!revoke NOPE");
  await world.listener.idle();
  assert.deepEqual(world.api.codes, {});
  assert.deepEqual(
    world.sent.map((s) => s.text),
    ["revoked FRIENDS (in codes.json)", "unknown code: NOPE"],
  );
});

test("an operator cannot have the bot act on someone at or above their own level", async () => {
  const banned: string[] = [];
  const world = setup({
    ban: async (user) => {
      banned.push(user);
      return { ok: true, summary: `banned ${user}` };
    },
  });
  world.sync(SyncState.Syncing);
  world.say(MOD, `!ban ${BOT} bye`);
  world.say(MOD, "!ban @peer:example.org");
  world.say("@owner:example.org", `!ban ${MOD}`);
  await world.listener.idle();
  assert.deepEqual(banned, ["@peer:example.org", MOD], "the allowlist outranks everyone");
  assert.equal(
    world.sent[0]?.text,
    `!ban: ${BOT} has power level 100 in this room, not below yours (50)`,
  );
});

for (const [where, roomState] of [
  ["the space itself", { spaceId: ROOM }],
  ["a room with join rule knock", { joinRule: "knock" }],
  ["a public room", { joinRule: "public" }],
  ["a room restricted to the space's members", { joinRule: "restricted" }],
  ["a world-readable room", { historyVisibility: "world_readable" }],
] as const) {
  test(`in ${where}, an operator's !mint, !codes and !token list are refused and reveal nothing`, async () => {
    const tokens = {
      list: async () => [
        { token: "SECRETTOKEN", usesAllowed: 1, pending: 0, completed: 0, expiresAt: null },
      ],
    };
    const world = setup({ tokens: tokens as unknown as OperatorActions["tokens"] }, roomState);
    world.api.codes = { LIVECODE42: { uses_remaining: 3, label: "friends" } };
    world.sync(SyncState.Syncing);
    world.say(MOD, "!codes");
    world.say(MOD, "!mint -n 2 sneaky");
    world.say("@owner:example.org", "!token list");
    world.say(MOD, "!mint token --uses 1");
    world.say(MOD, "!help");
    await world.listener.idle();
    assert.equal(world.sent.length, 5);
    // `!mint token` is the token command by another name.
    for (const [i, name] of ["codes", "mint", "token", "token"].entries()) {
      const text = world.sent[i]?.text ?? "";
      assert.match(text, new RegExp(`^!${name} is not answered here: .*invite-only room`));
      assert.doesNotMatch(text, /LIVECODE42|SECRETTOKEN|code=/);
    }
    assert.match(world.sent[4]?.text ?? "", /^commands:/, "other commands are answered");
    assert.deepEqual(Object.keys(world.api.codes), ["LIVECODE42"], "nothing was minted");
    assert.deepEqual(
      world.audit.map((r) => [r.type, r.cmd, r.why]),
      [
        ["admin_refused", "codes", "open_room"],
        ["admin_refused", "mint", "open_room"],
        ["admin_refused", "token", "open_room"],
        ["admin_refused", "token", "open_room"],
      ],
    );
  });
}

test("in an invite-only room that is not the space, an operator's !codes is answered", async () => {
  const world = setup();
  world.api.codes = { LIVECODE42: { uses_remaining: 3, label: "friends" } };
  world.sync(SyncState.Syncing);
  world.say(MOD, "!codes");
  await world.listener.idle();
  assert.match(world.sent[0]?.text ?? "", /LIVECODE42/);
});

test("a member's refused commands are written to the audit log at most 20 times an hour, then counted", async () => {
  const world = setup();
  world.sync(SyncState.Syncing);
  for (let i = 0; i < 50; i++) world.say(NOBODY, "!codes");
  await world.listener.idle();
  assert.equal(world.audit.length, 20);
  world.tick(3_600_000);
  world.say(NOBODY, "!codes");
  await world.listener.idle();
  assert.equal(world.audit.length, 21);
  assert.equal(world.audit[20]?.not_recorded, 30, "the next hour's first record counts the rest");
  assert.equal(world.sent.length, 0);
});

test("an encrypted message the bot cannot read is reported with its sender and session and counted, never answered", async () => {
  const world = setup();
  world.sync(SyncState.Syncing);
  world.sayEncrypted(MOD, "SESSION1");
  await waitFor(() => world.undecryptable() === 1, { what: "the message counted as unreadable" });
  await world.listener.idle();
  assert.deepEqual(world.sent, []);
  const warning = world.warnings.find((fields) => fields.sessionId === "SESSION1");
  assert.equal(warning?.sender, MOD);
  assert.match(String(warning?.reason), /encryption is off/);
});

test("with the verified-device gate, an operator's command from an unvouched device gets the refusal and an admin_unverified record", async () => {
  const trusted = new Set<string>();
  const world = setup(
    {},
    {},
    {
      required: () => true,
      trust: async (event) => (trusted.has(event.getId() ?? "") ? "verified" : "unverified_device"),
    },
  );
  world.sync(SyncState.Syncing);
  world.say(MOD, "!mint refused");
  await world.listener.idle();
  assert.deepEqual(
    world.sent.map((m) => m.text),
    [`${MOD}: refused — admin commands require a cross-signing-verified device`],
  );
  assert.deepEqual(
    world.audit.map((r) => [r.type, r.sender, r.cmd, r.trust]),
    [["admin_unverified", MOD, "mint", "unverified_device"]],
  );
  assert.deepEqual(world.api.codes, {});
  trusted.add(world.say(MOD, "!mint welcome").getId() ?? "");
  await world.listener.idle();
  assert.match(world.sent[1]?.text ?? "", /minted knock code/);
});
