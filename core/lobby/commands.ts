/**
 * What moderators may do to a lobby: close it, give more tries (to one person
 * or to everyone), give it more time, speak as the bot. Pure, like
 * vetting/commands.ts: the next lobby (effects in its outbox) and audit
 * entries, or a refusal saying why.
 */
import { enqueueEffect, type AuditEntry } from "../effects.js";
import {
  closeLobby,
  post,
  stepLobby,
  type LobbyRecord,
  type LobbySettings,
  type LobbyStep,
} from "./record.js";
import * as say from "./messages.js";

export type LobbyAction =
  | { action: "close" }
  /** Let in the person whose pass waits for a moderator (during a join wave). */
  | { action: "approve" }
  /** More tries for `user`, or for everyone in the lobby (and whoever joins later) without one. */
  | { action: "addTries"; tries: number; user?: string }
  | { action: "extend"; seconds: number }
  | { action: "say"; text: string };

export type LobbyCommand = LobbyAction & { readonly by: string; readonly now: number };

export type LobbyCommandOutcome = { ok: true; step: LobbyStep } | { ok: false; error: string };

export function lobbyCommand(
  current: LobbyRecord,
  input: LobbyCommand,
  settings: LobbySettings,
): LobbyCommandOutcome {
  const lobby = structuredClone(current);
  const audit: AuditEntry[] = [];
  const refuse = (error: string): LobbyCommandOutcome => ({ ok: false, error });
  const base = { lobby: lobby.key, by: input.by, room_id: lobby.roomId };
  switch (input.action) {
    case "approve": {
      if (lobby.phase !== "awaiting_moderator")
        return refuse("only a lobby whose pass waits for a moderator can be approved");
      return {
        ok: true,
        step: stepLobby(lobby, { type: "release", now: input.now, by: input.by }, settings),
      };
    }
    case "close": {
      if (lobby.phase !== "open" && lobby.phase !== "opening")
        return refuse(`the lobby is already ${lobby.phase}`);
      closeLobby(lobby, "closed_by_moderator", input.now, "closed");
      if (lobby.roomId) {
        post(lobby, say.lobbyClosedText(), input.now);
        enqueueEffect(
          lobby,
          { kind: "leaveRoom", roomId: lobby.roomId },
          input.now + settings.farewellDelaySec * 1000,
        );
      }
      audit.push({ type: "lobby_closed", ...base });
      break;
    }
    case "addTries": {
      if (lobby.phase !== "open") return refuse("only an open lobby takes more tries");
      if (!Number.isInteger(input.tries) || input.tries < 1 || input.tries > 20)
        return refuse("tries must be 1–20");
      const users = input.user === undefined ? Object.keys(lobby.guests) : [input.user];
      if (input.user !== undefined && !lobby.guests[input.user])
        return refuse(`${input.user} has not been in this lobby`);
      if (input.user === undefined) lobby.maxTries += input.tries;
      for (const user of users) {
        const guest = lobby.guests[user];
        if (!guest) continue;
        const wasOut = guest.triesLeft <= 0;
        guest.triesLeft += input.tries;
        if (!guest.joined) continue;
        // Someone who never saw the challenge (out on arrival) gets it now, not just the news.
        if (wasOut && !guest.challenged) guest.challengeDueAt = input.now;
        else post(lobby, say.lobbyMoreTriesText(user, guest.triesLeft), input.now);
      }
      audit.push({
        type: "lobby_tries_added",
        tries: input.tries,
        ...(input.user === undefined ? {} : { user: input.user }),
        ...base,
      });
      break;
    }
    case "extend": {
      if (lobby.phase !== "open" || lobby.expiresAt === undefined)
        return refuse("only an open lobby can be extended");
      if (!Number.isInteger(input.seconds) || input.seconds < 60 || input.seconds > 7 * 86400)
        return refuse("extend by 1 minute to 7 days");
      lobby.expiresAt += input.seconds * 1000;
      post(
        lobby,
        say.lobbyExtendedText(Math.round((lobby.expiresAt - input.now) / 1000)),
        input.now,
      );
      audit.push({
        type: "lobby_extended",
        seconds: input.seconds,
        expires_at: lobby.expiresAt / 1000,
        ...base,
      });
      break;
    }
    case "say": {
      if (lobby.phase !== "open") return refuse("only an open lobby can be spoken in");
      const text = input.text.trim();
      if (!text || text.length > 2000) return refuse("say 1–2000 characters");
      post(lobby, text, input.now, input.by);
      audit.push({ type: "moderator_said", ...base });
      break;
    }
  }
  return { ok: true, step: { lobby, audit } };
}
