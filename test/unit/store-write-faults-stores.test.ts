/**
 * The blocklist, the lifecycle queue and the sync snapshot on a disk that fails writes: the
 * failure shows in health (and so metrics), the write is retried, and nothing is lost once the
 * disk has room again.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import type { ISyncResponse } from "matrix-js-sdk";
import { FileSyncStore } from "../../src/matrix/file-sync-store.js";
import { openLifecycleQueue } from "../../src/moderation/lifecycle.js";
import { BlocklistStore } from "../../src/store/blocklist-store.js";
import { waitFor } from "../harness/wait.js";
import { failWrites, faultsDir, quickFaults, settled } from "./fs-faults.js";

const tempDir = faultsDir;

test("a blocklist entry added while the disk is full is retried until written, and health names the file meanwhile", async () => {
  const dir = await tempDir();
  const path = join(dir, "blocklist.json");
  const faults = quickFaults();
  const blocklist = await BlocklistStore.open(path, faults);

  const disk = await failWrites(dir);
  let flushed: Promise<void>;
  try {
    const added = blocklist.add("@spammer:example.org", { reason: "spam", nowMs: 1 });
    assert.ok(added.ok);
    flushed = blocklist.flush();
    const done = settled(flushed);
    await waitFor(() => disk.failed >= 3, { what: "several failed attempts" });
    assert.match(faults.reason ?? "", /cannot write blocklist\.json: ENOSPC/);
    assert.ok(!done(), "flush waits until the entry is on disk");
    disk.heal();
    await flushed;
  } finally {
    disk.restore();
  }
  assert.equal(faults.current.length, 0, "health is clear once writing works again");
  await blocklist.close();
  const reopened = await BlocklistStore.open(path);
  assert.deepEqual(
    reopened.entries.map((e) => e.pattern),
    ["@spammer:example.org"],
  );
});

test("a lifecycle queue change made while the disk is full is retried until written; nothing waits on it acts before", async () => {
  const dir = await tempDir();
  const path = join(dir, "lifecycle.json");
  const faults = quickFaults();
  const queue = await openLifecycleQueue(path, faults);

  const disk = await failWrites(dir);
  try {
    queue.update((q) => ({ ...q, nextSeq: 7 }));
    const flushed = queue.flush();
    const done = settled(flushed);
    await waitFor(() => disk.failed >= 3, { what: "several failed attempts" });
    assert.match(faults.reason ?? "", /cannot write lifecycle\.json: ENOSPC/);
    assert.ok(!done(), "flush waits until the queue is on disk");
    disk.heal();
    await flushed;
  } finally {
    disk.restore();
  }
  assert.equal(faults.current.length, 0);
  const reopened = await openLifecycleQueue(path);
  assert.equal(reopened.value.nextSeq, 7);
});

function syncResponse(nextBatch: string): ISyncResponse {
  return {
    next_batch: nextBatch,
    account_data: { events: [{ type: "m.push_rules", content: { global: {} } }] },
    rooms: { join: {}, invite: {}, leave: {}, knock: {} },
  } as unknown as ISyncResponse;
}

test("a sync snapshot that cannot be written shows in health without holding up sync, and the next save writes it", async () => {
  const dir = await tempDir();
  const path = join(dir, "sync.json");
  const faults = quickFaults();
  const saveErrors: unknown[] = [];
  const store = new FileSyncStore({
    path,
    minSaveIntervalMs: 0,
    writes: faults,
    onSaveError: (error) => saveErrors.push(error),
  });
  await store.startup();
  await store.setSyncData(syncResponse("s1"));

  const disk = await failWrites(dir);
  try {
    // The SDK awaits this save before its next /sync: it must settle, not wait on the disk.
    await store.save();
    assert.equal(saveErrors.length, 1, "the failed save is reported");
    assert.match(faults.reason ?? "", /cannot write sync\.json: ENOSPC/);
    assert.equal(faults.failures, 1);
    await assert.rejects(store.save(true), /ENOSPC/, "a forced save (on stop) says it failed");
  } finally {
    disk.restore();
  }
  await store.setSyncData(syncResponse("s2"));
  await store.save();
  assert.equal(faults.current.length, 0, "health is clear once a save succeeds");
  const saved = JSON.parse(await readFile(path, "utf8")) as { nextBatch: string };
  assert.equal(saved.nextBatch, "s2");
});
