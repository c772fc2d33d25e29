/**
 * What moderators may do to a knock or a vetting room: let in, turn away,
 * give more tries or time, speak as the bot, change the topic. Pure, like the
 * state machine it extends: `command(record, input, settings)` gives the next
 * record (effects in its outbox) and audit entries, or a refusal saying why.
 */
import type { AuditEntry } from "../effects.js";
import type { Challenge } from "../challenge/pick.js";
import * as say from "../challenge/messages.js";
import {
  ACTIVE_PHASES,
  challengeOf,
  close,
  enqueue,
  post,
  turnAway,
  type Step,
  type VettingRecord,
  type VettingSettings,
} from "./record.js";

export type ModeratorAction =
  /** Let the person in now, whatever the challenge says (also overrides a failed or timed-out vetting). */
  | { action: "approve" }
  | { action: "reject"; reason?: string }
  | { action: "addTries"; tries: number }
  | { action: "extend"; seconds: number }
  | { action: "say"; text: string }
  /** Post the challenge again, with a new topic when one is given. */
  | { action: "repost"; challenge?: Challenge }
  /** Close the vetting room without a decision on the knock. */
  | { action: "close" }
  /** A held knock (no code) gets the challenge after all: a vetting room, no code charged. */
  | { action: "vet"; challenge?: Challenge }
  /** Invite a passed newcomer again, after the invite failed for good. */
  | { action: "reinvite" };

export type ModeratorCommand = ModeratorAction & { readonly by: string; readonly now: number };

export type CommandOutcome = { ok: true; step: Step } | { ok: false; error: string };

/** Closed records that a moderator may still let in: the person was turned away by the challenge, not by a person. */
export const OVERRIDABLE_PHASES: ReadonlySet<string> = new Set(["failed", "timed_out", "denied"]);

