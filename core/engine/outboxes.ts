/**
 * The machinery every kind of record shares (vetting rooms, lobbies): commit
 * a record's next state durably before acting on it, then work through its
 * outbox of effects, a few in flight at once across all records, retrying
 * transient failures with back-off that honours the homeserver's hint.
 * What an effect's outcome means to a record is the record kind's call.
 */
import { refundCode, type CodeBook, type CodeEntry } from "../codes/code-book.js";
import type { AuditEntry, Effect, OutboxRecord, PendingEffect } from "../effects.js";
import type { AuditSink, Clock, Log, Store } from "../ports.js";
import { HomeserverError } from "../ports.js";
import type { EngineEvents, RecordKindName } from "./events.js";
import type { SerialQueue, Slots } from "./serial.js";

/** A record the outboxes can hold: keyed, with an outbox, perhaps a room, perhaps closed. */
export interface LedgerRecord extends OutboxRecord {
  readonly roomId?: string;
  readonly closedAt?: number;
}

/** A record's next state and what goes with it. */
export interface LedgerStep<R> {
  readonly record: R;
  readonly audit: readonly AuditEntry[];
  /** The invite book with this record's use charged (a knock's code, a lobby's): durable first. */
  readonly charged?: CodeBook;
  /** A signup code to add to the signup book along with this step (before any message names it). */
  readonly welcome?: { readonly code: string; readonly entry: CodeEntry };
  /** An invite code use to give back. */
  readonly refund?: { readonly code: string; readonly key: string };
}

export type EffectResult = { roomId?: string; alias?: string };
export type EffectOutcome = ({ ok: true } & EffectResult) | { ok: false; error: unknown };

/** One kind of record: its book, and what effects' outcomes mean to it. */
export interface RecordKind<R extends LedgerRecord> {
  readonly name: RecordKindName;
  readonly store: Store<Record<string, R>>;
  /** Still being worked on: ticks and reconciles look at it. */
  isActive(record: R): boolean;
  /** The step after an effect succeeded (already removed from the outbox), if it means more than that. */
  succeeded(
    record: R,
    effect: Effect,
    result: EffectResult,
    now: number,
  ): LedgerStep<R> | undefined;
  /** The step after an effect failed for good (already removed from the outbox). */
  failedForGood(record: R, pending: PendingEffect, error: string, now: number): LedgerStep<R>;
  /** Tells the front ends of the record's new state. */
  published(record: R): void;
  /** Each record as it enters the book or changes there, before it is durable (a desk's indexes). */
  indexed?(record: R): void;
}

export interface OutboxDeps {
  readonly codes: Store<CodeBook>;
  readonly signupCodes: Store<CodeBook>;
  readonly audit: AuditSink;
  readonly clock: Clock;
  readonly log: Log;
  readonly random: () => number;
  readonly events: EngineEvents;
  /** Decisions, one at a time: every settle of an effect takes its turn here. */
  readonly decisions: SerialQueue;
  readonly slots: Slots;
  /** Runs one effect against the outside world. */
  perform(kind: string, record: LedgerRecord, pending: PendingEffect): Promise<EffectResult>;
}

const MAX_BACKOFF_MS = 60_000;
/** Effects someone is waiting on (an HTTP caller for its lobby) give up after this many tries. */
const ATTEMPT_LIMITS: Partial<Record<Effect["kind"], number>> = { createLobbyRoom: 3 };

// Kinds of different record types live side by side; each is only ever handed its own records.
type AnyKind = RecordKind<LedgerRecord>;

export class Outboxes {
  private readonly draining = new Set<string>();
  private readonly owners = new Map<string, { kind: AnyKind; key: string }>();
  private readonly liveKeys = new Map<AnyKind, Set<string>>();
  // Of those, the ones with effects waiting: what the tick's safety net drains.
  private readonly withEffects = new Map<AnyKind, Set<string>>();
  private stopped = false;

  constructor(private readonly deps: OutboxDeps) {}

  /** Takes on a kind of record, indexing what its book holds already. */
  register<R extends LedgerRecord>(kind: RecordKind<R>): void {
    const any = kind as unknown as AnyKind;
    this.liveKeys.set(any, new Set());
    this.withEffects.set(any, new Set());
    for (const key of Object.keys(kind.store.value)) this.index(any, key);
  }

