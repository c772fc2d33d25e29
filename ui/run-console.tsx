/**
 * The console's entry: checks for a terminal before Ink is loaded (raw mode
 * throws without one), honours NO_COLOR (Ink does not: FORCE_COLOR=0 must be
 * set before Ink's colour support is first imported), renders full-screen on
 * the alternate screen, and gives the terminal back on exit and on a crash.
 */
import { writeSync } from "node:fs";
import type { Instance } from "ink";
import type { EngineApi } from "../core/api.js";
import type { ModerationApi } from "../core/moderation-api.js";
import type { ConsoleMode } from "./console-context.js";
import type { HealthSource } from "./state/health.js";
import type { KeyMap } from "./keys/key-map.js";
import type { PreferencesStore } from "./preferences/preferences.js";
import { clearSplash } from "./splash.js";

export const NO_TERMINAL_MESSAGE =
  "anteroom's console needs a terminal: run it in a terminal, e.g. `ssh -t host anteroom`";

export class NoTerminalError extends Error {
  constructor() {
    super(NO_TERMINAL_MESSAGE);
    this.name = "NoTerminalError";
  }
}

export interface RunConsoleOptions {
  readonly api: EngineApi;
  readonly mode: ConsoleMode;
  readonly by: string;
  readonly readonly?: boolean;
  readonly publicUrl?: string;
  /** In-process: the runtime's health report (attached, the daemon is asked). */
  readonly health?: HealthSource;
  /** In-process: the engine's log file, for the Daemon log view. */
  readonly daemonLogPath?: string;
  /** The blocklist and members; without it those views say they are not available. */
  readonly moderation?: ModerationApi;
  /** What this moderator's console remembers between runs, and their key map. */
  readonly preferences?: PreferencesStore;
  readonly keyMap?: KeyMap;
}

/** Both ends must be a terminal: keys come in raw, frames go out with cursor moves. */
export function hasTerminal(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY);
}

/** Loads Ink and the console's views (what most of the start waits on), to overlap other work. */
export function preloadConsole(): Promise<unknown> {
  // https://no-color.org: present and not empty; read by Ink's colour support when first imported.
  if (process.env.NO_COLOR) process.env.FORCE_COLOR = "0";
  return Promise.all([import("ink"), import("./console-app.js")]);
}

/** Runs the console until the moderator quits. Rejects with NoTerminalError without a terminal. */
export async function runConsole(options: RunConsoleOptions): Promise<void> {
  if (!hasTerminal()) throw new NoTerminalError();
  // https://no-color.org: present and not empty.
  if (process.env.NO_COLOR) process.env.FORCE_COLOR = "0";
  const [{ render }, { ConsoleApp }] = await Promise.all([
    import("ink"),
    import("./console-app.js"),
  ]);
  const guard = guardTerminal();
  try {
    clearSplash();
    const instance = render(
      <ConsoleApp
        api={options.api}
        mode={options.mode}
        by={options.by}
        readonly={options.readonly ?? false}
        {...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl })}
        {...(options.health === undefined ? {} : { health: options.health })}
        {...(options.daemonLogPath === undefined ? {} : { daemonLogPath: options.daemonLogPath })}
        {...(options.moderation === undefined ? {} : { moderation: options.moderation })}
        {...(options.preferences === undefined ? {} : { preferences: options.preferences })}
        {...(options.keyMap === undefined ? {} : { keyMap: options.keyMap })}
      />,
      {
        exitOnCtrlC: false,
        incrementalRendering: true,
        alternateScreen: true,
        patchConsole: true,
      },
    );
    guard.watch(instance);
    await instance.waitUntilExit();
  } finally {
    guard.release();
  }
}

/** Leave the alternate screen, show the cursor, stop bracketed paste, give the keys back. */
const RESTORE = "\x1b[?2004l\x1b[?25h\x1b[?1049l";

/**
 * Ink restores the terminal when it unmounts; this is the net under it for
 * when it cannot: an uncaught exception, a rejection nobody handled, a
 * process.exit() from elsewhere while the console is up.
 */
function guardTerminal() {
  let instance: Instance | undefined;
  let armed = true;
  const restore = () => {
    if (!armed) return;
    armed = false;
    try {
      if (process.stdin.isTTY) process.stdin.setRawMode(false);
      writeSync(process.stdout.fd, RESTORE);
    } catch {
      // The terminal is gone (SSH dropped): nothing left to restore.
    }
  };
  const onCrash = (error: unknown) => {
    try {
      instance?.unmount();
    } catch {
      // Unmounting a broken tree can throw too; the restore below still runs.
    }
    restore();
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    writeSync(process.stderr.fd, `anteroom console crashed: ${text}\n`);
    process.exit(1);
  };
  process.on("exit", restore);
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);
  return {
    watch(rendered: Instance) {
      instance = rendered;
    },
    /** The console ended normally: Ink has restored the terminal itself. */
    release() {
      armed = false;
      process.off("exit", restore);
      process.off("uncaughtException", onCrash);
      process.off("unhandledRejection", onCrash);
    },
  };
}
