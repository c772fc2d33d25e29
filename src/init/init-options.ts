/**
 * `anteroom init`'s settings: flags first, then environment variables, then
 * defaults. Everything is checked here, before any request, and every
 * problem is reported at once.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { BotCredentials } from "./bot-session.js";
import type { CommunitySpec, RoomSpec } from "./community-plan.js";
import { InitError } from "./homeserver-api.js";
import { homeserverUrlProblem, normalizeHomeserverUrl } from "../homeserver-url.js";
import { isUserId } from "../../core/moderation/matrix-ids.js";

export const INIT_USAGE = `anteroom init — make (or finish) the community anteroom guards, and print
the settings the daemon needs

usage:
  anteroom init [--hs URL] [credentials] [community] [--write-env FILE]

credentials (flags, or else the environment; without any, the session saved by
an earlier run is used):
  --token TOKEN              the bot's access token               MATRIX_TOKEN
  --username NAME            the bot's user name (anteroom)       BOT_USERNAME
  --password PW              log the bot in with its password     BOT_PASSWORD
  --registration-token TOK   register the bot with a registration token
                             (REGISTRATION_TOKEN, CONDUWUIT_REGISTRATION_TOKEN);
                             without --password one is chosen and saved
  --shared-secret SECRET     register the bot as a server admin with Synapse's
                             registration_shared_secret
                             (REGISTRATION_SHARED_SECRET)
  An account that exists already is logged in with --password. The session
  (device id, token) is kept in DATA_DIR/bot-session.json (mode 0600): later
  runs reuse it, and a new login reuses its device.

community:
  --hs URL                   the homeserver's client URL          HS
  --space-alias ALIAS        the space (default #community)       SPACE_ALIAS
  --space-name NAME          its name (default from the alias)    SPACE_NAME
  --space-topic TEXT         its topic (default: how to knock)    SPACE_TOPIC
  --rooms a,b=Name           child rooms by alias, optional name  SPACE_ROOMS
                             (default general)
  --admins @a:hs,@b:hs       kept at power level 100, invited     SPACE_ADMINS
  --data-dir DIR             the daemon's data dir, where the     DATA_DIR
                             bot's session is kept (/data)
  --encrypted                encrypt the rooms (the reference approver's
                             layout): the child rooms, and a private command
                             room #SPACE-commands (the admins invited) that is
                             written as ADMIN_COMMAND_ROOM; a room already
                             encrypted stays so, none is ever decrypted

  Rooms are found by alias or created. The space gets join rule knock, each
  room is restricted to the space's members, both are linked (m.space.child,
  m.space.parent), history visibility shared, the bot at power level 200 in
  rooms it creates. Names given by flag or env are enforced; default names
  and topics are only set where a room has none. Running init again sends
  nothing when all is right.

output (progress goes to stderr):
  (default)                  HS, SPACE_ID, SPACE_CHILD_IDS on stdout, no token
  --write-env FILE           write HS, MATRIX_TOKEN, SPACE_ID, SPACE_CHILD_IDS,
                             DATA_DIR (and ADMIN_COMMAND_ROOM with --encrypted)
                             into FILE, keeping its other lines
                             (mode 0600); \`anteroom --daemon\` reads .env
                             from its working directory
  --write-env -              print them all on stdout, MATRIX_TOKEN included`;

export interface InitOptions {
  readonly homeserverUrl: string;
  readonly credentials: BotCredentials;
  readonly dataDir: string;
  readonly community: CommunityOptions;
  /** A file path, "-" for stdout with the token, undefined to print without it. */
  readonly writeEnv?: string;
}

export interface CommunityOptions {
  /** The alias's localpart; the alias lives on the bot's server. */
  readonly spaceAlias: string;
  /** The server part when one was given, which must be the bot's. */
  readonly spaceAliasServer?: string;
  readonly spaceName?: string;
  readonly spaceTopic?: string;
  readonly rooms: readonly { readonly alias: string; readonly name?: string }[];
  readonly admins: readonly string[];
  /** --encrypted: encrypted child rooms and a private, encrypted command room. */
  readonly encrypted: boolean;
}

export const DEFAULT_SPACE_TOPIC =
  "A closed community: knock on this space with your invite code as the reason to join.";

// Alias localparts kept to a portable set: lowercase letters, digits and . _ = - /
const LOCALPART = /^[a-z0-9._=\-/]{1,100}$/;

