/**
 * A code book edited in $EDITOR from the console in a real terminal: the
 * console leaves the alternate screen and raw mode while the editor has the
 * terminal, and comes back whole afterwards with the changes to confirm.
 * Runs the sample console (test/ui/demo-console.tsx, an in-memory engine):
 * the homeserver plays no part in this.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { TmuxSession, requireTmux } from "./tmux.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const FAKE_EDITOR = fileURLToPath(new URL("../ui/fixtures/fake-editor.mjs", import.meta.url));

let tmux: TmuxSession;
let steps: string;

before(async () => {
  await requireTmux();
  steps = join(await mkdtemp(join(tmpdir(), "anteroom-editor-e2e-")), "steps.json");
  await writeFile(
    steps,
    JSON.stringify([{ replace: ['"label": "friends of alice"', '"label": "friends of bob"'] }]),
  );
  tmux = await TmuxSession.start({
    columns: 100,
    rows: 30,
    cwd: REPO,
    command: [process.execPath, "--import", "tsx", "test/ui/demo-console.tsx"],
    env: {
      CI: "false",
      USER: "mod-e2e",
      EDITOR: `${process.execPath} ${FAKE_EDITOR}`,
      VISUAL: "",
      FAKE_EDITOR_STEPS: steps,
      FAKE_EDITOR_WAIT: "1",
    },
  });
  await tmux.waitForText("anteroom · demo", 30_000);
});

after(async () => {
  await tmux?.stop();
});

test("E hands the terminal to $EDITOR and the console comes back with the changes to confirm", async () => {
  await tmux.keys("3");
  await tmux.waitForText("Codes 2");
  await tmux.keys("E"); // the selected code's book: invite
  const editing = await tmux.waitForText("FAKE EDITOR is open");
  assert.doesNotMatch(
    editing,
    /anteroom · demo/,
    "the console's frame is gone while the editor runs",
  );
  await tmux.keys("Enter");
  const back = await tmux.waitForText("Apply 1 change to the invite book?");
  assert.match(await readFile(`${steps}.seen`, "utf8"), /"FRIENDS": \{/);
  assert.match(back, /anteroom · demo/);
  assert.match(back, /~ FRIENDS: label “friends of alice” → “friends of bob”/);
  assert.doesNotMatch(back, /FAKE EDITOR/, "the console redrew the whole screen");
  await tmux.keys("Right");
  await tmux.keys("Enter");
  await tmux.waitForText("invite book: 1 code changed");
  await tmux.waitForText("friends of bob");
  // Keys reach the console again, one by one (raw mode is back).
  await tmux.keys("?");
  await tmux.waitForText("of the keys");
});
