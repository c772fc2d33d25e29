// The signup path against the real Synapse (token, then dummy): POST /signup/api, the form, the
// page, rate limits, the atomic redeem.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { MatrixUserClient } from "../../src/devserver/newcomer.js";
import { connectEngine } from "../../src/control/attach-client.js";
import type { EngineEvent } from "../../core/engine/events.js";
import { CryptoUser } from "../harness/crypto-user.js";
import { waitFor } from "../harness/wait.js";

let hs: TestHomeserver;
let community: TestCommunity;
let daemon: TestDaemon;
/** A member who handed out the INVITED code. */
let carol: MatrixUserClient;
/** A member on an encrypting client, who handed out the FROM_ERIN code. */
let erin: CryptoUser;

const RATE = 5;
const CODES = {
  MANY: { uses_remaining: 50, label: "friends" },
  ONCE: { uses_remaining: 1, label: "single" },
  BURST: { uses_remaining: 20, label: "burst" },
  FORM: { uses_remaining: 2, label: "form" },
  LEAKED: { uses_remaining: 10, label: "leaked" },
  PLAIN: { uses_remaining: 2, label: "no inviter" },
  WATCHED: { uses_remaining: 3, label: "watched" },
};
const CODE_RATE = 5;

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 2 });
  carol = new MatrixUserClient(hs.url, await hs.registerUser(username("carol")));
  erin = await CryptoUser.start(hs, await hs.registerUser(username("erin")));
  const codes = {
    ...CODES,
    INVITED: { uses_remaining: 2, label: "from carol", inviter: carol.userId },
    FROM_ERIN: { uses_remaining: 1, label: "from erin", inviter: erin.user.userId },
  };
  daemon = await TestDaemon.start(hs, community, {
    env: {
      REGISTRATION_TOKEN: hs.registrationToken,
      INITIAL_SIGNUP_CODES: JSON.stringify(codes),
      HS_PUBLIC: "https://matrix.example.test",
      SIGNUP_RATE_PER_MIN: String(RATE),
      SIGNUP_CODE_RATE_PER_MIN: String(CODE_RATE),
      // The tests stand in for an ingress: each test speaks from its own client addresses.
      TRUSTED_PROXIES: "127.0.0.1",
    },
  });
});

after(async () => {
  erin?.stop();
  await daemon?.stop();
  await hs?.stop();
});

let nextClient = 1;
/** A fresh client address, so each test has its own rate allowance. */
function clientIp(): string {
  const n = nextClient++;
  return `198.51.${Math.floor(n / 250)}.${(n % 250) + 1}`;
}

const username = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;

async function post(
  path: string,
  body: string,
  opts: { ip?: string; type?: string; target?: TestDaemon } = {},
): Promise<{ status: number; headers: Headers; text: string; json: Record<string, unknown> }> {
  const res = await fetch(`${(opts.target ?? daemon).url}${path}`, {
    method: "POST",
    headers: {
      "content-type": opts.type ?? "application/json",
      "x-forwarded-for": opts.ip ?? clientIp(),
    },
    body,
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // an HTML page
  }
  return { status: res.status, headers: res.headers, text, json };
}

const signupApi = (fields: Record<string, unknown>, ip?: string) =>
  post("/signup/api", JSON.stringify(fields), ip ? { ip } : {});

async function usesLeft(code: string): Promise<number | undefined> {
  const book = JSON.parse(
    await readFile(join(daemon.dataDir, "signup_codes.json"), "utf8"),
  ) as Record<string, { uses_remaining: number }>;
  return book[code]?.uses_remaining;
}

async function auditLog(): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(daemon.dataDir, "log.jsonl"), "utf8");
  return text
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function login(
  user: string,
  password: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${hs.url}/_matrix/client/v3/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      type: "m.login.password",
      identifier: { type: "m.id.user", user },
      password,
    }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

