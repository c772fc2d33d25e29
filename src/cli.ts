/** The command line: `anteroom --daemon`, `--help`, `--version`. */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "./config.js";
import { DataDirLockedError } from "./store/data-dir-lock.js";
import { StoreParseError } from "./store/json-store.js";

const USAGE = `anteroom — the gatekeeper of a Matrix community

usage:
  anteroom --daemon     run the engine headless with its HTTP sidecar (for containers)
  anteroom --help       this text
  anteroom --version    the version

The daemon reads its settings from the environment (HS, MATRIX_TOKEN, SPACE_ID,
SPACE_CHILD_IDS, DATA_DIR, …); see the README for the full list.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      daemon: { type: "boolean", default: false },
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
  if (!values.daemon) {
    console.error("The moderator console is not part of this build yet; run `anteroom --daemon`.");
    return 2;
  }
  const { runDaemon } = await import("./daemon.js");
  await runDaemon(loadConfig(process.env));
  return -1; // keeps running until a signal
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    const known =
      error instanceof ConfigError ||
      error instanceof DataDirLockedError ||
      error instanceof StoreParseError;
    console.error(
      known
        ? (error as Error).message
        : `anteroom stopped: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exit(known ? 2 : 1);
  },
);
