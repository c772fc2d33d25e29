/**
 * Attached, the Daemon log view follows the daemon's log over its admin socket
 * (src/control/log-stream.ts): the lines go into the same bounded state as the
 * file tail's, and the stream's troubles show in the view's title line.
 */
import { followDaemonLog, type FollowLogOptions } from "../../src/control/log-stream.js";
import type { ConsoleStore } from "./console-store.js";
import { appendLogLines, MAX_DAEMON_LOG_LINE, noDaemonLog, type DaemonLog } from "./daemon-log.js";

export const DAEMON_TOO_OLD =
  "This daemon does not serve its log (it has no /admin/v1/log/stream; upgrade it), " +
  "so read its standard output where it runs (docker logs, journalctl).";

export function daemonLogFromSocket(socketPath: string): DaemonLog {
  return { ...noDaemonLog(""), source: { kind: "daemon", socketPath } };
}

/** The admin socket of an attach client's engine (RemoteEngine.socketPath), if it is one. */
export function attachedSocketOf(api: object): string | undefined {
  const { socketPath } = api as { socketPath?: unknown };
  return typeof socketPath === "string" ? socketPath : undefined;
}

export function connectDaemonLogStream(
  socketPath: string,
  store: ConsoleStore,
  opts: FollowLogOptions = {},
): () => void {
  const setError = (error: string | undefined) =>
    store.update((state) =>
      state.daemonLog.error === error
        ? state
        : { ...state, daemonLog: { ...state.daemonLog, error } },
    );
  return followDaemonLog(
    socketPath,
    {
      onLines: (lines) =>
        store.update((state) => ({
          ...state,
          daemonLog: appendLogLines(
            state.daemonLog,
            lines.map((line) => line.slice(0, MAX_DAEMON_LOG_LINE)),
          ),
        })),
      onState: (streamState) => {
        switch (streamState.kind) {
          case "live":
            return setError(undefined);
          case "lost":
            return setError(`reconnecting to the daemon's log (${streamState.why})`);
          case "unsupported":
            return store.update((state) => ({ ...state, daemonLog: noDaemonLog(DAEMON_TOO_OLD) }));
        }
      },
    },
    opts,
  );
}
