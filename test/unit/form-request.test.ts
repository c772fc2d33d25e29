// The form webhook without a homeserver: reading Tally, Typeform and plain payloads, the
// honeypot, Matrix ID checks, signatures, the engine's form requests, the route's answers, and
// submissions already handled (a retry or a replayed signed post) answered as duplicates.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import {
  normaliseUserId,
  readFormRequest,
  submissionIdOf,
} from "../../core/vetting/form-request.js";
import { HandledSubmissions } from "../../src/store/form-submissions.js";
import { formSignatureValid } from "../../src/http/public/form-hook-signature.js";
import { formHookRoutes, type FormIntake } from "../../src/http/public/form-hook-routes.js";
import type { FormRequest } from "../../core/engine/form-desk.js";
import { Engine } from "../../core/engine/engine.js";
import type { Screen } from "../../core/moderation/screening.js";
import { World, settings } from "./engine-fixtures.js";
import { systemClock } from "../../src/system-clock.js";

const tally = (fields: { key: string; label: string; type: string; value: unknown }[]) => ({
  eventId: "a4cb511e-1",
  eventType: "FORM_RESPONSE",
  createdAt: "2026-11-23T10:00:00.000Z",
  data: { responseId: "2wgx4n", formId: "VwbNEw", formName: "Join us", fields },
});

const typeform = {
  event_id: "LtWXD3crgy",
  event_type: "form_response",
  form_response: {
    form_id: "lT4Z3j",
    token: "a3a12ec67a1365927098a606107fac15",
    definition: {
      id: "lT4Z3j",
      title: "Join us",
      fields: [
        { id: "DlXFaesGBpoF", title: "Your Matrix ID", type: "short_text", ref: "matrix_id" },
        { id: "SMEUb7VJz92Q", title: "Website", type: "website", ref: "hp" },
      ],
    },
    answers: [
      {
        type: "text",
        text: "@typed:example.org",
        field: { id: "DlXFaesGBpoF", type: "short_text", ref: "matrix_id" },
      },
      { type: "url", url: "", field: { id: "SMEUb7VJz92Q", type: "website", ref: "hp" } },
    ],
  },
};

test("a Tally payload's Matrix ID is found by field label or key", () => {
  const payload = tally([
    { key: "question_3EKz4n", label: "Matrix ID", type: "INPUT_TEXT", value: "@tally:example.org" },
    { key: "question_w4Q1Ld", label: "Why", type: "TEXTAREA", value: "friends" },
  ]);
  assert.deepEqual(readFormRequest(payload, { mxidField: "matrix id" }), {
    ok: true,
    honeypot: false,
    user: "@tally:example.org",
    service: "tally",
  });
  const byKey = readFormRequest(payload, { mxidField: "question_3EKz4n" });
  assert.equal(byKey.ok && !byKey.honeypot && byKey.user, "@tally:example.org");
});

test("a Typeform answer is found by ref, id or the question's title", () => {
  for (const field of ["matrix_id", "DlXFaesGBpoF", "Your Matrix ID"]) {
    const reading = readFormRequest(typeform, { mxidField: field, honeypotField: "hp" });
    assert.equal(reading.ok && !reading.honeypot && reading.user, "@typed:example.org", field);
  }
});

test("a plain object and a form without the '@' both work", () => {
  const plain = readFormRequest({ mxid: " plain:example.org " }, { mxidField: "mxid" });
  assert.equal(plain.ok && !plain.honeypot && plain.user, "@plain:example.org");
});

test("a filled honeypot is recognised in every shape; an empty one is not", () => {
  const filled = [
    [
      tally([{ key: "k", label: "website", type: "HIDDEN_FIELDS", value: "spam.example" }]),
      "website",
    ],
    [
      {
        ...typeform,
        form_response: {
          ...typeform.form_response,
          answers: [{ type: "url", url: "http://x", field: { id: "SMEUb7VJz92Q", ref: "hp" } }],
        },
      },
      "hp",
    ],
    [{ mxid: "@a:example.org", website: "x" }, "website"],
  ] as const;
  for (const [payload, honeypotField] of filled) {
    const reading = readFormRequest(payload, { mxidField: "mxid", honeypotField });
    assert.equal(reading.ok && reading.honeypot, true, JSON.stringify(payload).slice(0, 60));
  }
  const empty = readFormRequest(
    { mxid: "@a:example.org", website: " " },
    {
      mxidField: "mxid",
      honeypotField: "website",
    },
  );
  assert.equal(empty.ok && !empty.honeypot && empty.user, "@a:example.org");
});

