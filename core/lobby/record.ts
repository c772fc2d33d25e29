/**
 * One lobby: one spent use of an invite code, one fresh room anyone with the
 * link can join. Everyone who joins gets the vetting challenge a moment later;
 * tries are counted per person, across leaves and rejoins; the first pass
 * admits that person and closes the lobby. A pure state machine like
 * vetting/record.ts: `stepLobby(lobby, input, settings)` returns the next lobby (its
 * effects appended to the outbox) and the audit entries.
 */
import { welcomeCodeFor, welcomeMintedAudit } from "../codes/welcome-code.js";
import { enqueueEffect, type AuditEntry, type Effect, type PendingEffect } from "../effects.js";
import type { Challenge } from "../challenge/pick.js";
import type { CodeEntry } from "../codes/code-book.js";
import { judgeHaiku, type HaikuRules } from "../challenge/judge.js";
import { passedText } from "../challenge/messages.js";
import type { TranscriptLine } from "../vetting/record.js";
import * as say from "./messages.js";
import { passAwaitsModeratorText, releasedText } from "../moderation/join-wave-messages.js";

export const LOBBY_PHASES = [
  "opening", // code charged, room being made
  "open", // people may join and answer
  "awaiting_moderator", // someone passed during a join wave: their invite waits for a moderator or the wave's end
  "passed", // someone passed: they are admitted, the lobby is done
  "timed_out",
  "closed", // by a moderator
  "create_failed", // the room could not be made; the use was given back
] as const;
export type LobbyPhase = (typeof LOBBY_PHASES)[number];

export const ACTIVE_LOBBY_PHASES: ReadonlySet<LobbyPhase> = new Set([
  "opening",
  "open",
  "awaiting_moderator",
]);

/** One person seen in a lobby. Kept after they leave, so a rejoin does not reset their tries. */
export interface LobbyGuest {
  triesLeft: number;
  joined: boolean;
  /** When their challenge is to be posted (a short delay after the join lets their client settle). */
  challengeDueAt?: number;
  /** They were shown the challenge at least once: only then are their messages judged. */
  challenged?: boolean;
  /** When the challenge is posted once more if they have not answered by then. */
  resendAt?: number;
}

export interface LobbyRecord {
  readonly key: string;
  readonly code: string;
  readonly codeLabel: string;
  readonly requestedAt: number; // ms
  phase: LobbyPhase;
  roomId?: string;
  alias?: string;
  readonly challenge: Challenge;
  /** Tries a person gets in this lobby (a moderator may raise it). */
  maxTries: number;
  expiresAt?: number;
  guests: Record<string, LobbyGuest>;
  /** Event ids of replies already judged: a replayed event is not judged twice. */
  judged: string[];
  /** Replies sent before this time (ms) are not judged: a lobby carried over from the reference approver, which judged them. */
  repliesAfter?: number;
  transcript?: TranscriptLine[];
  outbox: PendingEffect[];
  nextEffectId: number;
  passedBy?: string;
  closedAt?: number;
  outcome?: string;
  errors?: string[];
}

/** Every lobby by key (the request that opened it), open or closed. */
export type LobbyBook = Record<string, LobbyRecord>;

export interface LobbySettings {
  readonly maxTries: number;
  readonly lifetimeSec: number;
  /** From a join to the challenge (the reference waits 5 s). */
  readonly challengeDelaySec: number;
  /** The challenge is posted once more to someone silent this long after it (absent or 0: never; the reference: 120 s). */
  readonly resendAfterSec?: number;
  readonly farewellDelaySec: number;
  readonly rules: HaikuRules;
  readonly welcome: { readonly uses: number; readonly linkBase: string };
}

export type LobbyInput =
  | { type: "roomReady"; roomId: string; alias: string; now: number }
  /** Who is in the room now (the bot left out): the whole list, not the changes. */
  | { type: "members"; joined: readonly string[]; now: number }
  | {
      type: "reply";
      eventId: string;
      sender: string;
      body: string;
      displayName: string | undefined;
      now: number;
      /** A fresh signup code, minted only if this reply passes. */
      welcomeCode?: string;
      /** When the reply was sent (ms, the homeserver's timestamp). */
      sentAt?: number;
      /** A join wave holds auto-approval back: a pass waits for a moderator (or the wave's end). */
      paused?: boolean;
    }
  | { type: "tick"; now: number }
  /** Auto-approval runs again, or a moderator approved: the person who passed is let in. */
  | { type: "release"; now: number; by?: string }
  | { type: "effectFailed"; effect: Effect; error: string; now: number };

