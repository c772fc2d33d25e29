import { test } from "node:test";
import assert from "node:assert/strict";
import type { EngineEvent } from "../../core/engine/events.js";
import { HomeserverError } from "../../core/ports.js";
import { troubles } from "../../core/moderation/triage.js";
import { World, forbidden, rateLimited, settings } from "./engine-fixtures.js";

const haiku = (keyword: string) =>
  `morning light arrives\nthe ${keyword} waits beside the door\nwe begin again`;

function keywordOf(world: World, user: string): string {
  const keyword = world.record(user)?.challenge?.keyword;
  if (!keyword) throw new Error("no challenge");
  return keyword;
}

test("a knock with a valid code charges one use, opens a room and posts the challenge", async () => {
  const world = new World({ ABC: { uses_remaining: 2, label: "friends" } });
  world.knock("@new:example.org", "ABC");
  await world.reconcile();
  assert.equal(world.codes.value.ABC?.uses_remaining, 1);
  assert.deepEqual(
    world.matrix.ops("createVettingRoom").map((a) => a[1]),
    ["@new:example.org"],
  );
  const [roomId, text] = world.matrix.ops("sendText")[0] ?? [];
  assert.equal(roomId, world.record("@new:example.org")?.roomId);
  assert.match(String(text), /write a 3-line haiku about: .+/);
  assert.match(String(text), /include the word "[a-z]+"/);
  assert.match(String(text), /3 tries left/);
  assert.deepEqual(
    world.audit.map((a) => a.type),
    ["knock_received", "code_redeemed", "vetting_room_created"],
  );
});

test("reconciling the same knocks again changes nothing", async () => {
  const world = new World({ ABC: { uses_remaining: 5, label: "" } });
  world.knock("@new:example.org", "ABC");
  await world.reconcile();
  await world.reconcile();
  await world.reconcile();
  assert.equal(world.matrix.ops("createVettingRoom").length, 1);
  assert.equal(world.codes.value.ABC?.uses_remaining, 4);
});

test("a new knock from someone still being vetted opens no second room, after a restart too", async () => {
  const world = new World({ ABC: { uses_remaining: 5, label: "" } });
  world.knock("@other:example.org", "ABC");
  const first = world.knock("@new:example.org", "ABC");
  await world.reconcile();
  world.restart();
  const second = world.knock("@new:example.org", "ABC", "$knock-again");
  await world.reconcile();
  assert.equal(world.matrix.ops("createVettingRoom").length, 2);
  assert.equal(world.vetting.value[second]?.phase, "superseded");
  assert.equal(world.vetting.value[second]?.outcome, `superseded:${first}`);
  assert.equal(world.codes.value.ABC?.uses_remaining, 3);
});

test("knocks racing for a code with one use left open exactly one room", async () => {
  const world = new World({ LAST: { uses_remaining: 1, label: "" } });
  for (let i = 0; i < 10; i++) world.knock(`@n${i}:example.org`, "LAST");
  await world.reconcile();
  assert.equal(world.matrix.ops("createVettingRoom").length, 1);
  assert.equal(world.codes.value.LAST?.uses_remaining, 0);
  const kicks = world.matrix.ops("kick");
  assert.equal(kicks.length, 9);
  assert.ok(kicks.every(([, , reason]) => /no uses left/.test(String(reason))));
});

test("a wrong code is denied at once with a reason, and the person may knock again", async () => {
  const world = new World({ ABC: { uses_remaining: 1, label: "" } });
  world.knock("@new:example.org", "WRONG");
  await world.reconcile();
  assert.match(String(world.matrix.ops("kick")[0]?.[2]), /not valid/);
  assert.equal(world.audit.find((a) => a.type === "knock_rejected")?.reason, "unknown_code");
  world.memberships.set("@new:example.org", "leave");
  world.knock("@new:example.org", "ABC", "$second");
  await world.reconcile();
  assert.equal(world.matrix.ops("createVettingRoom").length, 1);
});