test("a missing or malformed Matrix ID is refused with a reason", () => {
  const fields = { mxidField: "mxid" };
  assert.equal(readFormRequest({}, fields).ok, false);
  assert.equal(readFormRequest("text", fields).ok, false);
  const missing = readFormRequest({ other: "@a:b.org" }, fields);
  assert.equal(!missing.ok && missing.error, "missing_mxid");
  for (const bad of [
    "@nocolon",
    "@:example.org",
    "@a:",
    "@a b:example.org",
    "@a:exa mple.org",
    42,
  ]) {
    const reading = readFormRequest({ mxid: bad }, fields);
    assert.equal(reading.ok, false, String(bad));
  }
});

test("control characters, non-ASCII and over-long IDs are never accepted", () => {
  assert.equal(normaliseUserId("@evil\u001b[31m:example.org"), undefined);
  assert.equal(normaliseUserId("@a:example.org\n@b:example.org"), undefined);
  assert.equal(normaliseUserId("@\u202eevil:example.org"), undefined);
  assert.equal(normaliseUserId(`@${"a".repeat(250)}:example.org`), undefined);
  assert.equal(
    normaliseUserId("@ok_name.1=x/y+z:matrix.example.org:8448"),
    "@ok_name.1=x/y+z:matrix.example.org:8448",
  );
});

const SECRET = "form-secret-123";
const sign = (body: string) => createHmac("sha256", SECRET).update(body).digest("base64");

test("Tally and Typeform signatures are checked over the raw body", () => {
  const body = JSON.stringify({ mxid: "@a:example.org" });
  assert.equal(formSignatureValid(SECRET, body, { "tally-signature": sign(body) }), true);
  assert.equal(
    formSignatureValid(SECRET, body, { "typeform-signature": `sha256=${sign(body)}` }),
    true,
  );
  assert.equal(formSignatureValid(SECRET, body, { "typeform-signature": sign(body) }), false);
  assert.equal(formSignatureValid(SECRET, `${body} `, { "tally-signature": sign(body) }), false);
  assert.equal(formSignatureValid("other-secret", body, { "tally-signature": sign(body) }), false);
  assert.equal(formSignatureValid(SECRET, body, { "tally-signature": "short" }), false);
  assert.equal(formSignatureValid(SECRET, body, {}), false);
});

const USER = "@form:example.org";

test("a queued form request waits for a moderator, and approving it invites everywhere", async () => {
  const world = new World({});
  assert.equal(
    await world.engine.submitRequest({ user: USER, note: "form (tally)", mode: "queue" }),
    "queued",
  );
  await world.settle();
  const record = world.record(USER);
  assert.equal(record?.phase, "held");
  assert.equal(record?.source, "form");
  assert.equal(world.matrix.ops("invite").length, 0);
  const approved = await world.engine.moderate(
    record.key,
    { action: "approve" },
    "@mod:example.org",
  );
  assert.deepEqual(approved, { ok: true });
  await world.settle();
  assert.deepEqual(
    world.matrix.ops("invite").map(([room]) => room),
    [settings.spaceId, ...settings.childIds],
  );
});

test("a second submission while one is pending makes no second record", async () => {
  const world = new World({});
  await world.engine.submitRequest({ user: USER, note: "form", mode: "queue" });
  assert.equal(
    await world.engine.submitRequest({ user: USER, note: "form", mode: "queue" }),
    "pending",
  );
  assert.equal(Object.keys(world.vetting.value).length, 1);
});

test("invite mode invites at once", async () => {
  const world = new World({});
  assert.equal(
    await world.engine.submitRequest({ user: USER, note: "form", mode: "invite" }),
    "invited",
  );
  await world.settle();
  assert.equal(world.record(USER)?.phase, "passed");
  assert.equal(world.matrix.ops("invite").length, 1 + settings.childIds.length);
});

test("a form request that lapses or is rejected never kicks the person", async () => {
  const world = new World({});
  await world.engine.submitRequest({ user: USER, note: "form", mode: "queue" });
  await world.settle();
  // The person has left the space once before: that is not a withdrawn request.
  world.memberships.set(USER, "leave");
  await world.reconcile();
  assert.equal(world.record(USER)?.phase, "held");
  await world.advance(604_800_000 + 1000);
  assert.equal(world.record(USER)?.phase, "denied");
  assert.ok(world.audit.some((entry) => entry.type === "form_request_expired"));

  await world.engine.submitRequest({ user: USER, note: "form", mode: "queue" });
  const fresh = Object.values(world.vetting.value).find((r) => r.phase === "held");
  assert.ok(fresh);
  await world.engine.moderate(fresh.key, { action: "reject" }, "@mod:example.org");
  await world.settle();
  assert.equal(world.matrix.ops("kick").length, 0);
});

