// Triage lists invites nobody answered: once the engine reminded about them, or after a day.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { PendingInvite } from "../../core/admission/invites.js";
import { UNANSWERED_AFTER_MS } from "../../core/moderation/triage.js";
import { triageItems } from "../../ui/state/triage.js";
import { bindingById } from "../../ui/keys/registry.js";
import { record } from "./admin-fakes.js";

const T0 = 1_700_000_000_000;
const MIN = 60_000;

const invite = (user: string, extra: Partial<PendingInvite> = {}): PendingInvite => ({
  user,
  invitedAt: T0,
  rooms: ["!space:hs", "!chat:hs", "!news:hs"],
  via: "vetting",
  ...extra,
});

const held = record("$held", "@held:hs", "held");

test("a fresh invite is not trouble; one unanswered for a day is, with who, since when and via what", () => {
  const fresh = triageItems([], [], [invite("@new:hs")], T0 + UNANSWERED_AFTER_MS - MIN);
  assert.deepEqual(fresh, []);
  const [item] = triageItems([], [], [invite("@slow:hs")], T0 + UNANSWERED_AFTER_MS);
  assert.equal(item?.kind, "unanswered");
  assert.equal(item?.since, T0);
  assert.equal(item?.subject.invite?.user, "@slow:hs");
  assert.equal(item?.detail, "invite not accepted (via vetting; space + 2 rooms)");
  assert.equal(item?.fix, "withdraw");
  assert.ok(bindingById(item?.fix ?? "")?.destructive, "the fix asks first");
});

test("an invite the engine reminded about is listed at once, saying when it reminded", () => {
  const [item] = triageItems(
    [],
    [],
    [invite("@slow:hs", { remindedAt: T0 + 10 * MIN, rooms: ["!space:hs"] })],
    T0 + 40 * MIN,
  );
  assert.equal(item?.kind, "unanswered");
  assert.equal(item?.detail, "invite not accepted (via vetting; space), reminded 30 min ago");
});

test("unanswered invites come after what the engine or a newcomer waits on, oldest first", () => {
  const now = T0 + 3 * UNANSWERED_AFTER_MS;
  const items = triageItems(
    [held],
    [],
    [invite("@later:hs", { invitedAt: T0 + MIN }), invite("@first:hs")],
    now,
  );
  assert.deepEqual(
    items.map((item) => `${item.kind} ${item.subject.record?.user ?? item.subject.invite?.user}`),
    ["held @held:hs", "unanswered @first:hs", "unanswered @later:hs"],
  );
});

test("what the invite says came from the outside is shown without control characters", () => {
  const [item] = triageItems(
    [],
    [],
    [invite("@x:hs", { via: "vetting\u001b]52;c;AAAA\u0007" })],
    T0 + UNANSWERED_AFTER_MS,
  );
  // eslint-disable-next-line no-control-regex -- looking for control characters is the point
  assert.doesNotMatch(item?.detail ?? "", /[\u0000-\u001f]/);
});