test("a knock without a reason waits for the hold, then is denied with a reason", async () => {
  const world = new World({});
  world.knock("@quiet:example.org", "");
  await world.reconcile();
  assert.equal(world.record("@quiet:example.org")?.phase, "held");
  await world.advance(settings.knockHoldSec * 1000 - 1000);
  assert.equal(world.matrix.ops("kick").length, 0);
  await world.advance(2000);
  assert.match(String(world.matrix.ops("kick")[0]?.[2]), /no invite code/);
});

test("a passing haiku invites to the space and every child, acknowledges, then leaves after a moment", async () => {
  const world = new World({ ABC: { uses_remaining: 1, label: "" } });
  world.knock("@new:example.org", "ABC");
  await world.reconcile();
  await world.reply("@new:example.org", haiku(keywordOf(world, "@new:example.org")));
  assert.deepEqual(
    world.matrix.ops("invite").map(([room]) => room),
    [settings.spaceId, ...settings.childIds],
  );
  const ack = String(world.matrix.ops("sendText").at(-1)?.[1]);
  assert.match(ack, /^passed!/);
  // The welcome signup code: in the book, labelled with the newcomer, linked in the acknowledgement.
  const [code, entry] = Object.entries(world.signupCodes.value)[0] ?? [];
  assert.deepEqual(entry, {
    uses_remaining: 10,
    label: "welcome:@new:example.org",
    inviter: "@new:example.org",
    minted_by: "anteroom",
  });
  assert.ok(ack.includes(`https://chat.example.org/signup?code=${code}`));
  assert.equal(world.matrix.ops("leaveAndForget").length, 0);
  await world.advance(settings.farewellDelaySec * 1000);
  assert.equal(world.matrix.ops("leaveAndForget").length, 1);
  assert.ok(world.audit.some((a) => a.type === "promoted"));
});

test("wrong answers count down the tries, then the room closes and the knock is denied", async () => {
  const world = new World({ ABC: { uses_remaining: 1, label: "" } });
  world.knock("@new:example.org", "ABC");
  await world.reconcile();
  await world.reply("@new:example.org", "not a haiku");
  assert.match(
    String(world.matrix.ops("sendText").at(-1)?.[1]),
    /^not yet — a haiku has 3 lines, yours has 1\. 2 tries left\.$/,
  );
  await world.reply("@new:example.org", "still\nnot\nit");
  assert.match(String(world.matrix.ops("sendText").at(-1)?.[1]), /1 try left/);
  await world.reply("@new:example.org", haiku("wrongword"));
  assert.match(String(world.matrix.ops("sendText").at(-1)?.[1]), /no tries left/);
  assert.equal(world.record("@new:example.org")?.phase, "failed");
  await world.advance(settings.farewellDelaySec * 1000);
  assert.equal(world.matrix.ops("leaveAndForget").length, 1);
  assert.match(String(world.matrix.ops("kick")[0]?.[2]), /not passed/);
  assert.ok(world.audit.some((a) => a.type === "vetting_failed"));
});

test("the same reply seen twice (a replayed event) is judged once", async () => {
  const world = new World({ ABC: { uses_remaining: 1, label: "" } });
  world.knock("@new:example.org", "ABC");
  await world.reconcile();
  const roomId = world.record("@new:example.org")?.roomId ?? "";
  const message = {
    roomId,
    eventId: "$same",
    sender: "@new:example.org",
    body: "nope",
    displayName: "N",
  };
  await world.engine.onMessage(message);
  await world.engine.onMessage(message);
  await world.settle();
  assert.equal(world.record("@new:example.org")?.triesLeft, 2);
});

