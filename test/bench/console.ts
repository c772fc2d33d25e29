/**
 * The console's figures (issue 4): time to the first frame attached, keypress
 * to updated frame with 10,000 audit entries and 500 open vetting rooms, and
 * bytes written per frame — next to their budgets.
 *
 * What runs: the core Engine of the unit tests (in memory, no homeserver),
 * seeded with 500 open vetting rooms, served by the daemon's own admin API on
 * a unix socket (src/http); the console attaches to it with the attach client
 * (src/control), as `anteroom` does to a running daemon, and renders with Ink
 * into a recording terminal of 100×30 with the options the real console uses
 * (incremental rendering, alternate screen). 10,000 audit entries then reach
 * it over the event stream. No homeserver is needed: none of the figures
 * depends on one.
 *
 * - First frame (attached): from just before connecting to the socket until
 *   the first frame that shows the 500 knocks. Loading the console's modules
 *   (Ink, React, the views) is timed apart, before it.
 * - Keypress → frame: a key typed into the terminal until the next write to
 *   it; j/k in the Vetting view (500 rooms) and the Log view (10,000 entries),
 *   one key every 60 ms (slower than Ink's 30 frames a second, so each key
 *   gets its own frame). Median and p95.
 * - Bytes per frame: the size of each of those frames as written.
 * - From process start: the built `bin/anteroom.js` started in tmux, attached to the same admin
 *   socket; from spawning it to its first frame on screen, and to Ink's frame with the 500 knocks
 *   (test/bench/console-process.ts; BENCH_CONSOLE_STARTS runs, 5 by default).
 *
 * `node --import tsx test/bench/console.ts` (or `npm run bench:console`);
 * `npm run bench` runs it after the knock bench. BENCH_CONSOLE_KEYS (50) keys
 * per view; BENCH_DEBUG=1 prints the last frames written when a wait times out. Results: printed, and written to test/bench/results/console.json.
 */
process.env.CI = "false"; // Ink draws every frame only outside CI; read once, at import
process.env.FORCE_COLOR ??= "1";

import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { VettingRecord } from "../../core/vetting/record.js";
import { World } from "../unit/engine-fixtures.js";
import { serveOnAdminSocket } from "../ui/admin-socket.js";
import { BenchStdin, BenchStdout } from "./console-terminal.js";
import { percentile } from "./measure.js";
import { daemonCommand, fmt } from "./bench-kit.js";
import { timeConsoleStart, type ConsoleStart } from "./console-process.js";
import { waitFor } from "../harness/wait.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const RESULTS = join(REPO, "test", "bench", "results", "console.json");
const ROOMS = 500;
const AUDIT = 10_000;
const KEYS = Number(process.env.BENCH_CONSOLE_KEYS ?? 50);
const STARTS = Number(process.env.BENCH_CONSOLE_STARTS ?? 5);
const KEY_GAP_MS = 60;
const COLUMNS = 100;
const ROWS = 30;
const BUDGET = { firstFrameMs: 500, keyMedianMs: 50 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  // Frames are timed by their writes, so polling every millisecond costs no accuracy.
  return waitFor(check, {
    what,
    timeoutMs,
    intervalMs: 1,
    ...(process.env.BENCH_DEBUG ? { seen: () => debugTail() } : {}),
  }).then(() => undefined);
}

function openRoom(i: number, now: number): VettingRecord {
  const user = `@newcomer${i}:example.org`;
  return {
    key: `$knock-${i}`,
    user,
    displayName: `Newcomer ${i}`,
    reason: "BENCH",
    knockedAt: now - i * 1000,
    phase: "open",
    code: "BENCH",
    codeLabel: "bench",
    roomId: `!room${i}:example.org`,
    challenge: { topic: "rain on a tin roof", keyword: "drum" },
    triesLeft: 3,
    expiresAt: now + 7_200_000 - i * 1000,
    judged: [],
    transcript: [{ at: now - i * 1000, from: "bot", text: "write a 3-line haiku about: rain" }],
    outbox: [],
    nextEffectId: 2,
  };
}

