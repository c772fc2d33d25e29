import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { SendBreaker } from "../../src/matrix/send-breaker.js";

/**
 * The breaker reads the time from its clock and looks again on a timer: fake both, and let
 * `seconds` of re-checks run (each timer, then the check it wakes).
 */
function fakeTime(t: TestContext) {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const clock = { now: 0 };
  const pass = async (seconds: number) => {
    for (let i = 0; i < seconds; i++) {
      t.mock.timers.tick(1000);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { clock, pass };
}

test("sends past the per-room cap wait for the window instead of going out", async (t) => {
  const { clock, pass } = fakeTime(t);
  const trips: boolean[] = [];
  const breaker = new SendBreaker(
    { perMinute: 100, perRoomPerMinute: 3 },
    (open) => trips.push(open),
    () => clock.now,
  );
  for (let i = 0; i < 3; i++) await breaker.admit("!flood");
  let fourth = false;
  const pending = breaker.admit("!flood").then(() => (fourth = true));
  await pass(5);
  assert.equal(fourth, false, "the fourth message in a minute is held back");
  assert.deepEqual(trips, [true]);
  // Another room is not held back by the flooded one.
  await breaker.admit("!quiet");
  clock.now = 60_001;
  await pass(1);
  await pending;
  assert.equal(fourth, true, "it goes out once the minute has passed");
});

test("the global cap holds back every room", async (t) => {
  const { clock, pass } = fakeTime(t);
  const breaker = new SendBreaker(
    { perMinute: 2, perRoomPerMinute: 10 },
    () => undefined,
    () => clock.now,
  );
  await breaker.admit("!a");
  await breaker.admit("!b");
  let third = false;
  const pending = breaker.admit("!c").then(() => (third = true));
  await pass(5);
  assert.equal(third, false);
  clock.now = 60_001;
  await pass(1);
  await pending;
  assert.equal(third, true);
});