/** The World's stores under an engine that screens with `screen`. */
function screenedEngine(world: World, screen: Screen): Engine {
  return new Engine(
    {
      matrix: world.matrix,
      codes: world.codes,
      signupCodes: world.signupCodes,
      vetting: world.vetting,
      lobbies: world.lobbies,
      audit: { append: async (r) => void world.audit.push(r), read: async () => world.audit },
      clock: { now: () => world.now, wakeAfter: systemClock.wakeAfter },
      log: { info() {}, warn() {}, error() {} },
      random: () => 0.5,
      secureRandom: (bytes) => new Uint8Array(bytes),
      screen,
    },
    settings,
  );
}

test("a blocked person is answered like anyone else, audited, and not recorded", async () => {
  const world = new World({});
  const engine = screenedEngine(world, ({ userId }) =>
    userId === USER ? { source: "blocklist", explanation: "exact id" } : undefined,
  );
  assert.equal(await engine.submitRequest({ user: USER, note: "form", mode: "invite" }), "invited");
  await engine.idle();
  assert.equal(Object.keys(world.vetting.value).length, 0);
  assert.equal(world.matrix.ops("invite").length, 0);
  assert.ok(world.audit.some((entry) => entry.type === "form_blocked" && entry.user === USER));
});

test("a look-alike of a blocked name is queued for a moderator even in invite mode", async () => {
  const world = new World({});
  const engine = screenedEngine(world, () => ({
    source: "blocklist",
    explanation: "near @marko",
    guess: true,
  }));
  assert.equal(await engine.submitRequest({ user: USER, note: "form", mode: "invite" }), "invited");
  await engine.idle();
  assert.equal(world.record(USER)?.phase, "held");
  assert.equal(world.matrix.ops("invite").length, 0);
});

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function ledgerPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-form-"));
  dirs.push(dir);
  return join(dir, "form-submissions.json");
}

class RecordingIntake implements FormIntake {
  readonly requests: FormRequest[] = [];
  honeypots = 0;
  /** The next submitRequest throws, as an engine whose disk is full would. */
  failNext = false;
  async submitRequest(request: FormRequest) {
    if (this.failNext) {
      this.failNext = false;
      throw new Error("disk full");
    }
    this.requests.push(request);
    return "queued" as const;
  }
  async formHoneypot() {
    this.honeypots++;
  }
}

async function route(
  opts: { secret?: string; perIpPerMinute?: number; submissions?: HandledSubmissions } = {},
) {
  const intake = new RecordingIntake();
  const app = Fastify();
  await app.register(formHookRoutes, {
    engine: intake,
    submissions: opts.submissions ?? (await HandledSubmissions.open(await ledgerPath())),
    mode: "queue",
    fields: { mxidField: "Matrix ID", honeypotField: "website" },
    perIpPerMinute: opts.perIpPerMinute ?? 100,
    ...(opts.secret ? { secret: opts.secret } : {}),
  });
  const post = (payload: string, headers: Record<string, string> = {}) =>
    app.inject({
      method: "POST",
      url: "/hooks/form",
      payload,
      headers: { "content-type": "application/json", ...headers },
    });
  return { app, intake, post };
}

test("the route answers each kind of post as documented", async () => {
  const { intake, post } = await route({ secret: SECRET });
  const good = JSON.stringify(
    tally([{ key: "q1", label: "Matrix ID", type: "INPUT_TEXT", value: "@r:example.org" }]),
  );
  const ok = await post(good, { "tally-signature": sign(good) });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), { status: "queued" });
  assert.deepEqual(
    intake.requests.map((r) => r.user),
    ["@r:example.org"],
  );

  const unsigned = await post(good);
  assert.equal(unsigned.statusCode, 401);
  assert.equal(unsigned.json().error, "bad_signature");

  const answers: [string, number, string][] = [
    ["{not json", 400, "bad_json"],
    ["[1,2]", 400, "bad_json"],
    [JSON.stringify({ other: 1 }), 400, "missing_mxid"],
    [JSON.stringify({ "Matrix ID": "not an id" }), 400, "bad_mxid"],
  ];
  for (const [body, status, error] of answers) {
    const res = await post(body, { "tally-signature": sign(body) });
    assert.equal(res.statusCode, status, body);
    assert.equal(res.json().error, error, body);
  }
  const honey = JSON.stringify({ "Matrix ID": "@bot:example.org", website: "x" });
  const caught = await post(honey, { "tally-signature": sign(honey) });
  assert.equal(caught.statusCode, 200);
  assert.deepEqual(caught.json(), { status: "accepted" });
  assert.equal(intake.honeypots, 1);

  const big = JSON.stringify({ "Matrix ID": "@a:example.org", pad: "x".repeat(70_000) });
  assert.equal((await post(big, { "tally-signature": sign(big) })).statusCode, 413);
  assert.equal(intake.requests.length, 1);
});

