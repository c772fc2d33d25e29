/**
 * The engine's commands and queries as requests to the daemon's admin API:
 * what the attach client does besides mirroring the event stream.
 */
import { Agent } from "node:http";
import type {
  CodeBookEdit,
  CodeBookName,
  CommandResult,
  MintRequest,
  OpenLobbyResult,
} from "../../core/api.js";
import type { CodeEntry } from "../../core/codes/code-book.js";
import type { AuditQuery } from "../../core/ports.js";
import type { ModeratorAction } from "../../core/vetting/commands.js";
import type { LobbyAction } from "../../core/lobby/commands.js";
import { ADMIN_PREFIX, call, messageOf, type CallOptions } from "./admin-socket.js";

export type AuditRow = { ts: number; type: string; [field: string]: unknown };

export interface AdminHealth {
  readonly status: string;
  readonly sync: string;
  readonly last_sync_ms_ago: number | null;
  readonly records_by_phase: Record<string, number>;
  readonly seq: number;
  readonly pid: number;
  /** HS_PUBLIC: the base of code links. */
  readonly public_url?: string;
}

export class AdminCommands {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 8 });
  private stopped = false;

  constructor(readonly socketPath: string) {}

  async health(): Promise<{ ok: boolean; health: AdminHealth }> {
    const { status, body } = await this.call("GET", `${ADMIN_PREFIX}/health`, { accept: [503] });
    return { ok: status === 200, health: body as AdminHealth };
  }

  async moderate(key: string, action: ModeratorAction, by: string): Promise<CommandResult> {
    const { status, body } = await this.call(
      "POST",
      `${ADMIN_PREFIX}/knocks/${encodeURIComponent(key)}/actions`,
      { body: action, actor: by, accept: [400, 404, 409] },
    );
    return status === 200 ? { ok: true } : { ok: false, error: messageOf(body) };
  }

  async openLobby(code: string, requestKey: string): Promise<OpenLobbyResult> {
    const { status, body } = await this.call("POST", `${ADMIN_PREFIX}/lobbies`, {
      body: { code, request_key: requestKey },
      accept: [403, 500, 409],
    });
    if (status === 201 || status === 200) {
      const lobby = (body as { lobby: Extract<OpenLobbyResult, { ok: true }> }).lobby;
      return { ...lobby, ok: true };
    }
    const error = (body as { error?: unknown } | undefined)?.error;
    if (error === "invalid_code") {
      const refusal = (body as { refusal?: unknown }).refusal;
      return {
        ok: false,
        error: "invalid_code",
        refusal: refusal === "used_up" || refusal === "expired" ? refusal : "unknown_code",
      };
    }
    return { ok: false, error: error === "closed" ? "closed" : "create_failed" };
  }

  async moderateLobby(key: string, action: LobbyAction, by: string): Promise<CommandResult> {
    const { status, body } = await this.call(
      "POST",
      `${ADMIN_PREFIX}/lobbies/${encodeURIComponent(key)}/actions`,
      { body: action, actor: by, accept: [400, 404, 409] },
    );
    return status === 200 ? { ok: true } : { ok: false, error: messageOf(body) };
  }

  async resumeJoinWave(by: string): Promise<CommandResult> {
    const { status, body } = await this.call("POST", `${ADMIN_PREFIX}/join-wave/resume`, {
      actor: by,
      accept: [409],
    });
    return status === 200 ? { ok: true } : { ok: false, error: messageOf(body) };
  }

  async withdrawInvite(user: string, by: string): Promise<CommandResult> {
    const { status, body } = await this.call(
      "DELETE",
      `${ADMIN_PREFIX}/invites/${encodeURIComponent(user)}`,
      { actor: by, accept: [404, 409] },
    );
    return status === 200 ? { ok: true } : { ok: false, error: messageOf(body) };
  }

  async mintCode(
    book: CodeBookName,
    request: MintRequest,
  ): Promise<{ code: string; entry: CodeEntry; link: string }> {
    const { body } = await this.call("POST", `${ADMIN_PREFIX}/codes/${book}`, {
      actor: request.by,
      body: {
        uses: request.uses,
        label: request.label,
        ...(request.expiresAt === undefined ? {} : { expires_at: request.expiresAt }),
        ...(request.inviter === undefined ? {} : { inviter: request.inviter }),
      },
    });
    return body as { code: string; entry: CodeEntry; link: string };
  }

  async revokeCode(book: CodeBookName, code: string, by: string): Promise<CommandResult> {
    const { status, body } = await this.call(
      "DELETE",
      `${ADMIN_PREFIX}/codes/${book}/${encodeURIComponent(code)}`,
      { actor: by, accept: [404] },
    );
    return status === 200 ? { ok: true } : { ok: false, error: messageOf(body) };
  }

  async editCodes(book: CodeBookName, edit: CodeBookEdit, by: string): Promise<CommandResult> {
    const { status, body } = await this.call("POST", `${ADMIN_PREFIX}/codes/${book}/edits`, {
      body: edit,
      actor: by,
      accept: [400],
    });
    return status === 200 ? { ok: true } : { ok: false, error: messageOf(body) };
  }

  async audit(query: AuditQuery): Promise<readonly AuditRow[]> {
    const params = new URLSearchParams();
    if (query.sinceTs !== undefined) params.set("since", String(query.sinceTs));
    if (query.types?.length) params.set("type", query.types.join(","));
    if (query.user !== undefined) params.set("user", query.user);
    if (query.limit !== undefined) params.set("limit", String(query.limit));
    const search = params.size ? `?${params.toString()}` : "";
    const { body } = await this.call("GET", `${ADMIN_PREFIX}/audit${search}`);
    return (body as { entries: AuditRow[] }).entries;
  }

  /** Later commands fail; the pooled sockets close. */
  stop(): void {
    this.stopped = true;
    this.agent.destroy();
  }

  private call(
    method: string,
    path: string,
    opts: CallOptions = {},
  ): Promise<{ status: number; body: unknown }> {
    if (this.stopped) return Promise.reject(new Error("the attach client is closed"));
    return call(this.agent, this.socketPath, method, path, opts);
  }
}
