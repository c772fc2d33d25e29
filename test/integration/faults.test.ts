/**
 * Faults never stop the daemon: a data dir that fills up during a burst of knocks, a homeserver
 * that cannot be reached at start, a SIGTERM while it waits. Each prints its fault figures.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { freePort, TestDaemon } from "../harness/daemon.js";
import { Newcomer } from "../harness/newcomer-flow.js";
import { waitFor } from "../harness/wait.js";
import { fillWithBallast, mountSmallDisk } from "../harness/full-disk.js";
import { MatrixUserClient } from "../harness/newcomer.js";
import { vettingAliasLocalpart } from "../../src/matrix/matrix-port.js";

let hs: TestHomeserver;
let community: TestCommunity;

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 1 });
});

after(async () => {
  await hs?.stop();
});

async function health(
  daemon: TestDaemon,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${daemon.url}/healthz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Rooms other than the space and its children that the newcomer was invited to. */
function vettingInvites(newcomer: Newcomer, of: TestCommunity = community): string[] {
  const communityRooms = new Set([of.spaceId, ...of.childIds]);
  return [...newcomer.client.seenInvites().keys()].filter((id) => !communityRooms.has(id));
}

/** Every JSON, JSON-lines and journal file in the data dir parses, line by line where it has lines. */
async function unparsableFiles(dir: string): Promise<string[]> {
  const bad: string[] = [];
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    const lined = name.endsWith(".jsonl") || name.endsWith(".journal");
    if (!lined && !name.endsWith(".json")) continue;
    const text = await readFile(path, "utf8");
    const parts = lined ? text.split("\n").filter((line) => line !== "") : [text];
    for (const part of parts) {
      try {
        JSON.parse(part);
      } catch {
        bad.push(`${name}: ${part.slice(0, 80)}`);
      }
    }
  }
  return bad;
}

/**
 * 20 newcomers knock while the data dir is full (filled before the burst, or once its first
 * vetting room exists); then the ballast goes. Returns the fault figures, after asserting them.
 */
async function knockBurstOnFullDisk(fill: "before" | "mid"): Promise<void> {
  const knocks = 20;
  const uses = knocks + 5;
  // A space of its own: another test's newcomers still knocking would spend this test's code.
  const space = await createCommunity(hs, { children: 1 });
  const disk = await mountSmallDisk();
  const { mountPoint, dataDir } = disk;
  let daemon: TestDaemon | undefined;
  try {
    daemon = await TestDaemon.start(hs, space, {
      dataDir,
      env: {
        JOIN_WAVE_PER_MIN: "0",
        INITIAL_CODES: JSON.stringify({ FULL: { uses_remaining: uses, label: "full disk" } }),
      },
    });
    const newcomers = await Promise.all(
      Array.from({ length: knocks }, (_, i) => Newcomer.register(hs, space, `Full ${i}`)),
    );
    let ballast: string;
    if (fill === "before") {
      ballast = await fillWithBallast(mountPoint);
      await Promise.all(newcomers.map((n) => n.knock("FULL")));
    } else {
      await Promise.all(newcomers.map((n) => n.knock("FULL")));
      await Promise.any(newcomers.map((n) => n.vettingInvite(30_000)));
      ballast = await fillWithBallast(mountPoint);
    }

    const failing = await waitFor(
      async () => {
        const answer = await health(daemon!);
        return answer.status === 503 && answer.body.status === "write_failing" && answer;
      },
      { what: "/healthz to say writes fail", timeoutMs: 30_000 },
    );
    assert.match(String(failing.body.reason), /no space left on device/i);
    // Several retries with back-off, the daemon up all along.
    await waitFor(
      async () => {
        const metrics = await (await fetch(`${daemon!.url}/metrics`)).text();
        const failures = Number(/^anteroom_store_write_failures_total (\d+)/m.exec(metrics)?.[1]);
        return /^anteroom_store_write_failing [1-9]/m.test(metrics) && failures >= 5;
      },
      { what: "/metrics to count repeated write failures", timeoutMs: 30_000 },
    );
    if (fill === "before") {
      await Promise.all(newcomers.map((n) => n.client.sync(0)));
      const early = newcomers.filter((n) => vettingInvites(n, space).length > 0).length;
      assert.equal(early, 0, "no vetting room is made before the knock's charge is on disk");
    }

    await rm(ballast);
    for (const newcomer of newcomers) await newcomer.readChallenge(60_000);
    await daemon.waitReady(30_000);
    await Promise.all(newcomers.map((n) => n.client.sync(1000)));

    const rooms = newcomers.map((n) => vettingInvites(n, space).length);
    const lost = rooms.filter((n) => n === 0).length;
    const duplicateRooms = rooms.reduce((sum, n) => sum + Math.max(0, n - 1), 0);
    const codes = JSON.parse(await readFile(join(dataDir, "codes.json"), "utf8")) as {
      FULL: { uses_remaining: number };
    };
    const charged = uses - codes.FULL.uses_remaining;
    const audit = (await readFile(join(dataDir, "log.jsonl"), "utf8"))
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as { type: string; event_id?: string });
    const redeemed = audit.filter((r) => r.type === "code_redeemed").length;
    const received = new Set(
      audit.filter((r) => r.type === "knock_received").map((r) => r.event_id),
    );
    const failedFiles = new Set(
      daemon.logs
        .filter((line) => /^could not write/.test(String(line.msg)))
        .map((line) => String(line.path).slice(dataDir.length + 1)),
    );
    console.log(
      `disk full ${fill === "before" ? "before" : "in the middle of"} ${knocks} knocks: ` +
        `${lost} knocks lost, ${charged - knocks} codes charged twice, ${duplicateRooms} duplicate rooms; ` +
        `writes failed for ${[...failedFiles].join(", ")}; /healthz said: ${failing.body.reason as string}`,
    );
    assert.equal(lost, 0, "no knock lost");
    assert.equal(duplicateRooms, 0, "one vetting room per knock");
    assert.equal(charged, knocks, "each knock charged exactly once");
    assert.equal(redeemed, knocks, "one code_redeemed audit record per knock");
    assert.equal(received.size, knocks, "every knock audited");
    assert.deepEqual(await unparsableFiles(dataDir), [], "every file in the data dir parses");
    assert.equal(await daemon.stop(), 0, "a clean stop once the disk has room");
  } finally {
    await daemon?.kill9();
    await disk.remove();
  }
}