test("messages from others in the vetting room are not judged", async () => {
  const world = new World({ ABC: { uses_remaining: 1, label: "" } });
  world.knock("@new:example.org", "ABC");
  await world.reconcile();
  const roomId = world.record("@new:example.org")?.roomId ?? "";
  await world.engine.onMessage({
    roomId,
    eventId: "$x",
    sender: "@other:example.org",
    body: "hi",
    displayName: "O",
  });
  await world.settle();
  assert.equal(world.record("@new:example.org")?.triesLeft, 3);
});

test("a silent newcomer gets a reminder before the end, then a timeout and a denial", async () => {
  const world = new World({ ABC: { uses_remaining: 1, label: "" } });
  world.knock("@new:example.org", "ABC");
  await world.reconcile();
  await world.advance((settings.lifetimeSec - settings.reminderLeadSec) * 1000);
  assert.match(
    String(world.matrix.ops("sendText").at(-1)?.[1]),
    /^reminder: this room closes in 10 minutes/,
  );
  await world.advance(settings.reminderLeadSec * 1000);
  assert.match(String(world.matrix.ops("sendText").at(-1)?.[1]), /time is up/);
  assert.match(String(world.matrix.ops("kick")[0]?.[2]), /timed out/);
  assert.ok(world.audit.some((a) => a.type === "vetting_timeout"));
});

test("a vetting room open across a restart still gets its reminder and its timeout", async () => {
  const world = new World({ ABC: { uses_remaining: 1, label: "" } });
  world.knock("@new:example.org", "ABC");
  await world.reconcile();
  world.restart();
  await world.advance((settings.lifetimeSec - settings.reminderLeadSec) * 1000);
  assert.match(
    String(world.matrix.ops("sendText").at(-1)?.[1]),
    /^reminder: this room closes in 10 minutes/,
  );
  await world.advance(settings.reminderLeadSec * 1000);
  assert.match(String(world.matrix.ops("kick")[0]?.[2]), /timed out/);
});

test("a rate-limited call waits at least the server's retry_after_ms, then succeeds", async () => {
  const world = new World({ ABC: { uses_remaining: 1, label: "" } });
  world.matrix.failures.set("createVettingRoom", [rateLimited(5000)]);
  world.knock("@new:example.org", "ABC");
  await world.reconcile();
  assert.equal(world.record("@new:example.org")?.phase, "opening");
  await world.advance(3000);
  assert.equal(world.matrix.ops("createVettingRoom").length, 1);
  await world.advance(5000);
  assert.equal(world.matrix.ops("createVettingRoom").length, 2);
  assert.equal(world.record("@new:example.org")?.phase, "open");
});

test("a final failure is recorded and audited, not retried forever", async () => {
  const world = new World({ ABC: { uses_remaining: 1, label: "" } });
  world.matrix.failures.set("invite", [forbidden()]);
  world.knock("@new:example.org", "ABC");
  await world.reconcile();
  await world.reply("@new:example.org", haiku(keywordOf(world, "@new:example.org")));
  assert.ok(world.audit.some((a) => a.type === "effect_failed" && /banned/.test(String(a.error))));
  assert.match(String(world.matrix.ops("sendText").at(-1)?.[1]), /^passed!/);
});

test("an invite given up on and then sent again with reinvite is no longer listed as trouble", async () => {
  const world = new World({ ABC: { uses_remaining: 1, label: "" } });
  world.matrix.failures.set("invite", [forbidden()]);
  world.knock("@new:example.org", "ABC");
  await world.reconcile();
  await world.reply("@new:example.org", haiku(keywordOf(world, "@new:example.org")));
  await world.settle();
  const record = () => Object.values(world.vetting.value)[0]!;
  const kinds = () => troubles([record()], [], [], world.now).map((t) => t.kind);
  assert.deepEqual(kinds(), ["failed"]);
  const result = await world.engine.moderate(record().key, { action: "reinvite" }, "mod");
  assert.deepEqual(result, { ok: true });
  // Effects run in order: the re-invite after the vetting room's delayed farewell.
  await world.advance(settings.farewellDelaySec * 1000);
  assert.equal(world.matrix.ops("invite").length, 1 + 1 + settings.childIds.length);
  assert.deepEqual(kinds(), []);
});

