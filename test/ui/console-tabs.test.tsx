import "./ci-off.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { rowWidth, tabLabels } from "../../ui/components/Tabs.js";
import { VIEWS, VIEW_TITLES } from "../../ui/state/console-state.js";
import { openConsole } from "./console-harness.js";

/** The tab row: the line under the header. */
const tabRow = (frame: string) => frame.split("\n")[1] ?? "";

test("at 80 columns the tab row shows all nine views, the current one in full and in brackets", async (t) => {
  const c = openConsole(t, { columns: 80, rows: 24 });
  for (const [index, view] of VIEWS.entries()) {
    const key = String(index + 1);
    c.press(key);
    const frame = await c.waitFor(`the ${view} tab`, (f) =>
      tabRow(f).includes(`[${key} ${VIEW_TITLES[view]}]`),
    );
    const row = tabRow(frame);
    for (const number of ["1", "2", "3", "4", "5", "6", "7", "8", "9"]) {
      assert.match(row, new RegExp(`(^|[ \\[])${number} [A-Z]`), `tab ${number} in «${row}»`);
    }
    assert.match(row, /9 Members/, `the last tab is whole in «${row}»`);
    assert.ok(row.trimEnd().length <= 80);
  }
});

test("wide terminals keep the full titles; no width the console runs in cuts a tab off", () => {
  const wide = tabLabels("knocks", 120).map((label) => label.text.trim());
  assert.ok(wide.includes("8 Blocklist") && wide.includes("6 Daemon log"));
  for (const view of VIEWS) {
    for (let width = 40; width <= 100; width++) {
      const labels = tabLabels(view, width);
      assert.equal(labels.length, 9);
      assert.ok(rowWidth(labels) <= Math.max(width, 30), `${view} at ${width}`);
      assert.ok(labels.some((label) => label.isCurrent && label.text.includes(VIEW_TITLES[view])));
    }
  }
});
