// `!held`, `!approve`, `!reject` decide from chat: what is listed, and which knock a user ID names.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  HELD_LISTED,
  NoticeBudget,
  waitingNotice,
  heldReply,
  knockOf,
  waitingForModerator,
} from "../../core/chat-commands/held.js";
import { parseChatCommand } from "../../core/chat-commands/parse.js";
import { troubles } from "../../core/moderation/triage.js";
import type { VettingRecord } from "../../core/vetting/record.js";
import { record } from "./admin-fakes.js";

const NOW = 1_700_000_000_000 + 2 * 3_600_000;

test("!held lists held knocks, form requests, waiting passes and given-up effects, each with how to decide", () => {
  const waiting = waitingForModerator(
    [
      record("$a", "@nocode:hs", "held"),
      { ...record("$b", "@form:hs", "held"), source: "form" },
      record("$c", "@wave:hs", "awaiting_moderator"),
      {
        ...record("$d", "@stuck:hs", "passed"),
        closedAt: NOW - 60_000,
        errors: ["admitToCommunity: M_FORBIDDEN"],
      },
      record("$e", "@vetting:hs", "open"),
    ],
    [],
    [],
    NOW,
  );
  const text = heldReply(waiting, NOW);
  assert.match(text, /^4 waiting for a moderator:/);
  assert.match(
    text,
    /@nocode:hs: knocked without a code, 2 hours ago — !approve @nocode:hs \| !reject @nocode:hs/,
  );
  assert.match(text, /@form:hs: a form request/);
  assert.match(text, /@wave:hs: passed during a join wave/);
  assert.match(text, /@stuck:hs: gave up on admitToCommunity: M_FORBIDDEN/);
  assert.doesNotMatch(text, /@vetting:hs/);
  assert.equal(heldReply([], NOW), "nothing waits for a moderator.");
});

test("!held keeps a long list readable: the oldest ones, then how many more", () => {
  const many = Array.from({ length: HELD_LISTED + 5 }, (_, i) =>
    record(`$k${i}`, `@u${i}:hs`, "held"),
  );
  const text = heldReply(waitingForModerator(many, [], [], NOW), NOW);
  assert.equal(text.split("\n").filter((line) => line.startsWith("•")).length, HELD_LISTED);
  assert.match(text, /… and 5 more/);
});

test("!approve and !reject name the person's newest open knock; approve also overrides a failed one", () => {
  const older: VettingRecord = { ...record("$old", "@ann:hs", "denied"), knockedAt: 1 };
  const open = record("$new", "@ann:hs", "held");
  assert.equal(knockOf([older, open], "@ann:hs", "reject")?.key, "$new");
  const failed = record("$f", "@bo:hs", "failed");
  assert.equal(knockOf([failed], "@bo:hs", "approve")?.key, "$f");
  assert.equal(knockOf([failed], "@bo:hs", "reject"), undefined);
  assert.equal(knockOf([record("$p", "@cy:hs", "passed")], "@cy:hs", "approve"), undefined);
  assert.equal(knockOf([], "@nobody:hs", "approve"), undefined);
});

test("the commands parse a user ID and an optional reason", () => {
  assert.deepEqual(parseChatCommand("!held"), { kind: "command", command: { name: "held" } });
  assert.deepEqual(parseChatCommand("!approve @ann:hs"), {
    kind: "command",
    command: { name: "approve", user: "@ann:hs" },
  });
  assert.deepEqual(parseChatCommand("!reject @ann:hs  spam links "), {
    kind: "command",
    command: { name: "reject", user: "@ann:hs", reason: "spam links" },
  });
  assert.equal(parseChatCommand("!approve ann").kind, "usage");
  assert.equal(parseChatCommand("!approve @ann:hs extra").kind, "usage");
});

test("the notify room is told who waits and how to decide, and of an effect given up", () => {
  const [held] = troubles([record("$a", "@nocode:hs", "held")], [], [], NOW);
  assert.equal(
    held && waitingNotice(held),
    "@nocode:hs knocked without a code and waits for a moderator: !approve @nocode:hs or !reject @nocode:hs [reason] (!held lists everything waiting)",
  );
  const [failed] = troubles(
    [
      {
        ...record("$d", "@stuck:hs", "passed"),
        closedAt: NOW,
        errors: ["admitToCommunity: M_FORBIDDEN"],
      },
    ],
    [],
    [],
    NOW,
  );
  assert.match(
    (failed && waitingNotice(failed)) ?? "",
    /^gave up for @stuck:hs: admitToCommunity: M_FORBIDDEN/,
  );
  const [awaiting] = troubles([record("$w", "@wave:hs", "awaiting_moderator")], [], [], NOW);
  assert.equal(
    awaiting && waitingNotice(awaiting),
    undefined,
    "the join wave's own notice covers it",
  );
});

test("a flood of notices becomes a few lines and one summary a minute", () => {
  const budget = new NoticeBudget(3);
  const admitted = Array.from({ length: 10 }, () => budget.admit(NOW)).filter(Boolean).length;
  assert.equal(admitted, 3);
  assert.equal(budget.summaryDueAt(), NOW + 60_000);
  assert.match(budget.takeSummary() ?? "", /… and 7 more started waiting/);
  assert.equal(budget.takeSummary(), undefined);
  assert.equal(budget.admit(NOW + 60_000), true, "a new minute, a new allowance");
});

test("!mint takes --expires as a lifetime or a moment, and refuses nonsense", () => {
  assert.deepEqual(parseChatCommand("!mint --expires 7d friends"), {
    kind: "command",
    command: {
      name: "mint",
      kind: "knock",
      count: 1,
      uses: 1,
      label: "friends",
      expires: { inMs: 7 * 86_400_000 },
    },
  });
  const at = parseChatCommand("!mint signup --expires=2030-01-01T00:00:00Z");
  assert.equal(
    at.kind === "command" &&
      at.command.name === "mint" &&
      at.command.expires &&
      "atMs" in at.command.expires &&
      at.command.expires.atMs,
    Date.parse("2030-01-01T00:00:00Z"),
  );
  assert.equal(parseChatCommand("!mint --expires soon").kind, "usage");
});
