/**
 * The engine's join-wave side: every knock and lobby request is an arrival
 * for the detector (core/moderation/join-wave.ts); while a wave is on, passes
 * wait for a moderator. A transition is made durable, audited and published
 * (the console and the operator-room notice follow the event stream).
 *
 * Arrivals are counted synchronously so that the very next reply already
 * sees the pause; the writes that follow run in the background, in order.
 */
import type { AuditSink, Clock, Log, Store } from "../ports.js";
import {
  arrivalsLastMinute,
  DEFAULT_JOIN_WAVE_SETTINGS,
  initialJoinWaveState,
  isAutoApprovalPaused,
  recordArrival,
  resumeJoinWave,
  tickJoinWave,
  type JoinWaveSettings,
  type JoinWaveState,
  type JoinWaveStatus,
  type JoinWaveStep,
  type JoinWaveTransition,
} from "../moderation/join-wave.js";
import type { EngineEvents } from "./events.js";

export interface JoinWaveDeskDeps {
  readonly clock: Clock;
  readonly audit: AuditSink;
  readonly events: EngineEvents;
  readonly log: Log;
  /** Keeps a pause across restarts; without it the wave lives in memory only. */
  readonly store?: Store<JoinWaveState>;
}

/** The engine's settings when none are given: off, so an engine built without them never pauses. */
export const JOIN_WAVE_OFF: JoinWaveSettings = { ...DEFAULT_JOIN_WAVE_SETTINGS, threshold: 0 };

export class JoinWaveDesk {
  private state: JoinWaveState;
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: JoinWaveDeskDeps,
    private readonly settings: JoinWaveSettings = JOIN_WAVE_OFF,
  ) {
    this.state = deps.store?.value ?? initialJoinWaveState();
  }

  get paused(): boolean {
    return this.settings.threshold > 0 && isAutoApprovalPaused(this.state);
  }

  status(): JoinWaveStatus {
    const { mode, waveStartedAt, arrivalsInWave } = this.state;
    return {
      threshold: this.settings.threshold,
      mode,
      paused: this.paused,
      ...(waveStartedAt === undefined ? {} : { since: waveStartedAt }),
      arrivalsLastMinute: arrivalsLastMinute(this.state, this.deps.clock.now()),
      arrivalsInWave,
    };
  }

  /** One knock or lobby request, now. */
  arrive(): void {
    this.take(recordArrival(this.state, this.settings, this.deps.clock.now()));
  }

  /** The engine's timer. True when a wave just ended (the waiting passes may go in). */
  tick(): boolean {
    return this.take(tickJoinWave(this.state, this.settings, this.deps.clock.now())) === "ended";
  }

  /** A moderator resumes auto-approval now; false when nothing was paused. */
  resume(by: string): boolean {
    return this.take(resumeJoinWave(this.state, by, this.deps.clock.now())) === "ended";
  }

  /** Resolves when every transition so far is on disk and in the audit log. */
  flushed(): Promise<void> {
    return this.writes;
  }

  private take(next: JoinWaveStep): JoinWaveTransition["kind"] | undefined {
    // The clock alone moving on is not worth a write: the tick made that happen every second,
    // each an fsync'd rewrite of the file. A state read back after a restart is carried forward
    // to the clock (never back) at its first tick or arrival, so an older `now` there is harmless.
    const changed =
      JSON.stringify({ ...next.state, now: 0 }) !== JSON.stringify({ ...this.state, now: 0 });
    this.state = next.state;
    if (!changed && !next.transition) return undefined;
    const { store } = this.deps;
    store?.update(() => next.state);
    if (!next.transition) return undefined;
    this.announce(next.transition);
    return next.transition.kind;
  }

  private announce(transition: JoinWaveTransition): void {
    const ts = transition.at / 1000;
    const entry =
      transition.kind === "started"
        ? {
            type: "join_wave_started",
            rate_per_min: transition.ratePerMinute,
            threshold: this.settings.threshold,
            reason: transition.reason,
          }
        : {
            type: "join_wave_ended",
            by: transition.by,
            ...(transition.moderator === undefined ? {} : { moderator: transition.moderator }),
            arrivals: transition.arrivals,
            reason: transition.reason,
          };
    this.deps.events.emit({ type: "joinWave", wave: this.status(), transition });
    this.deps.events.emit({ type: "audit", entry: { ts, ...entry } });
    const store = this.deps.store;
    this.writes = this.writes
      .then(() => Promise.all([store?.flush(), this.deps.audit.append({ ts, ...entry })]))
      .then(
        () => undefined,
        (error: unknown) =>
          this.deps.log.error({ err: error, type: entry.type }, "could not record a join wave"),
      );
  }
}
