/** Who acts at the console: recorded in the audit log with every command and shown in its header. */
import { userInfo } from "node:os";
import { join } from "node:path";
import { ConfigError } from "./config.js";
import { consoleConfigDir, consoleConfigPath } from "./console-config-path.js";
import { readFileIfExists } from "./store/atomic-file.js";

export const MODERATOR_VARIABLE = "ANTEROOM_MODERATOR";

/** Logins that name a machine's service, not a person: the console asks who is acting. */
const SERVICE_LOGINS = new Set(["node", "root", "anteroom", "moderator"]);

/** `--as NAME`, else ANTEROOM_MODERATOR, else the login name. Throws a usage message for a bad name. */
export function moderatorName(as: string | undefined, env: NodeJS.ProcessEnv): string {
  const chosen = as ?? (env[MODERATOR_VARIABLE] || undefined);
  if (chosen === undefined) return loginName(env);
  const problem = nameProblem(chosen);
  if (problem)
    throw new ConfigError(`${as === undefined ? MODERATOR_VARIABLE : "--as"}: ${problem}`);
  return chosen.trim();
}

export interface ConsoleModeratorOptions {
  readonly as: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  /** Asks the person at the terminal; undefined when there is nobody to ask. */
  readonly ask?: (question: string) => Promise<string>;
  readonly say: (line: string) => void;
}

/**
 * The console's moderator: as `moderatorName`, but when that is a service login (node, root),
 * the name given the first time is asked for once and remembered for this login.
 */
export async function consoleModerator(options: ConsoleModeratorOptions): Promise<string> {
  const { as, env, ask, say } = options;
  const name = moderatorName(as, env);
  if (as !== undefined || env[MODERATOR_VARIABLE] || !SERVICE_LOGINS.has(name)) return name;
  // Loaded here, not at start: the daemon never reads the console's config file.
  const { openConsoleConfigFile } = await import("./console-config-file.js");
  const config = openConsoleConfigFile(env);
  const saved = config.contents.moderator;
  if (typeof saved === "string" && !nameProblem(saved)) return saved;
  // Before the console's config file, the name had a file of its own: moved over once.
  const earlier = (await readFileIfExists(join(consoleConfigDir(env), "moderator")))?.trim();
  if (earlier && !nameProblem(earlier)) {
    config.set({ moderator: earlier });
    return earlier;
  }
  if (ask === undefined) return name;
  for (;;) {
    const answer = (
      await ask(`You are logged in as ${name}. Your name for the audit log (e.g. alice): `)
    ).trim();
    const problem = nameProblem(answer);
    if (problem) {
      say(problem);
      continue;
    }
    config.set({ moderator: answer });
    say(`remembered in ${config.path}; --as NAME or ${MODERATOR_VARIABLE} override it`);
    return answer;
  }
}

/** Where the answer is kept: the console's config file, in the login's own config folder. */
export function rememberedNameFile(env: NodeJS.ProcessEnv): string {
  return consoleConfigPath(env);
}

/** Printable and short: it is shown in the header and in every audit entry. */
function nameProblem(name: string): string | undefined {
  const trimmed = name.trim();
  return trimmed === "" || trimmed.length > 64 || /\p{Cc}/u.test(trimmed)
    ? "give a name of 1 to 64 printable characters, e.g. --as alice"
    : undefined;
}

function loginName(env: NodeJS.ProcessEnv): string {
  try {
    return env.USER || env.LOGNAME || userInfo().username;
  } catch {
    return "moderator";
  }
}
