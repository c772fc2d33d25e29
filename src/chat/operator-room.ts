/**
 * Chat commands in the operator room (ADMIN_COMMAND_ROOM): listens to the
 * bot's sync, answers operators, and says nothing at all to anyone else (a
 * refusal is only an audit record, at most so many a sender an hour). An
 * operator asking for codes or tokens where outsiders can read (the space, a
 * room not invite-only) is told why not. Commands are taken from the moment the
 * daemon is ready: whatever the first sync brings (history, or what was said
 * while the daemon was down) is never acted on.
 */
import {
  ClientEvent,
  RoomEvent,
  SyncState,
  type MatrixClient,
  type MatrixEvent,
  type Room,
} from "matrix-js-sdk";
import type { IRoomTimelineData } from "matrix-js-sdk/lib/models/event-timeline-set.js";
import {
  isOperator,
  operatorAuthority,
  powerLevelOf,
  type OperatorPolicy,
} from "../../core/chat-commands/authorize.js";
import { parseChatCommand } from "../../core/chat-commands/parse.js";
import {
  REFUSALS_RECORDED_PER_HOUR,
  RefusalQuota,
} from "../../core/chat-commands/refusal-quota.js";
import {
  openRoomRefusal,
  openToOutsiders,
  revealsSecrets,
  type RoomAccess,
} from "../../core/chat-commands/room-exposure.js";
import { creatorsHaveUnlimitedPower } from "../../core/moderation/power-levels.js";
import type { AuditSink, Log } from "../../core/ports.js";
import type { OperatorActions } from "./operator-actions.js";
import type { SendNotice } from "./notice.js";
import { RecentIds } from "./recent-ids.js";
import { awaitDecryption, type Undecryptable } from "../matrix/crypto/decryption.js";
import type { SenderTrust } from "../matrix/crypto/sender-trust.js";
import { runChatCommand, type ChatCommandsApi } from "./run-command.js";

export interface OperatorRoomOptions {
  readonly client: MatrixClient;
  readonly roomId: string;
  /** SPACE_ID: codes and tokens are never shown there, even when it is the operator room. */
  readonly spaceId: string;
  readonly policy: OperatorPolicy;
  /** HS_PUBLIC, for the links in mint replies. */
  readonly publicUrl: string;
  readonly api: ChatCommandsApi;
  readonly actions: OperatorActions;
  readonly audit: Pick<AuditSink, "append">;
  readonly send: SendNotice;
  readonly log: Log;
  readonly now?: () => number;
  /** A message in the room stayed unreadable (encrypted, and no key came): for /metrics. */
  readonly onUndecryptable?: (failure: Undecryptable) => void;
  /** ADMIN_REQUIRE_VERIFIED_DEVICE: when an operator's command must come from a device they vouch for. */
  readonly deviceGate?: DeviceGate;
}

export interface DeviceGate {
  /** Whether the gate applies now (the setting, or by default: the room is encrypted). */
  required(room: Room): boolean;
  trust(event: MatrixEvent): Promise<SenderTrust>;
}

/** The reference approver's answer to an operator whose command the gate stops. */
export const UNVERIFIED_REFUSAL =
  "refused — admin commands require a cross-signing-verified device";

export interface OperatorRoom {
  /** Resolves when every command received so far has been answered. */
  idle(): Promise<void>;
  stop(): void;
}

/** Longer messages are not commands (a command fits in a line or two); this bounds the work a sender can cause. */
const MAX_COMMAND_BODY = 2000;
const REMEMBERED_EVENTS = 2000;
/** How long an encrypted message may wait for its room key before it counts as unreadable. */
const DECRYPTION_GRACE_MS = 10_000;

