/**
 * `npm run bench` (its encryption step): what the bot's end-to-end encryption costs the daemon.
 *
 * One Synapse from the harness, a fresh community on it per round. The daemon as shipped (the
 * fresh build through bin/anteroom.js, as test/bench/knocks.ts runs it) runs in rounds of two
 * settings, alternating off, on, on, off, off, on… (BENCH_ROUNDS of each), so that a drift of the
 * machine or of Synapse's database over the run falls on both alike:
 * - off: ENCRYPTION=off, its ADMIN_COMMAND_ROOM and child room unencrypted;
 * - on: ENCRYPTION=on, its ADMIN_COMMAND_ROOM and child room encrypted (the reference's layout),
 *   so the bot keeps its Rust crypto, its device, cross-signing and secret storage.
 * Each round: two warm-up knocks, BENCH_IDLE_SEC of idle, then BENCH_KNOCKS newcomers knock with
 * the invite code and read their challenge (BENCH_KNOCK_CONCURRENCY at once). With
 * BENCH_VETTING_SEC, each vetting room closes that many seconds after it opens and the knocks'
 * CPU counts until the bot has left every one: the whole life of a knock, its closing included.
 *
 * Figures per round: settled idle memory before and after the knocks (settled-memory.ts: medians
 * of one sample a second over BENCH_IDLE_SEC), RSS with its anonymous part (without the node
 * binary's file-backed pages) and the daemon's heapTotal, heapUsed and external beside it, so a
 * reader sees what moved; peak RSS (VmHWM at the end), the daemon's and Synapse's CPU ms per knock
 * over the knocks (utime+stime from /proc), and the foreign load: what the rest of the machine
 * (not the daemon, Synapse or this bench's own newcomer clients) used meanwhile. The table shows
 * each setting's median over its rounds; CPU per knock is also given round by round, with the
 * difference between the settings beside the spread between rounds of the same setting (the
 * noise), and whether the difference stands out of it.
 * Target (issue #12): encryption adds at most 25 MB and nothing measurable per knock.
 *
 * Environment: BENCH_KNOCKS (40), BENCH_KNOCK_CONCURRENCY (4), BENCH_IDLE_SEC (10),
 * BENCH_ROUNDS (2 of each setting), BENCH_VETTING_SEC (unset: rooms stay open), BENCH_BUILD=0 (skip `npm run build`), BENCH_DAEMON (another
 * build), BENCH_STRICT=1 (exit 1 when the memory target is missed), BENCH_TRACE=1 (count the
 * daemon's homeserver requests per knock through a proxy, printed per round: where encryption's
 * extra requests come from), BENCH_DAEMON_NODE_OPTIONS (more NODE_OPTIONS for the daemon, e.g.
 * --cpu-prof --cpu-prof-dir=DIR; the memory probe is always loaded).
 */
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { createEncryptedModeratorsRoom, ENCRYPTION_STATE } from "../harness/crypto-user.js";
import { TestDaemon } from "../harness/daemon.js";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { MatrixHttpError } from "../harness/newcomer.js";
import { errorMessage, sleep, waitFor } from "../harness/wait.js";
import { daemonCommand, fmt, intEnv, table } from "./bench-kit.js";
import { Knocker } from "./knocker.js";
import { cpuSince, cpuSnapshot, mean, memoryMb, pool, readClockTicks } from "./measure.js";
import { CountingProxy, countsSince } from "./proxy.js";
import { MEMORY_PROBE_OPTION, settledMemory, type SettledMemory } from "./settled-memory.js";

const KNOCKS = intEnv("BENCH_KNOCKS", 40);
const CONCURRENCY = Math.max(1, intEnv("BENCH_KNOCK_CONCURRENCY", 4));
const IDLE_SEC = intEnv("BENCH_IDLE_SEC", 10);
const ROUNDS = Math.max(1, intEnv("BENCH_ROUNDS", 2));
/** Quiet time before idle samples: the crypto store's delayed write and the knocks' timers end. */
const SETTLE_SEC = 5;
const WARMUP = 2;
const CODE = "BENCHCODE";
const TARGET_EXTRA_MB = 25;
const TRACE = process.env.BENCH_TRACE === "1";
const VETTING_SEC = intEnv("BENCH_VETTING_SEC", 0);

type Mode = "off" | "on";

interface RunFigures {
  readonly mode: Mode;
  readonly idle: SettledMemory;
  readonly idleAfter: SettledMemory;
  readonly peakRssMb: number;
  readonly idleCpuMsPerSec: number;
  readonly cpuMsPerKnock: number;
  readonly synapseCpuMsPerKnock: number;
  readonly failed: number;
  readonly foreignCores: number;
}

