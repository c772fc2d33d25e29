/**
 * Settings from the environment, with the reference approver's names, over
 * defaults. Validated once at start; every problem is reported at once, in
 * words an operator can act on.
 */
import { join } from "node:path";
import * as z from "zod";
import { homeserverUrlProblem, normalizeHomeserverUrl } from "./homeserver-url.js";
import { parseCodeBook, type CodeBook } from "../core/codes/code-book.js";
import { DEFAULT_HAIKU_RULES } from "../core/challenge/judge.js";
import type { EngineSettings } from "../core/engine/engine.js";
import { checkJoinWaveSettings } from "../core/moderation/join-wave.js";
import { DEFAULT_INVITE_SETTINGS } from "../core/admission/invites.js";
import { isUserId, serverHost } from "../core/moderation/matrix-ids.js";
import { checkRoles, parseRolesSetting, type Role } from "../core/moderation/power-levels.js";
import { referenceSettingsIgnored } from "../core/migration/reference-env.js";
import {
  DEFAULT_OPERATOR_THRESHOLD,
  type OperatorPolicy,
} from "../core/chat-commands/authorize.js";
import { WATCHDOG_ACTIONS, type WatchdogAction } from "./moderation/watchdog.js";
import { parseStoreKey } from "./matrix/crypto/store-key.js";
import type { EncryptionMode } from "./matrix/client.js";

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

