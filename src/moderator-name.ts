/** Who acts at the console: recorded in the audit log with every command and shown in its header. */
import { userInfo } from "node:os";
import { ConfigError } from "./config.js";

export const MODERATOR_VARIABLE = "ANTEROOM_MODERATOR";

/** `--as NAME`, else ANTEROOM_MODERATOR, else the login name. Throws a usage message for a bad name. */
export function moderatorName(as: string | undefined, env: NodeJS.ProcessEnv): string {
  const chosen = as ?? (env[MODERATOR_VARIABLE] || undefined);
  if (chosen !== undefined) {
    const name = chosen.trim();
    // Printable and short: it is shown in the header and in every audit entry.
    if (name === "" || name.length > 64 || /\p{Cc}/u.test(name))
      throw new ConfigError(
        `${as === undefined ? MODERATOR_VARIABLE : "--as"}: give a name of 1 to 64 printable characters, e.g. --as alice`,
      );
    return name;
  }
  return loginName(env);
}

function loginName(env: NodeJS.ProcessEnv): string {
  try {
    return env.USER || env.LOGNAME || userInfo().username;
  } catch {
    return "moderator";
  }
}
