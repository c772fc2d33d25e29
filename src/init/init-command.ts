/** The `anteroom init` command: options, the run, and its output (settings on stdout, progress on stderr). */
import { daemonSettings, initCommunity } from "./init.js";
import { INIT_USAGE, parseInitArgs, type InitOptions } from "./init-options.js";
import { InitError, HomeserverRefusal } from "./homeserver-api.js";
import { renderEnv, writeEnvFile } from "./env-file.js";

export interface InitIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Resolves with the exit code: 0 done, 1 the homeserver or the file system failed, 2 bad settings. */
export async function runInitCommand(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: InitIo,
): Promise<number> {
  let options: InitOptions | "help";
  try {
    options = parseInitArgs(argv, env);
  } catch (error) {
    if (!(error instanceof InitError)) throw error;
    io.err(error.message);
    return 2;
  }
  if (options === "help") {
    io.out(INIT_USAGE);
    return 0;
  }
  try {
    const outcome = await initCommunity(options, io.err);
    const settings = daemonSettings(options, outcome);
    if (options.writeEnv === "-") {
      io.out(renderEnv(settings));
    } else if (options.writeEnv !== undefined) {
      await writeEnvFile(options.writeEnv, settings).catch((error: unknown) => {
        throw new InitError(
          `cannot write ${options.writeEnv} (${(error as Error).message}); the community is ready, run init again with a writable --write-env`,
        );
      });
      io.out(`wrote ${settings.map(([key]) => key).join(", ")} to ${options.writeEnv}`);
    } else {
      io.out(
        [
          "# settings for anteroom --daemon",
          "# MATRIX_TOKEN is not shown: add --write-env FILE (or --write-env - to print it here)",
          renderEnv(settings.filter(([key]) => key !== "MATRIX_TOKEN")),
        ].join("\n"),
      );
    }
    return 0;
  } catch (error) {
    if (error instanceof InitError) {
      io.err(`anteroom init: ${error.message}`);
      return 1;
    }
    if (error instanceof HomeserverRefusal) {
      io.err(`anteroom init: the homeserver refused a request: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
