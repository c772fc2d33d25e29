/** An operator acts only on people below them in every room the action touches. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { outOfReachReason, roomsOutOfReach } from "../../core/moderation/reach.js";

const T = "@target:example.org";
const room = (roomId: string, level?: number) => ({
  roomId,
  content: { users: level === undefined ? {} : { [T]: level }, users_default: 0 },
});

test("a target below the operator everywhere is in reach; one room where they are not is enough to refuse", () => {
  assert.deepEqual(roomsOutOfReach(50, T, [room("!space", 10), room("!a"), room("!b", 49)]), []);
  const out = roomsOutOfReach(50, T, [room("!space", 10), room("!a", 60), room("!b", 50)]);
  assert.deepEqual(out, [
    { roomId: "!a", level: 60 },
    { roomId: "!b", level: 50 },
  ]);
  assert.equal(
    outOfReachReason(T, 50, out),
    `${T} has power level 60 in !a, 50 in !b, not below yours (50): nothing was done`,
  );
});

test("a room creator (room version 12) is out of an operator's reach", () => {
  const owned = { roomId: "!v12", content: { users: {} }, creators: [T] };
  assert.deepEqual(roomsOutOfReach(100, T, [owned]), [{ roomId: "!v12", level: Infinity }]);
  assert.match(outOfReachReason(T, 100, roomsOutOfReach(100, T, [owned])), /unlimited in !v12/);
});

test("unlimited authority (the allowlist, the admin API) leaves the last word to the homeserver", () => {
  assert.deepEqual(roomsOutOfReach(Infinity, T, [room("!a", 150)]), []);
});
