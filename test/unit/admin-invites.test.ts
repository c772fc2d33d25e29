// Pending invites over the admin API and the attach client: listed, withdrawn by a named
// moderator, 404 when none is pending, and the attached console's mirror follows at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pino } from "pino";
import { connectEngine } from "../../src/control/attach-client.js";
import { startAdminApi } from "../../src/http/admin/server.js";
import { FakeEngine, http, tempDir } from "./admin-fakes.js";
import { waitFor } from "../harness/wait.js";

const silent = pino({ level: "silent" });

async function serve(engine: FakeEngine) {
  const dir = await tempDir();
  const api = await startAdminApi({
    engine,
    health: () => ({ ok: true, body: { status: "ok" } }),
    publicUrl: "https://chat.example.org",
    logger: silent,
    socketPath: join(dir, "admin.sock"),
  });
  return { api, sock: { socketPath: api.socketPath } };
}

const pending = (user: string) => ({
  user,
  invitedAt: 1_700_000_000_000,
  rooms: ["!space:hs", "!chat:hs"],
  via: "vetting",
});

test("DELETE /admin/v1/invites/{user}: withdrawn with the actor; 404 when not pending; 400 for a non-user", async () => {
  const engine = new FakeEngine();
  engine.invites = [pending("@ann:hs"), pending("@bob:hs")];
  const { api, sock } = await serve(engine);
  try {
    const listed = await http(sock, "GET", "/admin/v1/invites");
    assert.deepEqual(
      listed.json.invites.map((i: { user: string }) => i.user),
      ["@ann:hs", "@bob:hs"],
    );
    const done = await http(sock, "DELETE", `/admin/v1/invites/${encodeURIComponent("@ann:hs")}`, {
      headers: { "x-anteroom-actor": "mod-zoe" },
    });
    assert.equal(done.status, 200);
    assert.deepEqual(done.json, { ok: true, user: "@ann:hs" });
    assert.deepEqual(
      engine.calls.filter((c) => c.what === "withdrawInvite").map((c) => c.args),
      [["@ann:hs", "mod-zoe"]],
    );
    const again = await http(sock, "DELETE", `/admin/v1/invites/${encodeURIComponent("@ann:hs")}`);
    assert.equal(again.status, 404);
    assert.equal(again.json.error, "not_found");
    const bad = await http(sock, "DELETE", "/admin/v1/invites/not-a-user");
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error, "bad_request");
    assert.equal(engine.calls.filter((c) => c.what === "withdrawInvite").length, 1);
  } finally {
    await api.close();
  }
});

test("attached: withdrawInvite goes to the daemon, and the mirror's invites follow the stream", async () => {
  const engine = new FakeEngine();
  engine.invites = [pending("@ann:hs")];
  const { api } = await serve(engine);
  const remote = await connectEngine(api.socketPath);
  try {
    assert.deepEqual(
      remote.snapshot().invites?.map((i) => i.user),
      ["@ann:hs"],
    );
    const heard: string[][] = [];
    remote.subscribe((event) => {
      if (event.type === "invites") heard.push(event.invites.map((i) => i.user));
    });
    assert.deepEqual(await remote.withdrawInvite("@ann:hs", "mod-zoe"), { ok: true });
    await waitFor(() => (heard.length > 0 ? true : undefined), { what: "the invites event" });
    assert.deepEqual(heard, [[]]);
    assert.deepEqual(remote.snapshot().invites, []);
    const none = await remote.withdrawInvite("@ann:hs", "mod-zoe");
    assert.equal(none.ok, false);
    assert.match(none.ok ? "" : none.error, /no pending invite/);
  } finally {
    await remote.close();
    await api.close();
  }
});
