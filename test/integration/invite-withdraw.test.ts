/**
 * A moderator's withdrawal of a pending invite, and a blocklist unblock by kind,
 * through the daemon's admin API on a real Synapse: the person is out of the
 * space and every child room (membership `leave`, as Synapse reports it), the
 * audit log names the moderator; an unblock of one kind keeps the other kind's
 * entry of the same pattern.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { Newcomer, haikuWith } from "../harness/newcomer-flow.js";
import { waitFor } from "../harness/wait.js";
import { http } from "../unit/admin-fakes.js";
import { attachedModeration } from "../../src/control/moderation-api.js";

let hs: TestHomeserver;
let community: TestCommunity;
let daemon: TestDaemon;
let sock: { socketPath: string };

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 2 });
  daemon = await TestDaemon.start(hs, community, {
    env: { INITIAL_CODES: JSON.stringify({ FRIENDS: { uses_remaining: 5, label: "friends" } }) },
  });
  sock = { socketPath: join(daemon.dataDir, "admin.sock") };
});

after(async () => {
  await daemon?.stop();
  await hs?.stop();
});

test("an invite withdrawn through the admin API leaves the person out of the space and every child room, audited with the moderator", async () => {
  const ada = await Newcomer.register(hs, community, "Ada Lovelace");
  await ada.knock("FRIENDS");
  const challenge = await ada.readChallenge(60_000);
  await ada.reply(challenge, haikuWith(challenge.keyword));
  const rooms = [community.spaceId, ...community.childIds];
  for (const room of rooms) await ada.client.waitForInvite(room, 30_000);
  await waitFor(
    async () => {
      const { json } = await http(sock, "GET", "/admin/v1/invites");
      return (json.invites as { user: string }[]).some((i) => i.user === ada.userId) || undefined;
    },
    { what: "the invite to be pending", timeoutMs: 30_000 },
  );

  const answer = await http(sock, "DELETE", `/admin/v1/invites/${encodeURIComponent(ada.userId)}`, {
    headers: { "x-anteroom-actor": "mod-ann" },
  });
  assert.equal(answer.status, 200, answer.text);

  for (const room of rooms) {
    assert.equal(await community.botClient.membership(room, ada.userId), "leave", room);
  }
  const leave = await ada.client.waitForLeave(community.spaceId, 30_000);
  assert.match(String(leave?.content?.reason), /withdrew your invite/);
  const { json } = await http(sock, "GET", "/admin/v1/audit?type=invite_withdrawn");
  const entry = (json.entries as Record<string, unknown>[]).find((e) => e.user === ada.userId);
  assert.equal(entry?.by, "mod-ann");
  assert.equal(entry?.reason, "moderator");
  assert.deepEqual(entry?.rooms, rooms);
  const again = await http(sock, "DELETE", `/admin/v1/invites/${encodeURIComponent(ada.userId)}`);
  assert.equal(again.status, 404);
});

test("unblocking one kind of a pattern leaves the other kind's entry", async () => {
  for (const kind of ["server", "displayname"]) {
    const added = await http(sock, "POST", "/admin/v1/blocklist", {
      body: { pattern: "spam.example", kind },
    });
    assert.equal(added.status, 201, added.text);
  }
  const moderation = attachedModeration(sock.socketPath);
  try {
    const outcome = await moderation.removeBlock("spam.example", "mod-ann", "displayname");
    assert.equal(outcome.ok, true);
    const left = (await moderation.blocklist()).filter((e) => e.pattern === "spam.example");
    assert.deepEqual(
      left.map((e) => e.kind),
      ["server"],
    );
  } finally {
    moderation.close();
  }
  const gone = await http(
    sock,
    "DELETE",
    "/admin/v1/blocklist?pattern=spam.example&kind=displayname",
  );
  assert.equal(gone.status, 404);
  const { json } = await http(sock, "GET", "/admin/v1/audit?type=blocklist_removed");
  const entry = (json.entries as Record<string, unknown>[]).at(-1);
  assert.deepEqual(entry?.kinds, ["displayname"]);
  assert.equal(entry?.by, "mod-ann");
});
