import assert from "node:assert/strict";
import { test } from "node:test";
import { pino } from "pino";
import { buildHttpServer } from "../../src/http/public/server.js";
import { signupRoutes } from "../../src/http/public/signup-routes.js";
import { escapeHtml } from "../../src/http/public/page-shell.js";
import type { SignupDeps } from "../../src/signup/service.js";
import { signupFixture, type SignupFixture } from "./signup-fixtures.js";

async function app(
  f: SignupFixture,
  opts: { ratePerMinute?: number; trustProxy?: string[]; logs?: string[] } = {},
) {
  const logs = opts.logs ?? [];
  const logger = pino({ level: "trace" }, { write: (line: string) => void logs.push(line) });
  const http = buildHttpServer({
    logger,
    sync: { ready: true, lastSyncAt: Date.now(), state: "SYNCING" },
    ...(opts.trustProxy ? { trustProxy: opts.trustProxy } : {}),
  });
  await http.register(signupRoutes, {
    service: f.service,
    ratePerMinute: opts.ratePerMinute ?? 100,
  });
  await http.ready();
  return http;
}

async function withApp(
  book: Record<string, { uses_remaining: number; label: string }>,
  run: (f: SignupFixture, http: Awaited<ReturnType<typeof app>>) => Promise<void>,
  opts: {
    ratePerMinute?: number;
    trustProxy?: string[];
    deps?: Partial<SignupDeps>;
    logs?: string[];
  } = {},
) {
  const f = await signupFixture(book, opts.deps);
  const http = await app(f, opts);
  try {
    await run(f, http);
  } finally {
    await http.close();
    await f.close();
  }
}

const body = (username: string, code = "WELCOME") =>
  JSON.stringify({ code, username, password: "a good password" });

test("POST /signup/api: 200 with the reference shape; no-store", async () => {
  await withApp({ WELCOME: { uses_remaining: 3, label: "" } }, async (f, http) => {
    const res = await http.inject({
      method: "POST",
      url: "/signup/api",
      headers: { "content-type": "application/json" },
      payload: body("alice"),
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers["cache-control"], "no-store");
    const json = res.json<Record<string, unknown>>();
    assert.deepEqual(Object.keys(json).sort(), [
      "access_token",
      "device_id",
      "homeserver",
      "space_id",
      "steps",
      "user_id",
    ]);
    assert.equal(f.codes.value.WELCOME?.uses_remaining, 2);
  });
});

test("unparseable bodies are 400 bad_json, as JSON, without a stack, whatever the content type", async () => {
  await withApp({ WELCOME: { uses_remaining: 3, label: "" } }, async (f, http) => {
    const cases: { payload: string; type?: string }[] = [
      { payload: "{", type: "application/json" },
      { payload: "not json", type: "text/plain" },
      { payload: "code=A&username=b", type: "application/x-www-form-urlencoded" },
      { payload: "[1,2]", type: "application/json" },
      { payload: "", type: "application/json" },
      { payload: "{}", type: "application/x-made-up" }, // JSON after all: read as JSON
      { payload: '{"a":1}' },
      { payload: "", type: undefined },
    ];
    for (const c of cases) {
      const res = await http.inject({
        method: "POST",
        url: "/signup/api",
        headers: c.type ? { "content-type": c.type } : {},
        payload: c.payload,
      });
      const what = `${c.type ?? "(no type)"} ${JSON.stringify(c.payload)}`;
      if (c.payload === '{"a":1}' || c.payload === "{}") {
        assert.equal(res.statusCode, 400, what);
        assert.equal(res.json<{ error: string }>().error, "missing_fields", what);
        continue;
      }
      assert.equal(res.statusCode, 400, `${what}: ${res.body}`);
      assert.match(String(res.headers["content-type"]), /application\/json/);
      const json = res.json<Record<string, unknown>>();
      assert.deepEqual(Object.keys(json).sort(), ["error", "message"], what);
      assert.equal(json.error, "bad_json", what);
      assert.doesNotMatch(res.body, /at .*\.(ts|js):\d+|stack/i);
    }
    assert.equal(f.codes.value.WELCOME?.uses_remaining, 3);
  });
});

test("validation answers use the reference codes", async () => {
  await withApp({ WELCOME: { uses_remaining: 3, label: "" } }, async (_f, http) => {
    const post = (payload: unknown) =>
      http.inject({ method: "POST", url: "/signup/api", payload: payload as object });
    const expect = async (payload: unknown, status: number, error: string) => {
      const res = await post(payload);
      assert.equal(res.statusCode, status, JSON.stringify(payload));
      assert.equal(res.json<{ error: string }>().error, error);
    };
    await expect({ code: "WELCOME" }, 400, "missing_fields");
    await expect(
      { code: "WELCOME", username: "Alice", password: "a good password" },
      400,
      "bad_username",
    );
    await expect(
      { code: "WELCOME", username: "alice", password: "short" },
      400,
      "password_too_short",
    );
    await expect(
      { code: "NOPE", username: "alice", password: "a good password" },
      403,
      "invalid_code",
    );
    await expect(
      { code: "WELCOME", username: "taken", password: "a good password" },
      400,
      "m_user_in_use",
    );
  });
});

test("a body over 16 KiB is refused before it is read", async () => {
  await withApp({ WELCOME: { uses_remaining: 3, label: "" } }, async (_f, http) => {
    const res = await http.inject({
      method: "POST",
      url: "/signup/api",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ code: "WELCOME", username: "a", password: "x".repeat(20_000) }),
    });
    assert.equal(res.statusCode, 413);
    assert.deepEqual(res.json(), {
      error: "body_too_large",
      message: "The request body is larger than 16384 bytes.",
    });
  });
});

