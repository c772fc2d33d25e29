// The light theme is for a white background: none of the dark theme's yellow or cyan text, and
// T switches back. Frames here keep their colours (colour-on.ts), unlike the other console tests.
import "./ci-off.js";
import "./colour-on.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_PREFERENCES } from "../../ui/preferences/preferences.js";
import { openConsole } from "./console-harness.js";

// eslint-disable-next-line no-control-regex -- colours are escape sequences
const YELLOW_OR_CYAN = /\x1b\[(33|36|93|96)m/;

test("the light theme draws no yellow or cyan text; T switches to the dark one, which does", async (t) => {
  const saved: string[] = [];
  const c = openConsole(t, {
    preferences: {
      initial: { ...DEFAULT_PREFERENCES, theme: "light" },
      save: (preferences) => saved.push(preferences.theme),
    },
  });
  c.world.knock("@held:example.org", ""); // held: a warning tone
  await c.world.reconcile();
  const light = await c.waitForText("@held:example.org");
  assert.doesNotMatch(light, YELLOW_OR_CYAN);
  assert.ok(light.includes("\x1b[38;2;154;87;0m"), "held is in the light theme's dark amber");
  c.press("T");
  const dark = await c.waitFor("the dark theme", (f) => YELLOW_OR_CYAN.test(f));
  assert.match(dark, /dark theme/);
  assert.deepEqual(saved, ["dark"], "the choice is saved for the next run");
});
