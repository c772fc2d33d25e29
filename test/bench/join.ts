/**
 * `npm run bench` (after knocks.ts), or alone `npm run bench:join`: `POST /join/api` against a
 * FLOOR.
 *
 * What runs
 * - One Synapse from the harness with one community on it, and the real daemon
 *   (`anteroom --daemon` through TestDaemon) from the compiled build (built first unless
 *   BENCH_BUILD=0), with one invite code of a million uses and the lobby's rate limits raised
 *   out of the way (LOBBY_RATE_PER_MIN, LOBBY_CODE_RATE_PER_MIN): the limiters still run on every
 *   request, they just never say no.
 * - FLOOR: test/bench/join-floor.ts, a bare Fastify app (the same Fastify the daemon loads) with
 *   one `POST /join/api` route answering `{}`, in its own plain-node process like the daemon.
 * - The load comes from another process (test/bench/http-load.ts): keep-alive connections, one
 *   request after another on each.
 *
 * What is measured
 * - Invalid code (the cheap rejection path: every request a new code nobody minted, as a guesser
 *   sends; 403 `invalid_code`): BENCH_JOIN_CONNECTIONS connections for BENCH_JOIN_SECONDS, in
 *   rounds floor, anteroom, anteroom, floor (BENCH_JOIN_ROUNDS=2) to cancel drift, after an
 *   untimed warm-up of each. Requests/s (mean over the rounds) and p50/p99 latency (pooled).
 * - Valid code: BENCH_JOIN_VALID requests over BENCH_JOIN_VALID_CONNECTIONS connections; each
 *   spends a use and makes a real lobby room on Synapse before it is answered, so this is bounded
 *   by Synapse's createRoom, not by the HTTP path. The floor is measured at the same concurrency.
 * - CPU ms per request of the daemon and of the floor (/proc), the load generator's own CPU, and
 *   the load every other process put on the machine meanwhile (a phase beside a foreign load of
 *   a good part of a core is flagged): on 2 cores the load generator and the server share the
 *   machine, so compare ratios, not absolute numbers.
 *
 * Environment: BENCH_JOIN_SECONDS (10), BENCH_JOIN_CONNECTIONS (32), BENCH_JOIN_ROUNDS (2),
 * BENCH_JOIN_VALID (300), BENCH_JOIN_VALID_CONNECTIONS (8), BENCH_BUILD=0 (skip
 * `npm run build`), BENCH_DAEMON=/path/to/cli.js (another build), BENCH_DAEMON_NODE_OPTIONS
 * (NODE_OPTIONS for the daemon, e.g. `--cpu-prof --cpu-prof-dir=…`), BENCH_TIMEOUT_SEC (600).
 * Results: printed, and written under `join` in test/bench/results/latest.json (the rest of that
 * file, the knock bench's figures, is kept).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import ts from "typescript";
import { createCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { startHomeserver } from "../harness/homeserver.js";
import { errorMessage, sleep } from "../harness/wait.js";
import { daemonCommand, fmt, intEnv, table } from "./bench-kit.js";
import { cpuSince, cpuSnapshot, mean, percentile, readClockTicks, type Pids } from "./measure.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const RESULTS = join(REPO, "test", "bench", "results", "latest.json");

const SECONDS = intEnv("BENCH_JOIN_SECONDS", 10);
const CONNECTIONS = Math.max(1, intEnv("BENCH_JOIN_CONNECTIONS", 32));
const ROUNDS = Math.max(1, intEnv("BENCH_JOIN_ROUNDS", 2));
const VALID = intEnv("BENCH_JOIN_VALID", 300);
const VALID_CONNECTIONS = Math.max(1, intEnv("BENCH_JOIN_VALID_CONNECTIONS", 8));
const TIMEOUT_SEC = intEnv("BENCH_TIMEOUT_SEC", 600);
const WARMUP_MS = 2_000;
const CODE = "JOINBENCH";
/** Never reached in a run: the limiters run, but say yes. */
const NO_LIMIT = "1000000000";
/** Foreign load (cores) above which a phase is flagged as disturbed, as in knocks.ts. */
const DISTURBED_CORES = 0.3;

// ---------------------------------------------------------------------------------------------
// Processes

