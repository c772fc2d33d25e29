/**
 * Holds back the requests that tell the homeserver something the crypto store holds, or that
 * acknowledge what it was sent, until the store's file is up to date. A kill -9 at any moment
 * then never leaves the homeserver ahead of the file: keys it published are in the file, and
 * to-device messages (room keys) are only acknowledged, by the next /sync, once they are.
 */
import type { DurableCryptoStore } from "./durable-store.js";

const CRYPTO_PATHS =
  /\/(keys\/upload|keys\/signatures\/upload|keys\/device_signing\/upload)$|\/sendToDevice\/|\/room_keys\/|\/send\/m\.room\.encrypted\//;

export function storeFirstFetch(
  store: () => DurableCryptoStore | undefined,
  fetchFn: typeof globalThis.fetch,
): typeof globalThis.fetch {
  return async (input, init) => {
    const crypto = store();
    if (crypto) {
      const path = pathOf(input);
      if (path.endsWith("/sync")) await crypto.flushBeforeSync();
      else if (CRYPTO_PATHS.test(path)) await crypto.flushIfDirty();
    }
    return fetchFn(input, init);
  };
}

function pathOf(input: string | URL | Request): string {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  return URL.parse(url)?.pathname ?? "";
}
