/**
 * The data dir, made private (0700) if it is new and proven writable before
 * anything is opened in it: a person starting anteroom as the wrong user gets
 * one line, not a stack trace from the first file that fails.
 */
import { access, constants, mkdir } from "node:fs/promises";

const NOT_WRITABLE = new Set(["EACCES", "EPERM", "EROFS", "ENOTDIR", "EEXIST"]);

export class DataDirUnwritableError extends Error {
  override readonly name = "DataDirUnwritableError";

  constructor(
    readonly dataDir: string,
    readonly code: string,
  ) {
    super(
      `this user cannot write the data dir ${dataDir} (${code}): set DATA_DIR in .env or the environment to a folder it can write`,
    );
  }
}

export async function prepareDataDir(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await access(dataDir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    if (NOT_WRITABLE.has(code)) throw new DataDirUnwritableError(dataDir, code);
    throw error;
  }
}
