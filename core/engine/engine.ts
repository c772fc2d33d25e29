/**
 * The orchestrator. It feeds inputs (knocks seen in the space, replies, ticks)
 * to the vetting state machine one at a time, makes each decision durable
 * before acting on it, and works through every record's outbox of effects with
 * a few in flight at once. It is level-triggered: `reconcileSpace` compares the
 * knocks pending in the space with its records, so a replayed event, a lost
 * sync cursor or a restart changes nothing.
 */
import type { AuditEntry, PendingEffect } from "../effects.js";
import { formatCode, type CodeBook, type CodeEntry } from "../codes.js";
import type {
  AuditQuery,
  CodeBookName,
  CommandResult,
  EngineApi,
  EngineSnapshot,
  MintRequest,
} from "../api.js";
import { command, type ModeratorAction } from "../vetting-commands.js";
import { pickChallenge } from "../challenge/pick.js";
import * as say from "../challenge/messages.js";
import type { AuditSink, Clock, Log, MatrixPort, Store } from "../ports.js";
import { HomeserverError } from "../ports.js";
import { activeRecordOf, decideKnock, type VettingBook } from "../knocks.js";
import {
  ACTIVE_PHASES,
  nextDeadline,
  step,
  type Step,
  type VettingInput,
  type VettingSettings,
} from "../vetting.js";
import { SerialQueue, Slots } from "./serial.js";
import { EngineEvents, type EngineEvent } from "./events.js";

export interface EngineSettings extends VettingSettings {
  readonly spaceId: string;
  readonly childIds: readonly string[];
  /** Effects running at once across all records (homeserver requests in flight). */
  readonly maxInFlight: number;
  /** Closed records are forgotten after this long. */
  readonly retentionMs: number;
}

export interface EngineDeps {
  readonly matrix: MatrixPort;
  readonly codes: Store<CodeBook>;
  readonly signupCodes: Store<CodeBook>;
  readonly vetting: Store<VettingBook>;
  readonly audit: AuditSink;
  readonly clock: Clock;
  readonly log: Log;
  readonly random: () => number;
  /** Unpredictable bytes, for minting codes. */
  readonly secureRandom: (bytes: number) => Uint8Array;
}

/** A pending knock as the space's state shows it. */
export interface KnockSeen {
  readonly key: string; // the membership event id
  readonly user: string;
  readonly reason: string;
  readonly displayName?: string;
  readonly ts: number;
}

export interface SpaceSnapshot {
  readonly knocks: readonly KnockSeen[];
  membershipOf(user: string): string | undefined;
}

export interface RoomMessage {
  readonly roomId: string;
  readonly eventId: string;
  readonly sender: string;
  readonly body: string;
  readonly displayName: string | undefined;
}

const MAX_BACKOFF_MS = 60_000;

export class Engine implements EngineApi {
  readonly events = new EngineEvents();
  private readonly decisions = new SerialQueue();
  private readonly slots: Slots;
  private readonly draining = new Set<string>();
  private readonly keyByRoom = new Map<string, string>();
  /** Records still open or with effects to run: the only ones a tick needs to look at. */
  private readonly live = new Set<string>();
  private stopped = false;
  private lastPrune = 0;

  constructor(
    private readonly deps: EngineDeps,
    private readonly settings: EngineSettings,
  ) {
    this.slots = new Slots(settings.maxInFlight);
    for (const record of Object.values(deps.vetting.value)) this.index(record.key);
  }

  /** Resumes every outbox left from before a restart. */
  start(): void {
    for (const key of this.live) this.drain(key);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.decisions.idle();
    await Promise.all([this.deps.vetting.flush(), this.deps.codes.flush()]);
  }

  /** Resolves when every input handed to the engine so far has been decided and recorded. */
  idle(): Promise<void> {
    return this.decisions.idle();
  }

