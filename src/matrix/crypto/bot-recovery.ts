/**
 * The bot's secret storage (its cross-signing keys) and, with KEY_BACKUP (the default), server-side
 * key backup, so a lost data dir can get its room keys back. The recovery key is made once, written
 * to DATA_DIR/recovery-key.txt (0600) before the homeserver hears of it, and printed once, at the
 * start that makes it; later starts reuse it.
 */
import { readFile } from "node:fs/promises";
import type { MatrixClient } from "matrix-js-sdk";
import { decodeRecoveryKey } from "matrix-js-sdk/lib/crypto-api/index.js";
import type { GeneratedSecretStorageKey } from "matrix-js-sdk/lib/crypto-api/index.js";
import type { Log } from "../../../core/ports.js";
import { hasCode, writeFileAtomic } from "../../store/atomic-file.js";

const SET_UP = "the bot's secret storage is set up";

/** Needs the bot's own cross-signing keys (bot-identity.ts) to store them in secret storage. */
export async function ensureBotRecovery(
  client: MatrixClient,
  log: Log,
  recoveryKeyPath: string,
  keyBackup: boolean,
): Promise<void> {
  const crypto = client.getCrypto();
  if (!crypto || !(await crypto.isCrossSigningReady())) return;
  const backup = keyBackup ? await crypto.checkKeyBackupAndEnable() : null;
  const backupOn = backup?.trustInfo.trusted === true;
  if ((backupOn || !keyBackup) && (await crypto.isSecretStorageReady())) {
    log.info({ backupVersion: backup?.backupInfo.version }, SET_UP);
    return;
  }
  let key = await readRecoveryKey(recoveryKeyPath);
  if (!key) {
    if ((await client.secretStorage.getDefaultKeyId()) !== null) {
      log.warn(
        { file: recoveryKeyPath },
        "the bot's account has secret storage whose recovery key is not in the data dir; key backup is left as it is",
      );
      return;
    }
    key = await crypto.createRecoveryKeyFromPassphrase();
    await writeFileAtomic(recoveryKeyPath, `${key.encodedPrivateKey}\n`, { mode: 0o600 });
    log.info(
      { recoveryKey: key.encodedPrivateKey, file: recoveryKeyPath },
      "made the bot's recovery key (shown only this once, kept in the file named here): keep a copy away from this machine; it restores the bot's room keys after losing the data dir",
    );
  }
  const recoveryKey = key;
  // The key is (re)registered under a new id each time: the SDK holds keys it made, not ones it reads.
  await crypto.bootstrapSecretStorage({
    setupNewSecretStorage: true,
    createSecretStorageKey: async () => recoveryKey,
    setupNewKeyBackup: keyBackup && !backupOn,
  });
  const version = keyBackup ? (await crypto.getKeyBackupInfo())?.version : undefined;
  log.info({ backupVersion: version }, SET_UP);
}

async function readRecoveryKey(path: string): Promise<GeneratedSecretStorageKey | undefined> {
  let text: string;
  try {
    text = (await readFile(path, "utf8")).trim();
  } catch (error) {
    if (hasCode(error, "ENOENT")) return undefined;
    throw error;
  }
  return { privateKey: decodeRecoveryKey(text), encodedPrivateKey: text };
}