test("a signup makes an account that can log in, in the space and every child room", async () => {
  const name = username("ada");
  const password = `pw-${randomBytes(8).toString("hex")}`;
  const before = await usesLeft("MANY");
  const res = await signupApi({ code: "MANY", username: name, password, display_name: "Ada L." });
  assert.equal(res.status, 200, res.text);
  const userId = `@${name}:${hs.serverName}`;
  assert.equal(res.json.user_id, userId);
  assert.equal(res.json.homeserver, "https://matrix.example.test");
  assert.equal(res.json.space_id, community.spaceId);
  assert.equal(typeof res.json.access_token, "string");
  assert.equal(typeof res.json.device_id, "string");
  const steps = res.json.steps as { step: string; ok: boolean; error?: string }[];
  assert.deepEqual(
    steps.map((s) => s.step),
    [
      "register",
      "display_name",
      `invite:${community.spaceId}`,
      `join:${community.spaceId}`,
      ...community.childIds.flatMap((id) => [`invite:${id}`, `join:${id}`]),
    ],
  );
  assert.ok(
    steps.every((s) => s.ok),
    JSON.stringify(steps.filter((s) => !s.ok)),
  );
  assert.equal(res.headers.get("cache-control"), "no-store");

  // The account logs in with the password, as a person's own client would.
  const session = await login(name, password);
  assert.equal(session.status, 200, JSON.stringify(session.json));
  assert.equal(session.json.user_id, userId);

  // Joined to the space and each child, seen from the bot's side.
  for (const roomId of [community.spaceId, ...community.childIds]) {
    assert.equal(await community.botClient.membership(roomId, userId), "join", roomId);
  }
  const profile = await community.botClient.request<{ displayname?: string }>(
    "GET",
    `/profile/${encodeURIComponent(userId)}`,
  );
  assert.equal(profile.displayname, "Ada L.");

  assert.equal(await usesLeft("MANY"), (before ?? 0) - 1);
  const record = (await auditLog()).find((r) => r.type === "signup" && r.user_id === userId);
  assert.ok(record, "a signup audit record");
  assert.equal(record.label, "friends");
  assert.equal(record.code, "MANY");

  // Neither the password nor the new token is written anywhere.
  const audit = await readFile(join(daemon.dataDir, "log.jsonl"), "utf8");
  const logs = JSON.stringify(daemon.logs);
  for (const secret of [password, String(res.json.access_token), hs.registrationToken]) {
    assert.ok(!audit.includes(secret), "not in the audit log");
    assert.ok(!logs.includes(secret), "not in the daemon's log");
  }
});

test("an attached console sees a signup's use of its code and its audit entry as they happen", async (t) => {
  const attached = await connectEngine(join(daemon.dataDir, "admin.sock"));
  t.after(() => attached.close());
  const events: EngineEvent[] = [];
  t.after(attached.subscribe((event) => events.push(event)));
  const name = username("watched");
  const res = await signupApi({
    code: "WATCHED",
    username: name,
    password: `pw-${randomBytes(8).toString("hex")}`,
  });
  assert.equal(res.status, 200, res.text);

  await waitFor(
    () =>
      events.some(
        (e) => e.type === "codes" && e.book === "signup" && e.codes.WATCHED?.uses_remaining === 2,
      ),
    { what: "the signup book's change in the console's event stream" },
  );
  const userId = `@${name}:${hs.serverName}`;
  await waitFor(
    () =>
      events.some(
        (e) => e.type === "audit" && e.entry.type === "signup" && e.entry.user_id === userId,
      ),
    { what: "the signup's audit entry in the console's event stream" },
  );
  assert.equal(attached.snapshot().signupCodes.WATCHED?.uses_remaining, 2);
});

test("a code with an inviter: the new account opens a DM with them; a code without one opens none", async () => {
  const plain = await signupApi({
    code: "PLAIN",
    username: username("plain"),
    password: "a good password",
  });
  assert.equal(plain.status, 200, plain.text);
  assert.equal(plain.json.dm_room, undefined);
  const plainSteps = (plain.json.steps as { step: string }[]).map((s) => s.step);
  assert.ok(!plainSteps.some((s) => s.startsWith("inviter_dm")), JSON.stringify(plainSteps));

  const name = username("dora");
  const res = await signupApi({
    code: "INVITED",
    username: name,
    password: "a good password",
    display_name: "Dora",
  });
  assert.equal(res.status, 200, res.text);
  const userId = `@${name}:${hs.serverName}`;
  const steps = res.json.steps as { step: string; ok: boolean; error?: string }[];
  assert.deepEqual(
    steps.filter((s) => s.step.startsWith("inviter_dm")),
    [
      { step: "inviter_dm", ok: true },
      { step: "inviter_dm:m.direct", ok: true },
    ],
  );
  const dmRoom = res.json.dm_room;
  assert.equal(typeof dmRoom, "string");

  // Carol is invited to a direct chat with the new member, and to nothing else.
  await carol.waitForInvite(String(dmRoom), 30_000);
  const invites = carol.seenInvites();
  assert.deepEqual([...invites.keys()], [dmRoom]);
  const invite = invites
    .get(String(dmRoom))!
    .find((e) => e.type === "m.room.member" && e.state_key === carol.userId);
  assert.equal(invite?.sender, userId);
  assert.equal(invite?.content?.is_direct, true);
  await carol.join(String(dmRoom));
  assert.equal(await carol.membership(String(dmRoom), userId), "join");
  const roomName = await carol.getState(String(dmRoom), "m.room.name");
  assert.equal(roomName?.name, `Dora ↔ ${carol.userId}`);

  // The new member's client sees it as a direct chat.
  const dora = new MatrixUserClient(hs.url, {
    userId,
    accessToken: String(res.json.access_token),
    deviceId: String(res.json.device_id),
    password: "a good password",
    localpart: name,
  });
  const direct = await dora.request<Record<string, string[]>>(
    "GET",
    `/user/${encodeURIComponent(userId)}/account_data/m.direct`,
  );
  assert.deepEqual(direct, { [carol.userId]: [dmRoom] });

  const record = (await auditLog()).find((r) => r.type === "signup" && r.user_id === userId);
  assert.equal(record?.dm_room, dmRoom);
});

