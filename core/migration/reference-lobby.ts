/**
 * Carrying the reference approver's lobby.json over. Its lobbies are keyed by
 * room id ({alias (localpart), code, created, title, keyword, challenged[],
 * tries{mxid: left}, promoted, closed, …}); ours are keyed `lobby:<request>`.
 * A carried-over lobby gets the key `lobby:reference:<room id>`. Its room
 * exists and the bot is in it, so it starts "open"; the people the reference
 * challenged keep their tries and are not challenged again, and replies sent
 * before the switch (the reference judged them) are not judged again.
 */
import { MAX_GUESTS, type LobbyGuest, type LobbyPhase, type LobbyRecord } from "../lobby/record.js";
import { REFERENCE_KEY_PREFIX } from "./reference-vetting.js";
import { isUserId } from "../moderation/matrix-ids.js";

export const REFERENCE_LOBBY_KEY_PREFIX = `lobby:${REFERENCE_KEY_PREFIX}`;

export interface ReferenceLobbyEntry {
  readonly alias?: string;
  readonly code?: string;
  readonly created?: number;
  readonly title?: string;
  readonly keyword?: string;
  readonly challenged?: readonly string[];
  readonly tries?: Readonly<Record<string, number>>;
  readonly promoted?: boolean;
  readonly closed?: boolean;
  readonly displaynames?: Readonly<Record<string, string>>;
  readonly challenge_sent_ts?: Readonly<Record<string, number>>;
  readonly challenge_resends?: Readonly<Record<string, number>>;
  readonly promoted_at?: number;
  readonly promoted_user?: string;
  readonly closed_reason?: string;
}

export interface LobbyCarryOverContext {
  /** When the switch happens (ms): replies sent before it were judged by the reference. */
  readonly now: number;
  /** LOBBY_TIMEOUT_SEC: the lobby's lifetime, counted from its creation as the reference did. */
  readonly lifetimeSec: number;
  readonly maxTries: number;
  /** LOBBY_RESEND_AFTER_SEC: someone challenged, silent, and never sent it again gets it once more. */
  readonly resendAfterSec?: number;
  /** The server part of the lobby aliases (SERVER_NAME); without it the alias is left out. */
  readonly serverName?: string;
  /** The label of an invite code, if the code book still has it. */
  readonly codeLabel?: (code: string) => string | undefined;
}

export interface CarriedOverLobbies {
  /** Every entry of the file, the reference's rewritten, anything else as it was. */
  readonly book: Record<string, unknown>;
  readonly open: number;
  readonly closed: number;
  /** Entries that could not be read, with why; they are kept in the backup, not carried over. */
  readonly skipped: readonly { roomId: string; why: string }[];
}

/** A reference lobby: keyed by a room id, names a code, and has none of anteroom's bookkeeping. */
export function isReferenceLobbyEntry(key: string, entry: unknown): entry is ReferenceLobbyEntry {
  return (
    key.startsWith("!") &&
    !!entry &&
    typeof entry === "object" &&
    !Array.isArray(entry) &&
    !("outbox" in entry) &&
    ("code" in entry || "challenged" in entry || "tries" in entry)
  );
}

/** True when a parsed lobby.json holds at least one reference lobby. */
export function hasReferenceLobbies(raw: unknown): raw is Record<string, unknown> {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return false;
  return Object.entries(raw).some(([key, entry]) => isReferenceLobbyEntry(key, entry));
}

export function carryOverLobbyBook(
  raw: Record<string, unknown>,
  context: LobbyCarryOverContext,
): CarriedOverLobbies {
  const book: Record<string, unknown> = {};
  const skipped: { roomId: string; why: string }[] = [];
  let open = 0;
  let closed = 0;
  for (const [key, entry] of Object.entries(raw)) {
    if (!isReferenceLobbyEntry(key, entry)) {
      book[key] = entry; // anteroom's own, or something else: not ours to change here
      continue;
    }
    const lobby = carryOver(key, entry, context);
    if (typeof lobby === "string") {
      skipped.push({ roomId: key, why: lobby });
      continue;
    }
    book[lobby.key] = lobby;
    if (lobby.phase === "open") open++;
    else closed++;
  }
  return { book, open, closed, skipped };
}

