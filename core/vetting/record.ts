/**
 * One knock on the space and what became of it: held for a moderator, denied,
 * or a vetting room with the haiku challenge. A pure state machine:
 * `step(record, input, ctx)` returns the next record; the effects it needs are
 * appended to the record's outbox, and the audit entries returned alongside.
 */
import { welcomeCodeFor, welcomeMintedAudit } from "../codes/welcome-code.js";
import type { AuditEntry, Effect, PendingEffect } from "../effects.js";
import type { Challenge } from "../challenge/pick.js";
import type { CodeEntry } from "../codes/code-book.js";
import type { ScreenHit } from "../moderation/screening.js";
import { judgeHaiku, type HaikuRules } from "../challenge/judge.js";
import * as say from "../challenge/messages.js";
import { passAwaitsModeratorText, releasedText } from "../moderation/join-wave-messages.js";

export const VETTING_PHASES = [
  "held", // no code given: waits for a moderator
  "opening", // code charged, room being made
  "open", // challenge posted, waiting for replies
  "awaiting_moderator", // passed during a join wave: the invite waits for a moderator or the wave's end
  "passed",
  "failed",
  "timed_out",
  "denied",
  "withdrawn",
  "superseded", // a newer knock of the same user took over
] as const;
export type VettingPhase = (typeof VETTING_PHASES)[number];

export interface TranscriptLine {
  readonly at: number;
  readonly from: "bot" | "newcomer" | "moderator";
  readonly text: string;
  readonly by?: string;
}

const TRANSCRIPT_LINES = 30;

export const ACTIVE_PHASES: ReadonlySet<VettingPhase> = new Set([
  "held",
  "opening",
  "open",
  "awaiting_moderator",
]);

export interface VettingRecord {
  readonly key: string; // the knock's event id
  readonly user: string;
  readonly displayName?: string;
  readonly reason: string; // the knock reason as given (data, never markup)
  /** How the person asked: a knock on the space (when absent) or a form webhook, with no knock to deny. */
  readonly source?: "knock" | "form";
  readonly knockedAt: number; // ms
  phase: VettingPhase;
  code?: string;
  codeLabel?: string;
  roomId?: string;
  challenge?: Challenge;
  triesLeft: number;
  holdUntil?: number;
  /**
   * The blocklist's or a policy list's word on this person, when either caught
   * the knock (denied, or held as a near miss): for moderators only.
   */
  screened?: ScreenHit;
  expiresAt?: number;
  remindedAt?: number;
  /** Event ids of replies already judged: a replayed event is not judged twice. */
  judged: string[];
  /** Replies sent before this time (ms) are not judged: a vetting carried over from the reference approver, which judged them. */
  repliesAfter?: number;
  /** The last messages of the vetting room, for moderators. */
  transcript?: TranscriptLine[];
  outbox: PendingEffect[];
  nextEffectId: number;
  closedAt?: number;
  outcome?: string;
  errors?: string[];
}

/** Every knock and form request by key (the knock's event id), open or closed. */
export type VettingBook = Record<string, VettingRecord>;

export interface VettingSettings {
  readonly maxTries: number;
  readonly lifetimeSec: number;
  readonly reminderLeadSec: number;
  readonly knockHoldSec: number;
  /** How long the newcomer has to read the last message before the bot leaves. */
  readonly farewellDelaySec: number;
  readonly rules: HaikuRules;
  /** A signup code for the new member to share after a pass; 0 uses turns it off. */
  readonly welcome: { readonly uses: number; readonly linkBase: string };
  /** COMMUNITY_NAME: named in the challenge, the bot's first message in a vetting room. */
  readonly communityName?: string;
}

export type VettingInput =
  | { type: "roomReady"; roomId: string; now: number }
  | {
      type: "reply";
      eventId: string;
      body: string;
      displayName: string | undefined;
      /** When the reply was sent (ms, the homeserver's timestamp). */
      sentAt?: number;
      now: number;
      /** A fresh signup code, minted only if this reply passes. */
      welcomeCode?: string;
      /** A join wave holds auto-approval back: a pass waits for a moderator (or the wave's end). */
      paused?: boolean;
    }
  | { type: "tick"; now: number }
  /** Auto-approval runs again (the wave ended): a pass that waited is let in. */
  | { type: "release"; now: number }
  | { type: "knockGone"; membership: string; now: number }
  | { type: "effectFailed"; effectId: string; error: string; now: number }
  /** The person was invited into the community: an earlier failed attempt is no longer trouble. */
  | { type: "admitted"; now: number };

