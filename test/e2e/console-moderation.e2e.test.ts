/**
 * A moderator's day in the console, end to end: a real Synapse, a real daemon,
 * and `anteroom` attached in a real terminal (tmux), driven by keys only. Each
 * decision is checked where it matters: on the homeserver, as the newcomer.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Newcomer, haikuWith } from "../harness/newcomer-flow.js";
import type { TestHomeserver } from "../harness/homeserver.js";
import type { TestCommunity } from "../harness/community.js";
import type { TmuxSession } from "./tmux.js";
import { join } from "node:path";
import { connectEngine } from "../../src/control/attach-client.js";
import { startAttachedConsole, type AttachedConsoleSession } from "./console-session.js";

let session: AttachedConsoleSession;
let hs: TestHomeserver;
let community: TestCommunity;
let tmux: TmuxSession;

before(async () => {
  session = await startAttachedConsole({
    columns: 120,
    env: {
      INITIAL_CODES: JSON.stringify({ FRIENDS: { uses_remaining: 10, label: "friends" } }),
      VETTING_TIMEOUT_SEC: "3600",
      // One try: a single bad answer fails the haiku, so there is something to override.
      VETTING_MAX_TRIES: "1",
      HS_PUBLIC: "https://join.e2e.example",
    },
  });
  ({ hs, community, tmux } = session);
});

after(async () => {
  await session?.stop();
});

/** On Knocks, keeps only the rows matching `text`, so the next key acts on that person. */
async function selectKnock(text: string): Promise<void> {
  await tmux.keys("1", "/");
  await tmux.type(text);
  await tmux.keys("Enter");
  await tmux.waitForScreen(`${text} selected`, (s) =>
    s.split("\n").some((line) => line.includes("›") && line.includes(text)),
  );
}

/** Clears the Knocks filter again. */
async function clearFilter(): Promise<void> {
  await tmux.keys("1", "/", "Escape");
}

test("a approves a knock: the newcomer is invited into the space", async () => {
  const newcomer = await Newcomer.register(hs, community, "Grace Hopper");
  await newcomer.knock("FRIENDS");
  await newcomer.readChallenge();
  await tmux.waitForScreen("Grace's vetting room open", (s) => /open\s+Grace Hopper/.test(s));
  await selectKnock("Grace Hopper");
  await tmux.keys("a");
  await tmux.waitForText(`approved ${newcomer.userId}`);
  await newcomer.client.waitForInvite(community.spaceId);
  await newcomer.client.join(community.spaceId);
  assert.equal(await newcomer.client.membership(community.spaceId), "join");
  await clearFilter();
});

test("a overrides a failed haiku: the newcomer who answered badly is invited anyway", async () => {
  const newcomer = await Newcomer.register(hs, community, "Barbara Liskov");
  await newcomer.knock("FRIENDS");
  const challenge = await newcomer.readChallenge();
  await newcomer.reply(challenge, "no");
  await tmux.waitForScreen("Barbara's vetting failed", (s) => /failed\s+Barbara Liskov/.test(s));
  await selectKnock("Barbara Liskov");
  await tmux.keys("a");
  await tmux.waitForText(`approved ${newcomer.userId}`);
  await newcomer.client.waitForInvite(community.spaceId);
  await newcomer.client.join(community.spaceId);
  assert.equal(await newcomer.client.membership(community.spaceId), "join");
  await clearFilter();
});

test("x rejects with a typed reason: the knock is denied and the newcomer reads that reason", async () => {
  const newcomer = await Newcomer.register(hs, community, "Mallory Spam");
  await newcomer.knock("FRIENDS");
  await newcomer.readChallenge();
  await tmux.waitForScreen("Mallory's vetting room open", (s) => /open\s+Mallory Spam/.test(s));
  await selectKnock("Mallory Spam");
  await tmux.keys("x");
  await tmux.waitForText(`Reject Mallory Spam (${newcomer.userId})?`);
  // Cancel has the focus: Tab moves it to Reject.
  await tmux.keys("Tab", "Enter");
  await tmux.waitForText(`reason for ${newcomer.userId}`);
  await tmux.type("selling crypto in every room");
  await tmux.keys("Enter");
  await tmux.waitForText(`rejected ${newcomer.userId}`);
  const left = await newcomer.client.waitForLeave(community.spaceId);
  assert.equal(left?.content?.membership, "leave");
  assert.equal(left?.content?.reason, "selling crypto in every room");
  assert.equal(await newcomer.client.membership(community.spaceId), "leave");
  await clearFilter();
});

