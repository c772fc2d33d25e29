/**
 * How many Server-Sent Events streams the admin API keeps open at once (the
 * engine's `/events` and the daemon's `/log/stream`, on the socket and on TCP
 * together). Each holds a socket and up to `maxBufferedBytes` for a slow
 * reader, so their number is bounded: the 17th client is answered 503
 * `too_many_streams` until another one leaves.
 */
import { ApiError } from "./common.js";

export const MAX_EVENT_STREAMS = 16;

export class StreamSlots {
  private taken = 0;

  constructor(readonly max: number = MAX_EVENT_STREAMS) {}

  /** Takes a slot for a new stream, or throws the 503; the function returned gives it back (once). */
  take(): () => void {
    if (this.taken >= this.max) {
      throw new ApiError(
        503,
        "too_many_streams",
        `${this.max} event streams are open already (consoles attached, log followers); close one, or try again later`,
      );
    }
    this.taken++;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.taken--;
    };
  }
}
