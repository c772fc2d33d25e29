import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { AuditLog, type AuditRecord } from "../../src/store/audit-log.js";

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function logPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-audit-"));
  dirs.push(dir);
  return join(dir, "log.jsonl");
}

function lines(text: string): string[] {
  return text.split("\n").filter((l) => l !== "");
}

test("records are appended one per line and read back oldest first", async () => {
  const path = await logPath();
  const log = await AuditLog.open(path);
  await log.append({ ts: 1700000000.25, type: "invite_created", user: "@a:example.org" });
  await log.append({ ts: 1700000001, type: "knock", user: "@b:example.org", room: "!r:x" });
  const text = await readFile(path, "utf8");
  assert.equal(lines(text).length, 2);
  assert.ok(text.endsWith("\n"));
  assert.deepEqual(await log.read(), [
    { ts: 1700000000.25, type: "invite_created", user: "@a:example.org" },
    { ts: 1700000001, type: "knock", user: "@b:example.org", room: "!r:x" },
  ]);
  await log.close();
});

test("secrets are redacted at any depth, whatever the key's case", async () => {
  const path = await logPath();
  const log = await AuditLog.open(path);
  const record: AuditRecord = {
    ts: 1,
    type: "login",
    Access_Token: "syt_top",
    accessToken: "syt_camel",
    config: {
      homeserver: "https://hs.example",
      PASSWORD: "hunter2",
      nested: [{ registration_token: "reg1" }, { deeper: { registrationToken: "reg2" } }],
      token: { even: "objects-are-replaced" },
    },
    Secret: "s3",
    tokens_issued: 3,
  };
  await log.append(record);
  await log.close();

  const text = await readFile(path, "utf8");
  for (const secret of ["syt_top", "syt_camel", "hunter2", "reg1", "reg2", "objects-are", "s3"]) {
    assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
  }
  assert.deepEqual(JSON.parse(text), {
    ts: 1,
    type: "login",
    Access_Token: "[redacted]",
    accessToken: "[redacted]",
    config: {
      homeserver: "https://hs.example",
      PASSWORD: "[redacted]",
      nested: [
        { registration_token: "[redacted]" },
        { deeper: { registrationToken: "[redacted]" } },
      ],
      token: "[redacted]",
    },
    Secret: "[redacted]",
    tokens_issued: 3,
  });
  assert.equal(record.Access_Token, "syt_top", "the caller's record is not modified");
});

test("a reason with newlines, control characters and JSON-ish text stays one line", async () => {
  const path = await logPath();
  const log = await AuditLog.open(path);
  const reason = 'spam\nsecond line\r\n{"ts": 1, "type": "fake"}\n\u0000\u001b[31m\u2028\u2029"\\';
  await log.append({ ts: 5, type: "kick", reason });
  await log.append({ ts: 6, type: "ban", reason: "\n" });
  await log.close();

  const text = await readFile(path, "utf8");
  assert.equal(text.split("\n").length, 3, "two lines and the final newline");
  assert.ok(!text.includes("\u2028") && !text.includes("\u2029"));
  const reopened = await AuditLog.open(path);
  const records = await reopened.read();
  assert.equal(records.length, 2);
  assert.equal(records[0]?.reason, reason);
  assert.equal(records[1]?.reason, "\n");
  await reopened.close();
});

test("malformed lines are skipped and counted; a torn last line does not swallow the next record", async () => {
  const path = await logPath();
  await writeFile(
    path,
    [
      '{"ts": 1, "type": "ok1"}',
      "not json at all",
      '["ts", 2]',
      '{"type": "no ts"}',
      '{"ts": "3", "type": "string ts"}',
      '{"ts": 4}',
      "",
      '{"ts": 5, "type": "ok2", "extra": {"a": 1}}',
      '{"ts": 6, "type": "torn', // a crash mid-write: no newline at the end
    ].join("\n"),
  );
  const log = await AuditLog.open(path);
  await log.append({ ts: 7, type: "ok3" });
  const scan = await log.scan();
  assert.equal(scan.malformed, 6);
  assert.deepEqual(
    scan.records.map((r) => r.type),
    ["ok1", "ok2", "ok3"],
  );
  assert.deepEqual(
    (await log.read()).map((r) => r.ts),
    [1, 5, 7],
  );
  await log.close();
});