test("no registration token: 503 signup_disabled on the API and the page", async () => {
  await withApp(
    { WELCOME: { uses_remaining: 3, label: "" } },
    async (f, http) => {
      const res = await http.inject({
        method: "POST",
        url: "/signup/api",
        payload: JSON.parse(body("alice")) as object,
      });
      assert.equal(res.statusCode, 503);
      assert.equal(res.json<{ error: string }>().error, "signup_disabled");
      const page = await http.inject({ method: "GET", url: "/signup?code=WELCOME" });
      assert.equal(page.statusCode, 503);
      assert.match(page.body, /Signup is not available/);
      assert.equal(f.codes.value.WELCOME?.uses_remaining, 3);
    },
    { deps: { registrationToken: undefined } },
  );
});

test("GET /signup prefills the code, escaped, and spends nothing", async () => {
  await withApp({ WELCOME: { uses_remaining: 3, label: "" } }, async (f, http) => {
    const hostile = `"><script>alert(1)</script><img src=x onerror=alert(2)>`;
    const res = await http.inject({
      method: "GET",
      url: `/signup?code=${encodeURIComponent(hostile)}`,
    });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers["content-type"]), /text\/html/);
    assert.match(String(res.headers["content-security-policy"]), /default-src 'none'/);
    assert.equal(res.headers["referrer-policy"], "no-referrer");
    assert.ok(!res.body.includes("<script>alert"), "the code is not markup");
    assert.ok(!res.body.includes("<img"), "the code is not markup");
    assert.ok(res.body.includes(`value="${escapeHtml(hostile)}"`));
    const plain = await http.inject({ method: "GET", url: "/signup?code=WELCOME" });
    assert.match(plain.body, /name="code"[^>]*value="WELCOME"/);
    assert.match(plain.body, /<form method="post" action="\/signup"/);
    for (const field of ["code", "username", "password", "display_name"]) {
      assert.match(plain.body, new RegExp(`<label for="${field}">`), `a label for ${field}`);
    }
    assert.equal(f.codes.value.WELCOME?.uses_remaining, 3);
    assert.equal(f.hs.requests.length, 0);
  });
});

