/** Temp data dirs and child processes that contend for the data-dir lock, for its unit tests. */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after } from "node:test";
import { pathToFileURL } from "node:url";
import type { LockTiming } from "../../src/store/data-dir-lock.js";

const dirs: string[] = [];
const children: ChildProcess[] = [];
after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

export async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-lock-"));
  dirs.push(dir);
  return dir;
}

export interface LockContent {
  id: string;
  pid: number;
  startedAt: string;
  heartbeatAt: string;
  hostname: string;
}

export async function lockContent(dir: string): Promise<LockContent> {
  return JSON.parse(await readFile(join(dir, "anteroom.lock"), "utf8")) as LockContent;
}

/** The pid of a process that has exited and been reaped. */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  const pid = child.pid;
  assert.ok(pid !== undefined);
  await once(child, "exit");
  return pid;
}

/** A live process that is not an anteroom: its pid can stand for a reused one. */
export function bystander(): ChildProcess {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], {
    stdio: "ignore",
  });
  children.push(child);
  return child;
}

const moduleUrl = pathToFileURL(join(import.meta.dirname, "../../src/store/data-dir-lock.ts")).href;

// Waits for "go" on stdin, tries the lock, reports, then holds it until stdin says "exit" or closes.
const contender = `
import { createInterface } from "node:readline";
import { acquireDataDirLock, waitForDataDirLock } from ${JSON.stringify(moduleUrl)};
const input = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
process.stdout.write("ready\\n");
await input.next();
try {
  const timing = process.env.LOCK_TIMING ? JSON.parse(process.env.LOCK_TIMING) : undefined;
  if (process.env.LOCK_STANDBY)
    await waitForDataDirLock(process.env.DATA_DIR, {
      timing,
      onStandingBy: () => process.stdout.write("standing by\\n"),
      onLost: () => process.stdout.write("lost\\n"),
    });
  else await acquireDataDirLock(process.env.DATA_DIR, { timing });
  process.stdout.write("won\\n");
} catch (err) {
  process.stdout.write(err.name === "DataDirLockedError" ? "locked\\n" : "error " + err.message + "\\n");
}
const command = await input.next();
if (command.value === "crash") process.kill(process.pid, "SIGKILL");
`;

/** Another process trying for the lock (with `timing`, or the defaults). */
export class Contender {
  readonly process: ChildProcess;
  private readonly output: AsyncIterator<string>;

  /** `standby`: wait for the lock (waitForDataDirLock) instead of trying once. */
  constructor(dir: string, timing?: LockTiming, standby = false) {
    this.process = spawn(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", contender],
      {
        env: {
          ...process.env,
          DATA_DIR: dir,
          ...(timing ? { LOCK_TIMING: JSON.stringify(timing) } : {}),
          ...(standby ? { LOCK_STANDBY: "1" } : {}),
        },
        stdio: ["pipe", "pipe", "inherit"],
      },
    );
    children.push(this.process);
    const stdout = this.process.stdout;
    assert.ok(stdout);
    this.output = createInterface({ input: stdout })[Symbol.asyncIterator]();
  }

  get pid(): number {
    assert.ok(this.process.pid !== undefined);
    return this.process.pid;
  }

  async nextLine(): Promise<string> {
    const line = await this.output.next();
    return line.done ? "(exited)" : line.value;
  }

  say(line: string): void {
    this.process.stdin?.write(line + "\n");
  }

  async finish(how: "exit" | "crash" = "exit"): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = once(this.process, "exit");
    this.say(how);
    this.process.stdin?.end();
    await exited;
  }
}

/** Starts `n` contenders, lets them all go at once, and returns what each reported. */
export async function race(
  dir: string,
  n: number,
  timing?: LockTiming,
): Promise<{ results: string[]; all: Contender[] }> {
  const all = Array.from({ length: n }, () => new Contender(dir, timing));
  assert.deepEqual(await Promise.all(all.map((c) => c.nextLine())), Array(n).fill("ready"));
  for (const c of all) c.say("go");
  const results = await Promise.all(all.map((c) => c.nextLine()));
  return { results, all };
}
