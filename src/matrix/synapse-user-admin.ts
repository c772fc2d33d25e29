/**
 * Two Synapse admin calls the lifecycle hooks may use (Synapse's admin API
 * documentation: "Edit Room Membership API" and "Deactivate Account"):
 * - `POST /_synapse/admin/v1/join/<room>` {user_id}: joins a LOCAL user to a
 *   room. The caller must be a server admin AND in the room with the right to
 *   invite, so it is made with the bot's own token (it is in every room).
 * - `POST /_synapse/admin/v1/deactivate/<user>` {erase: false}: deactivates a
 *   local account (Synapse also makes it leave its rooms). Needs a server
 *   admin's token: the bot's or HS_ADMIN_TOKEN's.
 */
import { Method, type IRequestOpts, type MatrixClient } from "matrix-js-sdk";
import { createSdkClient } from "./sdk-client.js";
import { toHomeserverError } from "./errors.js";
import { explainAdminFailure } from "./registration-tokens.js";

const SYNAPSE_ADMIN = "/_synapse/admin/v1";

export interface SynapseUserAdmin {
  forceJoin(roomId: string, user: string): Promise<void>;
  deactivate(user: string): Promise<void>;
}

export function openSynapseUserAdmin(opts: {
  baseUrl: string;
  botToken: string;
  adminToken: string;
  adminLabel: string;
}): SynapseUserAdmin {
  const bot = createSdkClient({ baseUrl: opts.baseUrl, accessToken: opts.botToken });
  const admin = createSdkClient({ baseUrl: opts.baseUrl, accessToken: opts.adminToken });
  return {
    async forceJoin(roomId, user) {
      await call(bot, "the bot", `/join/${encodeURIComponent(roomId)}`, { user_id: user });
    },
    async deactivate(user) {
      await call(admin, opts.adminLabel, `/deactivate/${encodeURIComponent(user)}`, {
        erase: false,
      });
    },
  };
}

async function call(client: MatrixClient, label: string, path: string, body: object) {
  try {
    // The cast: the SDK's typings demand fetch's `priority`, which Node ignores.
    await client.http.authedRequest<unknown>(Method.Post, path, undefined, body, {
      prefix: SYNAPSE_ADMIN,
      localTimeoutMs: 30_000,
    } as IRequestOpts);
  } catch (error) {
    throw explainAdminFailure(toHomeserverError(error), label);
  }
}
