/**
 * EngineApi: the one interface every front end uses — the console, the admin
 * HTTP API, chat commands. Queries, commands, and a change stream with a
 * snapshot-then-changes contract: take `snapshot()`, then apply every event
 * from `subscribe()` (subscribe first, then snapshot, and drop events older
 * than the snapshot's `seq`).
 */
import type { CodeBook, CodeEntry } from "./codes.js";
import type { EngineEvent } from "./engine/events.js";
import type { ModeratorAction } from "./vetting-commands.js";
import type { VettingRecord } from "./vetting.js";

export type CodeBookName = "invite" | "signup";

export interface EngineSnapshot {
  /** The number of the last event included; later events carry higher numbers. */
  readonly seq: number;
  readonly records: readonly VettingRecord[];
  readonly codes: CodeBook;
  readonly signupCodes: CodeBook;
}

export type CommandResult = { ok: true } | { ok: false; error: string };

export interface MintRequest {
  readonly uses: number;
  readonly label: string;
  /** Unix seconds. */
  readonly expiresAt?: number;
  readonly inviter?: string;
  readonly by: string;
}

export interface AuditQuery {
  readonly sinceTs?: number;
  readonly types?: string[];
  readonly user?: string;
  readonly limit?: number;
}

export interface EngineApi {
  snapshot(): EngineSnapshot;
  subscribe(listener: (event: EngineEvent) => void): () => void;
  moderate(key: string, action: ModeratorAction, by: string): Promise<CommandResult>;
  mintCode(book: CodeBookName, request: MintRequest): Promise<{ code: string; entry: CodeEntry }>;
  revokeCode(book: CodeBookName, code: string, by: string): Promise<CommandResult>;
  audit(
    query: AuditQuery,
  ): Promise<readonly { ts: number; type: string; [field: string]: unknown }[]>;
}