let debugTail = () => "";

async function main(): Promise<void> {
  const world = new World({ BENCH: { uses_remaining: 1_000_000, label: "bench" } });
  world.now = Date.now();
  for (let i = 0; i < ROOMS; i++) {
    const record = openRoom(i, world.now);
    world.vetting.value[record.key] = record;
  }

  let t = performance.now();
  const [{ render }, { createElement }, { ConsoleApp }] = await Promise.all([
    import("ink"),
    import("react"),
    import("../../ui/console-app.js"),
  ]);
  const moduleLoadMs = performance.now() - t;

  const stdout = new BenchStdout(COLUMNS, ROWS);
  const stdin = new BenchStdin();
  debugTail = () =>
    stdout.writes
      .slice(-6)
      .map((write) => JSON.stringify(plain(write.text)))
      .join("\n");
  t = performance.now();
  const attached = await serveOnAdminSocket(world);
  const instance = render(
    createElement(ConsoleApp, {
      api: attached.remote,
      mode: "attached",
      by: "bench",
      now: () => world.now,
      publicUrl: "https://join.example.org",
      terminal: { write: () => {}, isTmux: false },
    }),
    {
      stdout: stdout as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
      stderr: stdout as unknown as NodeJS.WriteStream,
      exitOnCtrlC: false,
      patchConsole: false,
      incrementalRendering: true,
      alternateScreen: true,
    },
  );
  const showsKnocks = (text: string) => plain(text).includes(`Knocks ${ROOMS}`);
  await until("the first frame with the knocks", () =>
    stdout.writes.some((write) => showsKnocks(write.text)),
  );
  const firstFrame = stdout.writes.find((write) => showsKnocks(write.text));
  const firstFrameMs = (firstFrame?.at ?? Number.NaN) - t;

  // 10,000 audit entries over the event stream, as a busy day writes them.
  for (let i = 0; i < AUDIT; i++) {
    world.engine.events.emit({
      type: "audit",
      entry: {
        ts: world.now / 1000 - AUDIT + i,
        type: "knock_received",
        user: `@n${i}:example.org`,
      },
    });
  }
  const fromLog = stdout.writes.length;
  stdin.type("4");
  await until("10,000 audit entries in the Log view", () =>
    // Incremental rendering rewrites only what changed: the newest entry's line will do.
    stdout.writes.slice(fromLog).some((write) => write.text.includes(`@n${AUDIT - 1}:example.org`)),
  );

  const views = [
    { name: "vetting (500 rooms)", key: "2" },
    { name: "log (10,000 entries)", key: "4" },
  ];
  const perView: Record<
    string,
    { medianMs: number; p95Ms: number; bytesMedian: number; bytesP95: number }
  > = {};
  const allLatencies: number[] = [];
  const allBytes: number[] = [];
  for (const view of views) {
    stdin.type(view.key);
    await sleep(200);
    const latencies: number[] = [];
    const bytes: number[] = [];
    for (let i = 0; i < KEYS; i++) {
      const before = stdout.writes.length;
      const sent = performance.now();
      stdin.type(i % 10 < 5 ? "j" : "k");
      await until("the frame after a key", () => stdout.writes.length > before, 5_000);
      const frame = stdout.writes[before];
      if (frame) {
        latencies.push(frame.at - sent);
        await sleep(KEY_GAP_MS);
        bytes.push(stdout.writes.slice(before).reduce((sum, write) => sum + write.bytes, 0));
      }
    }
    perView[view.name] = {
      medianMs: round(percentile(latencies, 50)),
      p95Ms: round(percentile(latencies, 95)),
      bytesMedian: percentile(bytes, 50),
      bytesP95: percentile(bytes, 95),
    };
    allLatencies.push(...latencies);
    allBytes.push(...bytes);
  }
  instance.unmount();

  // The console as people start it, from the process's first moment (BENCH_CONSOLE_STARTS runs).
  await daemonCommand((message) => console.log(`  ${message}`)); // builds dist unless BENCH_BUILD=0
  const starts: ConsoleStart[] = [];
  const floors: ConsoleStart[] = [];
  for (let i = 0; i < STARTS; i++) {
    floors.push(await timeConsoleStart(attached.dataDir, "anteroom · floor", { floor: true }));
    starts.push(await timeConsoleStart(attached.dataDir, `Knocks ${ROOMS}`));
  }
  const floorMs = round(
    percentile(
      floors.map((s) => s.firstFrameMs),
      50,
    ),
  );
  await attached.close();
  const startFirstMs = round(
    percentile(
      starts.map((s) => s.firstFrameMs),
      50,
    ),
  );
  const startFullMs = round(
    percentile(
      starts.map((s) => s.fullFrameMs),
      50,
    ),
  );

  const keyMedianMs = round(percentile(allLatencies, 50));
  const results = {
    when: new Date().toISOString(),
    setup: {
      engine:
        "core Engine in memory behind the daemon's admin API on a unix socket; console attached",
      terminal: `${COLUMNS}×${ROWS}, incremental rendering, alternate screen`,
      rooms: ROOMS,
      audit: AUDIT,
      keysPerView: KEYS,
      node: process.version,
    },
    moduleLoadMs: round(moduleLoadMs),
    firstFrameMs: round(firstFrameMs),
    fromProcessStart: {
      runs: STARTS,
      firstFrameMedianMs: startFirstMs,
      fullFrameMedianMs: startFullMs,
      floorMedianMs: floorMs,
    },
    keyToFrame: { medianMs: keyMedianMs, p95Ms: round(percentile(allLatencies, 95)), perView },
    bytesPerFrame: { median: percentile(allBytes, 50), p95: percentile(allBytes, 95) },
    budgets: BUDGET,
    withinBudget: {
      firstFrame: firstFrameMs < BUDGET.firstFrameMs,
      firstFrameFromProcessStart: startFirstMs < BUDGET.firstFrameMs,
      keyToFrameMedian: keyMedianMs < BUDGET.keyMedianMs,
    },
  };
  const mark = (ok: boolean) => (ok ? "ok" : "OVER BUDGET");
  console.log(
    "console bench (attached over the admin socket, 500 open rooms, 10,000 audit entries)",
  );
  console.log(`  loading the console's modules   ${results.moduleLoadMs} ms`);
  console.log(
    `  first frame (attached)          ${results.firstFrameMs} ms   budget < ${BUDGET.firstFrameMs} ms  ${mark(results.withinBudget.firstFrame)}`,
  );
  console.log(
    `  from process start (tmux)       first frame ${startFirstMs} ms  budget < ${BUDGET.firstFrameMs} ms  ${mark(results.withinBudget.firstFrameFromProcessStart)}; Ink's frame with the knocks ${startFullMs} ms; a bare node printing a line ${floorMs} ms (first frame ${fmt(startFirstMs / floorMs, 2)}× that floor; medians of ${STARTS})`,
  );
  console.log(
    `  keypress → frame                median ${keyMedianMs} ms, p95 ${results.keyToFrame.p95Ms} ms   budget median < ${BUDGET.keyMedianMs} ms  ${mark(results.withinBudget.keyToFrameMedian)}`,
  );
  for (const [name, figures] of Object.entries(perView)) {
    console.log(
      `    ${name.padEnd(24)} median ${figures.medianMs} ms, p95 ${figures.p95Ms} ms; ${figures.bytesMedian} bytes a frame (p95 ${figures.bytesP95})`,
    );
  }
  console.log(
    `  bytes per frame                 median ${results.bytesPerFrame.median}, p95 ${results.bytesPerFrame.p95}`,
  );
  await mkdir(join(REPO, "test", "bench", "results"), { recursive: true });
  await writeFile(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`  written to ${RESULTS}`);
}

/** The text of a frame without its colours and cursor moves. */
function plain(text: string): string {
  // eslint-disable-next-line no-control-regex -- removing escape sequences is the point
  return text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, "");
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

await main();
// The admin socket's keep-alive timers and Ink's stdin listeners would keep the process up.
process.exit(0);
