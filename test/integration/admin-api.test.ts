import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import { request, type ClientRequest } from "node:http";
import { join } from "node:path";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon, freePort } from "../harness/daemon.js";
import { Newcomer } from "../harness/newcomer-flow.js";
import { waitFor } from "../harness/wait.js";
import { SseParser, type SseEvent } from "../../src/control/sse.js";
import { connectEngine, isDaemonRunning } from "../../src/control/attach-client.js";
import type { EngineSnapshot } from "../../core/api.js";
import type { VettingRecord } from "../../core/vetting/record.js";
import { http as call } from "../unit/admin-fakes.js";

let hs: TestHomeserver;
let community: TestCommunity;
let daemon: TestDaemon;
let sock: { socketPath: string };

const HS_PUBLIC = "https://chat.example.test";

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 1 });
  daemon = await TestDaemon.start(hs, community, {
    env: { HS_PUBLIC, VETTING_TIMEOUT_SEC: "3600" },
  });
  sock = { socketPath: join(daemon.dataDir, "admin.sock") };
});

after(async () => {
  await daemon?.stop();
  await hs?.stop();
});

/** An event stream, collecting every event with the time it arrived. */
interface Stream {
  events: (SseEvent & { at: number })[];
  req: ClientRequest;
}

function openEvents(socketPath: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const events: Stream["events"] = [];
    const req = request({ socketPath, path: "/admin/v1/events", agent: false }, (res) => {
      const parser = new SseParser((event) => events.push({ ...event, at: Date.now() }));
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => parser.feed(chunk));
    });
    req.on("error", reject);
    req.end();
    resolve({ events, req });
  });
}

function recordOf(event: SseEvent): VettingRecord | undefined {
  return event.event === "record"
    ? (JSON.parse(event.data) as { record: VettingRecord }).record
    : undefined;
}

/** The newcomer's knock as the admin API lists it, once it is in the given phase. */
async function knockOf(user: string, phase: string): Promise<VettingRecord> {
  return waitFor(
    async () => {
      const answer = await call(
        sock,
        "GET",
        `/admin/v1/knocks?user=${encodeURIComponent(user)}&phase=${phase}`,
      );
      return (answer.json.records as VettingRecord[])[0];
    },
    { what: `${user}'s knock to be ${phase}` },
  );
}

function act(key: string, body: unknown, actor?: string) {
  return call(sock, "POST", `/admin/v1/knocks/${encodeURIComponent(key)}/actions`, {
    body,
    ...(actor ? { headers: { "x-anteroom-actor": actor } } : {}),
  });
}

test("the admin socket is in the data dir with mode 0600, and answers", async () => {
  const info = await stat(sock.socketPath);
  assert.ok(info.isSocket());
  assert.equal(info.mode & 0o777, 0o600);
  assert.equal(await isDaemonRunning(daemon.dataDir), true);
  const health = await call(sock, "GET", "/admin/v1/health");
  assert.equal(health.status, 200);
  assert.equal(health.json.status, "ok");
  assert.equal(typeof health.json.records_by_phase.held, "number");
  const snapshot = await call(sock, "GET", "/admin/v1/snapshot");
  assert.equal(typeof snapshot.json.seq, "number");
  assert.ok(Array.isArray(snapshot.json.records));
});

test("a knock shows up in the event stream within a second", async () => {
  const stream = await openEvents(sock.socketPath);
  try {
    await waitFor(() => stream.events[0]?.event === "snapshot", { what: "the snapshot" });
    const newcomer = await Newcomer.register(hs, community, "Streamed");
    const knockedAt = Date.now();
    await newcomer.knock();
    const seen = await waitFor(
      () => stream.events.find((e) => recordOf(e)?.user === newcomer.userId),
      { what: "the knock in the event stream", timeoutMs: 10_000 },
    );
    const latency = seen.at - knockedAt;
    console.log(`knock to event stream: ${latency} ms`);
    assert.ok(latency < 1000, `the knock took ${latency} ms to reach the stream`);
    const snapshot = JSON.parse(stream.events[0]?.data ?? "{}") as EngineSnapshot;
    assert.equal(Number(seen.id), JSON.parse(seen.data).seq);
    assert.ok(Number(seen.id) > snapshot.seq);
  } finally {
    stream.req.destroy();
  }
});

