/**
 * Makes file writes fail as a full disk does: part of the data lands, then the write throws
 * ENOSPC (or another code). Patches node's FileHandle, which every store writes with, in this
 * test process until `heal` (writes work again) or `restore`.
 */
import { mkdtemp, open, rm, unlink, type FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, mock } from "node:test";
import { WriteFaults } from "../../src/store/write-faults.js";

export interface DiskFault {
  heal(): void;
  /** How many writes failed so far. */
  readonly failed: number;
  restore(): void;
}

type Method = (this: FileHandle, ...args: unknown[]) => Promise<unknown>;

export async function failWrites(dir: string, code = "ENOSPC"): Promise<DiskFault> {
  const probePath = join(dir, ".probe");
  const probe = await open(probePath, "w");
  const proto = Object.getPrototypeOf(probe) as Record<
    "write" | "appendFile" | "writeFile",
    Method
  >;
  await probe.close();
  await unlink(probePath);
  let failing = true;
  let failed = 0;
  const originalWrite = proto.write;
  const tear = async (handle: FileHandle, data: unknown): Promise<never> => {
    failed++;
    const bytes = typeof data === "string" ? Buffer.from(data) : (data as Buffer);
    // Half the data lands first, as on a disk that fills mid-write.
    await originalWrite.call(handle, bytes.subarray(0, Math.floor(bytes.length / 2)));
    throw Object.assign(new Error(`${code}: no space left on device, write`), { code });
  };
  const mocks = (["write", "appendFile", "writeFile"] as const).map((name) => {
    const original = proto[name];
    return mock.method(proto, name, function (this: FileHandle, ...args: unknown[]) {
      return failing ? tear(this, args[0]) : original.apply(this, args);
    });
  });
  return {
    heal: () => {
      failing = false;
    },
    get failed() {
      return failed;
    },
    restore: () => {
      for (const m of mocks) m.mock.restore();
    },
  };
}

/** Retries quickly, so a test sees several failed attempts. */
export const quickFaults = (): WriteFaults => new WriteFaults({}, { firstMs: 5, maxMs: 20 });

/** Whether a promise has settled, without waiting for it. */
export function settled(promise: Promise<unknown>): () => boolean {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  return () => done;
}

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A fresh folder for one test, removed when the file's tests end. */
export async function faultsDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-faults-"));
  dirs.push(dir);
  return dir;
}
