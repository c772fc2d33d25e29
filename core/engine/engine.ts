/**
 * The orchestrator. It feeds inputs (knocks seen in the space, lobby members,
 * replies, ticks) to the vetting and lobby state machines one at a time, makes
 * each decision durable before acting on it, and works through every record's
 * outbox of effects with a few in flight at once (outboxes.ts). It is
 * level-triggered: `reconcileSpace` compares the knocks pending in the space
 * with its records, and `reconcileLobbies` the members of each lobby room, so
 * a replayed event, a lost sync cursor or a restart changes nothing.
 */
import type { AuditEntry } from "../effects.js";
import { formatCode, parseCodeBook, type CodeBook, type CodeEntry } from "../codes.js";
import type {
  AuditQuery,
  CodeBookEdit,
  CodeBookName,
  CommandResult,
  EngineApi,
  EngineSnapshot,
  MintRequest,
  OpenLobbyResult,
} from "../api.js";
import { command, type ModeratorAction } from "../vetting-commands.js";
import { pickChallenge } from "../challenge/pick.js";
import type { AuditSink, Clock, Log, MatrixPort, Store } from "../ports.js";
import type { LobbyAction } from "../lobby-commands.js";
import type { LobbySettings } from "../lobby.js";
import {
  activeRecordOf,
  carriedOverRecordFor,
  clipKnockReason,
  decideKnock,
  type VettingBook,
} from "../knocks.js";
import {
  ACTIVE_PHASES,
  nextDeadline,
  step,
  type Step,
  type VettingInput,
  type VettingRecord,
  type VettingSettings,
} from "../vetting.js";
import { SerialQueue, Slots } from "./serial.js";
import { EngineEvents, type EngineEvent } from "./events.js";
import { RecordsByPerson } from "./records-by-person.js";
import { Outboxes, type LedgerStep, type RecordKind } from "./outboxes.js";
import { performEffect } from "./perform.js";
import { LobbyDesk, type LobbyBook } from "./lobby-desk.js";
import { JoinWaveDesk } from "./join-wave-desk.js";
import { InviteDesk, memoryInviteBook } from "./invite-desk.js";
import type { JoinWaveSettings, JoinWaveState } from "../moderation/join-wave.js";
import { DEFAULT_INVITE_SETTINGS, type InviteBook, type InviteSettings } from "../invites.js";
import { FormDesk, type FormAnswer, type FormRequest } from "./form-desk.js";
import type { Screen } from "./screening.js";

/** What only lobbies need; the haiku rules, welcome code and farewell are shared with vetting. */
export interface LobbyTimings {
  readonly maxTries: number;
  readonly lifetimeSec: number;
  readonly challengeDelaySec: number;
  /** LOBBY_RESEND_AFTER_SEC: the challenge once more to someone silent this long (0: never). */
  readonly resendAfterSec?: number;
}

export interface EngineSettings extends VettingSettings {
  readonly spaceId: string;
  readonly childIds: readonly string[];
  /** Effects running at once across all records (homeserver requests in flight). */
  readonly maxInFlight: number;
  /** Closed records are forgotten after this long. */
  readonly retentionMs: number;
  readonly lobby: LobbyTimings;
  /** Join-wave protection (join-wave-desk.ts); none: off. */
  readonly joinWave?: JoinWaveSettings;
  /** Pending invites: reminder, withdrawal, welcome (invite-desk.ts). */
  readonly invites?: InviteSettings;
  /** How long a form request queued for moderators waits (default: the knock hold). */
  readonly formHoldSec?: number;
}