test("a data dir full before a burst of knocks: the daemon stays up, says why, acts on nothing undecided, and every knock completes once there is room", async () => {
  await knockBurstOnFullDisk("before");
});

test("a data dir that fills in the middle of a burst of knocks: nothing lost or charged twice, every file parses once there is room", async () => {
  await knockBurstOnFullDisk("mid");
});

test("an unreachable homeserver at start: /healthz answers 503 and why from the start, and SIGTERM ends it within 2 s", async () => {
  const closedPort = await freePort();
  const daemon = await TestDaemon.start(hs, community, {
    waitReady: false,
    env: { HS: `http://127.0.0.1:${closedPort}` },
  });
  try {
    const first = await waitFor(
      () =>
        fetch(`${daemon.url}/healthz`).then(
          async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }),
          () => undefined,
        ),
      { what: "the sidecar to answer", timeoutMs: 20_000, intervalMs: 20 },
    );
    assert.equal(first.status, 503, "the first answer is 503: not ready");
    assert.equal(first.body.status, "starting");
    const why = await waitFor(
      async () => {
        const answer = await health(daemon);
        return /^homeserver unreachable: /.test(String(answer.body.reason)) && answer;
      },
      { what: "/healthz to say the homeserver cannot be reached", timeoutMs: 20_000 },
    );
    assert.equal(why.status, 503);
    assert.equal((await fetch(`${daemon.url}/health`)).status, 503);

    const signalled = performance.now();
    const exitCode = await daemon.stop();
    const tookMs = performance.now() - signalled;
    console.log(
      `SIGTERM while the homeserver is unreachable: exit ${exitCode} after ${Math.round(tookMs)} ms`,
    );
    assert.equal(exitCode, 0, "a clean exit");
    assert.ok(tookMs <= 2_000, `stopped within 2 s (took ${Math.round(tookMs)} ms)`);
  } finally {
    await daemon.kill9();
  }
});

test("SIGTERM the moment the sidecar answers, before the first sync: out within 2 s, and the next start finds the data dir free", async () => {
  const daemon = await TestDaemon.start(hs, community, { waitReady: false });
  try {
    await waitFor(
      () =>
        fetch(`${daemon.url}/healthz`).then(
          () => true,
          () => false,
        ),
      {
        what: "the sidecar to answer",
        timeoutMs: 20_000,
        intervalMs: 10,
      },
    );
    const signalled = performance.now();
    const exitCode = await daemon.stop();
    const tookMs = performance.now() - signalled;
    console.log(`SIGTERM before the first sync: exit ${exitCode} after ${Math.round(tookMs)} ms`);
    assert.equal(exitCode, 0, "a clean exit");
    assert.ok(tookMs <= 2_000, `stopped within 2 s (took ${Math.round(tookMs)} ms)`);
  } finally {
    await daemon.kill9();
  }
  const again = await TestDaemon.start(hs, community, { dataDir: daemon.dataDir });
  assert.equal(await again.stop(), 0);
});

