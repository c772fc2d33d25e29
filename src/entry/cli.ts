/** The command line: `anteroom` (the console), `init`, `demo`, `--daemon`, `--help`, `--version`. */
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../config.js";
import type { ConsolePreferences } from "./console-preferences.js";
import { DAEMON_USAGE, DEMO_USAGE, USAGE } from "./cli-usage.js";
import { consoleModerator, moderatorName } from "../moderator-name.js";
import { loadSettingsFile, settingsSource, type SettingsFile } from "../settings-file.js";
import { explainFailure } from "../start-failure.js";
import { usePrivateUmask } from "../store/private-data-dir.js";
import { packageVersion } from "../package-info.js";

// --debug goes with any command: a failure then shows its stack trace too.
const debug = process.argv.includes("--debug");
const args = process.argv.slice(2).filter((arg) => arg !== "--debug");

async function main(): Promise<number> {
  // `init` has options of its own (src/init/init-options.ts).
  if (args[0] === "init") {
    const initArgs = args.slice(1);
    const wantsHelp = initArgs.includes("--help") || initArgs.includes("-h");
    const file = wantsHelp ? undefined : readSettingsFile();
    if (file) console.error(settingsSource(file));
    const { runInitCommand } = await import("../init/init-command.js");
    usePrivateUmask(); // the bot's session it keeps in DATA_DIR, the .env it writes
    return runInitCommand(initArgs, process.env, {
      out: (text) => console.log(text),
      err: (text) => console.error(text),
    });
  }
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        "no-console": { type: "boolean", default: false },
        daemon: { type: "boolean", default: false },
        standby: { type: "boolean", default: false },
        readonly: { type: "boolean", default: false },
        as: { type: "string" },
        "print-config": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
        version: { type: "boolean", short: "v", default: false },
      },
      strict: true,
    });
  } catch (error) {
    return usageError(commandLineProblem(error));
  }
  const { values, positionals } = parsed;
  const command = positionals.join(" ");
  if (values.help) {
    console.log(command === "demo" ? DEMO_USAGE : values.daemon ? DAEMON_USAGE : USAGE);
    return 0;
  }
  if (values.version) {
    console.log(packageVersion());
    return 0;
  }
  if (command !== "" && command !== "demo") return usageError(`unknown command: ${command}`);
  if (values["print-config"]) return printConfig();
  if (command === "demo") return demo(values["no-console"], values.as);
  if (values.standby && !values.daemon)
    return usageError("--standby goes with --daemon: `anteroom --daemon --standby`");
  if (values.as !== undefined && values.daemon)
    return usageError(
      "--as names who acts at the console; the daemon records the name each console sends",
    );
  const settingsFile = readSettingsFile();
  if (!values.daemon) return openConsole(values.readonly, values.as);
  const { runDaemon } = await import("./daemon.js");
  usePrivateUmask();
  await runDaemon(loadConfig(process.env), { standby: values.standby, settingsFile });
  return -1; // keeps running until a signal
}

/** The .env (or ANTEROOM_ENV_FILE) merged under the environment, before any setting is read. */
function readSettingsFile(): SettingsFile | undefined {
  return loadSettingsFile(process.env, process.cwd());
}

/** Node's parseArgs messages, in a line that names the option. */
function commandLineProblem(error: unknown): string {
  const { code, message } = error as { code?: string; message: string };
  const option = /'(-[^']*)'/.exec(message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option) return `unknown option: ${option}`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && option)
    return `${option.split(" ")[0]} needs a value, e.g. --as alice`;
  return message;
}

/** A wrong command line: what is wrong, then the usage, on stderr; exit status 2. */
function usageError(problem: string): number {
  console.error(`anteroom: ${problem}\n\n${USAGE}`);
  return 2;
}

/**
 * The moderator's config file (preferences, key map), read before anything draws: a mistake in
 * their key map is one line on stderr, and the exit status 2 to return.
 */
async function readConsoleConfig(): Promise<
  Pick<ConsolePreferences, "preferences" | "keyMap"> | number
> {
  const { loadConsolePreferences } = await import("./console-preferences.js");
  try {
    const { preferences, keyMap } = loadConsolePreferences(process.env);
    return { preferences, keyMap };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`anteroom: ${error.message}`);
    return 2;
  }
}

