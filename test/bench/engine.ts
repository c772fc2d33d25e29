/**
 * `npm run bench:engine`: the engine's own ceiling, with no homeserver in the way.
 *
 * The real engine (core/engine) over the daemon's real stores in a temporary data dir (code
 * books, the journaled vetting book, the audit log, fsync and all), with production settings from
 * loadConfig, and a stub of the engine's MatrixPort that answers every request at once. The
 * stub is for this bench only: the tests run against a real Synapse. What the daemon adds on top
 * (matrix-js-sdk's sync processing, HTTP) is measured by test/bench/knocks.ts.
 *
 * - Ceiling: with 100, 1,000 and 10,000 vetting rooms open (newcomers who knocked and got their
 *   challenge, not answered yet), BENCH_ENGINE_KNOCKS more knocks, one at a time, each fed the way
 *   the space watch feeds a /sync answer (every pending knock of the space, with the new one),
 *   a tick every 10 knocks. Knocks per second on one core (wall, this process alone) and CPU per
 *   knock; the growth of CPU per knock from 100 to 10,000 open rooms.
 * - Soak: BENCH_SOAK vettings from knock to the end (the newcomer answers the challenge, passes,
 *   is invited to the space, the room is left), five at a time, BENCH_SOAK_STEP_SEC (2) of the
 *   engine's clock apart; RSS after the first 1,000 and at the end. The book keeps closed records
 *   for RETENTION_DAYS (BENCH_SOAK_RETENTION_DAYS, 30 as in production), so with the defaults
 *   every record stays; BENCH_SOAK_RETENTION_DAYS=1 BENCH_SOAK_STEP_SEC=600 lets the book reach its
 *   steady size before the first 1,000, so what still grows then is a leak.
 *
 * Environment: BENCH_ENGINE_LEVELS (100,1000,10000; empty skips them), BENCH_ENGINE_KNOCKS (200),
 * BENCH_SOAK (10000; 0 skips it). The soak's RSS is only clean in a process of its own (what the
 * ceiling runs freed is not all given back): run it with BENCH_ENGINE_LEVELS= for that figure.
 * Run it alone on the machine: it measures one core's CPU.
 * Results: printed, and written to test/bench/results/engine.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Engine } from "../../core/engine/engine.js";
import type { KnockSeen } from "../../core/engine/inputs.js";
import type { MatrixPort } from "../../core/ports.js";
import { loadConfig } from "../../src/config.js";
import { systemClock } from "../../src/system-clock.js";
import { AuditLog } from "../../src/store/audit-log.js";
import { openCodeBook, openLobbyBook, openVettingBook } from "../../src/store/books.js";
import { openInviteBook, openJoinWaveStore } from "../../src/store/wave-and-invite-books.js";
import { fmt, intEnv, table } from "./bench-kit.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const RESULTS = join(REPO, "test", "bench", "results", "engine.json");
const LEVELS = (process.env.BENCH_ENGINE_LEVELS ?? "100,1000,10000")
  .split(",")
  .filter(Boolean)
  .map(Number);
const KNOCKS = intEnv("BENCH_ENGINE_KNOCKS", 200);
const SOAK = intEnv("BENCH_SOAK", 10_000);
const SOAK_STEP_MS = intEnv("BENCH_SOAK_STEP_SEC", 2) * 1000;
const RETENTION_DAYS = intEnv("BENCH_SOAK_RETENTION_DAYS", 30);
const SPACE = "!space:bench";
const CODE = "BENCHCODE";

/** Answers every request at once; counts what the engine asked for. */
class StubHomeserver implements MatrixPort {
  readonly userId = "@anteroom:bench";
  private rooms = 0;
  challenges = 0;
  /** Who was invited to the space: their knock is no longer pending. */
  readonly admitted = new Set<string>();
  /** Room → newcomer, for the newcomers' answers. */
  readonly newcomerOf = new Map<string, string>();
  left = 0;

  async createVettingRoom(req: { key: string; user: string }): Promise<string> {
    const roomId = `!vet${++this.rooms}:bench`;
    this.newcomerOf.set(roomId, req.user);
    return roomId;
  }
  async createLobbyRoom(): Promise<{ roomId: string; alias: string }> {
    const n = ++this.rooms;
    return { roomId: `!lobby${n}:bench`, alias: `#lobby-${n}:bench` };
  }
  async invite(roomId: string, user: string): Promise<void> {
    if (roomId === SPACE) this.admitted.add(user);
  }
  async kick(): Promise<void> {}
  async withdrawInvite(): Promise<boolean> {
    return true;
  }
  async sendText(_roomId: string, text: string): Promise<void> {
    if (text.includes("haiku about:")) this.challenges++;
  }
  async leaveAndForget(roomId: string): Promise<void> {
    this.newcomerOf.delete(roomId);
    this.left++;
  }
}

