import { test } from "node:test";
import assert from "node:assert/strict";
import { SendBreaker } from "../../src/matrix/send-breaker.js";

test("sends past the per-room cap wait for the window instead of going out", async () => {
  let now = 0;
  const trips: boolean[] = [];
  const breaker = new SendBreaker(
    { perMinute: 100, perRoomPerMinute: 3 },
    (open) => trips.push(open),
    () => now,
  );
  for (let i = 0; i < 3; i++) await breaker.admit("!flood");
  let fourth = false;
  const pending = breaker.admit("!flood").then(() => (fourth = true));
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(fourth, false, "the fourth message in a minute is held back");
  assert.deepEqual(trips, [true]);
  // Another room is not held back by the flooded one.
  await breaker.admit("!quiet");
  now = 60_001;
  await pending;
  assert.equal(fourth, true, "it goes out once the minute has passed");
});

test("the global cap holds back every room", async () => {
  let now = 0;
  const breaker = new SendBreaker(
    { perMinute: 2, perRoomPerMinute: 10 },
    () => undefined,
    () => now,
  );
  await breaker.admit("!a");
  await breaker.admit("!b");
  let third = false;
  const pending = breaker.admit("!c").then(() => (third = true));
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(third, false);
  now = 60_001;
  await pending;
  assert.equal(third, true);
});
