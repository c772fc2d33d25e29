/**
 * What every admin API route shares: the path prefix, the actor header, the
 * `{error, message}` answer, and the validation helpers. A module of its own,
 * so route files can use it while they load (routes.ts imports them all).
 */
import * as z from "zod";

export const ADMIN_PREFIX = "/admin/v1";
export const ACTOR_HEADER = "x-anteroom-actor";
const DEFAULT_ACTOR = "admin-api";

/** An answer other than success: the status and the `{error, message}` body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

// C0 and C1 control characters, DEL, and the bidi overrides that reorder a terminal line.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

export const noControl = (what: string) =>
  z.string().refine((text) => !CONTROL.test(text), `${what} must not contain control characters`);

/** `a,b` or `?x=a&x=b`: a list either way. */
export const listParam = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((value) =>
    value === undefined
      ? undefined
      : (Array.isArray(value) ? value : [value])
          .flatMap((part) => part.split(","))
          .map((part) => part.trim())
          .filter(Boolean),
  );

/** Parses with `schema`, or answers 400 naming every problem. */
export function parseOr400<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join(".") : what}: ${issue.message}`);
  throw new ApiError(400, "bad_request", problems.join("; "));
}

/**
 * The acting moderator's name from `X-Anteroom-Actor` (default "admin-api"):
 * at most 255 characters, no control characters. Header bytes arrive as
 * Latin-1; UTF-8 names (`Zoë`) are decoded back.
 */
export function parseActor(header: string | string[] | undefined): string {
  if (header === undefined) return DEFAULT_ACTOR;
  if (Array.isArray(header)) throw new ApiError(400, "bad_actor", "give X-Anteroom-Actor once");
  // Only a string of byte values can be bytes re-read as UTF-8; anything else is taken as it is.
  const utf8 = /[\u0100-\uffff]/.test(header)
    ? header
    : Buffer.from(header, "latin1").toString("utf8");
  const name = (utf8.includes("\ufffd") ? header : utf8).trim();
  if (!name) throw new ApiError(400, "bad_actor", "X-Anteroom-Actor is empty");
  if (name.length > 255)
    throw new ApiError(400, "bad_actor", "X-Anteroom-Actor is over 255 characters");
  if (CONTROL.test(name))
    throw new ApiError(400, "bad_actor", "X-Anteroom-Actor must not contain control characters");
  return name;
}
