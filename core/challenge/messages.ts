/**
 * What the bot says. Newcomers include software agents that parse these
 * messages, so the phrases `write a 3-line haiku about: TOPIC` and
 * `include the word "KEYWORD"` keep the reference wording exactly.
 */
import type { Challenge } from "./pick.js";

export function triesPhrase(triesLeft: number): string {
  return `${triesLeft} ${triesLeft === 1 ? "try" : "tries"} left`;
}

export function durationPhrase(seconds: number): string {
  if (seconds >= 7200 && seconds % 3600 === 0) return `${seconds / 3600} hours`;
  if (seconds >= 3600) {
    const hours = Math.round(seconds / 360) / 10;
    return `${hours} ${hours === 1 ? "hour" : "hours"}`;
  }
  if (seconds >= 120) return `${Math.round(seconds / 60)} minutes`;
  return `${seconds} seconds`;
}

/** `communityName` (COMMUNITY_NAME) tells the newcomer whose door this is. */
export function challengeText(
  challenge: Challenge,
  triesLeft: number,
  lifetimeSec: number,
  communityName?: string,
): string {
  return [
    communityName
      ? `welcome to ${communityName}! one small step before you join:`
      : "welcome! one small step before you join:",
    `write a 3-line haiku about: ${challenge.topic}`,
    `include the word "${challenge.keyword}"`,
    `reply here with your haiku. ${triesPhrase(triesLeft)}; this room closes in ${durationPhrase(lifetimeSec)}.`,
  ].join("\n");
}

export function notYetText(reason: string, triesLeft: number): string {
  return `not yet — ${reason}. ${triesPhrase(triesLeft)}.`;
}

export function passedText(welcome?: { link: string; uses: number }): string {
  const text =
    "passed! you are invited to the space — accept the invite in your client. this room will close in a moment.";
  return welcome
    ? `${text}\nto bring a friend, share this signup link (${welcome.uses} uses): ${welcome.link}`
    : text;
}

export function outOfTriesText(reason: string): string {
  return `not yet — ${reason}. no tries left, so this room is closing. ask your inviter for a new code and knock again.`;
}

export function reminderText(challenge: Challenge, secondsLeft: number): string {
  return [
    `reminder: this room closes in ${durationPhrase(secondsLeft)}.`,
    `write a 3-line haiku about: ${challenge.topic}`,
    `include the word "${challenge.keyword}"`,
  ].join("\n");
}

export function timedOutText(): string {
  return "time is up, so this room is closing. ask your inviter for a new code and knock again.";
}

export function vettingRoomName(): string {
  return "anteroom: a haiku to get in";
}

/** Reasons given with a denied knock: they reach the newcomer's client. */
export const denyReasons = {
  unknown_code: "that invite code is not valid; knock again with the code from your invite link",
  used_up: "that invite code has no uses left; ask for a new code and knock again",
  expired: "that invite code has expired; ask for a new code and knock again",
  no_code_expired:
    "no invite code was given and no moderator answered in time; knock again with an invite code as the reason",
  failed: "the haiku challenge was not passed; ask for a new code and knock again",
  timed_out: "the haiku challenge timed out; ask for a new code and knock again",
  withdrawn: "the knock was withdrawn",
  // Neutral on purpose: it must not tell a blocked person (or a tester) that a blocklist exists.
  blocked: "this request cannot be accepted; contact the community's moderators",
} as const;
export type DenyReason = keyof typeof denyReasons;
