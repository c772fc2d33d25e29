/** `!mint token` and `!token …`: parsing and the replies an operator reads. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseChatCommand } from "../../core/chat-commands/parse.js";
import { tokenIssuedReply, tokensReply } from "../../core/chat-commands/replies.js";
import { HomeserverError, type TokenIssuer } from "../../core/ports.js";
import { runChatCommand, type ChatCommandsApi } from "../../src/chat/run-command.js";

test("!mint token reads --uses and --expires as a lifetime or a date", () => {
  assert.deepEqual(parseChatCommand("!mint token --uses 1 --expires 7d"), {
    kind: "command",
    command: { name: "token", op: "issue", uses: 1, expires: { inMs: 7 * 86_400_000 } },
  });
  assert.deepEqual(parseChatCommand("!mint token --expires=2030-01-02"), {
    kind: "command",
    command: { name: "token", op: "issue", expires: { atMs: Date.parse("2030-01-02") } },
  });
  assert.deepEqual(parseChatCommand("!token list"), {
    kind: "command",
    command: { name: "token", op: "list" },
  });
  assert.deepEqual(parseChatCommand("!token revoke abc_DEF-1"), {
    kind: "command",
    command: { name: "token", op: "revoke", token: "abc_DEF-1" },
  });
});

test("!mint token refuses a bad number, lifetime or word with a usage line", () => {
  for (const text of [
    "!mint token --uses 0",
    "!mint token --expires soon",
    "!mint token --expires 400d",
    "!mint token label",
    "!token",
    "!token revoke",
  ]) {
    const parsed = parseChatCommand(text);
    assert.equal(parsed.kind, "usage", text);
  }
  assert.equal(parseChatCommand("!mint knock").kind, "command");
});

test("the token is shown verbatim with its uses left and expiry", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  const token = {
    token: "Ab_9-z",
    usesAllowed: 3,
    pending: 0,
    completed: 1,
    expiresAt: now + 86_400_000,
  };
  assert.equal(
    tokenIssuedReply(token, now),
    "registration token issued: Ab_9-z (2 of 3 uses left, expires 2026-01-02T00:00:00.000Z)",
  );
  assert.match(
    tokensReply([{ ...token, usesAllowed: null, expiresAt: null }], now),
    /Ab_9-z \(unlimited uses, no expiry\)/,
  );
  assert.equal(tokensReply([], now), "no registration tokens on the homeserver.");
});

/** Runs `text` as an operator's command with `tokens` as the homeserver's token API. */
async function run(text: string, tokens: TokenIssuer | undefined): Promise<string> {
  const parsed = parseChatCommand(text);
  assert.equal(parsed.kind, "command");
  if (parsed.kind !== "command") return "";
  const api = {} as ChatCommandsApi;
  return runChatCommand(
    parsed.command,
    {
      sender: "@mod:example.org",
      publicUrl: "https://x",
      now: () => NOW,
      authority: 100,
      levelOf: () => 0,
    },
    api,
    tokens ? { tokens } : {},
  );
}

const NOW = Date.parse("2026-01-01T00:00:00Z");

test("a token is issued with the uses and expiry asked for, and shown verbatim", async () => {
  const asked: unknown[] = [];
  const tokens: TokenIssuer = {
    async issue(req) {
      asked.push(req);
      return {
        token: "Tok_1",
        usesAllowed: 1,
        pending: 0,
        completed: 0,
        expiresAt: req.expiresAt ?? null,
      };
    },
    list: async () => [],
    revoke: async () => true,
  };
  const reply = await run("!mint token --uses 1 --expires 2d", tokens);
  assert.deepEqual(asked, [{ uses: 1, expiresAt: NOW + 2 * 86_400_000 }]);
  assert.match(reply, /^registration token issued: Tok_1 \(1 of 1 uses left, expires 2026-01-03/);
});

test("the homeserver's refusal is said plainly; without tokens wired the command is not available", async () => {
  const refusing: TokenIssuer = {
    issue: () =>
      Promise.reject(
        new HomeserverError(
          "the bot is not a server admin: M_FORBIDDEN",
          false,
          undefined,
          "M_FORBIDDEN",
        ),
      ),
    list: () => Promise.reject(new HomeserverError("connection refused", true)),
    revoke: async () => false,
  };
  assert.equal(
    await run("!mint token", refusing),
    "!mint token failed: the homeserver said no: the bot is not a server admin: M_FORBIDDEN",
  );
  assert.match(await run("!token list", refusing), /did not answer; try again/);
  assert.match(await run("!token revoke nope", refusing), /no registration token nope/);
  assert.match(await run("!mint token", undefined), /not available/);
  assert.match(await run("!mint token --expires 2020-01-01", refusing), /in the past/);
});
