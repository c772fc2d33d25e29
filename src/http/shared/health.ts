/**
 * Whether the daemon is ready, as the public `/healthz` and the admin API's health both report
 * it (the console in-process and the open-roles check read it too).
 */
import type { SyncHealth } from "../../matrix/space-watch.js";

/** A sync older than this means the homeserver is unreachable or the loop is stuck. */
const STALE_SYNC_MS = 90_000;

/** What health needs of the data dir's writes: why they fail, while they do. */
export interface WriteHealth {
  readonly reason: string | undefined;
}

/**
 * What `/healthz` (and the admin API's health) reports: ready when the homeserver answers,
 * sync is fresh and the data dir takes writes; otherwise 503 with a `reason`.
 */
export function healthReport(sync: SyncHealth, writes?: WriteHealth) {
  const age = Date.now() - sync.lastSyncAt;
  const syncing = sync.state === "SYNCING" || sync.state === "PREPARED";
  const synced = sync.ready && syncing && age < STALE_SYNC_MS;
  const writeFailure = writes?.reason;
  const ok = synced && writeFailure === undefined;
  const reason = writeFailure ?? (synced ? undefined : syncReason(sync, age));
  const body = {
    status: ok ? "ok" : writeFailure !== undefined ? "write_failing" : "starting",
    ...(reason === undefined ? {} : { reason }),
    sync: sync.state,
    last_sync_ms_ago: sync.lastSyncAt ? age : null,
  };
  return { ok, body };
}

function syncReason(sync: SyncHealth, age: number): string {
  if (sync.state === "ERROR" || sync.state === "RECONNECTING")
    return `homeserver unreachable: sync is ${sync.state}, retrying with back-off`;
  if (sync.lastSyncAt && age >= STALE_SYNC_MS)
    return `no sync for ${Math.round(age / 1000)} s: the homeserver or the sync loop is stuck`;
  return "waiting for the first sync with the homeserver";
}
