/**
 * The README's screenshots, from real captures: runs `anteroom demo` (a local
 * Synapse, simulated newcomers, the console) in tmux at 100×30, waits for the
 * newcomers, captures the Knocks view, a vetting room's transcript and a
 * code's QR code with `tmux capture-pane -e`, renders each capture to HTML
 * (ansi-html.ts) and photographs it with Chromium into docs/console-*.png.
 *
 * `node --import tsx test/e2e/capture-console.ts` (needs tmux, root for the
 * demo's Synapse; the page tests' Chromium, see test/harness/chromium.ts).
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { CHROMIUM_FLAGS } from "../harness/browser.js";
import { findChromium } from "../harness/chromium.js";
import { screenToHtml } from "./ansi-html.js";
import { waitFor } from "../harness/wait.js";
import { TmuxSession, requireTmux } from "./tmux.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const DOCS = join(REPO, "docs");
const COLUMNS = 100;
const ROWS = 30;
interface Shot {
  readonly name: string;
  readonly title: string;
  readonly capture: string;
}

async function captureDemo(): Promise<Shot[]> {
  await requireTmux();
  const tmux = await TmuxSession.start({
    columns: COLUMNS,
    rows: ROWS,
    cwd: REPO,
    command: [process.execPath, "--import", "tsx", "src/entry/cli.ts", "demo"],
    // CI=false keeps Ink drawing every frame, but turns colour detection off: forced back on.
    env: { CI: "false", FORCE_COLOR: "3", USER: "moderator" },
  });
  const shots: Shot[] = [];
  const shoot = async (name: string, title: string) =>
    shots.push({ name, title, capture: await tmux.captureWithEscapes() });
  try {
    await tmux.waitForText("anteroom · demo", 300_000);
    // Every newcomer has knocked, and the one with no code waits for a moderator.
    await tmux.waitForScreen(
      "the five newcomers",
      (s) => /Knocks 5\b/.test(s) && /held/.test(s),
      180_000,
    );
    await tmux.waitForScreen(
      "a vetting room with replies",
      (s) => /failed|passed/.test(s),
      180_000,
    );
    await shoot("knocks", "anteroom console: Knocks");

    await tmux.keys("2");
    await tmux.waitForText("Vetting rooms");
    await tmux.keys("Enter");
    await tmux.waitForText("transcript (live)");
    await shoot("vetting", "anteroom console: a vetting room's live transcript");

    await tmux.keys("Escape");
    await tmux.waitForText("Vetting rooms");
    await tmux.keys("3");
    await tmux.waitForText("Codes");
    await tmux.keys("/");
    await tmux.type("WELCOME");
    await tmux.keys("Enter", "v");
    await tmux.waitForScreen(
      "the QR code",
      (s) => s.includes("join?code=WELCOME") && s.includes("█"),
    );
    await shoot("codes", "anteroom console: a code's link and QR code");

    await tmux.keys("Escape");
    await tmux.waitForScreen("the QR code closed", (s) => !s.includes("█"));
    await tmux.keys("q");
    await tmux.waitForText("Quit the console?");
    await tmux.keys("Enter");
    await waitFor(() => tmux.exited(), { what: "the console to quit", timeoutMs: 60_000 });
  } finally {
    await tmux.stop();
  }
  return shots;
}

async function photograph(shots: readonly Shot[]): Promise<string[]> {
  await mkdir(DOCS, { recursive: true });
  const { executablePath, env } = await findChromium();
  const browser = await chromium.launch({ executablePath, env, args: CHROMIUM_FLAGS });
  const written: string[] = [];
  try {
    const page = await browser.newPage({ deviceScaleFactor: 1 });
    for (const shot of shots) {
      const html = screenToHtml(shot.capture, COLUMNS, shot.title);
      await page.setContent(html);
      const file = join(DOCS, `console-${shot.name}.png`);
      await page.locator("pre").screenshot({ path: file });
      written.push(file);
    }
  } finally {
    await browser.close();
  }
  return written;
}

const shots = await captureDemo();
const files = await photograph(shots);
for (const file of files) console.log(`wrote ${file}`);
