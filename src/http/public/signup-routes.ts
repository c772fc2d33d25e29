/**
 * The signup routes of the sidecar:
 *
 * - `GET /signup?code=…`: the form, code prefilled. Spends nothing.
 * - `POST /signup` (form-encoded): signs up and answers with a page.
 * - `POST /signup/api` (JSON `{code, username, password, display_name?}`):
 *   signs up and answers `200 {user_id, access_token, device_id, homeserver,
 *   space_id, steps}` or `{error, message}` with the reference codes.
 *
 * Both POSTs share one per-IP limit (SIGNUP_RATE_PER_MIN a minute), checked
 * before the body is read, so a limited request spends nothing; the client
 * address honours X-Forwarded-For only from TRUSTED_PROXIES (Fastify's
 * trustProxy, set where the server is built). No error answer carries a
 * stack, and bodies are never logged. Each code also has a limit on the uses
 * it spends a minute (SIGNUP_CODE_RATE_PER_MIN), checked by the service where
 * the use is charged: 429 `rate_limited` with Retry-After, nothing spent.
 */
import formbody from "@fastify/formbody";
import rateLimit from "@fastify/rate-limit";
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { disabledError, type SignupAnswer, type SignupService } from "../../signup/service.js";
import { parseSignupJson, validateSignup } from "../../signup/validate.js";
import {
  PAGE_HEADERS,
  renderSignupDone,
  renderSignupForm,
  renderSignupUnavailable,
  type FormValues,
} from "./signup-page.js";

export interface SignupRoutesOptions {
  readonly service: SignupService;
  /** Signup attempts per minute and client address, over both POST routes (default 10). */
  readonly ratePerMinute?: number;
}

/** Small: a signup is four short fields. */
export const SIGNUP_BODY_LIMIT = 16 * 1024;

/** A refusal in the reference shape, thrown from hooks and parsers. */
export class HttpProblem extends Error {
  constructor(
    readonly statusCode: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
    this.name = "HttpProblem";
  }
}

type Guard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export const signupRoutes: FastifyPluginAsync<SignupRoutesOptions> = async (app, opts) => {
  await app.register(rateLimit, { global: false });
  const limit = app.rateLimit({
    max: opts.ratePerMinute ?? 10,
    timeWindow: 60_000,
    errorResponseBuilder: (_request, context) =>
      new HttpProblem(
        429,
        "rate_limited",
        `Too many signup attempts from your address; try again in ${context.after}. Nothing was spent.`,
      ),
  });
  // One limiter, one store: the API and the form draw on the same allowance.
  const guard: Guard = async (request, reply) => {
    await limit.call(app, request, reply);
  };
  await app.register(apiRoute, { service: opts.service, guard });
  await app.register(pageRoutes, { service: opts.service, guard });
};

const apiRoute: FastifyPluginAsync<{ service: SignupService; guard: Guard }> = async (
  app,
  { service, guard },
) => {
  // Every body is read as text and parsed here, so anything unparseable is `bad_json`, whatever its content type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => done(null, body));
  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error, request);
    if (problem.statusCode === 400 && problem.error === "bad_request") {
      // A body Fastify could not even read as text.
      problem.error = "bad_json";
    }
    return sendJson(reply, problem.statusCode, { error: problem.error, message: problem.message });
  });

  app.post(
    "/signup/api",
    { onRequest: guard, bodyLimit: SIGNUP_BODY_LIMIT },
    async (request, reply) => {
      const parsed = parseSignupJson(typeof request.body === "string" ? request.body : undefined);
      if (!parsed.ok) return sendJson(reply, parsed.problem.status, problemBody(parsed.problem));
      if (!service.enabled) return sendJson(reply, 503, problemBody(disabledError()));
      const checked = validateSignup(parsed.value);
      if (!checked.ok) return sendJson(reply, checked.problem.status, problemBody(checked.problem));
      const answer = await service.signup(checked.value, { via: "api" });
      setRetryAfter(reply, answer);
      return sendJson(reply, answer.status, answer.body);
    },
  );
};

