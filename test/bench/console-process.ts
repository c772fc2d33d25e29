/**
 * The console as a moderator starts it: the built `bin/anteroom.js` in a real terminal (tmux),
 * attached to the bench's admin socket. Measures from spawning the process to the first frame on
 * screen (the header), and to Ink's full frame showing the knocks.
 */
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { waitFor } from "../harness/wait.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));

export interface ConsoleStart {
  readonly firstFrameMs: number;
  readonly fullFrameMs: number;
}

/** The floor: a Node process that prints a header line and waits, started the same way. */
const FLOOR = `-e 'process.stdout.write("anteroom · floor"); setTimeout(() => {}, 30000)'`;

export async function timeConsoleStart(
  dataDir: string,
  fullFrameText: string,
  opts: { readonly floor?: boolean } = {},
): Promise<ConsoleStart> {
  const session = `anteroom-bench-${process.pid}`;
  const tmux = (...args: string[]) => execa("tmux", args, { reject: false });
  await tmux("kill-session", "-t", session);
  const program = opts.floor ? FLOOR : "bin/anteroom.js --as bench";
  const command = `cd ${REPO} && DATA_DIR=${dataDir} CI=false ${process.execPath} ${program}; sleep 30`;
  const started = performance.now();
  await tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", command);
  let firstFrameMs = Number.NaN;
  let fullFrameMs = Number.NaN;
  await waitFor(
    async () => {
      const screen = String((await tmux("capture-pane", "-p", "-t", session)).stdout);
      const at = performance.now() - started;
      if (Number.isNaN(firstFrameMs) && screen.startsWith("anteroom ·")) firstFrameMs = at;
      if (screen.includes(fullFrameText)) fullFrameMs = at;
      return !Number.isNaN(fullFrameMs);
    },
    { what: `the console's full frame (${fullFrameText})`, timeoutMs: 30_000, intervalMs: 5 },
  );
  await tmux("send-keys", "-t", session, "q", "q");
  await tmux("kill-session", "-t", session);
  return { firstFrameMs, fullFrameMs };
}