  /** Keys of a kind's records still open or with effects to run. */
  live<R extends LedgerRecord>(kind: RecordKind<R>): string[] {
    return [...(this.liveKeys.get(kind as unknown as AnyKind) ?? [])];
  }

  /** Starts the loop of every record of a kind with effects waiting, unless running already. */
  drainWaiting<R extends LedgerRecord>(kind: RecordKind<R>): void {
    for (const key of this.withEffects.get(kind as unknown as AnyKind) ?? []) this.drain(kind, key);
  }

  /** Which record a room belongs to. */
  ownerOf(roomId: string): { kind: string; key: string } | undefined {
    const owner = this.owners.get(roomId);
    return owner && { kind: owner.kind.name, key: owner.key };
  }

  /** Resumes every outbox left from before a restart. */
  start(): void {
    for (const [kind, keys] of this.liveKeys) for (const key of keys) this.drain(kind, key);
  }

  stop(): void {
    this.stopped = true;
  }

  /**
   * The homeserver answers again after an outage: effects waiting out a back-off after failed
   * calls run now instead of up to a minute later. A rate limit's wait is kept.
   */
  retryNow(): void {
    const now = this.deps.clock.now();
    for (const [kind, keys] of this.liveKeys) {
      for (const key of keys) {
        const head = kind.store.value[key]?.outbox[0];
        if (!head || head.retryHinted || head.retryAt === undefined || head.retryAt <= now)
          continue;
        kind.store.update((book) => {
          const outbox = book[key]?.outbox;
          if (outbox?.[0]?.id === head.id) outbox[0] = { ...head, retryAt: now };
        });
        this.drain(kind, key);
      }
    }
  }

  /** Records the new state and its audit entries durably, then lets the outbox run. */
  async commit<R extends LedgerRecord>(kind: RecordKind<R>, next: LedgerStep<R>): Promise<void> {
    const any = kind as unknown as AnyKind;
    const { record } = next;
    if (next.charged) {
      const charged = next.charged;
      this.deps.codes.update(() => charged);
      // The charge is durable before the room exists: a crash or a repeat re-finds it by key.
      await this.deps.codes.flush();
      this.deps.events.emit({ type: "codes", book: "invite", codes: charged });
    }
    if (next.welcome) {
      const { code, entry } = next.welcome;
      this.deps.signupCodes.update((codes) => ({ ...codes, [code]: entry }));
      // The code exists before the message that names it can be sent.
      await this.deps.signupCodes.flush();
      this.deps.events.emit({ type: "codes", book: "signup", codes: this.deps.signupCodes.value });
    }
    if (next.refund) {
      const { code, key } = next.refund;
      this.deps.codes.update((codes) => refundCode(codes, code, key));
      await this.deps.codes.flush();
      this.deps.events.emit({ type: "codes", book: "invite", codes: this.deps.codes.value });
    }
    kind.store.update((book) => {
      book[record.key] = record;
    });
    this.index(any, record.key);
    const ts = this.deps.clock.now() / 1000;
    await Promise.all([
      kind.store.flush(),
      ...next.audit.map((entry) => this.deps.audit.append({ ts, ...entry })),
    ]);
    kind.published(record);
    for (const entry of next.audit)
      this.deps.events.emit({ type: "audit", entry: { ts, ...entry } });
    this.drain(any, record.key);
  }

  /** Works through a record's outbox, one effect after another, unless already doing so. */
  drain<R extends LedgerRecord>(kind: RecordKind<R>, key: string): void {
    const any = kind as unknown as AnyKind;
    // Nothing to run (most open records, on every tick): no loop to start.
    if (!kind.store.value[key]?.outbox.length) return;
    const id = `${kind.name}\u0000${key}`;
    if (this.draining.has(id) || this.stopped) return;
    this.draining.add(id);
    this.drainLoop(any, key)
      .catch((error: unknown) => {
        // A record that could not be made durable (a stop while the disk is failing): nothing
        // ran for what was not recorded, and the next start carries on from what was.
        this.deps.log.error(
          { kind: kind.name, key, error: error instanceof Error ? error.message : String(error) },
          "could not record a step of this record; its remaining effects wait for the next start",
        );
      })
      .finally(() => this.draining.delete(id));
  }