/** `anteroom` with no flag: the console, attached to the daemon that serves the data dir. */
async function openConsole(readonly: boolean, as: string | undefined): Promise<number> {
  const remembered = await readConsoleConfig();
  if (typeof remembered === "number") return remembered;
  // Checked before anything loads Ink: without a terminal, raw mode throws.
  const { hasTerminal, NO_TERMINAL_MESSAGE, preloadConsole, runConsole } =
    await import("../../ui/run-console.js");
  const { drawSplash, leaveSplash } = await import("../../ui/splash.js");
  if (!hasTerminal()) {
    console.error(NO_TERMINAL_MESSAGE);
    return 2;
  }
  const by = await consoleModerator({
    as,
    env: process.env,
    ask: askAtTerminal,
    say: (line) => console.error(line),
  });
  const dataDir = process.env.DATA_DIR || "/data";
  const { adminSocketOf, connectEngine, isDaemonRunning } =
    await import("../control/attach-client.js");
  if (!(await isDaemonRunning(dataDir))) {
    // No daemon serves the data dir: run the engine here, as the approver bot.
    let config;
    try {
      config = loadConfig(process.env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      console.error(
        `no daemon runs for ${dataDir}, and the engine cannot run here either.\n` +
          `${error.message}\nstart \`anteroom --daemon\`, or set these and run \`anteroom\` again.`,
      );
      return 2;
    }
    drawSplash("in-process", by, "logging in…");
    try {
      const { runConsoleInProcess } = await import("./console-in-process.js");
      usePrivateUmask();
      await runConsoleInProcess(config, by, readonly, remembered);
    } catch (error) {
      leaveSplash();
      throw error;
    }
    return 0;
  }
  drawSplash("attached", by, "connecting…");
  // Ink, the views and the moderation client load side by side.
  const [{ attachedModeration }] = await Promise.all([
    import("../control/moderation-api.js"),
    preloadConsole(),
  ]);
  const socketPath = adminSocketOf(dataDir);
  // The console draws at once and fills in when the daemon's snapshot arrives.
  const api = await connectEngine(socketPath, { inBackground: true });
  const moderation = attachedModeration(socketPath);
  try {
    await runConsole({ api, mode: "attached", by, readonly, moderation, ...remembered });
  } finally {
    moderation.close();
    await api.close();
  }
  return 0;
}

/** `anteroom --print-config`: the console's defaults as its config file takes them; where it is. */
async function printConfig(): Promise<number> {
  const { defaultConsoleConfig } = await import("./console-preferences.js");
  const { CONFIG_DIR_VARIABLE, consoleConfigPath } = await import("../console-config-path.js");
  process.stdout.write(defaultConsoleConfig());
  console.error(
    `the console reads this from ${consoleConfigPath(process.env)} ` +
      `(${CONFIG_DIR_VARIABLE} moves it); keep only what you change`,
  );
  return 0;
}

/** One question on the terminal, before Ink takes it over. */
async function askAtTerminal(question: string): Promise<string> {
  const { createInterface } = await import("node:readline/promises");
  const terminal = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await terminal.question(question);
  } finally {
    terminal.close();
  }
}

/** `anteroom demo [--no-console]`: the console (or, headless, the outcomes) on a local Synapse. */
async function demo(noConsole: boolean, as: string | undefined): Promise<number> {
  const { hasTerminal } = await import("../../ui/run-console.js");
  const { runDemo } = await import("./demo/run-demo.js");
  const headless = noConsole || !hasTerminal();
  if (!noConsole && headless)
    console.error("no terminal: running headless, as `anteroom demo --no-console`");
  // The demo's console is the moderator's own: their preferences and key map, as `anteroom` has.
  const remembered = headless ? undefined : await readConsoleConfig();
  if (typeof remembered === "number") return remembered;
  return runDemo({
    console: !headless,
    ...(remembered ? { remembered } : {}),
    by: moderatorName(as, process.env),
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  });
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    const failure = explainFailure(error, process.env);
    console.error(failure.message);
    if (debug && error instanceof Error) console.error(error.stack);
    process.exit(failure.exitCode);
  },
);
