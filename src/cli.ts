/** The command line: `anteroom` (the console), `init`, `demo`, `--daemon`, `--help`, `--version`. */
import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "./config.js";
import { DataDirLockedError } from "./store/data-dir-lock.js";
import { StoreParseError } from "./store/json-store.js";

const USAGE = `anteroom — the gatekeeper of a Matrix community

usage:
  anteroom              the moderator console, attached to the running daemon (needs a terminal)
  anteroom --readonly   the console for observers: every action disabled
  anteroom --daemon     run the engine headless with its HTTP sidecar (for containers)
  anteroom --daemon --standby
                        the same, but first wait while another instance owns DATA_DIR and
                        take over when it stops (a standby on a shared volume)
  anteroom init         make (or finish) the space and its rooms, print the daemon's settings
                        (anteroom init --help for its options)
  anteroom demo         a local Synapse, simulated newcomers and the console on them
                        (--no-console: print each newcomer's outcome; exit 0 when all are as expected)
  anteroom --help       this text
  anteroom --version    the version

The daemon reads its settings from the environment (HS, MATRIX_TOKEN, SPACE_ID,
SPACE_CHILD_IDS, DATA_DIR, …); see the README for the full list.`;

async function main(): Promise<number> {
  // `init` has options of its own (src/init/init-options.ts).
  if (process.argv[2] === "init") {
    const { runInitCommand } = await import("./init/init-command.js");
    return runInitCommand(process.argv.slice(3), process.env, {
      out: (text) => console.log(text),
      err: (text) => console.error(text),
    });
  }
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      "no-console": { type: "boolean", default: false },
      daemon: { type: "boolean", default: false },
      standby: { type: "boolean", default: false },
      readonly: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
      version: { type: "boolean", short: "v", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.version) {
    const pkg = JSON.parse(
      readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
    ) as { version: string };
    console.log(pkg.version);
    return 0;
  }
  const command = positionals.join(" ");
  if (command !== "" && command !== "demo") {
    console.error(`unknown command: ${command}\n\n${USAGE}`);
    return 2;
  }
  if (command === "demo") return demo(values["no-console"]);
  if (values.standby && !values.daemon) {
    console.error("--standby goes with --daemon: `anteroom --daemon --standby`");
    return 2;
  }
  if (!values.daemon) return openConsole(values.readonly);
  const { runDaemon } = await import("./daemon.js");
  await runDaemon(loadConfig(process.env), { standby: values.standby });
  return -1; // keeps running until a signal
}

/** `anteroom` with no flag: the console, attached to the daemon that serves the data dir. */
async function openConsole(readonly: boolean): Promise<number> {
  // Checked before anything loads Ink: without a terminal, raw mode throws.
  const { hasTerminal, NO_TERMINAL_MESSAGE, runConsole } = await import("../ui/run-console.js");
  if (!hasTerminal()) {
    console.error(NO_TERMINAL_MESSAGE);
    return 2;
  }
  const dataDir = process.env.DATA_DIR ?? "/data";
  const { adminSocketOf, connectEngine, isDaemonRunning } =
    await import("./control/attach-client.js");
  if (!(await isDaemonRunning(dataDir))) {
    // No daemon serves the data dir: run the engine here, as the approver bot.
    let config;
    try {
      config = loadConfig(process.env);
    } catch (error) {
      console.error(
        `no daemon runs for ${dataDir}, and the engine cannot run here either.\n` +
          `${(error as Error).message}\nstart \`anteroom --daemon\`, or set these and run \`anteroom\` again.`,
      );
      return 2;
    }
    const { runConsoleInProcess } = await import("./console-in-process.js");
    await runConsoleInProcess(config, moderatorName(), readonly);
    return 0;
  }
  const socketPath = adminSocketOf(dataDir);
  let api;
  try {
    api = await connectEngine(socketPath);
  } catch (error) {
    console.error(`could not attach to the daemon on ${socketPath}: ${(error as Error).message}`);
    return 1;
  }
  const { attachedModeration } = await import("./control/moderation-api.js");
  const moderation = attachedModeration(socketPath);
  try {
    await runConsole({ api, mode: "attached", by: moderatorName(), readonly, moderation });
  } finally {
    moderation.close();
    await api.close();
  }
  return 0;
}

/** `anteroom demo [--no-console]`: the console (or, headless, the outcomes) on a local Synapse. */
async function demo(noConsole: boolean): Promise<number> {
  const { hasTerminal } = await import("../ui/run-console.js");
  const { runDemo } = await import("./demo/run-demo.js");
  const headless = noConsole || !hasTerminal();
  if (!noConsole && headless)
    console.error("no terminal: running headless, as `anteroom demo --no-console`");
  return runDemo({
    console: !headless,
    by: moderatorName(),
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  });
}

/** Recorded with every command: the login of whoever runs the console. */
function moderatorName(): string {
  try {
    return process.env.USER || process.env.LOGNAME || userInfo().username;
  } catch {
    return "moderator";
  }
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    const known =
      error instanceof ConfigError ||
      error instanceof DataDirLockedError ||
      error instanceof StoreParseError ||
      // Not imported here: it would load the HTTP stack for `--help` too.
      (error instanceof Error &&
        (error.name === "AdminListenError" || error.name === "CryptoStoreRefused"));
    console.error(
      known
        ? (error as Error).message
        : `anteroom stopped: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exit(known ? 2 : 1);
  },
);
