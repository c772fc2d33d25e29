/**
 * A real headless Chromium for page tests: Debian's `chromium` package driven
 * by playwright-core (which downloads no browser). Each launch gets a fresh
 * profile directory, removed on close. Without /usr/bin/chromium the launch
 * throws a clear error, so a missing browser is a test failure, never a skip.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

export const CHROMIUM_PATH = process.env.ANTEROOM_CHROMIUM ?? "/usr/bin/chromium";

/** Flags for a quiet, offline, throwaway browser in a container without a sandbox or GPU. */
const FLAGS = [
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
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `no browser at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install chromium; .ci/run does this as root) or set ANTEROOM_CHROMIUM`,
    );
  }
  const profile = await mkdtemp(join(tmpdir(), "anteroom-chromium-"));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: FLAGS,
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
