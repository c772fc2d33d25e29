import "./ci-off.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { openConsole } from "./console-harness.js";

/** The line of the frame that carries the selection mark. */
const selectedLine = (frame: string) =>
  frame.split("\n").find((line) => line.startsWith("›")) ?? "";

test("a knock appears in the Knocks view while the console is open", async (t) => {
  const c = openConsole(t);
  await c.waitForText("No knocks yet");
  c.world.knock("@bob:example.org", "ABC");
  await c.world.reconcile();
  const frame = await c.waitForText("@bob:example.org");
  assert.match(frame, /Knocks 1/);
  assert.match(frame, /open\s+@bob:example\.org/);
  assert.match(frame, /anteroom · demo/);
});

test("the selection stays on the same knock when a newer one arrives", async (t) => {
  const c = openConsole(t);
  c.world.knock("@older:example.org", "ABC");
  c.world.now += 60_000;
  c.world.knock("@newer:example.org", "ABC");
  await c.world.reconcile();
  await c.waitForText("@older:example.org");
  assert.match(selectedLine(c.frame()), /@newer/); // newest first, the first row selected
  c.press("j");
  await c.waitFor("the older knock selected", (f) => /@older/.test(selectedLine(f)));
  c.world.now += 60_000;
  c.world.knock("@newest:example.org", "ABC");
  await c.world.reconcile();
  const frame = await c.waitForText("@newest:example.org");
  assert.match(selectedLine(frame), /@older/);
  assert.match(frame, /Knocks 3/);
});

test("approve from the keyboard invites the person into the space, with no dialog", async (t) => {
  const c = openConsole(t);
  c.world.knock("@held:example.org", ""); // no code: held for a moderator
  await c.world.reconcile();
  await c.waitFor("the held knock", (f) => /held\s+@held:example\.org/.test(f));
  c.press("a");
  await c.waitForText("approved @held:example.org");
  await c.until("the invite", () =>
    c.world.matrix
      .ops("invite")
      .some(([room, user]) => room === "!space:example.org" && user === "@held:example.org"),
  );
  await c.waitFor("the knock shown as passed", (f) => /passed\s+@held/.test(f));
  assert.ok(c.world.audit.some((a) => a.type === "promoted" && a.by === "mod-alice"));
});

test("reject confirms with Cancel focused: Enter at once cancels, then a reason is asked and sent", async (t) => {
  const c = openConsole(t);
  c.world.knock("@spammer:example.org", "");
  await c.world.reconcile();
  await c.waitForText("@spammer:example.org");
  c.press("x");
  const frame = await c.waitForText("Reject @spammer:example.org?");
  assert.match(frame, /› Cancel ‹/);
  c.press("enter");
  await c.waitForText("cancelled");
  assert.equal(c.world.matrix.ops("kick").length, 0);

  c.press("x");
  await c.waitForText("Reject @spammer:example.org?");
  c.press("tab");
  await c.waitForText("› Reject ‹");
  c.press("enter");
  await c.waitForText("reason for @spammer:example.org");
  c.type("spam links");
  await c.waitForText("spam links▌");
  c.press("enter");
  await c.waitForText("rejected @spammer:example.org");
  await c.until("the kick", () => c.world.matrix.ops("kick").length === 1);
  assert.deepEqual(c.world.matrix.ops("kick")[0], [
    "!space:example.org",
    "@spammer:example.org",
    "spam links",
  ]);
});

