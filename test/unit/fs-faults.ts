/**
 * Makes file writes fail as a full disk does: part of the data lands, then the write throws
 * ENOSPC (or another code). Patches node's FileHandle, which every store writes with, in this
 * test process until `heal` (writes work again) or `restore`.
 */
import { open, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { mock } from "node:test";

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
