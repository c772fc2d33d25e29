// A scripted stand-in for the homeserver's registration API, for unit tests of the signup
// flow's decisions (which flows, when to refund). The integration tests use the real Synapse.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CodeBook } from "../../core/codes/code-book.js";
import type { Log } from "../../core/ports.js";
import { AuditLog, type AuditRecord } from "../../src/store/audit-log.js";
import { openCodeBook } from "../../src/store/books.js";
import type { JsonStore } from "../../src/store/json-store.js";
import { SignupService, type SignupDeps } from "../../src/signup/service.js";
import { CodeDesk } from "../../core/engine/code-desk.js";
import { EngineEvents } from "../../core/engine/events.js";
import { SerialQueue } from "../../core/engine/serial.js";
import { systemClock } from "../../src/system-clock.js";
import { MemoryStore } from "./engine-fixtures.js";

export const TOKEN = "server-held-token";

interface Session {
  completed: string[];
}

export interface SentRequest {
  method: string;
  path: string;
  body: Record<string, unknown> | undefined;
  authorization: string | null;
}

export class FakeHomeserver {
  /** "synapse": token then dummy; "conduwuit": the token alone. */
  flavour: "synapse" | "conduwuit" = "synapse";
  readonly taken = new Set<string>(["taken"]);
  readonly accounts = new Map<string, string>();
  readonly requests: SentRequest[] = [];
  /** Paths (prefixes) that answer with this status and errcode. */
  readonly failures = new Map<string, { status: number; errcode: string; error: string }>();
  /** Make the final registration stage hang until the client gives up. */
  hangOnFinalStage = false;
  /** Answer 200 to a login for an account made by a hung final stage. */
  createOnHang = false;
  /** Make this many direct chats but answer 502, as a proxy timing out on a slow homeserver would. */
  createRoomLostAnswers = 0;
  /** Direct chats made, by the token that made them, with the user invited. */
  readonly directChats: { roomId: string; by: string | null; partner: string }[] = [];
  private sessions = new Map<string, Session>();
  private nextSession = 1;

  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const path = decodeURIComponent(url.pathname);
    const body = init?.body
      ? (JSON.parse(String(init.body)) as Record<string, unknown>)
      : undefined;
    const headers = new Headers(init?.headers);
    this.requests.push({
      method: init?.method ?? "GET",
      path,
      body,
      authorization: headers.get("authorization"),
    });
    for (const [prefix, failure] of this.failures) {
      if (path.startsWith(prefix)) {
        return json(failure.status, { errcode: failure.errcode, error: failure.error });
      }
    }
    if (path === "/_matrix/client/v3/register") return this.register(body ?? {}, init?.signal);
    if (path === "/_matrix/client/v3/login") {
      const user = (body?.identifier as { user?: string } | undefined)?.user ?? "";
      if (this.accounts.get(user) === body?.password) {
        return json(200, {
          user_id: `@${user}:test`,
          access_token: `login-${user}`,
          device_id: "L",
        });
      }
      return json(403, { errcode: "M_FORBIDDEN", error: "Invalid username or password" });
    }
    if (path.startsWith("/_matrix/client/v3/profile/")) return json(200, {});
    if (path.startsWith("/_matrix/client/v3/join/")) {
      return json(200, { room_id: path.slice("/_matrix/client/v3/join/".length) });
    }
    if (path === "/_matrix/client/v3/logout") return json(200, {});
    if (path === "/_matrix/client/v3/createRoom") {
      const roomId = `!dm${this.directChats.length + 1}:test`;
      const partner = String((body?.invite as string[] | undefined)?.[0]);
      this.directChats.push({ roomId, by: headers.get("authorization"), partner });
      if (this.createRoomLostAnswers > 0) {
        this.createRoomLostAnswers--;
        return json(502, { errcode: "M_UNKNOWN", error: "Bad Gateway" });
      }
      return json(200, { room_id: roomId });
    }
    if (/^\/_matrix\/client\/v3\/user\/[^/]+\/account_data\/m\.direct$/.test(path)) {
      return json(200, {});
    }
    if (path === "/_matrix/client/v3/joined_rooms") {
      const by = headers.get("authorization");
      const rooms = this.directChats.filter((c) => c.by === by).map((c) => c.roomId);
      return json(200, { joined_rooms: rooms });
    }
    const member = /^\/_matrix\/client\/v3\/rooms\/([^/]+)\/state\/m\.room\.member\/(.+)$/.exec(
      path,
    );
    if (member) {
      const chat = this.directChats.find((c) => c.roomId === member[1] && c.partner === member[2]);
      if (chat) return json(200, { membership: "invite", is_direct: true });
      return json(404, { errcode: "M_NOT_FOUND", error: "Event not found." });
    }
    return json(404, { errcode: "M_UNRECOGNIZED", error: "Unrecognized request" });
  };

  private async register(
    body: Record<string, unknown>,
    signal: AbortSignal | null | undefined,
  ): Promise<Response> {
    const username = String(body.username);
    if (this.taken.has(username) || this.accounts.has(username)) {
      return json(400, { errcode: "M_USER_IN_USE", error: "User ID already taken." });
    }
    const stages =
      this.flavour === "synapse"
        ? ["m.login.registration_token", "m.login.dummy"]
        : ["m.login.registration_token"];
    const flows = [{ stages: ["m.login.email.identity"] }, { stages }];
    const auth = body.auth as { type?: string; session?: string; token?: string } | undefined;
    if (!auth) {
      const session = String(this.nextSession++);
      this.sessions.set(session, { completed: [] });
      return json(401, { session, flows, params: {} });
    }
    const session = this.sessions.get(String(auth.session));
    if (!session) return json(400, { errcode: "M_UNKNOWN", error: "unknown session" });
    if (auth.type === "m.login.registration_token") {
      if (auth.token !== TOKEN) {
        return json(401, {
          session: auth.session,
          flows,
          completed: session.completed,
          errcode: "M_UNAUTHORIZED",
          error: "Invalid registration token",
        });
      }
      session.completed.push(auth.type);
    } else if (auth.type === "m.login.dummy") {
      session.completed.push(auth.type);
    }
    if (stages.every((s) => session.completed.includes(s))) {
      if (this.hangOnFinalStage) {
        if (this.createOnHang) this.accounts.set(username, String(body.password));
        // AbortSignal.timeout's timer does not keep the process alive; this one does, as a server would.
        const keepAlive = setTimeout(() => undefined, 30_000);
        await new Promise((_resolve, reject) =>
          signal?.addEventListener("abort", () => {
            clearTimeout(keepAlive);
            reject(signal.reason as Error);
          }),
        );
      }
      this.accounts.set(username, String(body.password));
      return json(200, {
        user_id: `@${username}:test`,
        access_token: `token-${username}`,
        device_id: `DEV${username}`,
      });
    }
    return json(401, { session: auth.session, flows, completed: session.completed, params: {} });
  }
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

