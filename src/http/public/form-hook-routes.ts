/**
 * `POST /hooks/form`: a form service (Tally, Typeform, a plain HTML form)
 * posts a Matrix ID; anteroom invites the person or queues the request for
 * moderators (FORM_MODE). Only registered when the form hook is configured
 * (config.ts); otherwise the path is a 404 like any unknown one. In order: a
 * per-address limit (429 with Retry-After, before the body is read), the body
 * limit (413), the signature when FORM_SECRET is set (401 `bad_signature`,
 * over the raw body), the body (400 `bad_json`), the honeypot (200
 * `accepted`, nothing done: bots are not told), the Matrix ID (400
 * `missing_mxid` / `bad_mxid`), a submission already handled (200
 * `duplicate`, nothing done: a retry or a replayed signed post), then the
 * engine: 200 `{status: "invited" | "queued" | "pending"}`. A blocked person
 * gets the same answer as anyone else. No error answer carries a stack.
 */
import { createHash } from "node:crypto";
import type { FastifyPluginAsync, FastifyReply } from "fastify";
import {
  readFormRequest,
  submissionIdOf,
  type FormFieldSettings,
} from "../../../core/vetting/form-request.js";
import type { FormAnswer, FormMode, FormRequest } from "../../../core/engine/form-desk.js";
import {
  problemBody,
  sendJson,
  toProblem,
  type Problem,
  type ProblemWords,
} from "../shared/answers.js";
import { formSignatureValid } from "./form-hook-signature.js";
import { perAddressLimit } from "./address-limit.js";

/** What the route needs of the engine. */
export interface FormIntake {
  submitRequest(request: FormRequest): Promise<FormAnswer>;
  formHoneypot(details: Record<string, string>): Promise<void>;
}

/** The submissions already acted on (src/store/form-submissions.ts). */
export interface SubmissionLedger {
  claim(id: string): boolean;
  release(id: string): void;
  flush(): Promise<void>;
}

export interface FormHookOptions {
  readonly engine: FormIntake;
  readonly submissions: SubmissionLedger;
  readonly mode: FormMode;
  readonly fields: FormFieldSettings;
  /** FORM_SECRET: when set, unsigned or wrongly signed posts are refused. A secret: never log it. */
  readonly secret?: string;
  readonly perIpPerMinute: number;
}

/** Typeform sends the whole form definition along; 64 KiB leaves room for long forms. */
export const FORM_BODY_LIMIT = 64 * 1024;

const FORM_PROBLEMS: ProblemWords = {
  bodyLimit: FORM_BODY_LIMIT,
  failed: "form webhook failed",
  internal: "Something went wrong on our side; the form service may retry later.",
};

export const formHookRoutes: FastifyPluginAsync<FormHookOptions> = async (app, opts) => {
  const guard = await perAddressLimit(
    app,
    opts.perIpPerMinute,
    (after) => `Too many form posts from this address; try again in ${after}.`,
  );
  // The signature covers the bytes as sent, so the body is kept raw and parsed here.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));
  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error, request, FORM_PROBLEMS);
    return sendJson(reply, problem.status, { error: problem.error, message: problem.message });
  });

  app.post(
    "/hooks/form",
    {
      onRequest: guard,
      bodyLimit: FORM_BODY_LIMIT,
    },
    async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      if (opts.secret !== undefined && !formSignatureValid(opts.secret, raw, request.headers)) {
        return problem(reply, {
          status: 401,
          error: "bad_signature",
          message: "The request is not signed with this webhook's secret; check FORM_SECRET.",
        });
      }
      const payload = parseBody(raw, request.headers["content-type"]);
      if (payload === undefined) {
        return problem(reply, {
          status: 400,
          error: "bad_json",
          message: "The body must be a JSON object (or a form-encoded one).",
        });
      }
      const reading = readFormRequest(payload, opts.fields);
      if (!reading.ok) return problem(reply, { status: 400, ...reading });
      if (reading.honeypot) {
        await opts.engine.formHoneypot({ service: reading.service });
        return sendJson(reply, 200, { status: "accepted" });
      }
      // A plain form has no submission id: the same body twice is the same submission.
      const submission =
        submissionIdOf(payload) ?? `body:${createHash("sha256").update(raw).digest("hex")}`;
      if (!opts.submissions.claim(submission)) {
        request.log.info({ user: reading.user }, "form submission already handled; ignored");
        return sendJson(reply, 200, { status: "duplicate" });
      }
      let status;
      try {
        status = await opts.engine.submitRequest({
          user: reading.user,
          note: `form (${reading.service})`,
          mode: opts.mode,
        });
      } catch (error) {
        opts.submissions.release(submission);
        throw error;
      }
      await opts.submissions.flush();
      request.log.info({ user: reading.user, status }, "form request");
      return sendJson(reply, 200, { status });
    },
  );
};

/** JSON, or a form-encoded body from a plain HTML form; undefined when neither is an object. */
function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  const text = raw.toString("utf8");
  if (contentType?.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function problem(reply: FastifyReply, p: Problem): FastifyReply {
  return sendJson(reply, p.status, problemBody(p));
}