const startedAt = Date.now();
function log(message: string): void {
  const elapsed = ((Date.now() - startedAt) / 1000).toFixed(1).padStart(6);
  console.log(`[${elapsed}s] ${message}`);
}

/** off, on, on, off, off, on…: each setting first in every other pair. */
function alternatingOrder(rounds: number): Mode[] {
  return Array.from({ length: rounds }, (_, i): Mode[] =>
    i % 2 === 0 ? ["off", "on"] : ["on", "off"],
  ).flat();
}

/** The rooms of `mode`: a command room with a moderator in it, and the child room, encrypted when on. */
async function prepareCommunity(hs: TestHomeserver, mode: Mode): Promise<[TestCommunity, string]> {
  const community = await createCommunity(hs, { children: 1 });
  const moderator = await hs.registerUser(undefined, { displayName: "Moderator" });
  if (mode === "off") {
    const commandRoom = await community.botClient.createRoom({
      name: "commands",
      preset: "private_chat",
      invite: [moderator.userId],
    });
    return [community, commandRoom];
  }
  for (const child of community.childIds)
    await community.botClient.sendState(child, "m.room.encryption", "", ENCRYPTION_STATE.content);
  return [
    community,
    await createEncryptedModeratorsRoom(community, "commands", [moderator.userId]),
  ];
}

async function run(
  hs: TestHomeserver,
  nodeArgs: string[],
  mode: Mode,
  round: number,
): Promise<RunFigures> {
  const name = `round ${round + 1} (encryption ${mode})`;
  const [community, commandRoom] = await prepareCommunity(hs, mode);
  const knockers: Knocker[] = [];
  for (let i = 0; i < WARMUP + KNOCKS; i++) {
    const user = await hs.registerUser(undefined, { displayName: `Newcomer ${round} ${i}` });
    knockers.push(new Knocker(hs.url, user, community, `my code is ${CODE}`));
  }
  await pool(knockers, 8, (knocker) => knocker.prime());
  const proxy = TRACE ? await CountingProxy.start(hs.url) : undefined;
  const probeFile = join(tmpdir(), `anteroom-bench-memory-${process.pid}-${round}.json`);
  const daemon = await TestDaemon.start(hs, community, {
    nodeArgs,
    env: {
      ...(proxy ? { HS: proxy.url } : {}),
      NODE_OPTIONS: `${MEMORY_PROBE_OPTION} ${process.env.BENCH_DAEMON_NODE_OPTIONS ?? ""}`,
      BENCH_MEMORY_FILE: probeFile,
      ENCRYPTION: mode,
      ADMIN_COMMAND_ROOM: commandRoom,
      INITIAL_CODES: JSON.stringify({ [CODE]: { uses_remaining: 1_000_000, label: "bench" } }),
      TICK_MS: "1000",
      ...(VETTING_SEC > 0
        ? { VETTING_TIMEOUT_SEC: String(VETTING_SEC), VETTING_REMINDER_SEC: "1" }
        : {}),
    },
  });
  try {
    const pid = daemon.pid;
    if (pid === undefined) throw new Error(`${name}: the daemon has no pid`);
    // Named apart from the foreign load: the bench's newcomer clients and Synapse serve the knocks.
    const pids = { daemon: pid, synapse: hs.pid, bench: process.pid };
    // The start log says how commands are taken: proof that the run has the mode it claims.
    const taking =
      mode === "on"
        ? /^taking chat commands .*, encrypted/
        : /^taking chat commands .*, in the clear$/;
    await waitFor(() => daemon.logged(taking), { what: `the ${mode} daemon's ${String(taking)}` });
    for (const knocker of knockers.slice(0, WARMUP)) {
      const timing = await knocker.knockAndRead(60_000);
      if (timing.error) throw new Error(`${name}: a warm-up knock failed: ${timing.error}`);
    }
    const idle0 = cpuSnapshot(pids);
    const idleMemory = await settledMemory(pid, probeFile, SETTLE_SEC, IDLE_SEC);
    const idle = cpuSince(idle0, pids);

    const requests0 = proxy?.snapshot();
    const knocks0 = cpuSnapshot(pids);
    let failed = 0;
    const vettingRooms: string[] = [];
    await pool(knockers.slice(WARMUP), CONCURRENCY, async (knocker) => {
      const timing = await knocker.knockAndRead(120_000);
      if (timing.roomId) vettingRooms.push(timing.roomId);
      if (timing.error) {
        failed++;
        log(`${name}: ${timing.error}`);
      }
    });
    if (VETTING_SEC > 0) await botHasLeft(community, vettingRooms, name);
    const knocks = cpuSince(knocks0, pids);
    if (proxy && requests0) {
      const rows = [...countsSince(requests0, proxy.snapshot())]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, use]) => [key, fmt(use.n / KNOCKS, 2), fmt(use.ms / use.n, 1)]);
      console.log(`\n${table([[`${name}: requests`, "per knock", "mean ms"], ...rows])}\n`);
    }
    const peakRssMb = memoryMb(pid).peak;
    const idleAfter = await settledMemory(pid, probeFile, SETTLE_SEC, IDLE_SEC);
    const perKnock = (proc: string) => ((knocks.procs[proc] ?? Number.NaN) * 1000) / KNOCKS;
    const figures: RunFigures = {
      mode,
      idle: idleMemory,
      idleAfter,
      peakRssMb,
      idleCpuMsPerSec: ((idle.procs.daemon ?? Number.NaN) * 1000) / idle.wallS,
      cpuMsPerKnock: perKnock("daemon"),
      synapseCpuMsPerKnock: perKnock("synapse"),
      failed,
      foreignCores: Math.max(idle.foreignCores, knocks.foreignCores),
    };
    log(
      `${name}: ${KNOCKS} knocks in ${fmt(knocks.wallS, 1)} s, ${failed} failed; daemon ${fmt(figures.cpuMsPerKnock, 1)} ms CPU per knock; foreign load ${fmt(figures.foreignCores, 2)} cores`,
    );
    return figures;
  } finally {
    await Promise.race([daemon.stop(), sleep(15_000)]);
    await daemon.kill9();
    await rm(daemon.dataDir, { recursive: true, force: true });
    await rm(probeFile, { force: true });
    await proxy?.close();
  }
}

