/**
 * `anteroom` with no daemon running: the console logs in as the bot and runs
 * the engine itself. Driven in tmux against a real Synapse like the attached
 * one, it must behave the same — the one word in the header aside — and it
 * can read the engine's own log and health.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Newcomer } from "../harness/newcomer-flow.js";
import { waitFor } from "../harness/wait.js";
import type { TestHomeserver } from "../harness/homeserver.js";
import type { TestCommunity } from "../harness/community.js";
import type { TmuxSession } from "./tmux.js";
import { startInProcessConsole, type InProcessConsoleSession } from "./console-session.js";

const PUBLIC = "https://join.e2e.example";

let session: InProcessConsoleSession;
let hs: TestHomeserver;
let community: TestCommunity;
let tmux: TmuxSession;

before(async () => {
  session = await startInProcessConsole({
    columns: 100,
    env: {
      HS_PUBLIC: PUBLIC,
      INITIAL_CODES: JSON.stringify({ FRIENDS: { uses_remaining: 5, label: "friends" } }),
      VETTING_TIMEOUT_SEC: "3600",
    },
  });
  ({ hs, community, tmux } = session);
});

after(async () => {
  await session?.stop();
});

test("in-process: a knock shows up live and a approves it, as when attached", async () => {
  const newcomer = await Newcomer.register(hs, community, "Grace Hopper");
  await newcomer.knock("FRIENDS");
  await tmux.waitForText("Grace Hopper");
  await newcomer.readChallenge();
  await tmux.waitForScreen("the vetting room open", (s) => /open\s+Grace Hopper/.test(s));
  await tmux.keys("1", "a");
  await tmux.waitForText(`approved ${newcomer.userId}`);
  await newcomer.client.waitForInvite(community.spaceId);
  await newcomer.client.join(community.spaceId);
  assert.equal(await newcomer.client.membership(community.spaceId), "join");
});

test("in-process: Health reports the homeserver and the code links use HS_PUBLIC", async () => {
  await tmux.keys("5");
  await tmux.waitForText("reachable (sync");
  await tmux.keys("3", "y");
  await tmux.waitForText(`copied to your clipboard: ${PUBLIC}/join?code=FRIENDS`);
});

test("in-process: the Daemon log view follows the engine's log file", async () => {
  await tmux.keys("6");
  const screen = await tmux.waitForScreen("the engine's log lines", (s) =>
    /Daemon log [1-9]/.test(s),
  );
  assert.doesNotMatch(screen, /no log file yet/);
  // Ctrl+C twice quits, as in most terminal programs.
  await tmux.keys("C-c");
  await tmux.waitForText("Quit the console?");
  await tmux.keys("C-c");
  await waitFor(() => tmux.exited(), { what: "the console to end", timeoutMs: 15_000 });
});
