// The data-dir lock when things go wrong underneath it: a holder stopped between reading its lock
// and rewriting it while a standby takes over, a disk that fills during a lock write, and a
// filesystem without hard links. The faults are played by replacing node:fs/promises functions
// (this file runs in a process of its own).

import assert from "node:assert/strict";
import fsp, { readdir, readFile } from "node:fs/promises";
import { syncBuiltinESMExports } from "node:module";
import { join } from "node:path";
import { afterEach, test } from "node:test";
import {
  acquireDataDirLock,
  LockUnsupportedError,
  type LockTiming,
} from "../../src/store/data-dir-lock.js";
import { waitFor } from "../harness/wait.js";
import { Contender, dataDir, lockContent } from "./data-dir-lock-fixtures.js";

const TIMING: LockTiming = { heartbeatMs: 100, staleMs: 2_000 };
const real = { readFile: fsp.readFile, writeFile: fsp.writeFile, link: fsp.link };

/** Replaces one function of node:fs/promises for every module that imported it. */
function replace<K extends keyof typeof real>(name: K, fake: (typeof real)[K]): void {
  (fsp as unknown as Record<string, unknown>)[name] = fake;
  syncBuiltinESMExports();
}

afterEach(() => {
  Object.assign(fsp, real);
  syncBuiltinESMExports();
});

/** Stops this whole process (its event loop, timers and all) for `ms`, as SIGSTOP or a VM pause would. */
function freeze(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

test("a holder stopped between reading its lock and rewriting it does not overwrite the standby that took over", async () => {
  const dir = await dataDir();
  const lost: string[] = [];
  const lock = await acquireDataDirLock(dir, { timing: TIMING, onLost: (d) => lost.push(d) });
  const ours = await lockContent(dir);
  const standby = new Contender(dir, TIMING, true);
  assert.equal(await standby.nextLine(), "ready");
  standby.say("go");
  assert.equal(await standby.nextLine(), "standing by");

  // The next heartbeat reads the lock (still ours), and then this process stops for longer than
  // the stale window: the standby sees the heartbeat stop and takes the lock over.
  let armed = true;
  replace("readFile", (async (...args: Parameters<typeof real.readFile>) => {
    const text = await real.readFile(...args);
    if (armed && String(args[0]).endsWith("anteroom.lock")) {
      armed = false;
      freeze(TIMING.staleMs + 1_500);
    }
    return text;
  }) as typeof real.readFile);
  await waitFor(() => !armed, { what: "the heartbeat to read the lock", timeoutMs: 10_000 });
  assert.equal(await standby.nextLine(), "won");
  const theirs = await lockContent(dir);
  assert.notEqual(theirs.id, ours.id);

  // Awake again, the holder must find out it lost, and the standby's lock must stand.
  await waitFor(() => lost.length > 0, { what: "the holder to notice", timeoutMs: 10_000 });
  assert.match(lost[0] ?? "", new RegExp(`pid ${standby.pid} on host .* took .* over`));
  for (let beat = 0; beat < 5; beat++) {
    const now = await lockContent(dir);
    assert.equal(now.id, theirs.id, "the standby still holds the lock");
    await new Promise((done) => setTimeout(done, TIMING.heartbeatMs));
  }
  await lock.release();
  assert.equal((await lockContent(dir)).id, theirs.id);
  await standby.finish();
});

test("a lock write that fails part-way (a full disk) leaves no temp file behind", async () => {
  const dir = await dataDir();
  replace("writeFile", (async (path: Parameters<typeof real.writeFile>[0]) => {
    await real.writeFile(path, '{"pid":'); // the first bytes made it to disk, the rest did not
    throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
  }) as typeof real.writeFile);
  await assert.rejects(acquireDataDirLock(dir, { timing: TIMING }), /ENOSPC/);
  assert.deepEqual(await readdir(dir), []);
});

test("a filesystem without hard links refuses the lock clearly and leaves nothing behind", async () => {
  const dir = await dataDir();
  replace("link", (async () => {
    throw Object.assign(new Error("EPERM: operation not permitted, link"), { code: "EPERM" });
  }) as typeof real.link);
  await assert.rejects(acquireDataDirLock(dir, { timing: TIMING }), (error: unknown) => {
    assert.ok(error instanceof LockUnsupportedError);
    assert.equal(
      error.message,
      `${dir} is on a filesystem without hard links (EPERM), which the data-dir lock needs to keep a second engine out; put DATA_DIR on a local filesystem such as ext4, xfs or btrfs (or NFS)`,
    );
    return true;
  });
  assert.deepEqual(await readdir(dir), []);
  // With hard links back, the same dir locks as usual.
  Object.assign(fsp, real);
  syncBuiltinESMExports();
  const lock = await acquireDataDirLock(dir, { timing: TIMING });
  assert.equal(JSON.parse(await readFile(join(dir, "anteroom.lock"), "utf8")).pid, process.pid);
  await lock.release();
});
