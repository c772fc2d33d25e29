/**
 * The daemon's logger: JSON lines on stdout, as always, and the same lines
 * into a RecentLog ring that the admin API serves. Both are destinations of
 * one pino multistream, so both get the lines after redaction.
 */
import { pino, type Logger } from "pino";
import type { DaemonConfig } from "./config.js";
import { loggerOptions } from "./runtime.js";
import { RecentLog } from "./recent-log.js";

export interface DaemonLogger {
  readonly log: Logger;
  readonly recent: RecentLog;
}

export function createDaemonLogger(
  config: DaemonConfig,
  stdout: pino.DestinationStream = pino.destination({ dest: process.stdout.fd }),
): DaemonLogger {
  const options = loggerOptions(config);
  const recent = new RecentLog();
  // Each stream takes the logger's level: multistream's own default (info) would drop debug lines.
  const level = config.logLevel;
  const log = pino(
    options,
    pino.multistream([
      { level, stream: stdout },
      { level, stream: recent },
    ]),
  );
  return { log, recent };
}
