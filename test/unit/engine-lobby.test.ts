import { test } from "node:test";
import assert from "node:assert/strict";
import { LobbyWorld, forbidden, rateLimited, settings } from "./engine-fixtures.js";

const haiku = (keyword: string) =>
  `morning light arrives\nthe ${keyword} waits beside the door\nwe begin again`;

async function openedLobby(world: LobbyWorld, requestKey = "req-1") {
  const result = await world.engine.openLobby("ABC", requestKey);
  assert.ok(result.ok, `the lobby opened: ${JSON.stringify(result)}`);
  await world.settle();
  return result;
}

test("opening a lobby spends one use, makes one room and answers with its matrix.to link", async () => {
  const world = new LobbyWorld({ ABC: { uses_remaining: 2, label: "friends" } });
  const result = await openedLobby(world);
  assert.equal(world.codes.value.ABC?.uses_remaining, 1);
  assert.equal(world.matrix.ops("createLobbyRoom").length, 1);
  assert.equal(result.url, `https://matrix.to/#/${result.alias}`);
  assert.equal(world.lobby(result.key)?.phase, "open");
  assert.deepEqual(
    world.audit.map((a) => a.type),
    ["code_redeemed", "lobby_requested", "lobby_created"],
  );
  assert.deepEqual(world.sent(result.roomId), [], "nothing is said before anyone joins");
});

test("the same request twice spends one use and gives the same room", async () => {
  const world = new LobbyWorld({ ABC: { uses_remaining: 5, label: "" } });
  const first = await openedLobby(world, "same");
  const second = await openedLobby(world, "same");
  assert.deepEqual(second, first);
  assert.equal(world.codes.value.ABC?.uses_remaining, 4);
  assert.equal(world.matrix.ops("createLobbyRoom").length, 1);
});

test("requests racing for a code's last use open exactly one lobby", async () => {
  const world = new LobbyWorld({ ABC: { uses_remaining: 1, label: "" } });
  const results = await Promise.all(
    Array.from({ length: 25 }, (_, i) => world.engine.openLobby("ABC", `r${i}`)),
  );
  assert.equal(results.filter((r) => r.ok).length, 1);
  assert.ok(results.every((r) => r.ok || (r.error === "invalid_code" && r.refusal === "used_up")));
  assert.equal(world.matrix.ops("createLobbyRoom").length, 1);
  assert.equal(world.codes.value.ABC?.uses_remaining, 0);
});

test("an unknown code opens nothing; the code is matched without regard to case", async () => {
  const world = new LobbyWorld({ ABC: { uses_remaining: 1, label: "" } });
  assert.deepEqual(await world.engine.openLobby("NOPE", "r1"), {
    ok: false,
    error: "invalid_code",
    refusal: "unknown_code",
  });
  assert.equal(world.matrix.ops("createLobbyRoom").length, 0);
  assert.equal(Object.keys(world.lobbies.value).length, 0);
  assert.equal((await world.engine.openLobby(" abc ", "r2")).ok, true);
});

test("a room the homeserver refuses to make gives the use back and answers create_failed", async () => {
  const world = new LobbyWorld({ ABC: { uses_remaining: 1, label: "" } });
  world.matrix.failures.set("createLobbyRoom", [forbidden()]);
  assert.deepEqual(await world.engine.openLobby("ABC", "r1"), {
    ok: false,
    error: "create_failed",
  });
  assert.equal(world.codes.value.ABC?.uses_remaining, 1);
  assert.equal(world.codes.value.ABC?.redeemed_by?.length, 0);
  assert.ok(world.audit.some((a) => a.type === "lobby_create_failed"));
  assert.equal((await world.engine.openLobby("ABC", "r2")).ok, true, "the use can be spent again");
});

test("a rate-limited room creation is retried, and gives up after a few tries", async () => {
  const world = new LobbyWorld({ ABC: { uses_remaining: 2, label: "" } });
  const answer = async (requestKey: string) => {
    const pending = world.engine.openLobby("ABC", requestKey);
    // The retries wait on the engine's clock: let it pass, as the daemon's ticks would.
    for (let i = 0; i < 5; i++) await world.advance(10_000);
    return pending;
  };
  world.matrix.failures.set("createLobbyRoom", [rateLimited(5000)]);
  assert.equal((await answer("r1")).ok, true);
  assert.equal(world.matrix.ops("createLobbyRoom").length, 2);
  world.matrix.failures.set("createLobbyRoom", [
    rateLimited(5000),
    rateLimited(5000),
    rateLimited(5000),
  ]);
  assert.deepEqual(await answer("r2"), { ok: false, error: "create_failed" });
  assert.equal(world.codes.value.ABC?.uses_remaining, 1);
});

