/**
 * HTTP callers never wait on a failing disk forever. A command that arrives while the data
 * dir cannot be written is refused at once, nothing done; one already under way when writing
 * starts failing is answered 503 after a bounded wait and completes later, once there is room
 * (the engine acts only on what is on disk, so it neither runs twice nor half).
 */
import type { FastifyInstance, FastifyReply, RouteHandlerMethod } from "fastify";
import { ApiError } from "../admin/common.js";

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

const COMMAND_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Bounds every admin command (POST, PUT, PATCH, DELETE) registered on `app` from now on:
 * refused with 503 `write_failing` while writes fail, and answered 503 `write_stalled` when
 * still waiting on the disk after the bound. Reads answer from memory and are left alone.
 */
export function boundAdminCommands(app: FastifyInstance, stall: WriteStall): void {
  const afterMs = stall.afterMs ?? WRITE_STALL_MS;
  app.addHook("onRoute", (route) => {
    const methods = [route.method].flat();
    if (!methods.some((method) => COMMAND_METHODS.has(method))) return;
    const handler = route.handler as RouteHandlerMethod;
    route.handler = async function (request, reply) {
      const reason = stall.failing();
      if (reason !== undefined) {
        throw new ApiError(
          503,
          "write_failing",
          `nothing was done, the data dir cannot be written: ${reason}`,
        );
      }
      const work = Promise.resolve(handler.call(this, request, reply));
      const outcome = await settleWithin(work, afterMs);
      if (outcome !== "stalled") return outcome.value;
      work.catch((error: unknown) =>
        request.log.error({ err: error, url: request.url }, "a stalled admin command failed"),
      );
      reply.code(503).send({
        error: "write_stalled",
        message: `not done yet: it is carried out once the data dir can be written again, so check before repeating it (${stall.failing() ?? "a write is slow"})`,
      });
      ignoreLateAnswer(reply);
      return reply;
    };
  });
}

/** The handler still runs and will answer too: that late answer goes nowhere. */
function ignoreLateAnswer(reply: FastifyReply): void {
  Object.defineProperty(reply, "send", { value: () => reply });
}
