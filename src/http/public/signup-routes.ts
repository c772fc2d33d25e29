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
import type { FastifyPluginAsync, FastifyReply } from "fastify";
import { disabledError, type SignupAnswer, type SignupService } from "../../signup/service.js";
import { parseSignupJson, validateSignup } from "../../signup/validate.js";
import {
  PAGE_HEADERS,
  renderSignupDone,
  renderSignupForm,
  renderSignupUnavailable,
  type FormValues,
} from "./signup-page.js";
import { perAddressLimit, type Guard } from "./address-limit.js";
import {
  firstText,
  FORM_EXPECTED,
  problemBody,
  sendJson,
  sendPage,
  toProblem,
  type ProblemWords,
} from "../shared/answers.js";

export interface SignupRoutesOptions {
  readonly service: SignupService;
  /** Signup attempts per minute and client address, over both POST routes (default 10). */
  readonly ratePerMinute?: number;
}

/** Small: a signup is four short fields. */
export const SIGNUP_BODY_LIMIT = 16 * 1024;

const SIGNUP_PROBLEMS: ProblemWords = {
  bodyLimit: SIGNUP_BODY_LIMIT,
  failed: "signup route failed",
  unsupportedMedia: FORM_EXPECTED,
  internal: "Something went wrong on our side; nothing was spent. Try again later.",
  // Keeps Fastify's status: the form shows it, and the API turns a 400 into `bad_json`.
  unreadable: (status) => ({
    status,
    error: "bad_request",
    message: "The request could not be read.",
  }),
};

export const signupRoutes: FastifyPluginAsync<SignupRoutesOptions> = async (app, opts) => {
  // One limiter, one store: the API and the form draw on the same allowance.
  const guard = await perAddressLimit(
    app,
    opts.ratePerMinute ?? 10,
    (after) =>
      `Too many signup attempts from your address; try again in ${after}. Nothing was spent.`,
  );
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
    const problem = toProblem(error, request, SIGNUP_PROBLEMS);
    if (problem.status === 400 && problem.error === "bad_request") {
      // A body Fastify could not even read as text.
      problem.error = "bad_json";
    }
    return sendJson(reply, problem.status, { error: problem.error, message: problem.message });
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
    const problem = toProblem(error, request, SIGNUP_PROBLEMS);
    if (problem.status === 429) {
      return page(
        reply,
        429,
        renderSignupForm({
          homeserver: service.homeserver,
          problem: { error: problem.error, message: problem.message },
        }),
      );
    }
    return page(
      reply,
      problem.status,
      renderSignupForm({
        homeserver: service.homeserver,
        problem: {
          error: problem.error,
          message:
            problem.status >= 500
              ? problem.message
              : `The form could not be read (${problem.message}). Please fill it in again.`,
        },
      }),
    );
  });

  app.get("/signup", async (request, reply) => {
    if (!service.enabled) return page(reply, 503, renderSignupUnavailable(disabledError().message));
    const code = firstText((request.query as Record<string, unknown> | undefined)?.code, 200);
    return page(reply, 200, renderSignupForm({ homeserver: service.homeserver, values: { code } }));
  });

  app.post(
    "/signup",
    { onRequest: guard, bodyLimit: SIGNUP_BODY_LIMIT },
    async (request, reply) => {
      if (!service.enabled)
        return page(reply, 503, renderSignupUnavailable(disabledError().message));
      const fields = formFields(request.body);
      const values: FormValues = {
        code: fields.code,
        username: fields.username,
        displayName: fields.display_name,
      };
      const again = (status: number, problem: { error: string; message: string }) =>
        page(reply, status, renderSignupForm({ homeserver: service.homeserver, values, problem }));
      const checked = validateSignup(fields);
      if (!checked.ok) return again(checked.problem.status, problemBody(checked.problem));
      const answer = await service.signup(checked.value, { via: "form", logout: true });
      setRetryAfter(reply, answer);
      if (!answer.ok) return again(answer.status, answer.body);
      return page(reply, 200, renderSignupDone(answer.body, checked.value.username));
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

function setRetryAfter(reply: FastifyReply, answer: SignupAnswer): void {
  if (!answer.ok && answer.retryAfterSec !== undefined) {
    reply.header("retry-after", String(answer.retryAfterSec));
  }
}

/** A signup page, with the headers its script's hash allows. */
function page(reply: FastifyReply, status: number, html: string): FastifyReply {
  return sendPage(reply, status, html, PAGE_HEADERS);
}
