/**
 * The join bench's floor: a bare Fastify app (the daemon's Fastify, loaded from FLOOR_FASTIFY)
 * with one POST route answering `{}`, in its own plain-node process, as the daemon runs. What
 * `POST /join/api` costs above this is anteroom's. Prints `listening <port>` once it listens.
 */
const source = process.env.FLOOR_FASTIFY;
if (!source) throw new Error("FLOOR_FASTIFY: the URL of the fastify module");
const { default: Fastify } = (await import(source)) as typeof import("fastify");

const app = Fastify();
app.post("/join/api", async () => ({}));
await app.listen({ port: 0, host: "127.0.0.1" });
const address = app.server.address();
process.stdout.write(`listening ${typeof address === "object" && address ? address.port : 0}\n`);