test("SIGTERM to a standby waiting for the data dir: out within 2 s, and the active one carries on", async () => {
  const active = await TestDaemon.start(hs, community);
  const standby = await TestDaemon.start(hs, community, {
    dataDir: active.dataDir,
    waitReady: false,
    nodeArgs: ["--import", "tsx", "src/entry/cli.ts", "--daemon", "--standby"],
  });
  try {
    await waitFor(() => standby.logged(/^standing by/), {
      what: "the standby to say it stands by",
      timeoutMs: 30_000,
    });
    assert.equal((await health(standby)).body.status, "starting");
    const signalled = performance.now();
    const exitCode = await standby.stop();
    const tookMs = performance.now() - signalled;
    console.log(`SIGTERM to a standby: exit ${exitCode} after ${Math.round(tookMs)} ms`);
    assert.equal(exitCode, 0, "a clean exit");
    assert.ok(tookMs <= 2_000, `stopped within 2 s (took ${Math.round(tookMs)} ms)`);
    assert.equal((await health(active)).status, 200, "the active daemon is untouched");
  } finally {
    await standby.kill9();
    await active.stop();
  }
});

test("a knock whose room alias names a room the bot is not in (a homeserver killed mid-createRoom) still gets its vetting room", async () => {
  const newcomer = await Newcomer.register(hs, community, "Squatted");
  await newcomer.knock("SQUAT");
  // The knock's event id, as the bot sees it in the space's state.
  const bot = new MatrixUserClient(hs.url, community.bot);
  const state = await bot.request<{ type: string; state_key: string; event_id: string }[]>(
    "GET",
    `/rooms/${encodeURIComponent(community.spaceId)}/state`,
  );
  const knock = state.find((e) => e.type === "m.room.member" && e.state_key === newcomer.userId);
  assert.ok(knock, "the knock is in the space's state");
  // The alias the daemon would make the room under now names someone else's room.
  const other = new MatrixUserClient(hs.url, await hs.registerUser());
  await other.createRoom({ room_alias_name: vettingAliasLocalpart(knock.event_id) });

  const daemon = await TestDaemon.start(hs, community, {
    env: { INITIAL_CODES: JSON.stringify({ SQUAT: { uses_remaining: 2, label: "" } }) },
  });
  try {
    await newcomer.readChallenge(30_000);
    assert.equal(vettingInvites(newcomer).length, 1, "one vetting room");
    assert.equal(await daemon.stop(), 0);
  } finally {
    await daemon.kill9();
  }
});

test("the homeserver stopped during a burst of knocks: the daemon says why, and once it is back every knock completes, none charged twice", async () => {
  const knocks = 20;
  const uses = knocks + 5;
  const space = await createCommunity(hs, { children: 1 });
  const daemon = await TestDaemon.start(hs, space, {
    env: {
      JOIN_WAVE_PER_MIN: "0",
      INITIAL_CODES: JSON.stringify({ DOWN: { uses_remaining: uses, label: "" } }),
    },
  });
  try {
    const newcomers = await Promise.all(
      Array.from({ length: knocks }, (_, i) => Newcomer.register(hs, space, `Down ${i}`)),
    );
    await Promise.all(newcomers.map((n) => n.knock("DOWN")));
    await Promise.any(newcomers.map((n) => n.vettingInvite(30_000)));
    await hs.kill();
    // Down long enough that the daemon notices, says so, and backs off the effects in flight.
    await waitFor(
      async () => /^homeserver unreachable: /.test(String((await health(daemon)).body.reason)),
      { what: "/healthz to say the homeserver cannot be reached", timeoutMs: 60_000 },
    );
    await waitFor(() => daemon.logged(/will retry/), {
      what: "an effect to back off",
      timeoutMs: 60_000,
    });
    await hs.start();
    for (const newcomer of newcomers) await newcomer.readChallenge(60_000);
    await daemon.waitReady(60_000);
    await Promise.all(newcomers.map((n) => n.client.sync(1000)));

    const rooms = newcomers.map((n) => vettingInvites(n, space).length);
    const codes = JSON.parse(await readFile(join(daemon.dataDir, "codes.json"), "utf8")) as {
      DOWN: { uses_remaining: number };
    };
    const lost = rooms.filter((n) => n === 0).length;
    const duplicateRooms = rooms.reduce((sum, n) => sum + Math.max(0, n - 1), 0);
    const charged = uses - codes.DOWN.uses_remaining;
    console.log(
      `homeserver stopped during ${knocks} knocks: ${lost} knocks lost, ` +
        `${charged - knocks} codes charged twice, ${duplicateRooms} duplicate rooms`,
    );
    assert.equal(lost, 0, "no knock lost");
    assert.equal(duplicateRooms, 0, "one vetting room per knock");
    assert.equal(charged, knocks, "each knock charged exactly once");
    assert.equal(await daemon.stop(), 0);
  } finally {
    await hs.start().catch(() => undefined);
    await daemon.kill9();
  }
});
