// POST /hooks/form against the real Synapse: a signed Tally-shaped post invites (invite mode) or
// queues a request a moderator approves through the admin API (queue mode); a bad signature,
// a filled honeypot and malformed bodies change nothing; a duplicate makes one record; a replayed
// signed post (same submission id) is answered duplicate and acts on nothing, even after a restart.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { waitFor } from "../harness/wait.js";
import { MatrixUserClient } from "../harness/newcomer.js";
import { http as call } from "../unit/admin-fakes.js";
import type { VettingRecord } from "../../core/vetting/record.js";

const SECRET = "tally-signing-secret-1";
const FORM_ENV = {
  FORM_SECRET: SECRET,
  FORM_FIELD_MXID: "Matrix ID",
  FORM_HONEYPOT_FIELD: "website",
  FORM_RATE_PER_MIN: "1000",
};

let hs: TestHomeserver;
let queueing: { community: TestCommunity; daemon: TestDaemon };
let inviting: { community: TestCommunity; daemon: TestDaemon };

before(async () => {
  hs = await startHomeserver();
  const [a, b] = await Promise.all([
    createCommunity(hs, { children: 2 }),
    createCommunity(hs, { children: 2 }),
  ]);
  const [qd, id] = await Promise.all([
    TestDaemon.start(hs, a, { env: { ...FORM_ENV, FORM_MODE: "queue" } }),
    TestDaemon.start(hs, b, { env: { ...FORM_ENV, FORM_MODE: "invite" } }),
  ]);
  queueing = { community: a, daemon: qd };
  inviting = { community: b, daemon: id };
});

after(async () => {
  await Promise.all([queueing?.daemon.stop(), inviting?.daemon.stop()]);
  await hs?.stop();
});

/** A form submission as Tally sends it. */
function tallyBody(mxid: string, honeypot = "", eventId = `evt-${mxid}-${honeypot}`): string {
  return JSON.stringify({
    eventId,
    eventType: "FORM_RESPONSE",
    createdAt: new Date().toISOString(),
    data: {
      responseId: "r1",
      formId: "f1",
      formName: "Join the community",
      fields: [
        { key: "question_mx", label: "Matrix ID", type: "INPUT_TEXT", value: mxid },
        { key: "question_why", label: "Why", type: "TEXTAREA", value: "a friend sent me" },
        { key: "question_hp", label: "website", type: "HIDDEN_FIELDS", value: honeypot },
      ],
    },
  });
}

const signed = (body: string) => createHmac("sha256", SECRET).update(body).digest("base64");