const pageRoutes: FastifyPluginAsync<{ service: SignupService; guard: Guard }> = async (
  app,
  { service, guard },
) => {
  await app.register(formbody);
  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error, request);
    if (problem.statusCode === 429) {
      return sendPage(
        reply,
        429,
        renderSignupForm({
          homeserver: service.homeserver,
          problem: { error: problem.error, message: problem.message },
        }),
      );
    }
    return sendPage(
      reply,
      problem.statusCode,
      renderSignupForm({
        homeserver: service.homeserver,
        problem: {
          error: problem.error,
          message:
            problem.statusCode >= 500
              ? problem.message
              : `The form could not be read (${problem.message}). Please fill it in again.`,
        },
      }),
    );
  });

  app.get("/signup", async (request, reply) => {
    if (!service.enabled)
      return sendPage(reply, 503, renderSignupUnavailable(disabledError().message));
    const code = firstText((request.query as Record<string, unknown> | undefined)?.code);
    return sendPage(
      reply,
      200,
      renderSignupForm({ homeserver: service.homeserver, values: { code } }),
    );
  });

  app.post(
    "/signup",
    { onRequest: guard, bodyLimit: SIGNUP_BODY_LIMIT },
    async (request, reply) => {
      if (!service.enabled)
        return sendPage(reply, 503, renderSignupUnavailable(disabledError().message));
      const fields = formFields(request.body);
      const values: FormValues = {
        code: fields.code,
        username: fields.username,
        displayName: fields.display_name,
      };
      const again = (status: number, problem: { error: string; message: string }) =>
        sendPage(
          reply,
          status,
          renderSignupForm({ homeserver: service.homeserver, values, problem }),
        );
      const checked = validateSignup(fields);
      if (!checked.ok) return again(checked.problem.status, problemBody(checked.problem));
      const answer = await service.signup(checked.value, { via: "form", logout: true });
      setRetryAfter(reply, answer);
      if (!answer.ok) return again(answer.status, answer.body);
      return sendPage(reply, 200, renderSignupDone(answer.body, checked.value.username));
    },
  );
};

/** Only single text values count; a repeated or missing field is simply absent. */
function formFields(body: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (typeof body !== "object" || body === null) return out;
  for (const name of ["code", "username", "password", "display_name"]) {
    const value = (body as Record<string, unknown>)[name];
    if (typeof value === "string") out[name] = value;
  }
  return out;
}

function firstText(value: unknown): string | undefined {
  if (typeof value === "string") return value.slice(0, 200);
  if (Array.isArray(value) && typeof value[0] === "string") return value[0].slice(0, 200);
  return undefined;
}

interface Problem {
  statusCode: number;
  error: string;
  message: string;
}

/** Any error in a signup route, as a reference-shaped refusal; a 5xx is logged, never shown. */
function toProblem(error: unknown, request: FastifyRequest): Problem {
  if (error instanceof HttpProblem) {
    return { statusCode: error.statusCode, error: error.error, message: error.message };
  }
  const status = (error as FastifyError).statusCode;
  if (status === 413) {
    return {
      statusCode: 413,
      error: "body_too_large",
      message: `The request body is larger than ${SIGNUP_BODY_LIMIT} bytes.`,
    };
  }
  if (status === 415) {
    return {
      statusCode: 415,
      error: "unsupported_media_type",
      message: "Send the form as application/x-www-form-urlencoded.",
    };
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return { statusCode: status, error: "bad_request", message: "The request could not be read." };
  }
  request.log.error({ err: error, route: request.routeOptions.url }, "signup route failed");
  return {
    statusCode: 500,
    error: "internal",
    message: "Something went wrong on our side; nothing was spent. Try again later.",
  };
}

function problemBody(problem: { error: string; message: string }): {
  error: string;
  message: string;
} {
  return { error: problem.error, message: problem.message };
}

function setRetryAfter(reply: FastifyReply, answer: SignupAnswer): void {
  if (!answer.ok && answer.retryAfterSec !== undefined) {
    reply.header("retry-after", String(answer.retryAfterSec));
  }
}

function sendJson(reply: FastifyReply, status: number, body: object): FastifyReply {
  // The answer may carry the new user's access token: no cache may keep it.
  return reply.code(status).header("cache-control", "no-store").send(body);
}

function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).headers(PAGE_HEADERS).send(html);
}
