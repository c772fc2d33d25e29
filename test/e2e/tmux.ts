/**
 * A real terminal for the console's end-to-end tests: a tmux server of its
 * own (private socket, no user config), one session of a given size running
 * one command, keys sent with send-keys and the screen read with
 * capture-pane. Tests wait on what the screen shows, with a deadline.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { runProvisionScript } from "../../src/devserver/provision.js";
import { waitFor } from "../harness/wait.js";

const PROVISION_TMUX = fileURLToPath(new URL("../harness/provision-tmux.sh", import.meta.url));

export const NO_TMUX_MESSAGE =
  "tmux is missing and could not be installed here (that needs root and the Debian archive): " +
  "install the tmux package (apt-get install tmux); the console's end-to-end tests drive it and are never skipped";

let tmuxReady: Promise<void> | undefined;

/** Installs tmux the first time when it is missing (provision-tmux.sh); fails with NO_TMUX_MESSAGE where it cannot. */
export function requireTmux(): Promise<void> {
  tmuxReady ??= ensureTmux();
  return tmuxReady;
}

async function ensureTmux(): Promise<void> {
  const found = await execa("tmux", ["-V"], { reject: false });
  if (found.exitCode === 0) return;
  // Progress on stderr: the test runner shows it while the first run installs.
  await runProvisionScript(
    PROVISION_TMUX,
    {},
    (line) => void process.stderr.write(`tmux: ${line}\n`),
  ).catch((err: unknown) => {
    throw new Error(NO_TMUX_MESSAGE, { cause: err });
  });
}

export interface TmuxOptions {
  readonly columns: number;
  readonly rows: number;
  /** The command the pane runs, and its working directory and environment. */
  readonly command: readonly string[];
  readonly cwd: string;
  readonly env: Record<string, string>;
}

export class TmuxSession {
  private constructor(
    private readonly socket: string,
    private readonly dir: string,
  ) {}

  static async start(opts: TmuxOptions): Promise<TmuxSession> {
    const dir = await mkdtemp(join(tmpdir(), "anteroom-tmux-"));
    const config = join(dir, "tmux.conf");
    await writeFile(
      config,
      [
        // Esc arrives at once, not 500 ms later as a possible Alt prefix.
        "set -s escape-time 0",
        // Applications' OSC 52 lands in a tmux paste buffer the test can read.
        "set -s set-clipboard on",
        // A pane whose command ended stays, so a crash can be read.
        "set -g remain-on-exit on",
        "set -g status off",
        'set -g default-terminal "tmux-256color"',
        "",
      ].join("\n"),
    );
    const session = new TmuxSession(join(dir, "socket"), dir);
    const env = Object.entries(opts.env).flatMap(([key, value]) => ["-e", `${key}=${value}`]);
    await session.tmux(
      "-f",
      config,
      "new-session",
      "-d",
      "-s",
      "e2e",
      "-x",
      String(opts.columns),
      "-y",
      String(opts.rows),
      "-c",
      opts.cwd,
      ...env,
      opts.command.map(quoteForShell).join(" "),
    );
    return session;
  }

  private async tmux(...args: string[]): Promise<string> {
    const result = await execa("tmux", ["-S", this.socket, ...args]);
    return result.stdout;
  }

  /** Named keys as tmux spells them: "Enter", "Escape", "Space", "Tab", "Down". */
  async keys(...keys: string[]): Promise<void> {
    await this.tmux("send-keys", "-t", "e2e", ...keys);
  }

  /** Literal text, as typed. */
  async type(text: string): Promise<void> {
    await this.tmux("send-keys", "-t", "e2e", "-l", text);
  }

  /** The visible screen, as plain text (no escape sequences). */
  capture(): Promise<string> {
    return this.tmux("capture-pane", "-p", "-t", "e2e");
  }

  /** The visible screen with the escape sequences tmux keeps for it (colours, attributes). */
  captureWithEscapes(): Promise<string> {
    return this.tmux("capture-pane", "-p", "-e", "-t", "e2e");
  }

  async waitForScreen(
    what: string,
    check: (screen: string) => boolean,
    timeoutMs = 20_000,
  ): Promise<string> {
    let screen = "";
    return waitFor(
      async () => {
        screen = await this.capture();
        return check(screen) && screen;
      },
      { what, timeoutMs, seen: () => `the screen shows:\n${screen}` },
    );
  }

  waitForText(text: string, timeoutMs?: number): Promise<string> {
    return this.waitForScreen(`"${text}"`, (screen) => screen.includes(text), timeoutMs);
  }

  /**
   * Text a program printed, on the screen or scrolled off it: when the program ends, tmux writes
   * "Pane is dead" on the bottom line with a line feed, which scrolls a full screen by one line,
   * so a message on the top line of a short pane moves into the history.
   */
  async waitForOutput(text: string, timeoutMs = 20_000): Promise<string> {
    let output = "";
    return waitFor(
      async () => {
        output = await this.tmux("capture-pane", "-p", "-S", "-", "-t", "e2e");
        return output.includes(text) && output;
      },
      { what: `"${text}"`, timeoutMs, seen: () => `the pane's output:\n${output}` },
    );
  }

  async resize(columns: number, rows: number): Promise<void> {
    await this.tmux("resize-window", "-t", "e2e", "-x", String(columns), "-y", String(rows));
  }

  /** The newest tmux paste buffer: where an application's OSC 52 copy lands. */
  async pasteBuffer(): Promise<string | undefined> {
    const result = await execa("tmux", ["-S", this.socket, "show-buffer"], { reject: false });
    return result.exitCode === 0 ? result.stdout : undefined;
  }

  /** The pane's title, which an OSC 0 or OSC 2 from the application would change. */
  async paneTitle(): Promise<string> {
    return this.tmux("display-message", "-p", "-t", "e2e", "#{pane_title}");
  }

  /** Whether the pane's command has ended (remain-on-exit keeps the pane). */
  async exited(): Promise<boolean> {
    const dead = await this.tmux("display-message", "-p", "-t", "e2e", "#{pane_dead}");
    return dead.trim() === "1";
  }

  async stop(): Promise<void> {
    await execa("tmux", ["-S", this.socket, "kill-server"], { reject: false });
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** tmux runs the pane's command through the shell: each argument quoted once. */
function quoteForShell(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}
