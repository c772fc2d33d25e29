/**
 * After every /sync the SDK runs its outgoing-requests loop: it asks the Rust crypto for what is
 * waiting to go out (OlmMachine.outgoingRequests), which reads the crypto store (key queries, key
 * uploads, to-device messages, secret and room-key requests): 1–2 ms per knock in a profile of
 * the daemon, a knock bringing several syncs, almost always to learn that nothing is waiting.
 *
 * Only a call into the crypto can put a request in that queue (a sync handed to it, a member who
 * joined an encrypted room, a decryption, a request marked as sent...), so the loop at the end of
 * a sync is skipped when the crypto's last answer was "nothing" and nothing but a known read has
 * been asked of it since. Any other call, or an answer with requests in it (one that failed is
 * retried), lets the next sync's loop run, as does the passing of the interval (the crypto's own
 * timers, such as the back-off of a failed key query). Sending an encrypted message never waits
 * on this: the SDK's room encryptor runs the loop itself, and claims keys and shares the room key
 * directly (RoomEncryptor.ensureEncryptionSession).
 */

/** OlmMachine methods (matrix-sdk-crypto-wasm) that only read, so cannot queue a request. */
const READS = new Set([
  "crossSigningStatus",
  "getBackupKeys",
  "getDevice",
  "getIdentity",
  "getRoomEventEncryptionInfo",
  "getRoomSettings",
  "getUserDevices",
  "identityKeys",
  "isBackupEnabled",
  "roomKeyCounts",
  "trackedUsers",
]);

/** matrix-js-sdk's (v43) SyncCryptoCallbacks.onSyncCompleted, which starts the loop after each sync. */
interface SyncCompletion {
  onSyncCompleted(data: unknown): void;
}

export const IDLE_LOOP_INTERVAL_MS = 60_000;

export function skipIdleRequestLoops(
  crypto: object | undefined,
  machine: object | undefined,
  intervalMs = IDLE_LOOP_INTERVAL_MS,
  now: () => number = Date.now,
): void {
  const target = crypto as Partial<SyncCompletion> | undefined;
  const onSyncCompleted = target?.onSyncCompleted;
  const prototype: object | null = machine ? Object.getPrototypeOf(machine) : null;
  if (!target || typeof onSyncCompleted !== "function" || !machine || !prototype) return;
  if (typeof Reflect.get(prototype, "outgoingRequests") !== "function") return; // another shape
  let calls = 0; // calls that may have queued a request
  let idleAsOf = -1; // `calls` when the crypto last answered that nothing was waiting
  for (const name of Object.getOwnPropertyNames(prototype)) {
    const method: unknown = Object.getOwnPropertyDescriptor(prototype, name)?.value;
    if (typeof method !== "function" || name === "constructor" || READS.has(name)) continue;
    const counted =
      name === "outgoingRequests"
        ? async function (this: unknown, ...args: unknown[]) {
            const asOf = calls;
            const requests: unknown = await Reflect.apply(method, this, args);
            if (Array.isArray(requests) && requests.length === 0) idleAsOf = asOf;
            else calls++;
            return requests;
          }
        : function (this: unknown, ...args: unknown[]) {
            calls++;
            const result: unknown = Reflect.apply(method, this, args);
            // Counted again once done: an answer read while it was under way may predate it.
            if (result instanceof Promise) void result.finally(() => calls++).catch(() => {});
            return result;
          };
    Object.defineProperty(machine, name, { value: counted, configurable: true, writable: true });
  }
  let ranAt = Number.NEGATIVE_INFINITY;
  target.onSyncCompleted = (data) => {
    if (idleAsOf === calls && now() - ranAt < intervalMs) return;
    ranAt = now();
    onSyncCompleted.call(target, data);
  };
}
