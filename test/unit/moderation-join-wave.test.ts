import assert from "node:assert/strict";
import { test } from "node:test";
import {
  arrivalsLastMinute,
  checkJoinWaveSettings,
  initialJoinWaveState,
  isAutoApprovalPaused,
  recordArrival,
  resumeJoinWave,
  tickJoinWave,
  type JoinWaveSettings,
  type JoinWaveState,
  type JoinWaveTransition,
} from "../../core/moderation/join-wave.js";

const SETTINGS: JoinWaveSettings = { threshold: 10, resumeBelow: 3, quietMs: 5 * 60_000 };
const MIN = 60_000;

/** Feeds arrivals at a steady rate from `from` for `minutes`, collecting transitions. */
function arrive(
  state: JoinWaveState,
  perMinute: number,
  from: number,
  minutes: number,
  settings = SETTINGS,
): { state: JoinWaveState; transitions: JoinWaveTransition[]; end: number } {
  const transitions: JoinWaveTransition[] = [];
  const gap = MIN / perMinute;
  let t = from;
  for (let i = 0; i < perMinute * minutes; i++) {
    t = from + i * gap;
    const step = recordArrival(state, settings, t);
    state = step.state;
    if (step.transition) transitions.push(step.transition);
  }
  return { state, transitions, end: t };
}

test("a steady trickle below the threshold never pauses auto-approval", () => {
  const run = arrive(initialJoinWaveState(), 10, 0, 60);
  assert.deepEqual(run.transitions, []);
  assert.equal(isAutoApprovalPaused(run.state), false);
});

test("a burst above the threshold pauses once, with the rate and the reason", () => {
  const run = arrive(initialJoinWaveState(), 30, 1_000_000, 3);
  assert.equal(run.transitions.length, 1);
  const [started] = run.transitions;
  assert.equal(started?.kind, "started");
  assert.ok(started?.kind === "started" && started.ratePerMinute === 11);
  assert.match(started.reason, /more than 10 arrivals in the last minute/);
  assert.equal(isAutoApprovalPaused(run.state), true);
});

test("the pause ends by itself after a quiet period, at the exact time, counting the wave", () => {
  const wave = arrive(initialJoinWaveState(), 30, 0, 2);
  // Nothing more arrives. The 3rd newest arrival leaves the window a minute after it came.
  const thirdNewest = wave.end - 2 * 2_000;
  const quietFrom = thirdNewest + MIN;
  const early = tickJoinWave(wave.state, SETTINGS, quietFrom + SETTINGS.quietMs - 1);
  assert.equal(early.transition, undefined);
  assert.equal(isAutoApprovalPaused(early.state), true);
  const late = tickJoinWave(early.state, SETTINGS, quietFrom + SETTINGS.quietMs + 30 * MIN);
  assert.deepEqual(late.transition, {
    kind: "ended",
    at: quietFrom + SETTINGS.quietMs,
    by: "quiet",
    arrivals: wave.state.arrivalsInWave,
    reason: "fewer than 3 arrivals a minute for 5 min",
  });
  assert.ok(wave.state.arrivalsInWave >= 50, "the wave's arrivals are counted");
  assert.equal(isAutoApprovalPaused(late.state), false);
});

test("hysteresis: a rate between the resume level and the threshold keeps the pause", () => {
  const wave = arrive(initialJoinWaveState(), 30, 0, 1);
  const hovering = arrive(wave.state, 8, wave.end + 1, 30);
  assert.deepEqual(hovering.transitions, []);
  assert.equal(
    isAutoApprovalPaused(tickJoinWave(hovering.state, SETTINGS, hovering.end + 1).state),
    true,
  );
  // Slowing to 2 a minute lets it pass after the quiet period.
  const slow = arrive(hovering.state, 2, hovering.end + 1, 10);
  assert.deepEqual(
    slow.transitions.map((t) => [t.kind, t.kind === "ended" && t.by]),
    [["ended", "quiet"]],
  );
});

test("a moderator's resume holds for the rest of the wave; the next wave pauses again", () => {
  const wave = arrive(initialJoinWaveState(), 30, 0, 1);
  const resumed = resumeJoinWave(wave.state, "@mod:example.org", wave.end + 1);
  assert.equal(resumed.transition?.kind, "ended");
  assert.ok(resumed.transition?.kind === "ended" && resumed.transition.by === "moderator");
  assert.equal(resumed.transition.moderator, "@mod:example.org");
  assert.equal(isAutoApprovalPaused(resumed.state), false);
  // The same wave goes on: no new pause.
  const goesOn = arrive(resumed.state, 30, wave.end + 2, 10);
  assert.deepEqual(goesOn.transitions, []);
  assert.equal(isAutoApprovalPaused(goesOn.state), false);
  // It passes (quiet for longer than the quiet period), then a new wave comes.
  const calm = tickJoinWave(goesOn.state, SETTINGS, goesOn.end + MIN + SETTINGS.quietMs + 1);
  assert.equal(calm.transition, undefined, "the moderator already ended it");
  const next = arrive(calm.state, 30, goesOn.end + 2 * MIN + SETTINGS.quietMs, 1);
  assert.deepEqual(
    next.transitions.map((t) => t.kind),
    ["started"],
  );
  // Resuming when nothing is paused does nothing.
  assert.equal(resumeJoinWave(calm.state, "@mod:example.org", 0).transition, undefined);
});

test("memory stays bounded under a flood of a million arrivals", () => {
  let state = initialJoinWaveState();
  for (let i = 0; i < 1_000_000; i++) state = recordArrival(state, SETTINGS, i).state;
  assert.ok(state.recent.length <= SETTINGS.threshold + 1);
  assert.equal(isAutoApprovalPaused(state), true);
  assert.equal(state.arrivalsInWave, 1_000_000);
  assert.equal(arrivalsLastMinute(state), SETTINGS.threshold + 1);
});

test("a time from the past is read as now, and a threshold of 0 turns the detector off", () => {
  let state = arrive(initialJoinWaveState(), 5, 10 * MIN, 1).state;
  state = recordArrival(state, SETTINGS, 0).state;
  assert.equal(state.now >= 10 * MIN, true);
  const off = arrive(initialJoinWaveState(), 1000, 0, 1, { ...SETTINGS, threshold: 0 });
  assert.deepEqual(off.transitions, []);
  assert.deepEqual(off.state.recent, []);
});

test("settings are checked with errors that name them", () => {
  assert.throws(() => checkJoinWaveSettings({ ...SETTINGS, threshold: -1 }), /threshold/);
  assert.throws(() => checkJoinWaveSettings({ ...SETTINGS, threshold: 2.5 }), /threshold/);
  assert.throws(() => checkJoinWaveSettings({ ...SETTINGS, resumeBelow: 11 }), /resume level/);
  assert.throws(() => checkJoinWaveSettings({ ...SETTINGS, resumeBelow: 0 }), /resume level/);
  assert.throws(() => checkJoinWaveSettings({ ...SETTINGS, quietMs: Number.NaN }), /quiet period/);
  assert.deepEqual(checkJoinWaveSettings(SETTINGS), SETTINGS);
});