test("a display name, reason and message full of escape sequences render as inert text", async (t) => {
  const c = openConsole(t, { columns: 160, rows: 30 });
  const evilName = "\x1b]0;pwned\x07Mal\x1b[2Jlory\x1b]52;c;ZXZpbA==\x07\x07\r\u202eevil";
  const evilReason =
    "ABC \x1b[31mred\x1b[0m \x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\\x9b1m";
  const user = "@mallory:example.org";
  c.world.knocks.set(user, {
    key: "$evil",
    user,
    reason: evilReason,
    displayName: evilName,
    ts: c.world.now,
  });
  c.world.memberships.set(user, "knock");
  await c.world.reconcile();
  let frame = await c.waitForText("Mallory\ufffd⏎evil (@mallory:example.org)");
  assert.match(frame, /“ABC red link”/);
  c.press("enter");
  await c.waitForText("transcript (live)");
  await c.world.reply(user, "line one\x1b]0;gotcha\x07\n\u2066two\u2069\r\x1b[1Athree\x07");
  frame = await c.waitForText("line one");
  assert.match(frame, /two/);
  assert.match(frame, /three\ufffd/);
  // Every frame written, not just the last: colour is off, so any ESC would be the data's.
  const written = c.frames().join("");
  assert.ok(!written.includes("\x1b"), "no ESC reached the terminal");
  for (const char of ["\x07", "\r", "\u202e", "\u2066", "\u2069", "\x9b"]) {
    assert.ok(!written.includes(char), `no ${JSON.stringify(char)} reached the terminal`);
  }
  assert.doesNotMatch(written, /pwned|gotcha|ZXZpbA/);
});

test("pause holds new knocks back and counts them; p again shows them", async (t) => {
  const c = openConsole(t);
  c.world.knock("@first:example.org", "ABC");
  await c.world.reconcile();
  await c.waitForText("@first:example.org");
  c.press("p");
  await c.waitForText("paused, 0 new");
  c.world.now += 1000;
  c.world.knock("@second:example.org", "ABC");
  await c.world.reconcile();
  const frame = await c.waitForText("paused, 1 new");
  assert.doesNotMatch(frame, /@second/);
  c.press("p");
  await c.waitForText("@second:example.org");
});

test("follow keeps the newest knock selected; moving by hand stops following", async (t) => {
  const c = openConsole(t);
  c.world.knock("@one:example.org", "ABC");
  c.world.now += 1000;
  c.world.knock("@two:example.org", "ABC");
  await c.world.reconcile();
  await c.waitForText("@one:example.org");
  c.press("j");
  await c.waitFor("@one selected", (f) => /@one/.test(selectedLine(f)));
  c.press("f");
  await c.waitFor(
    "the newest selected",
    (f) => /@two/.test(selectedLine(f)) && f.includes("following"),
  );
  c.world.now += 1000;
  c.world.knock("@three:example.org", "ABC");
  await c.world.reconcile();
  await c.waitFor("@three selected", (f) => /@three/.test(selectedLine(f)));
  c.press("j");
  await c.waitFor("@two selected, live", (f) => /@two/.test(selectedLine(f)) && /· live/.test(f));
});

test("a knock the blocklist caught says so in the row, and the detail names the entry that matched", async (t) => {
  const c = openConsole(t, { columns: 120 });
  c.world.screen = ({ userId }) =>
    userId === "@spammer:evil.org"
      ? { source: "blocklist", explanation: "@spammer:evil.org is blocked" }
      : userId === "@5pammer:evil.org"
        ? {
            source: "blocklist",
            explanation: "@5pammer:evil.org is one letter from @spammer:evil.org",
            guess: true,
          }
        : undefined;
  c.world.knock("@spammer:evil.org", "ABC");
  c.world.now += 60_000;
  c.world.knock("@5pammer:evil.org", "ABC");
  await c.world.reconcile();
  const frame = await c.waitForText("near blocklist");
  assert.match(frame, /denied\s+@spammer:evil\.org\s+blocklist hit/);
  assert.match(frame, /held\s+@5pammer:evil\.org\s+near blocklist/);
  c.press("enter"); // the newest, the near miss
  await c.waitForText("caught by the blocklist: @5pammer:evil.org is one letter from @spammer");
  c.press("esc", "7");
  await c.waitForText("near a blocklist entry (@5pammer:evil.org is");
});