export interface LobbyStep {
  readonly lobby: LobbyRecord;
  readonly audit: AuditEntry[];
  /** A signup code to add to the signup book along with this step. */
  readonly welcome?: { readonly code: string; readonly entry: CodeEntry };
  /** A code use to give back (the room could never be made). */
  readonly refund?: { readonly code: string; readonly key: string };
}

const TRANSCRIPT_LINES = 30;
const JUDGED_MEMORY = 500;
/** People a lobby keeps track of; a link passed around a crowd must not grow the record without end. */
export const MAX_GUESTS = 200;

/** A lobby whose code use was charged: the room is to be made. */
export function openingLobby(
  request: { key: string; code: string; codeLabel: string; now: number },
  challenge: Challenge,
  settings: LobbySettings,
): LobbyStep {
  const lobby: LobbyRecord = {
    key: request.key,
    code: request.code,
    codeLabel: request.codeLabel,
    requestedAt: request.now,
    phase: "opening",
    challenge,
    maxTries: settings.maxTries,
    guests: {},
    judged: [],
    outbox: [],
    nextEffectId: 1,
  };
  enqueueEffect(lobby, { kind: "createLobbyRoom", key: request.key });
  return { lobby, audit: [] };
}

export function stepLobby(
  current: LobbyRecord,
  input: LobbyInput,
  settings: LobbySettings,
): LobbyStep {
  const lobby = structuredClone(current);
  const audit: AuditEntry[] = [];
  switch (input.type) {
    case "roomReady":
      if (lobby.phase !== "opening") {
        // Closed while the room was being made: the room is not needed.
        if (!lobby.roomId) {
          lobby.roomId = input.roomId;
          enqueueEffect(lobby, { kind: "leaveRoom", roomId: input.roomId });
        }
        break;
      }
      lobby.phase = "open";
      lobby.roomId = input.roomId;
      lobby.alias = input.alias;
      lobby.expiresAt = input.now + settings.lifetimeSec * 1000;
      audit.push({
        type: "lobby_created",
        lobby: lobby.key,
        room_id: input.roomId,
        alias: input.alias,
        code_label: lobby.codeLabel,
        topic: lobby.challenge.topic,
        keyword: lobby.challenge.keyword,
      });
      break;
    case "members":
      onMembers(lobby, input, settings, audit);
      break;
    case "reply": {
      const welcome = judgeReply(lobby, input, settings, audit);
      return welcome ? { lobby, audit, welcome } : { lobby, audit };
    }
    case "tick":
      onTick(lobby, input.now, settings, audit);
      break;
    case "release":
      releaseLobby(lobby, input, settings, audit);
      break;
    case "effectFailed":
      if (input.effect.kind === "createLobbyRoom" && lobby.phase === "opening") {
        closeLobby(lobby, "create_failed", input.now, "create_failed");
        audit.push({ type: "lobby_create_failed", lobby: lobby.key, error: input.error });
        return { lobby, audit, refund: { code: lobby.code, key: lobby.key } };
      }
      lobby.errors = [...(lobby.errors ?? []), input.error].slice(-10);
      audit.push({
        type: "effect_failed",
        lobby: lobby.key,
        room_id: lobby.roomId,
        error: input.error,
      });
      break;
  }
  return { lobby, audit };
}

