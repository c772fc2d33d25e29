/**
 * Renders the console over a World (the real core Engine with recording
 * ports) in ink-testing-library's fake terminal, and drives it by keys.
 * Tests wait on what the screen shows, with a deadline; they never sleep.
 */
import "./ci-off.js";
import type { TestContext } from "node:test";
import { render } from "ink-testing-library";
import type { CodeBook } from "../../core/codes/code-book.js";
import { ConsoleApp, type ConsoleAppProps } from "../../ui/console-app.js";
import { World } from "../unit/engine-fixtures.js";
import { waitFor } from "../harness/wait.js";

const KEYS: Readonly<Record<string, string>> = {
  enter: "\r",
  esc: "\x1b",
  tab: "\t",
  "shift+tab": "\x1b[Z",
  up: "\x1b[A",
  down: "\x1b[B",
  right: "\x1b[C",
  left: "\x1b[D",
  backspace: "\x7f",
  "ctrl+c": "\x03",
};

export interface ConsoleHarness {
  readonly world: World;
  /** What the console wrote to the terminal behind Ink (the clipboard). */
  readonly terminalWrites: string[];
  frame(): string;
  /** Every frame written so far. */
  frames(): readonly string[];
  /** Named keys ("enter", "esc", "down") or literal text, each written as its own chunk. */
  press(...keys: string[]): void;
  /** Literal text in one chunk, as a fast typist or tmux sends it. */
  type(text: string): void;
  resize(columns: number, rows: number): void;
  waitFor(what: string, check: (frame: string) => boolean, timeoutMs?: number): Promise<string>;
  waitForText(text: string, timeoutMs?: number): Promise<string>;
  until(what: string, check: () => boolean, timeoutMs?: number): Promise<void>;
  unmount(): void;
}

export interface HarnessOptions extends Partial<ConsoleAppProps> {
  readonly isTmux?: boolean;
  readonly codes?: CodeBook;
  readonly world?: World;
  readonly columns?: number;
  readonly rows?: number;
}

/** Renders the console for one test, and unmounts it when the test ends, passed or failed. */
export function openConsole(t: TestContext, options: HarnessOptions = {}): ConsoleHarness {
  const c = renderConsole(options);
  t.after(() => c.unmount());
  return c;
}

export function renderConsole(options: HarnessOptions = {}): ConsoleHarness {
  const world =
    options.world ?? new World(options.codes ?? { ABC: { uses_remaining: 5, label: "friends" } });
  const terminalWrites: string[] = [];
  const app = render(
    <ConsoleApp
      api={options.api ?? world.engine}
      mode={options.mode ?? "demo"}
      by={options.by ?? "mod-alice"}
      readonly={options.readonly ?? false}
      now={options.now ?? (() => world.now)}
      {...(Object.hasOwn(options, "publicUrl")
        ? options.publicUrl === undefined
          ? {}
          : { publicUrl: options.publicUrl }
        : { publicUrl: "https://join.example.org" })}
      {...(options.health ? { health: options.health } : {})}
      {...(options.daemonLogPath ? { daemonLogPath: options.daemonLogPath } : {})}
      {...(options.moderation ? { moderation: options.moderation } : {})}
      {...(options.preferences ? { preferences: options.preferences } : {})}
      {...(options.keyMap ? { keyMap: options.keyMap } : {})}
      terminal={{ write: (bytes) => terminalWrites.push(bytes), isTmux: options.isTmux ?? false }}
      {...(options.onExit ? { onExit: options.onExit } : {})}
    />,
  );
  const setSize = (columns: number, rows: number) => {
    Object.defineProperty(app.stdout, "columns", { value: columns, configurable: true });
    Object.defineProperty(app.stdout, "rows", { value: rows, configurable: true });
    app.stdout.emit("resize");
  };
  setSize(options.columns ?? 80, options.rows ?? 24);
  const frame = () => app.lastFrame() ?? "";
  const until = async (what: string, check: () => boolean, timeoutMs = 3000) => {
    await waitFor(check, {
      what,
      timeoutMs,
      intervalMs: 5,
      seen: () => `the screen shows:\n${frame()}`,
    });
  };
  const waitForFrame = async (
    what: string,
    check: (frame: string) => boolean,
    timeoutMs?: number,
  ) => {
    await until(what, () => check(frame()), timeoutMs);
    return frame();
  };
  return {
    world,
    terminalWrites,
    frame,
    frames: () => app.frames,
    press: (...keys) => {
      for (const key of keys) app.stdin.write(KEYS[key] ?? key);
    },
    type: (text) => app.stdin.write(text),
    resize: setSize,
    waitFor: waitForFrame,
    waitForText: (text, timeoutMs) => waitForFrame(`"${text}"`, (f) => f.includes(text), timeoutMs),
    until,
    unmount: () => app.unmount(),
  };
}
