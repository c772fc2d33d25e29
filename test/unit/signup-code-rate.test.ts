// The per-code limit of signup (SIGNUP_CODE_RATE_PER_MIN): how fast one code can be spent.

import assert from "node:assert/strict";
import { test } from "node:test";
import { signupFixture } from "./signup-fixtures.js";

const request = (username: string, code = "LEAKED") => ({
  code,
  username,
  password: "a good password",
});

test("past its allowance a minute a code answers 429 with Retry-After and spends nothing; a minute later it spends again", async () => {
  let now = 1_800_000_000_000;
  const f = await signupFixture(
    { LEAKED: { uses_remaining: 10, label: "posted somewhere" } },
    { codeRatePerMinute: 2, now: () => now },
  );
  try {
    assert.ok((await f.service.signup(request("one"), { via: "api" })).ok);
    now += 10_000;
    assert.ok((await f.service.signup(request("two"), { via: "form" })).ok);
    now += 10_000;
    const limited = await f.service.signup(request("three"), { via: "api" });
    assert.equal(limited.ok, false);
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error, "rate_limited");
    assert.ok(!limited.ok && limited.retryAfterSec === 40, JSON.stringify(limited));
    assert.equal(f.codes.value.LEAKED?.uses_remaining, 8);
    assert.deepEqual([...f.hs.accounts.keys()].sort(), ["one", "two"]);
    const failed = (await f.auditRecords()).filter((r) => r.type === "signup_failed");
    assert.deepEqual(
      failed.map((r) => r.reason),
      ["rate_limited"],
    );

    now += 40_000;
    assert.ok((await f.service.signup(request("three"), { via: "api" })).ok);
    assert.equal(f.codes.value.LEAKED?.uses_remaining, 7);
  } finally {
    await f.close();
  }
});

test("uses given back (a taken username) do not count against the allowance", async () => {
  const f = await signupFixture(
    { LEAKED: { uses_remaining: 10, label: "" } },
    { codeRatePerMinute: 2 },
  );
  try {
    for (let i = 0; i < 3; i++) {
      const answer = await f.service.signup(request("taken"), { via: "api" });
      assert.equal(answer.ok, false);
      assert.equal(answer.body.error, "m_user_in_use");
    }
    assert.ok((await f.service.signup(request("alice"), { via: "api" })).ok);
    assert.ok((await f.service.signup(request("bob"), { via: "api" })).ok);
    assert.equal((await f.service.signup(request("carol"), { via: "api" })).status, 429);
    assert.equal(f.codes.value.LEAKED?.uses_remaining, 8);
  } finally {
    await f.close();
  }
});

test("the limit is per code, and a limit of 0 turns it off", async () => {
  const f = await signupFixture(
    { LEAKED: { uses_remaining: 10, label: "" }, OTHER: { uses_remaining: 10, label: "" } },
    { codeRatePerMinute: 0 },
  );
  try {
    for (let i = 0; i < 7; i++)
      assert.ok((await f.service.signup(request(`user${i}`), { via: "api" })).ok);
  } finally {
    await f.close();
  }
  const g = await signupFixture(
    { LEAKED: { uses_remaining: 10, label: "" }, OTHER: { uses_remaining: 10, label: "" } },
    { codeRatePerMinute: 1 },
  );
  try {
    assert.ok((await g.service.signup(request("a"), { via: "api" })).ok);
    assert.equal((await g.service.signup(request("b"), { via: "api" })).status, 429);
    // Codes are matched ignoring case: another spelling is the same code, with the same allowance.
    assert.equal((await g.service.signup(request("b", "leaked"), { via: "api" })).status, 429);
    assert.ok((await g.service.signup(request("c", "OTHER"), { via: "api" })).ok);
  } finally {
    await g.close();
  }
});

test("a one-use code raced by 50 still makes exactly one account; the rest are invalid_code", async () => {
  const f = await signupFixture(
    { ONCE: { uses_remaining: 1, label: "" } },
    { codeRatePerMinute: 1 },
  );
  try {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        f.service.signup(request(`racer${i}`, "ONCE"), { via: "api" }),
      ),
    );
    assert.equal(answers.filter((a) => a.ok).length, 1);
    assert.equal(answers.filter((a) => a.status === 403).length, 49);
    assert.equal(f.hs.accounts.size, 1);
  } finally {
    await f.close();
  }
});
