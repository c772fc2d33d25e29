/**
 * Settings from the environment, with the reference approver's names, over
 * defaults. Validated once at start; every problem is reported at once, in
 * words an operator can act on.
 */
import { join } from "node:path";
import { z } from "zod";
import { parseCodeBook, type CodeBook } from "../core/codes.js";
import { DEFAULT_HAIKU_RULES } from "../core/challenge/judge.js";
import type { EngineSettings } from "../core/engine/engine.js";
import { isUserId } from "../core/chat-commands/matrix-ids.js";
import {
  DEFAULT_OPERATOR_THRESHOLD,
  type OperatorPolicy,
} from "../core/chat-commands/authorize.js";

const seconds = (fallback: number) => z.coerce.number().int().min(1).default(fallback);
const count = (fallback: number) => z.coerce.number().int().min(1).default(fallback);
const idList = z
  .string()
  .default("")
  .transform((text) =>
    text
      .split(",")
      .map((id) => id.trim())
      .filter(Boolean),
  );
const codeSeed = z
  .string()
  .default("")
  .transform((text, ctx): CodeBook => {
    if (!text.trim()) return {};
    try {
      return parseCodeBook(JSON.parse(text));
    } catch (error) {
      ctx.addIssue({ code: "custom", message: `not a code book: ${(error as Error).message}` });
      return z.NEVER;
    }
  });

const envSchema = z.object({
  HS: z.url({ message: "the homeserver URL, e.g. http://127.0.0.1:8008" }),
  HS_PUBLIC: z.url().optional(),
  MATRIX_TOKEN: z.string().min(1, "the bot's access token"),
  // Registration tokens (src/matrix/registration-tokens.ts): a server admin's token when the bot is not one.
  HS_ADMIN_TOKEN: z.string().min(1).optional(),
  HS_FLAVOUR: z.enum(["synapse", "tuwunel", "continuwuity"]).optional(),
  SPACE_ID: z.string().startsWith("!", "a room id such as !abc:example.org"),
  SPACE_CHILD_IDS: idList,
  INITIAL_CODES: codeSeed,
  INITIAL_SIGNUP_CODES: codeSeed,
  VETTING_MAX_TRIES: count(3),
  VETTING_TIMEOUT_SEC: seconds(7200),
  VETTING_REMINDER_SEC: seconds(600),
  VETTING_FAREWELL_SEC: z.coerce.number().min(0).default(10),
  VETTING_REQUIRE_DISPLAYNAME: z
    .enum(["true", "false", "1", "0"])
    .default("true")
    .transform((v) => v === "true" || v === "1"),
  KNOCK_HOLD_SEC: seconds(86400),
  LOBBY_WELCOME_CODE_USES: z.coerce.number().int().min(0).default(10),
  // Lobbies (POST /join/api): tries per person (default: VETTING_MAX_TRIES's default), lifetime, challenge delay.
  LOBBY_MAX_TRIES: count(3),
  LOBBY_TIMEOUT_SEC: seconds(7200),
  LOBBY_CHALLENGE_DELAY_SEC: z.coerce.number().min(0).max(300).default(5),
  LOBBY_RATE_PER_MIN: count(10),
  LOBBY_CODE_RATE_PER_MIN: count(5),
  DATA_DIR: z.string().default("/data"),
  CODES_PATH: z.string().optional(),
  SIGNUP_CODES_PATH: z.string().optional(),
  VETTING_PATH: z.string().optional(),
  LOBBY_PATH: z.string().optional(),
  LOG_PATH: z.string().optional(),
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8001),
  HTTP_HOST: z.string().default("0.0.0.0"),
  // Admin API (src/http/admin*.ts): always on DATA_DIR/admin.sock; on TCP only with a bearer token.
  ADMIN_TOKEN: z
    .string()
    .min(16, "at least 16 characters (e.g. `openssl rand -hex 32`)")
    .optional(),
  ADMIN_HTTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  ADMIN_HTTP_HOST: z.string().default("127.0.0.1"),
  SEND_MAX_PER_MIN: count(600),
  SEND_MAX_PER_ROOM_PER_MIN: count(12),
  MAX_IN_FLIGHT: count(8),
  TICK_MS: count(1000),
  RETENTION_DAYS: count(30),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  // Signup (src/signup): the server-held registration token (reference name first), per-IP rate, proxies.
  CONDUWUIT_REGISTRATION_TOKEN: z.string().optional(),
  REGISTRATION_TOKEN: z.string().optional(),
  SIGNUP_RATE_PER_MIN: count(10),
  TRUSTED_PROXIES: idList,
  // Chat commands (src/chat): the operator room (default: the space), who may give commands.
  ADMIN_COMMAND_ROOM: z.string().startsWith("!", "a room id such as !abc:example.org").optional(),
  ADMIN_PL_THRESHOLD: z.coerce.number().int().default(DEFAULT_OPERATOR_THRESHOLD),
  ADMIN_ALLOWLIST: idList.refine(
    (ids) => ids.every(isUserId),
    "a comma list of Matrix user IDs such as @alice:example.org",
  ),
});

