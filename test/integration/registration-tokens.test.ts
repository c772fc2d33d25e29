// Homeserver registration tokens on the real Synapse: the TokenIssuer adapter, flavour detection,
// and the admin API's /tokens routes in the running daemon.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import Fastify from "fastify";
import { createClient } from "matrix-js-sdk";
import { logger as sdkLogger } from "matrix-js-sdk/lib/logger.js";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { signUpWithToken } from "../harness/token-signup.js";
import { waitFor } from "../harness/wait.js";
import { http as call } from "../unit/admin-fakes.js";
import { HomeserverTokenIssuer } from "../../src/matrix/registration-tokens.js";
import { detectHomeserverFlavour, sdkProbe } from "../../src/matrix/homeserver-flavour.js";
import { installAdminErrorHandling } from "../../src/http/admin/routes.js";
import { registerTokenRoutes } from "../../src/http/admin/tokens.js";
import type { TokenIssuer } from "../../core/ports.js";

let hs: TestHomeserver;
let issuer: TokenIssuer;

// The SDK logs every request at debug level; the test output needs only its warnings.
(sdkLogger as unknown as { setLevel(level: string): void }).setLevel("warn");

before(async () => {
  hs = await startHomeserver();
  issuer = new HomeserverTokenIssuer({
    client: createClient({ baseUrl: hs.url, accessToken: hs.admin.accessToken }),
  });
});

after(async () => {
  await hs?.stop();
});

test("our Synapse is detected as Synapse", async () => {
  const flavour = await detectHomeserverFlavour(sdkProbe(createClient({ baseUrl: hs.url })));
  assert.equal(flavour.kind, "synapse");
  assert.match(flavour.version ?? "", /^1\.\d+/);
});

test("a one-use token registers one newcomer, counts it, and refuses a second", async () => {
  const issued = await issuer.issue({ uses: 1 });
  assert.equal(issued.usesAllowed, 1);
  assert.equal(issued.completed, 0);

  const first = await signUpWithToken(hs, issued.token);
  assert.ok(first.ok, `the first sign-up failed: ${JSON.stringify(first)}`);

  const listed = (await issuer.list()).find((t) => t.token === issued.token);
  assert.equal(listed?.completed, 1);
  assert.equal(listed?.pending, 0);

  const second = await signUpWithToken(hs, issued.token);
  assert.equal(second.ok, false);
  assert.equal(second.ok ? undefined : second.failure.kind, "token_rejected");
});

test("a revoked token is gone from the list and registers nobody", async () => {
  const issued = await issuer.issue({ uses: 5 });
  assert.equal(await issuer.revoke(issued.token), true);
  assert.equal(
    (await issuer.list()).some((t) => t.token === issued.token),
    false,
  );
  assert.equal(await issuer.revoke(issued.token), false, "a second revoke finds nothing");
  const outcome = await signUpWithToken(hs, issued.token);
  assert.equal(outcome.ok, false);
});

test("an expired token is refused", async () => {
  const expiresAt = Date.now() + 3_000;
  const issued = await issuer.issue({ expiresAt });
  assert.equal(issued.expiresAt, expiresAt);
  await waitFor(() => Date.now() > expiresAt + 100, {
    what: "the token's expiry time to pass",
    timeoutMs: 10_000,
    intervalMs: 100,
  });
  const outcome = await signUpWithToken(hs, issued.token);
  assert.equal(outcome.ok, false);
  assert.equal(outcome.ok ? undefined : outcome.failure.kind, "token_rejected");
});

test("a bot that is not a server admin is told so", async () => {
  const plain = await hs.registerUser();
  const notAdmin = new HomeserverTokenIssuer({
    client: createClient({ baseUrl: hs.url, accessToken: plain.accessToken }),
  });
  await assert.rejects(notAdmin.issue({ uses: 1 }), (error: Error & { transient?: boolean }) => {
    assert.match(error.message, /^the bot is not a server admin: /);
    assert.equal(error.transient, false);
    return true;
  });
  await assert.rejects(notAdmin.list(), /the bot is not a server admin/);
});

test("the admin API issues, lists and revokes tokens through the daemon", async (t) => {
  const community = await createCommunity(hs, { children: 1 }); // its bot is a server admin
  const daemon = await TestDaemon.start(hs, community);
  t.after(() => daemon.stop());
  const sock = { socketPath: join(daemon.dataDir, "admin.sock") };

  const chosen = `anteroom-${randomBytes(6).toString("hex")}`;
  const expiresAt = Math.floor(Date.now() / 1000) + 3600;
  const created = await call(sock, "POST", "/admin/v1/tokens", {
    body: { uses: 2, expires_at: expiresAt, token: chosen },
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  assert.deepEqual(created.json, {
    token: { token: chosen, uses_allowed: 2, pending: 0, completed: 0, expires_at: expiresAt },
  });

  const outcome = await signUpWithToken(hs, chosen);
  assert.ok(outcome.ok, `sign-up with the API's token failed: ${JSON.stringify(outcome)}`);

  const listed = await call(sock, "GET", "/admin/v1/tokens");
  assert.equal(listed.status, 200);
  const row = (listed.json as { tokens: { token: string; completed: number }[] }).tokens.find(
    (entry) => entry.token === chosen,
  );
  assert.equal(row?.completed, 1);

  const revoked = await call(sock, "DELETE", `/admin/v1/tokens/${chosen}`);
  assert.deepEqual([revoked.status, revoked.json], [200, { ok: true }]);
  const again = await call(sock, "DELETE", `/admin/v1/tokens/${chosen}`);
  assert.equal(again.status, 404);
  assert.equal((again.json as { error: string }).error, "not_found");
  assert.equal((await signUpWithToken(hs, chosen)).ok, false, "a revoked token registers nobody");

  const bad = await call(sock, "POST", "/admin/v1/tokens", { body: { uses: 0, color: "red" } });
  assert.equal(bad.status, 400);
  assert.equal((bad.json as { error: string }).error, "bad_request");
  const past = await call(sock, "POST", "/admin/v1/tokens", { body: { expires_at: 1 } });
  assert.equal(past.status, 400);
});

test("the admin API says 502 with the reason when the token holder is not a server admin", async () => {
  const plain = await hs.registerUser();
  const app = Fastify();
  installAdminErrorHandling(app);
  registerTokenRoutes(
    app,
    new HomeserverTokenIssuer({
      client: createClient({ baseUrl: hs.url, accessToken: plain.accessToken }),
      adminLabel: "the HS_ADMIN_TOKEN user",
    }),
  );
  const answer = await app.inject({ method: "POST", url: "/admin/v1/tokens", payload: {} });
  assert.equal(answer.statusCode, 502);
  const body = answer.json<{ error: string; message: string }>();
  assert.equal(body.error, "homeserver_refused");
  assert.match(body.message, /^the HS_ADMIN_TOKEN user is not a server admin: /);
  await app.close();
});
