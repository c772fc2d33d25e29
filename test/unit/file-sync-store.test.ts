import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import {
  ClientEvent,
  createClient,
  Filter,
  SyncState,
  type ICreateClientOpts,
  type ISyncResponse,
  type MatrixEvent,
} from "matrix-js-sdk";
import { createSyncFilterDefinition, FileSyncStore } from "../../src/matrix/file-sync-store.js";

const ROOM = "!vetting:example.org";
const BOT = "@anteroom:example.org";

function syncResponse(
  nextBatch: string,
  bodies: string[],
  prevBatch = `p-${nextBatch}`,
): ISyncResponse {
  return {
    next_batch: nextBatch,
    account_data: { events: [{ type: "m.push_rules", content: { global: {} } }] },
    rooms: {
      join: {
        [ROOM]: {
          summary: { "m.heroes": [], "m.joined_member_count": 1, "m.invited_member_count": 0 },
          state: {
            events: [
              {
                type: "m.room.member",
                state_key: BOT,
                sender: BOT,
                event_id: `$member-${nextBatch}`,
                origin_server_ts: 1,
                content: { membership: "join" },
              },
            ],
          },
          timeline: {
            events: bodies.map((body, i) => ({
              type: "m.room.message",
              sender: "@guest:example.org",
              event_id: `$${nextBatch}-${i}`,
              origin_server_ts: 2 + i,
              content: { msgtype: "m.text", body },
            })),
            prev_batch: prevBatch,
            limited: false,
          },
          ephemeral: { events: [] },
          account_data: { events: [] },
          unread_notifications: {},
        },
      },
      invite: {},
      leave: {},
      knock: {},
    },
  };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function savedToken(path: string): Promise<unknown> {
  const parsed = JSON.parse(await readFile(path, "utf8")) as { nextBatch?: unknown };
  return parsed.nextBatch;
}

/** Lets queued promise callbacks and pending file I/O run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 20));
}

void describe("FileSyncStore", () => {
  let dir: string;
  let path: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "file-sync-store-"));
    path = join(dir, "state", "sync.json");
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  void it("an answer with nothing but a new token writes no new snapshot; the next real change does", async () => {
    const store = new FileSyncStore({ path });
    await store.startup();
    await store.setSyncData(syncResponse("s1", ["hello"]));
    await store.save(true);
    const written = (await stat(path)).mtimeMs;
    await store.setSyncData({ next_batch: "s2" } as ISyncResponse);
    await store.save(true);
    assert.equal(await savedToken(path), "s1");
    assert.equal((await stat(path)).mtimeMs, written);
    await store.setSyncData(syncResponse("s3", ["haiku"]));
    await store.save(true);
    assert.equal(await savedToken(path), "s3");
  });

  void it("round-trips rooms, account data and the token through the file", async () => {
    const first = new FileSyncStore({ path });
    await first.startup();
    assert.equal(await first.isNewlyCreated(), true);
    assert.equal(await first.getSavedSync(), null);
    assert.equal(await first.getSavedSyncToken(), null);

    await first.setSyncData(syncResponse("s1", ["hello"]));
    await first.setSyncData(syncResponse("s2", ["haiku one", "haiku two"]));
    await first.save(true);

    const second = new FileSyncStore({ path });
    await second.startup();
    assert.equal(await second.isNewlyCreated(), false);
    assert.equal(await second.getSavedSyncToken(), "s2");
    assert.equal(second.getSyncToken(), "s2");

    const saved = await second.getSavedSync();
    assert.ok(saved);
    assert.equal(saved.nextBatch, "s2");
    const room = saved.roomsData.join[ROOM];
    assert.ok(room, "joined room restored");
    const state = room["org.matrix.msc4222.state_after"]?.events ?? room.state?.events ?? [];
    assert.deepEqual(
      state.map((e) => [e.type, e.state_key, e.content.membership]),
      [["m.room.member", BOT, "join"]],
    );
    assert.deepEqual(
      room.timeline.events.map((e) => e.content.body),
      ["hello", "haiku one", "haiku two"],
    );
    assert.equal(room.timeline.prev_batch, "p-s1");
    assert.deepEqual(
      saved.accountData.map((e) => e.type),
      ["m.push_rules"],
    );

    // getSavedSync hands out copies: mutating one must not change the store.
    room.timeline.events.length = 0;
    const again = await second.getSavedSync();
    assert.equal(again?.roomsData.join[ROOM]?.timeline.events.length, 3);
  });

  void it("keeps accumulating after a restore and saves the merged state", async () => {
    const first = new FileSyncStore({ path });
    await first.startup();
    await first.setSyncData(syncResponse("s1", ["one"]));
    await first.save(true);

    const second = new FileSyncStore({ path });
    await second.startup();
    await second.setSyncData(syncResponse("s2", ["two"]));
    await second.save(true);

    const third = new FileSyncStore({ path });
    await third.startup();
    const saved = await third.getSavedSync();
    assert.equal(saved?.nextBatch, "s2");
    assert.deepEqual(
      saved?.roomsData.join[ROOM]?.timeline.events.map((e) => e.content.body),
      ["one", "two"],
    );
  });

  void it("does not write until beforeSnapshot resolves, and writes only what was accumulated before it was asked", async () => {
    const gate = deferred();
    let calls = 0;
    const store = new FileSyncStore({
      path,
      beforeSnapshot: () => {
        calls++;
        return gate.promise;
      },
    });
    await store.startup();
    await store.setSyncData(syncResponse("s1", ["one"]));

    const saving = store.save(true);
    await settle();
    assert.equal(calls, 1);
    assert.equal(await exists(path), false, "nothing written while beforeSnapshot is pending");

    // A response accumulated while the application is still catching up is not in this snapshot.
    await store.setSyncData(syncResponse("s2", ["two"]));
    await settle();
    assert.equal(await exists(path), false);

    gate.resolve();
    await saving;
    assert.equal(await savedToken(path), "s1");

    await store.save(true);
    assert.equal(await savedToken(path), "s2");
  });

  void it("serialises saves; forced saves queued behind a running one are merged", async () => {
    let active = 0;
    let maxActive = 0;
    let calls = 0;
    const gates = [deferred(), deferred()];
    const store = new FileSyncStore({
      path,
      beforeSnapshot: async () => {
        const gate = gates[calls++];
        active++;
        maxActive = Math.max(maxActive, active);
        await gate?.promise;
        active--;
      },
    });
    await store.startup();
    await store.setSyncData(syncResponse("s1", ["one"]));
    const firstSave = store.save(true);
    await settle();
    assert.equal(calls, 1);

    await store.setSyncData(syncResponse("s2", ["two"]));
    const secondSave = store.save(true);
    const thirdSave = store.save(true);
    assert.equal(secondSave, thirdSave, "a queued forced save is joined, not repeated");

    gates[0]?.resolve();
    await firstSave;
    assert.equal(await savedToken(path), "s1");
    await settle();
    assert.equal(calls, 2);
    assert.equal(maxActive, 1, "saves never overlap");

    gates[1]?.resolve();
    await secondSave;
    assert.equal(await savedToken(path), "s2");
  });

  void it("coalesces non-forced saves within minSaveIntervalMs, unless forced", async (t) => {
    t.mock.timers.enable({ apis: ["Date"], now: 1_000_000 });
    let calls = 0;
    const store = new FileSyncStore({
      path,
      minSaveIntervalMs: 5000,
      beforeSnapshot: () => {
        calls++;
        return Promise.resolve();
      },
    });
    await store.startup();

    assert.equal(store.wantsSave(), true);
    await store.setSyncData(syncResponse("s1", ["one"]));
    await store.save();
    assert.equal(calls, 1);
    assert.equal(await savedToken(path), "s1");

    await store.setSyncData(syncResponse("s2", ["two"]));
    t.mock.timers.tick(4999);
    assert.equal(store.wantsSave(), false);
    await store.save();
    assert.equal(calls, 1, "skipped: interval not over");
    assert.equal(await savedToken(path), "s1");

    await store.save(true);
    assert.equal(calls, 2, "forced save ignores the interval");
    assert.equal(await savedToken(path), "s2");

    await store.setSyncData(syncResponse("s3", ["three"]));
    t.mock.timers.tick(4999);
    await store.save();
    assert.equal(await savedToken(path), "s2", "forced save restarted the interval");
    t.mock.timers.tick(1);
    assert.equal(store.wantsSave(), true);
    await store.save();
    assert.equal(calls, 3);
    assert.equal(await savedToken(path), "s3");
  });

  void it("skips the write when nothing changed since the last save", async () => {
    let calls = 0;
    const store = new FileSyncStore({
      path,
      beforeSnapshot: () => {
        calls++;
        return Promise.resolve();
      },
    });
    await store.startup();
    await store.save(true);
    assert.equal(await exists(path), false, "nothing accumulated: no file");
    await store.setSyncData(syncResponse("s1", ["one"]));
    await store.save(true);
    await store.save(true);
    assert.equal(calls, 1);
  });

  void it("a failing non-forced save is reported, never rejected; a forced one rejects", async () => {
    const errors: unknown[] = [];
    const store = new FileSyncStore({
      path,
      minSaveIntervalMs: 0,
      beforeSnapshot: () => Promise.reject(new Error("handler queue failed")),
      onSaveError: (error) => errors.push(error),
    });
    await store.startup();
    await store.setSyncData(syncResponse("s1", ["one"]));

    await store.save(); // must resolve: the SDK's sync loop awaits it unguarded
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /handler queue failed/);
    assert.equal(await exists(path), false);

    await assert.rejects(store.save(true), /handler queue failed/);
    assert.equal(await exists(path), false);
  });

  void it("moves a corrupt file aside, reports it and starts empty", async () => {
    await mkdir(join(dir, "state"), { recursive: true });
    await writeFile(path, '{"version":1,"nextBatch":"s1","roomsData":');

    const details: string[] = [];
    const store = new FileSyncStore({ path, onCorrupt: (detail) => details.push(detail) });
    await store.startup();

    assert.equal(details.length, 1);
    assert.match(details[0] ?? "", /not a valid sync snapshot/);
    assert.equal(await exists(path), false);
    const aside = (await readdir(join(dir, "state"))).filter((n) =>
      n.startsWith("sync.json.corrupt-"),
    );
    assert.equal(aside.length, 1);
    assert.equal(
      await readFile(join(dir, "state", aside[0] ?? ""), "utf8"),
      '{"version":1,"nextBatch":"s1","roomsData":',
    );
    assert.equal(await store.getSavedSync(), null);
    assert.equal(await store.getSavedSyncToken(), null);
    assert.equal(await store.isNewlyCreated(), true);

    // And it is usable afterwards.
    await store.setSyncData(syncResponse("s2", ["fresh"]));
    await store.save(true);
    assert.equal(await savedToken(path), "s2");
  });

  void it("treats well-formed JSON of the wrong shape as corrupt", async () => {
    await mkdir(join(dir, "state"), { recursive: true });
    await writeFile(
      path,
      JSON.stringify({ version: 1, nextBatch: "s1", roomsData: [], accountData: [] }),
    );
    const details: string[] = [];
    const store = new FileSyncStore({ path, onCorrupt: (detail) => details.push(detail) });
    await store.startup();
    assert.equal(details.length, 1);
    assert.match(details[0] ?? "", /roomsData/);
    assert.equal(await store.getSavedSyncToken(), null);
    assert.equal(await exists(path), false);
  });

  void it("a missing file is a fresh start, not corruption", async () => {
    const details: string[] = [];
    const store = new FileSyncStore({ path, onCorrupt: (detail) => details.push(detail) });
    await store.startup();
    assert.deepEqual(details, []);
    assert.equal(await store.getSavedSync(), null);
  });

  void it("leaves no temp files behind and writes the file private", async () => {
    const store = new FileSyncStore({ path });
    await store.startup();
    await store.setSyncData(syncResponse("s1", ["one"]));
    await store.save(true);
    assert.deepEqual(await readdir(join(dir, "state")), ["sync.json"]);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  });

  void it("removes stale temp files of a crashed save at startup", async () => {
    await mkdir(join(dir, "state"), { recursive: true });
    await writeFile(join(dir, "state", "sync.json.tmp-999-1"), "half");
    await new FileSyncStore({ path }).startup();
    assert.deepEqual(await readdir(join(dir, "state")), []);
  });

  void it("deleteAllData removes the file and empties the store", async () => {
    const store = new FileSyncStore({ path });
    await store.startup();
    await store.setSyncData(syncResponse("s1", ["one"]));
    await store.save(true);
    assert.equal(await exists(path), true);

    await store.deleteAllData();
    assert.equal(await exists(path), false);
    assert.equal(await store.getSavedSync(), null);
    assert.equal(await store.getSavedSyncToken(), null);
    await store.save(true);
    assert.equal(await exists(path), false, "an empty store writes nothing");
  });
});

void describe("createSyncFilterDefinition", () => {
  void it("drops presence and ephemeral events, limits the timeline, lazy-loads members", () => {
    const definition = createSyncFilterDefinition();
    assert.deepEqual(definition, {
      presence: { not_types: ["*"] },
      room: {
        ephemeral: { not_types: ["*"] },
        timeline: { limit: 20 },
        state: { lazy_load_members: true },
      },
    });
  });

  void it("can keep full member state in /sync", () => {
    assert.deepEqual(createSyncFilterDefinition({ lazyLoadMembers: false }).room?.state, {
      lazy_load_members: false,
    });
  });

  void it("returns a fresh object each call and is accepted by the SDK's Filter", () => {
    assert.notEqual(createSyncFilterDefinition(), createSyncFilterDefinition());
    const filter = new Filter(BOT);
    filter.setDefinition(createSyncFilterDefinition());
    assert.equal(filter.getDefinition().room?.timeline?.limit, 20);
    assert.equal(filter.getRoomTimelineFilterComponent()?.limit(), 20);
  });
});

/**
 * Drives matrix-js-sdk's real SyncApi against a fake fetch (no homeserver), to pin down the call
 * order documented at the top of file-sync-store.ts.
 */
void describe("FileSyncStore with the SDK's sync loop", () => {
  type ClientLogger = NonNullable<ICreateClientOpts["logger"]>;
  const silent: ClientLogger = {
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    getChild: () => silent,
  };

  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "file-sync-store-sdk-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs a client until the store's token is `until`; `responses` maps since-token → /sync body. */
  async function runClient(
    path: string,
    responses: Record<string, ISyncResponse>,
    until: string,
  ): Promise<{ log: string[]; sinces: (string | null)[] }> {
    const log: string[] = [];
    const sinces: (string | null)[] = [];
    const json = (body: unknown, status = 200): Response =>
      new Response(JSON.stringify(body), {
        status,
        headers: { "content-type": "application/json" },
      });
    const fetchFn = async (input: string | URL | Request): Promise<Response> => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.pathname.endsWith("/versions")) return json({ versions: ["v1.11"] });
      if (url.pathname.endsWith("/pushrules/")) return json({ global: {} });
      if (url.pathname.includes("/filter")) return json({ filter_id: "f1" });
      if (url.pathname.endsWith("/sync")) {
        const since = url.searchParams.get("since");
        sinces.push(since);
        const body = responses[since ?? "initial"];
        if (body) return json(body);
        await new Promise((resolve) => setTimeout(resolve, 20));
        return json({ next_batch: since, account_data: { events: [] } });
      }
      return json({ errcode: "M_UNRECOGNIZED" }, 404);
    };

    const store = new FileSyncStore({
      path,
      minSaveIntervalMs: 0,
      beforeSnapshot: () => {
        log.push("snapshot");
        return Promise.resolve();
      },
    });
    const client = createClient({
      baseUrl: "http://homeserver.invalid",
      userId: BOT,
      accessToken: "token",
      store,
      fetchFn,
      logger: silent,
    });
    await store.startup();
    const reached = new Promise<void>((resolve) => {
      client.on(ClientEvent.Event, (event: MatrixEvent) => {
        if (event.getType() === "m.room.message")
          log.push(`event ${String(event.getContent().body)}`);
      });
      client.on(ClientEvent.Sync, (state, _previous, data) => {
        log.push(`${state}${data?.fromCache ? " (cache)" : ""}`);
        if (state === SyncState.Syncing && store.getSyncToken() === until) resolve();
      });
    });
    const filter = new Filter(BOT);
    filter.setDefinition(createSyncFilterDefinition());
    await client.startClient({ filter, initialSyncLimit: 20 });
    await reached;
    client.stopClient();
    await store.save(true);
    return { log, sinces };
  }

  void it("saves after the events of a response were emitted, and resumes from the snapshot", async () => {
    const path = join(dir, "sync.json");
    const first = await runClient(
      path,
      { initial: syncResponse("s1", ["a"]), s1: syncResponse("s2", ["b"]) },
      "s2",
    );
    assert.deepEqual(first.sinces.slice(0, 2), [null, "s1"]);
    // Each response: its events are emitted, then (after setSyncData) the loop awaits save().
    assert.deepEqual(first.log.slice(0, 6), [
      "event a",
      "PREPARED",
      "SYNCING",
      "snapshot",
      "event b",
      "SYNCING",
    ]);
    assert.equal(await savedToken(path), "s2");

    const second = await runClient(path, { s2: syncResponse("s3", ["c"]) }, "s3");
    assert.equal(second.sinces[0], "s2", "first /sync resumes from the saved token");
    // Cached events are emitted again before the live response is processed.
    assert.deepEqual(second.log.slice(0, 6), [
      "event a",
      "event b",
      "PREPARED (cache)",
      "event c",
      "PREPARED",
      "SYNCING",
    ]);
    assert.equal(await savedToken(path), "s3");
  });
});
