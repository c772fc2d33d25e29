/**
 * The `TokenIssuer` port: homeserver registration tokens, whichever server
 * anteroom runs against.
 *
 * - Synapse and tuwunel: the admin API `/_synapse/admin/v1/registration_tokens`
 *   (`POST …/new`, `GET`, `DELETE …/<token>`; fields `uses_allowed`, `pending`,
 *   `completed`, `expiry_time` in ms), as Synapse's admin API documentation
 *   ("Registration Tokens") describes it. It needs a server admin's access token.
 * - continuwuity: its admin room (continuwuity-tokens.ts).
 *
 * The flavour is detected on first use (or configured), and remembered once known.
 */
import { Method, type IRequestOpts, type MatrixClient } from "matrix-js-sdk";
import { createSdkClient } from "./sdk-client.js";
import { HomeserverError, type RegistrationToken, type TokenIssuer } from "../../core/ports.js";
import { toHomeserverError } from "./errors.js";
import { ContinuwuityTokenIssuer, MatrixAdminRoom } from "./continuwuity-tokens.js";
import {
  detectHomeserverFlavour,
  sdkProbe,
  type FlavourKind,
  type HomeserverFlavour,
} from "./homeserver-flavour.js";

const SYNAPSE_ADMIN = "/_synapse/admin/v1";
/** Synapse's own rule for a token value (its generated tokens use the same characters, "." and "~" included). */
export const SYNAPSE_TOKEN_PATTERN = /^[A-Za-z0-9._~-]{1,64}$/;

export interface TokenIssuerOptions {
  /** A client holding a server admin's access token (the bot's, or HS_ADMIN_TOKEN's). */
  readonly client: MatrixClient;
  /** Who holds that token, for error messages: "the bot" by default. */
  readonly adminLabel?: string;
  /** Skips detection (HS_FLAVOUR). */
  readonly flavour?: Exclude<FlavourKind, "other">;
}

/** Picks the right issuer for the homeserver on first use; a failed detection is tried again next time. */
export class HomeserverTokenIssuer implements TokenIssuer {
  private chosen: TokenIssuer | undefined;
  private readonly adminLabel: string;

  constructor(private readonly opts: TokenIssuerOptions) {
    this.adminLabel = opts.adminLabel ?? "the bot";
  }

  async issue(req: {
    uses?: number;
    expiresAt?: number;
    token?: string;
  }): Promise<RegistrationToken> {
    return (await this.issuer()).issue(req);
  }

  async list(): Promise<RegistrationToken[]> {
    return (await this.issuer()).list();
  }

  async revoke(token: string): Promise<boolean> {
    return (await this.issuer()).revoke(token);
  }

  private async issuer(): Promise<TokenIssuer> {
    if (this.chosen) return this.chosen;
    const flavour: HomeserverFlavour = this.opts.flavour
      ? { kind: this.opts.flavour, name: this.opts.flavour }
      : await detectHomeserverFlavour(sdkProbe(this.opts.client));
    this.chosen = issuerFor(flavour, this.opts.client, this.adminLabel);
    return this.chosen;
  }
}

function issuerFor(flavour: HomeserverFlavour, client: MatrixClient, adminLabel: string) {
  switch (flavour.kind) {
    case "synapse":
    case "tuwunel":
      return new SynapseTokenIssuer(client, adminLabel);
    case "continuwuity":
      return new ContinuwuityTokenIssuer(new MatrixAdminRoom(client, { adminLabel }));
    case "other":
      return new UnsupportedTokenIssuer(flavour);
  }
}

/** Every call fails with the same clear reason. */
class UnsupportedTokenIssuer implements TokenIssuer {
  private readonly error: HomeserverError;

  constructor(flavour: HomeserverFlavour) {
    const what = flavour.version ? `${flavour.name} ${flavour.version}` : flavour.name;
    this.error = new HomeserverError(
      `registration tokens are managed on Synapse, tuwunel and continuwuity only; this homeserver is ${what} (set HS_FLAVOUR if it is one of those behind a proxy that hides it)`,
      false,
      undefined,
      "M_UNRECOGNIZED",
    );
  }

  issue(): Promise<RegistrationToken> {
    return Promise.reject(this.error);
  }
  list(): Promise<RegistrationToken[]> {
    return Promise.reject(this.error);
  }
  revoke(): Promise<boolean> {
    return Promise.reject(this.error);
  }
}

/** Synapse's registration-token admin API (tuwunel serves the same routes). */
export class SynapseTokenIssuer implements TokenIssuer {
  constructor(
    private readonly client: MatrixClient,
    private readonly adminLabel = "the bot",
  ) {}