test("approve a held knock through the API: the newcomer is invited to the space", async () => {
  const newcomer = await Newcomer.register(hs, community, "Approved");
  await newcomer.knock();
  const held = await knockOf(newcomer.userId, "held");
  const answer = await act(held.key, { action: "approve" }, "mod-alice");
  assert.equal(answer.status, 200, answer.text);
  assert.deepEqual(answer.json, { ok: true });
  await newcomer.client.waitForInvite(community.spaceId);
  const again = await act(held.key, { action: "approve" });
  assert.equal(again.status, 409);
  assert.equal(again.json.error, "refused");
  const audit = await call(
    sock,
    "GET",
    `/admin/v1/audit?type=promoted&user=${encodeURIComponent(newcomer.userId)}`,
  );
  assert.equal(audit.json.entries.length, 1);
  assert.equal(audit.json.entries[0].by, "mod-alice");
});

test("reject a held knock with a reason: the newcomer sees the reason", async () => {
  const newcomer = await Newcomer.register(hs, community, "Rejected");
  await newcomer.knock();
  const held = await knockOf(newcomer.userId, "held");
  const answer = await act(held.key, { action: "reject", reason: "we are full this week" });
  assert.equal(answer.status, 200, answer.text);
  const leave = await newcomer.client.waitForLeave(community.spaceId);
  assert.match(String(leave?.content?.reason), /we are full this week/);
});

test("a code minted through the API opens a vetting room; once revoked it is denied", async () => {
  const minted = await call(sock, "POST", "/admin/v1/codes/invite", {
    body: { uses: 5, label: "api test" },
    headers: { "x-anteroom-actor": "mod-bob" },
  });
  assert.equal(minted.status, 201, minted.text);
  const code = minted.json.code as string;
  assert.equal(minted.json.link, `${HS_PUBLIC}/join?code=${encodeURIComponent(code)}`);
  assert.equal(minted.json.entry.minted_by, "mod-bob");
  const listed = await call(sock, "GET", "/admin/v1/codes/invite");
  assert.equal(listed.json.codes[code].uses_remaining, 5);

  const admitted = await Newcomer.register(hs, community, "Coded");
  await admitted.knock(code);
  await admitted.vettingInvite();
  const open = await knockOf(admitted.userId, "open");
  assert.equal(open.code, code);

  const revoked = await call(sock, "DELETE", `/admin/v1/codes/invite/${encodeURIComponent(code)}`);
  assert.equal(revoked.status, 200, revoked.text);
  const late = await Newcomer.register(hs, community, "Late");
  await late.knock(code);
  const denied = await late.client.waitForLeave(community.spaceId);
  assert.match(String(denied?.content?.reason), /not valid/);
  assert.equal((await call(sock, "DELETE", `/admin/v1/codes/invite/${code}`)).status, 404);

  const signup = await call(sock, "POST", "/admin/v1/codes/signup", {
    body: { uses: 1, label: "" },
  });
  assert.equal(signup.status, 201);
  assert.match(signup.json.link, new RegExp(`^${HS_PUBLIC}/signup\\?code=`));
});

test("the audit query filters by type", async () => {
  const minted = await call(sock, "GET", "/admin/v1/audit?type=code_minted");
  assert.ok(minted.json.entries.length >= 2);
  assert.ok(minted.json.entries.every((e: { type: string }) => e.type === "code_minted"));
  const two = await call(sock, "GET", "/admin/v1/audit?type=code_minted,code_revoked&limit=2");
  assert.deepEqual(two.json.entries.map((e: { type: string }) => e.type).sort(), [
    "code_minted",
    "code_revoked",
  ]);
  const future = await call(sock, "GET", `/admin/v1/audit?since=${Date.now() / 1000 + 3600}`);
  assert.deepEqual(future.json.entries, []);
});

test("the attach client mirrors a knock arriving live", async () => {
  const remote = await connectEngine(sock.socketPath);
  try {
    const newcomer = await Newcomer.register(hs, community, "Mirrored");
    const heard: string[] = [];
    remote.subscribe((event) => {
      if (event.type === "record" && event.record.user === newcomer.userId)
        heard.push(event.record.phase);
    });
    assert.equal(
      remote.snapshot().records.some((r) => r.user === newcomer.userId),
      false,
    );
    await newcomer.knock();
    const mirrored = await waitFor(
      () => remote.snapshot().records.find((r) => r.user === newcomer.userId),
      { what: "the knock in the mirror", timeoutMs: 10_000 },
    );
    assert.equal(mirrored.phase, "held");
    assert.deepEqual(heard, ["held"]);
    // A command through the client, and its effect back through the stream.
    assert.deepEqual(await remote.moderate(mirrored.key, { action: "approve" }, "console"), {
      ok: true,
    });
    await waitFor(
      () => remote.snapshot().records.find((r) => r.key === mirrored.key)?.phase === "passed",
      { what: "the approval in the mirror" },
    );
    await newcomer.client.waitForInvite(community.spaceId);
  } finally {
    await remote.close();
  }
});

