import assert from "node:assert/strict";
import { readdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  acquireDataDirLock,
  DataDirLockedError,
  waitForDataDirLock,
  type LockTiming,
} from "../../src/store/data-dir-lock.js";
import { waitFor } from "../harness/wait.js";
import { bystander, Contender, dataDir, lockContent, race } from "./data-dir-lock-fixtures.js";

// Short enough for tests, long enough that a busy machine does not miss a heartbeat.
const TIMING: LockTiming = { heartbeatMs: 100, staleMs: 2_000 };
const OTHER_HOST = `not-${hostname()}`;
const HOUR = 3_600_000;

function foreignLock(heartbeatAt: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: "0123456789abcdef",
    pid: 4242,
    hostname: OTHER_HOST,
    startedAt: new Date(heartbeatAt - 60_000).toISOString(),
    heartbeatAt: new Date(heartbeatAt).toISOString(),
    ...extra,
  });
}

/** Replaces the lock the way a holder does (rename), so no reader sees half a file. */
async function writeLock(dir: string, text: string): Promise<void> {
  const tmp = join(dir, `.lock-${Math.random()}`);
  await writeFile(tmp, text);
  await rename(tmp, join(dir, "anteroom.lock"));
}

test("a lock from another host with a fresh heartbeat is refused, saying when it was last seen", async () => {
  const dir = await dataDir();
  const beat = Date.now() - 1_000;
  const lock = foreignLock(beat);
  await writeLock(dir, lock);
  await assert.rejects(acquireDataDirLock(dir, { timing: TIMING }), (err: unknown) => {
    assert.ok(err instanceof DataDirLockedError);
    assert.equal(err.pid, 4242);
    assert.equal(err.heartbeatAt?.getTime(), beat);
    assert.match(
      err.message,
      new RegExp(
        `pid 4242 on host ${OTHER_HOST}, last heartbeat [12] s ago at ${new Date(beat).toISOString().replace(/\./g, "\\.")}\\) owns `,
      ),
    );
    assert.match(err.message, /--standby/);
    return true;
  });
  assert.equal(await readFile(join(dir, "anteroom.lock"), "utf8"), lock, "left untouched");
});

test("a lock from another host whose heartbeat stopped is taken over, also one from before heartbeats", async () => {
  const dir = await dataDir();
  const leftovers = [
    foreignLock(Date.now() - HOUR),
    JSON.stringify({ pid: 4242, startedAt: "2020-01-01T00:00:00Z", hostname: OTHER_HOST }),
  ];
  for (const leftover of leftovers) {
    await writeLock(dir, leftover);
    const lock = await acquireDataDirLock(dir, { timing: TIMING });
    const content = await lockContent(dir);
    assert.equal(content.pid, process.pid, `took over ${leftover}`);
    assert.equal(content.hostname, hostname());
    await lock.release();
  }
  assert.deepEqual(await readdir(dir), []);
});

test("another host whose clock is behind is not taken over while its heartbeat keeps moving", async () => {
  const dir = await dataDir();
  // Its heartbeats read an hour old by our clock, but they keep coming.
  let beats = 0;
  const writeBeat = () => writeLock(dir, foreignLock(Date.now() - HOUR, { beats: beats++ }));
  await writeBeat();
  const beating = setInterval(() => void writeBeat(), TIMING.heartbeatMs / 2);
  try {
    await assert.rejects(acquireDataDirLock(dir, { timing: TIMING }), DataDirLockedError);
  } finally {
    clearInterval(beating);
  }
  assert.equal((await lockContent(dir)).pid, 4242);
});

test("another host whose clock is ahead: a heartbeat that never moves is taken over by a standby after the stale window", async () => {
  const dir = await dataDir();
  // Its last heartbeat reads as fresh by our clock for an hour: only watching it tells it stopped.
  await writeLock(dir, foreignLock(Date.now() + HOUR));
  await assert.rejects(acquireDataDirLock(dir, { timing: TIMING }), DataDirLockedError);

  const told: DataDirLockedError[] = [];
  const started = performance.now();
  const lock = await waitForDataDirLock(dir, {
    timing: TIMING,
    onStandingBy: (holder) => told.push(holder),
  });
  assert.ok(performance.now() - started >= TIMING.staleMs, "waited out the stale window");
  assert.equal(told.length, 1, "told once that it stands by");
  assert.equal(told[0]?.host, OTHER_HOST);
  assert.equal((await lockContent(dir)).pid, process.pid);
  await lock.release();
});

test("while held the heartbeat advances, and release stops it", async () => {
  const dir = await dataDir();
  const lock = await acquireDataDirLock(dir, { timing: TIMING });
  const first = await lockContent(dir);
  const later = await waitFor(
    async () => {
      const now = await lockContent(dir);
      return Date.parse(now.heartbeatAt) > Date.parse(first.heartbeatAt) && now;
    },
    { what: "a newer heartbeat", timeoutMs: 10_000 },
  );
  assert.equal(later.id, first.id);
  assert.equal(later.startedAt, first.startedAt);

  await lock.release();
  assert.deepEqual(await readdir(dir), []);
  // Absence over time: no heartbeat after release recreates or rewrites a lock.
  const successor = foreignLock(Date.now());
  await writeLock(dir, successor);
  await new Promise((done) => setTimeout(done, 5 * TIMING.heartbeatMs));
  assert.equal(await readFile(join(dir, "anteroom.lock"), "utf8"), successor);
});