export interface Step {
  readonly record: VettingRecord;
  readonly audit: AuditEntry[];
  /** A signup code to add to the signup book along with this step. */
  readonly welcome?: { readonly code: string; readonly entry: CodeEntry };
}

/** A knock whose code was charged: the room is to be made. */
export function openingRecord(
  knock: KnockFacts,
  code: { code: string; label: string },
  challenge: Challenge,
  settings: VettingSettings,
): Step {
  const record = base(knock, "opening", settings);
  record.code = code.code;
  record.codeLabel = code.label;
  record.challenge = challenge;
  enqueue(record, { kind: "createVettingRoom", key: knock.key, user: knock.user });
  return { record, audit: [] };
}

/** A knock that named no valid code: denied at once, with the reason. */
export function deniedRecord(
  knock: KnockFacts,
  why: say.DenyReason,
  settings: VettingSettings,
): Step {
  const record = base(knock, "denied", settings);
  close(record, why, knock.knockedAt);
  enqueue(record, { kind: "denyKnock", user: knock.user, reason: say.denyReasons[why] });
  return {
    record,
    audit: [{ type: "knock_rejected", user: knock.user, reason: why, knock_reason: knock.reason }],
  };
}

/**
 * A knock a moderator may decide until the hold ends: one with no reason at
 * all, or one the blocklist only nearly matched (then `screened`).
 */
export function heldRecord(knock: KnockFacts, settings: VettingSettings): Step {
  const record = base(knock, "held", settings);
  record.holdUntil = knock.knockedAt + settings.knockHoldSec * 1000;
  return {
    record,
    audit: [{ type: "knock_held", user: knock.user, until: record.holdUntil / 1000 }],
  };
}

/** A knock by someone whose earlier knock is still being handled. */
export function supersededRecord(knock: KnockFacts, by: string, settings: VettingSettings): Step {
  const record = base(knock, "superseded", settings);
  close(record, `superseded:${by}`, knock.knockedAt);
  return { record, audit: [] };
}

export interface KnockFacts {
  readonly key: string;
  readonly user: string;
  readonly displayName?: string;
  readonly reason: string;
  readonly knockedAt: number;
}

export function step(record: VettingRecord, input: VettingInput, settings: VettingSettings): Step {
  const next = structuredClone(record);
  const audit: AuditEntry[] = [];
  switch (input.type) {
    case "roomReady":
      if (next.phase !== "opening") {
        // Closed while the room was being made: the room is not needed.
        if (!next.roomId) {
          next.roomId = input.roomId;
          enqueue(next, { kind: "leaveRoom", roomId: input.roomId });
        }
        break;
      }
      next.phase = "open";
      next.roomId = input.roomId;
      next.expiresAt = input.now + settings.lifetimeSec * 1000;
      post(
        next,
        say.challengeText(
          challengeOf(next),
          next.triesLeft,
          settings.lifetimeSec,
          settings.communityName,
        ),
        input.now,
      );
      audit.push({
        type: "vetting_room_created",
        user: next.user,
        room_id: input.roomId,
        code_label: next.codeLabel,
        topic: next.challenge?.topic,
        keyword: next.challenge?.keyword,
      });
      break;
    case "reply": {
      const welcome = judgeReply(next, input, settings, audit);
      return welcome ? { record: next, audit, welcome } : { record: next, audit };
    }
    case "tick":
      onTick(next, input.now, settings, audit);
      break;
    case "knockGone":
      onKnockGone(next, input, audit);
      break;
    case "release":
      if (next.phase !== "awaiting_moderator" || !next.roomId) break;
      close(next, "passed", input.now, "passed");
      enqueue(next, { kind: "admitToCommunity", user: next.user });
      post(next, releasedText(), input.now);
      enqueue(
        next,
        { kind: "leaveRoom", roomId: next.roomId },
        input.now + settings.farewellDelaySec * 1000,
      );
      audit.push({ type: "promoted", user: next.user, via: "vetting", room_id: next.roomId });
      break;
    case "admitted":
      next.errors = next.errors?.filter((error) => !error.startsWith("admitToCommunity:"));
      if (next.errors?.length === 0) delete next.errors;
      break;
    case "effectFailed":
      (next.errors ??= []).push(input.error);
      next.errors = next.errors.slice(-10);
      audit.push({
        type: "effect_failed",
        user: next.user,
        room_id: next.roomId,
        error: input.error,
      });
      break;
  }
  return { record: next, audit };
}

