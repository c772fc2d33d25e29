/**
 * The Rust crypto saves its whole Olm account on every sync it is handed (the one-time key counts
 * are written back even when unchanged), and reloading the account re-derives the public keys
 * of its one-time keys: elliptic-curve work in the crypto WASM, plus a crypto-store write, on
 * every sync, so on every knock. A sync that brings the crypto nothing (no to-device messages,
 * no device-list change of a user it follows, the same key counts as the last one it was handed)
 * is not handed to it; one still goes at least once per interval (the crypto rotates its fallback
 * key with age). `device_lists.left` counts for nothing: the Rust crypto reads only `changed`
 * (matrix-sdk-crypto's receive_sync_changes), and Synapse names a newcomer there each time the
 * bot closes a vetting room.
 */

interface SyncCryptoChanges {
  toDeviceEvents?: unknown[];
  deviceLists?: { changed?: string[]; left?: string[] };
  oneTimeKeysCounts?: Record<string, number>;
  unusedFallbackKeys?: Set<string> | string[];
}

/** matrix-js-sdk's (v43) SyncCryptoCallbacks.processSyncChanges, which every sync goes through. */
interface SyncCrypto {
  processSyncChanges(changes: SyncCryptoChanges): Promise<unknown[]>;
}

export const QUIET_SYNC_INTERVAL_MS = 60_000;

export function skipQuietSyncs(
  crypto: object | undefined,
  /** Of the users a sync names as changed, those the crypto follows (tracked-users.ts). */
  trackedOf: (changed: readonly string[]) => Promise<string[]>,
  intervalMs = QUIET_SYNC_INTERVAL_MS,
  now: () => number = Date.now,
): void {
  const target = crypto as Partial<SyncCrypto> | undefined;
  const processChanges = target?.processSyncChanges;
  if (!target || typeof processChanges !== "function") return; // another SDK shape: leave it be
  let lastCounts: string | undefined;
  let passedAt = Number.NEGATIVE_INFINITY;
  target.processSyncChanges = async (given) => {
    const changes = await withTrackedChanges(given, trackedOf);
    const counts = keyCounts(changes);
    const quiet =
      (changes.toDeviceEvents?.length ?? 0) === 0 &&
      (changes.deviceLists?.changed?.length ?? 0) === 0 &&
      counts === lastCounts &&
      now() - passedAt < intervalMs;
    if (quiet) return [];
    const received = await processChanges.call(target, changes);
    lastCounts = counts;
    passedAt = now();
    return received;
  };
}

/** `changes` with only the device-list changes of tracked users, which are all the crypto reads. */
async function withTrackedChanges(
  changes: SyncCryptoChanges,
  trackedOf: (changed: readonly string[]) => Promise<string[]>,
): Promise<SyncCryptoChanges> {
  const changed = changes.deviceLists?.changed ?? [];
  if (changed.length === 0) return changes;
  return { ...changes, deviceLists: { ...changes.deviceLists, changed: await trackedOf(changed) } };
}

/** The one-time and fallback key counts, comparable from one sync to the next. */
function keyCounts(changes: SyncCryptoChanges): string {
  const oneTime = Object.entries(changes.oneTimeKeysCounts ?? {}).sort(([a], [b]) =>
    a.localeCompare(b),
  );
  const fallback = [...(changes.unusedFallbackKeys ?? [])].sort();
  return JSON.stringify([oneTime, fallback]);
}
