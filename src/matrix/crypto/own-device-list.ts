/**
 * Synapse names every member of a room the bot newly joins in the sync's
 * `device_lists.changed`, the bot itself included. Each vetting room the bot creates thus made the
 * Rust crypto download the bot's own keys again: a /keys/query, its signature checks in the crypto
 * WASM and crypto-store writes, on every knock. The bot's own device list is passed on to the
 * crypto at most once per interval; one held back goes with the first sync after it.
 * Other users' device lists (moderators' devices, the verified gate) pass untouched.
 */

interface DeviceLists {
  changed?: string[];
  left?: string[];
}

/** matrix-js-sdk's (v43) SyncCryptoCallbacks.processSyncChanges, which every sync goes through. */
interface SyncCrypto {
  processSyncChanges(changes: { deviceLists?: DeviceLists }): Promise<unknown>;
}

export const OWN_DEVICE_LIST_INTERVAL_MS = 60_000;

export function throttleOwnDeviceList(
  crypto: object | undefined,
  ownUserId: string,
  intervalMs = OWN_DEVICE_LIST_INTERVAL_MS,
  now: () => number = Date.now,
): void {
  const target = crypto as Partial<SyncCrypto> | undefined;
  const processChanges = target?.processSyncChanges;
  if (!target || typeof processChanges !== "function") return; // another SDK shape: nothing to throttle
  let held = false;
  let passedAt = Number.NEGATIVE_INFINITY;
  target.processSyncChanges = (changes) => {
    const changed = changes.deviceLists?.changed ?? [];
    if (changed.includes(ownUserId)) held = true;
    const others = changed.filter((user) => user !== ownUserId);
    const due = held && now() - passedAt >= intervalMs;
    if (due) {
      held = false;
      passedAt = now();
    }
    const deviceLists = { ...changes.deviceLists, changed: due ? [...others, ownUserId] : others };
    return processChanges.call(target, { ...changes, deviceLists });
  };
}
