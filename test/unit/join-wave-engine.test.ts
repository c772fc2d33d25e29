// Join waves in the engine: a burst of knocks and lobby requests pauses auto-approval, a pass
// then waits for a moderator, and the wave's end (quiet or a moderator) lets the waiting in.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Engine } from "../../core/engine/engine.js";
import type { JoinWaveSettings, JoinWaveState } from "../../core/moderation/join-wave.js";
import type { EngineEvent } from "../../core/engine/events.js";
import { join } from "node:path";
import { pino } from "pino";
import { startAdminApi } from "../../src/http/admin/server.js";
import { connectEngine } from "../../src/control/attach-client.js";
import { http, tempDir } from "./admin-fakes.js";
import { waitFor } from "../harness/wait.js";
import { parseChatCommand } from "../../core/chat-commands/parse.js";
import { helpText } from "../../core/chat-commands/replies.js";
import { runChatCommand } from "../../src/chat/run-command.js";
import { LobbyWorld, MemoryStore, settings } from "./engine-fixtures.js";
import { systemClock } from "../../src/system-clock.js";

const haiku = (keyword: string) =>
  `morning light arrives\nthe ${keyword} waits beside the door\nwe begin again`;

const WAVE: JoinWaveSettings = { threshold: 3, resumeBelow: 1, quietMs: 60_000 };
const CODES = { ABC: { uses_remaining: 50, label: "friends" } };

/** A LobbyWorld whose engine watches for join waves (and keeps the wave in `waveStore`). */
function waveWorld(waveStore = new MemoryStore<JoinWaveState | undefined>(undefined)) {
  const world = new LobbyWorld(CODES);
  const events: EngineEvent[] = [];
  const build = () => {
    world.engine = new Engine(
      {
        matrix: world.matrix,
        codes: world.codes,
        signupCodes: world.signupCodes,
        vetting: world.vetting,
        lobbies: world.lobbies,
        audit: { append: async (r) => void world.audit.push(r), read: async () => world.audit },
        clock: { now: () => world.now, wakeAfter: systemClock.wakeAfter },
        log: { info() {}, warn() {}, error() {} },
        random: () => 0.5,
        secureRandom: (bytes) => Uint8Array.from({ length: bytes }, (_, i) => (i * 37) % 256),
        joinWave: asStore(waveStore),
      },
      { ...settings, joinWave: WAVE },
    );
    world.engine.subscribe((event) => events.push(event));
    world.engine.start();
  };
  build();
  return { world, events, waveStore, restart: build };
}

/** The wave store starts empty (no file yet): the engine begins from the initial state. */
function asStore(store: MemoryStore<JoinWaveState | undefined>) {
  if (store.value === undefined)
    store.value = { mode: "normal", recent: [], arrivalsInWave: 0, loudUntil: 0, now: 0 };
  return store as MemoryStore<JoinWaveState>;
}

/** Four knocks at once: one more than the threshold of three a minute. */
async function startWave(world: LobbyWorld): Promise<void> {
  for (const n of [1, 2, 3, 4]) world.knock(`@k${n}:example.org`, "ABC");
  await world.reconcile();
}

function keywordOf(world: LobbyWorld, user: string): string {
  const keyword = world.record(user)?.challenge?.keyword;
  if (!keyword) throw new Error(`no challenge for ${user}`);
  return keyword;
}

const invitedUsers = (world: LobbyWorld) => world.matrix.ops("invite").map(([, user]) => user);

test("a burst of knocks pauses auto-approval: the pass waits, the newcomer is told, nobody is invited", async () => {
  const { world, events } = waveWorld();
  await startWave(world);
  assert.equal(world.engine.snapshot().joinWave?.paused, true);
  const started = world.audit.find((a) => a.type === "join_wave_started");
  assert.equal(started?.rate_per_min, 4);
  assert.ok(events.some((e) => e.type === "joinWave" && e.transition.kind === "started"));
  // The space stays open: every knock still got its vetting room and challenge.
  assert.equal(world.matrix.ops("createVettingRoom").length, 4);

  await world.reply("@k1:example.org", haiku(keywordOf(world, "@k1:example.org")));
  assert.equal(world.record("@k1:example.org")?.phase, "awaiting_moderator");
  assert.deepEqual(invitedUsers(world), []);
  const roomId = world.record("@k1:example.org")?.roomId ?? "";
  assert.match(world.sent(roomId).at(-1) ?? "", /accepted.*moderator will let you in/);
  // No welcome code is minted during a wave.
  assert.deepEqual(world.signupCodes.value, {});
});

