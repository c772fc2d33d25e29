import { test } from "node:test";
import assert from "node:assert/strict";
import { parseChatCommand, type ParsedMessage } from "../../core/chat-commands/parse.js";
import { COMMAND_NAMES } from "../../core/chat-commands/commands.js";
import { isOperator, powerLevelOf } from "../../core/chat-commands/authorize.js";
import { isUserId } from "../../core/moderation/matrix-ids.js";
import { codesReply, helpText, mintReply, revokeReply } from "../../core/chat-commands/replies.js";
import { dayStats, statsReply } from "../../core/chat-commands/stats.js";
import { loadConfig } from "../../src/config.js";

function command(body: string) {
  const parsed = parseChatCommand(body);
  assert.equal(
    parsed.kind,
    "command",
    `expected a command from ${JSON.stringify(body)}: ${JSON.stringify(parsed)}`,
  );
  return (parsed as Extract<ParsedMessage, { kind: "command" }>).command;
}

function usageError(body: string): string {
  const parsed = parseChatCommand(body);
  assert.equal(parsed.kind, "usage", `expected a usage error from ${JSON.stringify(body)}`);
  return (parsed as Extract<ParsedMessage, { kind: "usage" }>).error;
}

test("!mint alone makes one knock code with one use and the default label", () => {
  assert.deepEqual(command("!mint"), { name: "mint", kind: "knock", count: 1, uses: 1 });
});

test("!mint reads the kind, -n, --uses in every spelling, and keeps the label as typed", () => {
  assert.deepEqual(command("!mint -n 2 --uses 3 my label"), {
    name: "mint",
    kind: "knock",
    count: 2,
    uses: 3,
    label: "my label",
  });
  assert.deepEqual(command("!mint signup --n=4 --uses=10 Team  Ünïcode  ✨"), {
    name: "mint",
    kind: "signup",
    count: 4,
    uses: 10,
    label: "Team  Ünïcode  ✨",
  });
  assert.deepEqual(command("!MINT knock -n=1"), { name: "mint", kind: "knock", count: 1, uses: 1 });
});

test("the kind word only counts before the label: later it is part of the label", () => {
  assert.equal(
    (command("!mint for the knock party") as { label: string }).label,
    "for the knock party",
  );
  assert.equal(
    (command("!mint signup signup day") as { kind: string; label: string }).label,
    "signup day",
  );
});

test("options between label words still work; the label words are joined with one space", () => {
  assert.deepEqual(command("!mint spring -n 2 cohort"), {
    name: "mint",
    kind: "knock",
    count: 2,
    uses: 1,
    label: "spring cohort",
  });
});

test("!mint numbers outside their range or not numbers are refused with the reference's wording", () => {
  assert.equal(usageError("!mint -n 0"), "!mint: -n must be 1..50, got 0");
  assert.equal(usageError("!mint -n 51"), "!mint: -n must be 1..50, got 51");
  assert.equal(usageError("!mint --uses 1001"), "!mint: --uses must be 1..1000, got 1001");
  assert.equal(usageError("!mint --uses x"), "!mint: --uses needs a number, got 'x'");
  assert.equal(usageError("!mint -n"), "!mint: -n needs a number, got ''");
  assert.equal(usageError("!mint -n 2.5"), "!mint: -n needs a number, got '2.5'");
  assert.match(usageError("!mint --label x"), /unknown option --label/);
});

test("a label with control characters or over 200 characters is refused", () => {
  assert.match(usageError("!mint line one\nline two"), /one line/);
  assert.match(usageError("!mint \u202eevil"), /control characters/);
  assert.match(usageError(`!mint ${"x".repeat(201)}`), /at most 200/);
  assert.equal((command(`!mint ${"x".repeat(200)}`) as { label: string }).label.length, 200);
});

test("user IDs are checked against the Matrix grammar", () => {
  for (const ok of [
    "@alice:example.org",
    "@a.b_c=d-e/f+1:matrix.example.org:8448",
    "@x:[::1]",
    "@x:127.0.0.1",
  ])
    assert.ok(isUserId(ok), ok);
  for (const bad of [
    "alice",
    "@alice",
    "@:example.org",
    "@al ice:example.org",
    "@alice:exa mple.org",
    "#room:example.org",
    "@alice:example.org:99999999",
    `@${"a".repeat(250)}:example.org`,
  ])
    assert.ok(!isUserId(bad), bad);
});

test("kick, ban and unban take a user and an optional reason as typed", () => {
  assert.deepEqual(command("!kick @spam:evil.org"), { name: "kick", user: "@spam:evil.org" });
  assert.deepEqual(command("!ban @spam:evil.org  sent  spam links"), {
    name: "ban",
    user: "@spam:evil.org",
    reason: "sent  spam links",
  });
  assert.deepEqual(command("!unban @spam:evil.org"), { name: "unban", user: "@spam:evil.org" });
  assert.equal(usageError("!kick"), "usage: !kick USER [reason]");
  assert.match(usageError("!ban spammer"), /not a Matrix user ID .*'spammer'/);
});