async function postForm(
  daemon: TestDaemon,
  body: string,
  /** null: no signature header at all. */
  signature: string | null = signed(body),
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${daemon.url}/hooks/form`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(signature === null ? {} : { "tally-signature": signature }),
    },
    body,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function formRecords(daemon: TestDaemon, user: string): Promise<VettingRecord[]> {
  const answer = await call(
    { socketPath: join(daemon.dataDir, "admin.sock") },
    "GET",
    "/admin/v1/snapshot",
  );
  const { records } = answer.json as { records: VettingRecord[] };
  return records.filter((record) => record.user === user && record.source === "form");
}

async function membershipsOf(community: TestCommunity, user: string) {
  return Promise.all(
    [community.spaceId, ...community.childIds].map((room) =>
      community.botClient.membership(room, user),
    ),
  );
}

async function auditRecords(daemon: TestDaemon): Promise<{ type: string; user?: string }[]> {
  const text = await readFile(join(daemon.dataDir, "log.jsonl"), "utf8");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { type: string; user?: string });
}

async function auditTypes(daemon: TestDaemon): Promise<string[]> {
  return (await auditRecords(daemon)).map((record) => record.type);
}

test("invite mode: a signed Tally post invites the person to the space and every child room", async () => {
  const person = await hs.registerUser();
  const answer = await postForm(inviting.daemon, tallyBody(person.userId));
  assert.equal(answer.status, 200, JSON.stringify(answer.json));
  assert.equal(answer.json.status, "invited");
  await waitFor(
    async () =>
      (await membershipsOf(inviting.community, person.userId)).every((m) => m === "invite"),
    { what: "the invites to the space and its children", timeoutMs: 30_000 },
  );
});

test("queue mode: the request waits for a moderator, who approves it through the admin API", async () => {
  const person = await hs.registerUser();
  const { daemon, community } = queueing;
  const answer = await postForm(daemon, tallyBody(person.userId));
  assert.equal(answer.status, 200, JSON.stringify(answer.json));
  assert.equal(answer.json.status, "queued");
  const [held] = await waitFor(
    async () => {
      const records = await formRecords(daemon, person.userId);
      return records.length > 0 && records;
    },
    { what: "the held request in the snapshot" },
  );
  assert.equal(held?.phase, "held");
  assert.deepEqual(await membershipsOf(community, person.userId), [
    undefined,
    undefined,
    undefined,
  ]);

  // The same person fills the form in again while the request is pending: one record.
  const again = await postForm(daemon, tallyBody(person.userId, "", "evt-second-submission"));
  assert.deepEqual(again.json, { status: "pending" });
  assert.equal((await formRecords(daemon, person.userId)).length, 1);

  const approved = await call(
    { socketPath: join(daemon.dataDir, "admin.sock") },
    "POST",
    `/admin/v1/knocks/${encodeURIComponent(held?.key ?? "")}/actions`,
    { body: { action: "approve" }, headers: { "x-anteroom-actor": "@mod:localhost" } },
  );
  assert.equal(approved.status, 200, JSON.stringify(approved.json));
  await waitFor(
    async () => (await membershipsOf(community, person.userId)).every((m) => m === "invite"),
    { what: "the invites after approval", timeoutMs: 30_000 },
  );
});

test("a bad signature, a filled honeypot and malformed bodies change nothing and never 5xx", async () => {
  const person = await hs.registerUser();
  const { daemon, community } = inviting;
  const body = tallyBody(person.userId);

  const forged = await postForm(daemon, body, signed(`${body}x`));
  assert.equal(forged.status, 401);
  assert.equal(forged.json.error, "bad_signature");
  assert.equal((await postForm(daemon, body, null)).status, 401);

  const honey = tallyBody(person.userId, "https://spam.example");
  const caught = await postForm(daemon, honey);
  assert.equal(caught.status, 200);
  assert.deepEqual(caught.json, { status: "accepted" });

  const malformed: [string, string][] = [
    ["{", "bad_json"],
    ["null", "bad_json"],
    ['"@a:localhost"', "bad_json"],
    [JSON.stringify({ data: { fields: "nope" } }), "missing_mxid"],
    [tallyBody("@with space:localhost"), "bad_mxid"],
    [tallyBody("@evil\u001b[2J:localhost"), "bad_mxid"],
  ];
  for (const [bad, error] of malformed) {
    const answer = await postForm(daemon, bad);
    assert.equal(answer.status, 400, bad);
    assert.equal(answer.json.error, error, bad);
  }

  await waitFor(async () => (await auditTypes(daemon)).includes("form_honeypot"), {
    what: "the honeypot in the audit log",
  });
  assert.deepEqual(await formRecords(daemon, person.userId), []);
  assert.deepEqual(await membershipsOf(community, person.userId), [
    undefined,
    undefined,
    undefined,
  ]);
});

test("a replayed signed post is answered duplicate and acts on nothing, also after a restart", async () => {
  const person = await hs.registerUser();
  const { daemon, community } = inviting;
  const body = tallyBody(person.userId);
  assert.deepEqual((await postForm(daemon, body)).json, { status: "invited" });
  await waitFor(
    async () => (await membershipsOf(community, person.userId)).every((m) => m === "invite"),
    { what: "the first invites", timeoutMs: 30_000 },
  );
  // The person turns the invites down: a second invite would show as "invite" again.
  const client = new MatrixUserClient(hs.url, person);
  for (const room of [community.spaceId, ...community.childIds]) await client.leave(room);
  const invitedRecords = async () =>
    (await auditRecords(daemon)).filter(
      (r) => r.type === "form_request_invited" && r.user === person.userId,
    ).length;
  assert.equal(await invitedRecords(), 1);

  const replay = await postForm(daemon, body);
  assert.equal(replay.status, 200);
  assert.deepEqual(replay.json, { status: "duplicate" });

  await daemon.stop();
  await daemon.launch();
  const afterRestart = await postForm(daemon, body);
  assert.deepEqual(afterRestart.json, { status: "duplicate" });

  assert.equal(await invitedRecords(), 1);
  assert.equal((await formRecords(daemon, person.userId)).length, 1);
  assert.deepEqual(await membershipsOf(community, person.userId), ["leave", "leave", "leave"]);
});
