/**
 * HTTP callers never wait on a failing disk forever. A command that arrives while the data
 * dir cannot be written is refused at once, nothing done; one already under way when writing
 * starts failing is answered 503 after a bounded wait and completes later, once there is room
 * (the engine acts only on what is on disk, so it neither runs twice nor half). The admin API's
 * commands are bounded in admin/bounded-commands.ts, the public lobby opens in join-routes.ts.
 */

/** How long a caller waits on a stuck write before its 503. */
export const WRITE_STALL_MS = 10_000;

export interface WriteStall {
  /** Why the data dir cannot be written now (write-faults.ts's reason); undefined when it can. */
  readonly failing: () => string | undefined;
  /** Default WRITE_STALL_MS. */
  readonly afterMs?: number;
}

/** The work's value, or "stalled" when it has not settled after `ms` (it carries on). */
export async function settleWithin<T>(
  work: Promise<T>,
  ms: number,
): Promise<{ value: T } | "stalled"> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<"stalled">((resolve) => {
    timer = setTimeout(() => resolve("stalled"), ms);
  });
  try {
    return await Promise.race([work.then((value) => ({ value })), stalled]);
  } finally {
    clearTimeout(timer);
  }
}