/** Every environment variable the daemon reads: deploy/.env.example documents each (a test checks). */
export const SETTING_NAMES: readonly string[] = Object.keys(envSchema.shape);

export interface DaemonConfig {
  readonly homeserverUrl: string;
  readonly publicUrl: string;
  readonly accessToken: string;
  readonly engine: EngineSettings;
  readonly seeds: { readonly codes: CodeBook; readonly signupCodes: CodeBook };
  readonly paths: {
    readonly dataDir: string;
    readonly codes: string;
    readonly signupCodes: string;
    readonly vetting: string;
    readonly lobby: string;
    readonly auditLog: string;
    readonly syncStore: string;
  };
  readonly http: { readonly port: number; readonly host: string };
  /** The admin API: the unix socket always; TCP only with its token (a secret: never log it). */
  readonly admin: {
    readonly socketPath: string;
    readonly tcp?: { readonly port: number; readonly host: string; readonly token: string };
  };
  readonly sendCaps: { readonly perMinute: number; readonly perRoomPerMinute: number };
  readonly tickMs: number;
  readonly logLevel: string;
  /** Signup: no registration token means signup is off (503 signup_disabled). A secret: never log it. */
  readonly signup: { readonly registrationToken?: string; readonly ratePerMinute: number };
  /** `POST /join` and `/join/api`: requests a minute per client address, and per code. */
  readonly lobbyRates: { readonly perIpPerMinute: number; readonly perCodePerMinute: number };
  /** Addresses (or CIDR ranges) whose X-Forwarded-For is believed; empty trusts none. */
  readonly trustedProxies: readonly string[];
  /** Registration tokens: whose access token manages them (a secret: never log it), and the flavour if set. */
  readonly tokenAdmin: {
    readonly accessToken: string;
    readonly label: string;
    readonly flavour?: "synapse" | "tuwunel" | "continuwuity";
  };
  /** Chat commands: the room they are taken in, and who is answered there. */
  readonly operatorRoom: { readonly roomId: string; readonly policy: OperatorPolicy };
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv): DaemonConfig {
  const parsed = envSchema.safeParse(blankAsUnset(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`anteroom cannot start; fix these settings:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  if (e.ADMIN_HTTP_PORT !== undefined && e.ADMIN_TOKEN === undefined) {
    throw new ConfigError(
      "anteroom cannot start; fix these settings:\n  ADMIN_HTTP_PORT: the admin API on TCP needs ADMIN_TOKEN (a bearer token); set it, or unset ADMIN_HTTP_PORT to keep the admin API on the unix socket only",
    );
  }
  const dataDir = e.DATA_DIR;
  return {
    homeserverUrl: e.HS.replace(/\/+$/, ""),
    publicUrl: (e.HS_PUBLIC ?? e.HS).replace(/\/+$/, ""),
    accessToken: e.MATRIX_TOKEN,
    engine: {
      spaceId: e.SPACE_ID,
      childIds: e.SPACE_CHILD_IDS,
      maxTries: e.VETTING_MAX_TRIES,
      lifetimeSec: e.VETTING_TIMEOUT_SEC,
      reminderLeadSec: e.VETTING_REMINDER_SEC,
      knockHoldSec: e.KNOCK_HOLD_SEC,
      farewellDelaySec: e.VETTING_FAREWELL_SEC,
      rules: { ...DEFAULT_HAIKU_RULES, requireDisplayName: e.VETTING_REQUIRE_DISPLAYNAME },
      welcome: {
        uses: e.LOBBY_WELCOME_CODE_USES,
        linkBase: (e.HS_PUBLIC ?? e.HS).replace(/\/+$/, ""),
      },
      maxInFlight: e.MAX_IN_FLIGHT,
      retentionMs: e.RETENTION_DAYS * 86_400_000,
      lobby: {
        maxTries: e.LOBBY_MAX_TRIES,
        lifetimeSec: e.LOBBY_TIMEOUT_SEC,
        challengeDelaySec: e.LOBBY_CHALLENGE_DELAY_SEC,
      },
    },
    seeds: { codes: e.INITIAL_CODES, signupCodes: e.INITIAL_SIGNUP_CODES },
    paths: {
      dataDir,
      codes: e.CODES_PATH ?? join(dataDir, "codes.json"),
      signupCodes: e.SIGNUP_CODES_PATH ?? join(dataDir, "signup_codes.json"),
      vetting: e.VETTING_PATH ?? join(dataDir, "vetting.json"),
      lobby: e.LOBBY_PATH ?? join(dataDir, "lobby.json"),
      auditLog: e.LOG_PATH ?? join(dataDir, "log.jsonl"),
      syncStore: join(dataDir, "sync.json"),
    },
    http: { port: e.HTTP_PORT, host: e.HTTP_HOST },
    admin: {
      socketPath: join(dataDir, "admin.sock"),
      ...(e.ADMIN_HTTP_PORT !== undefined && e.ADMIN_TOKEN !== undefined
        ? { tcp: { port: e.ADMIN_HTTP_PORT, host: e.ADMIN_HTTP_HOST, token: e.ADMIN_TOKEN } }
        : {}),
    },
    sendCaps: { perMinute: e.SEND_MAX_PER_MIN, perRoomPerMinute: e.SEND_MAX_PER_ROOM_PER_MIN },
    tickMs: e.TICK_MS,
    logLevel: e.LOG_LEVEL,
    signup: {
      registrationToken: e.CONDUWUIT_REGISTRATION_TOKEN ?? e.REGISTRATION_TOKEN,
      ratePerMinute: e.SIGNUP_RATE_PER_MIN,
    },
    lobbyRates: {
      perIpPerMinute: e.LOBBY_RATE_PER_MIN,
      perCodePerMinute: e.LOBBY_CODE_RATE_PER_MIN,
    },
    trustedProxies: e.TRUSTED_PROXIES,
    tokenAdmin: {
      accessToken: e.HS_ADMIN_TOKEN ?? e.MATRIX_TOKEN,
      label: e.HS_ADMIN_TOKEN === undefined ? "the bot" : "the HS_ADMIN_TOKEN user",
      ...(e.HS_FLAVOUR === undefined ? {} : { flavour: e.HS_FLAVOUR }),
    },
    operatorRoom: {
      roomId: e.ADMIN_COMMAND_ROOM ?? e.SPACE_ID,
      policy: { threshold: e.ADMIN_PL_THRESHOLD, allowlist: e.ADMIN_ALLOWLIST },
    },
  };
}

/** `FOO=` in an .env file means "not set", as it did for the reference approver. */
function blankAsUnset(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env))
    if (value !== undefined && value !== "") out[key] = value;
  return out;
}
