import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { HomeserverError } from "../../core/ports.js";
import { chooseFlow } from "../../src/signup/register.js";
import { signupFixture, TOKEN } from "./signup-fixtures.js";

const request = (username: string, extra: Record<string, string> = {}) => ({
  code: "WELCOME",
  username,
  password: "a good password",
  ...extra,
});

test("Synapse's flow: token, then dummy; the account is invited to and joins every room", async () => {
  const f = await signupFixture({ WELCOME: { uses_remaining: 2, label: "friends" } });
  try {
    const answer = await f.service.signup(request("alice", { displayName: "Alice" }), {
      via: "api",
    });
    assert.ok(answer.ok, JSON.stringify(answer.body));
    assert.deepEqual(answer.body, {
      user_id: "@alice:test",
      access_token: "token-alice",
      device_id: "DEValice",
      homeserver: "https://matrix.example.org",
      space_id: "!space:test",
      steps: [
        { step: "register", ok: true },
        { step: "display_name", ok: true },
        { step: "invite:!space:test", ok: true },
        { step: "join:!space:test", ok: true },
        { step: "invite:!a:test", ok: true },
        { step: "join:!a:test", ok: true },
        { step: "invite:!b:test", ok: true },
        { step: "join:!b:test", ok: true },
      ],
    });
    const stages = f.hs.requests
      .filter((r) => r.path === "/_matrix/client/v3/register")
      .map((r) => (r.body?.auth as { type?: string } | undefined)?.type ?? "none");
    assert.deepEqual(stages, ["none", "m.login.registration_token", "m.login.dummy"]);
    const tokenStage = f.hs.requests[1]?.body?.auth as Record<string, unknown>;
    assert.equal(tokenStage.token, TOKEN);
    assert.equal(tokenStage.session, "1");
    assert.equal(f.hs.requests[0]?.body?.initial_device_display_name, "anteroom signup");
    // Joins are made as the new user, not the bot.
    const joins = f.hs.requests.filter((r) => r.path.startsWith("/_matrix/client/v3/join/"));
    assert.deepEqual(
      joins.map((r) => r.authorization),
      ["Bearer token-alice", "Bearer token-alice", "Bearer token-alice"],
    );
    assert.deepEqual(
      f.invites.map((i) => i.roomId),
      ["!space:test", "!a:test", "!b:test"],
    );
    assert.equal(f.codes.value.WELCOME?.uses_remaining, 1);
    const onDisk = JSON.parse(await readFile(f.codes.path, "utf8")) as Record<
      string,
      { uses_remaining: number }
    >;
    assert.equal(onDisk.WELCOME?.uses_remaining, 1, "the use is on disk");

    const audit = await f.auditRecords();
    const signup = audit.find((r) => r.type === "signup");
    assert.ok(signup);
    assert.equal(signup.user_id, "@alice:test");
    assert.equal(signup.label, "friends");
    assert.equal(signup.uses_remaining, 1);
    const text = await readFile(f.audit.path, "utf8");
    assert.doesNotMatch(text, /a good password|token-alice|server-held-token/);
  } finally {
    await f.close();
  }
});

test("continuwuity's flow: the token stage alone finishes the registration", async () => {
  const f = await signupFixture({ WELCOME: { uses_remaining: 1, label: "" } });
  f.hs.flavour = "conduwuit";
  try {
    const answer = await f.service.signup(request("bob"), { via: "api" });
    assert.ok(answer.ok);
    const stages = f.hs.requests
      .filter((r) => r.path === "/_matrix/client/v3/register")
      .map((r) => (r.body?.auth as { type?: string } | undefined)?.type ?? "none");
    assert.deepEqual(stages, ["none", "m.login.registration_token"]);
  } finally {
    await f.close();
  }
});

test("a taken username answers the homeserver's errcode and gives the use back", async () => {
  const f = await signupFixture({ WELCOME: { uses_remaining: 1, label: "once" } });
  try {
    const answer = await f.service.signup(request("taken"), { via: "api" });
    assert.equal(answer.ok, false);
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error, "m_user_in_use");
    assert.equal(f.codes.value.WELCOME?.uses_remaining, 1);
    assert.deepEqual(f.codes.value.WELCOME?.redeemed_by, []);
    const failed = (await f.auditRecords()).find((r) => r.type === "signup_failed");
    assert.equal(failed?.reason, "m_user_in_use");
    assert.equal(failed?.refunded, true);
    // The use is still there for the next try.
    assert.ok((await f.service.signup(request("carol"), { via: "api" })).ok);
    assert.equal(f.codes.value.WELCOME?.uses_remaining, 0);
  } finally {
    await f.close();
  }
});

