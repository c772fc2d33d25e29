// Kick / ban / unban over the admin API and the attached console's ModerationApi, on a port whose
// rooms answer as each test wants: each room's outcome, a partial failure, a homeserver that is down.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pino } from "pino";
import { HomeserverError } from "../../core/ports.js";
import type { RoomOutcome } from "../../src/matrix/moderation-port.js";
import { attachedModeration } from "../../src/control/moderation-api.js";
import { startAdminApi } from "../../src/http/admin/server.js";
import {
  memberActionService,
  type MemberActionService,
} from "../../src/moderation/member-actions.js";
import { FakeEngine, http, tempDir } from "./admin-fakes.js";

const silent = pino({ level: "silent" });
const ROOMS = ["!space:hs", "!chat:hs", "!news:hs"];
const USER = "@spam:evil.org";
const path = `/admin/v1/members/${encodeURIComponent(USER)}/actions`;

function service(fail: (roomId: string) => HomeserverError | undefined) {
  const sent: string[] = [];
  const audit: Record<string, unknown>[] = [];
  const everywhere =
    (action: string) =>
    async (rooms: readonly string[], user: string, reason = ""): Promise<RoomOutcome[]> => {
      sent.push(`${action} ${user} ${reason}`);
      return rooms.map((roomId) => {
        const error = fail(roomId);
        return error ? { roomId, ok: false, error } : { roomId, ok: true };
      });
    };
  const members = memberActionService({
    port: {
      userId: "@bot:hs",
      kick: everywhere("kick"),
      ban: everywhere("ban"),
      unban: everywhere("unban"),
      readPowerLevels: async (roomId) => ({ roomId, content: undefined, roomVersion: "11" }),
    },
    rooms: ROOMS,
    audit: { append: async (r) => void audit.push(r) },
    now: () => 1_700_000_000_000,
  });
  return { members, sent, audit };
}

async function serve(memberActions: MemberActionService | undefined) {
  const dir = await tempDir();
  const api = await startAdminApi({
    engine: new FakeEngine(),
    health: () => ({ ok: true, body: { status: "ok" } }),
    publicUrl: "https://chat.example.org",
    logger: silent,
    socketPath: join(dir, "admin.sock"),
    ...(memberActions ? { memberActions } : {}),
  });
  return { api, sock: { socketPath: api.socketPath } };
}

test("a room that refused makes complete false, names the room, and the console reads why", async () => {
  const s = service((roomId) =>
    roomId === "!news:hs" ? new HomeserverError("M_FORBIDDEN: no power", false) : undefined,
  );
  const { api, sock } = await serve(s.members);
  const attached = attachedModeration(sock.socketPath);
  try {
    const answer = await http(sock, "POST", path, {
      body: { action: "ban", reason: "spam" },
      headers: { "x-anteroom-actor": "mod-zoe" },
    });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json, {
      user: USER,
      action: "ban",
      complete: false,
      rooms: [
        { roomId: "!space:hs", outcome: "done" },
        { roomId: "!chat:hs", outcome: "done" },
        {
          roomId: "!news:hs",
          outcome: "failed",
          reason: "M_FORBIDDEN: no power",
          transient: false,
        },
      ],
    });
    assert.equal(s.audit[0]?.by, "mod-zoe");
    assert.equal(s.audit[0]?.via, "admin-api");
    assert.deepEqual(await attached.memberAction(USER, "kick", undefined, "mod-zoe"), {
      ok: false,
      error: `kicked ${USER} in 2 of 3 rooms; !news:hs: M_FORBIDDEN: no power`,
    });
    assert.deepEqual(s.sent, [`ban ${USER} spam`, `kick ${USER} `]);
  } finally {
    attached.close();
    await api.close();
  }
});

test("every room done: the console reads the same summary as in-process", async () => {
  const s = service(() => undefined);
  const { api, sock } = await serve(s.members);
  const attached = attachedModeration(sock.socketPath);
  try {
    assert.deepEqual(await attached.memberAction(USER, "unban", "appealed", "mod-zoe"), {
      ok: true,
      summary: `unbanned ${USER} in 3 of 3 rooms`,
    });
    const refused = await attached.memberAction("nonsense", "ban", undefined, "mod-zoe");
    assert.equal(refused.ok, false);
    assert.match(refused.ok ? "" : refused.error, /not a valid user ID/);
    assert.deepEqual(s.sent, [`unban ${USER} appealed`]);
  } finally {
    attached.close();
    await api.close();
  }
});

test("a homeserver that answered no room is 503 homeserver_unavailable", async () => {
  const s = service(() => new HomeserverError("fetch failed", true));
  const { api, sock } = await serve(s.members);
  const attached = attachedModeration(sock.socketPath);
  try {
    const answer = await http(sock, "POST", path, { body: { action: "ban" } });
    assert.equal(answer.status, 503, answer.text);
    assert.equal(answer.json.error, "homeserver_unavailable");
    assert.deepEqual(await attached.memberAction(USER, "ban", undefined, "mod"), {
      ok: false,
      error: "the homeserver did not answer; try again: fetch failed",
    });
  } finally {
    attached.close();
    await api.close();
  }
});

test("without the service the route answers 503 members_unavailable, after checking the body", async () => {
  const { api, sock } = await serve(undefined);
  try {
    const bad = await http(sock, "POST", path, { body: { action: "ban", extra: 1 } });
    assert.equal(bad.status, 400);
    const answer = await http(sock, "POST", path, { body: { action: "ban" } });
    assert.equal(answer.status, 503);
    assert.equal(answer.json.error, "members_unavailable");
  } finally {
    await api.close();
  }
});