test("a moderator's approve lets one waiting newcomer in while the wave goes on", async () => {
  const { world } = waveWorld();
  await startWave(world);
  await world.reply("@k1:example.org", haiku(keywordOf(world, "@k1:example.org")));
  await world.reply("@k2:example.org", haiku(keywordOf(world, "@k2:example.org")));
  const key = world.record("@k1:example.org")?.key ?? "";
  assert.deepEqual(await world.engine.moderate(key, { action: "approve" }, "@mod:example.org"), {
    ok: true,
  });
  await world.settle();
  assert.deepEqual([...new Set(invitedUsers(world))], ["@k1:example.org"]);
  assert.equal(world.record("@k2:example.org")?.phase, "awaiting_moderator");
  assert.equal(world.engine.snapshot().joinWave?.paused, true);
});

test("resuming by a moderator admits every waiting pass and says so in the audit", async () => {
  const { world } = waveWorld();
  await startWave(world);
  await world.reply("@k1:example.org", haiku(keywordOf(world, "@k1:example.org")));
  await world.reply("@k2:example.org", haiku(keywordOf(world, "@k2:example.org")));
  assert.deepEqual(invitedUsers(world), []);
  assert.deepEqual(await world.engine.resumeJoinWave("@mod:example.org"), { ok: true });
  await world.settle();
  assert.deepEqual([...new Set(invitedUsers(world))].sort(), [
    "@k1:example.org",
    "@k2:example.org",
  ]);
  assert.equal(world.record("@k1:example.org")?.phase, "passed");
  const ended = world.audit.find((a) => a.type === "join_wave_ended");
  assert.equal(ended?.by, "moderator");
  assert.equal(ended?.moderator, "@mod:example.org");
  // A pass after the resume goes straight in, though the wave has not passed yet.
  await world.reply("@k3:example.org", haiku(keywordOf(world, "@k3:example.org")));
  assert.ok(invitedUsers(world).includes("@k3:example.org"));
  // Nothing to resume any more.
  assert.equal((await world.engine.resumeJoinWave("@mod:example.org")).ok, false);
});

test("the wave ends by itself after the quiet period and the waiting pass goes in", async () => {
  const { world } = waveWorld();
  await startWave(world);
  await world.reply("@k1:example.org", haiku(keywordOf(world, "@k1:example.org")));
  await world.advance(30_000);
  assert.deepEqual(invitedUsers(world), [], "still within the quiet period");
  await world.advance(WAVE.quietMs + 60_000);
  assert.equal(world.engine.snapshot().joinWave?.paused, false);
  assert.equal(world.audit.find((a) => a.type === "join_wave_ended")?.by, "quiet");
  assert.ok(invitedUsers(world).includes("@k1:example.org"));
  assert.equal(world.record("@k1:example.org")?.phase, "passed");
});

test("lobby requests count as arrivals, and a lobby pass during a wave waits for approve", async () => {
  const { world } = waveWorld();
  const opened = [];
  for (const n of [1, 2, 3, 4]) opened.push(await world.engine.openLobby("ABC", `req${n}`));
  assert.equal(world.engine.snapshot().joinWave?.paused, true);
  const first = opened[0];
  assert.ok(first?.ok);
  await world.seeMembers(first.roomId, ["@ada:example.org"]);
  await world.advance(settings.lobby.challengeDelaySec * 1000);
  const keyword = /include the word "([^"]+)"/.exec(world.sent(first.roomId)[0] ?? "")?.[1] ?? "";
  await world.say(first.roomId, "@ada:example.org", haiku(keyword));
  assert.equal(world.lobby(first.key)?.phase, "awaiting_moderator");
  assert.deepEqual(invitedUsers(world), []);
  assert.deepEqual(
    await world.engine.moderateLobby(first.key, { action: "approve" }, "@mod:example.org"),
    { ok: true },
  );
  await world.settle();
  assert.deepEqual([...new Set(invitedUsers(world))], ["@ada:example.org"]);
  assert.equal(world.lobby(first.key)?.phase, "passed");
});