test("a joiner is challenged after the delay; a pass admits them with a welcome code and the bot leaves", async () => {
  const world = new LobbyWorld({ ABC: { uses_remaining: 1, label: "" } });
  const { roomId, key } = await openedLobby(world);
  await world.seeMembers(roomId, ["@ada:example.org"]);
  await world.advance(1000);
  assert.deepEqual(world.sent(roomId), []);
  await world.advance(settings.lobby.challengeDelaySec * 1000);
  const challenge = world.sent(roomId)[0] ?? "";
  assert.match(challenge, /write a 3-line haiku about: /);
  const keyword = /include the word "([^"]+)"/.exec(challenge)?.[1] ?? "";
  await world.say(roomId, "@ada:example.org", haiku(keyword));
  assert.deepEqual(
    world.matrix.ops("invite").map(([room, user]) => `${String(room)} ${String(user)}`),
    [settings.spaceId, ...settings.childIds].map((room) => `${room} @ada:example.org`),
  );
  const [welcome] = Object.entries(world.signupCodes.value);
  assert.equal(welcome?.[1].label, "welcome:@ada:example.org");
  assert.match(world.sent(roomId).at(-1) ?? "", new RegExp(`signup\\?code=${welcome?.[0]}`));
  assert.equal(world.lobby(key)?.phase, "passed");
  assert.deepEqual(world.matrix.ops("leaveAndForget"), []);
  await world.advance(settings.farewellDelaySec * 1000);
  assert.deepEqual(world.matrix.ops("leaveAndForget"), [[roomId]]);
});

test("a join seen again after a restart changes nothing", async () => {
  const world = new LobbyWorld({ ABC: { uses_remaining: 1, label: "" } });
  const { roomId } = await openedLobby(world);
  await world.seeMembers(roomId, ["@ada:example.org"]);
  await world.advance(6000);
  assert.equal(world.sent(roomId).length, 1);
  world.restart();
  await world.seeMembers(roomId, ["@ada:example.org"]);
  await world.advance(6000);
  assert.equal(world.sent(roomId).length, 1, "no second challenge");
  await world.say(roomId, "@ada:example.org", "no", "$same");
  await world.say(roomId, "@ada:example.org", "no", "$same");
  assert.match(world.sent(roomId).at(-1) ?? "", /2 tries left/);
  assert.equal(world.sent(roomId).length, 2, "a replayed message is judged once");
});

test("a lobby that times out says so and the bot leaves", async () => {
  const world = new LobbyWorld({ ABC: { uses_remaining: 1, label: "" } });
  const { roomId, key } = await openedLobby(world);
  await world.advance(settings.lobby.lifetimeSec * 1000);
  assert.equal(world.lobby(key)?.phase, "timed_out");
  assert.match(world.sent(roomId).at(-1) ?? "", /time is up/);
  await world.advance(settings.farewellDelaySec * 1000);
  assert.deepEqual(world.matrix.ops("leaveAndForget"), [[roomId]]);
});

test("moderators close a lobby through the engine, and are told why a command does not fit", async () => {
  const world = new LobbyWorld({ ABC: { uses_remaining: 1, label: "" } });
  const { key } = await openedLobby(world);
  const events: string[] = [];
  world.engine.subscribe((event) => {
    if (event.type === "lobby") events.push(event.lobby.phase);
  });
  assert.deepEqual(await world.engine.moderateLobby(key, { action: "close" }, "@mod:x"), {
    ok: true,
  });
  assert.deepEqual(events, ["closed"]);
  assert.equal(world.engine.snapshot().lobbies[0]?.phase, "closed");
  const again = await world.engine.moderateLobby(key, { action: "extend", seconds: 600 }, "@m:x");
  assert.equal(again.ok, false);
  assert.equal(
    (await world.engine.moderateLobby("lobby:nope", { action: "close" }, "@m:x")).ok,
    false,
  );
});

test("a closed lobby is forgotten after the retention time; an open one is kept", async () => {
  const world = new LobbyWorld({ ABC: { uses_remaining: 2, label: "" } });
  const closed = await openedLobby(world, "to-forget");
  await world.engine.moderateLobby(closed.key, { action: "close" }, "@mod:x");
  await world.advance(settings.farewellDelaySec * 1000);
  await world.advance(settings.retentionMs - 3_600_000);
  assert.ok(world.lobby(closed.key), "kept until the retention time has passed");
  const open = await openedLobby(world, "to-keep");
  await world.advance(2 * 3_600_000 - 60_000);
  assert.equal(world.lobby(closed.key), undefined);
  assert.equal(world.lobby(open.key)?.phase, "open");
  await world.say(closed.roomId, "@late:example.org", "hello");
  assert.equal(world.matrix.ops("sendText").length, 1, "a forgotten room gets no answer");
});
