/**
 * The lobby routes of the sidecar:
 *
 * - `GET /`: the landing page. `GET /join?code=…`: what happens, and a
 *   button. Neither spends anything, so link previews are harmless.
 * - `POST /join/api` (JSON `{code}`): spends one use of the invite code, makes
 *   a lobby room and answers `200 {url, alias, room_id, title}` or
 *   `{error, message}`: 400 `bad_json` / `missing_code`, 403 `invalid_code`,
 *   429 `rate_limited` (with Retry-After), 500 `create_failed` (use given
 *   back), 503 `write_failing` (the disk cannot be written: nothing spent) or
 *   `write_stalled` (still waiting on the disk after 10 s: it completes later,
 *   and its `request_key`, sent back in the body, finds it without spending
 *   again). The challenge is never in the answer: it is posted in the room.
 * - `POST /join` (form-encoded): the same, answered with a page.
 *
 * Both POSTs share a per-client-address limit, checked before the body is
 * read, and a per-code limit, checked before the engine is asked: a limited
 * request spends nothing. No error answer carries a stack.
 */
import { randomUUID } from "node:crypto";
import formbody from "@fastify/formbody";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { EngineApi, OpenLobbyResult } from "../../../core/api.js";
import {
  firstText,
  FORM_EXPECTED,
  problemBody,
  sendJson,
  sendPage,
  toProblem,
  type Problem,
  type ProblemWords,
} from "../shared/answers.js";
import { WindowLimiter } from "./join-rate.js";
import { perAddressLimit } from "./address-limit.js";
import { settleWithin, WRITE_STALL_MS, type WriteStall } from "../shared/write-stall.js";
import {
  type CommunityFacts,
  JOIN_PAGE_HEADERS,
  renderJoinDone,
  renderJoinPage,
  renderJoinProblem,
  renderLanding,
} from "./join-page.js";

export interface JoinRoutesOptions {
  readonly engine: Pick<EngineApi, "openLobby">;
  /** Lobby requests a minute per client address (default 10), and per code (default 5). */
  readonly perIpPerMinute?: number;
  readonly perCodePerMinute?: number;
  /** The community's name, description and knock link, for the pages. */
  readonly community?: CommunityFacts;
  /** While the data dir cannot be written, lobby opens are refused or wait only so long. */
  readonly writeStall?: WriteStall;
}

/** A join request is one short field. */
export const JOIN_BODY_LIMIT = 4 * 1024;
/** Longer than any code anteroom mints or the reference used; longer input is not a code. */
const CODE_MAX = 200;

const JOIN_PROBLEMS: ProblemWords = {
  bodyLimit: JOIN_BODY_LIMIT,
  failed: "join route failed",
  unsupportedMedia: FORM_EXPECTED,
  internal: "Something went wrong on our side. Try again later.",
};

/** A request key as the admin API takes it; a client repeats it to repeat the same request. */
const REQUEST_KEY = /^[A-Za-z0-9._-]{1,100}$/;

