import "./ci-off.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import QRCode from "qrcode";
import { qrLines } from "../../ui/format/qr-lines.js";
import { clipboardBytes } from "../../ui/terminal/clipboard.js";
import { openConsole } from "./console-harness.js";

const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

test("y copies the selected code's link to the clipboard with OSC 52, and says so", async (t) => {
  const c = openConsole(t, { codes: { "WELCOME-1": { uses_remaining: 2, label: "spring" } } });
  c.press("3");
  const list = await c.waitForText("Codes 1");
  // At 80 columns the hint bar still offers both.
  assert.match(list.split("\n").at(-1) ?? "", /y copy .*Enter QR/);
  c.press("y");
  const link = "https://join.example.org/join?code=WELCOME-1";
  await c.waitForText(`copied to your clipboard: ${link}`);
  assert.deepEqual(c.terminalWrites, [`\x1b]52;c;${base64(link)}\x07`]);
  // Nothing of it reached Ink's frame.
  assert.doesNotMatch(c.frame(), /\]52;/);
});

test("inside tmux the clipboard sequence is also sent through tmux's passthrough", async (t) => {
  const c = openConsole(t, { isTmux: true, codes: { ABC: { uses_remaining: 1, label: "" } } });
  c.press("3", "y");
  await c.waitForText("copied to your clipboard");
  const plain = `\x1b]52;c;${base64("https://join.example.org/join?code=ABC")}\x07`;
  const wrapped = `\x1bPtmux;${plain.replaceAll("\x1b", "\x1b\x1b")}\x1b\\`;
  assert.deepEqual(c.terminalWrites, [plain + wrapped]);
});

test("a link with characters a terminal would act on still travels as base64 only", () => {
  const bytes = clipboardBytes("https://x.example/join?code=\x07\x1b]0;t\x07", false);
  // One ESC to open, one BEL to end: the payload cannot end the sequence early.
  assert.equal(bytes.split("\x1b").length - 1, 1);
  assert.equal(bytes.split("\x07").length - 1, 1);
});

test("a signup code's link goes to the signup page; Enter shows it with a QR code that fits 80×24", async (t) => {
  const c = openConsole(t, { columns: 80, rows: 24 });
  await c.world.engine.revokeCode("invite", "ABC", "test");
  const { code } = await c.world.engine.mintCode("signup", { uses: 1, label: "bob", by: "t" });
  c.press("3");
  await c.waitForText(code);
  c.press("enter");
  const link = `https://join.example.org/signup?code=${code}`;
  // The link wraps beside the code; y copies it whole (below).
  const frame = await c.waitForText("https://join.example.org/signup?code=");
  const qr = qrLines(link);
  for (const line of qr) assert.ok(frame.includes(line), `the frame shows the QR line ${line}`);
  const lines = frame.split("\n");
  assert.equal(lines.length, 24);
  assert.ok(lines.every((line) => [...line].length <= 80));
  c.press("y");
  await c.waitForText(`copied to your clipboard: ${link}`);
  assert.deepEqual(c.terminalWrites, [`\x1b]52;c;${base64(link)}\x07`]);
  c.press("esc");
  await c.waitFor("the QR code closed", (f) => !f.includes(qr[1] ?? "?"));
});

test("too small for the QR code: it says so and still shows the link", async (t) => {
  const c = openConsole(t, { columns: 60, rows: 15 });
  c.press("3", "v");
  const frame = await c.waitFor("the QR code's note", (f) =>
    f.replace(/\s+/g, " ").includes("enlarge the terminal to see it"),
  );
  assert.match(frame, /https:\/\/join\.example\.org\/join\?code=ABC/);
  assert.doesNotMatch(frame, /███/);
});

test("the QR lines encode exactly the modules of the link's QR code", () => {
  const text = "https://join.example.org/join?code=ABCD2345EF";
  const { modules } = QRCode.create(text, { errorCorrectionLevel: "L" });
  for (const isInverted of [false, true]) {
    const lines = qrLines(text, { isInverted });
    const quiet = (lines[0]!.length - modules.size) / 2;
    for (let r = 0; r < modules.size; r++) {
      for (let col = 0; col < modules.size; col++) {
        const row = r + quiet;
        const cell = lines[Math.floor(row / 2)]![col + quiet]!;
        const top = cell === "█" || cell === "▀";
        const bottom = cell === "█" || cell === "▄";
        const painted = row % 2 === 0 ? top : bottom;
        assert.equal(painted, isInverted === (modules.get(r, col) === 1), `module ${r},${col}`);
      }
    }
  }
});

test("attached: the link is built on the public address the daemon reports", async (t) => {
  const c = openConsole(t, {
    publicUrl: undefined,
    health: async () => ({
      ok: true,
      body: { status: "ok", sync: "SYNCING", public_url: "https://gate.example.net" },
    }),
  });
  c.press("3");
  await c.waitForText("Codes 1");
  c.press("y");
  await c.waitForText("copied to your clipboard: https://gate.example.net/join?code=ABC");
});