export interface EngineDeps {
  readonly matrix: MatrixPort;
  readonly codes: Store<CodeBook>;
  readonly signupCodes: Store<CodeBook>;
  readonly vetting: Store<VettingBook>;
  readonly lobbies: Store<LobbyBook>;
  readonly audit: AuditSink;
  readonly clock: Clock;
  readonly log: Log;
  readonly random: () => number;
  /** Unpredictable bytes, for minting codes. */
  readonly secureRandom: (bytes: number) => Uint8Array;
  /** Keeps a join wave's pause across restarts; none: in memory. */
  readonly joinWave?: Store<JoinWaveState>;
  /** The invites anteroom sent and still waits on; none: in memory. */
  readonly invites?: Store<InviteBook>;
  /** The blocklist and policy lists at the doors (knocks, lobby joins); none screens nobody. */
  readonly screen?: Screen;
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
  displayNameOf?(user: string): string | undefined;
}

export interface RoomMessage {
  readonly roomId: string;
  readonly eventId: string;
  readonly sender: string;
  readonly body: string;
  readonly displayName: string | undefined;
  /** When it was sent (ms, the homeserver's timestamp). */
  readonly sentAt?: number;
}

export class Engine implements EngineApi {
  readonly events = new EngineEvents();
  private readonly decisions = new SerialQueue();
  private readonly outboxes: Outboxes;
  private readonly vettingKind: RecordKind<VettingRecord>;
  private readonly lobbies: LobbyDesk;
  private readonly wave: JoinWaveDesk;
  private readonly invites: InviteDesk;
  private readonly forms: FormDesk;
  private readonly recordsByPerson: RecordsByPerson;
  private lastPrune = 0;

  constructor(
    private readonly deps: EngineDeps,
    private readonly settings: EngineSettings,
  ) {
    this.outboxes = new Outboxes({
      ...deps,
      events: this.events,
      decisions: this.decisions,
      slots: new Slots(settings.maxInFlight),
      perform: async (kind, record, pending) => {
        const result = await performEffect(deps.matrix, settings, record, pending);
        await this.invites.afterEffect(kind, pending.effect, [
          settings.spaceId,
          ...settings.childIds,
        ]);
        return result;
      },
    });
    this.vettingKind = {
      name: "vetting",
      store: deps.vetting,
      isActive: (record) => ACTIVE_PHASES.has(record.phase),
      succeeded: (record, effect, result, now) =>
        effect.kind === "createVettingRoom" && result.roomId !== undefined
          ? asLedger(step(record, { type: "roomReady", roomId: result.roomId, now }, settings))
          : undefined,
      failedForGood: (record, pending, error, now) =>
        asLedger(
          step(record, { type: "effectFailed", effectId: pending.id, error, now }, settings),
        ),
      published: (record) => this.events.emit({ type: "record", record }),
    };
    this.wave = new JoinWaveDesk(
      { ...deps, events: this.events, store: deps.joinWave },
      settings.joinWave,
    );
    this.invites = new InviteDesk(
      { ...deps, events: this.events, store: deps.invites ?? memoryInviteBook() },
      settings.invites ?? { ...DEFAULT_INVITE_SETTINGS, welcomeRoom: settings.childIds[0] },
      settings.spaceId,
    );
    const lobbySettings: LobbySettings = { ...settings, ...settings.lobby };
    this.lobbies = new LobbyDesk(
      {
        ...deps,
        events: this.events,
        decisions: this.decisions,
        outboxes: this.outboxes,
        botUserId: deps.matrix.userId,
        freshSignupCode: () => this.freshCode(deps.signupCodes.value),
        autoApprovalPaused: () => this.wave.paused,
      },
      lobbySettings,
    );
    this.outboxes.register(this.vettingKind);
    this.recordsByPerson = new RecordsByPerson(deps.vetting.value);
    this.forms = new FormDesk(
      { ...deps, events: this.events, decisions: this.decisions, commit: (s) => this.commit(s) },
      { holdSec: settings.formHoldSec ?? settings.knockHoldSec, maxTries: settings.maxTries },
    );
    this.outboxes.register(this.lobbies.kind);
  }

  /** Resumes every outbox left from before a restart. */
  start(): void {
    this.outboxes.start();
  }