export const joinRoutes: FastifyPluginAsync<JoinRoutesOptions> = async (app, opts) => {
  const guard = await perAddressLimit(
    app,
    opts.perIpPerMinute ?? 10,
    (after) =>
      `Too many join requests from your address; try again in ${after}. Nothing was spent.`,
  );
  const perCode = new WindowLimiter(opts.perCodePerMinute ?? 5, 60_000);
  const community = opts.community ?? {};
  /** Checks the per-code limit, then asks the engine for a lobby. */
  const openLobby = async (
    request: FastifyRequest,
    reply: FastifyReply,
    code: string,
    requestKey: string = randomUUID(),
  ): Promise<Extract<OpenLobbyResult, { ok: true }> | Problem> => {
    if (code.length > CODE_MAX) return invalidCode("unknown_code");
    const allowed = perCode.hit(code.trim().toLowerCase());
    if (!allowed.ok) {
      reply.header("retry-after", String(allowed.retryAfterSec));
      return {
        status: 429,
        error: "rate_limited",
        message: `Too many join requests for this code; try again in ${allowed.retryAfterSec} seconds. Nothing was spent.`,
      };
    }
    const stall = opts.writeStall;
    if (stall?.failing() !== undefined) {
      reply.header("retry-after", "60");
      return {
        status: 503,
        error: "write_failing",
        message:
          "The server cannot save anything right now, so nothing was spent; try again in a few minutes.",
      };
    }
    const outcome = await settleWithin(
      opts.engine.openLobby(code, requestKey),
      stall?.afterMs ?? WRITE_STALL_MS,
    );
    if (outcome === "stalled") {
      // The engine carries on: the use is spent and the room made once the disk has room,
      // and the same request key finds that room without spending again.
      request.log.warn({ requestKey }, "a lobby open waits on the disk; answered 503");
      reply.header("retry-after", "60");
      return {
        status: 503,
        error: "write_stalled",
        message:
          "Your room is not ready yet because the server cannot save right now; try again in a few minutes, and the same request will not spend your code again.",
        requestKey,
      };
    }
    const result = outcome.value;
    if (result.ok) {
      request.log.info({ lobby: result.key, room: result.roomId }, "lobby opened");
      return result;
    }
    if (result.error === "invalid_code") return invalidCode(result.refusal);
    request.log.warn({ error: result.error }, "lobby room could not be made");
    return {
      status: 500,
      error: "create_failed",
      message:
        "The room could not be made; your code was not used. Try again in a minute, or tell whoever gave you the code.",
    };
  };

  await app.register(async (api) => {
    // Every body is read as text and parsed here, so anything unparseable is `bad_json`, whatever its content type.
    api.removeAllContentTypeParsers();
    api.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) =>
      done(null, body),
    );
    api.setErrorHandler((error, request, reply) => {
      const problem = toProblem(error, request, JOIN_PROBLEMS);
      return sendJson(reply, problem.status, { error: problem.error, message: problem.message });
    });
    api.post(
      "/join/api",
      { onRequest: guard, bodyLimit: JOIN_BODY_LIMIT },
      async (request, reply) => {
        const parsed = parseJoinJson(request.body);
        if ("status" in parsed) return sendJson(reply, parsed.status, problemBody(parsed));
        const outcome = await openLobby(request, reply, parsed.code, parsed.requestKey);
        if ("status" in outcome) return sendJson(reply, outcome.status, problemBody(outcome));
        return sendJson(reply, 200, {
          url: outcome.url,
          alias: outcome.alias,
          room_id: outcome.roomId,
          title: outcome.title,
        });
      },
    );
  });

  await app.register(async (pages) => {
    await pages.register(formbody);
    pages.setErrorHandler((error, request, reply) => {
      const problem = toProblem(error, request, JOIN_PROBLEMS);
      return page(reply, problem.status, renderJoinProblem(undefined, problem, community));
    });
    pages.get("/", async (_request, reply) => page(reply, 200, renderLanding(community)));
    pages.get("/join", async (request, reply) => {
      const code = firstText(
        (request.query as Record<string, unknown> | undefined)?.code,
        CODE_MAX,
      );
      return page(reply, 200, renderJoinPage(code, community));
    });
    pages.post(
      "/join",
      { onRequest: guard, bodyLimit: JOIN_BODY_LIMIT },
      async (request, reply) => {
        const body = request.body as Record<string, unknown> | undefined;
        const code = typeof body?.code === "string" ? body.code.trim() : "";
        if (!code) return page(reply, 400, renderJoinProblem(undefined, missingCode(), community));
        // A page answering write_stalled sends its request key back: the same request again.
        const repeated = body?.request_key;
        const requestKey =
          typeof repeated === "string" && REQUEST_KEY.test(repeated) ? repeated : undefined;
        const outcome = await openLobby(request, reply, code, requestKey);
        if ("status" in outcome)
          return page(
            reply,
            outcome.status,
            renderJoinProblem(code.slice(0, CODE_MAX), outcome, community),
          );
        return page(reply, 200, renderJoinDone(outcome));
      },
    );
  });
};

/**
 * The JSON body: `{code}` with a non-empty string code, or the reference refusal; an optional
 * `request_key` (as a 503 `write_stalled` answer gave it) repeats an earlier request.
 */
export function parseJoinJson(body: unknown): { code: string; requestKey?: string } | Problem {
  let value: unknown;
  try {
    value = JSON.parse(typeof body === "string" ? body : "");
  } catch {
    return { status: 400, error: "bad_json", message: "The body is not valid JSON." };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { status: 400, error: "bad_json", message: "The body must be a JSON object." };
  }
  const code = (value as Record<string, unknown>).code;
  if (typeof code !== "string" || !code.trim()) return missingCode();
  const requestKey = (value as Record<string, unknown>).request_key;
  if (requestKey === undefined) return { code: code.trim() };
  if (typeof requestKey !== "string" || !REQUEST_KEY.test(requestKey)) {
    return {
      status: 400,
      error: "bad_json",
      message: "request_key must be the one a previous answer gave (1–100 letters, digits, . _ -).",
    };
  }
  return { code: code.trim(), requestKey };
}

function missingCode(): Problem {
  return {
    status: 400,
    error: "missing_code",
    message: 'Give the invite code from your link, as {"code": "…"}.',
  };
}

function invalidCode(refusal: "unknown_code" | "used_up" | "expired"): Problem {
  const why = {
    unknown_code: "That invite code is not valid.",
    used_up: "That invite code has no uses left.",
    expired: "That invite code has expired.",
  }[refusal];
  return {
    status: 403,
    error: "invalid_code",
    message: `${why} Ask whoever invited you for a new link.`,
  };
}

/** A join page, with the headers its script's hash allows. */
function page(reply: FastifyReply, status: number, html: string): FastifyReply {
  return sendPage(reply, status, html, JOIN_PAGE_HEADERS);
}
