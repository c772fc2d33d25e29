/**
 * What the bot says in a lobby. The challenge itself is the vetting room's
 * text (challenge/messages.ts), so agents parse one phrasing; these are the
 * lines only a lobby needs: it is shared, so each line names the person, and
 * the way back in is a new join link, not a knock.
 */
import type { Challenge } from "../challenge/pick.js";
import { challengeText, durationPhrase, triesPhrase } from "../challenge/messages.js";

export function lobbyRoomName(): string {
  return "anteroom lobby: a haiku to get in";
}

export function lobbyRoomTopic(): string {
  return "join, wait a moment, and the bot posts a small challenge for you here";
}

export function lobbyChallengeText(
  user: string,
  challenge: Challenge,
  triesLeft: number,
  secondsLeft: number,
): string {
  return `${user}: ${challengeText(challenge, triesLeft, secondsLeft)}`;
}

/** The challenge once more, to someone who has not answered (the reference did this after 120 s). */
export function lobbyChallengeResentText(
  user: string,
  challenge: Challenge,
  triesLeft: number,
  secondsLeft: number,
): string {
  return `${user}: sending this again in case the first message did not reach you. ${challengeText(challenge, triesLeft, secondsLeft)}`;
}

export function lobbyNotYetText(user: string, reason: string, triesLeft: number): string {
  return `${user}: not yet — ${reason}. ${triesPhrase(triesLeft)}.`;
}

export function lobbyOutOfTriesText(user: string, reason?: string): string {
  const why = reason ? `not yet — ${reason}. ` : "";
  return `${user}: ${why}you have no tries left in this lobby. ask your inviter for a new join link.`;
}

export function lobbyTimedOutText(): string {
  return "time is up, so this lobby is closing. ask your inviter for a new join link.";
}

export function lobbyClosedText(): string {
  return "a moderator closed this lobby. ask your inviter for a new join link.";
}

export function lobbyMoreTriesText(user: string, triesLeft: number): string {
  return `${user}: a moderator gave you more tries: ${triesPhrase(triesLeft)}.`;
}

export function lobbyExtendedText(secondsLeft: number): string {
  return `a moderator gave this lobby more time: it now closes in ${durationPhrase(secondsLeft)}.`;
}