export function listenToOperatorRoom(options: OperatorRoomOptions): OperatorRoom {
  const { client, roomId, log } = options;
  const now = options.now ?? Date.now;
  const botUserId = client.getUserId();
  // Also refuses anything stamped before this process began listening, whatever sync batch it comes in.
  const listeningSince = now();
  let live = false;
  const handled = new RecentIds(REMEMBERED_EVENTS);
  const encryptedSeen = new RecentIds(REMEMBERED_EVENTS);
  let queue: Promise<void> = Promise.resolve();
  const refusals = new RefusalQuota();

  const auditRefusal = (sender: string, cmd: string, why?: string) => {
    const verdict = refusals.admit(sender, now());
    if (!verdict.record) {
      if (verdict.first)
        log.warn(
          { sender, perHour: REFUSALS_RECORDED_PER_HOUR },
          "refused chat commands from this sender are now counted, not written to the audit log, until the hour is over",
        );
      return;
    }
    const record = {
      ts: now() / 1000,
      type: "admin_refused",
      cmd,
      sender,
      room: roomId,
      ...(why === undefined ? {} : { why }),
      ...(verdict.notRecorded > 0 ? { not_recorded: verdict.notRecorded } : {}),
    };
    queue = queue.then(() =>
      options.audit
        .append(record)
        .catch((error: unknown) =>
          log.error({ err: error }, "could not audit a refused chat command"),
        ),
    );
  };

  const onSync = (
    state: SyncState,
    _previous: SyncState | null,
    data?: { fromCache?: boolean },
  ) => {
    if (live || (state !== SyncState.Prepared && state !== SyncState.Syncing) || data?.fromCache)
      return;
    // Everything up to and including the first answer from the homeserver was backlog.
    live = true;
    const room = client.getRoom(roomId);
    const membership = room?.getMyMembership();
    const encrypted = room?.hasEncryptionStateEvent() === true;
    const crypto = client.getCrypto() !== undefined;
    if (membership === "join" && encrypted && !crypto)
      log.warn(
        { room: roomId, commands: "none" },
        "the operator room is encrypted and ENCRYPTION is off: the bot cannot read the commands given there; set ENCRYPTION=auto or on",
      );
    else if (membership === "join")
      log.info(
        {
          room: roomId,
          encrypted,
          commands: crypto ? "encrypted and in the clear" : "in the clear",
        },
        `taking chat commands in the operator room, ${crypto ? "encrypted and in the clear" : "in the clear"}`,
      );
    else
      log.warn(
        { room: roomId, membership: membership ?? "none" },
        "the bot is not in ADMIN_COMMAND_ROOM: chat commands are off until it joins",
      );
  };

  const onTimeline = (
    event: MatrixEvent,
    room: Room | undefined,
    toStartOfTimeline: boolean | undefined,
    _removed: boolean,
    data: IRoomTimelineData | undefined,
  ) => {
    if (!live || toStartOfTimeline || data?.liveEvent === false || room?.roomId !== roomId) return;
    if (event.isEncrypted()) onEncrypted(event, room);
    else onMessage(event, room);
  };

  const onEncrypted = (event: MatrixEvent, room: Room): void => {
    const eventId = event.getId();
    if (!eventId || event.getSender() === botUserId || event.getTs() < listeningSince) return;
    if (!encryptedSeen.firstSighting(eventId)) return;
    awaitDecryption(client, event, DECRYPTION_GRACE_MS).then(
      (failure) => {
        if (!failure) return onMessage(event, room);
        log.warn(
          { room: roomId, event: eventId, ...failure },
          "a message in the operator room could not be decrypted; if it was a command, it is not acted on",
        );
        options.onUndecryptable?.(failure);
      },
      (error: unknown) =>
        log.error({ err: error }, "could not decrypt a message in the operator room"),
    );
  };

  const onMessage = (event: MatrixEvent, room: Room): void => {
    const message = commandMessage(event, botUserId, listeningSince);
    if (!message || !handled.firstSighting(message.eventId)) return;
    const parsed = parseChatCommand(message.body);
    if (parsed.kind === "none") return;
    const name = parsed.kind === "command" ? parsed.command.name : parsed.name;
    const powerLevels = currentPowerLevels(room);
    const creators = roomCreators(room);
    if (!isOperator(message.sender, powerLevels, options.policy, creators)) {
      // Nothing reaches the room or the sender: only the audit log knows.
      auditRefusal(message.sender, name);
      return;
    }
    const exposed =
      parsed.kind === "command" && revealsSecrets(parsed.command)
        ? openToOutsiders(roomAccess(room, options.spaceId))
        : undefined;
    if (exposed !== undefined) auditRefusal(message.sender, name, "open_room");
    const authority = operatorAuthority(message.sender, powerLevels, options.policy, creators);
    const gate = options.deviceGate?.required(room) ? options.deviceGate : undefined;
    queue = queue.then(async () => {
      let reply: string;
      const trust = gate ? await gate.trust(event) : "verified";
      if (trust !== "verified") {
        log.warn({ sender: message.sender, command: name, trust }, "chat command refused: device");
        reply = `${message.sender}: ${UNVERIFIED_REFUSAL}`;
        await options.audit
          .append({
            ts: now() / 1000,
            type: "admin_unverified",
            cmd: name,
            sender: message.sender,
            room: roomId,
            trust,
          })
          .catch((error: unknown) =>
            log.error({ err: error }, "could not audit a refused chat command"),
          );
      } else if (parsed.kind === "usage") reply = parsed.error;
      else if (exposed !== undefined) reply = openRoomRefusal(name, exposed);
      else {
        log.info({ sender: message.sender, command: name }, "chat command");
        try {
          reply = await runChatCommand(
            parsed.command,
            {
              sender: message.sender,
              publicUrl: options.publicUrl,
              now,
              authority,
              levelOf: (user) =>
                creators.includes(user)
                  ? Number.POSITIVE_INFINITY
                  : powerLevelOf(currentPowerLevels(room), user),
            },
            options.api,
            options.actions,
          );
        } catch (error) {
          log.error({ err: error, command: name }, "a chat command failed");
          reply = `!${name} failed: ${(error as Error).message}`;
        }
      }
      await options
        .send(roomId, reply, `anteroom-chat-${message.eventId}`)
        .catch((error: unknown) => log.error({ err: error }, "could not answer a chat command"));
    });
  };

  client.on(ClientEvent.Sync, onSync);
  client.on(RoomEvent.Timeline, onTimeline);
  return {
    idle: () => queue,
    stop() {
      client.off(ClientEvent.Sync, onSync);
      client.off(RoomEvent.Timeline, onTimeline);
    },
  };
}