function judgeReply(
  record: VettingRecord,
  input: Extract<VettingInput, { type: "reply" }>,
  settings: VettingSettings,
  audit: AuditEntry[],
): Step["welcome"] {
  if (record.phase !== "open" || !record.roomId || record.judged.includes(input.eventId)) return;
  if (record.repliesAfter !== undefined && (input.sentAt ?? input.now) < record.repliesAfter)
    return;
  record.judged.push(input.eventId);
  note(record, { at: input.now, from: "newcomer", text: input.body });
  const keyword = challengeOf(record).keyword;
  const verdict = judgeHaiku(
    { body: input.body, displayName: input.displayName },
    keyword,
    settings.rules,
  );
  const roomId = record.roomId;
  if (verdict.pass && input.paused) {
    // No welcome code either: a wave is no time to hand out more ways in.
    record.phase = "awaiting_moderator";
    post(record, passAwaitsModeratorText(), input.now);
    audit.push({
      type: "vetting_passed",
      user: record.user,
      room_id: roomId,
      haiku: input.body,
      awaiting_moderator: true,
    });
    return undefined;
  }
  if (verdict.pass) {
    close(record, "passed", input.now, "passed");
    enqueue(record, { kind: "admitToCommunity", user: record.user });
    const welcome = welcomeCodeFor(record.user, input.welcomeCode, settings.welcome.uses);
    const link = welcome
      ? {
          link: `${settings.welcome.linkBase}/signup?code=${encodeURIComponent(welcome.code)}`,
          uses: settings.welcome.uses,
        }
      : undefined;
    post(record, say.passedText(link), input.now);
    enqueue(record, { kind: "leaveRoom", roomId }, input.now + settings.farewellDelaySec * 1000);
    audit.push({ type: "vetting_passed", user: record.user, room_id: roomId, haiku: input.body });
    audit.push({ type: "promoted", user: record.user, via: "vetting", room_id: roomId });
    if (welcome) audit.push(welcomeMintedAudit(welcome));
    return welcome;
  }
  record.triesLeft -= 1;
  audit.push({
    type: "vetting_reply_rejected",
    user: record.user,
    room_id: roomId,
    reason: verdict.reason,
    tries_left: record.triesLeft,
  });
  if (record.triesLeft > 0) {
    post(record, say.notYetText(verdict.reason, record.triesLeft), input.now);
    return;
  }
  close(record, "failed", input.now, "failed");
  post(record, say.outOfTriesText(verdict.reason), input.now);
  turnAway(record, say.denyReasons.failed);
  enqueue(record, { kind: "leaveRoom", roomId }, input.now + settings.farewellDelaySec * 1000);
  audit.push({
    type: "vetting_failed",
    user: record.user,
    room_id: roomId,
    reason: verdict.reason,
  });
}

/** When time next matters to this record (a hold ending, a reminder, a timeout), if ever. */
export function nextDeadline(record: VettingRecord, settings: VettingSettings): number | undefined {
  if (record.phase === "held") return record.holdUntil;
  if (record.phase !== "open" || record.expiresAt === undefined) return undefined;
  if (record.remindedAt !== undefined) return record.expiresAt;
  return record.expiresAt - Math.min(settings.reminderLeadSec, settings.lifetimeSec / 2) * 1000;
}

