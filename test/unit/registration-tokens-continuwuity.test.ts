// continuwuity's admin-room replies, in the wording of its source (src/admin/token/commands.rs,
// src/service/registration_tokens/), parsed into registration tokens.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ContinuwuityTokenIssuer,
  issueCommand,
  parseIssueReply,
  parseListReply,
  parseRevokeReply,
  findReply,
  type AdminRoom,
} from "../../src/matrix/continuwuity-tokens.js";
import { HomeserverError } from "../../core/ports.js";

const NOW = Date.parse("2026-11-23T12:00:00Z");

test("an issued single-use token is read from the server bot's reply", () => {
  const token = parseIssueReply(
    "New registration token issued: `aB3dE5gH7jK9mN1p`. Expires after 1 use(s).",
    NOW,
  );
  assert.deepEqual(token, {
    token: "aB3dE5gH7jK9mN1p",
    usesAllowed: 1,
    pending: 0,
    completed: 0,
    expiresAt: null,
  });
});

test("an issued token with a maximum age carries its expiry time", () => {
  const token = parseIssueReply(
    "New registration token issued: `Zz9yY8xX7wW6vV5u`. Expires in 6.99 days (2026-11-30T11:59:59.123456789+00:00).",
    NOW,
  );
  assert.equal(token.usesAllowed, null);
  assert.equal(token.expiresAt, Date.parse("2026-11-30T11:59:59.123Z"));
});

test("an issued token limited by uses and age carries both", () => {
  const token = parseIssueReply(
    "New registration token issued: `q1w2e3r4t5y6u7i8`. Expires after 5 use(s) or in 1 day (2026-11-24T12:00:00+00:00).",
    NOW,
  );
  assert.equal(token.usesAllowed, 5);
  assert.equal(token.expiresAt, Date.parse("2026-11-24T12:00:00Z"));
});

test("the token list is read line by line, whatever comes before it", () => {
  const reply = [
    "| level | message |", // captured log lines come first as a markdown table
    "| ----- | ------- |",
    "| INFO | listing tokens |",
    "Found 5 registration tokens:",
    "- `confTOKEN` --- Token defined in config.",
    "- `AAAAbbbbCCCCdddd` --- Token created by @admin:example.org and used 0 times. Never expires.",
    "- `EEEEffffGGGGhhhh` --- Token created by @admin:example.org and used 2 times. Expires after 3 use(s).",
    "- `IIIIjjjjKKKKllll` --- Token created by @ops:example.org and used 1 times. Expires in 2 hours (2026-11-23T14:00:00.5+00:00).",
    "- `MMMMnnnnOOOOpppp` --- Token created by @ops:example.org and used 0 times. Expired at 2026-11-23T11:00:00+00:00.",
    "",
  ].join("\n");
  const tokens = parseListReply(reply, NOW);
  assert.deepEqual(
    tokens.map((t) => [t.token, t.usesAllowed, t.completed, t.expiresAt]),
    [
      ["confTOKEN", null, 0, null],
      ["AAAAbbbbCCCCdddd", null, 0, null],
      ["EEEEffffGGGGhhhh", 3, 2, null],
      ["IIIIjjjjKKKKllll", null, 1, Date.parse("2026-11-23T14:00:00.500Z")],
      ["MMMMnnnnOOOOpppp", null, 0, Date.parse("2026-11-23T11:00:00Z")],
    ],
  );
});

test("an empty token list is an empty list", () => {
  assert.deepEqual(parseListReply("Found 0 registration tokens:\n", NOW), []);
});

test("revoke: success, an unknown token, and any other failure", () => {
  assert.equal(parseRevokeReply("Token revoked successfully."), true);
  assert.equal(
    parseRevokeReply(
      'Command failed with error:\n```\nErr(\n    "This token does not exist or has already expired.",\n)\n```',
    ),
    false,
  );
  assert.throws(
    () =>
      parseRevokeReply(
        'Command failed with error:\n```\n"The token set in the config file cannot be revoked. Edit the config file to change it."\n```',
      ),
    /continuwuity refused `!admin token revoke`: .*config file cannot be revoked/,
  );
});

