/**
 * The engine as the in-process console runs it, opened by a test on its
 * community: a runtime on a fresh data dir, started, and closed again.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { loadConfig } from "../../src/config.js";
import { openRuntime, type Runtime } from "../../src/runtime.js";
import { communitySettings, type TestCommunity } from "./community.js";
import type { TestHomeserver } from "./homeserver.js";

export interface TestRuntime {
  readonly runtime: Runtime;
  /** Stops the runtime and removes its data dir. */
  close(): Promise<void>;
}

/** Opens and starts a runtime as `community`'s bot; `env` adds or overrides settings. */
export async function openTestRuntime(
  hs: TestHomeserver,
  community: TestCommunity,
  env: Record<string, string> = {},
): Promise<TestRuntime> {
  const dataDir = await mkdtemp(join(tmpdir(), "anteroom-data-"));
  let runtime: Runtime | undefined;
  const close = async () => {
    await runtime?.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const config = loadConfig({
      ...communitySettings(hs.url, community, dataDir),
      ...env,
    });
    runtime = await openRuntime(config, pino({ level: "silent" }));
    await runtime.start();
    return { runtime, close };
  } catch (error) {
    await close();
    throw error;
  }
}
