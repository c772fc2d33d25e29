import { HTTPError, MatrixError } from "matrix-js-sdk";
import { HomeserverError } from "../../core/ports.js";

/**
 * Sorts a failed homeserver call into "try again later" (rate limits, 5xx,
 * network trouble) and "final", keeping the server's own retry hint.
 */
export function toHomeserverError(error: unknown): HomeserverError {
  if (error instanceof HomeserverError) return error;
  if (error instanceof MatrixError || error instanceof HTTPError) {
    const status = error.httpStatus;
    const errcode = error instanceof MatrixError ? error.errcode : undefined;
    if (error.isRateLimitError()) {
      let retryAfter: number | undefined;
      try {
        retryAfter = error.getRetryAfterMs() ?? undefined;
      } catch {
        retryAfter = undefined; // a malformed Retry-After header
      }
      return new HomeserverError(error.message, true, retryAfter, errcode ?? "M_LIMIT_EXCEEDED");
    }
    const transient = status === undefined || status >= 500 || status === 408;
    return new HomeserverError(error.message, transient, undefined, errcode);
  }
  // Fetch failures (connection refused, reset, DNS, aborted) carry no status: the server may come back.
  const message = error instanceof Error ? error.message : String(error);
  return new HomeserverError(message, true);
}