  async stop(): Promise<void> {
    this.outboxes.stop();
    await this.decisions.idle();
    await Promise.all([
      this.deps.vetting.flush(),
      this.deps.lobbies.flush(),
      this.deps.codes.flush(),
    ]);
  }

  /** The homeserver answers again: what waits out a back-off is tried now (see Outboxes.retryNow). */
  homeserverBack(): void {
    this.outboxes.retryNow();
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
      lobbies: this.lobbies.list(),
      codes: this.deps.codes.value,
      signupCodes: this.deps.signupCodes.value,
      joinWave: this.wave.status(),
      invites: Object.values(this.invites.list()),
    };
  }

  /** A moderator ends the join wave's pause now: the passes that waited go in. */
  resumeJoinWave(by: string): Promise<CommandResult> {
    return this.decisions.run(async () => {
      if (!this.wave.resume(by)) return { ok: false, error: "auto-approval is not paused" };
      await this.releaseAwaiting(this.deps.clock.now());
      await this.wave.flushed();
      return { ok: true };
    });
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    return this.events.subscribe(listener);
  }

  moderate(key: string, action: ModeratorAction, by: string): Promise<CommandResult> {
    return this.decisions.run(async () => {
      const record = this.deps.vetting.value[key];
      if (!record) return { ok: false, error: `no knock or vetting room ${key}` };
      const challenge =
        (action.action === "repost" || action.action === "vet") && !action.challenge
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

  /** A request to join from the form webhook (form-desk.ts). */
  submitRequest(request: FormRequest): Promise<FormAnswer> {
    return this.forms.submit(request);
  }

  /** A form submission dropped by the honeypot: audited, nothing else. */
  formHoneypot(details: Record<string, string>): Promise<void> {
    return this.forms.turnedAway("form_honeypot", details);
  }

  async openLobby(code: string, requestKey: string): Promise<OpenLobbyResult> {
    const result = await this.lobbies.open(code, requestKey);
    // Only a request that spent a use is someone arriving: a flood of made-up codes
    // must not pause auto-approval for the people with real ones.
    if (result.ok || result.error === "create_failed") this.wave.arrive();
    return result;
  }

  moderateLobby(key: string, action: LobbyAction, by: string): Promise<CommandResult> {
    return this.lobbies.moderate(key, action, by);
  }

  /** After a sync: who is in each open lobby room (see LobbyDesk.reconcile). */
  reconcileLobbies(joinedIn: (roomId: string) => readonly string[] | undefined): Promise<void> {
    return this.lobbies.reconcile(joinedIn);
  }

  /** A moderator takes back a pending invite (invite-desk.ts). */
  withdrawInvite(user: string, by: string): Promise<CommandResult> {
    return this.invites.withdraw(user, by);
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

  editCodes(book: CodeBookName, edit: CodeBookEdit, by: string): Promise<CommandResult> {
    return this.decisions.run(async () => {
      let set: CodeBook;
      try {
        set = parseCodeBook(edit.set);
      } catch (error) {
        return { ok: false, error: `not a code book ${(error as Error).message}` };
      }
      const store = this.book(book);
      const before = store.value;
      const removed = edit.remove.filter((code) => code in before && !(code in set));
      const added = Object.keys(set).filter((code) => !(code in before));
      const changed = Object.keys(set).filter((code) => code in before);
      if (removed.length + added.length + changed.length === 0) return { ok: true };
      store.update((codes) => {
        const next = { ...codes };
        for (const code of removed) delete next[code];
        for (const [code, entry] of Object.entries(set)) {
          // The knocks a code was charged for stay remembered: a retry must not charge it again.
          const { redeemed_by: _ignored, ...fields } = entry;
          const redeemedBy = codes[code]?.redeemed_by;
          next[code] = redeemedBy ? { ...fields, redeemed_by: redeemedBy } : fields;
        }
        return next;
      });
      await this.recordBookChange(book, {
        type: "code_book_edited",
        book,
        added,
        changed,
        removed,
        by,
      });
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
    const decided = this.decisions.run(async () => {
      const now = this.deps.clock.now();
      const pending = new Set(space.knocks.map((k) => k.key));
      for (const key of this.outboxes.live(this.vettingKind)) {
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
    // Invites are acted on outside the decision queue: a welcome or a withdrawal is network work.
    return decided.then(() =>
      this.invites.reconcile(space.membershipOf, (user) => space.displayNameOf?.(user)),
    );
  }

  onMessage(message: RoomMessage): Promise<void> {
    const owner = this.outboxes.ownerOf(message.roomId);
    if (!owner || message.sender === this.deps.matrix.userId) return Promise.resolve();
    const { key } = owner;
    if (owner.kind === this.lobbies.kind.name) return this.lobbies.onMessage(key, message);
    return this.decisions.run(async () => {
      const record = this.deps.vetting.value[key];
      if (!record || record.user !== message.sender) return;
      await this.apply(key, {
        type: "reply",
        eventId: message.eventId,
        body: message.body,
        displayName: message.displayName,
        ...(message.sentAt === undefined ? {} : { sentAt: message.sentAt }),
        now: this.deps.clock.now(),
        welcomeCode: this.freshCode(this.deps.signupCodes.value),
        paused: this.wave.paused,
      });
    });
  }

  /** Time passes: reminders, timeouts, held knocks expiring, lobby challenges and delayed effects coming due. */
  tick(): Promise<void> {
    return this.decisions.run(async () => {
      const now = this.deps.clock.now();
      this.wave.tick();
      void this.invites.recheck(); // not awaited: a welcome or a withdrawal is network work
      // Level-triggered: whenever auto-approval runs, no pass is left waiting (a restart included).
      if (!this.wave.paused) await this.releaseAwaiting(now);
      for (const key of this.outboxes.live(this.vettingKind)) {
        const record = this.deps.vetting.value[key];
        const deadline = record && nextDeadline(record, this.settings);
        if (deadline !== undefined && deadline <= now) await this.apply(key, { type: "tick", now });
        this.outboxes.drain(this.vettingKind, key);
      }
      await this.lobbies.tick(now);
      if (now - this.lastPrune > 3_600_000) {
        this.lastPrune = now;
        this.outboxes.prune(now - this.settings.retentionMs);
        this.recordsByPerson.forgetMissing(this.deps.vetting.value);
      }
    });
  }

  private async releaseAwaiting(now: number): Promise<void> {
    for (const key of this.outboxes.live(this.vettingKind)) {
      if (this.deps.vetting.value[key]?.phase === "awaiting_moderator")
        await this.apply(key, { type: "release", now });
    }
    await this.lobbies.tick(now);
  }

  private async decide(knock: KnockSeen): Promise<void> {
    this.wave.arrive();
    const facts = {
      key: knock.key,
      user: knock.user,
      reason: clipKnockReason(knock.reason),
      knockedAt: knock.ts,
      ...(knock.displayName === undefined ? {} : { displayName: knock.displayName }),
    };
    const theirs = this.recordsByPerson.of(this.deps.vetting.value, knock.user);
    const decision = decideKnock(
      facts,
      this.deps.codes.value,
      activeRecordOf(theirs, knock.user),
      () => pickChallenge(this.deps.random),
      this.settings,
      carriedOverRecordFor(theirs, facts),
      this.deps.screen?.({ userId: knock.user, displayName: knock.displayName }),
    );
    const audit: AuditEntry[] = [
      { type: "knock_received", user: knock.user, reason: facts.reason, event_id: knock.key },
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

  private commit(next: Step): Promise<void> {
    this.recordsByPerson.add(next.record);
    return this.outboxes.commit(this.vettingKind, asLedger(next));
  }
}

function asLedger(next: Step): LedgerStep<VettingRecord> {
  return next;
}
