/**
 * EngineApi: the one interface every front end uses — the console, the admin
 * HTTP API, chat commands. Queries, commands, and a change stream with a
 * snapshot-then-changes contract: take `snapshot()`, then apply every event
 * from `subscribe()` (subscribe first, then snapshot, and drop events older
 * than the snapshot's `seq`).
 */
import type { CodeBook, CodeEntry, RedeemRefusal } from "./codes/code-book.js";
import type { EngineEvent } from "./engine/events.js";
import type { ModeratorAction } from "./vetting/commands.js";
import type { VettingRecord } from "./vetting/record.js";
import type { LobbyRecord } from "./lobby/record.js";
import type { LobbyAction } from "./lobby/commands.js";
import type { JoinWaveStatus } from "./moderation/join-wave.js";
import type { PendingInvite } from "./admission/invites.js";
import type { AuditQuery } from "./ports.js";

export type CodeBookName = "invite" | "signup";

export interface EngineSnapshot {
  /** The number of the last event included; later events carry higher numbers. */
  readonly seq: number;
  readonly records: readonly VettingRecord[];
  readonly lobbies: readonly LobbyRecord[];
  readonly codes: CodeBook;
  readonly signupCodes: CodeBook;
  /** Join-wave protection: whether auto-approval is paused (absent from an engine that predates it). */
  readonly joinWave?: JoinWaveStatus;
  /** Invites anteroom sent that are not answered yet. */
  readonly invites?: readonly PendingInvite[];
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

/** A moderator's changes to one code book (an edit in $EDITOR): codes added or changed, codes removed. */
export interface CodeBookEdit {
  /** New entries by code; a code's redemption memory (`redeemed_by`) is kept by the engine. */
  readonly set: Readonly<Record<string, CodeEntry>>;
  readonly remove: readonly string[];
}

/** What a lobby request came to: the room to join, or why there is none (nothing is spent then). */
export type OpenLobbyResult =
  | {
      ok: true;
      key: string;
      roomId: string;
      alias: string;
      /** A matrix.to link to the alias. */
      url: string;
      title: string;
    }
  | { ok: false; error: "invalid_code"; refusal: RedeemRefusal }
  /** The room could not be made; the code's use was given back. */
  | { ok: false; error: "create_failed" }
  /** The request key names a lobby a moderator closed before its room was made. */
  | { ok: false; error: "closed" };

export interface EngineApi {
  snapshot(): EngineSnapshot;
  subscribe(listener: (event: EngineEvent) => void): () => void;
  moderate(key: string, action: ModeratorAction, by: string): Promise<CommandResult>;
  /**
   * Spends one use of an invite code for `requestKey` (at most once per key, whatever the
   * concurrency), records the lobby, and resolves once its room exists or could not be made.
   */
  openLobby(code: string, requestKey: string): Promise<OpenLobbyResult>;
  moderateLobby(key: string, action: LobbyAction, by: string): Promise<CommandResult>;
  /** Ends a join wave's pause now; the passes that waited for a moderator go in. */
  resumeJoinWave(by: string): Promise<CommandResult>;
  /**
   * Takes back the pending invite of `user` now, in the space and every room it went to, as
   * the automatic withdrawal does (audited with `by`). `{ok: false}` when no invite of theirs
   * is pending or was answered meanwhile; rejects when the homeserver fails (the engine
   * finishes the withdrawal on a later pass).
   */
  withdrawInvite(user: string, by: string): Promise<CommandResult>;
  mintCode(book: CodeBookName, request: MintRequest): Promise<{ code: string; entry: CodeEntry }>;
  revokeCode(book: CodeBookName, code: string, by: string): Promise<CommandResult>;
  /** Applies a moderator's edit of a book at once (validated first; nothing is applied on a refusal). */
  editCodes(book: CodeBookName, edit: CodeBookEdit, by: string): Promise<CommandResult>;
  audit(
    query: AuditQuery,
  ): Promise<readonly { ts: number; type: string; [field: string]: unknown }[]>;
}
