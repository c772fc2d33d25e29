/** What the engine needs from the outside world. src/ provides these; tests may too. */
import type { AuditEntry } from "./effects.js";
import type { AuditQuery } from "./api.js";

/** A durable JSON document: updates apply in memory at once; `flush` makes them durable. */
export interface Store<T> {
  readonly value: T;
  update(mutate: (draft: T) => T | void): void;
  flush(): Promise<void>;
}

export interface AuditSink {
  append(record: { ts: number; type: string } & AuditEntry): Promise<void>;
  read(query: AuditQuery): Promise<{ ts: number; type: string; [field: string]: unknown }[]>;
}

export interface Clock {
  now(): number; // ms since the epoch
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
  /** Resolves when the user is invited or already in the room. */
  invite(roomId: string, user: string): Promise<void>;
  /** Denies a knock (or removes a member) with a reason shown to them. */
  kick(roomId: string, user: string, reason: string): Promise<void>;
  /** Sends a text message; `txnId` makes a repeat of the same send a no-op. */
  sendText(roomId: string, text: string, txnId: string): Promise<void>;
  leaveAndForget(roomId: string): Promise<void>;
}