interface Bench {
  engine: Engine;
  hs: StubHomeserver;
  clock: { now: number };
  pending: Map<string, KnockSeen>;
  knocked: number;
  close(): Promise<void>;
}

async function openBench(): Promise<Bench> {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-engine-bench-"));
  const config = loadConfig({
    HS: "http://127.0.0.1:1",
    MATRIX_TOKEN: "bench",
    SPACE_ID: SPACE,
    DATA_DIR: dir,
    JOIN_WAVE_PER_MIN: "0",
    RETENTION_DAYS: String(RETENTION_DAYS),
    INITIAL_CODES: JSON.stringify({ [CODE]: { uses_remaining: 1_000_000, label: "bench" } }),
  });
  const [codes, signupCodes, vetting, lobbies, joinWave, invites, audit] = await Promise.all([
    openCodeBook(config.paths.codes),
    openCodeBook(config.paths.signupCodes),
    openVettingBook(config.paths.vetting),
    openLobbyBook(config.paths.lobby).then((opened) => opened.store),
    openJoinWaveStore(config.paths.joinWave),
    openInviteBook(config.paths.invites),
    AuditLog.open(config.paths.auditLog),
  ]);
  codes.update(() => ({ [CODE]: { uses_remaining: 1_000_000, label: "bench" } }));
  await codes.flush();
  const hs = new StubHomeserver();
  const clock = { now: Date.now() };
  const engine = new Engine(
    {
      matrix: hs,
      codes,
      signupCodes,
      vetting,
      lobbies,
      audit,
      clock: { now: () => clock.now, wakeAfter: systemClock.wakeAfter },
      log: { info() {}, warn() {}, error() {} },
      random: Math.random,
      secureRandom: (bytes) => crypto.getRandomValues(new Uint8Array(bytes)),
      joinWave,
      invites,
    },
    config.engine,
  );
  engine.start();
  return {
    engine,
    hs,
    clock,
    pending: new Map(),
    knocked: 0,
    async close() {
      await engine.stop();
      await Promise.all([
        vetting.close(),
        audit.close(),
        joinWave.flush(),
        invites.flush(),
        signupCodes.flush(),
      ]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** What the space watch hands the engine after a /sync answer: every pending knock. */
function spaceSnapshot(bench: Bench) {
  return {
    knocks: [...bench.pending.values()],
    // Whoever was invited to the space has accepted by the next answer.
    membershipOf: (user: string) =>
      bench.hs.admitted.has(user) ? "join" : bench.pending.has(user) ? "knock" : "leave",
  };
}

/** `count` newcomers knock with the code at once (one /sync answer); resolves when all are challenged. */
async function knock(bench: Bench, count: number): Promise<void> {
  const target = bench.hs.challenges + count;
  for (let i = 0; i < count; i++) {
    const n = ++bench.knocked;
    const user = `@newcomer${n}:bench`;
    bench.pending.set(user, {
      key: `$knock${n}`,
      user,
      reason: `my code is ${CODE}`,
      ts: bench.clock.now,
      displayName: `Newcomer ${n}`,
    });
  }
  await bench.engine.reconcileSpace(spaceSnapshot(bench));
  await until(() => bench.hs.challenges >= target, bench);
}

/** Waits for the engine's effects (they run outside the decision queue) without a timer. */
async function until(done: () => boolean, bench: Bench): Promise<void> {
  for (let spins = 0; !done(); spins++) {
    if (spins > 100_000) throw new Error("the engine stopped making progress");
    await new Promise((resolve) => setImmediate(resolve));
    await bench.engine.idle();
  }
}

async function tick(bench: Bench, ms: number): Promise<void> {
  bench.clock.now += ms;
  await bench.engine.tick();
}

interface Level {
  open: number;
  knocksPerSec: number;
  cpuMsPerKnock: number;
  fillSec: number;
}

async function ceiling(open: number): Promise<Level> {
  const bench = await openBench();
  const fill0 = performance.now();
  for (let done = 0; done < open; done += 50) await knock(bench, Math.min(50, open - done));
  const fillSec = (performance.now() - fill0) / 1000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < KNOCKS; i++) {
    await knock(bench, 1);
    if (i % 10 === 9) await tick(bench, 1_000);
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await bench.close();
  return {
    open,
    knocksPerSec: KNOCKS / (wallMs / 1000),
    cpuMsPerKnock: (cpu.user + cpu.system) / 1000 / KNOCKS,
    fillSec,
  };
}

const rssMb = (): number => process.memoryUsage().rss / 1e6;
const heapMb = (): number => process.memoryUsage().heapUsed / 1e6;

/** Newcomers come, answer and pass, a few at a time; every closed room is left. */
async function soak(
  total: number,
): Promise<{ after1000: number; end: number; heapAfter1000: number; heapEnd: number }> {
  const bench = await openBench();
  const poem = (keyword: string): string =>
    `morning light arrives\nthe ${keyword} waits beside the door\nwe begin again`;
  let after1000 = Number.NaN;
  let heapAfter1000 = Number.NaN;
  while (bench.knocked < total) {
    await knock(bench, Math.min(5, total - bench.knocked));
    for (const record of Object.values(snapshotRecords(bench))) {
      if (record.phase !== "open" || !record.roomId || !record.challenge) continue;
      await bench.engine.onMessage({
        roomId: record.roomId,
        eventId: `$answer-${record.key}`,
        sender: record.user,
        body: poem(record.challenge.keyword),
        displayName: "Newcomer",
      });
    }
    await bench.engine.idle();
    for (const user of bench.hs.admitted) bench.pending.delete(user);
    await tick(bench, SOAK_STEP_MS);
    if (bench.knocked >= 1000 && Number.isNaN(after1000)) {
      await settle(bench);
      after1000 = rssMb();
      heapAfter1000 = heapMb();
    }
  }
  await settle(bench);
  const end = rssMb();
  const heapEnd = heapMb();
  await bench.close();
  return { after1000, end, heapAfter1000, heapEnd };
}

function snapshotRecords(bench: Bench) {
  return bench.engine.snapshot().records;
}

/** Farewells due and every room left, then a full GC where the runtime allows it, before reading RSS. */
async function settle(bench: Bench): Promise<void> {
  await tick(bench, 60_000);
  await until(() => bench.hs.newcomerOf.size === 0, bench);
  (globalThis as { gc?: () => void }).gc?.();
}

async function main(): Promise<void> {
  const levels: Level[] = [];
  for (const open of LEVELS) {
    const level = await ceiling(open);
    levels.push(level);
    console.log(
      `${open} open rooms: ${fmt(level.knocksPerSec)} knocks/s, ${fmt(level.cpuMsPerKnock, 2)} ms CPU per knock (filled in ${fmt(level.fillSec, 1)} s)`,
    );
  }
  const first = levels[0];
  const last = levels.at(-1);
  const growth = first && last ? last.cpuMsPerKnock / first.cpuMsPerKnock : Number.NaN;
  const rows: (readonly string[])[] = [
    ["open vetting rooms", "knocks/s (one core)", "CPU per knock, ms"],
    ...levels.map((l) => [String(l.open), fmt(l.knocksPerSec), fmt(l.cpuMsPerKnock, 2)]),
  ];
  const out = levels.length > 0 ? ["", table(rows), ""] : [""];
  if (levels.length > 1)
    out.push(
      `${growth < 1.5 ? "PASS" : "MISS"}  CPU per knock grows less than 1.5× from ${first?.open} to ${last?.open} open rooms: ${fmt(growth, 2)}×`,
    );
  let soaked: Awaited<ReturnType<typeof soak>> | undefined;
  if (SOAK > 0) {
    soaked = await soak(SOAK);
    const ratio = soaked.end / soaked.after1000;
    out.push(
      `${ratio <= 1.1 ? "PASS" : "MISS"}  soak of ${SOAK} vettings (closed records kept ${RETENTION_DAYS} days, ${SOAK_STEP_MS / 1000} s per 5): RSS ${fmt(soaked.after1000, 1)} MB after 1,000, ${fmt(soaked.end, 1)} MB at the end (${fmt(ratio, 2)}×; heap ${fmt(soaked.heapAfter1000, 1)} → ${fmt(soaked.heapEnd, 1)} MB)`,
    );
  }
  console.log(out.join("\n"));
  await mkdir(join(REPO, "test", "bench", "results"), { recursive: true });
  await writeFile(
    RESULTS,
    `${JSON.stringify({ when: new Date().toISOString(), knocks: KNOCKS, levels, growth, soak: soaked }, null, 2)}\n`,
  );
}

await main();
