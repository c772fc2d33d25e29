/** ROLES: parsed and checked at start, with a message that names the bad part. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadConfig } from "../../src/config.js";

const BASE = { HS: "http://127.0.0.1:8008", MATRIX_TOKEN: "t", SPACE_ID: "!space:example.org" };

test("ROLES sets the roles; without it the defaults apply", () => {
  assert.equal(loadConfig(BASE).roles, undefined);
  assert.deepEqual(loadConfig({ ...BASE, ROLES: "member=0, Helper=25,admin=150" }).roles, [
    { name: "member", level: 0 },
    { name: "helper", level: 25 },
    { name: "admin", level: 150 },
  ]);
});

test("a role at or above the bot's level, a duplicate or a malformed pair stops the start", () => {
  assert.throws(() => loadConfig({ ...BASE, ROLES: "admin=200" }), /ROLES: .*below the bot/);
  assert.throws(() => loadConfig({ ...BASE, ROLES: "a=1,a=2" }), /ROLES: role a is listed twice/);
  assert.throws(
    () => loadConfig({ ...BASE, ROLES: "moderator" }),
    /ROLES: "moderator" is not name=level/,
  );
  assert.throws(() => loadConfig({ ...BASE, LIFECYCLE_REVOKE: "delete" }), /LIFECYCLE_REVOKE/);
});