test("unknown, used-up and expired codes are invalid_code and nothing reaches the homeserver", async () => {
  const f = await signupFixture({
    SPENT: { uses_remaining: 0, label: "" },
    OLD: { uses_remaining: 5, label: "", expires_at: 1 },
  });
  try {
    for (const code of ["NOPE", "SPENT", "OLD"]) {
      const answer = await f.service.signup({ ...request("dave"), code }, { via: "api" });
      assert.equal(answer.status, 403, code);
      assert.equal(answer.body.error, "invalid_code");
    }
    assert.equal(f.hs.requests.length, 0);
    const reasons = (await f.auditRecords()).map((r) => r.reason);
    assert.deepEqual(reasons, ["unknown_code", "used_up", "expired"]);
  } finally {
    await f.close();
  }
});

test("50 concurrent signups with a one-use code: exactly one account", async () => {
  const f = await signupFixture({ ONCE: { uses_remaining: 1, label: "" } });
  try {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        f.service.signup({ ...request(`user${i}`), code: "ONCE" }, { via: "api" }),
      ),
    );
    assert.equal(answers.filter((a) => a.ok).length, 1);
    assert.equal(answers.filter((a) => a.status === 403).length, 49);
    assert.equal(f.hs.accounts.size, 1);
    assert.equal(f.codes.value.ONCE?.uses_remaining, 0);
  } finally {
    await f.close();
  }
});

test("a rejected server-held token is the operators' problem: 502, the use given back, an error logged", async () => {
  const f = await signupFixture(
    { WELCOME: { uses_remaining: 1, label: "" } },
    { registrationToken: "wrong" },
  );
  try {
    const answer = await f.service.signup(request("erin"), { via: "api" });
    assert.equal(answer.status, 502);
    assert.equal(answer.body.error, "registration_failed");
    assert.equal(f.codes.value.WELCOME?.uses_remaining, 1);
  } finally {
    await f.close();
  }
});

test("no registration token: 503 signup_disabled, nothing spent", async () => {
  const f = await signupFixture(
    { WELCOME: { uses_remaining: 1, label: "" } },
    { registrationToken: undefined },
  );
  try {
    assert.equal(f.service.enabled, false);
    const answer = await f.service.signup(request("fred"), { via: "api" });
    assert.equal(answer.status, 503);
    assert.equal(answer.body.error, "signup_disabled");
    assert.equal(f.codes.value.WELCOME?.uses_remaining, 1);
  } finally {
    await f.close();
  }
});

test("a homeserver that cannot be reached: 502, the use given back", async () => {
  const f = await signupFixture(
    { WELCOME: { uses_remaining: 1, label: "" } },
    { homeserverUrl: "http://127.0.0.1:1", fetch: undefined },
  );
  try {
    const answer = await f.service.signup(request("gina"), { via: "api" });
    assert.equal(answer.status, 502);
    assert.equal(answer.body.error, "homeserver_unavailable");
    assert.equal(f.codes.value.WELCOME?.uses_remaining, 1);
  } finally {
    await f.close();
  }
});

test("a final stage with no answer: a login finds out whether the account exists", async () => {
  const made = await signupFixture(
    { WELCOME: { uses_remaining: 1, label: "" } },
    { timeoutMs: 200 },
  );
  made.hs.hangOnFinalStage = true;
  made.hs.createOnHang = true;
  try {
    const answer = await made.service.signup(request("hana"), { via: "api" });
    assert.ok(answer.ok, JSON.stringify(answer.body));
    assert.equal(answer.body.user_id, "@hana:test");
    assert.equal(made.codes.value.WELCOME?.uses_remaining, 0);
  } finally {
    await made.close();
  }
  const absent = await signupFixture(
    { WELCOME: { uses_remaining: 1, label: "" } },
    { timeoutMs: 200 },
  );
  absent.hs.hangOnFinalStage = true;
  try {
    const answer = await absent.service.signup(request("ivan"), { via: "api" });
    assert.equal(answer.status, 502);
    assert.equal(absent.codes.value.WELCOME?.uses_remaining, 1, "no account: the use comes back");
  } finally {
    await absent.close();
  }
});

test("steps after the account exists are reported, not hidden, and the answer stays 200", async () => {
  const f = await signupFixture(
    { WELCOME: { uses_remaining: 1, label: "" } },
    {
      inviter: {
        invite: async (roomId) => {
          if (roomId === "!a:test") {
            throw new HomeserverError(
              "cannot invite: M_FORBIDDEN",
              false,
              undefined,
              "M_FORBIDDEN",
            );
          }
        },
      },
    },
  );
  f.hs.failures.set("/_matrix/client/v3/join/!a:test", {
    status: 403,
    errcode: "M_FORBIDDEN",
    error: "You are not invited to this room.",
  });
  try {
    const answer = await f.service.signup(request("jo"), { via: "form", logout: true });
    assert.ok(answer.ok);
    const failed = answer.body.steps.filter((s) => !s.ok);
    assert.deepEqual(
      failed.map((s) => s.step),
      ["invite:!a:test", "join:!a:test"],
    );
    assert.match(failed[1]?.error ?? "", /403 M_FORBIDDEN You are not invited/);
    assert.deepEqual(answer.body.steps.at(-1), { step: "logout", ok: true });
    const signup = (await f.auditRecords()).find((r) => r.type === "signup");
    assert.equal(signup?.via, "form");
    assert.equal((signup?.steps as unknown[]).length, answer.body.steps.length);
  } finally {
    await f.close();
  }
});

