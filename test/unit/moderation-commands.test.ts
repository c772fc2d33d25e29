import { test } from "node:test";
import assert from "node:assert/strict";
import { World, settings } from "./engine-fixtures.js";

const MOD = "@mod:example.org";

async function openVetting(world: World, user = "@new:example.org"): Promise<string> {
  world.knock(user, "ABC");
  await world.reconcile();
  const key = world.record(user)?.key;
  if (!key) throw new Error("no record");
  return key;
}

test("a moderator approves a held knock: straight into the space and every child room", async () => {
  const world = new World({});
  world.knock("@quiet:example.org", "");
  await world.reconcile();
  const key = world.record("@quiet:example.org")?.key ?? "";
  assert.deepEqual(await world.engine.moderate(key, { action: "approve" }, MOD), { ok: true });
  await world.settle();
  assert.deepEqual(
    world.matrix.ops("invite").map(([room]) => room),
    [settings.spaceId, ...settings.childIds],
  );
  const promoted = world.audit.find((a) => a.type === "promoted");
  assert.equal(promoted?.by, MOD);
  assert.equal(promoted?.via, "moderator");
});

test("a moderator overrides a failed haiku: the person is let in after all", async () => {
  const world = new World({ ABC: { uses_remaining: 1, label: "" } });
  const key = await openVetting(world);
  for (let i = 0; i < 3; i++) await world.reply("@new:example.org", "nope");
  assert.equal(world.record("@new:example.org")?.phase, "failed");
  assert.deepEqual(await world.engine.moderate(key, { action: "approve" }, MOD), { ok: true });
  await world.settle();
  assert.equal(
    world.matrix.ops("invite")[0]?.[0],
    settings.spaceId,
    "not held back by the farewell",
  );
  assert.equal(world.audit.find((a) => a.type === "promoted")?.via, "override");
});

test("a moderator rejects an open vetting with a reason the newcomer sees", async () => {
  const world = new World({ ABC: { uses_remaining: 1, label: "" } });
  const key = await openVetting(world);
  await world.engine.moderate(key, { action: "reject", reason: "spam account" }, MOD);
  await world.settle();
  assert.match(
    String(world.matrix.ops("sendText").at(-1)?.[1]),
    /a moderator declined: spam account/,
  );
  assert.equal(world.matrix.ops("kick")[0]?.[2], "spam account");
  assert.equal(world.record("@new:example.org")?.phase, "denied");
});

test("more tries and more time are given, said in the room, and kept", async () => {
  const world = new World({ ABC: { uses_remaining: 1, label: "" } });
  const key = await openVetting(world);
  const expires = world.record("@new:example.org")?.expiresAt ?? 0;
  await world.engine.moderate(key, { action: "addTries", tries: 2 }, MOD);
  await world.engine.moderate(key, { action: "extend", seconds: 3600 }, MOD);
  await world.settle();
  const record = world.record("@new:example.org");
  assert.equal(record?.triesLeft, 5);
  assert.equal(record?.expiresAt, expires + 3_600_000);
  assert.match(String(world.matrix.ops("sendText").at(-2)?.[1]), /5 tries left/);
  assert.match(String(world.matrix.ops("sendText").at(-1)?.[1]), /closes in 3 hours/);
});

test("a new topic is posted with the reference phrasing and judged from then on", async () => {
  const world = new World({ ABC: { uses_remaining: 1, label: "" } });
  const key = await openVetting(world);
  const challenge = { topic: "a kettle at dawn", keyword: "steam" };
  await world.engine.moderate(key, { action: "repost", challenge }, MOD);
  await world.settle();
  assert.match(
    String(world.matrix.ops("sendText").at(-1)?.[1]),
    /write a 3-line haiku about: a kettle at dawn\ninclude the word "steam"/,
  );
  await world.reply(
    "@new:example.org",
    "morning light arrives\nthe steam waits beside the door\nwe begin again",
  );
  assert.equal(world.record("@new:example.org")?.phase, "passed");
});

test("the bot says what a moderator types, and the transcript keeps who said it", async () => {
  const world = new World({ ABC: { uses_remaining: 1, label: "" } });
  const key = await openVetting(world);
  await world.engine.moderate(key, { action: "say", text: "take your time" }, MOD);
  await world.reply("@new:example.org", "hello?");
  const transcript = world.record("@new:example.org")?.transcript ?? [];
  assert.deepEqual(
    transcript.map((line) => line.from),
    ["bot", "moderator", "newcomer", "bot"],
  );
  assert.equal(transcript[1]?.by, MOD);
});

test("commands that do not fit the state are refused with the reason", async () => {
  const world = new World({ ABC: { uses_remaining: 1, label: "" } });
  const key = await openVetting(world);
  assert.deepEqual(await world.engine.moderate(key, { action: "addTries", tries: 0 }, MOD), {
    ok: false,
    error: "tries must be 1–20",
  });
  assert.deepEqual(await world.engine.moderate("$nope", { action: "approve" }, MOD), {
    ok: false,
    error: "no knock or vetting room $nope",
  });
  await world.engine.moderate(key, { action: "close" }, MOD);
  const again = await world.engine.moderate(key, { action: "say", text: "hi" }, MOD);
  assert.equal(again.ok, false);
});

test("minted codes are unguessable, admit knocks, and revoked ones stop working", async () => {
  const world = new World({});
  const events: string[] = [];
  world.engine.subscribe((event) => events.push(event.type));
  const { code } = await world.engine.mintCode("invite", {
    uses: 2,
    label: "from the console",
    by: MOD,
  });
  assert.match(code, /^[A-HJ-NP-Z2-9]{10}$/);
  assert.equal(world.codes.value[code]?.minted_by, MOD);
  assert.ok(events.includes("codes"));
  world.knock("@a:example.org", code);
  await world.reconcile();
  assert.equal(world.record("@a:example.org")?.phase, "open");
  assert.deepEqual(await world.engine.revokeCode("invite", code, MOD), { ok: true });
  world.knock("@b:example.org", code);
  await world.reconcile();
  assert.equal(world.record("@b:example.org")?.phase, "denied");
  const snapshot = world.engine.snapshot();
  assert.equal(snapshot.records.length, 2);
  assert.ok(snapshot.seq >= events.length);
});
