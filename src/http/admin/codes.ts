/**
 * The code books in the admin API, under `/admin/v1/codes/{invite|signup}`:
 * list, mint (with the link to hand out), revoke (regardless of case, as
 * codes are redeemed), and a moderator's edit of a whole book. Same
 * conventions as routes.ts.
 */
import type { FastifyInstance } from "fastify";
import * as z from "zod";
import type { CodeBookName, EngineApi } from "../../../core/api.js";
import { isUserId } from "../../../core/moderation/matrix-ids.js";
import { codeEntrySchema, codeLink } from "../../../core/codes/code-book.js";
import { codeNamed } from "../../../core/codes/lookup.js";
import {
  ACTOR_HEADER,
  ADMIN_PREFIX,
  ApiError,
  noControl,
  parseActor,
  parseOr400,
} from "./common.js";

/** The largest code-book edit (`POST /codes/:book/edits`); every other body is at most 64 KiB. */
const BOOK_EDIT_BODY_LIMIT = 8 * 1024 * 1024;

const mintSchema = z.strictObject({
  uses: z.number().int().min(1).max(1_000_000),
  label: noControl("label").pipe(z.string().max(200)).default(""),
  /** Unix seconds. */
  expires_at: z.number().positive().optional(),
  inviter: z
    .string()
    .max(255)
    .refine(isUserId, "a Matrix user id such as @alice:example.org")
    .optional(),
});

/** A moderator's edit of a code book: entries set (added or changed) and codes removed. */
const bookEditSchema = z.strictObject({
  set: z.record(noControl("code").pipe(z.string().min(1).max(200)), codeEntrySchema),
  remove: z.array(z.string().min(1).max(200)).max(100_000),
});

const bookSchema = z.enum(["invite", "signup"]);

export function registerCodeRoutes(
  app: FastifyInstance,
  engine: EngineApi,
  publicUrl: string,
): void {
  app.get<{ Params: { book: string } }>(`${ADMIN_PREFIX}/codes/:book`, async (request) => {
    const book = bookOf(request.params.book);
    const snapshot = engine.snapshot();
    return { book, codes: book === "invite" ? snapshot.codes : snapshot.signupCodes };
  });

  app.post<{ Params: { book: string } }>(`${ADMIN_PREFIX}/codes/:book`, async (request, reply) => {
    const book = bookOf(request.params.book);
    const by = parseActor(request.headers[ACTOR_HEADER]);
    const body = parseOr400(mintSchema, request.body, "body");
    if (body.expires_at !== undefined && body.expires_at <= Date.now() / 1000) {
      throw new ApiError(400, "bad_request", "expires_at: is in the past (unix seconds)");
    }
    const { code, entry } = await engine.mintCode(book, {
      uses: body.uses,
      label: body.label,
      by,
      ...(body.expires_at === undefined ? {} : { expiresAt: body.expires_at }),
      ...(body.inviter === undefined ? {} : { inviter: body.inviter }),
    });
    return reply.code(201).send({ code, entry, link: codeLink(publicUrl, book, code) });
  });

  app.delete<{ Params: { book: string; code: string } }>(
    `${ADMIN_PREFIX}/codes/:book/:code`,
    async (request) => {
      const book = bookOf(request.params.book);
      const by = parseActor(request.headers[ACTOR_HEADER]);
      // Codes are found as when redeemed (trimmed, ignoring case when that is unambiguous).
      const snapshot = engine.snapshot();
      const codes = book === "invite" ? snapshot.codes : snapshot.signupCodes;
      const wanted = request.params.code;
      const code = codeNamed(codes, wanted);
      if (code === undefined) throw new ApiError(404, "not_found", `no ${book} code ${wanted}`);
      const result = await engine.revokeCode(book, code, by);
      if (!result.ok) throw new ApiError(404, "not_found", result.error);
      return { ok: true, code };
    },
  );

  app.post<{ Params: { book: string } }>(
    `${ADMIN_PREFIX}/codes/:book/edits`,
    // A book edited in $EDITOR may add thousands of codes at once: more room than other bodies.
    { bodyLimit: BOOK_EDIT_BODY_LIMIT },
    async (request) => {
      const book = bookOf(request.params.book);
      const by = parseActor(request.headers[ACTOR_HEADER]);
      const edit = parseOr400(bookEditSchema, request.body, "body");
      const result = await engine.editCodes(book, edit, by);
      if (!result.ok) throw new ApiError(400, "bad_request", result.error);
      return { ok: true };
    },
  );
}

function bookOf(name: string): CodeBookName {
  const parsed = bookSchema.safeParse(name);
  if (!parsed.success)
    throw new ApiError(404, "not_found", `no code book ${name}; use invite or signup`);
  return parsed.data;
}