test("transient invite failures are tried again", async () => {
  let failures = 2;
  const f = await signupFixture(
    { WELCOME: { uses_remaining: 1, label: "" } },
    {
      childIds: [],
      inviter: {
        invite: async () => {
          if (failures-- > 0)
            throw new HomeserverError("rate limited", true, 10, "M_LIMIT_EXCEEDED");
        },
      },
    },
  );
  try {
    const answer = await f.service.signup(request("kim"), { via: "api" });
    assert.ok(answer.ok);
    assert.deepEqual(answer.body.steps[1], { step: "invite:!space:test", ok: true });
  } finally {
    await f.close();
  }
});

test("only flows made entirely of stages anteroom can complete are chosen", () => {
  assert.deepEqual(
    chooseFlow([
      { stages: ["m.login.recaptcha", "m.login.registration_token"] },
      { stages: ["m.login.registration_token", "m.login.dummy"] },
    ]),
    ["m.login.registration_token", "m.login.dummy"],
  );
  assert.deepEqual(chooseFlow([{ stages: ["m.login.registration_token"] }]), [
    "m.login.registration_token",
  ]);
  assert.equal(chooseFlow([{ stages: ["m.login.email.identity"] }]), undefined);
  assert.equal(chooseFlow(undefined), undefined);
  assert.equal(chooseFlow([{ stages: [] }, null, "x"]), undefined);
});

test("the direct chat with the inviter failing is a failed step, never a failed signup", async () => {
  const f = await signupFixture({
    WELCOME: { uses_remaining: 2, label: "friends", inviter: "@ann:test" },
  });
  f.hs.failures.set("/_matrix/client/v3/createRoom", {
    status: 403,
    errcode: "M_FORBIDDEN",
    error: "room creation is restricted",
  });
  try {
    const answer = await f.service.signup(request("dana"), { via: "api" });
    assert.ok(answer.ok, JSON.stringify(answer.body));
    assert.equal(answer.body.dm_room, undefined);
    const dm = answer.body.steps.filter((s) => s.step.startsWith("inviter_dm"));
    assert.equal(dm.length, 1);
    assert.equal(dm[0]?.ok, false);
    assert.match(String(dm[0]?.error), /M_FORBIDDEN/);
    const createRoom = f.hs.requests.find((r) => r.path === "/_matrix/client/v3/createRoom");
    assert.equal(createRoom?.authorization, "Bearer token-dana", "made as the new user");
    assert.deepEqual(createRoom?.body?.invite, ["@ann:test"]);
    assert.equal(createRoom?.body?.is_direct, true);
    assert.equal(createRoom?.body?.preset, "trusted_private_chat");
  } finally {
    await f.close();
  }
});

test("a direct chat made but answered with a 502 is adopted on the retry, never opened twice", async () => {
  const f = await signupFixture({
    WELCOME: { uses_remaining: 2, label: "friends", inviter: "@ann:test" },
  });
  f.hs.createRoomLostAnswers = 1;
  try {
    const answer = await f.service.signup(request("fay"), { via: "api" });
    assert.ok(answer.ok, JSON.stringify(answer.body));
    assert.equal(f.hs.directChats.length, 1, "one direct chat with the inviter, not two");
    assert.equal(answer.body.dm_room, f.hs.directChats[0]?.roomId);
    assert.deepEqual(
      answer.body.steps.filter((s) => s.step.startsWith("inviter_dm")).map((s) => s.ok),
      [true, true],
    );
  } finally {
    await f.close();
  }
});

test("no inviter on the code and none configured: no direct chat is opened", async () => {
  const f = await signupFixture({ WELCOME: { uses_remaining: 2, label: "friends" } });
  try {
    const answer = await f.service.signup(request("erin"), { via: "api" });
    assert.ok(answer.ok, JSON.stringify(answer.body));
    assert.ok(!answer.body.steps.some((s) => s.step.startsWith("inviter_dm")));
    assert.ok(!f.hs.requests.some((r) => r.path === "/_matrix/client/v3/createRoom"));
  } finally {
    await f.close();
  }
});

test("ONBOARDING_INVITER_MXID is the partner when the code names none", async () => {
  const f = await signupFixture(
    { WELCOME: { uses_remaining: 2, label: "friends" } },
    { defaultInviter: "@host:test" },
  );
  try {
    const answer = await f.service.signup(request("finn"), { via: "api" });
    assert.ok(answer.ok, JSON.stringify(answer.body));
    const createRoom = f.hs.requests.find((r) => r.path === "/_matrix/client/v3/createRoom");
    assert.deepEqual(createRoom?.body?.invite, ["@host:test"]);
  } finally {
    await f.close();
  }
});
