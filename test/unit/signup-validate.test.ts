import assert from "node:assert/strict";
import { test } from "node:test";
import {
  checkUsername,
  parseSignupJson,
  validateSignup,
  type Checked,
} from "../../src/signup/validate.js";

const good = { code: "ABC123", username: "alice", password: "correct horse" };

function refusal<T>(checked: Checked<T>): string {
  assert.equal(checked.ok, false, "expected a refusal");
  return checked.ok ? "" : `${checked.problem.status} ${checked.problem.error}`;
}

test("a body that is not a JSON object is bad_json", () => {
  for (const text of [
    undefined,
    "",
    "  ",
    "{",
    "{'code': 1}",
    "null",
    "[]",
    '"text"',
    "42",
    "true",
  ]) {
    assert.equal(refusal(parseSignupJson(text)), "400 bad_json", `body ${String(text)}`);
  }
  const parsed = parseSignupJson(JSON.stringify(good));
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value, good);
});

test("code, username and password are required, as text", () => {
  for (const missing of ["code", "username", "password"]) {
    const fields: Record<string, unknown> = { ...good };
    delete fields[missing];
    assert.equal(refusal(validateSignup(fields)), "400 missing_fields", `without ${missing}`);
    assert.equal(
      refusal(validateSignup({ ...good, [missing]: 12 })),
      "400 missing_fields",
      `${missing} as a number`,
    );
    assert.equal(
      refusal(validateSignup({ ...good, [missing]: ["x"] })),
      "400 missing_fields",
      `${missing} as an array`,
    );
  }
  assert.equal(refusal(validateSignup({ ...good, code: "   " })), "400 missing_fields");
  assert.equal(refusal(validateSignup({ ...good, username: "" })), "400 missing_fields");
  assert.equal(refusal(validateSignup({ ...good, password: "" })), "400 missing_fields");
  assert.equal(refusal(validateSignup({})), "400 missing_fields");
});

test("usernames follow the Matrix localpart grammar, 1 to 64 characters", () => {
  for (const name of [
    "alice",
    "a",
    "bob.smith",
    "x_y",
    "a=b",
    "a-b",
    "team/alice",
    "007",
    "a".repeat(64),
  ]) {
    assert.ok(checkUsername(name).ok, name);
  }
  for (const name of [
    "a".repeat(65),
    "al ice",
    "alice!",
    "ålice",
    "alice:example.org",
    "@alice:example.org",
    "al\u0000ice",
    "<script>",
    "a+b",
    "#room",
  ]) {
    assert.equal(refusal(checkUsername(name)), "400 bad_username", name);
  }
});

test("uppercase is refused with the lowercase form suggested, never lowercased silently", () => {
  const checked = validateSignup({ ...good, username: "Alice" });
  assert.equal(refusal(checked), "400 bad_username");
  assert.ok(!checked.ok);
  assert.match(checked.problem.message, /try "alice"/);
  // No suggestion when lowercasing would not help.
  const other = checkUsername("Al ice");
  assert.ok(!other.ok);
  assert.doesNotMatch(other.problem.message, /try/);
});

test("a full user ID is explained, not accepted", () => {
  const checked = checkUsername("@alice:example.org");
  assert.ok(!checked.ok);
  assert.match(checked.problem.message, /only the name part/);
});

test("passwords need at least 8 characters (counted as characters, not bytes)", () => {
  assert.equal(refusal(validateSignup({ ...good, password: "1234567" })), "400 password_too_short");
  assert.equal(
    refusal(validateSignup({ ...good, password: "🙂🙂🙂🙂" })),
    "400 password_too_short",
  );
  assert.ok(validateSignup({ ...good, password: "12345678" }).ok);
  assert.ok(validateSignup({ ...good, password: "🙂🙂🙂🙂🙂🙂🙂🙂" }).ok);
  assert.equal(
    refusal(validateSignup({ ...good, password: "x".repeat(513) })),
    "400 password_too_long",
  );
});

test("checks run in the reference order: fields, username, password", () => {
  assert.equal(
    refusal(validateSignup({ code: "X", username: "Bad Name", password: "short" })),
    "400 bad_username",
  );
  assert.equal(
    refusal(validateSignup({ username: "Bad Name", password: "short" })),
    "400 missing_fields",
  );
});

test("spaces around the code, username and display name are trimmed; the password is kept as typed", () => {
  const checked = validateSignup({
    code: "  ABC123 ",
    username: " alice ",
    password: "  spaced password  ",
    display_name: "  Alice A.  ",
  });
  assert.ok(checked.ok);
  assert.deepEqual(checked.value, {
    code: "ABC123",
    username: "alice",
    password: "  spaced password  ",
    displayName: "Alice A.",
  });
});

test("display_name is optional text without control characters", () => {
  const none = validateSignup({ ...good });
  assert.ok(none.ok);
  assert.equal(none.value.displayName, undefined);
  const blank = validateSignup({ ...good, display_name: "   " });
  assert.ok(blank.ok);
  assert.equal(blank.value.displayName, undefined);
  const nulled = validateSignup({ ...good, display_name: null });
  assert.ok(nulled.ok);
  assert.equal(refusal(validateSignup({ ...good, display_name: 5 })), "400 bad_display_name");
  assert.equal(
    refusal(validateSignup({ ...good, display_name: "evil\u001b[2Jname" })),
    "400 bad_display_name",
  );
  assert.equal(
    refusal(validateSignup({ ...good, display_name: "x".repeat(257) })),
    "400 bad_display_name",
  );
  const unicode = validateSignup({ ...good, display_name: "Zoë 🌸" });
  assert.ok(unicode.ok);
  assert.equal(unicode.value.displayName, "Zoë 🌸");
});

test("a display name with a bidi control or a zero-width character is refused, naming the character", () => {
  const invisible = [
    ["\u202e", "202E"],
    ["\u202a", "202A"],
    ["\u2066", "2066"],
    ["\u2069", "2069"],
    ["\u200e", "200E"],
    ["\u200f", "200F"],
    ["\u061c", "061C"],
    ["\u200b", "200B"],
    ["\u200d", "200D"],
    ["\u2060", "2060"],
    ["\ufeff", "FEFF"],
  ];
  for (const [char, hex] of invisible) {
    const checked = validateSignup({ ...good, display_name: `ad${char}min` });
    assert.equal(refusal(checked), "400 bad_display_name", hex);
    assert.match(checked.ok ? "" : checked.problem.message, new RegExp(`U\\+${hex}\\)`));
  }
  // Trimming must not hide one: U+FEFF counts as a space to String.prototype.trim.
  assert.equal(
    refusal(validateSignup({ ...good, display_name: "\ufeffAda" })),
    "400 bad_display_name",
  );
  const arabic = validateSignup({ ...good, display_name: "مريم" });
  assert.ok(arabic.ok, "right-to-left letters themselves are fine");
});
