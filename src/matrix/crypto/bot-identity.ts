/**
 * The bot's own cross-signing identity: made once, on the first start with encryption, so that
 * its device shows as verified by its owner in moderators' clients. The private keys stay in the
 * crypto store. Homeservers let an account upload its first identity without a password
 * (MSC3967); one that asks for it gets a warning, and the bot goes on without.
 */
import type { MatrixClient } from "matrix-js-sdk";
import type { Log } from "../../../core/ports.js";
import { ensureBotRecovery } from "./bot-recovery.js";

/** Then secret storage and key backup (bot-recovery.ts), with the recovery key in `recoveryKeyPath`. */
export async function ensureBotIdentity(
  client: MatrixClient,
  log: Log,
  recovery: { readonly keyPath: string; readonly keyBackup: boolean },
): Promise<void> {
  await ensureCrossSigning(client, log);
  try {
    await ensureBotRecovery(client, log, recovery.keyPath, recovery.keyBackup);
  } catch (error) {
    log.warn(
      { err: error },
      "could not set up the bot's secret storage and key backup; will try again at the next start",
    );
  }
}

async function ensureCrossSigning(client: MatrixClient, log: Log): Promise<void> {
  const crypto = client.getCrypto();
  try {
    if (!crypto || (await crypto.isCrossSigningReady())) return;
    if (await crypto.userHasCrossSigningKeys(client.getSafeUserId(), true)) {
      // Made elsewhere (another login of the account): never replaced from here.
      log.warn(
        {},
        "the bot's account has a cross-signing identity whose keys this device does not hold; its device stays unsigned",
      );
      return;
    }
    await crypto.bootstrapCrossSigning({
      authUploadDeviceSigningKeys: async (makeRequest) => {
        await makeRequest(null);
      },
    });
    log.info(
      { device: client.getDeviceId() },
      "made the bot's cross-signing identity and signed its device",
    );
  } catch (error) {
    log.warn(
      { err: error },
      "could not make the bot's cross-signing identity (the homeserver may want a password); its device stays unsigned",
    );
  }
}