test("promote takes a user and a role name; demote takes a user only", () => {
  assert.deepEqual(command("!promote @bo:example.org Moderator"), {
    name: "promote",
    user: "@bo:example.org",
    role: "moderator",
  });
  assert.deepEqual(command("!demote @bo:example.org"), { name: "demote", user: "@bo:example.org" });
  assert.equal(usageError("!promote @bo:example.org"), "usage: !promote USER ROLE");
  assert.match(usageError("!promote @bo:example.org 100; drop"), /usage/);
  assert.match(usageError("!promote @bo:example.org 100"), /a role is a name/);
  assert.equal(usageError("!demote @bo:example.org now"), "usage: !demote USER");
});

test("block takes a pattern and an optional reason", () => {
  assert.deepEqual(command("!block *:spam.example flood"), {
    name: "block",
    pattern: "*:spam.example",
    reason: "flood",
  });
  assert.deepEqual(command("!block @spammer:evil.org"), {
    name: "block",
    pattern: "@spammer:evil.org",
  });
  assert.equal(usageError("!block"), "usage: !block PATTERN [reason]");
  assert.match(usageError("!block ßpam"), /a pattern is/);
});

test("revoke needs exactly one code or one person", () => {
  assert.deepEqual(command("!revoke ABCD"), { name: "revoke", code: "ABCD" });
  assert.deepEqual(command("!revoke @ann:hs"), { name: "revoke", code: "@ann:hs" });
  assert.equal(usageError("!revoke"), "usage: !revoke CODE|USER");
  assert.equal(usageError("!revoke A B"), "usage: !revoke CODE|USER");
});

test("ordinary chat, other bots' commands and look-alikes are not ours", () => {
  for (const body of [
    "hello",
    "mint",
    "! mint",
    "!minty",
    "!draupnir ban @x:y",
    "!!",
    "",
    "see !mint",
  ])
    assert.deepEqual(parseChatCommand(body), { kind: "none" }, body);
  assert.deepEqual(command("  !codes"), { name: "codes" });
  assert.deepEqual(command("!stats"), { name: "stats" });
  assert.deepEqual(command("!help me"), { name: "help" });
});

test("!help lists every command with its ! and a one-line usage", () => {
  const lines = helpText().split("\n");
  for (const name of COMMAND_NAMES) {
    const line = lines.find((l) => l.startsWith(`!${name} `) || l.startsWith(`!${name} —`));
    assert.ok(line, `!help has a line for !${name}`);
    assert.match(line, / — \S/, `!${name} says what it does`);
  }
  for (const name of [
    "mint",
    "codes",
    "revoke",
    "kick",
    "ban",
    "unban",
    "promote",
    "demote",
    "block",
    "stats",
    "help",
  ])
    assert.ok(COMMAND_NAMES.includes(name as never), name);
});

test("a sender is allowed by the allowlist or by power level at the threshold", () => {
  const policy = { threshold: 50, allowlist: ["@owner:example.org"] };
  const levels = { users: { "@mod:example.org": 50, "@helper:example.org": 49 }, users_default: 0 };
  assert.ok(isOperator("@mod:example.org", levels, policy));
  assert.ok(!isOperator("@helper:example.org", levels, policy));
  assert.ok(!isOperator("@random:example.org", levels, policy));
  assert.ok(isOperator("@owner:example.org", levels, policy), "the allowlist needs no power level");
  assert.ok(
    isOperator("@random:example.org", { users_default: 50 }, policy),
    "users_default counts",
  );
  assert.ok(
    !isOperator(
      "@mod:example.org",
      { users: { "@mod:example.org": 0 }, users_default: 100 },
      policy,
    ),
    "an explicit level wins over users_default",
  );
});

test("hostile power-level content never grants power", () => {
  assert.equal(powerLevelOf(undefined, "@a:b"), 0);
  assert.equal(powerLevelOf({ users: { "@a:b": "lots" } }, "@a:b"), 0);
  assert.equal(powerLevelOf({ users: { "@a:b": Number.POSITIVE_INFINITY } }, "@a:b"), 0);
  assert.equal(powerLevelOf({ users: { "@a:b": 75.5 } }, "@a:b"), 0);
  assert.equal(powerLevelOf({ users: ["@a:b"] }, "@a:b"), 0);
  assert.equal(powerLevelOf({ users: {} }, "__proto__"), 0);
  assert.equal(
    powerLevelOf({ users: { "@a:b": "60" } }, "@a:b"),
    60,
    "old rooms keep levels as strings",
  );
});