export const silentLog: Log & { lines: { level: string; fields: object; msg: string }[] } = {
  lines: [],
  info(fields, msg) {
    this.lines.push({ level: "info", fields, msg });
  },
  warn(fields, msg) {
    this.lines.push({ level: "warn", fields, msg });
  },
  error(fields, msg) {
    this.lines.push({ level: "error", fields, msg });
  },
};

export interface SignupFixture {
  hs: FakeHomeserver;
  codes: JsonStore<CodeBook>;
  audit: AuditLog;
  service: SignupService;
  invites: { roomId: string; userId: string }[];
  auditRecords(): Promise<AuditRecord[]>;
  close(): Promise<void>;
}

export async function signupFixture(
  book: CodeBook,
  overrides: Partial<SignupDeps> = {},
): Promise<SignupFixture> {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-signup-"));
  const codes = await openCodeBook(join(dir, "signup_codes.json"));
  codes.update(() => book);
  await codes.flush();
  const audit = await AuditLog.open(join(dir, "log.jsonl"));
  const hs = new FakeHomeserver();
  const invites: { roomId: string; userId: string }[] = [];
  const now = overrides.now ?? Date.now;
  // The engine's code desk, the signup book's one writer, over the fixture's files.
  const desk = new CodeDesk({
    codes: new MemoryStore<CodeBook>({}),
    signupCodes: codes,
    audit,
    clock: { now, wakeAfter: systemClock.wakeAfter },
    events: new EngineEvents(),
    decisions: new SerialQueue(),
    secureRandom: (bytes) => new Uint8Array(bytes),
    log: silentLog,
  });
  const service = new SignupService({
    codes: desk,
    log: silentLog,
    inviter: {
      invite: async (roomId, userId) => {
        invites.push({ roomId, userId });
      },
    },
    homeserverUrl: "http://hs.test",
    publicUrl: "https://matrix.example.org",
    registrationToken: TOKEN,
    spaceId: "!space:test",
    childIds: ["!a:test", "!b:test"],
    fetch: hs.fetch,
    timeoutMs: 2_000,
    ...overrides,
  });
  return {
    hs,
    codes,
    audit,
    service,
    invites,
    auditRecords: () => audit.read(),
    close: async () => {
      await codes.close();
      await audit.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
