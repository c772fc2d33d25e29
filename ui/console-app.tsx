/**
 * The console as one component: give it an EngineApi (the daemon's, over the
 * admin socket, or an in-process engine) and it shows and drives it. It talks
 * to the engine only through that interface.
 */
import { useApp, useStdout } from "ink";
import { useEffect, useState } from "react";
import type { EngineApi } from "../core/api.js";
import type { ModerationApi } from "../core/moderation-api.js";
import {
  ConsoleActionsContext,
  ConsoleSettingsContext,
  ConsoleStoreContext,
  type ConsoleMode,
  type ConsoleSettings,
} from "./console-context.js";
import { ConsoleScreen } from "./components/ConsoleScreen.js";
import { ConsoleController } from "./controller/console-controller.js";
import { measureTerminal } from "./hooks/use-terminal-size.js";
import { useDispatcher } from "./keys/use-dispatcher.js";
import { initialConsoleState } from "./state/console-state.js";
import { createConsoleStore } from "./state/console-store.js";
import { connectEngineFeed } from "./state/engine-feed.js";
import type { TerminalPort } from "./terminal/clipboard.js";
import { terminalEditor, type SuspendTerminal } from "./terminal/editor.js";
import { connectDaemonLog } from "./state/daemon-log-feed.js";
import { noDaemonLog, type DaemonLog } from "./state/daemon-log.js";
import {
  attachedSocketOf,
  connectDaemonLogStream,
  daemonLogFromSocket,
} from "./state/daemon-log-stream-feed.js";
import { applyKeyMap } from "./keys/registry.js";
import { followMemberChanges } from "./state/member-changes.js";
import type { KeyMap } from "./keys/key-map.js";
import { DEFAULT_PREFERENCES, type PreferencesStore } from "./preferences/preferences.js";
import { rememberPreferences } from "./preferences/remember-preferences.js";
import { connectHealthFeed, remoteHealthSource } from "./state/health-feed.js";
import type { HealthSource } from "./state/health.js";

export interface ConsoleAppProps {
  readonly api: EngineApi;
  /** The one word in the header that tells attached from in-process. */
  readonly mode: ConsoleMode;
  /** The moderator's name, recorded with every command. */
  readonly by: string;
  readonly readonly?: boolean;
  /** Base URL of the public join and signup pages, for new codes' links. */
  readonly publicUrl?: string;
  /** The clock; the engine's in tests. */
  readonly now?: () => number;
  /** Called when the moderator quits, before the app unmounts. */
  readonly onExit?: () => void;
  /** The terminal for what Ink cannot say (the clipboard); Ink's stdout by default. */
  readonly terminal?: TerminalPort;
  /** The engine's health; attached, the daemon's `/health` is asked by default. */
  readonly health?: HealthSource;
  /**
   * The engine's log file, followed in the Daemon log view (in-process).
   * Attached, the view follows the daemon's log over the attach client's socket.
   */
  readonly daemonLogPath?: string;
  /** The blocklist and members; without it those views say they are not available. */
  readonly moderation?: ModerationApi;
  /** What this moderator's console remembers between runs; without it, nothing is. */
  readonly preferences?: PreferencesStore;
  /** Keys the moderator gave bindings instead of their own (checked by key-map.ts). */
  readonly keyMap?: KeyMap;
}

const NO_LOG: Readonly<Record<ConsoleMode, string>> = {
  attached:
    "The daemon writes its log to its standard output: read it where it runs (docker logs, journalctl).",
  "in-process": "This engine was started without a log file.",
  demo: "The demo keeps no log file.",
};

/** Where the Daemon log view reads: the log file in-process, the daemon's admin socket attached. */
function daemonLogSource(props: ConsoleAppProps): DaemonLog {
  if (props.daemonLogPath) {
    return { ...noDaemonLog(""), source: { kind: "file", path: props.daemonLogPath } };
  }
  const socketPath = props.mode === "attached" ? attachedSocketOf(props.api) : undefined;
  return socketPath ? daemonLogFromSocket(socketPath) : noDaemonLog(NO_LOG[props.mode]);
}

