/**
 * What a person sees when anteroom cannot start or stops: one line that says
 * what happened and what to do, and the exit code (2: fix a setting or the
 * command line; 1: something failed at run time). A stack trace only with --debug.
 */
import { HomeserverError } from "../core/ports.js";
import { ConfigError } from "./config.js";
import { DataDirUnwritableError } from "./store/data-dir.js";
import { DataDirLockedError, LockUnsupportedError } from "./store/data-dir-lock.js";
import { StoreParseError } from "./store/json-store.js";

export interface StartFailure {
  readonly message: string;
  readonly exitCode: 1 | 2;
}

export function explainFailure(error: unknown, env: NodeJS.ProcessEnv): StartFailure {
  if (error instanceof DataDirUnwritableError && !env.DATA_DIR)
    return {
      message: `DATA_DIR is not set, and this user cannot write the default ${error.dataDir} (${error.code}): set DATA_DIR in .env or the environment to a folder it can write (e.g. DATA_DIR=./data)`,
      exitCode: 2,
    };
  if (
    error instanceof ConfigError ||
    error instanceof DataDirUnwritableError ||
    error instanceof DataDirLockedError ||
    error instanceof LockUnsupportedError ||
    error instanceof StoreParseError ||
    // Matched by name: importing them would load the HTTP stack and the Matrix SDK for `--help` too.
    (error instanceof Error &&
      ["AdminListenError", "TokenRefusedError", "CryptoStoreRefused"].includes(error.name))
  )
    return { message: error.message, exitCode: 2 };
  if (error instanceof HomeserverError)
    return {
      message: `the homeserver ${env.HS ?? ""} failed a request at start (${error.errcode ?? "no answer"}: ${error.message}); check that it runs and that HS points at it, then start anteroom again`,
      exitCode: 1,
    };
  const detail = error instanceof Error ? error.message : String(error);
  return {
    message: `anteroom stopped: ${detail} (run it again with --debug for the details)`,
    exitCode: 1,
  };
}