test("the direct chat with the inviter is encrypted: what the new member says there, the inviter's client decrypts", async () => {
  const name = username("fay");
  const password = "a good password";
  const res = await signupApi({ code: "FROM_ERIN", username: name, password });
  assert.equal(res.status, 200, res.text);
  const dmRoom = String(res.json.dm_room);
  await waitFor(() => erin.client.getRoom(dmRoom)?.getMyMembership() === "invite", {
    what: "erin's invite to the direct chat",
  });
  await erin.join(dmRoom);
  const fay = await CryptoUser.start(hs, {
    userId: `@${name}:${hs.serverName}`,
    accessToken: String(res.json.access_token),
    deviceId: String(res.json.device_id),
    password,
    localpart: name,
  });
  try {
    await fay.send(dmRoom, "thank you for the code");
    const said = await erin.waitForMessage(dmRoom, fay.user.userId, /^thank you for the code$/);
    assert.equal(said.encrypted, true);
  } finally {
    fay.stop();
  }
});

test("a display name with a bidi override answers 400 bad_display_name; no account is made and no use spent", async () => {
  const before = await usesLeft("ONCE");
  const name = username("mallory");
  const res = await signupApi({
    code: "ONCE",
    username: name,
    password: "a good long password",
    display_name: "\u202emoor@",
  });
  assert.equal(res.status, 400, res.text);
  assert.equal(res.json.error, "bad_display_name");
  assert.match(String(res.json.message), /text-direction character \(U\+202E\)/);
  assert.equal(await usesLeft("ONCE"), before);
  const available = await fetch(
    `${hs.url}/_matrix/client/v3/register/available?username=${encodeURIComponent(name)}`,
  );
  assert.equal(available.status, 200, "the username is still free");
});

test("a taken username answers 400 m_user_in_use and does not spend the use", async () => {
  const existing = await hs.registerUser(username("taken"));
  const before = await usesLeft("ONCE");
  const res = await signupApi({
    code: "ONCE",
    username: existing.localpart,
    password: "another good password",
  });
  assert.equal(res.status, 400, res.text);
  assert.equal(res.json.error, "m_user_in_use");
  assert.equal(typeof res.json.message, "string");
  assert.equal(await usesLeft("ONCE"), before);
  const failed = (await auditLog()).filter(
    (r) => r.type === "signup_failed" && r.reason === "m_user_in_use",
  );
  assert.ok(failed.some((r) => r.refunded === true));
});

test("50 parallel signups with a one-use code: exactly one 200, the rest 403 invalid_code", async () => {
  assert.equal(await usesLeft("ONCE"), 1);
  const answers = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      signupApi({ code: "ONCE", username: username(`race${i}`), password: "a good password" }),
    ),
  );
  const statuses = answers.map((a) => a.status);
  assert.equal(statuses.filter((s) => s === 200).length, 1, JSON.stringify(statuses));
  assert.equal(statuses.filter((s) => s === 403).length, 49, JSON.stringify(statuses));
  for (const a of answers.filter((x) => x.status === 403))
    assert.equal(a.json.error, "invalid_code");
  assert.equal(await usesLeft("ONCE"), 0);
  // The winner's account exists; no loser's does.
  const winner = answers.find((a) => a.status === 200);
  assert.ok(winner);
  assert.equal(
    await community.botClient.membership(community.spaceId, String(winner.json.user_id)),
    "join",
  );
});

test("bad JSON: 400 bad_json as JSON, with no stack", async () => {
  for (const body of ["{", "not json at all", '{"code": "MANY", "username": ', "[]"]) {
    const res = await post("/signup/api", body);
    assert.equal(res.status, 400, body);
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    assert.deepEqual(Object.keys(res.json).sort(), ["error", "message"]);
    assert.equal(res.json.error, "bad_json");
    assert.doesNotMatch(res.text, /stack|\.ts:\d+|\.js:\d+|node_modules/);
  }
});