const INIT_OPTIONS = {
  hs: { type: "string" },
  token: { type: "string" },
  username: { type: "string" },
  password: { type: "string" },
  "registration-token": { type: "string" },
  "shared-secret": { type: "string" },
  "space-alias": { type: "string" },
  "space-name": { type: "string" },
  "space-topic": { type: "string" },
  rooms: { type: "string" },
  admins: { type: "string" },
  "data-dir": { type: "string" },
  "write-env": { type: "string" },
  encrypted: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

// Options whose value is a secret: always required, and free to begin with a dash (Synapse's
// registration tokens are drawn from A-Z a-z 0-9 . _ ~ -), which parseArgs would take for a flag.
const SECRET_OPTIONS = ["--token", "--password", "--registration-token", "--shared-secret"];

/** `--registration-token -abc` as `--registration-token=-abc`, so a secret's leading dash is kept. */
function attachSecretValues(argv: readonly string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = argv[i + 1];
    const isOption = value !== undefined && value.replace(/^--/, "").split("=")[0]! in INIT_OPTIONS;
    if (SECRET_OPTIONS.includes(arg) && value?.startsWith("-") && !isOption) {
      args.push(`${arg}=${value}`);
      i++;
    } else args.push(arg);
  }
  return args;
}

/** The parsed command line, or "help". Throws an InitError listing every problem. */
export function parseInitArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): InitOptions | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args: attachSecretValues(argv),
      options: INIT_OPTIONS,
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new InitError(`${(error as Error).message}; see anteroom init --help`);
  }
  if (values.help) return "help";
  const setting = (flag: string | undefined, ...names: string[]): string | undefined => {
    if (flag !== undefined) return flag;
    for (const name of names) {
      const value = env[name];
      if (value !== undefined && value !== "") return value; // FOO= in an .env means unset
    }
    return undefined;
  };
  const problems: string[] = [];

  const hs = setting(values.hs, "HS");
  let homeserverUrl = "";
  if (hs === undefined)
    problems.push("--hs (or HS): the homeserver URL, e.g. http://127.0.0.1:8008");
  else {
    const problem = homeserverUrlProblem(hs);
    if (problem) problems.push(`--hs (or HS): ${problem}`);
    else homeserverUrl = normalizeHomeserverUrl(hs);
  }

  const credentials = chooseCredentials(values, setting, problems);

  const spaceAlias = aliasLocalpartOf(
    setting(values["space-alias"], "SPACE_ALIAS") ?? "#community",
  );
  if (!LOCALPART.test(spaceAlias.localpart))
    problems.push(
      `--space-alias: ${JSON.stringify(spaceAlias.raw)} is not an alias such as #community`,
    );
  const rooms = parseRooms(setting(values.rooms, "SPACE_ROOMS") ?? "general", problems);
  if (rooms.some((r) => r.alias === spaceAlias.localpart))
    problems.push(
      `--rooms: ${spaceAlias.localpart} is the space's alias; give the rooms their own`,
    );
  const admins = (setting(values.admins, "SPACE_ADMINS") ?? "")
    .split(",")
    .map((a) => a.trim())
    .filter(Boolean);
  for (const admin of admins)
    if (!isUserId(admin))
      problems.push(
        `--admins: ${JSON.stringify(admin)} is not a user id such as @alice:example.org`,
      );

  if (problems.length > 0) {
    throw new InitError(
      `anteroom init cannot start; fix these:\n${problems.map((p) => `  ${p}`).join("\n")}`,
    );
  }
  const spaceName = setting(values["space-name"], "SPACE_NAME");
  const spaceTopic = setting(values["space-topic"], "SPACE_TOPIC");
  const writeEnv = values["write-env"];
  return {
    homeserverUrl,
    credentials,
    dataDir: resolve(setting(values["data-dir"], "DATA_DIR") ?? "/data"),
    community: {
      spaceAlias: spaceAlias.localpart,
      ...(spaceAlias.server === undefined ? {} : { spaceAliasServer: spaceAlias.server }),
      ...(spaceName === undefined ? {} : { spaceName }),
      ...(spaceTopic === undefined ? {} : { spaceTopic }),
      rooms,
      admins,
      encrypted: values.encrypted === true,
    },
    ...(writeEnv === undefined ? {} : { writeEnv }),
  };
}