  /** Runs `work` between decisions, e.g. reloading a book edited by hand. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.decisions.run(work);
  }

  snapshot(): EngineSnapshot {
    return {
      seq: this.events.seq,
      records: Object.values(this.deps.vetting.value),
      codes: this.deps.codes.value,
      signupCodes: this.deps.signupCodes.value,
    };
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    return this.events.subscribe(listener);
  }

  moderate(key: string, action: ModeratorAction, by: string): Promise<CommandResult> {
    return this.decisions.run(async () => {
      const record = this.deps.vetting.value[key];
      if (!record) return { ok: false, error: `no knock or vetting room ${key}` };
      const challenge =
        action.action === "repost" && !action.challenge
          ? pickChallenge(this.deps.random)
          : undefined;
      const outcome = command(
        record,
        { ...action, ...(challenge ? { challenge } : {}), by, now: this.deps.clock.now() },
        this.settings,
      );
      if (!outcome.ok) return outcome;
      await this.commit(outcome.step);
      return { ok: true };
    });
  }

  mintCode(book: CodeBookName, request: MintRequest): Promise<{ code: string; entry: CodeEntry }> {
    return this.decisions.run(async () => {
      const store = this.book(book);
      const code = this.freshCode(store.value);
      const entry: CodeEntry = {
        uses_remaining: request.uses,
        label: request.label,
        minted_by: request.by,
        ...(request.inviter ? { inviter: request.inviter } : {}),
        ...(request.expiresAt === undefined ? {} : { expires_at: request.expiresAt }),
      };
      if (!Number.isInteger(entry.uses_remaining) || entry.uses_remaining < 1) {
        throw new Error("a code needs at least one use");
      }
      store.update((codes) => ({ ...codes, [code]: entry }));
      await this.recordBookChange(book, {
        type: "code_minted",
        book,
        code,
        label: request.label,
        uses: request.uses,
        by: request.by,
      });
      return { code, entry };
    });
  }

  revokeCode(book: CodeBookName, code: string, by: string): Promise<CommandResult> {
    return this.decisions.run(async () => {
      const store = this.book(book);
      if (!(code in store.value)) return { ok: false, error: `no ${book} code ${code}` };
      store.update((codes) => {
        const rest = { ...codes };
        delete rest[code];
        return rest;
      });
      await this.recordBookChange(book, { type: "code_revoked", book, code, by });
      return { ok: true };
    });
  }

  audit(
    query: AuditQuery,
  ): Promise<readonly { ts: number; type: string; [field: string]: unknown }[]> {
    return this.deps.audit.read(query);
  }

  private freshCode(book: CodeBook): string {
    let code = formatCode(this.deps.secureRandom(10));
    while (code in book) code = formatCode(this.deps.secureRandom(10));
    return code;
  }

  private book(name: CodeBookName): Store<CodeBook> {
    return name === "invite" ? this.deps.codes : this.deps.signupCodes;
  }

  private async recordBookChange(book: CodeBookName, entry: AuditEntry): Promise<void> {
    const ts = this.deps.clock.now() / 1000;
    await Promise.all([this.book(book).flush(), this.deps.audit.append({ ts, ...entry })]);
    this.events.emit({ type: "codes", book, codes: this.book(book).value });
    this.events.emit({ type: "audit", entry: { ts, ...entry } });
  }

  reconcileSpace(space: SpaceSnapshot): Promise<void> {
    return this.decisions.run(async () => {
      const now = this.deps.clock.now();
      const pending = new Set(space.knocks.map((k) => k.key));
      for (const key of [...this.live]) {
        const record = this.deps.vetting.value[key];
        if (!record || !ACTIVE_PHASES.has(record.phase) || pending.has(key)) continue;
        const membership = space.membershipOf(record.user);
        // Not in the state at all: the state is older than the record (a restored cache), not a withdrawal.
        if (membership === undefined) continue;
        // A newer knock of the same person replaced this one: it carries on under the new key.
        if (membership === "knock" && record.phase === "held") {
          await this.commit({
            record: { ...record, phase: "superseded", closedAt: now, outcome: "reknocked" },
            audit: [],
          });
        } else if (membership !== "knock") {
          await this.apply(key, { type: "knockGone", membership, now });
        }
      }
      for (const knock of space.knocks) {
        if (this.deps.vetting.value[knock.key]) continue;
        await this.decide(knock);
      }
    });
  }

  onMessage(message: RoomMessage): Promise<void> {
    const key = this.keyByRoom.get(message.roomId);
    if (!key || message.sender === this.deps.matrix.userId) return Promise.resolve();
    return this.decisions.run(async () => {
      const record = this.deps.vetting.value[key];
      if (!record || record.user !== message.sender) return;
      await this.apply(key, {
        type: "reply",
        eventId: message.eventId,
        body: message.body,
        displayName: message.displayName,
        now: this.deps.clock.now(),
        welcomeCode: this.freshCode(this.deps.signupCodes.value),
      });
    });
  }

  /** Time passes: reminders, timeouts, held knocks expiring, delayed effects coming due. */
  tick(): Promise<void> {
    return this.decisions.run(async () => {
      const now = this.deps.clock.now();
      for (const key of [...this.live]) {
        const record = this.deps.vetting.value[key];
        const deadline = record && nextDeadline(record, this.settings);
        if (deadline !== undefined && deadline <= now) await this.apply(key, { type: "tick", now });
        this.drain(key);
      }
      if (now - this.lastPrune > 3_600_000) this.prune(now);
    });
  }