/** What says whether outsiders can read the room (core/chat-commands/room-exposure.ts). */
function roomAccess(room: Room, spaceId: string): RoomAccess {
  const state = (type: string) => room.currentState.getStateEvents(type, "")?.getContent();
  return {
    isSpace: room.roomId === spaceId,
    joinRule: state("m.room.join_rules")?.join_rule,
    historyVisibility: state("m.room.history_visibility")?.history_visibility,
  };
}

function currentPowerLevels(room: Room): unknown {
  return room.currentState.getStateEvents("m.room.power_levels", "")?.getContent();
}

/** The creators of a room version 12 or later (unlimited power, no `users` entry); none before. */
function roomCreators(room: Room): string[] {
  const create = room.currentState.getStateEvents("m.room.create", "");
  const content = create?.getContent() ?? {};
  const version: unknown = content.room_version;
  if (typeof version !== "string" || !creatorsHaveUnlimitedPower(version)) return [];
  const additional: unknown = content.additional_creators;
  const creators = Array.isArray(additional)
    ? additional.filter((id): id is string => typeof id === "string")
    : [];
  const sender = create?.getSender();
  return sender ? [sender, ...creators] : creators;
}

interface CommandMessage {
  readonly eventId: string;
  readonly sender: string;
  readonly body: string;
}

/** A plain text message from someone else, sent since we started, that could be a command. */
function commandMessage(
  event: MatrixEvent,
  botUserId: string | null,
  listeningSince: number,
): CommandMessage | undefined {
  if (event.getType() !== "m.room.message" || event.isRedacted()) return undefined;
  const eventId = event.getId();
  const sender = event.getSender();
  const content = event.getContent();
  if (!eventId || !sender || sender === botUserId) return undefined;
  // Edits carry their own body ("* !mint …") and would act twice; notices are other bots talking.
  if (content.msgtype !== "m.text" || event.getRelation()?.rel_type === "m.replace")
    return undefined;
  const body: unknown = content.body;
  if (
    typeof body !== "string" ||
    body.length > MAX_COMMAND_BODY ||
    !body.trimStart().startsWith("!")
  )
    return undefined;
  if (event.getTs() < listeningSince) return undefined;
  return { eventId, sender, body };
}
