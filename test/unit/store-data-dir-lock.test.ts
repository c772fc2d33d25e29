import assert from "node:assert/strict";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { acquireDataDirLock, DataDirLockedError } from "../../src/store/data-dir-lock.js";
import { Contender, dataDir, deadPid, lockContent, race } from "./data-dir-lock-fixtures.js";

test("the lock records pid, start time, host and heartbeat, refuses a second holder, and is released", async () => {
  const dir = await dataDir();
  const lock = await acquireDataDirLock(dir);
  const content = await lockContent(dir);
  assert.equal(content.pid, process.pid);
  assert.equal(content.hostname, hostname());
  assert.ok(!Number.isNaN(Date.parse(content.startedAt)));
  assert.ok(!Number.isNaN(Date.parse(content.heartbeatAt)));

  await assert.rejects(acquireDataDirLock(dir), (err: unknown) => {
    assert.ok(err instanceof DataDirLockedError);
    assert.equal(
      err.message,
      `another anteroom (pid ${process.pid}) owns ${dir}; attach to it with \`anteroom\` (the console) or stop it first`,
    );
    return true;
  });

  await lock.release();
  await lock.release();
  assert.deepEqual(await readdir(dir), []);
  const again = await acquireDataDirLock(dir);
  await again.release();
});

test("a lock held by another live process is refused with that process's pid", async () => {
  const dir = await dataDir();
  const holder = new Contender(dir);
  assert.equal(await holder.nextLine(), "ready");
  holder.say("go");
  assert.equal(await holder.nextLine(), "won");

  await assert.rejects(acquireDataDirLock(dir), (err: unknown) => {
    assert.ok(err instanceof DataDirLockedError);
    assert.equal(err.pid, holder.pid);
    assert.match(err.message, new RegExp(`pid ${holder.pid}\\) owns `));
    return true;
  });

  // A normal exit releases the lock through the 'exit' hook.
  await holder.finish("exit");
  assert.deepEqual(await readdir(dir), []);
});

test("a stale lock from a kill -9'd engine is taken over", async () => {
  const dir = await dataDir();
  const holder = new Contender(dir);
  assert.equal(await holder.nextLine(), "ready");
  holder.say("go");
  assert.equal(await holder.nextLine(), "won");
  await holder.finish("crash");
  assert.equal((await lockContent(dir)).pid, holder.pid, "a SIGKILL leaves the lock behind");

  const lock = await acquireDataDirLock(dir);
  assert.equal((await lockContent(dir)).pid, process.pid);
  await lock.release();
  assert.deepEqual(await readdir(dir), []);
});

test("stale, garbled and own-pid leftover locks on this host are taken over at once", async () => {
  const dir = await dataDir();
  const lockPath = join(dir, "anteroom.lock");
  const leftovers = [
    JSON.stringify({
      pid: await deadPid(),
      startedAt: "2020-01-01T00:00:00Z",
      hostname: hostname(),
    }),
    // The same pid as ours from an earlier life, as for pid 1 after a container restart.
    JSON.stringify({ pid: process.pid, startedAt: "2020-01-01T00:00:00Z", hostname: hostname() }),
    "",
    "{ not json",
  ];
  for (const leftover of leftovers) {
    await writeFile(lockPath, leftover);
    const started = performance.now();
    const lock = await acquireDataDirLock(dir);
    assert.ok(performance.now() - started < 2_000, "no waiting for a heartbeat to go stale");
    assert.equal(
      (await lockContent(dir)).pid,
      process.pid,
      `took over ${JSON.stringify(leftover)}`,
    );
    await lock.release();
  }
});

test("release leaves alone a lock that is no longer ours", async () => {
  const dir = await dataDir();
  const lock = await acquireDataDirLock(dir);
  const someoneElse = JSON.stringify({ pid: 1, startedAt: "x", hostname: hostname() });
  await writeFile(join(dir, "anteroom.lock"), someoneElse);
  await lock.release();
  assert.equal(await readFile(join(dir, "anteroom.lock"), "utf8"), someoneElse);
});

test("acquirers racing in one process: exactly one wins", async () => {
  const dir = await dataDir();
  const results = await Promise.allSettled(
    Array.from({ length: 8 }, () => acquireDataDirLock(dir)),
  );
  const won = results.filter((r) => r.status === "fulfilled");
  assert.equal(won.length, 1);
  for (const r of results) {
    if (r.status === "rejected") assert.ok(r.reason instanceof DataDirLockedError);
  }
  await won[0]?.value.release();

  // The same on a stale lock, which goes through the takeover path.
  await writeFile(
    join(dir, "anteroom.lock"),
    JSON.stringify({ pid: await deadPid(), startedAt: "x", hostname: hostname() }),
  );
  const takeovers = await Promise.allSettled(
    Array.from({ length: 8 }, () => acquireDataDirLock(dir)),
  );
  assert.equal(takeovers.filter((r) => r.status === "fulfilled").length, 1);
  for (const r of takeovers) if (r.status === "fulfilled") await r.value.release();
});

test("processes racing for a free data dir, and for a stale lock: exactly one wins", async () => {
  const dir = await dataDir();
  const fresh = await race(dir, 4);
  assert.deepEqual([...fresh.results].sort(), ["locked", "locked", "locked", "won"]);
  const winner = fresh.all[fresh.results.indexOf("won")];
  assert.ok(winner);
  assert.equal((await lockContent(dir)).pid, winner.pid);
  await Promise.all(fresh.all.map((c) => c.finish(c === winner ? "crash" : "exit")));
  assert.equal((await lockContent(dir)).pid, winner.pid, "the crashed winner left a stale lock");

  const stale = await race(dir, 4);
  assert.deepEqual([...stale.results].sort(), ["locked", "locked", "locked", "won"]);
  const newWinner = stale.all[stale.results.indexOf("won")];
  assert.ok(newWinner);
  assert.equal((await lockContent(dir)).pid, newWinner.pid);
  await Promise.all(stale.all.map((c) => c.finish("exit")));
  assert.deepEqual(await readdir(dir), []);
});