  async issue(req: {
    uses?: number;
    expiresAt?: number;
    token?: string;
  }): Promise<RegistrationToken> {
    if (req.token !== undefined && !SYNAPSE_TOKEN_PATTERN.test(req.token)) {
      throw new HomeserverError(
        "a chosen token must be 1–64 characters of A–Z, a–z, 0–9, ., _, ~ and -",
        false,
        undefined,
        "M_INVALID_PARAM",
      );
    }
    const body: Record<string, unknown> = {};
    if (req.uses !== undefined) body.uses_allowed = req.uses;
    if (req.expiresAt !== undefined) body.expiry_time = Math.floor(req.expiresAt);
    if (req.token !== undefined) body.token = req.token;
    const json = await this.call(Method.Post, "/registration_tokens/new", body);
    return parseSynapseToken(json);
  }

  async list(): Promise<RegistrationToken[]> {
    const json = await this.call(Method.Get, "/registration_tokens");
    const tokens = (json as { registration_tokens?: unknown } | null)?.registration_tokens;
    if (!Array.isArray(tokens)) {
      throw new HomeserverError(
        "the homeserver's token list has no registration_tokens array",
        false,
      );
    }
    return tokens.map(parseSynapseToken);
  }

  async revoke(token: string): Promise<boolean> {
    try {
      await this.call(Method.Delete, `/registration_tokens/${encodeURIComponent(token)}`);
      return true;
    } catch (error) {
      if ((error as HomeserverError).errcode === "M_NOT_FOUND") return false;
      throw error;
    }
  }

  private async call(method: Method, path: string, body?: object): Promise<unknown> {
    try {
      // The cast: the SDK's typings demand fetch's `priority`, which Node ignores.
      return await this.client.http.authedRequest<unknown>(method, path, undefined, body, {
        prefix: SYNAPSE_ADMIN,
        localTimeoutMs: 30_000,
      } as IRequestOpts);
    } catch (error) {
      throw explainAdminFailure(toHomeserverError(error), this.adminLabel);
    }
  }
}

/** Names the two failures an operator can fix: a token without admin rights, and a rejected token. */
export function explainAdminFailure(failure: HomeserverError, adminLabel: string): HomeserverError {
  const reword = (message: string) =>
    new HomeserverError(message, failure.transient, failure.retryAfterMs, failure.errcode);
  if (failure.errcode === "M_FORBIDDEN") {
    return reword(
      `${adminLabel} is not a server admin: ${failure.message} (make it one, or set HS_ADMIN_TOKEN to a server admin's access token)`,
    );
  }
  if (failure.errcode === "M_UNKNOWN_TOKEN" || failure.errcode === "M_MISSING_TOKEN") {
    return reword(`the homeserver refused ${adminLabel}'s access token: ${failure.message}`);
  }
  return failure;
}

/** One token object from Synapse's admin API, checked field by field. */
export function parseSynapseToken(raw: unknown): RegistrationToken {
  const bad = (why: string) =>
    new HomeserverError(`the homeserver sent a malformed registration token: ${why}`, false);
  if (typeof raw !== "object" || raw === null) throw bad("not an object");
  const t = raw as Record<string, unknown>;
  if (typeof t.token !== "string" || !/^[\x21-\x7e]{1,256}$/.test(t.token)) {
    throw bad("token is not a printable string");
  }
  const count = (field: string): number => {
    const value = t[field] ?? 0;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
      throw bad(`${field} is not a count`);
    }
    return value;
  };
  const optional = (field: string): number | null => {
    const value = t[field];
    if (value === null || value === undefined) return null;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw bad(`${field} is not a number`);
    }
    return value;
  };
  return {
    token: t.token,
    usesAllowed: optional("uses_allowed"),
    pending: count("pending"),
    completed: count("completed"),
    expiresAt: optional("expiry_time"),
  };
}

/** The issuer for a daemon: its own small client (no sync) with the admin's token. */
export function openTokenIssuer(opts: {
  baseUrl: string;
  accessToken: string;
  adminLabel: string;
  flavour?: Exclude<FlavourKind, "other">;
}): TokenIssuer {
  const client = createSdkClient({ baseUrl: opts.baseUrl, accessToken: opts.accessToken });
  return new HomeserverTokenIssuer({
    client,
    adminLabel: opts.adminLabel,
    ...(opts.flavour === undefined ? {} : { flavour: opts.flavour }),
  });
}
