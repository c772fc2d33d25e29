/**
 * A data dir on a small tmpfs of its own that a test can fill to the last byte, as a disk
 * that fills up in production. Needs root (the integration tests run as root in CI).
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface SmallDisk {
  /** The mount point; the data dir is `dataDir` inside it. */
  readonly mountPoint: string;
  readonly dataDir: string;
  /** Unmounts and removes the mount point. */
  remove(): Promise<void>;
}

export async function mountSmallDisk(size = "24m"): Promise<SmallDisk> {
  const mountPoint = await mkdtemp(join(tmpdir(), "anteroom-full-"));
  await run("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0700`, "tmpfs", mountPoint]);
  const dataDir = join(mountPoint, "data");
  await mkdir(dataDir, { mode: 0o700 });
  return {
    mountPoint,
    dataDir,
    remove: async () => {
      await run("umount", [mountPoint]).catch(() => run("umount", ["-l", mountPoint]));
      await rm(mountPoint, { recursive: true, force: true });
    },
  };
}

/** Fills the file system under `dir` with one file until it is full; resolves with its path. */
export async function fillWithBallast(dir: string): Promise<string> {
  const path = join(dir, "ballast");
  const file = await open(path, "w");
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) await file.write(chunk);
  } catch (error) {
    if ((error as { code?: string }).code !== "ENOSPC") throw error;
  } finally {
    await file.close();
  }
  return path;
}
