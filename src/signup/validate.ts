/**
 * The edge of the signup path: what a signup request must look like, checked
 * before anything is spent or sent. Pure functions; the HTTP routes and the
 * unit tests use them directly.
 *
 * Usernames follow the Matrix localpart grammar the reference deployments
 * accept: `a-z 0-9 . _ = - /`, 1–64 characters. Uppercase is refused, not
 * lowercased: Synapse and continuwuity would lowercase it silently, and a
 * person who typed "Alice" should learn that their login name is "alice"
 * before the account exists, not after. The message suggests the lowercase
 * form. Surrounding spaces are trimmed from the code, username and display
 * name (never from the password).
 */

export const USERNAME_MAX = 64;
export const PASSWORD_MIN = 8;
/** Synapse refuses longer passwords; say so here rather than send them. */
export const PASSWORD_MAX = 512;
export const DISPLAY_NAME_MAX = 256;

const LOCALPART = /^[a-z0-9._=\-/]+$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** Bidi controls and zero-width characters: they make a name read as something else ("@room", another person). */
const INVISIBLE = /[\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/;

export interface SignupRequest {
  readonly code: string;
  readonly username: string;
  readonly password: string;
  readonly displayName?: string;
}

/** An answer in the reference shape `{error, message}`, with its HTTP status. */
export interface SignupError {
  readonly status: number;
  readonly error: string;
  readonly message: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: SignupError };

const problem = (
  status: number,
  error: string,
  message: string,
): { ok: false; problem: SignupError } => ({
  ok: false,
  problem: { status, error, message },
});

/** Parses the JSON body of `POST /signup/api`: anything but a JSON object is `bad_json`. */
export function parseSignupJson(text: string | undefined): Checked<Record<string, unknown>> {
  if (text === undefined || text.trim() === "") {
    return problem(400, "bad_json", "The request body must be a JSON object.");
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return problem(400, "bad_json", "The request body is not valid JSON.");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return problem(400, "bad_json", "The request body must be a JSON object.");
  }
  return { ok: true, value: raw as Record<string, unknown> };
}

/** Checks the fields of a signup request (from JSON or a form) in the reference order. */
export function validateSignup(fields: Record<string, unknown>): Checked<SignupRequest> {
  const code = fields.code;
  const username = fields.username;
  const password = fields.password;
  const displayName = fields.display_name;
  const text = (value: unknown): value is string => typeof value === "string";
  if (
    !text(code) ||
    !text(username) ||
    !text(password) ||
    code.trim() === "" ||
    username.trim() === "" ||
    password === ""
  ) {
    return problem(400, "missing_fields", "code, username and password are required (as text).");
  }
  const name = checkUsername(username.trim());
  if (!name.ok) return name;
  if ([...password].length < PASSWORD_MIN) {
    return problem(
      400,
      "password_too_short",
      `The password must be at least ${PASSWORD_MIN} characters long.`,
    );
  }
  if ([...password].length > PASSWORD_MAX) {
    return problem(
      400,
      "password_too_long",
      `The password must be at most ${PASSWORD_MAX} characters long.`,
    );
  }
  let shownName: string | undefined;
  if (displayName !== undefined && displayName !== null) {
    if (!text(displayName)) {
      return problem(400, "bad_display_name", "display_name must be text.");
    }
    const invisible = INVISIBLE.exec(displayName)?.[0];
    if (invisible !== undefined) {
      return problem(
        400,
        "bad_display_name",
        `The display name contains an invisible or text-direction character (U+${codePoint(invisible)}); remove it and try again.`,
      );
    }
    const trimmed = displayName.trim();
    if ([...trimmed].length > DISPLAY_NAME_MAX || CONTROL.test(trimmed)) {
      return problem(
        400,
        "bad_display_name",
        `The display name must be at most ${DISPLAY_NAME_MAX} characters, without control characters.`,
      );
    }
    if (trimmed !== "") shownName = trimmed;
  }
  return {
    ok: true,
    value: {
      code: code.trim(),
      username: name.value,
      password,
      ...(shownName === undefined ? {} : { displayName: shownName }),
    },
  };
}

/** A Matrix localpart as the reference deployments accept it. */
export function checkUsername(username: string): Checked<string> {
  if (username.startsWith("@")) {
    return problem(
      400,
      "bad_username",
      "Give only the name part of the user ID: for @alice:example.org, that is alice.",
    );
  }
  if (username.length > USERNAME_MAX) {
    return problem(400, "bad_username", `The username must be at most ${USERNAME_MAX} characters.`);
  }
  if (!LOCALPART.test(username)) {
    const lower = username.toLowerCase();
    const hint =
      lower !== username && LOCALPART.test(lower)
        ? ` Usernames are lowercase: try "${lower}".`
        : "";
    return problem(
      400,
      "bad_username",
      `The username may contain only a-z, 0-9 and . _ = - /.${hint}`,
    );
  }
  return { ok: true, value: username };
}

function codePoint(char: string): string {
  return (char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
}
