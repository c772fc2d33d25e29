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

/** The homeserver answered the bot's first request with a refusal: its token (or account) is not good. */
export class TokenRefusedError extends Error {
  override readonly name = "TokenRefusedError";

  constructor(
    readonly homeserver: string,
    readonly errcode: string | undefined,
    detail: string,
  ) {
    super(
      `the homeserver ${homeserver} refuses MATRIX_TOKEN (${errcode ?? "refused"}: ${detail}): ` +
        "run `anteroom init` again to log the bot in and write a new token to .env, or set a valid MATRIX_TOKEN in .env or the environment",
    );
  }
}
