/**
 * A real headless Chromium for page tests: Debian's `chromium` package (in the
 * Synapse root, see chromium.ts) driven by playwright-core, which downloads no
 * browser. Each launch gets a fresh profile directory, removed on close. Where
 * no browser can be had the launch throws saying what to install, so a missing
 * browser is a test failure, never a skip.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { findChromium } from "./chromium.js";

/** Flags for a quiet, offline, throwaway browser in a container without a sandbox or GPU. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface TestBrowser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(opts: { javaScript?: boolean } = {}): Promise<TestBrowser> {
  const browser = await findChromium();
  const profile = await mkdtemp(join(tmpdir(), "anteroom-chromium-"));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: browser.executablePath,
      env: browser.env,
      headless: true,
      args: CHROMIUM_FLAGS,
      javaScriptEnabled: opts.javaScript ?? true,
      timeout: 60_000,
    });
    return {
      context,
      async close() {
        await context.close();
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
}
