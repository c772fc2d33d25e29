/**
 * The engine's lobby side: opening a lobby for a code (charge one use, keep
 * the record, make the room), following who is in each lobby room
 * (level-triggered: the whole member list after every sync), judging replies,
 * ticks, moderator commands. Decisions take their turn in the engine's one
 * serial queue, and effects run through the shared outboxes.
 */
import { redeemCode, type CodeBook } from "../codes/code-book.js";
import { codeNamed } from "../codes/lookup.js";
import type { CommandResult, OpenLobbyResult } from "../api.js";
import { pickChallenge } from "../challenge/pick.js";
import { lobbyCommand, type LobbyAction } from "../lobby/commands.js";
import { lobbyRoomName } from "../lobby/messages.js";
import {
  ACTIVE_LOBBY_PHASES,
  nextLobbyDeadline,
  openingLobby,
  stepLobby,
  type LobbyBook,
  type LobbyInput,
  type LobbyRecord,
  type LobbySettings,
  type LobbyStep,
} from "../lobby/record.js";
import type { Store } from "../ports.js";
import type { LedgerStep, RecordKind } from "./outboxes.js";
import type { Screen } from "../moderation/screening.js";
import type { RoomMessage } from "./inputs.js";
import { replyInput, type ChallengeDeskDeps } from "./challenge-desk.js";
import { enqueueEffect, type AuditEntry } from "../effects.js";
import { denyReasons } from "../challenge/messages.js";

export interface LobbyDeskDeps extends ChallengeDeskDeps {
  readonly lobbies: Store<LobbyBook>;
  readonly botUserId: string;
  /** The blocklist and policy lists: a caught member is removed, never challenged. */
  readonly screen?: Screen;
}

/** The lobby's key in the book: the caller's request key, in its own namespace. */
export function lobbyKeyOf(requestKey: string): string {
  return `lobby:${requestKey}`;
}

export class LobbyDesk {
  readonly kind: RecordKind<LobbyRecord>;
  /** Callers waiting for a lobby's room (openLobby): resolved once it leaves "opening". */
  private readonly waiting = new Map<string, ((lobby: LobbyRecord) => void)[]>();

  constructor(
    private readonly deps: LobbyDeskDeps,
    private readonly settings: LobbySettings,
  ) {
    this.kind = {
      name: "lobby",
      store: deps.lobbies,
      isActive: (lobby) => ACTIVE_LOBBY_PHASES.has(lobby.phase),
      succeeded: (lobby, effect, result, now) =>
        effect.kind === "createLobbyRoom" && result.roomId && result.alias
          ? asLedger(
              stepLobby(
                lobby,
                { type: "roomReady", roomId: result.roomId, alias: result.alias, now },
                settings,
              ),
            )
          : undefined,
      failedForGood: (lobby, pending, error, now) =>
        asLedger(
          stepLobby(lobby, { type: "effectFailed", effect: pending.effect, error, now }, settings),
        ),
      published: (lobby) => {
        deps.events.emit({ type: "lobby", lobby });
        if (lobby.phase !== "opening") this.wake(lobby);
      },
    };
  }

  list(): LobbyRecord[] {
    return Object.values(this.deps.lobbies.value);
  }

  async open(code: string, requestKey: string): Promise<OpenLobbyResult> {
    const key = lobbyKeyOf(requestKey);
    // A made-up code spends nothing, so it needs no turn in the decision queue: a flood of
    // them must not make the people with real codes wait. (A repeat of a request that did
    // spend is found by its key, even once the code is used up and gone.)
    if (!this.deps.lobbies.value[key] && codeNamed(this.deps.codes.value, code) === undefined) {
      return { ok: false, error: "invalid_code", refusal: "unknown_code" };
    }
    const lobby = await this.deps.decisions.run(async () => {
      const known = this.deps.lobbies.value[key];
      if (known) return known; // the same request again: it spends nothing more
      const now = this.deps.clock.now();
      const name = codeNamed(this.deps.codes.value, code);
      const redeemed = name
        ? redeemCode(this.deps.codes.value, name, key, Math.floor(now / 1000))
        : ({ ok: false, refusal: "unknown_code" } as const);
      if (!redeemed.ok) return redeemed.refusal;
      const opened = openingLobby(
        { key, code: redeemed.code, codeLabel: redeemed.entry.label, now },
        pickChallenge(this.deps.random),
        this.settings,
      );
      await this.commit(
        {
          lobby: opened.lobby,
          audit: [
            {
              type: "code_redeemed",
              code: redeemed.code,
              label: redeemed.entry.label,
              uses_remaining: redeemed.entry.uses_remaining,
              lobby: key,
            },
            { type: "lobby_requested", lobby: key, code_label: redeemed.entry.label },
          ],
        },
        redeemed.book,
      );
      return this.deps.lobbies.value[key];
    });
    if (typeof lobby === "string") return { ok: false, error: "invalid_code", refusal: lobby };
    if (!lobby) return { ok: false, error: "create_failed" };
    return answerFor(lobby.phase === "opening" ? await this.settled(key) : lobby);
  }

