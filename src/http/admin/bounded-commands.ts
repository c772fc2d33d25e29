/**
 * Admin commands never wait on a failing disk forever (see ../shared/write-stall.ts): refused at
 * once while writes fail, answered 503 after a bounded wait when a write gets stuck under way.
 */
import type { FastifyInstance, FastifyReply, RouteHandlerMethod } from "fastify";
import { settleWithin, WRITE_STALL_MS, type WriteStall } from "../shared/write-stall.js";
import { ApiError } from "./common.js";

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