test("read filters by time, type and user, and returns the last `limit` oldest first", async () => {
  const path = await logPath();
  const log = await AuditLog.open(path);
  const alice = "@alice:example.org";
  await log.append({ ts: 10, type: "knock", user: alice });
  await log.append({ ts: 20, type: "knock", user: "@bob:example.org" });
  await log.append({ ts: 30, type: "approve", by: "@mod:example.org", target: { user_id: alice } });
  await log.append({ ts: 40, type: "knock", user: alice });
  await log.append({ ts: 50, type: "reject", reason: `not ${alice}` });

  const types = async (opts: Parameters<AuditLog["read"]>[0]) =>
    (await log.read(opts)).map((r) => `${r.type}@${r.ts}`);
  assert.deepEqual(await types({ sinceTs: 30 }), ["approve@30", "knock@40", "reject@50"]);
  assert.deepEqual(await types({ types: ["knock"] }), ["knock@10", "knock@20", "knock@40"]);
  assert.deepEqual(await types({ types: ["knock"], limit: 2 }), ["knock@20", "knock@40"]);
  assert.deepEqual(await types({ user: alice }), ["knock@10", "approve@30", "knock@40"]);
  assert.deepEqual(await types({ user: alice, sinceTs: 15, limit: 1 }), ["knock@40"]);
  assert.deepEqual(await types({ limit: 0 }), []);
  assert.deepEqual(await types({ types: [] }), []);
  await log.close();
});

test("appends made together are coalesced into few writes, in order, all durable", async () => {
  const path = await logPath();
  const batches: number[] = [];
  const log = await AuditLog.open(path, { onWrite: (n) => batches.push(n) });
  const appends: Promise<void>[] = [];
  for (let i = 0; i < 300; i++) appends.push(log.append({ ts: i, type: "tick", i }));
  await Promise.all(appends);
  assert.deepEqual(batches, [300]);

  // While one write is in flight, later appends wait and share the next write.
  const first = log.append({ ts: 1000, type: "first" });
  await new Promise((done) => setImmediate(done));
  const rest = Array.from({ length: 50 }, (_, i) => log.append({ ts: 1001 + i, type: "rest" }));
  await Promise.all([first, ...rest]);
  assert.deepEqual(batches, [300, 1, 50]);

  const records = await log.read();
  assert.equal(records.length, 351);
  assert.deepEqual(
    records.map((r) => r.ts),
    [
      ...Array.from({ length: 300 }, (_, i) => i),
      ...Array.from({ length: 51 }, (_, i) => 1000 + i),
    ],
  );
  await log.close();
});

test("an unserializable record is refused without disturbing the log; closed logs refuse appends", async () => {
  const path = await logPath();
  const log = await AuditLog.open(path);
  await assert.rejects(log.append({ ts: 1, type: "bad", big: 1n }), TypeError);
  await log.append({ ts: 2, type: "good" });
  await log.close();
  await log.close();
  await assert.rejects(log.append({ ts: 3, type: "late" }), /closed/);
  assert.equal(await readFile(path, "utf8"), '{"ts":2,"type":"good"}\n');
});

test("reopening appends after existing records", async () => {
  const path = await logPath();
  const first = await AuditLog.open(path);
  await first.append({ ts: 1, type: "a" });
  await first.close();
  const second = await AuditLog.open(path);
  await second.append({ ts: 2, type: "b" });
  assert.deepEqual(
    (await second.read()).map((r) => r.type),
    ["a", "b"],
  );
  await second.close();
});
