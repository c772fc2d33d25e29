/** A stand-in EngineApi and a small HTTP-over-unix-socket helper, for the admin API's unit tests. */
import { request } from "node:http";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PendingInvite } from "../../core/admission/invites.js";
import type { AuditQuery } from "../../core/ports.js";
import type {
  CodeBookEdit,
  CodeBookName,
  CommandResult,
  EngineApi,
  EngineSnapshot,
  MintRequest,
  OpenLobbyResult,
} from "../../core/api.js";
import type { LobbyAction } from "../../core/lobby/commands.js";
import type { LobbyRecord } from "../../core/lobby/record.js";
import type { CodeBook, CodeEntry } from "../../core/codes/code-book.js";
import { EngineEvents, type EngineEvent } from "../../core/engine/events.js";
import type { JoinWaveStatus } from "../../core/moderation/join-wave.js";
import type { ModeratorAction } from "../../core/vetting/commands.js";
import type { VettingPhase, VettingRecord } from "../../core/vetting/record.js";

type AuditRow = { ts: number; type: string; [field: string]: unknown };

export function record(key: string, user: string, phase: VettingPhase = "held"): VettingRecord {
  return {
    key,
    user,
    reason: "",
    knockedAt: 1_700_000_000_000,
    phase,
    triesLeft: 3,
    judged: [],
    outbox: [],
    nextEffectId: 1,
  };
}

export class FakeEngine implements EngineApi {
  readonly events = new EngineEvents();
  records: Record<string, VettingRecord> = {};
  lobbies: Record<string, LobbyRecord> = {};
  codes: CodeBook = {};
  signupCodes: CodeBook = {};
  log: AuditRow[] = [];
  joinWave: JoinWaveStatus = {
    threshold: 10,
    mode: "normal",
    paused: false,
    arrivalsLastMinute: 0,
    arrivalsInWave: 0,
  };
  readonly calls: { what: string; args: unknown[] }[] = [];
  subscribers = 0;
  /** Runs inside snapshot(), to play an event racing the snapshot. */
  duringSnapshot: ((engine: FakeEngine) => void) | undefined;
  private minted = 0;

  snapshot(): EngineSnapshot {
    this.duringSnapshot?.(this);
    return {
      seq: this.events.seq,
      records: Object.values(this.records),
      lobbies: Object.values(this.lobbies),
      codes: this.codes,
      signupCodes: this.signupCodes,
      joinWave: this.joinWave,
      invites: this.invites,
    };
  }

