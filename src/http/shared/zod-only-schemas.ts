/**
 * Fastify's schema compilers for anteroom's servers, whose routes validate with zod
 * (`parseOr400` and the like) and never give Fastify a JSON Schema. Fastify's own, Ajv and
 * fast-json-stringify, are loaded for every server it makes whether a route uses them or not
 * (~1.4 MB of the daemon's heap); Fastify asks for these only when a route has a schema.
 */
import type { FastifyServerOptions } from "fastify";

function noJsonSchema(): never {
  throw new Error(
    "anteroom's routes validate with zod, not JSON Schema: parse the request in the handler (see src/http/shared/zod-only-schemas.ts).",
  );
}

export const zodOnlySchemas: FastifyServerOptions["schemaController"] = {
  compilersFactory: { buildValidator: noJsonSchema, buildSerializer: noJsonSchema },
};