test("a pause outlives a restart; the waiting pass is still let in at the wave's end", async () => {
  const { world, restart } = waveWorld();
  await startWave(world);
  await world.reply("@k1:example.org", haiku(keywordOf(world, "@k1:example.org")));
  restart();
  await world.advance(1000);
  assert.equal(world.engine.snapshot().joinWave?.paused, true);
  assert.deepEqual(invitedUsers(world), []);
  await world.advance(WAVE.quietMs + 60_000);
  assert.ok(invitedUsers(world).includes("@k1:example.org"));
});

test("below the threshold nothing pauses: a pass is invited at once", async () => {
  const { world } = waveWorld();
  for (const n of [1, 2, 3]) world.knock(`@k${n}:example.org`, "ABC");
  await world.reconcile();
  await world.reply("@k1:example.org", haiku(keywordOf(world, "@k1:example.org")));
  assert.ok(invitedUsers(world).includes("@k1:example.org"));
  assert.equal(
    world.audit.find((a) => a.type === "join_wave_started"),
    undefined,
  );
});

test("the admin API shows the wave in health, an attached console mirrors it, and resume works once", async () => {
  const { world } = waveWorld();
  const api = await startAdminApi({
    engine: world.engine,
    health: () => ({ ok: true, body: { status: "ok" } }),
    publicUrl: "https://chat.example.org",
    logger: pino({ level: "silent" }),
    socketPath: join(await tempDir(), "admin.sock"),
  });
  const remote = await connectEngine(api.socketPath);
  try {
    await startWave(world);
    await waitFor(() => remote.snapshot().joinWave?.paused === true, {
      what: "the paused wave in the mirror",
    });
    const health = await http({ socketPath: api.socketPath }, "GET", "/admin/v1/health");
    assert.equal(health.json.join_wave.paused, true);
    assert.deepEqual(await remote.resumeJoinWave("Zoë"), { ok: true });
    await waitFor(() => remote.snapshot().joinWave?.paused === false, {
      what: "the resumed wave in the mirror",
    });
    assert.equal(world.audit.find((a) => a.type === "join_wave_ended")?.moderator, "Zoë");
    const again = await http({ socketPath: api.socketPath }, "POST", "/admin/v1/join-wave/resume");
    assert.equal(again.status, 409);
    assert.match(again.json.message, /not paused/);
  } finally {
    await remote.close();
    await api.close();
  }
});

test("!resume in the operator room ends the pause and lets the waiting in; a second one says why not", async () => {
  const { world } = waveWorld();
  await startWave(world);
  await world.reply("@k1:example.org", haiku(keywordOf(world, "@k1:example.org")));
  const resume = async () => {
    const parsed = parseChatCommand("!resume");
    assert.equal(parsed.kind, "command");
    if (parsed.kind !== "command") return "";
    const context = {
      sender: "@mod:example.org",
      publicUrl: "https://x",
      now: () => world.now,
      authority: 100,
      levelOf: () => 100,
    };
    return runChatCommand(parsed.command, context, world.engine, {});
  };
  assert.match(await resume(), /^auto-approval resumed/);
  await world.settle();
  assert.ok(invitedUsers(world).includes("@k1:example.org"));
  assert.match(await resume(), /^nothing to resume: auto-approval is not paused/);
  assert.match(helpText(), /^!resume — /m);
});

test("quiet ticks write nothing to the kept wave; the next knock does", async () => {
  const { world, waveStore } = waveWorld();
  world.knock("@k1:example.org", "ABC");
  await world.reconcile();
  const kept = waveStore.value;
  for (let i = 0; i < 3; i++) await world.advance(1_000);
  assert.equal(waveStore.value, kept);
  world.knock("@k2:example.org", "ABC");
  await world.reconcile();
  assert.equal(waveStore.value?.recent.length, 2);
});