test("a usage error from the command parser becomes a clear refusal, without control characters", () => {
  const reply =
    "error: the argument '--max-uses <MAX_USES>' cannot be used with '--max-age <MAX_AGE>'\u001b[0m\n\nUsage: admin token issue <--max-uses <MAX_USES>|--max-age <MAX_AGE>|--immortal|--once>";
  assert.throws(
    () => parseIssueReply(reply, NOW),
    (error: HomeserverError) =>
      !error.transient &&
      /refused `!admin token issue`: error: the argument '--max-uses/.test(error.message) &&
      !error.message.includes("\u001b"),
  );
  assert.throws(() => parseListReply("You are not an admin", NOW), /refused `!admin token list`/);
});

test("the issue command says uses and age in continuwuity's flags", () => {
  assert.equal(issueCommand({}, NOW), "!admin token issue --immortal");
  assert.equal(issueCommand({ uses: 1 }, NOW), "!admin token issue --max-uses 1");
  assert.equal(issueCommand({ expiresAt: NOW + 90_500 }, NOW), "!admin token issue --max-age 91s");
  assert.equal(
    issueCommand({ uses: 3, expiresAt: NOW + 3_600_000 }, NOW),
    "!admin token issue --max-uses 3 --max-age 3600s",
  );
  assert.throws(() => issueCommand({ expiresAt: NOW - 1 }, NOW), /in the past/);
  assert.throws(() => issueCommand({ uses: 0 }, NOW), /at least 1/);
});

test("the reply is the server bot's answer to our command, not another message", () => {
  const events = [
    { type: "m.room.message", sender: "@bot:hs", content: { body: "!admin token list" } },
    {
      type: "m.room.message",
      sender: "@bot:hs",
      content: { body: "echo", "m.relates_to": { "m.in_reply_to": { event_id: "$cmd" } } },
    },
    {
      type: "m.room.message",
      sender: "@conduit:hs",
      content: { body: "other", "m.relates_to": { "m.in_reply_to": { event_id: "$older" } } },
    },
    {
      type: "m.room.message",
      sender: "@conduit:hs",
      content: {
        body: "Found 0 registration tokens:\n",
        "m.relates_to": { "m.in_reply_to": { event_id: "$cmd" } },
      },
    },
  ];
  assert.equal(findReply(events, "$cmd", "@bot:hs"), "Found 0 registration tokens:\n");
  assert.equal(findReply(events, "$none", "@bot:hs"), undefined);
  assert.equal(findReply("not a list", "$cmd", "@bot:hs"), undefined);
});

/** An admin room that answers each command as continuwuity would, and records what it was sent. */
class ScriptedRoom implements AdminRoom {
  readonly sent: string[] = [];
  constructor(private readonly answer: (command: string) => string) {}
  async run(command: string): Promise<string> {
    this.sent.push(command);
    return this.answer(command);
  }
}

test("the issuer refuses a chosen token value and never puts odd text on a command line", async () => {
  const room = new ScriptedRoom(() => "Token revoked successfully.");
  const issuer = new ContinuwuityTokenIssuer(room, () => NOW);
  await assert.rejects(issuer.issue({ token: "mine" }), /chooses registration tokens itself/);
  assert.equal(await issuer.revoke("abc\n!admin users deactivate @x:hs"), false);
  assert.equal(await issuer.revoke("abc def"), false);
  assert.deepEqual(room.sent, []);
  assert.equal(await issuer.revoke("AAAAbbbbCCCCdddd"), true);
  assert.deepEqual(room.sent, ["!admin token revoke AAAAbbbbCCCCdddd"]);
});

test("the issuer issues through the admin room and returns the new token", async () => {
  const room = new ScriptedRoom(
    () => "New registration token issued: `NeWtOkEn12345678`. Expires after 2 use(s).",
  );
  const token = await new ContinuwuityTokenIssuer(room, () => NOW).issue({ uses: 2 });
  assert.equal(token.token, "NeWtOkEn12345678");
  assert.equal(token.usesAllowed, 2);
  assert.deepEqual(room.sent, ["!admin token issue --max-uses 2"]);
});
