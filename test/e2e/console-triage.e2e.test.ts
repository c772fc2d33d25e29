/**
 * The Triage view's fix key (f) on real stuck items, end to end: a real Synapse,
 * a real daemon, and `anteroom` attached in tmux. Each situation is made to
 * happen on the homeserver through the daemon; after the fix, the test checks
 * what the moderator and the newcomer see and what the audit log says.
 *
 * The console's clock runs 31 minutes ahead (clock-half-hour-ahead.ts) so a
 * vetting room nobody answered counts as silent at once; the daemon and
 * Synapse keep the real time.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Newcomer, haikuWith } from "../harness/newcomer-flow.js";
import type { TestHomeserver } from "../harness/homeserver.js";
import type { TestCommunity } from "../harness/community.js";
import type { TestDaemon } from "../harness/daemon.js";
import type { TmuxSession } from "./tmux.js";
import { startAttachedConsole, type AttachedConsoleSession } from "./console-session.js";
import { auditOf, selectTrouble, waitTroubleGone } from "./triage-keys.js";

const CLOCK_AHEAD = fileURLToPath(new URL("./clock-half-hour-ahead.ts", import.meta.url));

let session: AttachedConsoleSession;
let hs: TestHomeserver;
let community: TestCommunity;
let daemon: TestDaemon;
let tmux: TmuxSession;

before(async () => {
  session = await startAttachedConsole({
    columns: 140,
    env: {
      INITIAL_CODES: JSON.stringify({ FRIENDS: { uses_remaining: 10, label: "friends" } }),
      VETTING_TIMEOUT_SEC: "3600",
      KNOCK_HOLD_SEC: "3600",
      // An invite nobody accepts is reminded about, and listed in Triage, after a second.
      INVITE_REMIND_SEC: "1",
    },
    consoleNodeArgs: ["--import", CLOCK_AHEAD],
  });
  ({ hs, community, daemon, tmux } = session);
});

after(async () => {
  await session?.stop();
});

test("f on a held knock sends it to vetting: the newcomer gets the challenge and the row leaves Triage", async () => {
  const newcomer = await Newcomer.register(hs, community, "Hal Held");
  await newcomer.knock();
  await selectTrouble(tmux, "held", "Hal Held");
  await tmux.keys("f");
  await tmux.waitForText(`sent ${newcomer.userId} to vetting`);
  const challenge = await newcomer.readChallenge();
  assert.ok(challenge.keyword, "the challenge names a keyword");
  await waitTroubleGone(tmux, "held", "Hal Held");
  const audit = await auditOf(daemon, "knock_sent_to_vetting", newcomer.userId);
  assert.equal(audit[0]?.by, "mod-e2e");
});

test("a on a held knock in Triage approves it: the newcomer is invited into the space", async () => {
  const newcomer = await Newcomer.register(hs, community, "Hedy Held");
  await newcomer.knock();
  await selectTrouble(tmux, "held", "Hedy Held");
  await tmux.keys("a");
  await tmux.waitForText(`approved ${newcomer.userId}`);
  await newcomer.client.waitForInvite(community.spaceId);
  await newcomer.client.join(community.spaceId);
  assert.equal(await newcomer.client.membership(community.spaceId), "join");
  await waitTroubleGone(tmux, "held", "Hedy Held");
  const audit = await auditOf(daemon, "promoted", newcomer.userId);
  assert.equal(audit[0]?.via, "moderator");
});

test("a silent vetting room: e gives it more time and f nudges the newcomer with the challenge again", async () => {
  const newcomer = await Newcomer.register(hs, community, "Sam Silent");
  await newcomer.knock("FRIENDS");
  const first = await newcomer.readChallenge();
  await selectTrouble(tmux, "silent", "Sam Silent");
  await tmux.keys("e");
  await tmux.waitForText(`gave ${newcomer.userId} more time`);
  const [extended] = await auditOf(daemon, "vetting_extended", newcomer.userId);
  assert.equal(extended?.seconds, 1800);
  await tmux.keys("f");
  await tmux.waitForText(`posted a new challenge for ${newcomer.userId}`);
  // On Synapse, as the newcomer: the challenge comes again, with the time the extension gave.
  const nudge = await newcomer.botSays(first, /haiku about: [\s\S]*closes in 1\.5 hours/);
  const [reposted] = await auditOf(daemon, "vetting_reposted", newcomer.userId);
  assert.equal(reposted?.by, "mod-e2e");
  // The nudge answered nothing: the newcomer still has the room, and a haiku still lets them in.
  const keyword = /include the word "([^"]+)"/.exec(nudge)?.[1] ?? first.keyword;
  await newcomer.reply(first, haikuWith(keyword));
  await newcomer.client.waitForInvite(community.spaceId);
});

test("f on an invite nobody accepted withdraws it (asks first): the invite is taken back on Synapse", async () => {
  const newcomer = await Newcomer.register(hs, community, "Ursula Unanswered");
  await newcomer.knock("FRIENDS");
  const challenge = await newcomer.readChallenge();
  await newcomer.reply(challenge, haikuWith(challenge.keyword));
  await newcomer.client.waitForInvite(community.spaceId);
  await selectTrouble(tmux, "unanswered", newcomer.userId);
  await tmux.keys("f");
  await tmux.waitForText(`Withdraw the invite of ${newcomer.userId}?`);
  // Cancel has the focus: Tab moves it to Withdraw.
  await tmux.keys("Tab", "Enter");
  await tmux.waitForText(`withdrew the invite of ${newcomer.userId}`);
  const left = await newcomer.client.waitForLeave(community.spaceId);
  assert.equal(left?.content?.membership, "leave");
  await waitTroubleGone(tmux, "unanswered", newcomer.userId);
  const [withdrawn] = await auditOf(daemon, "invite_withdrawn", newcomer.userId);
  assert.equal(withdrawn?.by, "mod-e2e");
});
