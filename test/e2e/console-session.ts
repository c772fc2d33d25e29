/**
 * What the console's end-to-end tests stand on: a real Synapse with a
 * community, and `anteroom` in a real terminal (tmux) as moderator "mod-e2e",
 * either attached to a real daemon or running the engine in-process. The app
 * runs with CI=false: under CI=true Ink draws only its last frame.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { communitySettings, createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { TmuxSession, requireTmux } from "./tmux.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const ROWS = 30;
/**
 * A generous bound on `firstFrameMs`: the issue asks for 500 ms (test/bench/console.ts measures
 * that); here tsx compiles the sources at start on a machine shared with other tests (0.7–1.9 s
 * seen). Before the splash, the first frame came after login and sync: 4.2 s and more.
 */
export const FIRST_FRAME_BOUND_MS = 4_000;
/** The console's own settings in every session: a drawing terminal and a moderator's name. */
const CONSOLE_ENV = { CI: "false", USER: "mod-e2e" } as const;

export interface ConsoleSessionOptions {
  /** The terminal's width; it is always 30 rows high. */
  readonly columns: number;
  /** Engine settings: the daemon's when attached, the console's own when in-process. */
  readonly env?: Record<string, string>;
  /** Given to `anteroom` after its path, e.g. `["--as", "alice"]`. */
  readonly consoleArgs?: readonly string[];
  /** The moderator's config file (preferences, key map); each session has its own, empty by default. */
  readonly consoleConfig?: Readonly<Record<string, unknown>>;
  /** Runs on the homeserver before the daemon starts; returns more daemon settings. */
  readonly beforeDaemon?: (
    hs: TestHomeserver,
    community: TestCommunity,
  ) => Promise<Record<string, string>>;
  /** Given to node before the console's own modules, e.g. `["--import", CLOCK_AHEAD]`. */
  readonly consoleNodeArgs?: readonly string[];
}

interface Session {
  readonly hs: TestHomeserver;
  readonly community: TestCommunity;
  readonly tmux: TmuxSession;
  /** From starting the console's process to its first frame on screen (header and mode), in ms. */
  readonly firstFrameMs: number;
  /** Starts `anteroom` again in a new terminal, with the same settings and config dir (what it remembers). */
  openAgain(): Promise<TmuxSession>;
  /** Ends the console, the engine and the homeserver, and removes what they left. */
  stop(): Promise<void>;
}

export interface AttachedConsoleSession extends Session {
  readonly daemon: TestDaemon;
}

export interface InProcessConsoleSession extends Session {
  readonly dataDir: string;
}

/** A daemon on the community, and the console attached to it: "anteroom · attached" is on screen. */
export async function startAttachedConsole(
  opts: ConsoleSessionOptions,
): Promise<AttachedConsoleSession> {
  const { hs, community, cleanups } = await startCommunity();
  return settingUp(cleanups, async () => {
    const more = (await opts.beforeDaemon?.(hs, community)) ?? {};
    const daemon = await TestDaemon.start(hs, community, { env: { ...opts.env, ...more } });
    cleanups.unshift(() => daemon.stop());
    const terminal = await startConsole(
      opts,
      cleanups,
      "anteroom · attached",
      { DATA_DIR: daemon.dataDir, NO_COLOR: "" },
      opts.consoleArgs,
    );
    return { hs, community, daemon, ...terminal, stop: () => runAll(cleanups) };
  });
}

/** No daemon: the console logs in as the bot and runs the engine; "anteroom · in-process" is on screen. */
export async function startInProcessConsole(
  opts: ConsoleSessionOptions,
): Promise<InProcessConsoleSession> {
  const { hs, community, cleanups } = await startCommunity();
  return settingUp(cleanups, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "anteroom-data-"));
    cleanups.unshift(() => rm(dataDir, { recursive: true, force: true }));
    const terminal = await startConsole(opts, cleanups, "anteroom · in-process", {
      ...communitySettings(hs.url, community, dataDir),
      TICK_MS: "200",
      ...opts.env,
    });
    return { hs, community, dataDir, ...terminal, stop: () => runAll(cleanups) };
  });
}

type Cleanup = () => Promise<unknown>;

async function startCommunity(): Promise<{
  hs: TestHomeserver;
  community: TestCommunity;
  cleanups: Cleanup[];
}> {
  await requireTmux();
  const hs = await startHomeserver();
  const cleanups: Cleanup[] = [() => hs.stop()];
  const community = await settingUp(cleanups, () => createCommunity(hs, { children: 1 }));
  return { hs, community, cleanups };
}

/**
 * Starts `anteroom` in tmux (cleaned up first, before what it runs on), notes when its first frame
 * shows (the splash or Ink's, "anteroom · …" on top), and waits for the full header.
 */
async function startConsole(
  opts: ConsoleSessionOptions,
  cleanups: Cleanup[],
  header: string,
  env: Record<string, string>,
  args: readonly string[] = [],
): Promise<Pick<Session, "tmux" | "firstFrameMs" | "openAgain">> {
  // Never the tester's own ~/.config/anteroom: what one session remembers must not reach the next.
  const configDir = await mkdtemp(join(tmpdir(), "anteroom-config-"));
  cleanups.unshift(() => rm(configDir, { recursive: true, force: true }));
  if (opts.consoleConfig)
    await writeFile(join(configDir, "config.json"), JSON.stringify(opts.consoleConfig));
  const open = async () => {
    const startedAt = Date.now();
    const tmux = await TmuxSession.start({
      columns: opts.columns,
      rows: ROWS,
      cwd: REPO,
      command: [
        process.execPath,
        "--import",
        "tsx",
        ...(opts.consoleNodeArgs ?? []),
        "src/entry/cli.ts",
        ...args,
      ],
      env: { ...CONSOLE_ENV, ANTEROOM_CONFIG_DIR: configDir, ...env },
    });
    cleanups.unshift(() => tmux.stop());
    await tmux.waitForScreen("the first frame", (s) => s.startsWith("anteroom · "), 30_000);
    const firstFrameMs = Date.now() - startedAt;
    await tmux.waitForText(header, 30_000);
    return { tmux, firstFrameMs };
  };
  const first = await open();
  return { ...first, openAgain: async () => (await open()).tmux };
}

/** Runs `step`; when it fails, undoes what was already started so the test run does not hang. */
async function settingUp<T>(cleanups: Cleanup[], step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    await runAll(cleanups);
    throw error;
  }
}

/** Newest first; every cleanup runs even when one fails, and the first failure is raised. */
async function runAll(cleanups: readonly Cleanup[]): Promise<void> {
  const failures: unknown[] = [];
  for (const cleanup of cleanups) {
    await cleanup().catch((error: unknown) => failures.push(error));
  }
  if (failures.length > 0) throw failures[0];
}
