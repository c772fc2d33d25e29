import { test } from "node:test";
import assert from "node:assert/strict";
import type { DaemonConfig } from "../../src/config.js";
import { createDaemonLogger } from "../../src/daemon-logger.js";
import { RecentLog, RECENT_LOG_MAX_LINE_CHARS } from "../../src/recent-log.js";

const texts = (log: RecentLog, after?: number) => log.lines(after).map((line) => line.text);

test("the ring keeps the newest lines, oldest first, up to its line count", () => {
  const log = new RecentLog({ maxLines: 3 });
  for (let i = 1; i <= 7; i++) log.write(`line ${i}\n`);
  assert.deepEqual(texts(log), ["line 5", "line 6", "line 7"]);
  assert.deepEqual(
    log.lines().map((line) => line.seq),
    [5, 6, 7],
  );
  assert.deepEqual(texts(log, 6), ["line 7"]);
});

test("the ring keeps no more bytes than its bound, whichever bound comes first", () => {
  const log = new RecentLog({ maxLines: 100, maxBytes: 25 });
  for (let i = 0; i < 10; i++) log.write(`${String(i).repeat(10)}\n`);
  // Ten bytes a line: two fit in 25, a third would not.
  assert.deepEqual(texts(log), ["8888888888", "9999999999"]);
  log.write("é".repeat(10) + "\n"); // 20 bytes in UTF-8
  assert.deepEqual(texts(log), ["é".repeat(10)]);
});

test("pieces of a line join, several lines in one write split, blank lines are dropped", () => {
  const log = new RecentLog();
  log.write('{"msg":"hal');
  assert.deepEqual(texts(log), []);
  log.write('f"}\n\n{"msg":"two"}\n{"msg":"three"}\n');
  assert.deepEqual(texts(log), ['{"msg":"half"}', '{"msg":"two"}', '{"msg":"three"}']);
});

test("a runaway line is cut, not kept whole", () => {
  const log = new RecentLog();
  log.write("x".repeat(RECENT_LOG_MAX_LINE_CHARS * 3) + "\n");
  assert.equal(texts(log)[0]?.length, RECENT_LOG_MAX_LINE_CHARS);
});

test("a subscriber hears every new line in order, and nothing after it unsubscribes", () => {
  const log = new RecentLog({ maxLines: 2 });
  log.write("before\n");
  const heard: string[] = [];
  const stop = log.subscribe((line) => heard.push(`${line.seq}:${line.text}`));
  log.write("a\nb\n");
  log.write("c\n");
  stop();
  log.write("d\n");
  assert.deepEqual(heard, ["2:a", "3:b", "4:c"]);
});

test("the daemon's logger sends the same redacted lines to stdout and to the ring", () => {
  const stdout: string[] = [];
  const { log, recent } = createDaemonLogger({ logLevel: "debug" } as DaemonConfig, {
    write: (text: string) => void stdout.push(text),
  });
  log.debug({ token: "syt_secret_one", user: { password: "hunter2" } }, "logged in");
  log.child({ component: "admin-api" }).info({ access_token: "syt_secret_two" }, "listening");
  log.warn(
    {
      req: { headers: { authorization: "Bearer syt_secret_three" } },
      signup: { token: "reg_tok" },
    },
    "refused",
  );
  const kept = texts(recent);
  assert.deepEqual(
    kept,
    stdout.map((line) => line.trimEnd()),
  );
  assert.equal(kept.length, 3);
  assert.match(kept[0] ?? "", /"msg":"logged in"/);
  const all = kept.join("\n");
  assert.doesNotMatch(all, /syt_secret|hunter2|reg_tok/);
  assert.match(all, /\[redacted\]/);
});