// Built when a start reads the settings, not kept: its ~400 zod schemas are used once.
const envSchema = () =>
  z.object({
    HS: z.string().superRefine((text, ctx) => {
      const problem = homeserverUrlProblem(text);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
    HS_PUBLIC: z.url().optional(),
    MATRIX_TOKEN: z.string().min(1, "the bot's access token"),
    /** The seed compose's name for MATRIX_TOKEN, read when MATRIX_TOKEN is not set. */
    KNOCK_APPROVER_TOKEN: z.string().optional(),
    // Registration tokens (src/matrix/registration-tokens.ts): a server admin's token when the bot is not one.
    HS_ADMIN_TOKEN: z.string().min(1).optional(),
    HS_FLAVOUR: z.enum(["synapse", "tuwunel", "continuwuity"]).optional(),
    SPACE_ID: z.string().startsWith("!", "a room id such as !abc:example.org"),
    SPACE_CHILD_IDS: idList,
    // The server part of lobby aliases carried over from the reference approver (default: SPACE_ID's server).
    SERVER_NAME: z
      .string()
      .refine((name) => serverHost(name) !== undefined, "a Matrix server name such as example.org")
      .optional(),
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
    LOBBY_RESEND_AFTER_SEC: z.coerce.number().int().min(0).max(86_400).default(120),
    LOBBY_RATE_PER_MIN: count(10),
    LOBBY_CODE_RATE_PER_MIN: count(5),
    // The start of new lobby aliases; a hash of the request follows, so a retried creation finds its room.
    LOBBY_ALIAS_PREFIX: z
      .string()
      .regex(/^[a-z0-9._=/-]{1,40}$/, "up to 40 of a-z 0-9 . _ = - / (e.g. community-lobby-)")
      .default("anteroom-lobby-"),
    // The form webhook (POST /hooks/form, src/http/public/form-hook-routes.ts); off unless configured (formHookOf).
    FORM_MODE: z.enum(["queue", "invite"]).optional(),
    FORM_FIELD_MXID: z.string().trim().min(1).optional(),
    FORM_HONEYPOT_FIELD: z.string().trim().min(1).optional(),
    FORM_SECRET: z.string().min(8, "at least 8 characters, as set in the form service").optional(),
    FORM_RATE_PER_MIN: count(10),
    FORM_HOLD_SEC: seconds(604800),
    // Roles (src/moderation/roles.ts) and user-lifecycle hooks (src/moderation/lifecycle.ts).
    ROLES: z
      .string()
      .optional()
      .transform((text, ctx) => {
        if (text === undefined) return undefined;
        try {
          return checkRoles(parseRolesSetting(text));
        } catch (error) {
          ctx.addIssue({
            code: "custom",
            message: `${(error as Error).message} (e.g. member=0,moderator=50,admin=100)`,
          });
          return z.NEVER;
        }
      }),
    LIFECYCLE_JOIN: z.enum(["invite", "force"]).default("invite"),
    LIFECYCLE_REVOKE: z.enum(["kick", "deactivate"]).default("kick"),
    DATA_DIR: z.string().default("/data"),
    CODES_PATH: z.string().optional(),
    SIGNUP_CODES_PATH: z.string().optional(),
    VETTING_PATH: z.string().optional(),
    LOBBY_PATH: z.string().optional(),
    LOG_PATH: z.string().optional(),
    ENDORSEMENTS_PATH: z.string().optional(),
    HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8001),
    HTTP_HOST: z.string().default("0.0.0.0"),
    // Admin API (src/http/admin/): always on DATA_DIR/admin.sock; on TCP only with a bearer token.
    ADMIN_TOKEN: z
      .string()
      .min(16, "at least 16 characters (e.g. `openssl rand -hex 32`)")
      .optional(),
    ADMIN_HTTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    ADMIN_HTTP_HOST: z.string().default("127.0.0.1"),
    // An ADMIN_HTTP_HOST other than loopback puts the admin API on the network: only when asked to.
    ADMIN_HTTP_PUBLIC: z
      .enum(["true", "false", "1", "0"])
      .default("false")
      .transform((v) => v === "true" || v === "1"),
    SEND_MAX_PER_MIN: count(600),
    SEND_MAX_PER_ROOM_PER_MIN: count(12),
    MAX_IN_FLIGHT: count(8),
    TICK_MS: count(1000),
    RETENTION_DAYS: count(30),
    LOG_LEVEL: z
      .enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"])
      .default("info"),
    // Signup (src/signup): the server-held registration token (reference name first), per-IP rate, proxies.
    CONDUWUIT_REGISTRATION_TOKEN: z.string().optional(),
    REGISTRATION_TOKEN: z.string().optional(),
    SIGNUP_RATE_PER_MIN: count(10),
    // Uses one signup code may spend a minute; 0 turns the limit off.
    SIGNUP_CODE_RATE_PER_MIN: z.coerce.number().int().min(0).default(5),
    // Who a new account opens a DM with when its signup code names no inviter (unset: no DM then).
    ONBOARDING_INVITER_MXID: z
      .string()
      .trim()
      .refine(isUserId, "a Matrix user ID such as @alice:example.org")
      .optional(),
    TRUSTED_PROXIES: idList,
    // Chat commands (src/chat): the operator room (default: the space), who may give commands.
    ADMIN_COMMAND_ROOM: z.string().startsWith("!", "a room id such as !abc:example.org").optional(),
    // At 0 every member of the operator room (users_default 0) could give commands.
    ADMIN_PL_THRESHOLD: z.coerce
      .number()
      .int()
      .min(1, "at least 1: at 0 every member of the operator room could give commands")
      .default(DEFAULT_OPERATOR_THRESHOLD),
    // Commands only from a cross-signed device (src/matrix/crypto/sender-trust.ts); default: when the room is encrypted.
    ADMIN_REQUIRE_VERIFIED_DEVICE: z
      .enum(["true", "false", "1", "0"])
      .optional()
      .transform((v) => (v === undefined ? undefined : v === "true" || v === "1")),
    ADMIN_ALLOWLIST: idList.refine(
      (ids) => ids.every(isUserId),
      "a comma list of Matrix user IDs such as @alice:example.org",
    ),
    // Moderation (src/moderation): policy lists followed, the watchdog, where operators are told.
    POLICY_LISTS: idList.refine(
      (ids) => ids.every((id) => /^[!#]\S+$/.test(id)),
      "a comma list of room IDs (!abc:example.org) or aliases (#bans:example.org)",
    ),
    WATCHDOG_INTERVAL_SEC: z.coerce.number().int().min(0).default(300),
    WATCHDOG_ACTION: z.enum(WATCHDOG_ACTIONS).default("report"),
    OPERATOR_NOTIFY_ROOM: z
      .string()
      .startsWith("!", "a room id such as !abc:example.org")
      .optional(),
    // Join waves (core/engine/join-wave-desk.ts): arrivals a minute that pause auto-approval (0: off).
    JOIN_WAVE_PER_MIN: z.coerce.number().int().min(0).max(10_000).default(10),
    JOIN_WAVE_RESUME_PER_MIN: z.coerce.number().int().min(1).optional(),
    JOIN_WAVE_QUIET_SEC: z.coerce.number().int().min(0).max(86_400).default(300),
    // Pending invites (core/engine/invite-desk.ts): reminder, withdrawal (0: never), welcome.
    INVITE_REMIND_SEC: z.coerce.number().int().min(0).default(86_400),
    INVITE_EXPIRE_SEC: z.coerce
      .number()
      .int()
      .min(0)
      .default(7 * 86_400),
    WELCOME_TEXT: z.string().max(2000).default(DEFAULT_INVITE_SETTINGS.welcomeText),
    WELCOME_ROOM: z.string().startsWith("!", "a room id such as !abc:example.org").optional(),
    COMMUNITY_NAME: z.string().max(100).optional(),
    COMMUNITY_DESCRIPTION: z.string().max(500).optional(),
    // End-to-end encryption (src/matrix/crypto): auto = on when a room the bot talks to moderators in is encrypted.
    ENCRYPTION: z.enum(["auto", "on", "off"]).default("auto"),
    // MSC4268: room keys of an encrypted room's history for the people anteroom invites there.
    SHARE_ROOM_HISTORY: z
      .enum(["true", "false", "1", "0"])
      .default("true")
      .transform((v) => v === "true" || v === "1"),
    ESCROW_PATH: z.string().optional(),
    KEY_BACKUP: z
      .enum(["true", "false", "1", "0"])
      .default("true")
      .transform((v) => v === "true" || v === "1"),
    CRYPTO_DB: z.string().optional(),
    CRYPTO_STORE_KEY: z
      .string()
      .optional()
      .transform((text, ctx) => {
        if (text === undefined) return undefined;
        const key = parseStoreKey(text);
        if (!key) {
          ctx.addIssue({
            code: "custom",
            message: "32 bytes in base64 or hex (e.g. `openssl rand -base64 32`)",
          });
          return z.NEVER;
        }
        return key;
      }),
  });

/** Every environment variable the daemon reads: deploy/.env.example documents each (a test checks). */
export const SETTING_NAMES: readonly string[] = Object.keys(envSchema().shape);

export interface DaemonConfig {
  readonly homeserverUrl: string;
  readonly publicUrl: string;
  /** COMMUNITY_NAME and COMMUNITY_DESCRIPTION, for the public pages. */
  readonly community: { readonly name?: string; readonly description?: string };
  readonly accessToken: string;
  readonly engine: EngineSettings;
  readonly seeds: { readonly codes: CodeBook; readonly signupCodes: CodeBook };
  readonly paths: {
    readonly dataDir: string;
    readonly codes: string;
    readonly signupCodes: string;
    readonly vetting: string;
    readonly lobby: string;
    /** The form submissions already acted on (src/store/form-submissions.ts). */
    readonly formSubmissions: string;
    readonly auditLog: string;
    /** Who vouched for whom (the reference's endorsements.jsonl). */
    readonly endorsements: string;
    readonly syncStore: string;
    readonly joinWave: string;
    readonly invites: string;
    readonly lifecycle: string;
    readonly blocklist: string;
    readonly cryptoStore: string;
    readonly cryptoStoreKey: string;
    /** The bot's recovery key (secret storage, key backup), written once. */
    readonly recoveryKey: string;
    /** ESCROW_PATH: the reference approver's escrowed room keys. */
    readonly escrow: string;
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
  readonly signup: {
    readonly registrationToken?: string;
    readonly ratePerMinute: number;
    /** Uses one code may spend a minute; 0 = no limit. */
    readonly codeRatePerMinute: number;
    /** The DM partner for a code without an `inviter` (ONBOARDING_INVITER_MXID). */
    readonly defaultInviter?: string;
  };
  /** `POST /join` and `/join/api`: requests a minute per client address, and per code. */
  readonly lobbyRates: { readonly perIpPerMinute: number; readonly perCodePerMinute: number };
  /**
   * `POST /hooks/form`: invite or queue, which fields to read, the signing secret (never log it).
   * Absent when the form hook is not configured: the route is not served.
   */
  readonly formHook?: {
    readonly mode: "queue" | "invite";
    readonly fields: { readonly mxidField: string; readonly honeypotField?: string };
    readonly secret?: string;
    readonly perIpPerMinute: number;
  };
  /** Addresses (or CIDR ranges) whose X-Forwarded-For is believed; empty trusts none. */
  readonly trustedProxies: readonly string[];
  /** Registration tokens: whose access token manages them (a secret: never log it), and the flavour if set. */
  readonly tokenAdmin: {
    readonly accessToken: string;
    readonly label: string;
    readonly flavour?: "synapse" | "tuwunel" | "continuwuity";
  };
  /** Power-level roles (ROLES); the planner's defaults when absent. */
  readonly roles?: readonly Role[];
  /** Lifecycle hooks: invite or force-join on created, kick or deactivate on revoked. */
  readonly lifecycle: {
    readonly join: "invite" | "force";
    readonly revoke: "kick" | "deactivate";
  };
  /** Chat commands: the room they are taken in, who is answered there, and from which devices. */
  readonly operatorRoom: {
    readonly roomId: string;
    readonly policy: OperatorPolicy;
    /** Unset: required while the room is encrypted. */
    readonly requireVerifiedDevice?: boolean;
  };
  readonly moderation: {
    readonly policyLists: readonly string[];
    /** 0: the watchdog is off. */
    readonly watchdog: { readonly intervalSec: number; readonly action: WatchdogAction };
    /** Where the bot tells operators what the watchdog found. */
    readonly notifyRoom?: string;
  };
  /** The start of new lobby alias localparts (LOBBY_ALIAS_PREFIX). */
  readonly lobbyAliasPrefix: string;
  /** Where the reference approver's lobby aliases live (SERVER_NAME), when known. */
  readonly serverName?: string;
  /** The bot's end-to-end encryption; the store key is a secret: never log it. */
  readonly encryption: {
    readonly mode: EncryptionMode;
    readonly storeKey?: Buffer;
    /** Send new members the keys of an encrypted room's shared history (SHARE_ROOM_HISTORY). */
    readonly shareRoomHistory: boolean;
    /** KEY_BACKUP: the bot's room keys backed up on the homeserver (bot-recovery.ts). */
    readonly keyBackup: boolean;
    /** CRYPTO_DB: the reference approver's crypto database, never reused (its escrow is). */
    readonly referenceCryptoDb?: string;
  };
  /** Reference approver settings that are set here but that anteroom does not use. */
  readonly ignoredReferenceSettings: readonly string[];
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv): DaemonConfig {
  const given = blankAsUnset(env);
  if (given.MATRIX_TOKEN === undefined && given.KNOCK_APPROVER_TOKEN !== undefined)
    given.MATRIX_TOKEN = given.KNOCK_APPROVER_TOKEN;
  const parsed = envSchema().safeParse(given);
  if (!parsed.success) throw new ConfigError(settingsProblems(parsed.error.issues, given));
  const e = parsed.data;
  if (e.ADMIN_HTTP_PORT !== undefined && e.ADMIN_TOKEN === undefined) {
    throw new ConfigError(
      "anteroom cannot start; fix these settings:\n  ADMIN_HTTP_PORT: the admin API on TCP needs ADMIN_TOKEN (a bearer token); set it, or unset ADMIN_HTTP_PORT to keep the admin API on the unix socket only",
    );
  }
  if (e.ADMIN_HTTP_PORT !== undefined && !isLoopback(e.ADMIN_HTTP_HOST) && !e.ADMIN_HTTP_PUBLIC) {
    throw new ConfigError(
      `anteroom cannot start: ADMIN_HTTP_HOST=${e.ADMIN_HTTP_HOST} puts the admin API on the network; set ADMIN_HTTP_PUBLIC=1 to mean it, or use ADMIN_HTTP_HOST=127.0.0.1 (and an SSH tunnel or a proxy)`,
    );
  }
  if (e.FORM_MODE === "invite" && e.FORM_SECRET === undefined) {
    throw new ConfigError(
      "anteroom cannot start: FORM_MODE=invite lets anyone who can post to /hooks/form into the community unvetted, so it needs FORM_SECRET (the form service's signing secret); set it, or use FORM_MODE=queue",
    );
  }
  if (e.ADMIN_REQUIRE_VERIFIED_DEVICE === true && e.ENCRYPTION === "off") {
    throw new ConfigError(
      "anteroom cannot start; fix these settings:\n  ADMIN_REQUIRE_VERIFIED_DEVICE: verified devices need the bot's encryption; set ENCRYPTION to auto or on, or unset ADMIN_REQUIRE_VERIFIED_DEVICE",
    );
  }
  const dataDir = e.DATA_DIR;
  return {
    homeserverUrl: normalizeHomeserverUrl(e.HS),
    publicUrl: (e.HS_PUBLIC ?? e.HS).replace(/\/+$/, ""),
    community: {
      ...(e.COMMUNITY_NAME ? { name: e.COMMUNITY_NAME } : {}),
      ...(e.COMMUNITY_DESCRIPTION ? { description: e.COMMUNITY_DESCRIPTION } : {}),
    },
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
      ...(e.COMMUNITY_NAME ? { communityName: e.COMMUNITY_NAME } : {}),
      maxInFlight: e.MAX_IN_FLIGHT,
      retentionMs: e.RETENTION_DAYS * 86_400_000,
      joinWave: joinWaveSettings(
        e.JOIN_WAVE_PER_MIN,
        e.JOIN_WAVE_RESUME_PER_MIN,
        e.JOIN_WAVE_QUIET_SEC,
      ),
      invites: {
        remindSec: e.INVITE_REMIND_SEC,
        expireSec: e.INVITE_EXPIRE_SEC,
        // Blank (`WELCOME_TEXT=`) reads as unset: a single space turns the welcome off.
        welcomeText: e.WELCOME_TEXT,
        ...welcomeRoomOf(e.WELCOME_ROOM, e.SPACE_CHILD_IDS),
      },
      lobby: {
        maxTries: e.LOBBY_MAX_TRIES,
        lifetimeSec: e.LOBBY_TIMEOUT_SEC,
        challengeDelaySec: e.LOBBY_CHALLENGE_DELAY_SEC,
        resendAfterSec: e.LOBBY_RESEND_AFTER_SEC,
      },
      formHoldSec: e.FORM_HOLD_SEC,
    },
    seeds: { codes: e.INITIAL_CODES, signupCodes: e.INITIAL_SIGNUP_CODES },
    paths: {
      dataDir,
      codes: e.CODES_PATH ?? join(dataDir, "codes.json"),
      signupCodes: e.SIGNUP_CODES_PATH ?? join(dataDir, "signup_codes.json"),
      vetting: e.VETTING_PATH ?? join(dataDir, "vetting.json"),
      lobby: e.LOBBY_PATH ?? join(dataDir, "lobby.json"),
      formSubmissions: join(dataDir, "form-submissions.json"),
      auditLog: e.LOG_PATH ?? join(dataDir, "log.jsonl"),
      endorsements: e.ENDORSEMENTS_PATH ?? join(dataDir, "endorsements.jsonl"),
      syncStore: join(dataDir, "sync.json"),
      joinWave: join(dataDir, "join-wave.json"),
      invites: join(dataDir, "invites.json"),
      lifecycle: join(dataDir, "lifecycle.json"),
      blocklist: join(dataDir, "blocklist.json"),
      cryptoStore: join(dataDir, "crypto-store.bin"),
      cryptoStoreKey: join(dataDir, "crypto-store.key"),
      recoveryKey: join(dataDir, "recovery-key.txt"),
      escrow: e.ESCROW_PATH ?? join(dataDir, "inbound_sessions.escrow.json"),
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
      codeRatePerMinute: e.SIGNUP_CODE_RATE_PER_MIN,
      ...(e.ONBOARDING_INVITER_MXID ? { defaultInviter: e.ONBOARDING_INVITER_MXID } : {}),
    },
    lobbyRates: {
      perIpPerMinute: e.LOBBY_RATE_PER_MIN,
      perCodePerMinute: e.LOBBY_CODE_RATE_PER_MIN,
    },
    ...formHookOf(e),
    trustedProxies: e.TRUSTED_PROXIES,
    tokenAdmin: {
      accessToken: e.HS_ADMIN_TOKEN ?? e.MATRIX_TOKEN,
      label: e.HS_ADMIN_TOKEN === undefined ? "the bot" : "the HS_ADMIN_TOKEN user",
      ...(e.HS_FLAVOUR === undefined ? {} : { flavour: e.HS_FLAVOUR }),
    },
    ...(e.ROLES === undefined ? {} : { roles: e.ROLES }),
    lifecycle: { join: e.LIFECYCLE_JOIN, revoke: e.LIFECYCLE_REVOKE },
    operatorRoom: {
      roomId: e.ADMIN_COMMAND_ROOM ?? e.SPACE_ID,
      policy: { threshold: e.ADMIN_PL_THRESHOLD, allowlist: e.ADMIN_ALLOWLIST },
      ...(e.ADMIN_REQUIRE_VERIFIED_DEVICE === undefined
        ? {}
        : { requireVerifiedDevice: e.ADMIN_REQUIRE_VERIFIED_DEVICE }),
    },
    moderation: {
      policyLists: e.POLICY_LISTS,
      watchdog: { intervalSec: e.WATCHDOG_INTERVAL_SEC, action: e.WATCHDOG_ACTION },
      ...(e.OPERATOR_NOTIFY_ROOM === undefined ? {} : { notifyRoom: e.OPERATOR_NOTIFY_ROOM }),
    },
    lobbyAliasPrefix: e.LOBBY_ALIAS_PREFIX,
    encryption: {
      // Verified devices can only be told apart with encryption on.
      mode:
        e.ENCRYPTION === "auto" && e.ADMIN_REQUIRE_VERIFIED_DEVICE === true ? "on" : e.ENCRYPTION,
      ...(e.CRYPTO_STORE_KEY === undefined ? {} : { storeKey: e.CRYPTO_STORE_KEY }),
      shareRoomHistory: e.SHARE_ROOM_HISTORY,
      keyBackup: e.KEY_BACKUP,
      ...(e.CRYPTO_DB ? { referenceCryptoDb: e.CRYPTO_DB } : {}),
    },
    ...serverNameOf(e.SERVER_NAME, e.SPACE_ID),
    ignoredReferenceSettings: referenceSettingsIgnored(env, SETTING_NAMES),
  };
}

/**
 * The form hook is served once any of FORM_SECRET, FORM_MODE, FORM_FIELD_MXID or
 * FORM_HONEYPOT_FIELD is set; without them /hooks/form does not exist (404).
 */
function formHookOf(e: z.infer<ReturnType<typeof envSchema>>): Pick<DaemonConfig, "formHook"> {
  const set = [e.FORM_SECRET, e.FORM_MODE, e.FORM_FIELD_MXID, e.FORM_HONEYPOT_FIELD];
  if (set.every((value) => value === undefined)) return {};
  return {
    formHook: {
      mode: e.FORM_MODE ?? "queue",
      fields: {
        mxidField: e.FORM_FIELD_MXID ?? "mxid",
        ...(e.FORM_HONEYPOT_FIELD === undefined ? {} : { honeypotField: e.FORM_HONEYPOT_FIELD }),
      },
      ...(e.FORM_SECRET === undefined ? {} : { secret: e.FORM_SECRET }),
      perIpPerMinute: e.FORM_RATE_PER_MIN,
    },
  };
}

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^127(\.\d{1,3}){3}$/.test(bare);
}

/** What a required setting is, for the line that says it is missing. */
const REQUIRED: Record<string, string> = {
  HS: "the homeserver URL, e.g. https://matrix.example.org",
  MATRIX_TOKEN: "the bot's access token",
  SPACE_ID: "the space people knock on, a room id such as !abc:example.org",
};

/** Every problem at once: what is wrong with each set value, then what is missing and where to set it. */
function settingsProblems(
  issues: readonly z.core.$ZodIssue[],
  given: Record<string, string>,
): string {
  const missing = [
    ...new Set(issues.map((i) => String(i.path[0])).filter((name) => !(name in given))),
  ];
  const wrong = issues.filter((i) => String(i.path[0]) in given);
  const lines = [
    ...wrong.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`),
    ...missing.map((name) => `  ${name} is not set: ${REQUIRED[name] ?? "required"}`),
  ];
  const where =
    missing.length === 0
      ? []
      : [
          `set ${missing.join(", ")} in \`.env\` or the environment (deploy/.env.example lists them; \`anteroom init\` writes them)`,
        ];
  return [`anteroom cannot start; fix these settings:`, ...lines, ...where].join("\n");
}

/** The resume level defaults to 3 a minute, or the threshold when that is lower. */
function joinWaveSettings(perMinute: number, resumeBelow: number | undefined, quietSec: number) {
  try {
    return checkJoinWaveSettings({
      threshold: perMinute,
      resumeBelow: resumeBelow ?? Math.max(1, Math.min(3, perMinute)),
      quietMs: quietSec * 1000,
    });
  } catch (error) {
    throw new ConfigError(
      `anteroom cannot start; fix these settings:\n  JOIN_WAVE_RESUME_PER_MIN: ${(error as Error).message}`,
    );
  }
}

/** WELCOME_ROOM, else the first child room; none: no welcome. */
function welcomeRoomOf(
  room: string | undefined,
  children: readonly string[],
): { welcomeRoom?: string } {
  const chosen = room ?? children[0];
  return chosen === undefined ? {} : { welcomeRoom: chosen };
}

/** SERVER_NAME, else the server part of a room id that has one (room v12 ids have none). */
function serverNameOf(serverName: string | undefined, spaceId: string): { serverName?: string } {
  const fromSpace = /^![^:]+:(.+)$/.exec(spaceId)?.[1];
  const name = serverName ?? fromSpace;
  return name ? { serverName: name } : {};
}

/** `FOO=` in an .env file means "not set", as it did for the reference approver. */
function blankAsUnset(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env))
    if (value !== undefined && value !== "") out[key] = value;
  return out;
}
