import "./ci-off.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openConsole } from "./console-harness.js";

const FAKE_EDITOR = fileURLToPath(new URL("./fixtures/fake-editor.mjs", import.meta.url));

/** $EDITOR is the fake editor, which will make these edits, one per opening. */
function editorDoes(...steps: ({ replace: [string, string] } | { write: string })[]): string {
  const file = join(mkdtempSync(join(tmpdir(), "anteroom-fake-editor-")), "steps.json");
  writeFileSync(file, JSON.stringify(steps));
  delete process.env.VISUAL;
  process.env.EDITOR = `${process.execPath} ${FAKE_EDITOR}`;
  process.env.FAKE_EDITOR_STEPS = file;
  return file;
}

const BOOK = {
  ABC: { uses_remaining: 5, label: "friends" },
  OLD: { uses_remaining: 1, label: "last year" },
};

test("E edits the book in $EDITOR: the changes are shown, Cancel first, and applied when confirmed", async (t) => {
  const steps = editorDoes({
    replace: [
      '"OLD": {\n    "uses_remaining": 1,\n    "label": "last year"\n  }',
      '"NEWCODE": {\n    "uses_remaining": 3,\n    "label": "meetup"\n  }',
    ],
  });
  const c = openConsole(t, { codes: structuredClone(BOOK), columns: 100 });
  // A knock spends a use first: the engine remembers which knock it charged.
  c.world.knock("@new:example.org", "ABC");
  await c.world.reconcile();
  const charged = c.world.codes.value.ABC?.redeemed_by;
  assert.equal(charged?.length, 1);
  c.press("3");
  await c.waitForText("Codes 2");
  c.press("E");
  const frame = await c.waitForText("Apply 2 changes to the invite book?");
  assert.match(frame, /\+ NEWCODE/);
  assert.match(frame, /- OLD \(links with it stop working\)/);
  assert.match(frame, /› Cancel ‹/);
  // The editor was shown the book without the engine's memory of charged knocks.
  const seen = readFileSync(`${steps}.seen`, "utf8");
  assert.match(seen, /"ABC": \{\n {4}"uses_remaining": 4,\n {4}"label": "friends"/);
  assert.doesNotMatch(seen, /redeemed_by/);
  assert.ok(c.world.codes.value.OLD, "nothing is applied before the confirmation");
  c.press("right", "enter");
  await c.waitForText("invite book: 2 codes changed");
  await c.waitForText("NEWCODE");
  assert.deepEqual(Object.keys(c.world.codes.value).sort(), ["ABC", "NEWCODE"]);
  assert.deepEqual(c.world.codes.value.ABC?.redeemed_by, charged);
  assert.ok(c.world.audit.some((a) => a.type === "code_book_edited" && a.by === "mod-alice"));
});

test("a changed code shows what changed; the uses a knock spent meanwhile are not undone by the others", async (t) => {
  editorDoes({ replace: ['"label": "last year"', '"label": "this year"'] });
  const c = openConsole(t, { codes: structuredClone(BOOK) });
  c.press("3", ":");
  c.type("edit-book invite");
  c.press("enter");
  const frame = await c.waitForText("Apply 1 change to the invite book?");
  assert.match(frame, /~ OLD: label “last year” → “this year”/);
  c.world.knock("@meanwhile:example.org", "ABC");
  await c.world.reconcile();
  c.press("tab", "enter");
  await c.waitForText("invite book: 1 code changed");
  assert.equal(c.world.codes.value.OLD?.label, "this year");
  assert.equal(c.world.codes.value.ABC?.uses_remaining, 4);
});

test("a bad edit shows why, applies nothing, and opens the editor again on what was written", async (t) => {
  const steps = editorDoes(
    { replace: ['"uses_remaining": 5', '"uses_remaining": -2'] },
    { replace: ['"uses_remaining": -2', '"uses_remaining": 2'] },
  );
  const c = openConsole(t, { codes: structuredClone(BOOK), columns: 100 });
  c.press("3", "E");
  const frame = await c.waitForText("The edited invite book is not valid; nothing was applied");
  assert.match(frame, /at ABC\.uses_remaining: /);
  assert.match(frame, /› Edit again ‹/);
  assert.equal(c.world.codes.value.ABC?.uses_remaining, 5);
  c.press("enter");
  await c.waitForText("Apply 1 change to the invite book?");
  assert.match(readFileSync(`${steps}.seen`, "utf8"), /"uses_remaining": -2/);
  c.press("esc");
  await c.waitForText("cancelled");
  assert.equal(c.world.codes.value.ABC?.uses_remaining, 5);
});

test("an edit that is not JSON says so; an unchanged book says there is nothing to apply", async (t) => {
  editorDoes({ write: "{ not json" }, { replace: ["", ""] }); // then saved as it was
  const c = openConsole(t, { codes: structuredClone(BOOK), columns: 100 });
  c.press("3", "E");
  await c.waitForText("not JSON:");
  c.press("esc");
  await c.waitForText("cancelled");
  c.press("E");
  await c.waitForText("no changes to the invite book");
});
