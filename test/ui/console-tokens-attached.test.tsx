// Homeserver registration tokens from the console's keys, on a real Synapse: attached
// to a real daemon (the admin API over its socket), and in-process on a runtime
// (runtimeModeration). A token issued with the keys registers a newcomer; revoked
// with the keys, it registers nobody.
import "./ci-off.js";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { openTestRuntime } from "../harness/runtime.js";
import { signUpWithToken } from "../harness/token-signup.js";
import { connectEngine } from "../../src/control/attach-client.js";
import type { ModerationApi } from "../../core/moderation-api.js";
import { attachedModeration } from "../../src/control/moderation-api.js";
import { runtimeModeration } from "../../src/control/runtime-moderation.js";
import { createClient } from "matrix-js-sdk";
import { HomeserverTokenIssuer } from "../../src/matrix/registration-tokens.js";
import { openConsole, type ConsoleHarness } from "./console-harness.js";
import type { EngineApi } from "../../core/api.js";

let hs: TestHomeserver;
let community: TestCommunity;

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 1 }); // its bot is a server admin
});

after(async () => {
  await hs?.stop();
});

/** What the console put on the clipboard last (OSC 52). */
function clipboard(c: ConsoleHarness): string {
  const last = c.terminalWrites.at(-1) ?? "";
  // eslint-disable-next-line no-control-regex -- an OSC 52 sequence is made of control characters
  const match = /^\x1b\]52;c;([A-Za-z0-9+/=]*)\x07/.exec(last);
  assert.ok(match, "an OSC 52 clipboard write");
  return Buffer.from(match[1] ?? "", "base64").toString("utf8");
}

/** n, t, uses, lifetime; the token copied from its card; registers; r revokes it; it registers nobody. */
async function issueUseRevoke(c: ConsoleHarness): Promise<string> {
  c.press("3");
  await c.waitForText("Codes");
  c.press("n");
  await c.waitForText("homeserver registration token");
  c.press("t");
  await c.waitForText("uses of the new homeserver token");
  c.press("\x15"); // C-u clears the field
  c.type("5");
  c.press("enter");
  await c.waitForText("the new homeserver token works for");
  c.press("\x15");
  c.type("2h");
  c.press("enter");
  const card = await c.waitForText("New homeserver registration token", 30_000);
  assert.match(card, /0\/5 used · expires in 2 h/);
  c.press("y");
  await c.waitForText("copied the homeserver token");
  const token = clipboard(c);
  assert.match(token, /^[A-Za-z0-9._~-]{16}$/, "a token Synapse made");
  assert.ok(card.includes(token), "the card shows the token copied");

  const first = await signUpWithToken(hs, token);
  assert.ok(first.ok, `registering with the console's token failed: ${JSON.stringify(first)}`);

  const escaped = token.replace(/[.~-]/g, "\\$&");
  c.press("enter"); // closes the card; the new token stays selected
  c.press("\x12"); // Ctrl+R: the use shows
  await c.waitFor("the token listed with one use", (f) =>
    new RegExp(`› token\\s+${escaped}\\s+1/5 used`).test(f),
  );
  c.press("r");
  await c.waitForText(`Revoke the homeserver token ${token}?`);
  c.press("tab", "enter");
  await c.waitForText(`revoked registration token ${token}`, 30_000);
  // Its row, not the status line, which names the token revoked.
  await c.waitFor(
    "the token gone from the list",
    (f) => !new RegExp(`token\\s+${escaped}\\s+\\d`).test(f),
  );

  const second = await signUpWithToken(hs, token);
  assert.equal(second.ok, false, "a revoked token registers nobody");
  assert.equal(second.ok ? undefined : second.failure.kind, "token_rejected");
  return token;
}

/** The audit log names the moderator for both, and never holds the whole token. */
async function assertAudited(
  api: Pick<EngineApi, "audit">,
  token: string,
  via: string,
): Promise<void> {
  const entries = await api.audit({
    types: ["registration_token_issued", "registration_token_revoked"],
  });
  const mine = entries.filter((e) => e.token_start === `${token.slice(0, 4)}…`);
  assert.deepEqual(
    mine.map((e) => [e.type, e.by, e.via]),
    [
      ["registration_token_issued", "mod-alice", via],
      ["registration_token_revoked", "mod-alice", via],
    ],
  );
  assert.equal(mine[0]?.uses, 5);
  assert.ok(!JSON.stringify(entries).includes(token), "the token itself is never audited");
}

test("attached: a token issued from the console's keys registers on Synapse, and revoked it does not", async (t) => {
  const daemon = await TestDaemon.start(hs, community);
  t.after(() => daemon.stop());
  const socketPath = join(daemon.dataDir, "admin.sock");
  const engine = await connectEngine(socketPath);
  t.after(() => engine.close());
  const moderation = attachedModeration(socketPath);
  t.after(() => moderation.close());
  const c = openConsole(t, { api: engine, mode: "attached", moderation, now: Date.now });
  await assertAudited(engine, await issueUseRevoke(c), "admin-api");
  // Synapse's own tokens may hold "." and "~" (its generator uses them): those revoke too.
  const issuer = new HomeserverTokenIssuer({
    client: createClient({ baseUrl: hs.url, accessToken: hs.admin.accessToken }),
  });
  const dotted = `a.b~${randomBytes(4).toString("hex")}`;
  await issuer.issue({ token: dotted });
  assert.deepEqual(await moderation.revokeToken(dotted, "mod-bob"), {
    ok: true,
    summary: `revoked registration token ${dotted}`,
  });
  assert.deepEqual(await moderation.revokeToken(dotted, "mod-bob"), {
    ok: false,
    error: "no such registration token",
  });
});

test("in-process: the same keys on a runtime's tokens do the same on Synapse", async (t) => {
  const { runtime, close } = await openTestRuntime(hs, community);
  t.after(close);
  const moderation = runtimeModeration(runtime);
  const c = openConsole(t, { api: runtime.engine, mode: "in-process", moderation, now: Date.now });
  await assertAudited(runtime.engine, await issueUseRevoke(c), "console");
});

test("a bot that is not a server admin: the Codes view says so, and issuing is refused with the reason", async (t) => {
  const plain = await hs.registerUser();
  const daemon = await TestDaemon.start(hs, community, {
    env: { HS_ADMIN_TOKEN: plain.accessToken },
  });
  t.after(() => daemon.stop());
  const socketPath = join(daemon.dataDir, "admin.sock");
  const moderation: ModerationApi & { close(): void } = attachedModeration(socketPath);
  t.after(() => moderation.close());
  const c = openConsole(t, { moderation, columns: 200 });
  c.press("3");
  await c.waitForText("Homeserver tokens not available:", 30_000);
  await c.waitForText("is not a server admin");
  c.press("n", "t");
  await c.waitForText("uses of the new homeserver token");
  c.press("enter");
  await c.waitForText("the new homeserver token works for");
  c.press("enter");
  await c.waitForText("new homeserver token refused:", 30_000);
  assert.match(c.frame(), /is not a server admin/);
});