function onMembers(
  lobby: LobbyRecord,
  input: Extract<LobbyInput, { type: "members" }>,
  settings: LobbySettings,
  audit: AuditEntry[],
): void {
  if (lobby.phase !== "open") return;
  const present = new Set(input.joined);
  for (const [user, guest] of Object.entries(lobby.guests)) {
    if (!guest.joined || present.has(user)) continue;
    guest.joined = false;
    delete guest.challengeDueAt;
    delete guest.resendAt;
    audit.push({ type: "lobby_left", lobby: lobby.key, user, room_id: lobby.roomId });
  }
  for (const user of present) {
    let guest = lobby.guests[user];
    if (guest?.joined) continue;
    if (!guest) {
      if (Object.keys(lobby.guests).length >= MAX_GUESTS) continue;
      guest = lobby.guests[user] = { triesLeft: lobby.maxTries, joined: false };
    }
    guest.joined = true;
    audit.push({
      type: "lobby_joined",
      lobby: lobby.key,
      user,
      room_id: lobby.roomId,
      tries_left: guest.triesLeft,
    });
    if (guest.triesLeft > 0) guest.challengeDueAt = input.now + settings.challengeDelaySec * 1000;
    else post(lobby, say.lobbyOutOfTriesText(user), input.now);
  }
}

/** Posts every challenge that came due; closes the lobby when its time is up. */
function onTick(
  lobby: LobbyRecord,
  now: number,
  settings: LobbySettings,
  audit: AuditEntry[],
): void {
  if (lobby.phase !== "open" || !lobby.roomId || lobby.expiresAt === undefined) return;
  if (now >= lobby.expiresAt) {
    closeLobby(lobby, "timed_out", now, "timed_out");
    post(lobby, say.lobbyTimedOutText(), now);
    enqueueEffect(
      lobby,
      { kind: "leaveRoom", roomId: lobby.roomId },
      now + settings.farewellDelaySec * 1000,
    );
    audit.push({ type: "lobby_timeout", lobby: lobby.key, room_id: lobby.roomId });
    return;
  }
  const secondsLeft = Math.max(1, Math.round((lobby.expiresAt - now) / 1000));
  for (const [user, guest] of Object.entries(lobby.guests)) {
    if (guest.challengeDueAt === undefined || guest.challengeDueAt > now) continue;
    delete guest.challengeDueAt;
    if (!guest.joined || guest.triesLeft <= 0) continue;
    guest.challenged = true;
    post(lobby, say.lobbyChallengeText(user, lobby.challenge, guest.triesLeft, secondsLeft), now);
    if (settings.resendAfterSec) guest.resendAt = now + settings.resendAfterSec * 1000;
  }
  for (const [user, guest] of Object.entries(lobby.guests)) {
    if (guest.resendAt === undefined || guest.resendAt > now) continue;
    delete guest.resendAt;
    if (!guest.joined || !guest.challenged || guest.triesLeft <= 0) continue;
    const text = say.lobbyChallengeResentText(user, lobby.challenge, guest.triesLeft, secondsLeft);
    post(lobby, text, now);
    audit.push({ type: "lobby_challenge_resent", lobby: lobby.key, user, room_id: lobby.roomId });
  }
}

