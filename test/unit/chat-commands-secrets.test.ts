/** Where codes and tokens may be shown, and how many refusals one sender can write to the audit log. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseChatCommand } from "../../core/chat-commands/parse.js";
import { RefusalQuota } from "../../core/chat-commands/refusal-quota.js";
import { openToOutsiders, revealsSecrets } from "../../core/chat-commands/room-exposure.js";

const closed = { isSpace: false, joinRule: "invite", historyVisibility: "shared" };

test("only an invite-only room that is not the space and not world-readable keeps secrets", () => {
  assert.equal(openToOutsiders(closed), undefined);
  assert.equal(
    openToOutsiders({ ...closed, joinRule: undefined }),
    undefined,
    "no join rules: invite",
  );
  assert.match(openToOutsiders({ ...closed, isSpace: true }) ?? "", /the space/);
  for (const joinRule of ["public", "knock", "restricted", "knock_restricted", "something new", 7])
    assert.ok(openToOutsiders({ ...closed, joinRule }), String(joinRule));
  assert.match(
    openToOutsiders({ ...closed, historyVisibility: "world_readable" }) ?? "",
    /world_readable/,
  );
});

test("the commands whose reply shows a code or a token are the secret ones", () => {
  const secret = (body: string) => {
    const parsed = parseChatCommand(body);
    assert.equal(parsed.kind, "command", body);
    return parsed.kind === "command" && revealsSecrets(parsed.command);
  };
  for (const body of [
    "!mint",
    "!mint signup -n 3",
    "!mint token",
    "!codes",
    "!token issue",
    "!token list",
  ])
    assert.equal(secret(body), true, body);
  for (const body of [
    "!revoke ABC",
    "!token revoke ABC",
    "!help",
    "!stats",
    "!kick @a:b.c",
    "!resume",
  ])
    assert.equal(secret(body), false, body);
});

test("a sender's refusals are recorded up to the limit in an hour, the rest counted into the next hour's first record", () => {
  const quota = new RefusalQuota(3);
  const t0 = 1_800_000_000_000;
  const verdicts = Array.from({ length: 5 }, (_, i) => quota.admit("@a:x", t0 + i));
  assert.deepEqual(
    verdicts.map((v) => v.record),
    [true, true, true, false, false],
  );
  assert.deepEqual(verdicts[3], { record: false, first: true });
  assert.deepEqual(verdicts[4], { record: false, first: false });
  assert.deepEqual(quota.admit("@b:x", t0 + 10), { record: true, notRecorded: 0 }, "per sender");
  assert.deepEqual(quota.admit("@a:x", t0 + 3_600_000), { record: true, notRecorded: 2 });
  assert.deepEqual(quota.admit("@a:x", t0 + 3_600_001), { record: true, notRecorded: 0 });
});
