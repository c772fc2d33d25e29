import { test } from "node:test";
import assert from "node:assert/strict";
import { isUserId, parseUserId, serverHost } from "../../core/moderation/matrix-ids.js";

test("user IDs follow the spec's grammar, historical localparts included", () => {
  for (const ok of [
    "@alice:example.org",
    "@a.b_c=d-e/f+1:matrix.example.org:8448",
    "@Alice!#$%&'*:example.org", // historical: any printable ASCII but ':'
    "@x:127.0.0.1",
    "@x:[::1]",
    "@x:[1234:5678::abcd]:5678",
    "@x:localhost",
    "@x:example.org.",
    `@${"a".repeat(242)}:example.org`, // 255 characters, the most the spec allows
  ])
    assert.ok(isUserId(ok), ok);
});

test("anything outside the grammar is not a user ID", () => {
  for (const bad of [
    "alice",
    "@alice",
    "@:example.org",
    "@al ice:example.org",
    "@alïce:example.org",
    "@alice:exa mple.org",
    "@alice:exa_mple.org",
    "@alice:",
    "@alice:example.org:",
    "@alice:example.org:123456",
    "@alice:example.org:65536",
    "@alice:example.org:99999999",
    "@alice:256.1.1.1",
    "@alice:[::1",
    "@alice:[g::1]",
    "@alice:::1",
    "#room:example.org",
    " @alice:example.org",
    `@${"a".repeat(243)}:example.org`, // 256 characters
  ])
    assert.ok(!isUserId(bad), bad);
  assert.equal(isUserId(undefined), false);
  assert.equal(isUserId(42), false);
});

test("a user ID splits at the first ':' and its host is the server without port, lowercased", () => {
  assert.deepEqual(parseUserId("@bob:Evil.ORG:8448"), {
    localpart: "bob",
    server: "Evil.ORG:8448",
    host: "evil.org",
  });
  assert.equal(parseUserId("@bob:[::1]:8448")?.host, "[::1]");
  assert.equal(serverHost("example.org."), "example.org");
  assert.equal(serverHost(""), undefined);
});