test("a mint reply carries every code verbatim, its link and the label", () => {
  const one = mintReply("https://hs.example/", "knock", ["ABCDEFGHJK"], "my label", 1);
  assert.equal(
    one,
    "minted knock code → https://hs.example/join?code=ABCDEFGHJK\n(label: my label)",
  );
  const many = mintReply("https://hs.example", "signup", ["AAAA", "BBBB"], "spring", 3);
  assert.equal(
    many,
    "minted 2 signup codes (label: spring, 3 uses each):\n  https://hs.example/signup?code=AAAA\n  https://hs.example/signup?code=BBBB",
  );
});

test("!codes lists live codes per book and leaves out spent and expired ones", () => {
  const reply = codesReply(
    {
      knock: {
        LIVE: { uses_remaining: 2, label: "friends" },
        SPENT: { uses_remaining: 0, label: "gone" },
        OLD: { uses_remaining: 5, label: "old", expires_at: 100 },
      },
      signup: { SIGN: { uses_remaining: 1, label: "x" } },
    },
    1000,
  );
  assert.equal(
    reply,
    "knock:\n  LIVE (uses=2, label='friends')\nsignup:\n  SIGN (uses=1, label='x')",
  );
  assert.equal(
    codesReply({ knock: {}, signup: { S: { uses_remaining: 0, label: "" } } }, 0),
    "no live codes.",
  );
  const big = Object.fromEntries(
    Array.from({ length: 80 }, (_, i) => [`C${i}`, { uses_remaining: 1, label: "" }]),
  );
  const long = codesReply({ knock: big, signup: {} }, 0);
  assert.match(long, /and 30 more/);
  assert.equal(long.split("\n").length, 1 + 50 + 1);
});

test("revoke replies say where the code was, or that it is unknown", () => {
  assert.equal(revokeReply("ABC", ["codes.json"]), "revoked ABC (in codes.json)");
  assert.equal(revokeReply("ABC", []), "unknown code: ABC");
});

test("!stats counts the last 24 hours only, in anteroom's and the reference's record types", () => {
  const now = 1_800_000_000_000;
  const t = now / 1000 - 60;
  const records = [
    { ts: t, type: "knock_received" },
    { ts: t, type: "knock_received" },
    { ts: now / 1000 - 90_000, type: "knock_received" },
    { ts: t, type: "vetting_passed" },
    { ts: t, type: "lobby_promoted" },
    { ts: t, type: "lobby_promoted" },
    { ts: t, type: "lobby_failed" },
    { ts: t, type: "lobby_created" },
    { ts: t, type: "vetting_failed" },
    { ts: t, type: "vetting_timeout" },
    { ts: t, type: "lobby_timeout" },
    { ts: t, type: "lobby_created" },
    { ts: t, type: "signup" },
    { ts: t, type: "signup_ok" },
    { ts: t, type: "code_minted" },
    { ts: t, type: "admin_mint", n: 3, codes: ["A", "B", "C"] },
    { ts: t, type: "promoted" },
  ];
  const stats = dayStats(records, now);
  assert.deepEqual(stats, {
    knocks: 2,
    vettingPassed: 3,
    vettingFailed: 2,
    vettingTimedOut: 2,
    lobbies: 2,
    signups: 2,
    codesMinted: 4,
  });
  assert.equal(
    statsReply(stats),
    "last 24 h:\nknocks: 2\nvetting: 3 passed, 2 failed, 2 timed out\nlobbies opened: 2\nsignups: 2\ncodes minted: 4",
  );
});

test("settings: the operator room defaults to the space, PL 50; a bad allowlist or a threshold below 1 stops the start", () => {
  const base = { HS: "http://127.0.0.1:8008", MATRIX_TOKEN: "t", SPACE_ID: "!space:example.org" };
  const config = loadConfig(base);
  assert.deepEqual(config.operatorRoom, {
    roomId: "!space:example.org",
    policy: { threshold: 50, allowlist: [] },
  });
  const custom = loadConfig({
    ...base,
    ADMIN_COMMAND_ROOM: "!ops:example.org",
    ADMIN_PL_THRESHOLD: "100",
    ADMIN_ALLOWLIST: "@a:example.org, @b:example.org",
  });
  assert.deepEqual(custom.operatorRoom, {
    roomId: "!ops:example.org",
    policy: { threshold: 100, allowlist: ["@a:example.org", "@b:example.org"] },
  });
  assert.throws(() => loadConfig({ ...base, ADMIN_ALLOWLIST: "alice" }), /ADMIN_ALLOWLIST/);
  for (const threshold of ["0", "-5"])
    assert.throws(
      () => loadConfig({ ...base, ADMIN_PL_THRESHOLD: threshold }),
      /ADMIN_PL_THRESHOLD.*at least 1/,
    );
  assert.throws(
    () => loadConfig({ ...base, ADMIN_COMMAND_ROOM: "#ops:example.org" }),
    /ADMIN_COMMAND_ROOM/,
  );
});
