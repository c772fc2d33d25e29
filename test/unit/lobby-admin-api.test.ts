import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pino } from "pino";
import { startAdminApi, type AdminApi } from "../../src/http/admin/server.js";
import { connectEngine, type RemoteEngine } from "../../src/control/attach-client.js";
import { http, tempDir } from "./admin-fakes.js";
import { LobbyWorld } from "./engine-fixtures.js";
import { waitFor } from "../harness/wait.js";

let world: LobbyWorld;
let api: AdminApi;
let remote: RemoteEngine;
let sock: { socketPath: string };

before(async () => {
  world = new LobbyWorld({ ABC: { uses_remaining: 5, label: "friends" } });
  world.engine.start();
  api = await startAdminApi({
    engine: world.engine,
    health: () => ({ ok: true, body: { status: "ok" } }),
    publicUrl: "https://chat.example.org",
    logger: pino({ level: "silent" }),
    socketPath: join(await tempDir(), "admin.sock"),
  });
  sock = { socketPath: api.socketPath };
  remote = await connectEngine(api.socketPath);
});

after(async () => {
  await remote?.close();
  await api?.close();
});

test("an attached console opens a lobby through the admin API and sees it in its mirror", async () => {
  const opened = await remote.openLobby("ABC", "from-console");
  assert.ok(opened.ok);
  assert.equal(opened.url, `https://matrix.to/#/${opened.alias}`);
  assert.equal(world.codes.value.ABC?.uses_remaining, 4);
  await waitFor(() => remote.snapshot().lobbies.some((l) => l.key === opened.key), {
    what: "the lobby in the mirror",
  });
  const again = await remote.openLobby("ABC", "from-console");
  assert.deepEqual(again, opened, "the same request key is the same lobby");
  assert.deepEqual(await remote.openLobby("NOPE", "x"), {
    ok: false,
    error: "invalid_code",
    refusal: "unknown_code",
  });
});

test("moderator actions on lobbies: close works once, then is refused with the engine's reason", async () => {
  const opened = await remote.openLobby("ABC", "to-close");
  assert.ok(opened.ok);
  assert.deepEqual(await remote.moderateLobby(opened.key, { action: "close" }, "Zoë"), {
    ok: true,
  });
  await waitFor(
    () => remote.snapshot().lobbies.find((l) => l.key === opened.key)?.phase === "closed",
    { what: "the closed lobby in the mirror" },
  );
  const refused = await remote.moderateLobby(opened.key, { action: "close" }, "Zoë");
  assert.equal(refused.ok, false);
  const listed = await http(sock, "GET", "/admin/v1/lobbies?phase=closed");
  assert.deepEqual(
    listed.json.lobbies.map((l: { key: string }) => l.key),
    [opened.key],
  );
  assert.equal(world.audit.find((a) => a.type === "lobby_closed")?.by, "Zoë");
});

test("lobby routes validate what they are sent", async () => {
  const bad = await http(sock, "POST", "/admin/v1/lobbies/lobby%3Ax/actions", {
    body: { action: "explode" },
  });
  assert.equal(bad.status, 400);
  const missing = await http(sock, "POST", "/admin/v1/lobbies/lobby%3Anope/actions", {
    body: { action: "close" },
  });
  assert.equal(missing.status, 404);
  const noCode = await http(sock, "POST", "/admin/v1/lobbies", { body: { code: "" } });
  assert.equal(noCode.status, 400);
  const health = await http(sock, "GET", "/admin/v1/health");
  assert.equal(typeof health.json.lobbies_by_phase.open, "number");
});