  private async decide(knock: KnockSeen): Promise<void> {
    const facts = {
      key: knock.key,
      user: knock.user,
      reason: knock.reason,
      knockedAt: knock.ts,
      ...(knock.displayName === undefined ? {} : { displayName: knock.displayName }),
    };
    const decision = decideKnock(
      facts,
      this.deps.codes.value,
      activeRecordOf(this.deps.vetting.value, knock.user),
      () => pickChallenge(this.deps.random),
      this.settings,
    );
    const audit: AuditEntry[] = [
      { type: "knock_received", user: knock.user, reason: knock.reason, event_id: knock.key },
      ...decision.step.audit,
    ];
    if (decision.codes) {
      const charged = decision.codes;
      this.deps.codes.update(() => charged);
      // The charge is durable before the room exists: a crash after this re-finds the charge by key.
      await this.deps.codes.flush();
      this.events.emit({ type: "codes", book: "invite", codes: charged });
    }
    await this.commit({ record: decision.step.record, audit });
  }

  private async apply(key: string, input: VettingInput): Promise<void> {
    const record = this.deps.vetting.value[key];
    if (!record) return;
    const next = step(record, input, this.settings);
    if (next.audit.length === 0 && JSON.stringify(next.record) === JSON.stringify(record)) return;
    await this.commit(next);
  }

  /** Records the new state and its audit entries durably, then lets the outbox run. */
  private async commit(next: Step): Promise<void> {
    const { record } = next;
    if (next.welcome) {
      const { code, entry } = next.welcome;
      this.deps.signupCodes.update((codes) => ({ ...codes, [code]: entry }));
      // The code exists before the message that names it can be sent.
      await this.deps.signupCodes.flush();
      this.events.emit({ type: "codes", book: "signup", codes: this.deps.signupCodes.value });
    }
    this.deps.vetting.update((book) => {
      book[record.key] = record;
    });
    this.index(record.key);
    const ts = this.deps.clock.now() / 1000;
    await Promise.all([
      this.deps.vetting.flush(),
      ...next.audit.map((entry) => this.deps.audit.append({ ts, ...entry })),
    ]);
    this.events.emit({ type: "record", record });
    for (const entry of next.audit) this.events.emit({ type: "audit", entry: { ts, ...entry } });
    this.drain(record.key);
  }

  private index(key: string): void {
    const record = this.deps.vetting.value[key];
    if (!record) return;
    if (record.roomId) this.keyByRoom.set(record.roomId, key);
    if (ACTIVE_PHASES.has(record.phase) || record.outbox.length > 0) this.live.add(key);
    else this.live.delete(key);
  }

  /** Works through a record's outbox, one effect after another, unless already doing so. */
  private drain(key: string): void {
    if (this.draining.has(key) || this.stopped) return;
    this.draining.add(key);
    void this.drainLoop(key).finally(() => this.draining.delete(key));
  }

