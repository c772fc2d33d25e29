/**
 * The engine's vetting side: deciding each fresh knock (charge its code, hold
 * it, deny it or open a vetting room), following knocks withdrawn or replaced
 * on the space (level-triggered: the whole list of pending knocks after every
 * sync), judging replies, ticks, moderator commands. Decisions take their turn
 * in the engine's one serial queue, and effects run through the shared outboxes.
 */
import type { AuditEntry } from "../effects.js";
import type { CommandResult } from "../api.js";
import { command, type ModeratorAction } from "../vetting/commands.js";
import { pickChallenge } from "../challenge/pick.js";
import type { Store } from "../ports.js";
import {
  activeRecordOf,
  carriedOverRecordFor,
  clipKnockReason,
  decideKnock,
} from "../vetting/knocks.js";
import {
  ACTIVE_PHASES,
  nextDeadline,
  step,
  type Step,
  type VettingBook,
  type VettingInput,
  type VettingRecord,
  type VettingSettings,
} from "../vetting/record.js";
import type { Screen } from "../moderation/screening.js";
import type { LedgerStep, RecordKind } from "./outboxes.js";
import type { KnockSeen, RoomMessage, SpaceSnapshot } from "./inputs.js";
import { RecordsByPerson } from "./records-by-person.js";
import { DueIndex } from "./due-index.js";
import { replyInput, type ChallengeDeskDeps } from "./challenge-desk.js";

export interface VettingDeskDeps extends ChallengeDeskDeps {
  readonly vetting: Store<VettingBook>;
  /** A knock arrived (the join-wave detector counts it). */
  arrived(): void;
  /** The blocklist and policy lists at the door; none screens nobody. */
  readonly screen?: Screen;
}

export class VettingDesk {
  readonly kind: RecordKind<VettingRecord>;
  private readonly byPerson: RecordsByPerson;
  // What the tick acts on, kept as records change, so that an idle tick visits no record.
  private readonly due = new DueIndex();
  private readonly awaiting = new Set<string>();
  private readonly active = new Set<string>();

  constructor(
    private readonly deps: VettingDeskDeps,
    private readonly settings: VettingSettings,
  ) {
    this.byPerson = new RecordsByPerson(deps.vetting.value);
    this.kind = {
      name: "vetting",
      store: deps.vetting,
      isActive: (record) => ACTIVE_PHASES.has(record.phase),
      succeeded: (record, effect, result, now) => {
        if (effect.kind === "createVettingRoom" && result.roomId !== undefined)
          return asLedger(
            step(record, { type: "roomReady", roomId: result.roomId, now }, settings),
          );
        // A re-invite that worked: the failure it repaired leaves Triage.
        if (effect.kind === "admitToCommunity" && record.errors?.length)
          return asLedger(step(record, { type: "admitted", now }, settings));
        return undefined;
      },
      failedForGood: (record, pending, error, now) =>
        asLedger(
          step(record, { type: "effectFailed", effectId: pending.id, error, now }, settings),
        ),
      published: (record) => deps.events.emit({ type: "record", record }),
      indexed: (record) => this.track(record),
    };
  }

  list(): VettingRecord[] {
    return Object.values(this.deps.vetting.value);
  }

  moderate(key: string, action: ModeratorAction, by: string): Promise<CommandResult> {
    return this.deps.decisions.run(async () => {
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

  /** Compares the knocks pending on the space with the records: new ones are decided, gone ones closed. */
  reconcile(space: SpaceSnapshot): Promise<void> {
    return this.deps.decisions.run(async () => {
      const now = this.deps.clock.now();
      // Most answers leave every open record's knock pending: then no record needs a look.
      if (this.pendingCount(space) < this.active.size) await this.closeGone(space, now);
      for (const knock of space.knocks) {
        if (this.deps.vetting.value[knock.key]) continue;
        await this.decide(knock);
      }
    });
  }

  /** How many of the space's pending knocks have an active record (each knock is one member's). */
  private pendingCount(space: SpaceSnapshot): number {
    let count = 0;
    for (const knock of space.knocks) {
      const record = this.deps.vetting.value[knock.key];
      if (record && ACTIVE_PHASES.has(record.phase)) count += 1;
    }
    return count;
  }

  /** Closes the active records whose knock the space no longer shows pending. */
  private async closeGone(space: SpaceSnapshot, now: number): Promise<void> {
    const pending = new Set(space.knocks.map((k) => k.key));
    for (const key of this.deps.outboxes.live(this.kind)) {
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
  }

  /** A message in a vetting room (`key` is the record that owns the room). */
  onMessage(key: string, message: RoomMessage): Promise<void> {
    return this.deps.decisions.run(async () => {
      const record = this.deps.vetting.value[key];
      if (!record || record.user !== message.sender) return;
      await this.apply(key, replyInput(this.deps, message));
    });
  }

  /** Runs inside the engine's tick (already in the decision queue). */
  async tick(now: number): Promise<void> {
    for (const key of this.due.due(now)) {
      const record = this.deps.vetting.value[key];
      const deadline = record && nextDeadline(record, this.settings);
      if (deadline !== undefined && deadline <= now) await this.apply(key, { type: "tick", now });
    }
    this.deps.outboxes.drainWaiting(this.kind);
  }

  /** The passes that waited for a moderator go in (inside the decision queue). */
  async releaseAwaiting(now: number): Promise<void> {
    for (const key of [...this.awaiting]) {
      if (this.deps.vetting.value[key]?.phase === "awaiting_moderator")
        await this.apply(key, { type: "release", now });
    }
  }

  private track(record: VettingRecord): void {
    this.due.set(record.key, nextDeadline(record, this.settings));
    if (record.phase === "awaiting_moderator") this.awaiting.add(record.key);
    else this.awaiting.delete(record.key);
    if (ACTIVE_PHASES.has(record.phase)) this.active.add(record.key);
    else this.active.delete(record.key);
  }

  /** Makes a record's next state durable and runs its effects (the form desk's requests too). */
  commit(next: Step): Promise<void> {
    this.byPerson.add(next.record);
    return this.deps.outboxes.commit(this.kind, asLedger(next));
  }

  /** After the engine's hourly prune: the index lets go of the records the book forgot. */
  forgetPruned(): void {
    this.byPerson.forgetMissing(this.deps.vetting.value);
  }

  private async decide(knock: KnockSeen): Promise<void> {
    this.deps.arrived();
    const facts = {
      key: knock.key,
      user: knock.user,
      reason: clipKnockReason(knock.reason),
      knockedAt: knock.ts,
      ...(knock.displayName === undefined ? {} : { displayName: knock.displayName }),
    };
    const theirs = this.byPerson.of(this.deps.vetting.value, knock.user);
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
    const record = decision.step.record;
    this.byPerson.add(record);
    await this.deps.outboxes.commit(
      this.kind,
      decision.codes ? { record, audit, charged: decision.codes } : { record, audit },
    );
  }

  private async apply(key: string, input: VettingInput): Promise<void> {
    const record = this.deps.vetting.value[key];
    if (!record) return;
    const next = step(record, input, this.settings);
    if (next.audit.length === 0 && JSON.stringify(next.record) === JSON.stringify(record)) return;
    await this.commit(next);
  }
}

function asLedger(next: Step): LedgerStep<VettingRecord> {
  return next;
}