export function command(
  record: VettingRecord,
  input: ModeratorCommand,
  settings: VettingSettings,
): CommandOutcome {
  const next = structuredClone(record);
  const audit: AuditEntry[] = [];
  const active = ACTIVE_PHASES.has(next.phase);
  const refuse = (why: string): CommandOutcome => ({ ok: false, error: why });
  const base = { user: next.user, by: input.by, room_id: next.roomId };
  switch (input.action) {
    case "approve": {
      if (!active && !OVERRIDABLE_PHASES.has(next.phase)) return refuse(`already ${next.phase}`);
      const overridden = !active;
      close(next, overridden ? "overridden" : "approved", input.now, "passed");
      enqueue(next, { kind: "admitToCommunity", user: next.user });
      // An override must not wait behind the failed room's delayed farewell.
      next.outbox.sort(
        (a, b) => Number(a.effect.kind === "leaveRoom") - Number(b.effect.kind === "leaveRoom"),
      );
      if (active && next.roomId) {
        post(next, "a moderator let you in. " + say.passedText(), input.now);
        enqueue(
          next,
          { kind: "leaveRoom", roomId: next.roomId },
          input.now + settings.farewellDelaySec * 1000,
        );
      }
      audit.push({ type: "promoted", via: overridden ? "override" : "moderator", ...base });
      break;
    }
    case "reject": {
      if (!active) return refuse(`already ${next.phase}`);
      const reason = input.reason?.trim() || "a moderator declined the knock";
      close(next, "rejected", input.now, "denied");
      if (next.roomId)
        post(next, `a moderator declined: ${reason}. this room is closing.`, input.now);
      turnAway(next, reason);
      if (next.roomId) {
        enqueue(
          next,
          { kind: "leaveRoom", roomId: next.roomId },
          input.now + settings.farewellDelaySec * 1000,
        );
      }
      audit.push({ type: "knock_rejected", reason: "moderator", note: reason, ...base });
      break;
    }
    case "addTries": {
      if (next.phase !== "open") return refuse("only an open vetting room takes more tries");
      if (!Number.isInteger(input.tries) || input.tries < 1 || input.tries > 20)
        return refuse("tries must be 1–20");
      next.triesLeft += input.tries;
      post(next, `a moderator gave you more tries: ${say.triesPhrase(next.triesLeft)}.`, input.now);
      audit.push({
        type: "vetting_tries_added",
        tries: input.tries,
        tries_left: next.triesLeft,
        ...base,
      });
      break;
    }
    case "extend": {
      if (next.phase !== "open" || next.expiresAt === undefined)
        return refuse("only an open vetting room can be extended");
      if (!Number.isInteger(input.seconds) || input.seconds < 60 || input.seconds > 7 * 86400) {
        return refuse("extend by 1 minute to 7 days");
      }
      next.expiresAt += input.seconds * 1000;
      delete next.remindedAt; // a fresh reminder before the new end
      const left = Math.round((next.expiresAt - input.now) / 1000);
      post(
        next,
        `a moderator gave you more time: this room now closes in ${say.durationPhrase(left)}.`,
        input.now,
      );
      audit.push({
        type: "vetting_extended",
        seconds: input.seconds,
        expires_at: next.expiresAt / 1000,
        ...base,
      });
      break;
    }
    case "say": {
      if (next.phase !== "open") return refuse("only an open vetting room can be spoken in");
      const text = input.text.trim();
      if (!text || text.length > 2000) return refuse("say 1–2000 characters");
      post(next, text, input.now, input.by);
      audit.push({ type: "moderator_said", ...base });
      break;
    }
    case "repost": {
      if (next.phase !== "open" || next.expiresAt === undefined)
        return refuse("only an open vetting room has a challenge to post");
      if (input.challenge) {
        const unfit = challengeProblem(input.challenge);
        if (unfit) return refuse(unfit);
        next.challenge = input.challenge;
      }
      const left = Math.max(1, Math.round((next.expiresAt - input.now) / 1000));
      const text = say.challengeText(
        challengeOf(next),
        next.triesLeft,
        left,
        settings.communityName,
      );
      post(next, text, input.now);
      audit.push({
        type: "vetting_reposted",
        topic: next.challenge?.topic,
        keyword: next.challenge?.keyword,
        ...base,
      });
      break;
    }
    case "vet": {
      if (next.phase !== "held") return refuse("only a held knock can be sent to vetting");
      if (!input.challenge) return refuse("no challenge to send");
      const unfit = challengeProblem(input.challenge);
      if (unfit) return refuse(unfit);
      next.phase = "opening";
      next.challenge = input.challenge;
      delete next.holdUntil;
      enqueue(next, { kind: "createVettingRoom", key: next.key, user: next.user });
      audit.push({ type: "knock_sent_to_vetting", ...base });
      break;
    }
    case "reinvite": {
      if (next.phase !== "passed") return refuse("only a passed newcomer can be invited again");
      enqueue(next, { kind: "admitToCommunity", user: next.user });
      audit.push({ type: "reinvited", ...base });
      break;
    }
    case "close": {
      if (next.phase !== "open" && next.phase !== "opening")
        return refuse("only an open vetting room can be closed");
      close(next, "closed_by_moderator", input.now, "withdrawn");
      if (next.roomId) {
        post(next, "a moderator closed this room.", input.now);
        enqueue(
          next,
          { kind: "leaveRoom", roomId: next.roomId },
          input.now + settings.farewellDelaySec * 1000,
        );
      }
      audit.push({ type: "vetting_closed", ...base });
      break;
    }
  }
  return { ok: true, step: { record: next, audit } };
}

/** Why a moderator's own challenge cannot be set: the keyword must be one word a haiku can hold. */
export function challengeProblem(challenge: Challenge): string | undefined {
  if (!challenge.topic.trim()) return "the topic is empty";
  if (!/^[\p{L}\p{M}\p{N}'-]{1,40}$/u.test(challenge.keyword)) {
    return `the keyword must be one word (1–40 letters): "${challenge.keyword}" is not`;
  }
  return undefined;
}
