/**
 * What the console shows of a lobby: its room alias, the code label, the
 * people who came with their tries. Strings from Matrix (user ids, aliases,
 * errors) pass through the sanitizer; computed once per lobby object.
 */
import type { LobbyPhase, LobbyRecord } from "../../core/lobby/record.js";
import { sanitize } from "../sanitize.js";

export interface GuestDisplay {
  readonly user: string;
  readonly triesLeft: number;
  readonly joined: boolean;
}

export interface LobbyDisplay {
  /** The room's alias, or "lobby" while the room is being made. */
  readonly name: string;
  readonly label: string;
  readonly code: string;
  readonly phase: string;
  readonly topic: string;
  readonly keyword: string;
  readonly outcome: string;
  readonly passedBy: string;
  /** People in the room now first, then those who left. */
  readonly guests: readonly GuestDisplay[];
  readonly joinedCount: number;
  readonly errors: readonly string[];
  readonly search: string;
}

const PHASES: Readonly<Record<LobbyPhase, string>> = {
  opening: "opening",
  open: "open",
  awaiting_moderator: "awaiting moderator",
  passed: "passed",
  timed_out: "timed out",
  closed: "closed",
  create_failed: "create failed",
};

const cache = new WeakMap<LobbyRecord, LobbyDisplay>();

export function displayLobby(lobby: LobbyRecord): LobbyDisplay {
  const hit = cache.get(lobby);
  if (hit) return hit;
  const name = lobby.alias ? sanitize(lobby.alias, { max: 255 }) : "lobby (room being made)";
  const guests = Object.entries(lobby.guests)
    .map(([user, guest]) => ({
      user: sanitize(user, { max: 255 }),
      triesLeft: guest.triesLeft,
      joined: guest.joined,
    }))
    .sort((a, b) => Number(b.joined) - Number(a.joined) || a.user.localeCompare(b.user));
  const label = sanitize(lobby.codeLabel, { max: 60 });
  const code = sanitize(lobby.code, { max: 60 });
  const phase = PHASES[lobby.phase] ?? sanitize(lobby.phase);
  const topic = sanitize(lobby.challenge.topic);
  const keyword = sanitize(lobby.challenge.keyword);
  const search = ["lobby", name, label, code, phase, topic, keyword, ...guests.map((g) => g.user)]
    .join(" ")
    .toLowerCase();
  const display: LobbyDisplay = {
    name,
    label,
    code,
    phase,
    topic,
    keyword,
    outcome: sanitize(lobby.outcome ?? ""),
    passedBy: sanitize(lobby.passedBy ?? "", { max: 255 }),
    guests,
    joinedCount: guests.filter((guest) => guest.joined).length,
    errors: (lobby.errors ?? []).map((error) => sanitize(error, { max: 300 })),
    search,
  };
  cache.set(lobby, display);
  return display;
}
