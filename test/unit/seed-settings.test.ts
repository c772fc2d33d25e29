/** Settings carried over from the seed deployment: its token name, and the community's name for the pages. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadConfig } from "../../src/config.js";

const BASE = { HS: "http://127.0.0.1:8008", SPACE_ID: "!space:example.org" };

test("KNOCK_APPROVER_TOKEN stands in for MATRIX_TOKEN; MATRIX_TOKEN wins when both are set", () => {
  assert.equal(loadConfig({ ...BASE, KNOCK_APPROVER_TOKEN: "seed" }).accessToken, "seed");
  assert.equal(
    loadConfig({ ...BASE, KNOCK_APPROVER_TOKEN: "seed", MATRIX_TOKEN: "main" }).accessToken,
    "main",
  );
  assert.throws(() => loadConfig(BASE), /MATRIX_TOKEN/);
});

test("COMMUNITY_NAME and COMMUNITY_DESCRIPTION reach the pages' settings", () => {
  const config = loadConfig({
    ...BASE,
    MATRIX_TOKEN: "t",
    COMMUNITY_NAME: "Haiku Friends",
    COMMUNITY_DESCRIPTION: "We write small poems.",
  });
  assert.deepEqual(config.community, {
    name: "Haiku Friends",
    description: "We write small poems.",
  });
  assert.deepEqual(loadConfig({ ...BASE, MATRIX_TOKEN: "t" }).community, {});
});
