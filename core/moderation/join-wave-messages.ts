/** What newcomers and operators are told while a join wave holds auto-approval back. */

/** A pass that waits for a moderator: the answer counts, the invite comes later. */
export function passAwaitsModeratorText(): string {
  return "your answer was accepted! many people are arriving right now, so a moderator will let you in shortly — please stay in this room.";
}

/** The wave is over or a moderator let the person in: the invite is on its way. */
export function releasedText(): string {
  return "you are let in: you are invited to the space — accept the invite in your client. this room will close in a moment.";
}

export function waveStartedNotice(ratePerMinute: number, reason: string): string {
  return `join wave: ${ratePerMinute} arrivals in the last minute (${reason}). auto-approval is paused; passed newcomers wait for a moderator. resume with POST /admin/v1/join-wave/resume.`;
}

export function waveEndedNotice(arrivals: number, reason: string, released: number): string {
  return `join wave over (${reason}; ${arrivals} arrivals during it). auto-approval resumed${released > 0 ? `; ${released} waiting newcomer(s) are being let in` : ""}.`;
}