function judgeReply(
  lobby: LobbyRecord,
  input: Extract<LobbyInput, { type: "reply" }>,
  settings: LobbySettings,
  audit: AuditEntry[],
): LobbyStep["welcome"] {
  const guest = lobby.guests[input.sender];
  if (lobby.phase !== "open" || !lobby.roomId || !guest?.challenged) return;
  if (lobby.judged.includes(input.eventId) || guest.triesLeft <= 0) return;
  if (lobby.repliesAfter !== undefined && (input.sentAt ?? input.now) < lobby.repliesAfter) return;
  lobby.judged = [...lobby.judged, input.eventId].slice(-JUDGED_MEMORY);
  delete guest.resendAt; // they answered: the challenge reached them
  note(lobby, { at: input.now, from: "newcomer", text: input.body, by: input.sender });
  const verdict = judgeHaiku(
    { body: input.body, displayName: input.displayName },
    lobby.challenge.keyword,
    settings.rules,
  );
  const roomId = lobby.roomId;
  const user = input.sender;
  if (verdict.pass && input.paused) {
    // The lobby is done for everyone else; no welcome code during a wave.
    lobby.phase = "awaiting_moderator";
    lobby.passedBy = user;
    post(lobby, `${user}: ${passAwaitsModeratorText()}`, input.now);
    audit.push({
      type: "lobby_promoted",
      lobby: lobby.key,
      user,
      room_id: roomId,
      haiku: input.body,
      awaiting_moderator: true,
    });
    return undefined;
  }
  if (verdict.pass) {
    closeLobby(lobby, "passed", input.now, "passed");
    lobby.passedBy = user;
    enqueueEffect(lobby, { kind: "admitToCommunity", user });
    const welcome = welcomeCodeFor(user, input.welcomeCode, settings.welcome.uses);
    const link = welcome && {
      link: `${settings.welcome.linkBase}/signup?code=${encodeURIComponent(welcome.code)}`,
      uses: settings.welcome.uses,
    };
    post(lobby, `${user}: ${passedText(link)}`, input.now);
    enqueueEffect(
      lobby,
      { kind: "leaveRoom", roomId },
      input.now + settings.farewellDelaySec * 1000,
    );
    audit.push({
      type: "lobby_promoted",
      lobby: lobby.key,
      user,
      room_id: roomId,
      haiku: input.body,
    });
    audit.push({ type: "promoted", user, via: "lobby", room_id: roomId });
    if (welcome) audit.push(welcomeMintedAudit(welcome));
    return welcome;
  }
  guest.triesLeft -= 1;
  audit.push({
    type: "lobby_reply_rejected",
    lobby: lobby.key,
    user,
    room_id: roomId,
    reason: verdict.reason,
    tries_left: guest.triesLeft,
  });
  if (guest.triesLeft > 0) {
    post(lobby, say.lobbyNotYetText(user, verdict.reason, guest.triesLeft), input.now);
    return;
  }
  post(lobby, say.lobbyOutOfTriesText(user, verdict.reason), input.now);
  audit.push({ type: "lobby_failed", lobby: lobby.key, user, room_id: roomId });
}

/** Lets in the person whose pass waited for a moderator (or for the join wave's end). */
function releaseLobby(
  lobby: LobbyRecord,
  input: Extract<LobbyInput, { type: "release" }>,
  settings: LobbySettings,
  audit: AuditEntry[],
): void {
  const user = lobby.passedBy;
  if (lobby.phase !== "awaiting_moderator" || !lobby.roomId || !user) return;
  closeLobby(lobby, input.by ? "approved" : "passed", input.now, "passed");
  enqueueEffect(lobby, { kind: "admitToCommunity", user });
  post(lobby, `${user}: ${releasedText()}`, input.now);
  enqueueEffect(
    lobby,
    { kind: "leaveRoom", roomId: lobby.roomId },
    input.now + settings.farewellDelaySec * 1000,
  );
  audit.push({
    type: "promoted",
    user,
    via: input.by ? "moderator" : "lobby",
    room_id: lobby.roomId,
    ...(input.by ? { by: input.by } : {}),
  });
}

/** When time next matters to this lobby (a challenge coming due, the timeout), if ever. */
export function nextLobbyDeadline(lobby: LobbyRecord): number | undefined {
  if (lobby.phase !== "open" || lobby.expiresAt === undefined) return undefined;
  let next = lobby.expiresAt;
  for (const guest of Object.values(lobby.guests)) {
    if (guest.challengeDueAt !== undefined) next = Math.min(next, guest.challengeDueAt);
    if (guest.resendAt !== undefined) next = Math.min(next, guest.resendAt);
  }
  return next;
}

export function closeLobby(
  lobby: LobbyRecord,
  outcome: string,
  now: number,
  phase: LobbyPhase,
): void {
  lobby.phase = phase;
  lobby.outcome = outcome;
  lobby.closedAt = now;
}

/** Says something in the lobby room, and keeps it in the transcript. */
export function post(lobby: LobbyRecord, text: string, now: number, by?: string): void {
  if (!lobby.roomId) return;
  enqueueEffect(lobby, { kind: "send", roomId: lobby.roomId, text });
  note(lobby, by ? { at: now, from: "moderator", text, by } : { at: now, from: "bot", text });
}

function note(lobby: LobbyRecord, line: TranscriptLine): void {
  lobby.transcript = [...(lobby.transcript ?? []), line].slice(-TRANSCRIPT_LINES);
}
