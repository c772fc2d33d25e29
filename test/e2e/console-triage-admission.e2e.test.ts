/**
 * The Triage view's fix key (f) on the two ways an admission gets stuck, end
 * to end on Synapse with a real daemon and `anteroom` attached in tmux: a pass
 * held back by a join wave (f lets the person in), and an invite the daemon
 * gave up on (f invites again once the cause is fixed).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Newcomer, haikuWith } from "../harness/newcomer-flow.js";
import { MatrixUserClient } from "../../src/devserver/newcomer.js";
import type { TestHomeserver } from "../harness/homeserver.js";
import type { TestCommunity } from "../harness/community.js";
import type { TestDaemon } from "../harness/daemon.js";
import type { TmuxSession } from "./tmux.js";
import { startAttachedConsole, type AttachedConsoleSession } from "./console-session.js";
import { auditOf, selectTrouble, waitTroubleGone } from "./triage-keys.js";

let session: AttachedConsoleSession;
let hs: TestHomeserver;
let community: TestCommunity;
let daemon: TestDaemon;
let tmux: TmuxSession;
/** A room of the community the bot was never let into: inviting anyone there fails for good. */
let strangerRoom: string;
let stranger: MatrixUserClient;

before(async () => {
  session = await startAttachedConsole({
    columns: 140,
    env: {
      INITIAL_CODES: JSON.stringify({ FRIENDS: { uses_remaining: 10, label: "friends" } }),
      VETTING_TIMEOUT_SEC: "3600",
      KNOCK_HOLD_SEC: "3600",
      // More than one arrival a minute is a wave: passes wait for a moderator.
      JOIN_WAVE_PER_MIN: "1",
    },
    beforeDaemon: async (hs, community) => {
      stranger = new MatrixUserClient(
        hs.url,
        await hs.registerUser(undefined, { displayName: "Stranger" }),
      );
      strangerRoom = await stranger.createRoom({ name: "Not the bot's", preset: "private_chat" });
      return { SPACE_CHILD_IDS: [...community.childIds, strangerRoom].join(",") };
    },
  });
  ({ hs, community, daemon, tmux } = session);
});

after(async () => {
  await session?.stop();
});

test("a pass held by a join wave: f lets them in; the invite given up on: f invites again once the bot may", async () => {
  // Two arrivals in a minute start the wave.
  const first = await Newcomer.register(hs, community, "Wave Starter");
  await first.knock("FRIENDS");
  const newcomer = await Newcomer.register(hs, community, "Pia Paused");
  await newcomer.knock("FRIENDS");
  const challenge = await newcomer.readChallenge();
  await newcomer.reply(challenge, haikuWith(challenge.keyword));
  await selectTrouble(tmux, "awaiting", "Pia Paused");
  await tmux.keys("f");
  await tmux.waitForText(`approved ${newcomer.userId}`);
  await newcomer.client.waitForInvite(community.spaceId);
  await newcomer.client.join(community.spaceId);
  await waitTroubleGone(tmux, "awaiting", "Pia Paused");
  const [promoted] = await auditOf(daemon, "promoted", newcomer.userId);
  assert.equal(promoted?.by, "mod-e2e");

  // The invite into the stranger's room failed for good: Triage says the daemon gave up.
  await selectTrouble(tmux, "failed", "Pia Paused");
  // The cause is fixed on the homeserver: the bot is let into the room with the power to invite.
  await stranger.invite(strangerRoom, community.bot.userId);
  await community.botClient.join(strangerRoom);
  const levels = await stranger.getState(strangerRoom, "m.room.power_levels");
  await stranger.sendState(strangerRoom, "m.room.power_levels", "", {
    ...levels,
    users: { ...levels.users, [community.bot.userId]: 100 },
  });
  await tmux.keys("f");
  await tmux.waitForText(`invited ${newcomer.userId} again`);
  await newcomer.client.waitForInvite(strangerRoom);
  await newcomer.client.join(strangerRoom);
  assert.equal(await newcomer.client.membership(community.spaceId), "join");
  await waitTroubleGone(tmux, "failed", "Pia Paused");
  const [reinvited] = await auditOf(daemon, "reinvited", newcomer.userId);
  assert.equal(reinvited?.by, "mod-e2e");
});
