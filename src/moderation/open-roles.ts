/** Wiring for roles and lifecycle hooks: one role service, one lifecycle queue, per runtime. */
import type { Log, AuditSink } from "../../core/ports.js";
import type { DaemonConfig } from "../config.js";
import type { BotClient } from "../matrix/client.js";
import type { SdkMatrixPort } from "../matrix/matrix-port.js";
import { SdkModerationPort } from "../matrix/moderation-port.js";
import type { SyncHealth } from "../matrix/space-watch.js";
import { openSynapseUserAdmin } from "../matrix/synapse-user-admin.js";
import { healthReport } from "../http/shared/health.js";
import type { AdminRoles } from "../http/admin/roles.js";
import { Lifecycle, openLifecycleQueue } from "./lifecycle.js";
import type { WriteRetry } from "../store/write-faults.js";
import { roleService } from "./roles.js";

export async function openRoles(
  config: DaemonConfig,
  deps: {
    bot: BotClient;
    matrix: SdkMatrixPort;
    audit: Pick<AuditSink, "append">;
    log: Log;
    health: SyncHealth;
    /** Failed lifecycle queue writes are retried with its back-off. */
    writes?: WriteRetry;
  },
): Promise<{ roles: AdminRoles; lifecycle: Lifecycle }> {
  const port = new SdkModerationPort(deps.bot.client);
  const rooms = [config.engine.spaceId, ...config.engine.childIds];
  const service = roleService({
    port,
    rooms,
    audit: deps.audit,
    ...(config.roles ? { roles: config.roles } : {}),
    now: Date.now,
  });
  const needsSynapse =
    config.lifecycle.join === "force" || config.lifecycle.revoke === "deactivate";
  const lifecycle = new Lifecycle({
    store: await openLifecycleQueue(config.paths.lifecycle, deps.writes),
    roles: service,
    members: {
      invite: (roomId, user) => deps.matrix.invite(roomId, user),
      kick: (r, u, why) => port.kick(r, u, why),
    },
    rooms,
    botUserId: port.userId,
    // Ready: the first sync processed and the homeserver answering (what /healthz says).
    isReady: () => healthReport(deps.health).ok,
    join: config.lifecycle.join,
    revoke: config.lifecycle.revoke,
    ...(needsSynapse
      ? {
          synapse: openSynapseUserAdmin({
            baseUrl: config.homeserverUrl,
            botToken: config.accessToken,
            adminToken: config.tokenAdmin.accessToken,
            adminLabel: config.tokenAdmin.label,
          }),
        }
      : {}),
    audit: deps.audit,
    log: deps.log,
    now: Date.now,
  });
  return { roles: { service, members: port }, lifecycle };
}
