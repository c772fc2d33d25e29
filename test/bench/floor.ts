/**
 * The FLOOR of the knock benchmark (test/bench/knocks.ts): the least a gatekeeper bot must do
 * per knock, with no engine, no SDK, no persistence. It watches one space through the bot's own
 * /sync (a raw fetch long-poll with a tight filter: only that room, only m.room.member events,
 * nothing else), and for every new knock makes the same `createRoom` as
 * src/matrix/matrix-port.ts `createVettingRoom` (private preset, the knocker invited, the same
 * initial state and power_level_content_override, an alias derived from the knock's event id),
 * then sends one `m.room.message` with the challenge. Up to FLOOR_MAX_IN_FLIGHT knocks (8) are
 * handled at once.
 *
 * It runs as its own process with plain `node test/bench/floor.ts` (Node 22 strips the types;
 * the file therefore imports nothing from the project), so its CPU time and RSS compare with
 * the daemon's. Settings come from the environment: FLOOR_HS, FLOOR_TOKEN, FLOOR_USER,
 * FLOOR_SPACE, FLOOR_MAX_IN_FLIGHT, FLOOR_POWER_LEVELS (the vetting room's, as JSON). It prints one JSON line per event on stdout:
 * `{"type":"ready"}` once syncing, then `{"type":"done",…}` or `{"type":"error",…}` per knock.
 */
import { createHash } from "node:crypto";

/* eslint-disable @typescript-eslint/no-explicit-any -- Matrix JSON is untyped here */

const HS = required("FLOOR_HS").replace(/\/+$/, "");
const TOKEN = required("FLOOR_TOKEN");
const USER = required("FLOOR_USER");
const SPACE = required("FLOOR_SPACE");
const MAX_IN_FLIGHT = Number(process.env.FLOOR_MAX_IN_FLIGHT ?? "8");
const POWER_LEVELS: unknown = JSON.parse(required("FLOOR_POWER_LEVELS"));

// A fixed challenge of the same shape and length as the engine's (core/challenge/messages.ts).
const TOPIC = "a pine forest after rain";
const KEYWORD = "needles";
const CHALLENGE = [
  "welcome! one small step before you join:",
  `write a 3-line haiku about: ${TOPIC}`,
  `include the word "${KEYWORD}"`,
  "reply here with your haiku. 3 tries left; this room closes in 2 hours.",
].join("\n");

const FILTER = {
  presence: { not_types: ["*"] },
  account_data: { not_types: ["*"] },
  room: {
    rooms: [SPACE],
    account_data: { not_types: ["*"] },
    ephemeral: { not_types: ["*"] },
    state: { types: ["m.room.member"], lazy_load_members: false },
    timeline: { types: ["m.room.member"], limit: 100 },
  },
};

interface Knock {
  readonly key: string;
  readonly user: string;
  readonly seenAt: number;
}

const seen = new Set<string>();
const queue: Knock[] = [];
let inFlight = 0;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  query: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<any> {
  const url = new URL(`${HS}/_matrix/client/v3${path}`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  for (;;) {
    const res = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const json: any = await res.json().catch(() => ({}));
    if (res.ok) return json;
    if (res.status === 429) {
      await sleep(typeof json.retry_after_ms === "number" ? json.retry_after_ms : 500);
      continue;
    }
    throw new Error(`${method} ${path} → ${res.status} ${json.errcode ?? ""} ${json.error ?? ""}`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function collectKnocks(response: any): void {
  const room = response?.rooms?.join?.[SPACE];
  const events: any[] = [...(room?.state?.events ?? []), ...(room?.timeline?.events ?? [])];
  const now = Date.now();
  for (const ev of events) {
    if (ev?.type !== "m.room.member" || ev.content?.membership !== "knock") continue;
    if (typeof ev.event_id !== "string" || seen.has(ev.event_id)) continue;
    seen.add(ev.event_id);
    queue.push({ key: ev.event_id, user: ev.state_key, seenAt: now });
  }
  pump();
}

function pump(): void {
  while (inFlight < MAX_IN_FLIGHT && queue.length > 0) {
    const knock = queue.shift() as Knock;
    inFlight++;
    void handle(knock).finally(() => {
      inFlight--;
      pump();
    });
  }
}

async function handle(knock: Knock): Promise<void> {
  try {
    const alias = `floor-vet-${createHash("sha256").update(knock.key).digest("hex").slice(0, 24)}`;
    const { room_id: roomId } = await call("POST", "/createRoom", {
      preset: "private_chat",
      visibility: "private",
      room_alias_name: alias,
      name: "anteroom: a haiku to get in",
      topic: `write a 3-line haiku about: ${TOPIC} — include the word "${KEYWORD}"`,
      invite: [knock.user],
      initial_state: [
        {
          type: "m.room.history_visibility",
          state_key: "",
          content: { history_visibility: "shared" },
        },
        { type: "m.room.guest_access", state_key: "", content: { guest_access: "forbidden" } },
      ],
      // The same power levels as anteroom's vetting rooms (src/matrix/matrix-port.ts), handed over.
      power_level_content_override: POWER_LEVELS,
    });
    const createdAt = Date.now();
    const txn = encodeURIComponent(`floor.${knock.key}`);
    await call("PUT", `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${txn}`, {
      msgtype: "m.text",
      body: CHALLENGE,
    });
    emit({ type: "done", ...knock, roomId, createdAt, sentAt: Date.now() });
  } catch (error) {
    emit({
      type: "error",
      ...knock,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

async function main(): Promise<void> {
  const { filter_id: filter } = await call(
    "POST",
    `/user/${encodeURIComponent(USER)}/filter`,
    FILTER,
  );
  let since: string | undefined;
  let announced = false;
  for (;;) {
    let response: any;
    try {
      response = await call(
        "GET",
        "/sync",
        undefined,
        since === undefined ? { filter, timeout: "0" } : { filter, since, timeout: "30000" },
        60_000,
      );
    } catch (error) {
      emit({ type: "syncError", error: error instanceof Error ? error.message : String(error) });
      await sleep(500);
      continue;
    }
    since = response.next_batch;
    collectKnocks(response);
    if (!announced) {
      announced = true;
      emit({ type: "ready" });
    }
  }
}

process.on("SIGTERM", () => process.exit(0));
// The bench died without stopping us (SIGKILL): do not linger.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1_000).unref();
main().catch((error: unknown) => {
  emit({ type: "fatal", error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
