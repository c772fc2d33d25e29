/**
 * Who vouched for whom, against a real Synapse: every admission writes its
 * endorser to endorsements.jsonl (a code's minter or inviter, the approving
 * moderator), the admin API shows a person's place in the tree, and their
 * live codes are revoked in one action from the API or from chat.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity, type TestCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import type { MatrixUserClient } from "../harness/newcomer.js";
import { openOperatorRoom, type OperatorRoom } from "../harness/operator-room.js";
import { Newcomer, haikuWith } from "../harness/newcomer-flow.js";
import { waitFor } from "../harness/wait.js";

let hs: TestHomeserver;
let community: TestCommunity;
let daemon: TestDaemon;
let ops: OperatorRoom;
let mod: MatrixUserClient;

before(async () => {
  hs = await startHomeserver();
  community = await createCommunity(hs, { children: 1 });
  ops = await openOperatorRoom(hs, community, "vouching-mod");
  mod = ops.mod;
  daemon = await TestDaemon.start(hs, community, {
    env: {
      ADMIN_COMMAND_ROOM: ops.roomId,
      REGISTRATION_TOKEN: hs.registrationToken,
      KNOCK_HOLD_SEC: "3600",
      SEND_MAX_PER_ROOM_PER_MIN: "200",
    },
  });
});

after(async () => {
  await daemon?.stop();
  await hs?.stop();
});

const ask = (command: string, expected: RegExp) => ops.ask(command, expected);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, read by each test
function admin(method: string, path: string, actor?: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: join(daemon.dataDir, "admin.sock"),
        path: `/admin/v1${path}`,
        method,
        headers: actor ? { "x-anteroom-actor": actor } : {},
        agent: false,
      },
      (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode, ...JSON.parse(body) }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

async function endorsements(): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(daemon.dataDir, "endorsements.jsonl"), "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

let ada: Newcomer;
let adaWelcome: string;
let mintedByMod: string;

test("a pass with a moderator's code is endorsed by that moderator; a held knock let in by hand, by whoever approved it", async () => {
  const minted = await ask("!mint --uses 2 friends", /minted/);
  mintedByMod = /code=([A-Z2-9]+)/.exec(minted)?.[1] ?? "";
  assert.ok(mintedByMod);
  ada = await Newcomer.register(hs, community, "Ada");
  await ada.knock(mintedByMod);
  const challenge = await ada.readChallenge();
  await ada.reply(challenge, haikuWith(challenge.keyword));
  await ada.client.waitForInvite(community.spaceId);

  const hal = await Newcomer.register(hs, community, "Hal");
  await hal.knock();
  await waitFor(
    async () =>
      (await admin("GET", `/knocks?phase=held&user=${encodeURIComponent(hal.userId)}`)).records
        .length === 1,
    {
      what: "the held knock",
    },
  );
  await ask(`!approve ${hal.userId}`, /approved|!approve/);
  await hal.client.waitForInvite(community.spaceId);

  await waitFor(async () => (await endorsements()).length >= 2, { what: "two endorsements" });
  const [first, second] = await endorsements();
  assert.deepEqual(
    {
      endorser: first?.endorser,
      invitee: first?.invitee,
      code: first?.code_or_manual,
      room: first?.room_id,
    },
    { endorser: mod.userId, invitee: ada.userId, code: mintedByMod, room: challenge.roomId },
  );
  assert.deepEqual(
    { endorser: second?.endorser, invitee: second?.invitee, code: second?.code_or_manual },
    { endorser: mod.userId, invitee: hal.userId, code: "manual" },
  );
});

test("a signup with a newcomer's welcome code is endorsed by that newcomer, and the API shows the tree", async () => {
  const book = JSON.parse(
    await readFile(join(daemon.dataDir, "signup_codes.json"), "utf8"),
  ) as Record<string, { inviter?: string }>;
  adaWelcome = Object.entries(book).find(([, entry]) => entry.inviter === ada.userId)?.[0] ?? "";
  assert.ok(adaWelcome, "Ada got a welcome code");
  const res = await fetch(`${daemon.url}/signup/api`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      code: adaWelcome,
      username: "brought-by-ada",
      password: "a long enough password",
    }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const { user_id: newUser } = (await res.json()) as { user_id: string };
  await waitFor(async () => (await endorsements()).some((e) => e.invitee === newUser), {
    what: "the signup's endorsement",
  });
  const last = (await endorsements()).at(-1);
  assert.equal(last?.endorser, ada.userId);
  assert.equal(last?.code_or_manual, adaWelcome);

  const tree = await admin("GET", `/members/${encodeURIComponent(ada.userId)}/endorsements`);
  assert.equal(tree.status, 200);
  assert.equal(tree.endorsed_by.endorser, mod.userId);
  assert.deepEqual(
    tree.endorsed.map((e: { invitee: string }) => e.invitee),
    [newUser],
  );
  assert.deepEqual(tree.live_codes, [{ book: "signup", code: adaWelcome }]);
});

test("a person's live codes are revoked in one action: from the admin API, and with !revoke USER in chat", async () => {
  const revoked = await admin(
    "POST",
    `/members/${encodeURIComponent(ada.userId)}/codes/revoke`,
    "alice",
  );
  assert.deepEqual(revoked.revoked, [{ book: "signup", code: adaWelcome }]);
  const signup = await fetch(`${daemon.url}/signup/api`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      code: adaWelcome,
      username: "too-late",
      password: "a long enough password",
    }),
  });
  assert.equal(signup.status, 403, "the revoked welcome code signs nobody up");
  const log = await readFile(join(daemon.dataDir, "log.jsonl"), "utf8");
  assert.match(
    log,
    new RegExp(
      `"type":"code_revoked".*"code":"${adaWelcome}".*"by":"alice"|"type":"code_revoked".*"by":"alice".*"code":"${adaWelcome}"`,
    ),
  );

  const answer = await ask(`!revoke ${mod.userId}`, /revoked|no live codes/);
  assert.match(
    answer,
    new RegExp(`^revoked 1 code of ${mod.userId.replace(/[.]/g, "\\.")}: ${mintedByMod}$`),
  );
  assert.match(await ask(`!revoke ${mod.userId}`, /revoked|no live codes/), /has no live codes/);
});