test("the signup page escapes a hostile code and spends nothing", async () => {
  const before = await usesLeft("MANY");
  const hostile = `</title><script>alert("x")</script>"'><img src=x onerror=alert(1)>`;
  const res = await fetch(`${daemon.url}/signup?code=${encodeURIComponent(hostile)}`);
  const html = await res.text();
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/html/);
  assert.ok(!html.includes("<script>alert"), "no injected script");
  assert.ok(!html.includes("<img"), "no injected element");
  assert.ok(html.includes("&lt;/title&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
  const plain = await (await fetch(`${daemon.url}/signup?code=MANY`)).text();
  assert.match(plain, /name="code"[^>]*value="MANY"/);
  assert.equal(await usesLeft("MANY"), before);
});

test("the form: a form-encoded POST /signup makes an account and answers with a page", async () => {
  const name = username("form");
  const password = "form password 123";
  const res = await post(
    "/signup",
    new URLSearchParams({
      code: "FORM",
      username: name,
      password,
      display_name: "Form User",
    }).toString(),
    { type: "application/x-www-form-urlencoded" },
  );
  assert.equal(res.status, 200, res.text);
  assert.match(res.text, new RegExp(`@${name}:${hs.serverName}`));
  assert.match(res.text, /https:\/\/matrix\.example\.test/);
  assert.equal((await login(name, password)).status, 200);
  assert.equal(
    await community.botClient.membership(community.spaceId, `@${name}:${hs.serverName}`),
    "join",
  );
  assert.equal(await usesLeft("FORM"), 1);
});

test("a burst past the rate limit gets 429 with Retry-After and spends nothing", async () => {
  const ip = clientIp();
  // Use up the allowance with refusals that spend nothing…
  for (let i = 0; i < RATE; i++) {
    const res = await signupApi(
      { code: "BURST", username: "Not Valid", password: "a good password" },
      ip,
    );
    assert.equal(res.status, 400);
  }
  const before = await usesLeft("BURST");
  // …then valid requests from the same address are refused before they are read.
  const burst = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      signupApi(
        { code: "BURST", username: username(`burst${i}`), password: "a good password" },
        ip,
      ),
    ),
  );
  for (const res of burst) {
    assert.equal(res.status, 429, res.text);
    assert.equal(res.json.error, "rate_limited");
    assert.equal(typeof res.json.message, "string");
    assert.ok(Number(res.headers.get("retry-after")) > 0, "Retry-After");
  }
  // The form shares the allowance.
  const form = await post(
    "/signup",
    new URLSearchParams({
      code: "BURST",
      username: username("burstform"),
      password: "a good password",
    }).toString(),
    { ip, type: "application/x-www-form-urlencoded" },
  );
  assert.equal(form.status, 429);
  assert.ok(Number(form.headers.get("retry-after")) > 0);
  assert.equal(await usesLeft("BURST"), before);
  // Another address is not affected.
  const other = await signupApi({
    code: "BURST",
    username: username("other"),
    password: "a good password",
  });
  assert.equal(other.status, 200, other.text);
});

test("a leaked code drains slowly: 8 quick signups from 8 addresses make 5 accounts, 3 get 429", async () => {
  const names = Array.from({ length: 8 }, (_, i) => username(`leak${i}`));
  const answers = await Promise.all(
    names.map((name) => signupApi({ code: "LEAKED", username: name, password: "a good password" })),
  );
  const statuses = answers.map((a) => a.status).sort();
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429], JSON.stringify(answers));
  for (const res of answers.filter((a) => a.status === 429)) {
    assert.equal(res.json.error, "rate_limited");
    assert.ok(Number(res.headers.get("retry-after")) > 0, "Retry-After");
  }
  assert.equal(await usesLeft("LEAKED"), 10 - CODE_RATE);
  // Only the answered 200s made accounts.
  for (const [i, name] of names.entries()) {
    const made = (await login(name, "a good password")).status === 200;
    assert.equal(made, answers[i]?.status === 200, name);
  }
});

test("without a registration token, signup answers 503 signup_disabled", async () => {
  const off = await TestDaemon.start(hs, community, {
    env: { INITIAL_SIGNUP_CODES: JSON.stringify({ OFF: { uses_remaining: 3, label: "" } }) },
  });
  try {
    const res = await post(
      "/signup/api",
      JSON.stringify({ code: "OFF", username: username("off"), password: "a good password" }),
      { target: off },
    );
    assert.equal(res.status, 503);
    assert.equal(res.json.error, "signup_disabled");
    const page = await fetch(`${off.url}/signup?code=OFF`);
    assert.equal(page.status, 503);
    const book = JSON.parse(
      await readFile(join(off.dataDir, "signup_codes.json"), "utf8"),
    ) as Record<string, { uses_remaining: number }>;
    assert.equal(book.OFF?.uses_remaining, 3);
  } finally {
    await off.stop();
  }
});