test("a burst past the per-address limit gets 429 with Retry-After and asks nothing", async () => {
  const { intake, post } = await route({ perIpPerMinute: 2 });
  const statuses: number[] = [];
  let retryAfter: string | string[] | number | undefined;
  for (let i = 0; i < 4; i++) {
    const res = await post(JSON.stringify({ "Matrix ID": `@a${i}:example.org` }));
    statuses.push(res.statusCode);
    if (res.statusCode === 429) retryAfter = res.headers["retry-after"];
  }
  assert.deepEqual(statuses, [200, 200, 429, 429]);
  assert.ok(Number(retryAfter) > 0);
  assert.equal(intake.requests.length, 2);
});

test("a plain HTML form post (form-encoded) works too", async () => {
  const { intake, app } = await route();
  const res = await app.inject({
    method: "POST",
    url: "/hooks/form",
    payload: "Matrix+ID=%40html%3Aexample.org&website=",
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(
    intake.requests.map((r) => r.user),
    ["@html:example.org"],
  );
});

test("each service's submission id is read; a plain form has none", () => {
  assert.equal(submissionIdOf(tally([])), "tally:a4cb511e-1");
  assert.equal(submissionIdOf({ data: { responseId: "2wgx4n", fields: [] } }), "tally:2wgx4n");
  assert.equal(submissionIdOf(typeform), "typeform:LtWXD3crgy");
  assert.equal(submissionIdOf({ form_response: { token: "a3a1", answers: [] } }), "typeform:a3a1");
  assert.equal(submissionIdOf({ "Matrix ID": "@a:example.org" }), undefined);
  assert.equal(submissionIdOf({ eventId: "x".repeat(500), data: { fields: [] } }), undefined);
});

test("a replayed signed post is answered as a duplicate and not acted on, also after a restart", async () => {
  const path = await ledgerPath();
  const first = await route({ secret: SECRET, submissions: await HandledSubmissions.open(path) });
  const body = JSON.stringify(
    tally([{ key: "q1", label: "Matrix ID", type: "INPUT_TEXT", value: "@r:example.org" }]),
  );
  const headers = { "tally-signature": sign(body) };
  assert.deepEqual((await first.post(body, headers)).json(), { status: "queued" });
  const replay = await first.post(body, headers);
  assert.equal(replay.statusCode, 200);
  assert.deepEqual(replay.json(), { status: "duplicate" });
  assert.equal(first.intake.requests.length, 1);
  // Only digests are kept, in a private file.
  assert.equal((await stat(path)).mode & 0o777, 0o600);

  // The daemon restarts: the ledger is read back from disk.
  const second = await route({ secret: SECRET, submissions: await HandledSubmissions.open(path) });
  assert.deepEqual((await second.post(body, headers)).json(), { status: "duplicate" });
  assert.equal(second.intake.requests.length, 0);
  // Another submission of the same form goes through.
  const other = JSON.stringify({
    ...tally([{ key: "q1", label: "Matrix ID", type: "INPUT_TEXT", value: "@s:example.org" }]),
    eventId: "a4cb511e-2",
  });
  const answer = await second.post(other, { "tally-signature": sign(other) });
  assert.deepEqual(answer.json(), { status: "queued" });
});

test("a plain form's same body twice is one submission; a failed one can be retried", async () => {
  const { intake, post } = await route();
  const body = JSON.stringify({ "Matrix ID": "@p:example.org" });
  intake.failNext = true;
  assert.equal((await post(body)).statusCode, 500);
  assert.deepEqual((await post(body)).json(), { status: "queued" });
  assert.deepEqual((await post(body)).json(), { status: "duplicate" });
  assert.equal(intake.requests.length, 1);
});
