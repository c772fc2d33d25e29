/**
 * HTTP callers while the data dir is full: a lobby open (POST /join/api) and an admin command
 * answer 503 with why instead of hanging. One that arrives while writes fail is refused with
 * nothing done; one already under way when the disk fills is answered after a bounded wait and
 * completes once there is room (a lobby open is then found again by its request key). Prints
 * its fault figures.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { startHomeserver, type TestHomeserver } from "../harness/homeserver.js";
import { createCommunity } from "../harness/community.js";
import { TestDaemon } from "../harness/daemon.js";
import { fillWithBallast, mountSmallDisk } from "../harness/full-disk.js";
import { waitFor } from "../harness/wait.js";
import { http as call } from "../unit/admin-fakes.js";

let hs: TestHomeserver;

before(async () => {
  hs = await startHomeserver();
});

after(async () => {
  await hs?.stop();
});

async function joinApi(
  daemon: TestDaemon,
  body: Record<string, string>,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${daemon.url}/join/api`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function healthStatus(daemon: TestDaemon): Promise<string> {
  const body = (await (await fetch(`${daemon.url}/healthz`)).json()) as { status: string };
  return body.status;
}

async function auditTypes(dataDir: string): Promise<string[]> {
  return (await readFile(join(dataDir, "log.jsonl"), "utf8"))
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => (JSON.parse(line) as { type: string }).type);
}

test("a full data dir: lobby opens and admin commands answer 503 and why instead of hanging; nothing is lost or spent twice", async () => {
  const uses = 5;
  const space = await createCommunity(hs, { children: 1 });
  const disk = await mountSmallDisk();
  const { mountPoint, dataDir } = disk;
  let daemon: TestDaemon | undefined;
  try {
    daemon = await TestDaemon.start(hs, space, {
      dataDir,
      env: {
        INITIAL_CODES: JSON.stringify({ FULL: { uses_remaining: uses, label: "full disk" } }),
        LOBBY_CHALLENGE_DELAY_SEC: "1",
      },
    });
    const admin = { socketPath: join(dataDir, "admin.sock") };
    const mint = (label: string) =>
      call(admin, "POST", "/admin/v1/codes/invite", { body: { uses: 1, label } });

    // An admin command under way when the disk fills: 503 after the bound, done once there is room.
    let ballast = await fillWithBallast(mountPoint);
    assert.equal(await healthStatus(daemon), "ok", "nothing has failed to write yet");
    const stalledMint = await mint("stalled mint");
    assert.equal(stalledMint.status, 503, JSON.stringify(stalledMint.json));
    assert.equal(stalledMint.json.error, "write_stalled");
    assert.match(String(stalledMint.json.message), /no space left on device/);
    await rm(ballast);
    await daemon.waitReady(30_000);

    // A lobby open under way when the disk fills: 503 with its request key after the bound.
    ballast = await fillWithBallast(mountPoint);
    assert.equal(await healthStatus(daemon), "ok", "nothing has failed to write yet");
    const stalledOpen = await joinApi(daemon, { code: "FULL" });
    assert.equal(stalledOpen.status, 503, JSON.stringify(stalledOpen.json));
    assert.equal(stalledOpen.json.error, "write_stalled");
    const requestKey = String(stalledOpen.json.request_key);

    // Arriving while writes fail: refused at once, nothing done.
    assert.equal(await healthStatus(daemon), "write_failing");
    const refusedOpen = await joinApi(daemon, { code: "FULL" });
    assert.equal(refusedOpen.status, 503, JSON.stringify(refusedOpen.json));
    assert.equal(refusedOpen.json.error, "write_failing");
    assert.match(String(refusedOpen.json.message), /nothing was spent/);
    const refusedMint = await mint("refused mint");
    assert.equal(refusedMint.status, 503, JSON.stringify(refusedMint.json));
    assert.equal(refusedMint.json.error, "write_failing");
    assert.match(String(refusedMint.json.message), /^nothing was done.*no space left on device/);

    await rm(ballast);
    await daemon.waitReady(30_000);
    // The same request again finds its room, spending nothing more.
    const again = await waitFor(
      async () => {
        const answer = await joinApi(daemon!, { code: "FULL", request_key: requestKey });
        return answer.status === 200 && answer;
      },
      { what: "the stalled lobby open to complete", timeoutMs: 60_000, intervalMs: 500 },
    );
    assert.match(String(again.json.room_id), /^!/);

    const codes = JSON.parse(await readFile(join(dataDir, "codes.json"), "utf8")) as Record<
      string,
      { uses_remaining: number; label: string }
    >;
    const charged = uses - (codes.FULL?.uses_remaining ?? 0);
    const labels = Object.values(codes).map((entry) => entry.label);
    const types = await auditTypes(dataDir);
    const lobbies = types.filter((type) => type === "lobby_requested").length;
    const lostCommands = labels.includes("stalled mint") ? 0 : 1;
    console.log(
      `full data dir, callers: 1 lobby open and 1 admin command stalled then completed, 1 of each ` +
        `refused at once; ${lostCommands} commands lost, ${charged - 1} codes charged twice, ` +
        `${lobbies - 1} duplicate rooms; the refusal said: ${String(refusedOpen.json.message)}`,
    );
    assert.equal(lostCommands, 0, "the stalled admin command was carried out once there was room");
    assert.ok(!labels.includes("refused mint"), "the refused admin command did nothing");
    assert.equal(charged, 1, "the code was charged once: by the stalled open, not the refused one");
    assert.equal(lobbies, 1, "one lobby room");
    assert.equal(await daemon.stop(), 0, "a clean stop");
  } finally {
    await daemon?.kill9();
    await disk.remove();
  }
});