/** Waits until the bot is in none of `rooms` (closed: left, then forgotten). */
async function botHasLeft(community: TestCommunity, rooms: string[], name: string): Promise<void> {
  const inRoom = (room: string) =>
    community.botClient.membership(room).then(
      (membership) => membership === "join",
      (error: unknown) => {
        // A forgotten room's state is forbidden to its former member.
        if (error instanceof MatrixHttpError && error.status === 403) return false;
        throw error;
      },
    );
  let open = rooms;
  await waitFor(
    async () => {
      const still = await Promise.all(open.map(inRoom));
      open = open.filter((_, i) => still[i]);
      return open.length === 0;
    },
    {
      what: `${name}: the bot leaving the closed vetting rooms`,
      timeoutMs: 120_000,
      intervalMs: 500,
    },
  );
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

function signed(value: number, digits: number): string {
  return `${value >= 0 ? "+" : ""}${fmt(value, digits)}`;
}

/**
 * CPU per knock round by round, the difference of the settings' means, and the noise: the
 * widest spread between rounds of the same setting. A difference no wider than that, or pairs
 * of neighbouring rounds that disagree on its sign, is not a measured difference.
 */
function cpuVerdict(order: readonly Mode[], runs: readonly RunFigures[]): string {
  const of = (mode: Mode) => runs.filter((r) => r.mode === mode).map((r) => r.cpuMsPerKnock);
  const [off, on] = [of("off"), of("on")];
  const diff = mean(on) - mean(off);
  const spread = (values: number[]) => Math.max(...values) - Math.min(...values);
  const noise = Math.max(spread(off), spread(on));
  const pairs = Array.from({ length: order.length / 2 }, (_, i) => {
    const [a, b] = [runs[2 * i], runs[2 * i + 1]];
    if (!a || !b) return Number.NaN;
    return a.mode === "on" ? a.cpuMsPerKnock - b.cpuMsPerKnock : b.cpuMsPerKnock - a.cpuMsPerKnock;
  });
  const agree = pairs.every((d) => d > 0) || pairs.every((d) => d < 0);
  const range = (values: number[]) =>
    `${fmt(Math.min(...values), 1)}–${fmt(Math.max(...values), 1)} (mean ${fmt(mean(values), 1)})`;
  const within = Math.abs(diff) <= noise || !agree;
  return [
    `daemon CPU per knock, round by round: ${runs.map((r) => `${r.mode} ${fmt(r.cpuMsPerKnock, 1)}`).join(", ")} ms`,
    `  encryption off ${range(off)} ms; on ${range(on)} ms`,
    `  on − off: ${signed(diff, 1)} ms (${signed((diff / mean(off)) * 100, 0)} %); neighbouring rounds: ${pairs.map((d) => signed(d, 1)).join(", ")} ms`,
    `  noise (widest spread between rounds of one setting): ${fmt(noise, 1)} ms`,
    runs.length < 4
      ? "  one round of each setting: no noise to compare with (BENCH_ROUNDS=2 or more)"
      : within
        ? `  the difference is within the noise: encryption adds nothing measurable per knock`
        : `  the difference stands out of the noise: encryption adds about ${fmt(diff, 1)} ms per knock`,
  ].join("\n");
}

async function main(): Promise<number> {
  await readClockTicks();
  const nodeArgs = await daemonCommand(log);
  const hs = await startHomeserver();
  try {
    const order = alternatingOrder(ROUNDS);
    log(
      `Synapse up at ${hs.url}; rounds ${order.join(", ")}; ${KNOCKS} knocks per round, ${CONCURRENCY} at once`,
    );
    const runs: RunFigures[] = [];
    for (const [round, mode] of order.entries()) runs.push(await run(hs, nodeArgs, mode, round));
    const typical = (mode: Mode, pick: (f: RunFigures) => number) =>
      median(runs.filter((r) => r.mode === mode).map(pick));
    const diff = (pick: (f: RunFigures) => number, digits: number) =>
      signed(typical("on", pick) - typical("off", pick), digits);
    const row = (label: string, pick: (f: RunFigures) => number, digits: number) => [
      label,
      fmt(typical("off", pick), digits),
      fmt(typical("on", pick), digits),
      diff(pick, digits),
    ];
    console.log(
      `\n${table([
        [`daemon (median of ${ROUNDS} rounds each)`, "encryption off", "encryption on", "on − off"],
        row("idle RSS (MB)", (f) => f.idle.rssMb, 1),
        row("  anonymous (MB)", (f) => f.idle.anonMb, 1),
        row("  heapTotal (MB)", (f) => f.idle.heapTotalMb, 1),
        row("  heapUsed (MB)", (f) => f.idle.heapUsedMb, 1),
        row("  external (MB)", (f) => f.idle.externalMb, 1),
        row("  arrayBuffers (MB)", (f) => f.idle.arrayBuffersMb, 1),
        row("idle RSS after knocks (MB)", (f) => f.idleAfter.rssMb, 1),
        row("  anonymous (MB)", (f) => f.idleAfter.anonMb, 1),
        row("  heapTotal (MB)", (f) => f.idleAfter.heapTotalMb, 1),
        row("  heapUsed (MB)", (f) => f.idleAfter.heapUsedMb, 1),
        row("  external (MB)", (f) => f.idleAfter.externalMb, 1),
        row("  arrayBuffers (MB)", (f) => f.idleAfter.arrayBuffersMb, 1),
        row("peak RSS (MB)", (f) => f.peakRssMb, 1),
        row("idle CPU (ms/s)", (f) => f.idleCpuMsPerSec, 1),
        row("CPU per knock (ms)", (f) => f.cpuMsPerKnock, 1),
        row("Synapse CPU per knock (ms)", (f) => f.synapseCpuMsPerKnock, 1),
        row("failed knocks", (f) => f.failed, 0),
        row("foreign load (cores)", (f) => f.foreignCores, 2),
      ])}\n`,
    );
    console.log(`${cpuVerdict(order, runs)}\n`);
    const extraMb = Math.max(
      ...[
        (f: RunFigures) => f.idle.rssMb,
        (f: RunFigures) => f.idleAfter.rssMb,
        (f: RunFigures) => f.peakRssMb,
      ].map((pick) => typical("on", pick) - typical("off", pick)),
    );
    const pass = extraMb <= TARGET_EXTRA_MB;
    const failed = runs.reduce((sum, r) => sum + r.failed, 0);
    console.log(
      `target: encryption adds at most ${TARGET_EXTRA_MB} MB: ${pass ? "met" : "MISSED"} (+${fmt(extraMb, 1)} MB RSS; anonymous idle ${diff((f) => f.idleAfter.anonMb, 1)} MB after the knocks); foreign load up to ${fmt(Math.max(...runs.map((r) => r.foreignCores)), 2)} cores`,
    );
    return process.env.BENCH_STRICT === "1" && (!pass || failed > 0) ? 1 : 0;
  } finally {
    await hs.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`the bench failed: ${errorMessage(error)}`);
    process.exit(1);
  },
);
