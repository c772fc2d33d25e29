// Triage lists operator-room messages the bot could not decrypt, for a day after the last one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FAILED_SHOWN_MS, troubles } from "../../core/moderation/triage.js";
import { record } from "./admin-fakes.js";

const T0 = 1_700_000_000_000;

test("an unreadable operator-room message is listed after what keeps failing, until a day after the last one", () => {
  const lost = { count: 2, last: { at: T0, sender: "@mod:hs" } };
  const held = record("$held", "@held:hs", "held");
  const listed = troubles([held], [], [], T0 + 1000, lost);
  assert.deepEqual(
    listed.map((t) => [t.kind, t.since]),
    [
      ["unreadable", T0],
      ["held", held.knockedAt],
    ],
  );
  assert.equal(listed[0]?.subject.undecryptable?.last?.sender, "@mod:hs");
  assert.deepEqual(troubles([], [], [], T0 + FAILED_SHOWN_MS, lost), []);
  assert.deepEqual(troubles([], [], [], T0, { count: 0 }), []);
});
