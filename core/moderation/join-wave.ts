/**
 * Join-wave protection: when knocks and lobby requests arrive faster than
 * `threshold` a minute, auto-approval pauses (the space stays open; vetting
 * rooms still open, passes wait for a moderator). It resumes by itself once the
 * rate has stayed below `resumeBelow` a minute for `quietMs` — a lower level
 * than the one that started it, so a rate hovering at the threshold does not
 * flap — or at once when a moderator says so. A moderator's resume holds for
 * the rest of that wave: only a new wave, after the quiet period, pauses again.
 *
 * Pure and clock-driven: every call takes the time (ms). Memory is bounded
 * under any flood: only the newest `threshold + 1` arrival times are kept,
 * which is all the two rate checks need.
 *
 * Use: `recordArrival` for each knock or lobby request, `tickJoinWave` on the
 * engine's timer, `resumeJoinWave` for a moderator, `isAutoApprovalPaused`
 * before approving on its own. A returned transition is for the operator room,
 * the console and the audit log.
 */

export interface JoinWaveSettings {
  /** Arrivals per minute above which auto-approval pauses; 0 turns the detector off. */
  threshold: number;
  /** The wave is passing while arrivals per minute stay below this (1 ≤ resumeBelow ≤ threshold). */
  resumeBelow: number;
  /** How long the rate must stay below `resumeBelow` before auto-approval resumes by itself. */
  quietMs: number;
}

export const DEFAULT_JOIN_WAVE_SETTINGS: JoinWaveSettings = {
  threshold: 10,
  resumeBelow: 3,
  quietMs: 5 * 60_000,
};

const WINDOW_MS = 60_000;
const MAX_THRESHOLD = 10_000;
const MAX_QUIET_MS = 24 * 3600_000;

/** Checks settings from configuration; throws an Error that names the setting. */
export function checkJoinWaveSettings(settings: JoinWaveSettings): JoinWaveSettings {
  const { threshold, resumeBelow, quietMs } = settings;
  if (!Number.isInteger(threshold) || threshold < 0 || threshold > MAX_THRESHOLD) {
    throw new Error(
      `join-wave threshold must be a whole number of arrivals a minute from 0 (off) to ${MAX_THRESHOLD}, not ${threshold}`,
    );
  }
  if (
    threshold > 0 &&
    (!Number.isInteger(resumeBelow) || resumeBelow < 1 || resumeBelow > threshold)
  ) {
    throw new Error(
      `join-wave resume level must be a whole number from 1 to the threshold (${threshold}), not ${resumeBelow}`,
    );
  }
  if (!Number.isInteger(quietMs) || quietMs < 0 || quietMs > MAX_QUIET_MS) {
    throw new Error(`join-wave quiet period must be between 0 and 24 hours, not ${quietMs} ms`);
  }
  return settings;
}

export type JoinWaveMode =
  /** Auto-approval runs. */
  | "normal"
  /** A wave is on: auto-approval is paused. */
  | "paused"
  /** A wave is on but a moderator resumed auto-approval; it stays resumed until the wave passes. */
  | "overridden";

export interface JoinWaveState {
  mode: JoinWaveMode;
  /** The newest arrival times, oldest first; at most threshold + 1. */
  recent: number[];
  /** When the current wave started (modes paused and overridden). */
  waveStartedAt?: number;
  /** Arrivals since the current wave started. */
  arrivalsInWave: number;
  /** Until when arrivals ran at `resumeBelow` a minute or more: the wave's quiet period starts after. */
  loudUntil: number;
  /** The latest time seen: a time from the past is read as this one. */
  now: number;
}

export type JoinWaveTransition =
  | { kind: "started"; at: number; ratePerMinute: number; reason: string }
  | {
      kind: "ended";
      at: number;
      by: "quiet" | "moderator";
      moderator?: string;
      /** Arrivals during the wave. */
      arrivals: number;
      reason: string;
    };

export interface JoinWaveStep {
  state: JoinWaveState;
  transition?: JoinWaveTransition;
}

export function initialJoinWaveState(): JoinWaveState {
  return { mode: "normal", recent: [], arrivalsInWave: 0, loudUntil: 0, now: 0 };
}

export function isAutoApprovalPaused(state: JoinWaveState): boolean {
  return state.mode === "paused";
}