test("malformed requests to the real daemon are 400 JSON, never 500", async () => {
  const snapshot = await call(sock, "GET", "/admin/v1/snapshot");
  const key = (snapshot.json.records as VettingRecord[])[0]?.key ?? "$none";
  const path = `/admin/v1/knocks/${encodeURIComponent(key)}/actions`;
  const json = { "content-type": "application/json" };
  for (const [body, headers] of [
    ["{", json],
    ["", json],
    ["[1,2]", json],
    [{ action: "approve", by: "someone else" }, {}],
    [{ action: "extend", seconds: "ten" }, {}],
    [{ action: "nope" }, {}],
  ] as [unknown, Record<string, string>][]) {
    const answer = await call(sock, "POST", path, { body, headers });
    assert.equal(answer.status, 400, `${JSON.stringify(body)} → ${answer.text}`);
    assert.equal(typeof answer.json.error, "string");
    assert.equal(typeof answer.json.message, "string");
  }
  for (const body of ["{", { uses: -1, label: "x" }, { uses: 1, label: 5 }]) {
    const answer = await call(sock, "POST", "/admin/v1/codes/invite", {
      body,
      headers: typeof body === "string" ? json : {},
    });
    assert.equal(answer.status, 400, answer.text);
  }
  assert.equal((await call(sock, "GET", "/admin/v1/audit?limit=-5")).status, 400);
  assert.equal(daemon.logged(/admin API request failed/), false);
});

test("no admin API on TCP by default: the public port does not serve it", async () => {
  const answer = await fetch(`${daemon.url}/admin/v1/snapshot`);
  assert.equal(answer.status, 404);
  const health = await fetch(`${daemon.url}/admin/v1/health`);
  assert.equal(health.status, 404);
});

test("ADMIN_HTTP_PORT without ADMIN_TOKEN refuses to start", async () => {
  const refused = await TestDaemon.start(hs, community, {
    env: { ADMIN_HTTP_PORT: String(await freePort()) },
    waitReady: false,
  });
  const { exitCode, stderr } = await refused.exited();
  assert.equal(exitCode, 2);
  assert.match(stderr, /ADMIN_HTTP_PORT: the admin API on TCP needs ADMIN_TOKEN/);
});

test("after kill -9 the stale socket is replaced; with ADMIN_TOKEN and ADMIN_HTTP_PORT, TCP wants the token; the attach client resyncs", async () => {
  const remote = await connectEngine(sock.socketPath, { backoffMs: { min: 100, max: 500 } });
  const resyncs: EngineSnapshot[] = [];
  remote.onResync((snapshot) => resyncs.push(snapshot));
  try {
    await daemon.kill9();
    assert.ok((await stat(sock.socketPath)).isSocket(), "kill -9 leaves the socket file behind");
    assert.equal(await isDaemonRunning(daemon.dataDir), false);

    const token = "integration-admin-token-0123456789";
    const adminPort = await freePort();
    daemon = await TestDaemon.start(hs, community, {
      dataDir: daemon.dataDir,
      env: { HS_PUBLIC, ADMIN_TOKEN: token, ADMIN_HTTP_PORT: String(adminPort) },
    });
    assert.equal((await stat(sock.socketPath)).mode & 0o777, 0o600);
    const tcp = `http://127.0.0.1:${adminPort}`;
    assert.equal((await fetch(`${tcp}/admin/v1/snapshot`)).status, 401);
    const wrong = await fetch(`${tcp}/admin/v1/snapshot`, {
      headers: { authorization: "Bearer not-the-token" },
    });
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { error: string }).error, "unauthorized");
    const right = await fetch(`${tcp}/admin/v1/snapshot`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(right.status, 200);
    assert.ok(Array.isArray(((await right.json()) as EngineSnapshot).records));
    // The socket needs no token.
    assert.equal((await call(sock, "GET", "/admin/v1/snapshot")).status, 200);

    await waitFor(() => resyncs.length > 0, { what: "the attach client to resync" });
    assert.equal(remote.connected, true);
    assert.ok(remote.snapshot().records.length > 0);

    // A stop with clients attached is prompt and clean, and takes the socket file with it.
    const stream = await openEvents(sock.socketPath);
    await waitFor(() => stream.events.length > 0, { what: "the snapshot" });
    const stopping = Date.now();
    assert.equal(await daemon.stop(), 0);
    assert.ok(Date.now() - stopping < 5000, `the stop took ${Date.now() - stopping} ms`);
    await assert.rejects(stat(sock.socketPath), { code: "ENOENT" });
  } finally {
    await remote.close();
  }
});
