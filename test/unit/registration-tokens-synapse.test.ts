// Synapse's registration-token objects and admin-API failures, as the TokenIssuer reports them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { explainAdminFailure, parseSynapseToken } from "../../src/matrix/registration-tokens.js";
import { HomeserverError } from "../../core/ports.js";

test("a token object from the admin API becomes a RegistrationToken", () => {
  assert.deepEqual(
    parseSynapseToken({
      token: "0M-9jbkf2t_Tgiw1",
      uses_allowed: 3,
      pending: 1,
      completed: 1,
      expiry_time: 1625394937000,
    }),
    {
      token: "0M-9jbkf2t_Tgiw1",
      usesAllowed: 3,
      pending: 1,
      completed: 1,
      expiresAt: 1625394937000,
    },
  );
  assert.deepEqual(
    parseSynapseToken({
      token: "abcd",
      uses_allowed: null,
      pending: 0,
      completed: 9,
      expiry_time: null,
    }),
    { token: "abcd", usesAllowed: null, pending: 0, completed: 9, expiresAt: null },
  );
});

test("a malformed token object is refused, not passed on", () => {
  for (const raw of [
    null,
    "abcd",
    { token: "" },
    { token: "a\u001b[2Jb", pending: 0, completed: 0 },
    { token: "abcd", pending: -1, completed: 0 },
    { token: "abcd", pending: 0, completed: "1" },
    { token: "abcd", pending: 0, completed: 0, uses_allowed: "3" },
  ]) {
    assert.throws(
      () => parseSynapseToken(raw),
      /malformed registration token/,
      JSON.stringify(raw),
    );
  }
});

test("M_FORBIDDEN says who is not a server admin and what to do", () => {
  const forbidden = new HomeserverError(
    "You are not a server admin",
    false,
    undefined,
    "M_FORBIDDEN",
  );
  const explained = explainAdminFailure(forbidden, "the bot");
  assert.match(explained.message, /^the bot is not a server admin: You are not a server admin/);
  assert.match(explained.message, /HS_ADMIN_TOKEN/);
  assert.equal(explained.transient, false);
  assert.equal(explained.errcode, "M_FORBIDDEN");
  const rejected = new HomeserverError("Unknown token", false, undefined, "M_UNKNOWN_TOKEN");
  assert.match(
    explainAdminFailure(rejected, "the HS_ADMIN_TOKEN user").message,
    /refused the HS_ADMIN_TOKEN user's access token/,
  );
  const busy = new HomeserverError("Too many requests", true, 500, "M_LIMIT_EXCEEDED");
  assert.equal(explainAdminFailure(busy, "the bot"), busy);
});
