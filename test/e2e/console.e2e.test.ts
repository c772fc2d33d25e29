/**
 * The console end to end: a real Synapse, a real daemon, and `anteroom`
 * attached to it in a real terminal (tmux), driven by keys. The app runs with
 * CI=false: under CI=true Ink draws only its last frame.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Newcomer } from "../harness/newcomer-flow.js";
import { waitFor } from "../harness/wait.js";
import type { TestHomeserver } from "../harness/homeserver.js";
import type { TestCommunity } from "../harness/community.js";
import type { TmuxSession } from "./tmux.js";
import {
  FIRST_FRAME_BOUND_MS,
  startAttachedConsole,
  type AttachedConsoleSession,
} from "./console-session.js";

const PUBLIC = "https://join.e2e.example";

let session: AttachedConsoleSession;
let hs: TestHomeserver;
let community: TestCommunity;
let tmux: TmuxSession;

before(async () => {
  session = await startAttachedConsole({
    columns: 100,
    env: {
      INITIAL_CODES: JSON.stringify({ FRIENDS: { uses_remaining: 5, label: "friends" } }),
      VETTING_TIMEOUT_SEC: "3600",
      HS_PUBLIC: PUBLIC,
    },
    // The moderator's key map: approve moves from a to A.
    consoleConfig: { keys: { approve: ["A"] } },
  });
  ({ hs, community, tmux } = session);
});

after(async () => {
  await session?.stop();
});

test("attached: the first frame is on screen at once after the process starts", () => {
  console.log(`attached: first frame ${session.firstFrameMs} ms after the process started`);
  assert.ok(
    session.firstFrameMs < FIRST_FRAME_BOUND_MS,
    `the first frame took ${session.firstFrameMs} ms`,
  );
});

test("a knock with a code shows up live; A (remapped from a in the key map) invites the newcomer into the space", async () => {
  const newcomer = await Newcomer.register(hs, community, "Ada Lovelace");
  await newcomer.knock("FRIENDS");
  const knockedAt = Date.now();
  const screen = await tmux.waitForText("Ada Lovelace");
  console.log(`the knock was on screen ${Date.now() - knockedAt} ms after it was sent`);
  assert.match(screen, /Knocks 1/);
  // The vetting room opens and the challenge waits for an answer; the row says so.
  await newcomer.readChallenge();
  await tmux.waitForScreen("the knock's vetting room open", (s) => /open\s+Ada Lovelace/.test(s));
  // The old key does nothing: once the Codes view shows, the a before it was handled.
  await tmux.keys("a", "3");
  // The view's count includes the homeserver's tokens once their fetch answers: any count will do.
  await tmux.waitForScreen("the Codes view", (s) => /^\s*Codes \d+/m.test(s));
  assert.doesNotMatch(await tmux.capture(), /approved/);
  await tmux.keys("1", "A");
  await tmux.waitForText(`approved ${newcomer.userId}`);
  // On Synapse, as the newcomer: the invite arrives and lets them in.
  await newcomer.client.waitForInvite(community.spaceId);
  await newcomer.client.join(community.spaceId);
  assert.equal(await newcomer.client.membership(community.spaceId), "join");
});

test("a newcomer's replies appear live in the Vetting view's transcript while it is open", async () => {
  const newcomer = await Newcomer.register(hs, community, "Tove Transcript");
  await newcomer.knock("FRIENDS");
  const challenge = await newcomer.readChallenge();
  await tmux.keys("2", "/");
  await tmux.type("Tove Transcript");
  await tmux.keys("Enter");
  await tmux.waitForScreen("Tove's room selected", (s) =>
    s.split("\n").some((line) => line.includes("›") && line.includes("Tove Transcript")),
  );
  await tmux.keys("Enter");
  await tmux.waitForText("transcript (live)");
  await tmux.waitForText("write a 3-line haiku about");
  // No key pressed from here on: what the newcomer writes on Synapse shows up by itself.
  await newcomer.reply(challenge, "is this where I ask to join?");
  await tmux.waitForText("is this where I ask to join?");
  await tmux.waitForText("not yet");
  await newcomer.reply(challenge, "sorry, a haiku is coming");
  await tmux.waitForText("sorry, a haiku is coming");
  await tmux.keys("Escape", "2", "/", "Escape");
});

test("y copies a code's link through the terminal: it lands in tmux's clipboard", async () => {
  await tmux.keys("3");
  await tmux.waitForText("FRIENDS");
  await tmux.keys("y");
  const link = `${PUBLIC}/join?code=FRIENDS`;
  await tmux.waitForText(`copied to your clipboard: ${link}`);
  // The wait is the check: it fails unless tmux's paste buffer holds exactly the link.
  await waitFor(async () => (await tmux.pasteBuffer()) === link, {
    what: "the link in tmux's paste buffer",
    timeoutMs: 5_000,
  });
});

test("a display name and a message full of escape sequences show as inert text and change no terminal state", async () => {
  const titleBefore = await tmux.paneTitle();
  const clipboardBefore = await tmux.pasteBuffer();
  const hostile = "Mal\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\x1b[2J\u202eyrol\x07\r";
  const newcomer = await Newcomer.register(hs, community, hostile);
  await newcomer.knock("FRIENDS \x1b[31mred\x1b[0m");
  const challenge = await newcomer.readChallenge();
  await newcomer.reply(challenge, "\x1b]0;gotcha\x07hello\r\x1b[1Aworld\x07");
  await tmux.keys("1");
  const screen = await tmux.waitForText("Mal");
  await tmux.keys("g", "Enter");
  const detail = await tmux.waitForText("world");
  for (const shown of [screen, detail, await tmux.captureWithEscapes()]) {
    assert.doesNotMatch(shown, /pwned|gotcha|\]52;|\[2J|\u202e/);
  }
  assert.equal(await tmux.paneTitle(), titleBefore, "the window title is unchanged");
  assert.equal(await tmux.pasteBuffer(), clipboardBefore, "the clipboard is unchanged");
  await tmux.keys("Escape");
});

test("the layout follows resizes: 120×40, 80×24, 60×15, and says so when too small", async () => {
  for (const [columns, rows] of [
    [120, 40],
    [80, 24],
    [60, 15],
  ] as const) {
    await tmux.resize(columns, rows);
    // The whole layout at the new size: header on top, hint bar at the bottom, nothing between wrapped.
    await tmux.waitForScreen(`a ${columns}×${rows} layout`, (s) => {
      const lines = s.split("\n");
      return (
        lines.length === rows &&
        (lines[0] ?? "").startsWith("anteroom · attached") &&
        (lines[1] ?? "").includes("1 Knocks") &&
        (lines[rows - 1] ?? "").startsWith("? help")
      );
    });
  }
  await tmux.resize(50, 12);
  await tmux.waitForText("terminal too small (need 60×15)");
  await tmux.resize(100, 30);
  await tmux.waitForScreen(
    "the layout back",
    (s) => s.split("\n").length === 30 && s.startsWith("anteroom"),
  );
});

test("at 80×24 every view fits the screen, and the QR code of a link is drawn whole", async () => {
  await tmux.resize(80, 24);
  for (const view of ["1", "2", "3", "4", "5", "6"]) {
    await tmux.keys(view);
    const screen = await tmux.waitForScreen(`view ${view} at 80×24`, (s) => {
      const lines = s.split("\n");
      return (
        lines.length === 24 &&
        (lines[0] ?? "").startsWith("anteroom · attached") &&
        (lines[23] ?? "").startsWith("? help")
      );
    });
    // Fitting is the wait's check: a row wider than 80 would wrap and push the header off.
    // (tmux never captures a row wider than its pane, so a width check here could not fail.)
    const lines = screen.split("\n");
    assert.equal(lines.filter((line) => line.includes("anteroom · attached")).length, 1);
  }
  await tmux.keys("3", "Enter");
  const screen = await tmux.waitForText("join?code=");
  assert.doesNotMatch(screen, /enlarge the terminal/);
  // Three finder patterns: their top edges show as ▄▄▄▄▄ twice on the first rows, once lower down.
  assert.ok(screen.split("\n").filter((line) => line.includes("▄▄▄▄▄")).length >= 2);
  await tmux.keys("Escape");
  await tmux.resize(100, 30);
});

test("q asks first, a second q quits, and the console ends", async () => {
  await tmux.keys("q");
  await tmux.waitForText("Quit the console?");
  await tmux.keys("q");
  await waitFor(() => tmux.exited(), { what: "the console to end", timeoutMs: 10_000 });
});