function connectDaemonLogSource(
  log: DaemonLog,
  store: ReturnType<typeof createConsoleStore>,
): (() => void) | undefined {
  switch (log.source.kind) {
    case "file":
      return connectDaemonLog(log.source.path, store);
    case "daemon":
      return connectDaemonLogStream(log.source.socketPath, store);
    case "none":
      return undefined;
  }
}

interface Session {
  readonly store: ReturnType<typeof createConsoleStore>;
  readonly controller: ConsoleController;
  readonly settings: ConsoleSettings;
  readonly disconnect: () => void;
}

/** How often the console's clock moves for lists that depend on it (Triage). */
const CLOCK_EVERY_MS = 10_000;

function openSession(
  props: ConsoleAppProps,
  exit: () => void,
  rows: () => number,
  terminal: TerminalPort,
  suspend: SuspendTerminal,
): Session {
  const now = props.now ?? Date.now;
  const daemonLog = daemonLogSource(props);
  applyKeyMap(props.keyMap ?? {});
  const remembered = props.preferences?.initial ?? DEFAULT_PREFERENCES;
  const store = createConsoleStore({
    ...initialConsoleState,
    ...remembered,
    clock: now(),
    daemonLog,
    moderation: { ...initialConsoleState.moderation, available: props.moderation !== undefined },
  });
  // Subscribe and take the snapshot before the first frame: it shows data, and no event is lost.
  const stopFeed = connectEngineFeed(props.api, store);
  const health = props.health ?? remoteHealthSource(props.api);
  const stopHealth = health ? connectHealthFeed(health, store, props.now ?? Date.now) : undefined;
  const stopLog = connectDaemonLogSource(daemonLog, store);
  const clockTimer = setInterval(
    () => store.update((state) => ({ ...state, clock: now() })),
    CLOCK_EVERY_MS,
  );
  const stopRemembering = props.preferences
    ? rememberPreferences(store, props.preferences)
    : undefined;
  const disconnect = () => {
    stopRemembering?.();
    clearInterval(clockTimer);
    stopFeed();
    stopHealth?.();
    stopLog?.();
  };
  const readonly = props.readonly ?? false;
  const controller = new ConsoleController(store, {
    api: props.api,
    mode: props.mode,
    by: props.by,
    readonly,
    ...(props.publicUrl === undefined ? {} : { publicUrl: props.publicUrl }),
    ...(props.moderation === undefined ? {} : { moderation: props.moderation }),
    terminal,
    editText: terminalEditor(suspend),
    now,
    pageSize: () => Math.max(1, rows() - 6),
    exit,
  });
  controller.fetchShownView();
  const stopMembers = followMemberChanges(
    props.api,
    () => store.getState().view === "members",
    () => controller.fetchShownView(),
  );
  const settings: ConsoleSettings = {
    mode: props.mode,
    by: props.by,
    readonly,
    now: props.now ?? Date.now,
  };
  return {
    store,
    controller,
    settings,
    disconnect: () => {
      stopMembers();
      disconnect();
    },
  };
}

export function ConsoleApp(props: ConsoleAppProps) {
  const { exit, suspendTerminal } = useApp();
  const { stdout } = useStdout();
  const [session] = useState(() =>
    openSession(
      props,
      () => {
        props.onExit?.();
        exit();
      },
      () => measureTerminal(stdout).rows,
      props.terminal ?? {
        // A zero-width sequence: it leaves Ink's frame and cursor where they are.
        write: (bytes) => void stdout.write(bytes),
        isTmux: Boolean(process.env.TMUX),
      },
      (work) => suspendTerminal(work),
    ),
  );
  useEffect(() => session.disconnect, [session]);
  useDispatcher(session.controller);
  return (
    <ConsoleSettingsContext value={session.settings}>
      <ConsoleStoreContext value={session.store}>
        <ConsoleActionsContext value={session.controller}>
          <ConsoleScreen />
        </ConsoleActionsContext>
      </ConsoleStoreContext>
    </ConsoleSettingsContext>
  );
}