  /** Forgets closed records older than `cutoff` whose outbox is empty, and says so (`removed`). */
  prune(cutoff: number): void {
    for (const kind of this.liveKeys.keys()) {
      const stale = Object.values(kind.store.value).filter(
        (record) =>
          record.closedAt !== undefined && record.closedAt < cutoff && record.outbox.length === 0,
      );
      // Nothing to forget, nothing to write: an idle data dir stays as it is.
      if (stale.length === 0) continue;
      kind.store.update((book) => {
        for (const record of stale) {
          delete book[record.key];
          if (record.roomId) this.owners.delete(record.roomId);
        }
      });
      for (const record of stale)
        this.deps.events.emit({ type: "removed", kind: kind.name, key: record.key });
    }
  }

  private index(kind: AnyKind, key: string): void {
    const record = kind.store.value[key];
    const live = this.liveKeys.get(kind);
    const withEffects = this.withEffects.get(kind);
    if (!record || !live || !withEffects) return;
    kind.indexed?.(record);
    if (record.roomId) this.owners.set(record.roomId, { kind, key });
    if (kind.isActive(record) || record.outbox.length > 0) live.add(key);
    else live.delete(key);
    if (record.outbox.length > 0) withEffects.add(key);
    else withEffects.delete(key);
  }

  private async drainLoop(kind: AnyKind, key: string): Promise<void> {
    while (!this.stopped) {
      const record = kind.store.value[key];
      const head = record?.outbox[0];
      if (!record || !head) return;
      const dueAt = Math.max(head.notBefore ?? 0, head.retryAt ?? 0);
      const wait = dueAt - this.deps.clock.now();
      if (wait > 0) {
        // Wake up when due rather than on the next tick: retries after a rate limit stay prompt.
        this.deps.clock.wakeAfter(wait, () => this.drain(kind, key));
        return;
      }
      // No effect runs before its decision is durable (a write may be waiting for disk space).
      await kind.store.flush();
      if (this.stopped || kind.store.value[key]?.outbox[0]?.id !== head.id) continue;
      const outcome = await this.deps.slots.hold(() => this.run(kind, record, head));
      await this.deps.decisions.run(() => this.settle(kind, key, head.id, outcome));
    }
  }

  private async run(kind: AnyKind, record: LedgerRecord, pending: PendingEffect) {
    try {
      const result = await this.deps.perform(kind.name, record, pending);
      return { ok: true, ...result } as EffectOutcome;
    } catch (error) {
      return { ok: false, error } as EffectOutcome;
    }
  }

  private async settle(
    kind: AnyKind,
    key: string,
    effectId: string,
    outcome: EffectOutcome,
  ): Promise<void> {
    const record = kind.store.value[key];
    const pending = record?.outbox.find((p) => p.id === effectId);
    if (!record || !pending) return;
    const now = this.deps.clock.now();
    const without = { ...record, outbox: record.outbox.filter((p) => p.id !== effectId) };
    if (outcome.ok) {
      const next = kind.succeeded(without, pending.effect, outcome, now);
      await this.commit(kind, next ?? { record: without, audit: [] });
      return;
    }
    const error = outcome.error;
    const message = error instanceof Error ? error.message : String(error);
    const attempts = (pending.attempts ?? 0) + 1;
    const limit = ATTEMPT_LIMITS[pending.effect.kind] ?? Infinity;
    if (error instanceof HomeserverError && error.transient && attempts < limit) {
      // The server's own hint wins; a little jitter keeps the effects in flight from retrying in step.
      const wait =
        error.retryAfterMs !== undefined
          ? error.retryAfterMs + this.deps.random() * 250
          : Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(attempts, 10)) *
            (0.75 + this.deps.random() / 2);
      this.deps.log.warn(
        { key, effect: pending.effect.kind, attempts, retryInMs: Math.round(wait), error: message },
        "homeserver call failed; will retry",
      );
      const retried = {
        ...pending,
        attempts,
        retryAt: now + wait,
        lastError: message,
        ...(error.retryAfterMs !== undefined ? { retryHinted: true } : {}),
      };
      kind.store.update((book) => {
        const current = book[key];
        if (current) current.outbox = current.outbox.map((p) => (p.id === effectId ? retried : p));
      });
      this.deps.clock.wakeAfter(wait, () => this.drain(kind, key));
      return;
    }
    this.deps.log.error(
      { key, effect: pending.effect.kind, error: message },
      "homeserver call failed for good",
    );
    await this.commit(
      kind,
      kind.failedForGood(without, pending, `${pending.effect.kind}: ${message}`, now),
    );
  }
}