test("POST /signup (a form): a page with the user id, and the form again on a refusal", async () => {
  await withApp({ WELCOME: { uses_remaining: 3, label: "" } }, async (f, http) => {
    const ok = await http.inject({
      method: "POST",
      url: "/signup",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "code=WELCOME&username=alice&password=a+good+password&display_name=Alice",
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.match(ok.body, /@alice:test/);
    assert.match(ok.body, /https:\/\/matrix\.example\.org/);
    assert.doesNotMatch(ok.body, /token-alice/, "the page shows no access token");
    assert.ok(f.hs.requests.some((r) => r.path === "/_matrix/client/v3/logout"));

    const taken = await http.inject({
      method: "POST",
      url: "/signup",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "code=WELCOME&username=taken&password=a+good+password&display_name=%3Cb%3E",
    });
    assert.equal(taken.statusCode, 400);
    assert.match(taken.body, /role="alert"/);
    assert.match(taken.body, /m_user_in_use/);
    assert.match(taken.body, /name="username"[^>]*value="taken"/);
    assert.match(taken.body, /value="&lt;b&gt;"/);
    assert.doesNotMatch(taken.body, /a good password/, "the password is never sent back");

    const short = await http.inject({
      method: "POST",
      url: "/signup",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "code=WELCOME&username=bob&password=short",
    });
    assert.equal(short.statusCode, 400);
    assert.match(short.body, /password_too_short/);
    assert.equal(f.codes.value.WELCOME?.uses_remaining, 2);
  });
});

test("past the rate limit: 429 rate_limited with Retry-After, nothing spent, shared by both routes", async () => {
  await withApp(
    { WELCOME: { uses_remaining: 100, label: "" } },
    async (f, http) => {
      const answers = [];
      for (let i = 0; i < 3; i++) {
        answers.push(
          await http.inject({
            method: "POST",
            url: "/signup/api",
            payload: JSON.parse(body(`user${i}`)) as object,
          }),
        );
      }
      assert.deepEqual(
        answers.map((a) => a.statusCode),
        [200, 200, 200],
      );
      const api = await http.inject({
        method: "POST",
        url: "/signup/api",
        payload: JSON.parse(body("late")) as object,
      });
      assert.equal(api.statusCode, 429);
      assert.equal(api.json<{ error: string }>().error, "rate_limited");
      assert.ok(Number(api.headers["retry-after"]) > 0, "Retry-After");
      const form = await http.inject({
        method: "POST",
        url: "/signup",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: "code=WELCOME&username=late2&password=a+good+password",
      });
      assert.equal(form.statusCode, 429);
      assert.ok(Number(form.headers["retry-after"]) > 0);
      assert.match(form.body, /Too many signup attempts/);
      assert.equal(f.codes.value.WELCOME?.uses_remaining, 97);
      // Another address has its own allowance.
      const other = await http.inject({
        method: "POST",
        url: "/signup/api",
        remoteAddress: "10.0.0.9",
        payload: JSON.parse(body("other")) as object,
      });
      assert.equal(other.statusCode, 200);
      // The page itself is never limited.
      assert.equal((await http.inject({ method: "GET", url: "/signup" })).statusCode, 200);
    },
    { ratePerMinute: 3 },
  );
});

test("X-Forwarded-For counts only from a trusted proxy", async () => {
  const limited = async (trustProxy: string[] | undefined) => {
    const statuses: number[] = [];
    await withApp(
      { WELCOME: { uses_remaining: 100, label: "" } },
      async (_f, http) => {
        for (let i = 0; i < 3; i++) {
          const res = await http.inject({
            method: "POST",
            url: "/signup/api",
            remoteAddress: "10.1.1.1",
            headers: { "x-forwarded-for": `203.0.113.${i}` },
            payload: JSON.parse(body(`u${i}`)) as object,
          });
          statuses.push(res.statusCode);
        }
      },
      { ratePerMinute: 1, ...(trustProxy ? { trustProxy } : {}) },
    );
    return statuses;
  };
  // Untrusted: every request is the proxy's own address, so the second is limited.
  assert.deepEqual(await limited(undefined), [200, 429, 429]);
  // Trusted: each forwarded client has its own allowance.
  assert.deepEqual(await limited(["10.1.1.0/24"]), [200, 200, 200]);
});

test("neither the password nor tokens reach the log", async () => {
  const logs: string[] = [];
  await withApp(
    { WELCOME: { uses_remaining: 3, label: "" } },
    async (_f, http) => {
      await http.inject({
        method: "POST",
        url: "/signup/api",
        payload: JSON.parse(body("alice")) as object,
      });
      await http.inject({
        method: "POST",
        url: "/signup/api",
        payload: JSON.parse(body("taken")) as object,
      });
      await http.inject({
        method: "POST",
        url: "/signup/api",
        headers: { "content-type": "application/json" },
        payload: '{"password": "a good password", oops',
      });
    },
    { logs },
  );
  const text = logs.join("\n");
  assert.doesNotMatch(text, /a good password|token-alice|server-held-token/);
});
