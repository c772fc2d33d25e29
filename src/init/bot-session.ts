/**
 * The bot's login for `anteroom init`: an access token given by the operator,
 * or a session kept in DATA_DIR/bot-session.json (mode 0600) from an earlier
 * run, or a new one by password login, by registration with a registration
 * token (src/signup/register.ts), or by Synapse's shared-secret admin
 * registration. A new login reuses the saved device id, so running init again
 * does not pile up devices on the bot's account.
 */
import { createHmac, randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import * as z from "zod";
import { registerAccount } from "../signup/register.js";
import { readFileIfExists, writeFileAtomic } from "../store/atomic-file.js";
import { HomeserverApi, InitError, isRefusal, type Json } from "./homeserver-api.js";

export type BotCredentials =
  | { readonly kind: "token"; readonly accessToken: string }
  /** Nothing given: the saved session must do. */
  | { readonly kind: "saved" }
  | { readonly kind: "password"; readonly username: string; readonly password: string }
  | {
      readonly kind: "registration-token";
      readonly username: string;
      readonly password?: string;
      readonly registrationToken: string;
    }
  | {
      readonly kind: "shared-secret";
      readonly username: string;
      readonly password?: string;
      readonly sharedSecret: string;
    };

export interface BotSession {
  readonly userId: string;
  readonly deviceId: string;
  /** A secret: never logged or printed, except into the env the operator asked for. */
  readonly accessToken: string;
  /** How this run got it, for the operator. */
  readonly how: string;
}

export const SESSION_FILE = "bot-session.json";
const DEVICE_NAME = "anteroom";

const savedSession = z.object({
  homeserver: z.string(),
  user_id: z.string(),
  device_id: z.string(),
  access_token: z.string(),
  /** Only when init chose the password itself: the one way back in if the token is lost. */
  generated_password: z.string().optional(),
});
type SavedSession = z.infer<typeof savedSession>;

export async function obtainBotSession(
  api: HomeserverApi,
  credentials: BotCredentials,
  dataDir: string,
): Promise<BotSession> {
  if (credentials.kind === "token") {
    const who = await whoami(
      api.as(credentials.accessToken),
      "the access token (--token or MATRIX_TOKEN)",
    );
    return { ...who, accessToken: credentials.accessToken, how: "with the given access token" };
  }
  const path = join(dataDir, SESSION_FILE);
  const saved = await readSaved(path, api.baseUrl);
  const wanted = "username" in credentials ? credentials.username : undefined;
  const usable = saved && (wanted === undefined || localpartOf(saved.user_id) === wanted);
  if (usable) {
    const who = await whoami(api.as(saved.access_token), "the saved session").catch(
      (error: unknown) => {
        if (error instanceof TokenRefused) return undefined; // logged out: log in again below
        throw error;
      },
    );
    if (who && who.userId === saved.user_id) {
      return { ...who, accessToken: saved.access_token, how: `with the session saved in ${path}` };
    }
  }
  if (credentials.kind === "saved") {
    if (saved?.generated_password !== undefined) {
      // Logged out, but init chose the password: log in again, on the same device.
      const user = localpartOf(saved.user_id);
      const session = await login(api, user, saved.generated_password, saved.device_id);
      await saveSession(path, {
        ...sessionRecord(api, session),
        generated_password: saved.generated_password,
      });
      return session;
    }
    throw new InitError(
      saved
        ? `the session saved in ${path} is no longer valid; give the bot's credentials (--token, --username and --password, --registration-token or --shared-secret)`
        : "give the bot's credentials: --token, --username and --password, --registration-token or --shared-secret (see anteroom init --help)",
    );
  }
  const username = credentials.username;
  const knownPassword = credentials.password ?? (usable ? saved.generated_password : undefined);
  const deviceId = usable ? saved.device_id : undefined;

  let session: BotSession;
  let generatedPassword: string | undefined;
  if (credentials.kind === "password" || (usable && knownPassword !== undefined)) {
    session = await login(api, username, knownPassword ?? "", deviceId);
    generatedPassword = credentials.password === undefined ? knownPassword : undefined;
  } else {
    const password = credentials.password ?? randomBytes(24).toString("base64url");
    generatedPassword = credentials.password === undefined ? password : undefined;
    const registered =
      credentials.kind === "registration-token"
        ? await registerWithToken(api, username, password, credentials.registrationToken)
        : await registerWithSharedSecret(api, username, password, credentials.sharedSecret);
    if (registered) {
      session = registered;
    } else if (credentials.password !== undefined) {
      session = await login(api, username, credentials.password, deviceId);
    } else {
      throw new InitError(
        `the bot account ${username} already exists on ${api.baseUrl}; give its --password (or an access token with --token) to use it, or pick another --username`,
      );
    }
  }
  await saveSession(path, {
    ...sessionRecord(api, session),
    ...(generatedPassword === undefined ? {} : { generated_password: generatedPassword }),
  });
  return session;
}

function sessionRecord(api: HomeserverApi, session: BotSession): SavedSession {
  return {
    homeserver: api.baseUrl,
    user_id: session.userId,
    device_id: session.deviceId,
    access_token: session.accessToken,
  };
}

class TokenRefused extends InitError {}

async function whoami(
  api: HomeserverApi,
  what: string,
): Promise<{ userId: string; deviceId: string }> {
  let answer: Json;
  try {
    answer = await api.call("GET", "/_matrix/client/v3/account/whoami");
  } catch (error) {
    if (isRefusal(error, "M_UNKNOWN_TOKEN", "M_MISSING_TOKEN")) {
      throw new TokenRefused(
        `the homeserver refused ${what} (${error.errcode}); give a valid token, or log the bot in with --username and --password`,
      );
    }
    throw error;
  }
  if (typeof answer.user_id !== "string") {
    throw new InitError(
      `the homeserver's whoami answer has no user_id; is ${api.baseUrl} a Matrix homeserver?`,
    );
  }
  return {
    userId: answer.user_id,
    deviceId: typeof answer.device_id === "string" ? answer.device_id : "",
  };
}

async function login(
  api: HomeserverApi,
  username: string,
  password: string,
  deviceId: string | undefined,
): Promise<BotSession> {
  let answer: Json;
  try {
    answer = await api.call(
      "POST",
      "/_matrix/client/v3/login",
      {
        type: "m.login.password",
        identifier: { type: "m.id.user", user: username },
        password,
        initial_device_display_name: DEVICE_NAME,
        ...(deviceId ? { device_id: deviceId } : {}),
      },
      { anonymous: true },
    );
  } catch (error) {
    if (isRefusal(error, "M_FORBIDDEN", "M_INVALID_PARAM", "M_USER_DEACTIVATED")) {
      throw new InitError(
        `the homeserver refused the bot's login as ${username} (${error.errcode}); check --username and --password`,
      );
    }
    throw error;
  }
  return sessionFrom(answer, "logged in with its password");
}

/** The new session, or undefined when the username is taken. */
async function registerWithToken(
  api: HomeserverApi,
  username: string,
  password: string,
  registrationToken: string,
): Promise<BotSession | undefined> {
  const outcome = await registerAccount(api.http, {
    username,
    password,
    registrationToken,
    deviceName: DEVICE_NAME,
  });
  if (outcome.ok) {
    return {
      ...outcome.account,
      how: "registered with the registration token",
    };
  }
  const { failure } = outcome;
  if (failure.errcode === "M_USER_IN_USE") return undefined;
  const what =
    failure.kind === "token_rejected"
      ? "the homeserver refused the registration token; check --registration-token"
      : failure.kind === "unavailable"
        ? `the homeserver at ${api.baseUrl} does not answer; check --hs and that the server is up`
        : failure.kind === "unsupported"
          ? "the homeserver offers no registration with a token; give the bot's --token or --username and --password instead"
          : `registering the bot as ${username} failed`;
  throw new InitError(`${what} (${failure.message})`);
}

/**
 * Synapse's admin registration (HMAC-SHA1 of nonce, user, password and the admin flag). The
 * bot is made a server admin: issuing registration tokens for signup goes through the admin API.
 */
async function registerWithSharedSecret(
  api: HomeserverApi,
  username: string,
  password: string,
  sharedSecret: string,
): Promise<BotSession | undefined> {
  const endpoint = "/_synapse/admin/v1/register";
  try {
    const { nonce } = await api.call("GET", endpoint, undefined, { anonymous: true });
    if (typeof nonce !== "string") throw new InitError("the homeserver gave no registration nonce");
    const mac = createHmac("sha1", sharedSecret)
      .update(`${nonce}\0${username}\0${password}\0admin`)
      .digest("hex");
    const answer = await api.call(
      "POST",
      endpoint,
      { nonce, username, password, admin: true, mac },
      { anonymous: true },
    );
    return sessionFrom(answer, "registered with the shared secret");
  } catch (error) {
    if (isRefusal(error, "M_USER_IN_USE")) return undefined;
    if (
      isRefusal(error) &&
      (error.status === 404 || (error.status === 400 && error.errcode === "M_UNRECOGNIZED"))
    ) {
      throw new InitError(
        `the homeserver has no shared-secret registration (${error.message}); it is Synapse's admin API: use --registration-token or --token elsewhere`,
      );
    }
    if (
      isRefusal(error, "M_FORBIDDEN", "M_UNAUTHORIZED") ||
      (isRefusal(error) && error.status === 403)
    ) {
      throw new InitError(
        `the homeserver refused the shared secret (${error.message}); check --shared-secret against registration_shared_secret in homeserver.yaml`,
      );
    }
    throw error;
  }
}

function sessionFrom(answer: Json, how: string): BotSession {
  const { user_id: userId, access_token: accessToken, device_id: deviceId } = answer;
  if (typeof userId !== "string" || typeof accessToken !== "string") {
    throw new InitError("the homeserver's answer has no user_id or access_token");
  }
  return { userId, accessToken, deviceId: typeof deviceId === "string" ? deviceId : "", how };
}

async function readSaved(path: string, homeserver: string): Promise<SavedSession | undefined> {
  const text = await readFileIfExists(path);
  if (text === undefined) return undefined;
  let parsed;
  try {
    parsed = savedSession.safeParse(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success) {
    throw new InitError(`${path} is not a saved bot session; move it away and run init again`);
  }
  // A session of another homeserver is not this bot's: a new one will replace it.
  return parsed.data.homeserver === homeserver ? parsed.data : undefined;
}

async function saveSession(path: string, session: SavedSession): Promise<void> {
  const dir = join(path, "..");
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(path, `${JSON.stringify(session, null, 2)}\n`, { mode: 0o600 });
  } catch (error) {
    throw new InitError(
      `cannot save the bot's session in ${path} (${(error as Error).message}); set --data-dir (or DATA_DIR) to a writable directory`,
    );
  }
}

function localpartOf(userId: string): string {
  const colon = userId.indexOf(":");
  return userId.slice(1, colon === -1 ? undefined : colon);
}
