// What the console remembers for the person at the terminal (conf, in their config folder), and
// the key map they can write there: two runs share one config dir, as two days at the console do.
import "./ci-off.js";
import { test, after, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../../src/config.js";
import {
  defaultConsoleConfig,
  loadConsolePreferences,
} from "../../src/entry/console-preferences.js";
import { qrLines } from "../../ui/format/qr-lines.js";
import { openConsole, type HarnessOptions } from "./console-harness.js";

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function configDir(contents?: string): Promise<NodeJS.ProcessEnv> {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-prefs-"));
  dirs.push(dir);
  if (contents !== undefined) await writeFile(join(dir, "config.json"), contents);
  return { ANTEROOM_CONFIG_DIR: dir };
}

/** The console as `anteroom` opens it: with what its config file says. */
function openConfigured(t: TestContext, env: NodeJS.ProcessEnv, options: HarnessOptions = {}) {
  const { preferences, keyMap } = loadConsolePreferences(env);
  return openConsole(t, { ...options, preferences, keyMap });
}

const CODES = {
  ABC: { uses_remaining: 5, label: "friends" },
  XYZ: { uses_remaining: 1, label: "family" },
};

test("the view, filter, QR inversion and theme set in one run are there in the next", async (t) => {
  const env = await configDir();
  const link = "https://join.example.org/join?code=XYZ";
  const first = openConfigured(t, env, { codes: CODES });
  first.press("3");
  await first.waitForText("friends");
  first.press("/");
  first.type("fam");
  first.press("enter");
  await first.waitFor("the filtered list", (f) => f.includes("family") && !f.includes("friends"));
  first.press("enter");
  await first.waitForText(qrLines(link)[1] ?? "?");
  first.press("i");
  await first.waitForText(qrLines(link, { isInverted: true })[1] ?? "?");
  first.press("esc", "T");
  await first.waitForText("light theme");
  first.unmount(); // the next run starts as the console is left
  const file = join(env.ANTEROOM_CONFIG_DIR ?? "", "config.json");
  assert.equal((await stat(file)).mode & 0o777, 0o600, "only its owner reads it");
  const made = join(env.ANTEROOM_CONFIG_DIR ?? "", "made");
  loadConsolePreferences({ ANTEROOM_CONFIG_DIR: made });
  assert.equal((await stat(made)).mode & 0o777, 0o700, "a folder it makes is private too");

  const next = openConfigured(t, env, { codes: CODES });
  const frame = await next.waitForText("filter “fam”");
  assert.match(frame, /family/);
  assert.doesNotMatch(frame, /friends/, "the Codes view opens filtered, as it was left");
  next.press("enter");
  await next.waitForText(qrLines(link, { isInverted: true })[1] ?? "?");
  // The theme was light: T now goes back to dark.
  next.press("esc", "T");
  await next.waitForText("dark theme");
});

test("a remapped key runs its binding and the old key no longer does", async (t) => {
  const env = await configDir(JSON.stringify({ keys: { approve: ["A"] } }));
  const c = openConfigured(t, env, { columns: 120 });
  c.world.knock("@held:example.org", "");
  await c.world.reconcile();
  const frame = await c.waitForText("@held:example.org");
  assert.match(frame, /A approve/, "the hint bar shows the new key");
  // a, then a view change: once the Codes view shows, the a was handled, and did nothing.
  c.press("a", "3");
  await c.waitForText("Codes");
  assert.equal(c.world.matrix.ops("invite").length, 0, "a approved nobody");
  c.press("1", "A");
  await c.waitForText("approved @held:example.org");
  await c.until("the invite", () => c.world.matrix.ops("invite").length > 0);
});

test("the key map remaps the keys inside a confirmation too; the old ones no longer act there", async (t) => {
  const env = await configDir(
    JSON.stringify({ keys: { "dialog-switch": ["tab", "L"], "dialog-cancel": ["esc", "N"] } }),
  );
  const c = openConfigured(t, env, { columns: 120 });
  c.world.knock("@held:example.org", "");
  await c.world.reconcile();
  await c.waitForText("@held:example.org");
  c.press("x");
  await c.waitForText("Reject @held:example.org?");
  // The reason is asked only if n did not cancel, l did not move the focus and L did.
  c.press("n", "l", "L", "enter");
  await c.waitForText("reason for @held:example.org");
  c.press("esc", "x");
  await c.waitForText("Reject @held:example.org?");
  c.press("N");
  await c.waitFor("the dialog cancelled", (f) => !f.includes("Reject @held:example.org?"));
});

/** The line `anteroom` prints before refusing to start. */
async function refusal(contents: string): Promise<string> {
  const env = await configDir(contents);
  try {
    loadConsolePreferences(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    assert.doesNotMatch(error.message, /\n/, "one line");
    assert.ok(error.message.startsWith(join(env.ANTEROOM_CONFIG_DIR ?? "", "config.json")));
    return error.message;
  }
  assert.fail("the console would have started");
}

test("a bad key map file is one line naming the file and the mistake", async () => {
  assert.match(
    await refusal(JSON.stringify({ keys: { aprove: ["A"] } })),
    /keys: "aprove" is not a binding id \(anteroom --print-config lists them\)/,
  );
  assert.match(
    await refusal(JSON.stringify({ keys: { approve: ["x"] } })),
    /keys: "x" is taken twice on the knocks screen: by "approve" and "reject"/,
  );
  assert.match(await refusal(JSON.stringify({ keys: { approve: "A" } })), /needs a list of keys/);
  assert.match(
    await refusal(JSON.stringify({ keys: { "dialog-cancel": ["enter"] } })),
    /keys: "enter" is taken twice in dialogs: by "dialog-choose" and "dialog-cancel"/,
  );
  assert.match(await refusal(JSON.stringify({ keys: { approve: ["Ctrl-A"] } })), /is not a key/);
  assert.match(await refusal('{ "keys": { "approve": ['), /not a JSON object.*fix it or remove/);
  // The file's own text is quoted as JSON writes it: no escape sequence of it reaches the terminal.
  const hostile = await refusal(JSON.stringify({ keys: { "\x1b]0;pwned\x07": ["A"] } }));
  assert.ok(hostile.includes(String.raw`"\u001b]0;pwned\u0007" is not a binding id`), hostile);
  assert.ok(!(await refusal('{"keys": \x1b[2J}')).includes("\x1b"));
});

test("the printed defaults are a file the console takes, and swapping two keys is no clash", async () => {
  const defaults = loadConsolePreferences(await configDir(defaultConsoleConfig()));
  assert.equal(defaults.preferences.initial.view, "knocks");
  const swapped = loadConsolePreferences(
    await configDir(JSON.stringify({ keys: { approve: ["x"], reject: ["a"] } })),
  );
  assert.deepEqual(swapped.keyMap, { approve: ["x"], reject: ["a"] });
});
