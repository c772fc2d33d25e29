/**
 * The daemon's own log as the console keeps it: the newest lines of pino's
 * JSON output, bounded. Pure: the file tail or the daemon's log stream feeds
 * it text, it keeps at most MAX_DAEMON_LOG_LINES parsed lines.
 */

export const MAX_DAEMON_LOG_LINES = 2_000;
/** A line longer than this is cut: one runaway line must not hold the memory. */
export const MAX_DAEMON_LOG_LINE = 16 * 1024;

export interface DaemonLogLine {
  /** The console's own running number: a stable identity for selection. */
  readonly id: number;
  /** ms, or undefined when the line carries no time. */
  readonly time: number | undefined;
  readonly level: string;
  readonly msg: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface DaemonLog {
  /** Where the lines come from, or why there are none. */
  readonly source:
    | { readonly kind: "file"; readonly path: string }
    /** Attached: the daemon's recent lines over its admin socket. */
    | { readonly kind: "daemon"; readonly socketPath: string }
    | { readonly kind: "none"; readonly why: string };
  readonly lines: readonly DaemonLogLine[];
  readonly nextId: number;
  readonly error: string | undefined;
}

const PINO_LEVELS: Readonly<Record<number, string>> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "fatal",
};

/** One line of the log file: pino JSON, or any other text as it is. */
export function parseLogLine(text: string, id: number): DaemonLogLine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { id, time: undefined, level: "", msg: text, fields: {} };
  }
  const {
    time,
    level,
    msg,
    pid: _pid,
    hostname: _hostname,
    app: _app,
    ...fields
  } = parsed as Record<string, unknown>;
  return {
    id,
    time: typeof time === "number" ? time : undefined,
    level: typeof level === "number" ? (PINO_LEVELS[level] ?? String(level)) : String(level ?? ""),
    msg: typeof msg === "string" ? msg : "",
    fields,
  };
}

/** Appends complete lines, keeping the newest MAX_DAEMON_LOG_LINES. */
export function appendLogLines(log: DaemonLog, texts: readonly string[]): DaemonLog {
  const fresh = texts.filter((text) => text.trim() !== "").slice(-MAX_DAEMON_LOG_LINES);
  if (fresh.length === 0) return log;
  const lines = fresh.map((text, i) => parseLogLine(text, log.nextId + i));
  return {
    ...log,
    lines: [...log.lines, ...lines].slice(-MAX_DAEMON_LOG_LINES),
    nextId: log.nextId + lines.length,
    error: undefined,
  };
}

export function noDaemonLog(why: string): DaemonLog {
  return { source: { kind: "none", why }, lines: [], nextId: 1, error: undefined };
}
