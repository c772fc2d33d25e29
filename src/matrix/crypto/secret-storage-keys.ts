/**
 * The secret storage keys this process knows, held in memory only: the SDK asks for one when it
 * writes a secret (the cross-signing keys, the key backup key) into the account's secret storage.
 */
import type { CryptoCallbacks } from "matrix-js-sdk/lib/crypto-api/index.js";

export function secretStorageKeyCallbacks(): CryptoCallbacks {
  const known = new Map<string, Uint8Array<ArrayBuffer>>();
  return {
    cacheSecretStorageKey: (keyId, _info, key) => void known.set(keyId, key),
    getSecretStorageKey: async ({ keys }) => {
      const keyId = Object.keys(keys).find((id) => known.has(id));
      const key = keyId === undefined ? undefined : known.get(keyId);
      return keyId === undefined || key === undefined ? null : [keyId, key];
    },
  };
}
