/**
 * The orchestrator. It feeds inputs (knocks seen in the space, lobby members,
 * replies, ticks) to its desks one at a time — vetting, lobbies, code books,
 * form requests, join waves, pending invites (the *-desk.ts files beside it) —
 * makes each decision durable before acting on it, and works through every
 * record's outbox of effects with a few in flight at once (outboxes.ts). It is
 * level-triggered: `reconcileSpace` compares the knocks pending in the space
 * with its records, and `reconcileLobbies` the members of each lobby room, so
 * a replayed event, a lost sync cursor or a restart changes nothing.
 */
import type { AuditEntry } from "../effects.js";
import type { CodeBook, CodeEntry } from "../codes/code-book.js";
import type {
  CodeBookEdit,
  CodeBookName,
  CommandResult,
  EngineApi,
  EngineSnapshot,
  MintRequest,
  OpenLobbyResult,
} from "../api.js";
import type { ModeratorAction } from "../vetting/commands.js";
import type { AuditQuery, AuditSink, Clock, Log, MatrixPort, Store } from "../ports.js";
import type { LobbyAction } from "../lobby/commands.js";
import type { LobbyBook, LobbySettings } from "../lobby/record.js";
import type { VettingBook, VettingSettings } from "../vetting/record.js";
import { SerialQueue, Slots } from "./serial.js";
import { EngineEvents, type EngineEvent } from "./events.js";
import { Outboxes } from "./outboxes.js";
import { performEffect } from "./perform.js";
import { LobbyDesk } from "./lobby-desk.js";
import { VettingDesk } from "./vetting-desk.js";
import { CodeDesk, type SignupCharge, type SignupCodes, type UseAllowance } from "./code-desk.js";
import { JoinWaveDesk } from "./join-wave-desk.js";
import { InviteDesk, memoryInviteBook } from "./invite-desk.js";
import type { JoinWaveSettings, JoinWaveState } from "../moderation/join-wave.js";
import {
  DEFAULT_INVITE_SETTINGS,
  type InviteBook,
  type InviteSettings,
} from "../admission/invites.js";
import { FormDesk, type FormAnswer, type FormRequest } from "./form-desk.js";
import type { Screen } from "../moderation/screening.js";
import type { RoomMessage, SpaceSnapshot } from "./inputs.js";

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

export class Engine implements EngineApi, SignupCodes {
  readonly events = new EngineEvents();
  private readonly decisions = new SerialQueue();
  private readonly outboxes: Outboxes;
  private readonly vetting: VettingDesk;
  private readonly lobbies: LobbyDesk;
  private readonly codes: CodeDesk;
  private readonly wave: JoinWaveDesk;
  private readonly invites: InviteDesk;
  private readonly forms: FormDesk;
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
    this.codes = new CodeDesk({ ...deps, events: this.events, decisions: this.decisions });
    this.wave = new JoinWaveDesk(
      { ...deps, events: this.events, store: deps.joinWave },
      settings.joinWave,
    );
    this.invites = new InviteDesk(
      { ...deps, events: this.events, store: deps.invites ?? memoryInviteBook() },
      settings.invites ?? { ...DEFAULT_INVITE_SETTINGS, welcomeRoom: settings.childIds[0] },
      settings.spaceId,
    );
    const desk = {
      ...deps,
      events: this.events,
      decisions: this.decisions,
      outboxes: this.outboxes,
      freshSignupCode: () => this.codes.freshCode("signup"),
      autoApprovalPaused: () => this.wave.paused,
    };
    this.vetting = new VettingDesk({ ...desk, arrived: () => this.wave.arrive() }, settings);
    const lobbySettings: LobbySettings = { ...settings, ...settings.lobby };
    this.lobbies = new LobbyDesk({ ...desk, botUserId: deps.matrix.userId }, lobbySettings);
    this.outboxes.register(this.vetting.kind);
    this.forms = new FormDesk(
      {
        ...deps,
        events: this.events,
        decisions: this.decisions,
        commit: (s) => this.vetting.commit(s),
      },
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
      records: this.vetting.list(),
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
    return this.vetting.moderate(key, action, by);
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
    return this.codes.mint(book, request);
  }

  revokeCode(book: CodeBookName, code: string, by: string): Promise<CommandResult> {
    return this.codes.revoke(book, code, by);
  }

  editCodes(book: CodeBookName, edit: CodeBookEdit, by: string): Promise<CommandResult> {
    return this.codes.edit(book, edit, by);
  }

  /** The signup page spends a signup code (code-desk.ts): published like every change of a book. */
  chargeSignup(typed: string, key: string, allow?: UseAllowance): Promise<SignupCharge> {
    return this.codes.chargeSignup(typed, key, allow);
  }

  refundSignup(code: string, key: string): Promise<void> {
    return this.codes.refundSignup(code, key);
  }

  recordAudit(entry: AuditEntry): Promise<void> {
    return this.codes.recordAudit(entry);
  }

  audit(
    query: AuditQuery,
  ): Promise<readonly { ts: number; type: string; [field: string]: unknown }[]> {
    return this.deps.audit.read(query);
  }

  /** After a sync: the knocks pending on the space (see VettingDesk.reconcile), then the invites. */
  reconcileSpace(space: SpaceSnapshot): Promise<void> {
    // Invites are acted on outside the decision queue: a welcome or a withdrawal is network work.
    return this.vetting
      .reconcile(space)
      .then(() =>
        this.invites.reconcile(space.membershipOf, (user) => space.displayNameOf?.(user)),
      );
  }

  /** Whether a room is one of the vetting rooms the engine holds a record for. */
  isVettingRoom(roomId: string): boolean {
    return this.outboxes.ownerOf(roomId)?.kind === this.vetting.kind.name;
  }

  onMessage(message: RoomMessage): Promise<void> {
    const owner = this.outboxes.ownerOf(message.roomId);
    if (!owner || message.sender === this.deps.matrix.userId) return Promise.resolve();
    if (owner.kind === this.lobbies.kind.name) return this.lobbies.onMessage(owner.key, message);
    return this.vetting.onMessage(owner.key, message);
  }

  /** Time passes: reminders, timeouts, held knocks expiring, lobby challenges and delayed effects coming due. */
  tick(): Promise<void> {
    return this.decisions.run(async () => {
      const now = this.deps.clock.now();
      this.wave.tick();
      void this.invites.recheck(); // not awaited: a welcome or a withdrawal is network work
      // Level-triggered: whenever auto-approval runs, no pass is left waiting (a restart included).
      if (!this.wave.paused) await this.releaseAwaiting(now);
      await this.vetting.tick(now);
      await this.lobbies.tick(now);
      if (now - this.lastPrune > 3_600_000) {
        this.lastPrune = now;
        this.outboxes.prune(now - this.settings.retentionMs);
        this.vetting.forgetPruned();
      }
    });
  }

  private async releaseAwaiting(now: number): Promise<void> {
    await this.vetting.releaseAwaiting(now);
    await this.lobbies.tick(now);
  }
}
