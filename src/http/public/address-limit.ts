/**
 * The per-client-address limit of a public route plugin (join, signup, the form hook): checked
 * on request, before the body is read, so a limited request spends nothing; refused with 429
 * `rate_limited` and Retry-After. The address honours X-Forwarded-For only from TRUSTED_PROXIES
 * (Fastify's trustProxy, set where the server is built).
 */
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { HttpProblem } from "../shared/answers.js";

/** An `onRequest` hook; the routes that share one share its allowance. */
export type Guard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export async function perAddressLimit(
  app: FastifyInstance,
  perMinute: number,
  /** The refusal's message, given when the client may try again (e.g. "1 minute"). */
  tooMany: (after: string) => string,
): Promise<Guard> {
  await app.register(rateLimit, { global: false });
  const limit = app.rateLimit({
    max: perMinute,
    timeWindow: 60_000,
    errorResponseBuilder: (_request, context) =>
      new HttpProblem(429, "rate_limited", tooMany(context.after)),
  });
  return async (request, reply) => {
    await limit.call(app, request, reply);
  };
}