/** Flags beat the environment: any credential flag ignores every credential variable. */
function chooseCredentials(
  values: Record<string, string | boolean | undefined>,
  setting: (flag: string | undefined, ...names: string[]) => string | undefined,
  problems: string[],
): BotCredentials {
  const str = (name: string) => values[name] as string | undefined;
  const flagged = ["token", "username", "password", "registration-token", "shared-secret"].some(
    (name) => str(name) !== undefined,
  );
  const pick = (flag: string, ...names: string[]) =>
    flagged ? str(flag) : setting(undefined, ...names);
  const token = pick("token", "MATRIX_TOKEN");
  const username = pick("username", "BOT_USERNAME");
  const password = pick("password", "BOT_PASSWORD");
  const registrationToken = pick(
    "registration-token",
    "REGISTRATION_TOKEN",
    "CONDUWUIT_REGISTRATION_TOKEN",
  );
  const sharedSecret = pick("shared-secret", "REGISTRATION_SHARED_SECRET");
  if (username !== undefined && !LOCALPART.test(username))
    problems.push(
      `--username: ${JSON.stringify(username)} is not a user name (lowercase a-z 0-9 . _ = - /)`,
    );
  const name = username ?? "anteroom";
  const withPassword = password === undefined ? {} : { password };

  const flagToken = str("token");
  if (flagToken !== undefined) {
    const others = ["username", "password", "registration-token", "shared-secret"].filter(
      (n) => str(n) !== undefined,
    );
    if (others.length > 0) problems.push(`--token goes alone, without --${others.join(", --")}`);
    return { kind: "token", accessToken: flagToken };
  }
  if (flagged && registrationToken !== undefined && sharedSecret !== undefined)
    problems.push("give --registration-token or --shared-secret, not both");
  // From the environment, a ready token wins over making a new session.
  if (token !== undefined) return { kind: "token", accessToken: token };
  if (registrationToken !== undefined)
    return { kind: "registration-token", username: name, registrationToken, ...withPassword };
  if (sharedSecret !== undefined)
    return { kind: "shared-secret", username: name, sharedSecret, ...withPassword };
  if (password !== undefined) {
    if (username === undefined) problems.push("--password needs --username (or BOT_USERNAME)");
    return { kind: "password", username: name, password };
  }
  if (username !== undefined)
    problems.push(
      "--username needs --password (or BOT_PASSWORD), or a registration token or shared secret",
    );
  return { kind: "saved" };
}

function aliasLocalpartOf(raw: string): { raw: string; localpart: string; server?: string } {
  const bare = raw.startsWith("#") ? raw.slice(1) : raw;
  const colon = bare.indexOf(":");
  return colon === -1
    ? { raw, localpart: bare }
    : { raw, localpart: bare.slice(0, colon), server: bare.slice(colon + 1) };
}

function parseRooms(text: string, problems: string[]): { alias: string; name?: string }[] {
  const rooms: { alias: string; name?: string }[] = [];
  for (const item of text
    .split(",")
    .map((i) => i.trim())
    .filter(Boolean)) {
    const equals = item.indexOf("=");
    const alias = aliasLocalpartOf(equals === -1 ? item : item.slice(0, equals).trim());
    const name = equals === -1 ? undefined : item.slice(equals + 1).trim();
    if (!LOCALPART.test(alias.localpart) || alias.server !== undefined) {
      problems.push(
        `--rooms: ${JSON.stringify(item)} is not a room alias such as general or general=General chat`,
      );
      continue;
    }
    if (rooms.some((r) => r.alias === alias.localpart)) {
      problems.push(`--rooms: ${alias.localpart} is listed twice`);
      continue;
    }
    rooms.push({ alias: alias.localpart, ...(name ? { name } : {}) });
  }
  return rooms;
}

/** The full community, once the bot's server name is known (aliases live on the bot's server). */
export function communitySpec(options: CommunityOptions, serverName: string): CommunitySpec {
  if (options.spaceAliasServer !== undefined && options.spaceAliasServer !== serverName) {
    throw new InitError(
      `--space-alias names the server ${options.spaceAliasServer}, but the bot is on ${serverName}; aliases are made on the bot's server`,
    );
  }
  const room = (
    localpart: string,
    name: string | undefined,
    topic?: string,
    explicitTopic = false,
  ): RoomSpec => ({
    alias: `#${localpart}:${serverName}`,
    name: name ?? titleOf(localpart),
    nameIsExplicit: name !== undefined,
    ...(topic === undefined ? {} : { topic }),
    topicIsExplicit: explicitTopic,
  });
  return {
    space: room(
      options.spaceAlias,
      options.spaceName,
      options.spaceTopic ?? DEFAULT_SPACE_TOPIC,
      options.spaceTopic !== undefined,
    ),
    rooms: options.rooms.map((r) => room(r.alias, r.name)),
    admins: options.admins,
    encrypted: options.encrypted,
    ...(options.encrypted
      ? { commandRoom: room(`${options.spaceAlias}-commands`, COMMAND_ROOM_NAME) }
      : {}),
  };
}

const COMMAND_ROOM_NAME = "Commands";

/** "general" → "General", "book-club" → "Book club". */
function titleOf(localpart: string): string {
  const words = localpart.replace(/[._=\-/]+/g, " ").trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : localpart;
}
