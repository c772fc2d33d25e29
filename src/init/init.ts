/**
 * `anteroom init`: the bot's session, then the community, then the settings
 * the daemon needs. Safe to run again and again: it only ever adds what is
 * missing.
 */
import { obtainBotSession, type BotSession } from "./bot-session.js";
import { HomeserverApi, InitError } from "./homeserver-api.js";
import { DataDirUnwritableError, prepareDataDir } from "../store/data-dir.js";
import { communitySpec, type InitOptions } from "./init-options.js";
import { provisionCommunity, type ProvisionResult } from "./provision.js";
import type { EnvSettings } from "./env-file.js";

export interface InitOutcome {
  readonly bot: BotSession;
  readonly community: ProvisionResult;
}

/** Progress goes to `report`, one line at a time; no line ever holds a secret. */
export async function initCommunity(
  options: Omit<InitOptions, "writeEnv">,
  report: (line: string) => void = () => undefined,
): Promise<InitOutcome> {
  // Before the bot is registered: a session that cannot be saved would be lost with its password.
  await prepareDataDir(options.dataDir).catch((error: unknown) => {
    if (!(error instanceof DataDirUnwritableError)) throw error;
    throw new InitError(
      `this user cannot write the data dir ${error.dataDir} (${error.code}), where the bot's session is kept: set --data-dir, or DATA_DIR in .env or the environment, to a folder it can write`,
    );
  });
  const api = new HomeserverApi(options.homeserverUrl);
  await api.checkReachable();
  const bot = await obtainBotSession(api, options.credentials, options.dataDir);
  report(`bot ${bot.userId} (device ${bot.deviceId || "unknown"}), ${bot.how}`);
  const serverName = bot.userId.slice(bot.userId.indexOf(":") + 1);
  const spec = communitySpec(options.community, serverName);
  const community = await provisionCommunity(api.as(bot.accessToken), bot.userId, spec, report);
  for (const warning of community.warnings) report(`warning: ${warning}`);
  report(
    community.changes.length === 0
      ? "nothing to change: the community is as configured"
      : `${community.changes.length} change${community.changes.length === 1 ? "" : "s"} made`,
  );
  return { bot, community };
}

/** What `anteroom --daemon` needs, in the reference approver's names. */
export function daemonSettings(
  options: Pick<InitOptions, "homeserverUrl" | "dataDir">,
  outcome: InitOutcome,
): EnvSettings {
  return [
    ["HS", options.homeserverUrl],
    ["MATRIX_TOKEN", outcome.bot.accessToken],
    ["SPACE_ID", outcome.community.space.roomId],
    ["SPACE_CHILD_IDS", outcome.community.rooms.map((r) => r.roomId).join(",")],
    // Where init kept the bot's session: the daemon uses the same folder.
    ["DATA_DIR", options.dataDir],
    ...(outcome.community.commandRoom
      ? [["ADMIN_COMMAND_ROOM", outcome.community.commandRoom.roomId] as const]
      : []),
  ];
}
