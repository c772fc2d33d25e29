/** What the engine needs from the outside world. src/ provides these; tests may too. */
import type { AuditEntry } from "./effects.js";

/** A durable JSON document: updates apply in memory at once; `flush` makes them durable. */
export interface Store<T> {
  readonly value: T;
  update(mutate: (draft: T) => T | void): void;
  flush(): Promise<void>;
}

/** Which audit entries to read (`sinceTs` in unix seconds, like every entry's `ts`). */
export interface AuditQuery {
  readonly sinceTs?: number;
  readonly types?: string[];
  readonly user?: string;
  readonly limit?: number;
}

export interface AuditSink {
  append(record: { ts: number; type: string } & AuditEntry): Promise<void>;
  read(query: AuditQuery): Promise<{ ts: number; type: string; [field: string]: unknown }[]>;
}

export interface Clock {
  now(): number; // ms since the epoch
  /** Calls `wake` once, `ms` from now (a retry or a delayed effect coming due). */
  wakeAfter(ms: number, wake: () => void): void;
}

export interface Log {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

/**
 * A homeserver call that failed. `transient` failures (rate limit, 5xx, network)
 * are retried with back-off, honouring `retryAfterMs`; others are final.
 */
export class HomeserverError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
    readonly retryAfterMs?: number,
    readonly errcode?: string,
  ) {
    super(message);
    this.name = "HomeserverError";
  }
}

export interface MatrixPort {
  readonly userId: string;
  /** Creates the vetting room for `key` with `user` invited, or finds the one made for it before. */
  createVettingRoom(req: {
    key: string;
    user: string;
    name: string;
    topic: string;
  }): Promise<string>;
  /**
   * Creates the lobby room for `key` (anyone with its alias may join; not in the room
   * directory), or finds the one made for it before. The alias is derived from the key.
   */
  createLobbyRoom(req: {
    key: string;
    name: string;
    topic: string;
  }): Promise<{ roomId: string; alias: string }>;
  /** Resolves when the user is invited or already in the room. */
  invite(roomId: string, user: string): Promise<void>;
  /** Denies a knock (or removes a member) with a reason shown to them. */
  kick(roomId: string, user: string, reason: string): Promise<void>;
  /**
   * Takes back a pending invite (a kick, with the reason shown to them), only while the
   * homeserver shows the person invited there: someone who joined stays. Resolves whether
   * an invite was taken back.
   */
  withdrawInvite(roomId: string, user: string, reason: string): Promise<boolean>;
  /**
   * Sends a text message; `txnId` makes a repeat of the same send a no-op. It mentions
   * `mention` (the one person it is meant for) and nobody else, whatever the text says.
   */
  sendText(roomId: string, text: string, txnId: string, mention?: string): Promise<void>;
  leaveAndForget(roomId: string): Promise<void>;
}

/** A homeserver registration token, as the homeserver reports it. */
export interface RegistrationToken {
  readonly token: string;
  /** How many registrations it may complete; null: no limit. */
  readonly usesAllowed: number | null;
  /** Registrations under way with it (Synapse; 0 where the server does not say). */
  readonly pending: number;
  /** Registrations completed with it. */
  readonly completed: number;
  /** When it stops working, ms since the epoch; null: never. */
  readonly expiresAt: number | null;
}

/** Issues, lists and revokes registration tokens on the homeserver (Synapse, tuwunel, continuwuity). */
export interface TokenIssuer {
  /** `expiresAt` in ms since the epoch; `token` picks the value where the homeserver allows it. */
  issue(req: { uses?: number; expiresAt?: number; token?: string }): Promise<RegistrationToken>;
  list(): Promise<RegistrationToken[]>;
  /** Resolves false when there was no such token (already revoked, expired or never made). */
  revoke(token: string): Promise<boolean>;
}
