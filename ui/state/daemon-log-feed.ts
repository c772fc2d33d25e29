/**
 * Follows the daemon's log file (in-process, DATA_DIR/anteroom.log) like
 * `tail -F`, in bounded memory: it starts from the last TAIL_BYTES, then reads
 * what was appended since, at most CHUNK_BYTES at a time; a file that shrank
 * (truncated or replaced) is read again from its start.
 */
import { open, stat } from "node:fs/promises";
import type { ConsoleStore } from "./console-store.js";
import { appendLogLines, MAX_DAEMON_LOG_LINE as MAX_LINE } from "./daemon-log.js";

const TAIL_BYTES = 256 * 1024;
const CHUNK_BYTES = 256 * 1024;
export const LOG_POLL_MS = 1_000;

export function connectDaemonLog(
  path: string,
  store: ConsoleStore,
  everyMs = LOG_POLL_MS,
): () => void {
  let offset: number | undefined;
  let partial = "";
  let closed = false;
  let reading = false;
  const setError = (error: string | undefined) =>
    store.update((state) =>
      state.daemonLog.error === error
        ? state
        : { ...state, daemonLog: { ...state.daemonLog, error } },
    );
  const read = async () => {
    if (reading || closed) return;
    reading = true;
    try {
      const { size } = await stat(path);
      if (offset === undefined) {
        offset = Math.max(0, size - TAIL_BYTES);
        // Starting mid-file: the first line read is a fragment, dropped below.
        partial = offset > 0 ? "\u0000" : "";
      } else if (size < offset) {
        offset = 0;
        partial = "";
      }
      if (size === offset) return setError(undefined);
      const length = Math.min(CHUNK_BYTES, size - offset);
      const buffer = Buffer.alloc(length);
      const file = await open(path, "r");
      try {
        await file.read(buffer, 0, length, offset);
      } finally {
        await file.close();
      }
      offset += length;
      const text = partial + buffer.toString("utf8");
      const lines = text.split("\n");
      partial = (lines.pop() ?? "").slice(-MAX_LINE);
      if (lines[0]?.startsWith("\u0000")) lines.shift();
      if (!closed) {
        store.update((state) => ({
          ...state,
          daemonLog: appendLogLines(
            state.daemonLog,
            lines.map((line) => line.slice(0, MAX_LINE)),
          ),
        }));
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      setError(code === "ENOENT" ? `no log file yet at ${path}` : (error as Error).message);
    } finally {
      reading = false;
    }
  };
  void read();
  const timer = setInterval(() => void read(), everyMs);
  return () => {
    closed = true;
    clearInterval(timer);
  };
}