function onTick(
  record: VettingRecord,
  now: number,
  settings: VettingSettings,
  audit: AuditEntry[],
): void {
  if (record.phase === "held" && record.holdUntil !== undefined && now >= record.holdUntil) {
    if (record.source === "form") {
      close(record, "request_expired", now, "denied");
      audit.push({ type: "form_request_expired", user: record.user });
      return;
    }
    // A near miss on the blocklist hears the neutral words, not "no code": it may have given one.
    const why = record.screened ? "screened_expired" : "no_code_expired";
    close(record, why, now, "denied");
    turnAway(record, say.denyReasons[why === "screened_expired" ? "blocked" : why]);
    audit.push({ type: "knock_rejected", user: record.user, reason: why });
    return;
  }
  if (record.phase !== "open" || !record.roomId || record.expiresAt === undefined) return;
  const roomId = record.roomId;
  if (now >= record.expiresAt) {
    close(record, "timed_out", now, "timed_out");
    post(record, say.timedOutText(), now);
    turnAway(record, say.denyReasons.timed_out);
    enqueue(record, { kind: "leaveRoom", roomId }, now + settings.farewellDelaySec * 1000);
    audit.push({ type: "vetting_timeout", user: record.user, room_id: roomId });
    return;
  }
  const lead = Math.min(settings.reminderLeadSec, settings.lifetimeSec / 2) * 1000;
  if (record.remindedAt === undefined && now >= record.expiresAt - lead) {
    record.remindedAt = now;
    const secondsLeft = Math.max(1, Math.round((record.expiresAt - now) / 1000));
    post(record, say.reminderText(challengeOf(record), secondsLeft), now);
    audit.push({ type: "vetting_reminder", user: record.user, room_id: roomId });
  }
}

/** The knock left the space's pending list without our decision: withdrawn, or decided by hand. */
function onKnockGone(
  record: VettingRecord,
  input: Extract<VettingInput, { type: "knockGone" }>,
  audit: AuditEntry[],
): void {
  if (!ACTIVE_PHASES.has(record.phase)) return;
  const byHand = input.membership === "invite" || input.membership === "join";
  // A form request was never a knock: having left the space once says nothing about it.
  if (record.source === "form" && !byHand && input.membership !== "ban") return;
  const outcome = byHand
    ? "decided_elsewhere"
    : input.membership === "ban"
      ? "banned"
      : "withdrawn";
  close(record, outcome, input.now, byHand ? "passed" : "withdrawn");
  if (record.roomId) enqueue(record, { kind: "leaveRoom", roomId: record.roomId });
  audit.push({ type: "knock_closed", user: record.user, outcome, membership: input.membership });
}

function base(knock: KnockFacts, phase: VettingPhase, settings: VettingSettings): VettingRecord {
  return {
    key: knock.key,
    user: knock.user,
    ...(knock.displayName === undefined ? {} : { displayName: knock.displayName }),
    reason: knock.reason,
    knockedAt: knock.knockedAt,
    phase,
    triesLeft: settings.maxTries,
    judged: [],
    outbox: [],
    nextEffectId: 1,
  };
}

export function close(
  record: VettingRecord,
  outcome: string,
  now: number,
  phase?: VettingPhase,
): void {
  if (phase) record.phase = phase;
  record.outcome = outcome;
  record.closedAt = now;
}

/** Says something in the record's vetting room, and keeps it in the transcript. */
export function post(record: VettingRecord, text: string, now: number, by?: string): void {
  if (!record.roomId) return;
  enqueue(record, { kind: "send", roomId: record.roomId, text });
  note(record, by ? { at: now, from: "moderator", text, by } : { at: now, from: "bot", text });
}

function note(record: VettingRecord, line: TranscriptLine): void {
  record.transcript = [...(record.transcript ?? []), line].slice(-TRANSCRIPT_LINES);
}

/** Denies the person's knock; a form request has none, and its person must not be kicked from the space. */
export function turnAway(record: VettingRecord, reason: string): void {
  if (record.source === "form") return;
  enqueue(record, { kind: "denyKnock", user: record.user, reason });
}

export function enqueue(record: VettingRecord, effect: Effect, notBefore?: number): void {
  const id = String(record.nextEffectId++);
  record.outbox.push(notBefore === undefined ? { id, effect } : { id, effect, notBefore });
}

export function challengeOf(record: VettingRecord): Challenge {
  if (!record.challenge) throw new Error(`vetting ${record.key} has no challenge`);
  return record.challenge;
}
