/**
 * HTTP callers and a failing disk (write-stall.ts): refused at once while writes fail, answered
 * 503 after the bound when a write gets stuck under them, never left waiting.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import Fastify from "fastify";
import type { OpenLobbyResult } from "../../core/api.js";
import { installAdminErrorHandling } from "../../src/http/admin/routes.js";
import { joinRoutes } from "../../src/http/public/join-routes.js";
import { boundAdminCommands } from "../../src/http/admin/bounded-commands.js";

const FULL = "cannot write codes.json: ENOSPC: no space left on device; retrying";

/** A promise the test settles by hand: a write stuck until the disk has room. */
function stuck<T>(): { promise: Promise<T>; settle: (value: T) => void } {
  let settle!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (settle = resolve));
  return { promise, settle };
}

async function joinSidecar(failing: () => string | undefined) {
  const keys: string[] = [];
  const disk = stuck<OpenLobbyResult>();
  const engine = {
    openLobby(_code: string, requestKey: string): Promise<OpenLobbyResult> {
      keys.push(requestKey);
      return disk.promise;
    },
  };
  const app = Fastify();
  await app.register(joinRoutes, { engine, writeStall: { failing, afterMs: 20 } });
  const post = (body: object) =>
    app.inject({
      method: "POST",
      url: "/join/api",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify(body),
    });
  return { app, keys, disk, post };
}

test("a lobby open stuck on the disk is answered 503 with its request key, and repeating that key repeats the same request", async () => {
  const { keys, disk, post } = await joinSidecar(() => undefined);
  const first = await post({ code: "GOOD" });
  assert.equal(first.statusCode, 503);
  assert.equal(first.headers["retry-after"], "60");
  const body = first.json<{ error: string; message: string; request_key: string }>();
  assert.equal(body.error, "write_stalled");
  assert.match(body.message, /will not spend your code again/);
  assert.equal(body.request_key, keys[0]);

  disk.settle({
    ok: true,
    key: `lobby:${keys[0]}`,
    roomId: "!room:example.org",
    alias: "#lobby:example.org",
    url: "https://matrix.to/#/#lobby:example.org",
    title: "lobby",
  });
  const again = await post({ code: "GOOD", request_key: body.request_key });
  assert.equal(again.statusCode, 200);
  assert.deepEqual(keys, [body.request_key, body.request_key], "the engine saw one request twice");
});

test("a lobby open while writes fail is refused at once, the engine never asked", async () => {
  const { keys, post } = await joinSidecar(() => FULL);
  const answer = await post({ code: "GOOD" });
  assert.equal(answer.statusCode, 503);
  assert.equal(answer.json<{ error: string }>().error, "write_failing");
  assert.deepEqual(keys, []);
});

test("a request key that is not one anteroom gives is refused as bad input", async () => {
  const { keys, post } = await joinSidecar(() => undefined);
  const answer = await post({ code: "GOOD", request_key: "../etc" });
  assert.equal(answer.statusCode, 400);
  assert.deepEqual(keys, []);
});

async function adminApp(failing: () => string | undefined) {
  const disk = stuck<{ minted: string }>();
  const logged: string[] = [];
  const app = Fastify({
    logger: {
      level: "warn",
      stream: { write: (line: string) => void logged.push(line) },
    },
  });
  installAdminErrorHandling(app);
  boundAdminCommands(app, { failing, afterMs: 20 });
  app.post("/admin/v1/codes/invite", async (_request, reply) => {
    const minted = await disk.promise;
    return reply.code(201).send(minted);
  });
  app.get("/admin/v1/codes/invite", async () => ({ codes: {} }));
  return { app, disk, logged };
}

test("an admin command stuck on the disk is answered 503 after the bound, and its late answer goes nowhere", async () => {
  const { app, disk, logged } = await adminApp(() => undefined);
  const answer = await app.inject({ method: "POST", url: "/admin/v1/codes/invite", payload: {} });
  assert.equal(answer.statusCode, 503);
  assert.equal(answer.json<{ error: string }>().error, "write_stalled");
  disk.settle({ minted: "ABC" });
  await disk.promise;
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.deepEqual(
    logged.filter((line) => /already sent/i.test(line)),
    [],
    "no complaint about a second answer",
  );
});

test("an admin command while writes fail is refused at once with why; reading still works", async () => {
  const { app } = await adminApp(() => FULL);
  const command = await app.inject({ method: "POST", url: "/admin/v1/codes/invite", payload: {} });
  assert.equal(command.statusCode, 503);
  const body = command.json<{ error: string; message: string }>();
  assert.equal(body.error, "write_failing");
  assert.match(body.message, /^nothing was done.*no space left on device/);
  const read = await app.inject({ method: "GET", url: "/admin/v1/codes/invite" });
  assert.equal(read.statusCode, 200);
});

test("the form without JavaScript: a stuck open answers a page whose form repeats the same request", async () => {
  const { app, keys } = await joinSidecar(() => undefined);
  const form = (payload: string) =>
    app.inject({
      method: "POST",
      url: "/join",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload,
    });
  const first = await form("code=GOOD");
  assert.equal(first.statusCode, 503);
  const hidden = /<input type="hidden" name="request_key" value="([^"]+)">/.exec(first.body);
  assert.equal(hidden?.[1], keys[0], "the page carries the request's key");
  await form(`code=GOOD&request_key=${hidden?.[1]}`);
  assert.deepEqual(keys, [keys[0], keys[0]], "sending the form again repeats the same request");
});