function carryOver(
  roomId: string,
  entry: ReferenceLobbyEntry,
  context: LobbyCarryOverContext,
): LobbyRecord | string {
  const phase = phaseOf(entry);
  if (phase === "open" && !(nonEmpty(entry.title) && nonEmpty(entry.keyword)))
    return "an open lobby without its title and keyword cannot be judged";
  const createdMs = milliseconds(entry.created) ?? context.now;
  const code = typeof entry.code === "string" ? entry.code : "";
  const lobby: LobbyRecord = {
    key: `${REFERENCE_LOBBY_KEY_PREFIX}${roomId}`,
    code,
    codeLabel: (code && context.codeLabel?.(code)) || "",
    requestedAt: createdMs,
    phase,
    roomId,
    challenge: { topic: textOr(entry.title, ""), keyword: textOr(entry.keyword, "") },
    maxTries: context.maxTries,
    guests: guestsOf(entry, context),
    judged: [],
    outbox: [],
    nextEffectId: 1,
    repliesAfter: context.now,
  };
  const alias = aliasOf(entry.alias, context.serverName);
  if (alias) lobby.alias = alias;
  if (phase === "open") {
    lobby.expiresAt = createdMs + context.lifetimeSec * 1000;
    return lobby;
  }
  lobby.closedAt = milliseconds(entry.promoted_at) ?? createdMs;
  lobby.outcome = entry.closed_reason ?? (phase === "passed" ? "passed" : "closed");
  if (phase === "passed" && isUserId(entry.promoted_user)) lobby.passedBy = entry.promoted_user;
  return lobby;
}

function phaseOf(entry: ReferenceLobbyEntry): LobbyPhase {
  if (entry.promoted === true || entry.closed_reason === "promoted") return "passed";
  if (entry.closed !== true) return "open";
  if (entry.closed_reason === "timeout") return "timed_out";
  // "already_member": the person was let through (they were in the space already).
  return entry.closed_reason === "already_member" ? "passed" : "closed";
}

/**
 * Everyone the reference challenged, with their tries left. They count as joined and
 * challenged, so the next look at the room neither greets nor challenges them again.
 */
function guestsOf(
  entry: ReferenceLobbyEntry,
  context: LobbyCarryOverContext,
): Record<string, LobbyGuest> {
  const tries = isRecord(entry.tries) ? entry.tries : {};
  const sentAt = isRecord(entry.challenge_sent_ts) ? entry.challenge_sent_ts : {};
  const resends = isRecord(entry.challenge_resends) ? entry.challenge_resends : {};
  const people = new Set<string>([
    ...(Array.isArray(entry.challenged) ? entry.challenged : []),
    ...Object.keys(tries),
    ...Object.keys(sentAt),
  ]);
  const guests: Record<string, LobbyGuest> = {};
  for (const user of people) {
    if (!isUserId(user) || Object.keys(guests).length >= MAX_GUESTS) continue;
    const guest: LobbyGuest = {
      triesLeft: clampTries(tries[user], context.maxTries),
      joined: true,
      challenged: true,
    };
    // No try spent means no answer yet; the reference re-sent at most once.
    const sent = milliseconds(sentAt[user]);
    const silent = guest.triesLeft > 0 && guest.triesLeft >= context.maxTries;
    if (context.resendAfterSec && sent !== undefined && silent && !(Number(resends[user]) > 0))
      guest.resendAt = sent + context.resendAfterSec * 1000;
    guests[user] = guest;
  }
  return guests;
}

function aliasOf(localpart: unknown, serverName: string | undefined): string | undefined {
  if (typeof localpart !== "string" || !localpart || !serverName) return undefined;
  // The reference kept the localpart; an entry already holding a full alias is kept as it is.
  if (localpart.startsWith("#")) return localpart;
  if (!/^[!-9;-~]+$/.test(localpart)) return undefined; // printable, no ':' (what an alias localpart may hold)
  return `#${localpart}:${serverName}`;
}

function isRecord(value: unknown): value is Record<string, number> {
  return !!value && typeof value === "object" && !Array.isArray(value);
}

function nonEmpty(value: unknown): value is string {
  return typeof value === "string" && value.trim() !== "";
}

function textOr(value: unknown, fallback: string): string {
  return typeof value === "string" ? value : fallback;
}

function milliseconds(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? Math.round(value * 1000) : undefined;
}

function clampTries(value: unknown, max: number): number {
  if (typeof value !== "number" || !Number.isFinite(value)) return max;
  return Math.max(0, Math.min(max, Math.floor(value)));
}