  moderate(key: string, action: LobbyAction, by: string): Promise<CommandResult> {
    return this.deps.decisions.run(async () => {
      const lobby = this.deps.lobbies.value[key];
      if (!lobby) return { ok: false, error: `no lobby ${key}` };
      const outcome = lobbyCommand(
        lobby,
        { ...action, by, now: this.deps.clock.now() },
        this.settings,
      );
      if (!outcome.ok) return outcome;
      await this.commit(outcome.step);
      return { ok: true };
    });
  }

  /**
   * Compares who is in each open lobby room with the records. `joinedIn` gives a room's
   * joined members, or undefined when the bot's sync does not show the room yet.
   */
  reconcile(joinedIn: (roomId: string) => readonly string[] | undefined): Promise<void> {
    return this.deps.decisions.run(async () => {
      const now = this.deps.clock.now();
      for (const key of this.deps.outboxes.live(this.kind)) {
        const lobby = this.deps.lobbies.value[key];
        if (lobby?.phase !== "open" || !lobby.roomId) continue;
        const joined = joinedIn(lobby.roomId);
        if (!joined) continue;
        const people = joined.filter((user) => user !== this.deps.botUserId);
        const admitted = await this.removeBlocked(key, people);
        await this.apply(key, { type: "members", joined: admitted, now });
      }
    });
  }

  /** A message in a lobby room (`key` is the lobby that owns the room). */
  onMessage(key: string, message: RoomMessage): Promise<void> {
    return this.deps.decisions.run(async () => {
      const lobby = this.deps.lobbies.value[key];
      const guest = lobby?.guests[message.sender];
      // Only people shown the challenge are judged; anything else costs no code minting.
      if (!guest?.challenged || guest.triesLeft <= 0) return;
      await this.apply(key, { ...replyInput(this.deps, message), sender: message.sender });
    });
  }

  /** Runs inside the engine's tick (already in the decision queue). */
  async tick(now: number): Promise<void> {
    for (const key of this.deps.outboxes.live(this.kind)) {
      const lobby = this.deps.lobbies.value[key];
      if (lobby?.phase === "awaiting_moderator" && !this.deps.autoApprovalPaused())
        await this.apply(key, { type: "release", now });
      const deadline = lobby && nextLobbyDeadline(lobby);
      if (deadline !== undefined && deadline <= now) await this.apply(key, { type: "tick", now });
      this.deps.outboxes.drain(this.kind, key);
    }
  }

  /**
   * Removes blocked people from a lobby room and returns the others. A lobby has
   * no moderator queue, so a guess by edit distance is removed too; the reason
   * is neutral and tells a wrongly caught person whom to ask.
   */
  private async removeBlocked(key: string, people: readonly string[]): Promise<string[]> {
    const screen = this.deps.screen;
    const lobby = this.deps.lobbies.value[key];
    if (!screen || !lobby?.roomId) return [...people];
    const admitted: string[] = [];
    const audit: AuditEntry[] = [];
    const next = structuredClone(lobby);
    for (const user of people) {
      const hit = screen({ userId: user });
      if (!hit) {
        admitted.push(user);
        continue;
      }
      const underWay = next.outbox.some(
        (p) => p.effect.kind === "removeFromRoom" && p.effect.user === user,
      );
      if (underWay) continue;
      enqueueEffect(next, {
        kind: "removeFromRoom",
        roomId: lobby.roomId,
        user,
        reason: denyReasons.blocked,
      });
      audit.push({
        type: "lobby_blocked",
        lobby: key,
        user,
        source: hit.source,
        explanation: hit.explanation,
      });
    }
    if (audit.length > 0) await this.commit({ lobby: next, audit });
    return admitted;
  }

  private async apply(key: string, input: LobbyInput): Promise<void> {
    const lobby = this.deps.lobbies.value[key];
    if (!lobby) return;
    const next = stepLobby(lobby, input, this.settings);
    if (next.audit.length === 0 && JSON.stringify(next.lobby) === JSON.stringify(lobby)) return;
    await this.commit(next);
  }

  /** `charged`: the invite book with this lobby's use spent, made durable with it. */
  private commit(step: LobbyStep, charged?: CodeBook): Promise<void> {
    const ledger = asLedger(step);
    return this.deps.outboxes.commit(this.kind, charged ? { ...ledger, charged } : ledger);
  }

  private settled(key: string): Promise<LobbyRecord> {
    return new Promise((resolve) => {
      const current = this.deps.lobbies.value[key];
      if (current && current.phase !== "opening") {
        resolve(current);
        return;
      }
      this.waiting.set(key, [...(this.waiting.get(key) ?? []), resolve]);
    });
  }

  private wake(lobby: LobbyRecord): void {
    const waiters = this.waiting.get(lobby.key);
    if (!waiters) return;
    this.waiting.delete(lobby.key);
    for (const resolve of waiters) resolve(lobby);
  }
}

function asLedger(step: LobbyStep): LedgerStep<LobbyRecord> {
  return { ...step, record: step.lobby };
}

function answerFor(lobby: LobbyRecord): OpenLobbyResult {
  if (lobby.roomId && lobby.alias) {
    return {
      ok: true,
      key: lobby.key,
      roomId: lobby.roomId,
      alias: lobby.alias,
      url: `https://matrix.to/#/${lobby.alias}`,
      title: lobbyRoomName(),
    };
  }
  return lobby.phase === "create_failed"
    ? { ok: false, error: "create_failed" }
    : { ok: false, error: "closed" };
}