test("after a restart the engine finishes the effects it had recorded and makes no second room", async () => {
  const world = new World({ ABC: { uses_remaining: 1, label: "" } });
  world.matrix.failures.set("sendText", [rateLimited(60_000)]);
  world.knock("@new:example.org", "ABC");
  await world.reconcile();
  assert.equal(world.record("@new:example.org")?.outbox.length, 1); // the challenge, not yet sent
  world.restart();
  world.now += 61_000;
  await world.reconcile();
  await world.engine.tick();
  await world.settle();
  assert.equal(world.matrix.ops("createVettingRoom").length, 1);
  assert.equal(world.matrix.ops("sendText").length, 2);
  assert.equal(world.codes.value.ABC?.uses_remaining, 0);
});

test("a withdrawn knock closes its vetting room", async () => {
  const world = new World({ ABC: { uses_remaining: 1, label: "" } });
  world.knock("@new:example.org", "ABC");
  await world.reconcile();
  world.memberships.set("@new:example.org", "leave");
  await world.reconcile();
  assert.equal(world.record("@new:example.org")?.phase, "withdrawn");
  assert.equal(world.matrix.ops("leaveAndForget").length, 1);
});

test("hostile text in reasons and replies is kept as data", async () => {
  const world = new World({});
  const hostile = '\u001b]0;pwned\u0007\u001b[2J\r\u202eevil"},{"type":"forged"';
  world.knock("@new:example.org", hostile);
  await world.reconcile();
  const rejected = world.audit.find((a) => a.type === "knock_rejected");
  assert.equal(rejected?.knock_reason, hostile);
  assert.ok(!world.audit.some((a) => a.type === "forged"));
});

test("closed records are forgotten after the retention time, and front ends are told to drop them", async () => {
  const world = new World({ ABC: { uses_remaining: 2, label: "" } });
  world.knock("@gone:example.org", "ABC");
  world.knock("@stays:example.org", "ABC");
  await world.reconcile();
  world.memberships.set("@gone:example.org", "leave");
  await world.reconcile();
  const gone = world.record("@gone:example.org");
  assert.ok(gone?.closedAt !== undefined);
  const events: EngineEvent[] = [];
  world.engine.subscribe((event) => events.push(event));

  await world.advance(settings.retentionMs + 3_600_001);

  const removed = events.flatMap((e) =>
    e.type === "removed" ? [{ kind: e.kind, key: e.key }] : [],
  );
  assert.deepEqual(removed, [{ kind: "vetting", key: gone.key }]);
  const keys = world.engine.snapshot().records.map((r) => r.key);
  assert.ok(!keys.includes(gone.key));
  // Closed only just now (timed out in this very tick): kept for the retention time.
  assert.ok(keys.includes(world.record("@stays:example.org")?.key ?? "?"));
});

test("when the homeserver is back, an effect waiting out a back-off runs at once; a rate limit's wait is kept", async () => {
  const world = new World({ ABC: { uses_remaining: 2, label: "" } });
  const unreachable = new HomeserverError("fetch failed", true);
  world.matrix.failures.set("createVettingRoom", [unreachable, unreachable, rateLimited(30_000)]);
  world.knock("@new:example.org", "ABC");
  await world.reconcile();
  await world.advance(2_000);
  assert.equal(world.matrix.ops("createVettingRoom").length, 2, "two failed tries, backing off");

  world.engine.homeserverBack();
  await world.settle();
  assert.equal(world.matrix.ops("createVettingRoom").length, 3, "tried again at once");

  world.engine.homeserverBack();
  await world.settle();
  assert.equal(world.matrix.ops("createVettingRoom").length, 3, "the server's retry_after is kept");
  await world.advance(31_000);
  assert.equal(world.record("@new:example.org")?.phase, "open");
});
