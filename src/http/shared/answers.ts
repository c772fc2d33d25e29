/**
 * How the public routes (join, signup, the form hook) answer: a refusal in the reference shape
 * `{error, message}`, JSON that no cache keeps, and pages with their own security headers. One
 * copy for every route, so a refusal reads the same wherever it comes from.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";

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

/** A refusal to answer with; `requestKey` lets the client repeat a request still under way. */
export interface Problem {
  status: number;
  error: string;
  message: string;
  requestKey?: string;
}

/** What a route's refusals say beyond the common ones. */
export interface ProblemWords {
  /** The route's body limit, named in a 413. */
  readonly bodyLimit: number;
  /** The log line for a failure of our own, e.g. "join route failed". */
  readonly failed: string;
  /** What a 500 tells the client, e.g. whether anything was spent. */
  readonly internal: string;
  /** A 415's message, for routes that take a form; without it a 415 counts as unreadable. */
  readonly unsupportedMedia?: string;
  /** A body or request Fastify could not read: 400 `bad_json` unless the route says otherwise. */
  readonly unreadable?: (status: number) => Problem;
}

const unreadableAsBadJson = (): Problem => ({
  status: 400,
  error: "bad_json",
  message: "The request could not be read.",
});

/** The 415 of the routes that take a form. */
export const FORM_EXPECTED = "Send the form as application/x-www-form-urlencoded.";

/** Any error in a public route, as a reference-shaped refusal; a 5xx is logged, never shown. */
export function toProblem(error: unknown, request: FastifyRequest, words: ProblemWords): Problem {
  if (error instanceof HttpProblem) {
    return { status: error.statusCode, error: error.error, message: error.message };
  }
  const status = (error as FastifyError).statusCode;
  if (status === 413) {
    return {
      status: 413,
      error: "body_too_large",
      message: `The request body is larger than ${words.bodyLimit} bytes.`,
    };
  }
  if (status === 415 && words.unsupportedMedia !== undefined) {
    return { status: 415, error: "unsupported_media_type", message: words.unsupportedMedia };
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return (words.unreadable ?? unreadableAsBadJson)(status);
  }
  request.log.error({ err: error, route: request.routeOptions.url }, words.failed);
  return { status: 500, error: "internal", message: words.internal };
}

/** The JSON body of a refusal. */
export function problemBody(problem: Problem): {
  error: string;
  message: string;
  request_key?: string;
} {
  return {
    error: problem.error,
    message: problem.message,
    ...(problem.requestKey === undefined ? {} : { request_key: problem.requestKey }),
  };
}

/** JSON that no cache may keep: answers carry codes, and signup's an access token. */
export function sendJson(reply: FastifyReply, status: number, body: object): FastifyReply {
  return reply.code(status).header("cache-control", "no-store").send(body);
}

/** A page, with the headers its own script's hash allows (see page-shell.ts). */
export function sendPage(
  reply: FastifyReply,
  status: number,
  html: string,
  headers: Readonly<Record<string, string>>,
): FastifyReply {
  return reply.code(status).headers(headers).send(html);
}

/** A query parameter given once or more, as text of at most `max` characters (the first given). */
export function firstText(value: unknown, max: number): string | undefined {
  if (typeof value === "string") return value.slice(0, max);
  if (Array.isArray(value) && typeof value[0] === "string") return value[0].slice(0, max);
  return undefined;
}
