/**
 * Homeserver registration tokens in the admin API: `GET /tokens`,
 * `POST /tokens`, `DELETE /tokens/:token` under `/admin/v1`. The same
 * conventions as routes.ts: bodies validated here (400), errors as
 * `{error, message}`. What the homeserver refuses is 502 `homeserver_refused`
 * with its reason; a homeserver that cannot be reached is 503
 * `homeserver_unavailable`. Token values are secrets: never logged.
 */
import type { FastifyInstance } from "fastify";
import * as z from "zod";
import { HomeserverError, type RegistrationToken } from "../../../core/ports.js";
import type { AuditedTokens } from "../../moderation/audited-tokens.js";
import { SYNAPSE_TOKEN_PATTERN } from "../../matrix/registration-tokens.js";
import { ACTOR_HEADER, ADMIN_PREFIX, ApiError, parseActor, parseOr400 } from "./common.js";

/**
 * A token value, chosen or to revoke: Synapse's rule (its own tokens hold "."
 * and "~" too); continuwuity picks its own values.
 */
const tokenValue = z
  .string()
  .regex(SYNAPSE_TOKEN_PATTERN, "1–64 characters of A–Z, a–z, 0–9, ., _, ~ and -");

const issueSchema = z.strictObject({
  uses: z.number().int().min(1).max(1_000_000).optional(),
  /** Unix seconds, as everywhere in the admin API. */
  expires_at: z.number().positive().optional(),
  token: tokenValue.optional(),
});

/** A token as the admin API shows it: snake_case, times in unix seconds. */
export function tokenJson(token: RegistrationToken) {
  return {
    token: token.token,
    uses_allowed: token.usesAllowed,
    pending: token.pending,
    completed: token.completed,
    expires_at: token.expiresAt === null ? null : token.expiresAt / 1000,
  };
}

/** Registers the routes; without an issuer they answer 503 `tokens_unavailable`. */
export function registerTokenRoutes(app: FastifyInstance, issuer: AuditedTokens | undefined): void {
  const need = (): AuditedTokens => {
    if (issuer) return issuer;
    throw new ApiError(
      503,
      "tokens_unavailable",
      "registration tokens are not set up in this process",
    );
  };

  app.get(`${ADMIN_PREFIX}/tokens`, async () => {
    const tokens = await homeserver(() => need().list());
    return { tokens: tokens.map(tokenJson) };
  });

  app.post(`${ADMIN_PREFIX}/tokens`, async (request, reply) => {
    const by = parseActor(request.headers[ACTOR_HEADER]);
    const body = parseOr400(issueSchema, request.body ?? {}, "body");
    if (body.expires_at !== undefined && body.expires_at <= Date.now() / 1000) {
      throw new ApiError(400, "bad_request", "expires_at: is in the past (unix seconds)");
    }
    const token = await homeserver(() =>
      need().issue(
        {
          ...(body.uses === undefined ? {} : { uses: body.uses }),
          ...(body.expires_at === undefined ? {} : { expiresAt: body.expires_at * 1000 }),
          ...(body.token === undefined ? {} : { token: body.token }),
        },
        { by, via: "admin-api" },
      ),
    );
    return reply.code(201).send({ token: tokenJson(token) });
  });

  app.delete<{ Params: { token: string } }>(`${ADMIN_PREFIX}/tokens/:token`, async (request) => {
    const by = parseActor(request.headers[ACTOR_HEADER]);
    const token = parseOr400(tokenValue, request.params.token, "token");
    const revoked = await homeserver(() => need().revoke(token, { by, via: "admin-api" }));
    if (!revoked) throw new ApiError(404, "not_found", "no such registration token");
    return { ok: true };
  });
}

/** Runs a homeserver call, turning its failure into the API's answer. */
async function homeserver<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof HomeserverError)) throw error;
    if (error.transient) {
      throw new ApiError(
        503,
        "homeserver_unavailable",
        `the homeserver did not answer; try again: ${error.message}`,
      );
    }
    throw new ApiError(502, "homeserver_refused", error.message);
  }
}
