// LOBBY_RESEND_AFTER_SEC, the reference approver's setting: a lobby challenge is posted once
// more to someone who has not answered, and only once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_HAIKU_RULES } from "../../core/challenge/judge.js";
import {
  nextLobbyDeadline,
  openingLobby,
  stepLobby,
  type LobbyInput,
  type LobbyRecord,
  type LobbySettings,
} from "../../core/lobby/record.js";
import { carryOverLobbyBook } from "../../core/migration/reference-lobby.js";

const settings: LobbySettings = {
  maxTries: 3,
  lifetimeSec: 7200,
  challengeDelaySec: 5,
  resendAfterSec: 120,
  farewellDelaySec: 10,
  rules: DEFAULT_HAIKU_RULES,
  welcome: { uses: 0, linkBase: "https://hs.example" },
};
const T0 = 1_700_000_000_000;
const ADA = "@ada:hs.example";
const bad = "morning light arrives\nthe kettle waits beside the door\nwe begin again";

/** A lobby where Ada joined and was shown the challenge at T0 + 5 s. */
function challenged(overrides: Partial<LobbySettings> = {}): LobbyRecord {
  const s = { ...settings, ...overrides };
  let lobby = openingLobby(
    { key: "lobby:r1", code: "ABC", codeLabel: "friends", now: T0 },
    { topic: "autumn rain", keyword: "puddle" },
    s,
  ).lobby;
  for (const input of [
    { type: "roomReady", roomId: "!l:hs.example", alias: "#a:hs.example", now: T0 },
    { type: "members", joined: [ADA], now: T0 },
    { type: "tick", now: T0 + 5000 },
  ] as LobbyInput[])
    lobby = stepLobby(lobby, input, s).lobby;
  return { ...lobby, outbox: [] };
}

const sent = (lobby: LobbyRecord) =>
  lobby.outbox.flatMap((p) => (p.effect.kind === "send" ? [p.effect.text] : []));

test("a silent person gets the challenge once more after the resend delay, and only once", () => {
  const lobby = challenged();
  assert.equal(nextLobbyDeadline(lobby), T0 + 5000 + 120_000);
  const early = stepLobby(lobby, { type: "tick", now: T0 + 60_000 }, settings);
  assert.deepEqual(sent(early.lobby), []);
  const due = stepLobby(lobby, { type: "tick", now: T0 + 125_000 }, settings);
  const [text] = sent(due.lobby);
  assert.match(text ?? "", new RegExp(`^${ADA}: sending this again`));
  assert.match(text ?? "", /write a 3-line haiku about: autumn rain/);
  assert.match(text ?? "", /include the word "puddle"/);
  assert.ok(due.audit.some((a) => a.type === "lobby_challenge_resent" && a.user === ADA));
  const later = stepLobby(
    { ...due.lobby, outbox: [] },
    { type: "tick", now: T0 + 500_000 },
    settings,
  );
  assert.deepEqual(sent(later.lobby), []);
});

test("someone who answered, or left, is not sent it again; 0 turns it off", () => {
  const answered = stepLobby(
    challenged(),
    { type: "reply", eventId: "$1", sender: ADA, body: bad, displayName: "Ada", now: T0 + 9000 },
    settings,
  ).lobby;
  const afterAnswer = stepLobby(
    { ...answered, outbox: [] },
    { type: "tick", now: T0 + 200_000 },
    settings,
  );
  assert.deepEqual(sent(afterAnswer.lobby), []);

  const left = stepLobby(challenged(), { type: "members", joined: [], now: T0 + 9000 }, settings);
  const afterLeave = stepLobby(
    { ...left.lobby, outbox: [] },
    { type: "tick", now: T0 + 200_000 },
    settings,
  );
  assert.deepEqual(sent(afterLeave.lobby), []);

  const off = challenged({ resendAfterSec: 0 });
  assert.equal(nextLobbyDeadline(off), T0 + 7200 * 1000);
});

test("a carried-over lobby re-sends to someone the reference challenged but never re-sent to", () => {
  const createdSec = T0 / 1000;
  const book = carryOverLobbyBook(
    {
      "!l:hs.example": {
        alias: "shape-rotator-lobby-x",
        code: "ABC",
        created: createdSec,
        title: "autumn rain",
        keyword: "puddle",
        challenged: [ADA, "@bo:hs.example", "@cy:hs.example"],
        tries: { [ADA]: 3, "@bo:hs.example": 2, "@cy:hs.example": 3 },
        promoted: false,
        closed: false,
        challenge_sent_ts: {
          [ADA]: createdSec + 5,
          "@bo:hs.example": createdSec + 5,
          "@cy:hs.example": createdSec + 5,
        },
        challenge_resends: { "@cy:hs.example": 1 },
      },
    },
    { now: T0 + 60_000, lifetimeSec: 7200, maxTries: 3, resendAfterSec: 120 },
  ).book;
  const lobby = book["lobby:reference:!l:hs.example"] as LobbyRecord;
  assert.equal(lobby.guests[ADA]?.resendAt, T0 + 5000 + 120_000, "silent, never re-sent");
  assert.equal(lobby.guests["@bo:hs.example"]?.resendAt, undefined, "answered once already");
  assert.equal(lobby.guests["@cy:hs.example"]?.resendAt, undefined, "the reference re-sent it");
});
