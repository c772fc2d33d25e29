/** Small measuring tools for the knock benchmark: /proc readers, percentiles, a work pool. */
import { readFileSync } from "node:fs";
import { execa } from "execa";

let clockTicks = 100;

/** Reads USER_HZ once (the unit of /proc CPU counters); 100 on Linux in practice. */
export async function readClockTicks(): Promise<void> {
  const result = await execa("getconf", ["CLK_TCK"], { reject: false });
  clockTicks = Number(result.stdout) || 100;
}

/** CPU seconds (user + system) a process has used so far; NaN when it is gone. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The fields after "(comm) ": state is field 3, utime field 14, stime field 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds all processes of the machine have used (the "cpu" line of /proc/stat). */
function machineBusySeconds(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return (
    ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) /
    clockTicks
  );
}

/** Peak (VmHWM) and current (VmRSS) resident memory in MB. */
/**
 * RSS is anonymous memory (heaps, WASM, malloc: the process's own) plus file-backed pages (the
 * node binary's, shared with other processes and dropped under memory pressure).
 */
export function memoryMb(pid: number | undefined): {
  peak: number;
  rss: number;
  anon: number;
  file: number;
} {
  const none = { peak: Number.NaN, rss: Number.NaN, anon: Number.NaN, file: Number.NaN };
  if (pid === undefined) return none;
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key: string): number =>
      Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
    return {
      peak: kb("VmHWM") / 1024,
      rss: kb("VmRSS") / 1024,
      anon: kb("RssAnon") / 1024,
      file: kb("RssFile") / 1024,
    };
  } catch {
    return none;
  }
}

export type Pids = Record<string, number | undefined>;

export interface CpuSnapshot {
  readonly at: number;
  readonly procs: Record<string, number>;
  readonly machine: number;
}

export interface CpuUse {
  readonly wallS: number;
  /** CPU seconds per named process over the interval. */
  readonly procs: Record<string, number>;
  /** What every other process of the machine used, in cores (CPU seconds per second). */
  readonly foreignCores: number;
}

export function cpuSnapshot(pids: Pids): CpuSnapshot {
  const procs: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) procs[name] = cpuSeconds(pid);
  return { at: Date.now(), procs, machine: machineBusySeconds() };
}

export function cpuSince(before: CpuSnapshot, pids: Pids): CpuUse {
  const after = cpuSnapshot(pids);
  const wallS = (after.at - before.at) / 1000;
  const procs: Record<string, number> = {};
  let ours = 0;
  for (const name of Object.keys(pids)) {
    const used = (after.procs[name] ?? Number.NaN) - (before.procs[name] ?? Number.NaN);
    procs[name] = used;
    if (Number.isFinite(used)) ours += used;
  }
  const foreignCores = Math.max(0, (after.machine - before.machine - ours) / wallS);
  return { wallS, procs, foreignCores };
}

/** Nearest-rank percentile; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function finite(values: readonly (number | undefined)[]): number[] {
  return values.filter((v): v is number => v !== undefined && Number.isFinite(v));
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Runs `work` over `items` with at most `limit` at once. */
export async function pool<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