test("a code issued with n on Codes, read off the screen, admits a real knock", async () => {
  await tmux.keys("3");
  await tmux.waitForText("FRIENDS");
  await tmux.keys("n");
  await tmux.waitForText("New code: which book?");
  await tmux.keys("i");
  await tmux.waitForText("uses of the new invite code");
  await tmux.keys("Enter");
  await tmux.waitForText("label for the new invite code");
  await tmux.type("for katherine");
  await tmux.keys("Enter");
  await tmux.waitForText("the new invite code ends");
  await tmux.keys("Enter");
  const screen = await tmux.waitForText("New invite code");
  const code = /code: (\S+)/.exec(screen)?.[1];
  assert.ok(code, `the code is on the screen:\n${screen}`);
  await tmux.keys("Enter");

  const newcomer = await Newcomer.register(hs, community, "Katherine Johnson");
  await newcomer.knock(code);
  const challenge = await newcomer.readChallenge();
  await newcomer.reply(challenge, haikuWith(challenge.keyword));
  await newcomer.client.waitForInvite(community.spaceId);
  await newcomer.client.join(community.spaceId);
  assert.equal(await newcomer.client.membership(community.spaceId), "join");
  // The console saw the code used: its row says no use is left.
  await tmux.keys("3");
  await tmux.waitForScreen("the used code", (s) =>
    s.split("\n").some((line) => line.includes(code) && /\b0 left\b/.test(line)),
  );
});

test("Enter on a member shows who vouched for them; X revokes the codes they were given", async () => {
  const newcomer = await Newcomer.register(hs, community, "Ada Lovelace");
  await newcomer.knock("FRIENDS");
  const challenge = await newcomer.readChallenge();
  await newcomer.reply(challenge, haikuWith(challenge.keyword));
  await newcomer.client.waitForInvite(community.spaceId);
  await newcomer.client.join(community.spaceId);
  const engine = await connectEngine(join(session.daemon.dataDir, "admin.sock"));
  try {
    const { code } = await engine.mintCode("invite", {
      uses: 5,
      label: "for Ada's friends",
      inviter: newcomer.userId,
      by: "e2e",
    });
    await tmux.keys("9", "/");
    await tmux.type("Ada Lovelace");
    await tmux.keys("Enter");
    // Ada is listed once the daemon has seen her join: the list is fetched again until then.
    await tmux.waitForScreen("Ada listed", (screen) => {
      if (screen.split("\n").some((l) => l.includes("›") && l.includes(newcomer.userId)))
        return true;
      void tmux.keys("C-r");
      return false;
    });
    await tmux.keys("Enter");
    await tmux.waitForText(`vouched for by ${community.bot.userId} (with code FRIENDS`);
    // Hers: the invite code given to her, and the welcome code the daemon gave her on admission.
    const detail = await tmux.waitForText(`live codes: ${code} (invite)`);
    assert.match(detail, /live codes: \S+ \(invite\), \S+ \(signup\)/);
    await tmux.keys("X");
    await tmux.waitForText(`Revoke every live code of ${newcomer.userId}?`);
    await tmux.keys("Tab", "Enter");
    await tmux.waitForText(`revoked 2 codes of ${newcomer.userId}`);
    await tmux.waitForText("live codes: none");
    assert.equal(engine.snapshot().codes[code], undefined, "the daemon no longer has the code");
  } finally {
    await engine.close();
  }
});
