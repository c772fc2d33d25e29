import { test } from "node:test";
import assert from "node:assert/strict";
import Fastify from "fastify";
import type { OpenLobbyResult } from "../../core/api.js";
import { joinRoutes } from "../../src/http/public/join-routes.js";

/** A sidecar with the join routes over a stand-in engine that knows one code with `uses` uses. */
async function sidecar(
  opts: { uses?: number; fail?: boolean; perIp?: number; perCode?: number } = {},
) {
  let uses = opts.uses ?? 100;
  const calls: string[] = [];
  const engine = {
    async openLobby(code: string, requestKey: string): Promise<OpenLobbyResult> {
      calls.push(`${code} ${requestKey}`);
      if (code.toUpperCase() !== "GOOD")
        return { ok: false, error: "invalid_code", refusal: "unknown_code" };
      if (uses <= 0) return { ok: false, error: "invalid_code", refusal: "used_up" };
      if (opts.fail) return { ok: false, error: "create_failed" };
      uses--;
      const alias = "#anteroom-lobby-abc:example.org";
      return {
        ok: true,
        key: `lobby:${requestKey}`,
        roomId: "!room:example.org",
        alias,
        url: `https://matrix.to/#/${alias}`,
        title: "anteroom lobby",
      };
    },
  };
  const app = Fastify();
  await app.register(joinRoutes, {
    engine,
    perIpPerMinute: opts.perIp ?? 1000,
    perCodePerMinute: opts.perCode ?? 1000,
  });
  return { app, calls };
}

const postApi = (app: Awaited<ReturnType<typeof sidecar>>["app"], payload: string) =>
  app.inject({
    method: "POST",
    url: "/join/api",
    headers: { "content-type": "application/json" },
    payload,
  });

test("a good code gets the room's link, and never the challenge", async () => {
  const { app } = await sidecar();
  const res = await postApi(app, JSON.stringify({ code: "GOOD" }));
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), {
    url: "https://matrix.to/#/#anteroom-lobby-abc:example.org",
    alias: "#anteroom-lobby-abc:example.org",
    room_id: "!room:example.org",
    title: "anteroom lobby",
  });
  assert.equal(res.headers["cache-control"], "no-store");
});

test("the reference refusals: bad_json, missing_code, invalid_code, create_failed", async () => {
  const { app, calls } = await sidecar({ uses: 0 });
  const cases: [string, number, string][] = [
    ["{not json", 400, "bad_json"],
    ["[1,2]", 400, "bad_json"],
    ["", 400, "bad_json"],
    ["{}", 400, "missing_code"],
    [JSON.stringify({ code: 12 }), 400, "missing_code"],
    [JSON.stringify({ code: "  " }), 400, "missing_code"],
    [JSON.stringify({ code: "WRONG" }), 403, "invalid_code"],
    [JSON.stringify({ code: "GOOD" }), 403, "invalid_code"],
    [JSON.stringify({ code: "x".repeat(500) }), 403, "invalid_code"],
  ];
  for (const [payload, status, error] of cases) {
    const res = await postApi(app, payload);
    assert.equal(res.statusCode, status, payload);
    assert.equal(res.json().error, error, payload);
    assert.equal(typeof res.json().message, "string");
  }
  assert.deepEqual(
    calls.map((c) => c.split(" ")[0]),
    ["WRONG", "GOOD"],
    "malformed requests never reach the engine",
  );
  const failing = await sidecar({ fail: true });
  const res = await postApi(failing.app, JSON.stringify({ code: "GOOD" }));
  assert.equal(res.statusCode, 500);
  assert.equal(res.json().error, "create_failed");
});

test("every request is its own lobby request: two clicks are two keys", async () => {
  const { app, calls } = await sidecar();
  await postApi(app, JSON.stringify({ code: "GOOD" }));
  await postApi(app, JSON.stringify({ code: "GOOD" }));
  const keys = calls.map((c) => c.split(" ")[1]);
  assert.equal(new Set(keys).size, 2);
});

test("past the per-code limit: 429 with Retry-After, and the engine is not asked", async () => {
  const { app, calls } = await sidecar({ perCode: 2 });
  const statuses: number[] = [];
  let last;
  for (let i = 0; i < 4; i++) {
    last = await postApi(app, JSON.stringify({ code: i % 2 ? "good" : "GOOD" }));
    statuses.push(last.statusCode);
  }
  assert.deepEqual(statuses, [200, 200, 429, 429]);
  assert.equal(last?.json().error, "rate_limited");
  assert.ok(Number(last?.headers["retry-after"]) > 0);
  assert.equal(calls.length, 2);
  const other = await postApi(app, JSON.stringify({ code: "WRONG" }));
  assert.equal(other.statusCode, 403, "another code has its own allowance");
});

test("past the per-address limit: 429 before the body is read, nothing spent", async () => {
  const { app, calls } = await sidecar({ perIp: 1 });
  assert.equal((await postApi(app, JSON.stringify({ code: "GOOD" }))).statusCode, 200);
  const limited = await postApi(app, JSON.stringify({ code: "GOOD" }));
  assert.equal(limited.statusCode, 429);
  assert.ok(limited.headers["retry-after"]);
  const form = await app.inject({
    method: "POST",
    url: "/join",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: "code=GOOD",
  });
  assert.equal(form.statusCode, 429, "the form shares the allowance");
  assert.equal(calls.length, 1);
});

test("the join page spends nothing, explains what happens, and escapes the code", async () => {
  const { app, calls } = await sidecar();
  const res = await app.inject({
    method: "GET",
    url: "/join?code=%22%3E%3Cscript%3Ex%3C/script%3E",
  });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers["content-type"]), /text\/html/);
  assert.match(String(res.headers["content-security-policy"]), /default-src 'none'/);
  assert.doesNotMatch(res.body, /"><script>x/);
  assert.match(res.body, /value="&quot;&gt;&lt;script&gt;x&lt;\/script&gt;"/);
  assert.match(res.body, /<form id="join" method="post" action="\/join"/);
  assert.match(res.body, /only the button does/);
  const landing = await app.inject({ method: "GET", url: "/" });
  assert.equal(landing.statusCode, 200);
  assert.match(landing.body, /action="\/join"/);
  assert.deepEqual(calls, []);
});

test("without JavaScript the form posts and gets a page with the room's link", async () => {
  const { app } = await sidecar({ uses: 1 });
  const post = (payload: string) =>
    app.inject({
      method: "POST",
      url: "/join",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload,
    });
  const done = await post("code=GOOD");
  assert.equal(done.statusCode, 200);
  assert.match(done.body, /href="https:\/\/matrix\.to\/#\/#anteroom-lobby-abc:example\.org"/);
  const used = await post("code=GOOD");
  assert.equal(used.statusCode, 403);
  assert.match(used.body, /no uses left/);
  assert.equal((await post("")).statusCode, 400);
});
