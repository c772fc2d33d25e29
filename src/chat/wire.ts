/** Chat commands for a runtime: the operator-room listener with its sender and actions. */
import type { MatrixClient } from "matrix-js-sdk";
import type { EngineApi } from "../../core/api.js";
import type { AuditSink, Log } from "../../core/ports.js";
import type { AuditedTokens } from "../moderation/audited-tokens.js";
import type { RoleService } from "../moderation/roles.js";
import type { MemberActionService } from "../moderation/member-actions.js";
import type { DaemonConfig } from "../config.js";
import type { SendBreaker } from "../matrix/send-breaker.js";
import { noticeSender } from "./notice.js";
import type { OperatorActions } from "./operator-actions.js";
import { SdkModerationPort } from "../matrix/moderation-port.js";
import { moderationActions } from "./moderation-actions.js";
import { listenToOperatorRoom, type OperatorRoom } from "./operator-room.js";
import { senderTrust } from "../matrix/crypto/sender-trust.js";
import type { Undecryptable } from "../matrix/crypto/decryption.js";

export interface OperatorRoomDeps {
  readonly client: MatrixClient;
  readonly breaker: SendBreaker;
  readonly api: EngineApi;
  readonly audit: Pick<AuditSink, "append">;
  readonly log: Log;
  /** Doors the runtime owns (the blocklist); a command without its door answers "not available yet". */
  readonly actions?: OperatorActions;
  /** The runtime's role service (shared with the admin API) and registration tokens. */
  readonly roles?: RoleService;
  readonly tokens?: AuditedTokens;
  /** The runtime's kick/ban/unban service (shared with the admin API and the console). */
  readonly memberActions?: MemberActionService;
  /** A message in the operator room stayed unreadable (for /metrics). */
  readonly onUndecryptable?: (failure: Undecryptable) => void;
}

/** Call before the client starts syncing: the listener tells backlog from live by watching the first sync. */
export function openOperatorRoom(config: DaemonConfig, deps: OperatorRoomDeps): OperatorRoom {
  return listenToOperatorRoom({
    client: deps.client,
    roomId: config.operatorRoom.roomId,
    spaceId: config.engine.spaceId,
    policy: config.operatorRoom.policy,
    publicUrl: config.publicUrl,
    api: deps.api,
    actions: {
      ...moderationActions({
        port: new SdkModerationPort(deps.client),
        rooms: [config.engine.spaceId, ...config.engine.childIds],
        audit: deps.audit,
        now: Date.now,
        ...(deps.roles ? { roleService: deps.roles } : {}),
        ...(deps.memberActions ? { memberActions: deps.memberActions } : {}),
      }),
      ...(deps.tokens ? { tokens: deps.tokens } : {}),
      ...deps.actions,
    },
    audit: deps.audit,
    send: noticeSender(deps.client, deps.breaker),
    log: deps.log,
    ...(deps.onUndecryptable ? { onUndecryptable: deps.onUndecryptable } : {}),
    deviceGate: {
      required: (room) =>
        config.operatorRoom.requireVerifiedDevice ?? room.hasEncryptionStateEvent(),
      trust: (event) => senderTrust(deps.client, event),
    },
  });
}