  private async drainLoop(key: string): Promise<void> {
    while (!this.stopped) {
      const record = this.deps.vetting.value[key];
      const head = record?.outbox[0];
      if (!record || !head) return;
      const dueAt = Math.max(head.notBefore ?? 0, head.retryAt ?? 0);
      const wait = dueAt - this.deps.clock.now();
      if (wait > 0) {
        // Wake up when due rather than on the next tick: retries after a rate limit stay prompt.
        setTimeout(() => this.drain(key), wait).unref?.();
        return;
      }
      const outcome = await this.slots.hold(() => this.perform(key, head));
      await this.decisions.run(() => this.settle(key, head.id, outcome));
    }
  }

  private async perform(key: string, pending: PendingEffect): Promise<EffectOutcome> {
    const record = this.deps.vetting.value[key];
    if (!record) return { ok: true };
    const { effect } = pending;
    const { matrix } = this.deps;
    try {
      switch (effect.kind) {
        case "createVettingRoom": {
          const roomId = await matrix.createVettingRoom({
            key: effect.key,
            user: effect.user,
            name: say.vettingRoomName(),
            topic: record.challenge
              ? `write a 3-line haiku about: ${record.challenge.topic} — include the word "${record.challenge.keyword}"`
              : "",
          });
          return { ok: true, roomId };
        }
        case "admitToCommunity":
          for (const roomId of [this.settings.spaceId, ...this.settings.childIds]) {
            await matrix.invite(roomId, effect.user);
          }
          return { ok: true };
        case "send":
          await matrix.sendText(effect.roomId, effect.text, `anteroom.${key}.${pending.id}`);
          return { ok: true };
        case "denyKnock":
          await matrix.kick(this.settings.spaceId, effect.user, effect.reason);
          return { ok: true };
        case "leaveRoom":
          await matrix.leaveAndForget(effect.roomId);
          return { ok: true };
      }
    } catch (error) {
      return { ok: false, error };
    }
  }

  private async settle(key: string, effectId: string, outcome: EffectOutcome): Promise<void> {
    const record = this.deps.vetting.value[key];
    const index = record?.outbox.findIndex((p) => p.id === effectId) ?? -1;
    const pending = record?.outbox[index];
    if (!record || !pending) return;
    const now = this.deps.clock.now();
    if (outcome.ok) {
      const done = { ...record, outbox: record.outbox.filter((p) => p.id !== effectId) };
      const next =
        outcome.roomId === undefined
          ? { record: done, audit: [] }
          : step(done, { type: "roomReady", roomId: outcome.roomId, now }, this.settings);
      await this.commit(next);
      return;
    }
    const error = outcome.error;
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof HomeserverError && error.transient) {
      const attempts = (pending.attempts ?? 0) + 1;
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
      const retried = { ...pending, attempts, retryAt: now + wait, lastError: message };
      this.deps.vetting.update((book) => {
        const current = book[key];
        if (current) current.outbox = current.outbox.map((p) => (p.id === effectId ? retried : p));
      });
      setTimeout(() => this.drain(key), wait).unref?.();
      return;
    }
    this.deps.log.error(
      { key, effect: pending.effect.kind, error: message },
      "homeserver call failed for good",
    );
    const without = { ...record, outbox: record.outbox.filter((p) => p.id !== effectId) };
    await this.commit(
      step(
        without,
        { type: "effectFailed", effectId, error: `${pending.effect.kind}: ${message}`, now },
        this.settings,
      ),
    );
  }

  private prune(now: number): void {
    this.lastPrune = now;
    const cutoff = now - this.settings.retentionMs;
    this.deps.vetting.update((book) => {
      for (const [key, record] of Object.entries(book)) {
        if (
          record.closedAt !== undefined &&
          record.closedAt < cutoff &&
          record.outbox.length === 0
        ) {
          delete book[key];
          if (record.roomId) this.keyByRoom.delete(record.roomId);
        }
      }
    });
  }
}

type EffectOutcome = { ok: true; roomId?: string } | { ok: false; error: unknown };