test("a holder whose lock was taken over is told so, and its release leaves the new lock alone", async () => {
  const dir = await dataDir();
  const lost: string[] = [];
  const lock = await acquireDataDirLock(dir, {
    timing: TIMING,
    onLost: (detail) => lost.push(detail),
  });
  const successor = foreignLock(Date.now());
  await writeLock(dir, successor);
  await waitFor(() => lost.length > 0, { what: "the loss to be noticed", timeoutMs: 10_000 });
  assert.match(lost[0] ?? "", new RegExp(`pid 4242 on host ${OTHER_HOST} took .* over`));
  await lock.release();
  assert.equal(await readFile(join(dir, "anteroom.lock"), "utf8"), successor);
  assert.equal(lost.length, 1);
});

test("a lock deleted by hand while held is put back by the next heartbeat", async () => {
  const dir = await dataDir();
  const lock = await acquireDataDirLock(dir, { timing: TIMING, onLost: assert.fail });
  const { id } = await lockContent(dir);
  await unlink(join(dir, "anteroom.lock"));
  await waitFor(
    () =>
      lockContent(dir)
        .then((c) => c.id === id)
        .catch(() => false),
    {
      what: "the lock to be back",
      timeoutMs: 10_000,
    },
  );
  await assert.rejects(acquireDataDirLock(dir, { timing: TIMING }), DataDirLockedError);
  await lock.release();
});

test("on this host a live pid with a stopped heartbeat is a reused pid: taken over; a lock from before heartbeats is not", async () => {
  const dir = await dataDir();
  const other = bystander();
  assert.ok(other.pid !== undefined);
  const stopped = {
    id: "0123456789abcdef",
    pid: other.pid,
    hostname: hostname(),
    startedAt: new Date(Date.now() - HOUR).toISOString(),
    heartbeatAt: new Date(Date.now() - HOUR).toISOString(),
  };
  await writeLock(dir, JSON.stringify(stopped));
  const lock = await acquireDataDirLock(dir, { timing: TIMING });
  assert.equal((await lockContent(dir)).pid, process.pid);
  await lock.release();

  const older = { pid: other.pid, hostname: hostname(), startedAt: stopped.startedAt };
  await writeLock(dir, JSON.stringify(older));
  await assert.rejects(acquireDataDirLock(dir, { timing: TIMING }), (err: unknown) => {
    assert.ok(err instanceof DataDirLockedError);
    assert.equal(err.pid, other.pid);
    return true;
  });
  other.kill();
});

test("a container with our host name but its own pids (host networking) goes by its heartbeat, not its pid", async () => {
  const dir = await dataDir();
  const neighbour = (heartbeatAt: number) =>
    foreignLock(heartbeatAt, {
      hostname: hostname(),
      pid: process.pid + 100_000, // no such process here; in its own namespace it runs
      pidNamespace: "pid:[1]",
    });
  await writeLock(dir, neighbour(Date.now()));
  await assert.rejects(acquireDataDirLock(dir, { timing: TIMING }), (err: unknown) => {
    assert.ok(err instanceof DataDirLockedError);
    assert.match(err.message, /last heartbeat \d+ s ago/);
    return true;
  });

  await writeLock(dir, neighbour(Date.now() - HOUR));
  const lock = await acquireDataDirLock(dir, { timing: TIMING });
  assert.equal((await lockContent(dir)).pid, process.pid);
  await lock.release();
});

test("processes racing for a stale lock from another host: exactly one wins", async () => {
  const dir = await dataDir();
  await writeLock(dir, foreignLock(Date.now() - HOUR));
  const { results, all } = await race(dir, 4, TIMING);
  assert.deepEqual([...results].sort(), ["locked", "locked", "locked", "won"]);
  const winner = all[results.indexOf("won")];
  assert.equal((await lockContent(dir)).pid, winner?.pid);
  await Promise.all(all.map((c) => c.finish("exit")));
  assert.deepEqual(await readdir(dir), []);
});

test("a standby waits while the holder lives and takes over when it is killed", async () => {
  const dir = await dataDir();
  const holder = new Contender(dir, TIMING);
  assert.equal(await holder.nextLine(), "ready");
  holder.say("go");
  assert.equal(await holder.nextLine(), "won");

  const told: DataDirLockedError[] = [];
  let taken = false;
  const standby = waitForDataDirLock(dir, {
    timing: TIMING,
    onStandingBy: (err) => told.push(err),
  }).then((lock) => {
    taken = true;
    return lock;
  });
  await waitFor(() => told.length > 0, { what: "the standby to stand by" });
  assert.equal(told[0]?.pid, holder.pid);
  // Still waiting several heartbeats later: the holder's heartbeat keeps it alive.
  await new Promise((done) => setTimeout(done, 5 * TIMING.heartbeatMs));
  assert.equal(taken, false, "the standby waits while the holder lives");

  await holder.finish("crash");
  const lock = await standby;
  assert.equal((await lockContent(dir)).pid, process.pid);
  await lock.release();
});