  async resumeJoinWave(by: string): Promise<CommandResult> {
    this.calls.push({ what: "resumeJoinWave", args: [by] });
    if (!this.joinWave.paused) return { ok: false, error: "auto-approval is not paused" };
    this.joinWave = { ...this.joinWave, mode: "overridden", paused: false };
    return { ok: true };
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.subscribers++;
    const off = this.events.subscribe(listener);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.subscribers--;
      off();
    };
  }

  put(next: VettingRecord): void {
    this.records[next.key] = next;
    this.events.emit({ type: "record", record: next });
  }

  addAudit(entry: AuditRow): void {
    this.log.push(entry);
    this.events.emit({ type: "audit", entry });
  }

  async moderate(key: string, action: ModeratorAction, by: string): Promise<CommandResult> {
    this.calls.push({ what: "moderate", args: [key, action, by] });
    const current = this.records[key];
    if (!current) return { ok: false, error: `no knock or vetting room ${key}` };
    if (action.action === "addTries" && (action.tries < 1 || action.tries > 20))
      return { ok: false, error: "tries must be 1–20" };
    if (action.action === "approve") {
      if (current.phase !== "held" && current.phase !== "open")
        return { ok: false, error: `already ${current.phase}` };
      this.put({ ...current, phase: "passed" });
    }
    return { ok: true };
  }

  async openLobby(code: string, requestKey: string): Promise<OpenLobbyResult> {
    this.calls.push({ what: "openLobby", args: [code, requestKey] });
    if (!(code in this.codes)) return { ok: false, error: "invalid_code", refusal: "unknown_code" };
    const key = `lobby:${requestKey}`;
    const alias = `#anteroom-lobby-${Object.keys(this.lobbies).length + 1}:example.org`;
    const roomId = `!lobby${Object.keys(this.lobbies).length + 1}:example.org`;
    this.lobbies[key] = {
      key,
      code,
      codeLabel: "",
      requestedAt: 1_700_000_000_000,
      phase: "open",
      roomId,
      alias,
      challenge: { topic: "rain", keyword: "puddle" },
      maxTries: 3,
      guests: {},
      judged: [],
      outbox: [],
      nextEffectId: 1,
    };
    return { ok: true, key, roomId, alias, url: `https://matrix.to/#/${alias}`, title: "lobby" };
  }

  async moderateLobby(key: string, action: LobbyAction, by: string): Promise<CommandResult> {
    this.calls.push({ what: "moderateLobby", args: [key, action, by] });
    if (!this.lobbies[key]) return { ok: false, error: `no lobby ${key}` };
    if (action.action === "addTries" && (action.tries < 1 || action.tries > 20))
      return { ok: false, error: "tries must be 1–20" };
    return { ok: true };
  }

  async mintCode(
    book: CodeBookName,
    request: MintRequest,
  ): Promise<{ code: string; entry: CodeEntry }> {
    this.calls.push({ what: "mintCode", args: [book, request] });
    const code = `CODE-${++this.minted}`;
    const entry: CodeEntry = {
      uses_remaining: request.uses,
      label: request.label,
      minted_by: request.by,
      ...(request.inviter ? { inviter: request.inviter } : {}),
      ...(request.expiresAt === undefined ? {} : { expires_at: request.expiresAt }),
    };
    if (book === "invite") this.codes = { ...this.codes, [code]: entry };
    else this.signupCodes = { ...this.signupCodes, [code]: entry };
    this.events.emit({
      type: "codes",
      book,
      codes: book === "invite" ? this.codes : this.signupCodes,
    });
    return { code, entry };
  }

  /** The pending invites the snapshot shows; a withdrawal takes one out and says so on the stream. */
  invites: PendingInvite[] = [];

  async withdrawInvite(user: string, by: string): Promise<CommandResult> {
    this.calls.push({ what: "withdrawInvite", args: [user, by] });
    if (!this.invites.some((invite) => invite.user === user))
      return { ok: false, error: `no pending invite for ${user}` };
    this.invites = this.invites.filter((invite) => invite.user !== user);
    this.events.emit({ type: "invites", invites: this.invites });
    return { ok: true };
  }

  async revokeCode(book: CodeBookName, code: string, by: string): Promise<CommandResult> {
    this.calls.push({ what: "revokeCode", args: [book, code, by] });
    const books = book === "invite" ? this.codes : this.signupCodes;
    if (!(code in books)) return { ok: false, error: `no ${book} code ${code}` };
    const rest = { ...books };
    delete rest[code];
    if (book === "invite") this.codes = rest;
    else this.signupCodes = rest;
    this.events.emit({ type: "codes", book, codes: rest });
    return { ok: true };
  }

  async editCodes(book: CodeBookName, edit: CodeBookEdit, by: string): Promise<CommandResult> {
    this.calls.push({ what: "editCodes", args: [book, edit, by] });
    const next = { ...(book === "invite" ? this.codes : this.signupCodes), ...edit.set };
    for (const code of edit.remove) delete next[code];
    if (book === "invite") this.codes = next;
    else this.signupCodes = next;
    this.events.emit({ type: "codes", book, codes: next });
    return { ok: true };
  }

  async audit(query: AuditQuery): Promise<readonly AuditRow[]> {
    this.calls.push({ what: "audit", args: [query] });
    const hits = this.log.filter(
      (row) =>
        (query.sinceTs === undefined || row.ts >= query.sinceTs) &&
        (query.types === undefined || query.types.includes(row.type)) &&
        (query.user === undefined || row.user === query.user),
    );
    return query.limit === undefined ? hits : hits.slice(-query.limit);
  }
}

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "anteroom-admin-"));
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test assertions read any shape
}

/** One request over a unix socket (or to a TCP base URL); the body is sent as given when a string. */
export function http(
  target: { socketPath: string } | { url: string },
  method: string,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload =
      opts.body === undefined
        ? undefined
        : typeof opts.body === "string"
          ? opts.body
          : JSON.stringify(opts.body);
    const headers: Record<string, string> = {
      ...(payload !== undefined && typeof opts.body !== "string"
        ? { "content-type": "application/json" }
        : {}),
      ...opts.headers,
    };
    const where =
      "socketPath" in target
        ? { socketPath: target.socketPath, path }
        : (() => {
            const url = new URL(path, target.url);
            return { host: url.hostname, port: url.port, path: url.pathname + url.search };
          })();
    const req = request({ ...where, method, headers, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on("error", reject);
    // A Buffer: with a string body Node would send the headers in the body's encoding (UTF-8).
    req.end(payload === undefined ? undefined : Buffer.from(payload));
  });
}