/** A bench script as plain JavaScript, so no TypeScript loader sits in the measured processes. */
async function transpiled(dir: string, name: string): Promise<string> {
  const source = await readFile(fileURLToPath(new URL(`./${name}.ts`, import.meta.url)), "utf8");
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023 },
  });
  const file = join(dir, `${name}.mjs`);
  await writeFile(file, outputText);
  return file;
}

/** Starts the floor and resolves with its process and port once it listens. */
async function startFloor(script: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [script], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { PATH: process.env.PATH ?? "", FLOOR_FASTIFY: import.meta.resolve("fastify") },
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("the floor did not start in 20 s")), 20_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the floor exited (${code}) before it listened`));
    });
  });
  return { child, port };
}

interface LoadRun {
  wallMs: number;
  latencies: number[];
  statuses: Record<string, number>;
  /** CPU seconds of the server under load. */
  cpuS: number;
  /** The load generator's own use, in cores. */
  loadCores: number;
  /** What every process not ours (nor the load generator) used meanwhile, in cores. */
  foreignCores: number;
}

/** One load run from the load generator's own process; CPU measured around it. */
async function load(
  loadScript: string,
  target: { url: string; pid: number | undefined },
  settings: { connections: number; durationMs?: number; total?: number; rotate: boolean },
  pids: Pids,
): Promise<LoadRun> {
  const before = cpuSnapshot(pids);
  const result = await execa(process.execPath, [loadScript], {
    env: {
      LOAD_URL: `${target.url}/join/api`,
      LOAD_CONNECTIONS: String(settings.connections),
      LOAD_DURATION_MS: String(settings.durationMs ?? 0),
      LOAD_TOTAL: String(settings.total ?? 0),
      LOAD_CODE: settings.rotate ? "NOT-A-CODE" : CODE,
      LOAD_ROTATE: settings.rotate ? "1" : "0",
    },
    timeout: (TIMEOUT_SEC / 2) * 1000,
  });
  const use = cpuSince(before, pids);
  const out = JSON.parse(result.stdout) as Pick<LoadRun, "wallMs" | "latencies" | "statuses"> & {
    cpuS: number;
  };
  const server = Object.entries(pids).find(([, pid]) => pid === target.pid)?.[0] ?? "";
  const loadCores = out.cpuS / use.wallS;
  return {
    wallMs: out.wallMs,
    latencies: out.latencies,
    statuses: out.statuses,
    cpuS: use.procs[server] ?? Number.NaN,
    loadCores,
    foreignCores: Math.max(0, use.foreignCores - loadCores),
  };
}

// ---------------------------------------------------------------------------------------------
// Figures

interface Figures {
  requests: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  statuses: Record<string, number>;
  cpuMsPerRequest: number;
  /** The load generator's use (the busiest run), in cores. */
  loadCores: number;
  /** The busiest run's load from processes not ours, in cores. */
  foreignCores: number;
}

function figures(runs: readonly LoadRun[]): Figures {
  const latencies = runs.flatMap((r) => r.latencies);
  const statuses: Record<string, number> = {};
  for (const run of runs)
    for (const [status, n] of Object.entries(run.statuses))
      statuses[status] = (statuses[status] ?? 0) + n;
  return {
    requests: latencies.length,
    requestsPerSec: mean(runs.map((r) => r.latencies.length / (r.wallMs / 1000))),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    statuses,
    cpuMsPerRequest: (runs.reduce((a, r) => a + r.cpuS, 0) * 1000) / Math.max(1, latencies.length),
    loadCores: Math.max(...runs.map((r) => r.loadCores)),
    foreignCores: Math.max(...runs.map((r) => r.foreignCores)),
  };
}

/** Answers other than the one the phase is about (200 from the floor, 403 or 200 from anteroom). */
function unexpected(f: Figures, expected: string): number {
  return Object.entries(f.statuses)
    .filter(([status]) => status !== expected)
    .reduce((a, [, n]) => a + n, 0);
}

// ---------------------------------------------------------------------------------------------
// Main

const startedAt = Date.now();
const cleanups: (() => Promise<void>)[] = [];

async function cleanup(): Promise<void> {
  for (const step of cleanups.splice(0).reverse()) {
    await step().catch((error: unknown) => console.error(`cleanup: ${errorMessage(error)}`));
  }
}

function log(message: string): void {
  const elapsed = ((Date.now() - startedAt) / 1000).toFixed(1).padStart(6);
  console.log(`[${elapsed}s] join: ${message}`);
}

async function main(): Promise<void> {
  await readClockTicks();
  const nodeArgs = await daemonCommand(log);
  const scripts = await mkdtemp(join(tmpdir(), "anteroom-join-bench-"));
  cleanups.push(() => rm(scripts, { recursive: true, force: true }));
  const loadScript = await transpiled(scripts, "http-load");

  const hs = await startHomeserver();
  cleanups.push(() => hs.stop());
  const community = await createCommunity(hs, { children: 1 });
  const daemon = await TestDaemon.start(hs, community, {
    nodeArgs,
    env: {
      ...(process.env.BENCH_DAEMON_NODE_OPTIONS
        ? { NODE_OPTIONS: process.env.BENCH_DAEMON_NODE_OPTIONS }
        : {}),
      INITIAL_CODES: JSON.stringify({ [CODE]: { uses_remaining: 1_000_000, label: "bench" } }),
      LOBBY_RATE_PER_MIN: NO_LIMIT,
      LOBBY_CODE_RATE_PER_MIN: NO_LIMIT,
      SEND_MAX_PER_MIN: String(Math.max(600, 4 * VALID)),
      TICK_MS: "1000",
    },
  });
  cleanups.push(async () => {
    await Promise.race([daemon.stop(), sleep(15_000)]);
    await daemon.kill9();
    await rm(daemon.dataDir, { recursive: true, force: true });
  });
  const floor = await startFloor(await transpiled(scripts, "join-floor"));
  cleanups.push(async () => {
    floor.child.kill("SIGTERM");
  });
  const pids = (): Pids => ({
    floor: floor.child.pid,
    anteroom: daemon.pid,
    synapse: hs.pid,
    bench: process.pid,
  });
  const floorTarget = { url: `http://127.0.0.1:${floor.port}`, pid: floor.child.pid };
  const engineTarget = { url: daemon.url, pid: daemon.pid };
  log(`Synapse, anteroom (${nodeArgs.join(" ")}) and the floor (port ${floor.port}) ready`);

  const invalid = (durationMs: number) => ({ connections: CONNECTIONS, durationMs, rotate: true });
  for (const target of [floorTarget, engineTarget])
    await load(loadScript, target, invalid(WARMUP_MS), pids());

  // Invalid codes: F A, then A F, …
  const invalidRuns = { floor: [] as LoadRun[], anteroom: [] as LoadRun[] };
  for (let round = 0; round < ROUNDS; round++) {
    const order =
      round % 2 === 0 ? (["floor", "anteroom"] as const) : (["anteroom", "floor"] as const);
    for (const name of order) {
      const target = name === "floor" ? floorTarget : engineTarget;
      const run = await load(loadScript, target, invalid(SECONDS * 1000), pids());
      invalidRuns[name].push(run);
      log(
        `invalid code, ${name}, round ${round + 1}: ${fmt(run.latencies.length / (run.wallMs / 1000))} requests/s`,
      );
    }
  }

  // Valid codes: each one a lobby room on Synapse.
  const validFloor = await load(
    loadScript,
    floorTarget,
    { connections: VALID_CONNECTIONS, durationMs: SECONDS * 1000, rotate: false },
    pids(),
  );
  const validEngine =
    VALID > 0
      ? await load(
          loadScript,
          engineTarget,
          { connections: VALID_CONNECTIONS, total: VALID, rotate: false },
          pids(),
        )
      : undefined;
  log(`valid code: ${VALID} lobby requests answered`);

  const f = {
    invalid: { floor: figures(invalidRuns.floor), anteroom: figures(invalidRuns.anteroom) },
    valid: {
      floor: figures([validFloor]),
      anteroom: validEngine ? figures([validEngine]) : undefined,
    },
  };
  const ratio = (floorValue: number, value: number): string => `${fmt(value / floorValue, 2)}×`;
  const row = (label: string, a: number, b: number, digits = 0): readonly string[] => [
    label,
    fmt(a, digits),
    fmt(b, digits),
    ratio(a, b),
  ];
  const rows: (readonly string[])[] = [
    ["POST /join/api", "floor", "anteroom", "ratio"],
    row(
      `invalid code (${CONNECTIONS} conn.), requests/s`,
      f.invalid.floor.requestsPerSec,
      f.invalid.anteroom.requestsPerSec,
    ),
    row("invalid code p50, ms", f.invalid.floor.p50Ms, f.invalid.anteroom.p50Ms, 2),
    row("invalid code p99, ms", f.invalid.floor.p99Ms, f.invalid.anteroom.p99Ms, 2),
    row(
      "invalid code CPU per request, ms",
      f.invalid.floor.cpuMsPerRequest,
      f.invalid.anteroom.cpuMsPerRequest,
      3,
    ),
  ];
  if (f.valid.anteroom) {
    rows.push(
      row(
        `valid code (${VALID_CONNECTIONS} conn., ${VALID} lobbies), requests/s`,
        f.valid.floor.requestsPerSec,
        f.valid.anteroom.requestsPerSec,
        1,
      ),
      row("valid code p50, ms", f.valid.floor.p50Ms, f.valid.anteroom.p50Ms, 1),
      row("valid code p99, ms", f.valid.floor.p99Ms, f.valid.anteroom.p99Ms, 1),
      row(
        "valid code CPU per request, ms",
        f.valid.floor.cpuMsPerRequest,
        f.valid.anteroom.cpuMsPerRequest,
        2,
      ),
    );
  }
  const out = ["", table(rows), ""];
  const odd = [
    ["invalid code, floor", unexpected(f.invalid.floor, "200")],
    ["invalid code, anteroom", unexpected(f.invalid.anteroom, "403")],
    ["valid code, floor", unexpected(f.valid.floor, "200")],
    ...(f.valid.anteroom ? [["valid code, anteroom", unexpected(f.valid.anteroom, "200")]] : []),
  ].filter(([, n]) => n !== 0);
  for (const [phase, n] of odd)
    out.push(`UNEXPECTED: ${n} answers of another status in "${phase}" (see statuses in the JSON)`);
  out.push(
    "Valid codes make a real lobby room on Synapse per request: that row measures Synapse's createRoom more than anteroom.",
    `The load generator used up to ${fmt(Math.max(f.invalid.floor.loadCores, f.invalid.anteroom.loadCores), 2)} cores during the invalid-code runs.`,
  );
  const phases = [
    ["invalid code, floor", f.invalid.floor],
    ["invalid code, anteroom", f.invalid.anteroom],
    ["valid code, floor", f.valid.floor],
    ...(f.valid.anteroom ? [["valid code, anteroom", f.valid.anteroom] as const] : []),
  ] as const;
  const disturbed = phases
    .filter(([, p]) => p.foreignCores > DISTURBED_CORES)
    .map(([name, p]) => `${name} (${fmt(p.foreignCores, 2)})`);
  if (disturbed.length > 0) {
    out.push(
      `NOTE: other processes loaded the machine by more than ${DISTURBED_CORES} cores during: ${disturbed.join(", ")}; those figures are not comparable. Rerun on a quieter machine.`,
    );
  }
  console.log(out.join("\n"));

  await mkdir(join(REPO, "test", "bench", "results"), { recursive: true });
  const previous = await readFile(RESULTS, "utf8")
    .then((text) => JSON.parse(text) as Record<string, unknown>)
    .catch(() => ({}));
  const results = {
    ...previous,
    join: {
      when: new Date().toISOString(),
      settings: {
        seconds: SECONDS,
        connections: CONNECTIONS,
        rounds: ROUNDS,
        valid: VALID,
        validConnections: VALID_CONNECTIONS,
        daemon: nodeArgs.join(" "),
        node: process.version,
      },
      ...f,
    },
  };
  await writeFile(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  log(`results written to ${RESULTS} (under "join")`);
}

const watchdog = setTimeout(() => {
  console.error(`the join bench ran past BENCH_TIMEOUT_SEC=${TIMEOUT_SEC}; stopping everything`);
  void cleanup().finally(() => process.exit(2));
}, TIMEOUT_SEC * 1000);
watchdog.unref();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`${signal}: stopping everything`);
    void cleanup().finally(() => process.exit(130));
  });
}

main().then(
  async () => {
    clearTimeout(watchdog);
    await cleanup();
    log("done");
    process.exit(0);
  },
  async (error: unknown) => {
    clearTimeout(watchdog);
    console.error(
      `the join bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    await cleanup();
    process.exit(1);
  },
);
