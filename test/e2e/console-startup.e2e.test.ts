/**
 * Opening the console, end to end in tmux on a real Synapse with no daemon
 * (the engine in-process, so it logs in and syncs first): the first frame
 * comes at once, and what the moderator left (the view, its filter) is there
 * the next time `anteroom` opens.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor } from "../harness/wait.js";
import { TmuxSession } from "./tmux.js";
import {
  FIRST_FRAME_BOUND_MS,
  startInProcessConsole,
  type InProcessConsoleSession,
} from "./console-session.js";

let session: InProcessConsoleSession;
let tmux: TmuxSession;

before(async () => {
  session = await startInProcessConsole({
    columns: 100,
    env: { INITIAL_CODES: JSON.stringify({ FRIENDS: { uses_remaining: 5, label: "friends" } }) },
  });
  ({ tmux } = session);
});

after(async () => {
  await session?.stop();
});

async function quit(terminal: TmuxSession): Promise<void> {
  await terminal.keys("q");
  await terminal.waitForText("Quit the console?");
  await terminal.keys("q");
  await waitFor(() => terminal.exited(), { what: "the console to end", timeoutMs: 15_000 });
}

test("in-process: the first frame is on screen at once, before the engine has logged in", () => {
  console.log(`in-process: first frame ${session.firstFrameMs} ms after the process started`);
  assert.ok(
    session.firstFrameMs < FIRST_FRAME_BOUND_MS,
    `the first frame took ${session.firstFrameMs} ms`,
  );
});

test("the view and its filter set in one run are there in the next", async () => {
  await tmux.keys("3", "/");
  await tmux.type("FRIENDS");
  await tmux.keys("Enter");
  await tmux.waitForText("filter “FRIENDS”");
  await quit(tmux);

  const again = await session.openAgain();
  const screen = await again.waitForText("filter “FRIENDS”");
  assert.match(screen, /\[3 Codes\]/, "it opens on Codes, the view left last time");
  await quit(again);
});

test("anteroom demo opens the moderator's own console: its config file is read, a bad key map stops it in one line", async () => {
  const configDir = await mkdtemp(join(tmpdir(), "anteroom-config-"));
  await writeFile(join(configDir, "config.json"), JSON.stringify({ keys: { approve: ["x"] } }));
  const demo = await TmuxSession.start({
    columns: 160,
    rows: 10,
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
    command: [process.execPath, "--import", "tsx", "src/entry/cli.ts", "demo"],
    env: { CI: "false", USER: "mod-e2e", ANTEROOM_CONFIG_DIR: configDir },
  });
  try {
    const screen = await demo.waitForOutput("fix it or remove it");
    assert.match(screen, /keys: "x" is taken twice on the knocks screen/);
    await waitFor(() => demo.exited(), { what: "the demo to stop", timeoutMs: 10_000 });
  } finally {
    await demo.stop();
    await rm(configDir, { recursive: true, force: true });
  }
});
