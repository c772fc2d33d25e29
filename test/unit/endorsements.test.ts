// Who vouched for whom: the endorser of each kind of admission, and a person's live codes.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  endorsementOf,
  endorsementsOf,
  liveCodesOf,
  type EndorsementLookup,
} from "../../core/admission/endorsements.js";

const lookup: EndorsementLookup = {
  botUserId: "@bot:hs",
  inviteCodes: {
    MINTED: { uses_remaining: 0, label: "", minted_by: "@mod:hs" },
    GIVEN: { uses_remaining: 1, label: "", minted_by: "@mod:hs", inviter: "@ann:hs" },
    SEEDED: { uses_remaining: 3, label: "from INITIAL_CODES" },
  },
  signupCodes: { WELCOME: { uses_remaining: 9, label: "welcome:@ann:hs", inviter: "@ann:hs" } },
  codeOfRoom: (roomId) => ({ "!a:hs": "MINTED", "!b:hs": "GIVEN", "!c:hs": "SEEDED" })[roomId],
};

test("a code's inviter vouches, else its minter, else the bot", () => {
  const pass = (room: string) =>
    endorsementOf(
      { ts: 1, type: "promoted", user: "@new:hs", via: "vetting", room_id: room },
      lookup,
    )?.endorser;
  assert.equal(pass("!a:hs"), "@mod:hs");
  assert.equal(pass("!b:hs"), "@ann:hs");
  assert.equal(pass("!c:hs"), "@bot:hs");
});

test("a moderator's approval or override is theirs, and manual; a form invite without one is the bot's", () => {
  for (const via of ["moderator", "override"]) {
    assert.deepEqual(
      endorsementOf(
        { ts: 2, type: "promoted", user: "@held:hs", via, by: "@mod:hs", room_id: "!a:hs" },
        lookup,
      ),
      {
        endorser: "@mod:hs",
        invitee: "@held:hs",
        code_or_manual: "manual",
        room_id: "!a:hs",
        ts: 2,
      },
    );
  }
  assert.equal(
    endorsementOf({ ts: 3, type: "promoted", user: "@f:hs", via: "form" }, lookup)?.endorser,
    "@bot:hs",
  );
});

test("a signup is vouched for by its code's inviter; other audit records are no admission", () => {
  assert.deepEqual(
    endorsementOf({ ts: 4, type: "signup", user_id: "@s:hs", code: "WELCOME" }, lookup),
    {
      endorser: "@ann:hs",
      invitee: "@s:hs",
      code_or_manual: "WELCOME",
      room_id: null,
      ts: 4,
    },
  );
  assert.equal(endorsementOf({ ts: 5, type: "knock_received", user: "@x:hs" }, lookup), undefined);
});

test("a person's tree and live codes: used-up and expired codes are not live", () => {
  const all = [
    { endorser: "@mod:hs", invitee: "@ann:hs", code_or_manual: "MINTED", room_id: null, ts: 1 },
    { endorser: "@ann:hs", invitee: "@bo:hs", code_or_manual: "GIVEN", room_id: null, ts: 2 },
  ];
  const tree = endorsementsOf("@ann:hs", all);
  assert.equal(tree.endorsedBy?.endorser, "@mod:hs");
  assert.deepEqual(
    tree.endorsed.map((e) => e.invitee),
    ["@bo:hs"],
  );
  assert.deepEqual(liveCodesOf("@mod:hs", lookup.inviteCodes, 0), ["GIVEN"]);
  const expired = { OLD: { uses_remaining: 5, label: "", minted_by: "@mod:hs", expires_at: 10 } };
  assert.deepEqual(liveCodesOf("@mod:hs", expired, 11), []);
});
