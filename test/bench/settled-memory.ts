/**
 * A daemon's memory at rest, measured the same way for every run: one sample a second over a
 * quiet period, the median of each figure, so one garbage collection more or less in the window
 * does not move the result. heapUsed/external come from memory-probe.mjs loaded into the daemon.
 */
import { readFile, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { sleep, waitFor } from "../harness/wait.js";
import { memoryMb, percentile } from "./measure.js";

/** NODE_OPTIONS that load the probe into the daemon. */
export const MEMORY_PROBE_OPTION = `--import=${fileURLToPath(new URL("./memory-probe.mjs", import.meta.url))}`;

export interface SettledMemory {
  readonly rssMb: number;
  /** The anonymous part of RSS: without the node binary's pages (see memoryMb). */
  readonly anonMb: number;
  readonly heapUsedMb: number;
  /** The V8 heap's pages as held (heapUsed plus free room in them). */
  readonly heapTotalMb: number;
  readonly externalMb: number;
  readonly arrayBuffersMb: number;
}

type Sample = Record<keyof SettledMemory, number>;

/** Waits `settleSec` (pending writes, timers), then samples for `sampleSec` and takes medians. */
export async function settledMemory(
  pid: number,
  probeFile: string,
  settleSec: number,
  sampleSec: number,
): Promise<SettledMemory> {
  await sleep(settleSec * 1000);
  const samples: Sample[] = [];
  for (let i = 0; i < Math.max(1, sampleSec); i++) {
    const started = Date.now();
    samples.push(await sample(pid, probeFile));
    await sleep(Math.max(0, 1000 - (Date.now() - started)));
  }
  const median = (key: keyof SettledMemory) =>
    percentile(
      samples.map((s) => s[key]),
      50,
    );
  return {
    rssMb: median("rssMb"),
    anonMb: median("anonMb"),
    heapUsedMb: median("heapUsedMb"),
    heapTotalMb: median("heapTotalMb"),
    externalMb: median("externalMb"),
    arrayBuffersMb: median("arrayBuffersMb"),
  };
}

async function sample(pid: number, probeFile: string): Promise<Sample> {
  await rm(probeFile, { force: true });
  process.kill(pid, "SIGUSR2");
  // Not there yet, or half written, until the daemon's event loop has run the probe.
  const usage = await waitFor(
    async () =>
      JSON.parse(await readFile(probeFile, "utf8")) as {
        heapUsed: number;
        heapTotal: number;
        external: number;
        arrayBuffers: number;
      },
    { what: "the daemon's memory probe", timeoutMs: 10_000, ignoreErrors: true },
  );
  const mb = (bytes: number) => bytes / 2 ** 20;
  const rss = memoryMb(pid);
  return {
    rssMb: rss.rss,
    anonMb: rss.anon,
    heapUsedMb: mb(usage.heapUsed),
    heapTotalMb: mb(usage.heapTotal),
    externalMb: mb(usage.external),
    arrayBuffersMb: mb(usage.arrayBuffers),
  };
}
