/**
 * What the engine asks of the outside world, as data. Every effect is
 * idempotent, so running one again after a crash changes nothing.
 */
export type Effect =
  /** Create the private vetting room for a knock and invite the newcomer; adopts the room if it already exists. */
  | { kind: "createVettingRoom"; key: string; user: string }
  /** Create the public (but unlisted) lobby room for a lobby; adopts the room if it already exists. */
  | { kind: "createLobbyRoom"; key: string }
  /** Invite the user into the space and every child room. */
  | { kind: "admitToCommunity"; user: string }
  | { kind: "send"; roomId: string; text: string }
  /** Deny a pending knock on the space; the reason reaches the newcomer. */
  | { kind: "denyKnock"; user: string; reason: string }
  | { kind: "leaveRoom"; roomId: string }
  /** Remove someone from one room (a blocked person in a lobby); the reason reaches them. */
  | { kind: "removeFromRoom"; roomId: string; user: string; reason: string };

/** An effect waiting in a record's outbox; `id` is unique within the record and keys the send transaction. */
export interface PendingEffect {
  readonly id: string;
  readonly effect: Effect;
  /** Not before this time (ms): lets the newcomer read the last message before the bot leaves. */
  readonly notBefore?: number;
  attempts?: number;
  retryAt?: number;
  /** `retryAt` is the homeserver's own hint (a rate limit): kept even when the homeserver comes back. */
  retryHinted?: boolean;
  lastError?: string;
}

export interface AuditEntry {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** A record with an outbox: what the engine drains, whatever the kind of record. */
export interface OutboxRecord {
  readonly key: string;
  outbox: PendingEffect[];
  nextEffectId: number;
}

/** Appends an effect to a record's outbox, with the next id of that record. */
export function enqueueEffect(record: OutboxRecord, effect: Effect, notBefore?: number): void {
  const id = String(record.nextEffectId++);
  record.outbox.push(notBefore === undefined ? { id, effect } : { id, effect, notBefore });
}