/** Arrivals in the minute up to `now`, counted up to threshold + 1. */
export function arrivalsLastMinute(state: JoinWaveState, now = state.now): number {
  return state.recent.filter((t) => t > now - WINDOW_MS && t <= now).length;
}

/** One knock or lobby request at time `at`. */
export function recordArrival(
  state: JoinWaveState,
  settings: JoinWaveSettings,
  at: number,
): JoinWaveStep {
  if (settings.threshold === 0) return { state };
  const now = Math.max(at, state.now);
  const recent = [...state.recent, now].slice(-(settings.threshold + 1));
  const inWave = state.mode !== "normal";
  // A wave that passed quietly ends before this arrival is weighed.
  const settled = settleQuietWave({ ...state, now }, settings, now);
  const next: JoinWaveState = {
    ...settled.state,
    recent,
    arrivalsInWave:
      settled.state.mode === "normal" ? 0 : settled.state.arrivalsInWave + (inWave ? 1 : 0),
    loudUntil: loudUntil(recent, settings, now, state.loudUntil),
  };
  if (settled.transition || next.mode !== "normal")
    return { state: next, transition: settled.transition };
  const rate = arrivalsLastMinute(next, now);
  if (rate <= settings.threshold) return { state: next };
  return {
    state: { ...next, mode: "paused", waveStartedAt: now, arrivalsInWave: rate },
    transition: {
      kind: "started",
      at: now,
      ratePerMinute: rate,
      reason: `more than ${settings.threshold} arrivals in the last minute`,
    },
  };
}

/** The engine's timer: ends a wave whose quiet period is over. */
export function tickJoinWave(
  state: JoinWaveState,
  settings: JoinWaveSettings,
  at: number,
): JoinWaveStep {
  const now = Math.max(at, state.now);
  return settleQuietWave({ ...state, now }, settings, now);
}

/** A moderator resumes auto-approval now; it holds until this wave has passed. */
export function resumeJoinWave(state: JoinWaveState, moderator: string, at: number): JoinWaveStep {
  const now = Math.max(at, state.now);
  if (state.mode !== "paused") return { state: { ...state, now } };
  return {
    state: { ...state, now, mode: "overridden" },
    transition: {
      kind: "ended",
      at: now,
      by: "moderator",
      moderator,
      arrivals: state.arrivalsInWave,
      reason: `resumed by ${moderator}`,
    },
  };
}

/**
 * After an arrival at `now`: while the last minute holds `resumeBelow` arrivals
 * or more, the rate stays that high until the resumeBelow-th newest of them
 * leaves the one-minute window.
 */
function loudUntil(
  recent: number[],
  settings: JoinWaveSettings,
  now: number,
  before: number,
): number {
  const kth = recent[recent.length - settings.resumeBelow];
  if (kth === undefined || kth <= now - WINDOW_MS) return before;
  return Math.max(before, kth + WINDOW_MS);
}

function settleQuietWave(
  state: JoinWaveState,
  settings: JoinWaveSettings,
  now: number,
): JoinWaveStep {
  if (state.mode === "normal") return { state };
  const quietFrom = Math.max(state.waveStartedAt ?? 0, state.loudUntil);
  const endsAt = quietFrom + settings.quietMs;
  if (now < endsAt) return { state };
  const { waveStartedAt: _started, ...rest } = state;
  const calm: JoinWaveState = { ...rest, mode: "normal", arrivalsInWave: 0 };
  if (state.mode === "overridden") return { state: calm };
  const minutes = Math.round(settings.quietMs / 60_000);
  return {
    state: calm,
    transition: {
      kind: "ended",
      at: endsAt,
      by: "quiet",
      arrivals: state.arrivalsInWave,
      reason: `fewer than ${settings.resumeBelow} arrivals a minute for ${minutes} min`,
    },
  };
}

/** The wave as front ends see it. */
export interface JoinWaveStatus {
  /** 0 when the detector is off. */
  readonly threshold: number;
  readonly mode: JoinWaveMode;
  /** Auto-approval is held back: passes wait for a moderator. */
  readonly paused: boolean;
  /** When the current wave started (ms). */
  readonly since?: number;
  readonly arrivalsLastMinute: number;
  readonly arrivalsInWave: number;
}
