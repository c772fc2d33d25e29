import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Socket } from "node:net";
import { nodeHttpFetch } from "../../src/matrix/node-http-fetch.js";

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

const servers: { close(): void }[] = [];
after(() => servers.forEach((server) => server.close()));

async function serve(handler: Handler): Promise<string> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => handler(req, Buffer.concat(chunks).toString("utf8"), res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push({
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test("a JSON answer reads as fetch's would: status, headers by any case, the body", async () => {
  const base = await serve((req, _body, res) => {
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify({ user_id: "@bot:hs", auth: req.headers.authorization }));
  });
  const response = await nodeHttpFetch(new URL("/_matrix/client/v3/account/whoami", base), {
    headers: { Authorization: "Bearer secret" },
  });
  assert.equal(response.ok, true);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "application/json");
  assert.equal(response.headers.get("CONTENT-TYPE"), "application/json");
  assert.deepEqual(await response.json(), { user_id: "@bot:hs", auth: "Bearer secret" });
});

test("a string or binary body reaches the server whole, with its method", async () => {
  const base = await serve((req, body, res) => {
    res.end(JSON.stringify({ method: req.method, body, length: req.headers["content-length"] }));
  });
  const sent = await nodeHttpFetch(`${base}/send`, { method: "PUT", body: '{"body":"héllo"}' });
  assert.deepEqual(await sent.json(), { method: "PUT", body: '{"body":"héllo"}', length: "17" });
  const bytes = await nodeHttpFetch(`${base}/upload`, {
    method: "POST",
    body: new TextEncoder().encode("raw"),
  });
  assert.deepEqual(await bytes.json(), { method: "POST", body: "raw", length: "3" });
});

test("a refusal keeps its status and Retry-After, and its body reads as text", async () => {
  const base = await serve((_req, _body, res) => {
    res.writeHead(429, { "Retry-After": "3", "Content-Type": "application/json" });
    res.end('{"errcode":"M_LIMIT_EXCEEDED"}');
  });
  const response = await nodeHttpFetch(`${base}/sync`);
  assert.equal(response.ok, false);
  assert.equal(response.status, 429);
  assert.equal(response.headers.get("retry-after"), "3");
  assert.equal(await response.text(), '{"errcode":"M_LIMIT_EXCEEDED"}');
});

test("an aborted request rejects with the signal's reason, as fetch does", async () => {
  const base = await serve(() => undefined); // never answers
  const controller = new AbortController();
  const pending = nodeHttpFetch(`${base}/sync`, { signal: controller.signal });
  setTimeout(() => controller.abort(), 20);
  await assert.rejects(pending, { name: "AbortError" });
  await assert.rejects(nodeHttpFetch(`${base}/sync`, { signal: AbortSignal.timeout(20) }), {
    name: "TimeoutError",
  });
});

test("redirects are followed; with redirect 'error' one is refused", async () => {
  const base = await serve((req, _body, res) => {
    if (req.url === "/old") res.writeHead(302, { Location: "/new" }).end();
    else res.end(`at ${req.url}`);
  });
  const followed = await nodeHttpFetch(`${base}/old`);
  assert.equal(await followed.text(), "at /new");
  assert.equal(followed.url, `${base}/new`);
  await assert.rejects(nodeHttpFetch(`${base}/old`, { redirect: "error" }), TypeError);
});

test("a homeserver that is down gives fetch's TypeError with the network error as its cause", async () => {
  const closed = await serve(() => undefined);
  servers.at(-1)?.close();
  await new Promise((resolve) => setTimeout(resolve, 10));
  await assert.rejects(nodeHttpFetch(`${closed}/versions`), (error: unknown) => {
    assert.ok(error instanceof TypeError);
    assert.equal((error.cause as { code?: string }).code, "ECONNREFUSED");
    return true;
  });
});

test("a kept-alive connection the server dropped is retried once on a fresh one", async () => {
  // Answers the first request on each connection and resets the connection at the second, as a
  // server does when it closes an idle connection just as the client reuses it.
  let connections = 0;
  const server = createTcpServer((socket: Socket) => {
    connections++;
    let requests = 0;
    socket.on("data", (data) => {
      if (!data.toString("latin1").includes("\r\n\r\n")) return;
      requests++;
      if (requests === 1)
        socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok");
      else socket.resetAndDestroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  assert.equal(await (await nodeHttpFetch(`${base}/a`)).text(), "ok");
  assert.equal(await (await nodeHttpFetch(`${base}/b`)).text(), "ok");
  assert.equal(connections, 2);
});

test("a redirect to another origin does not carry the access token", async () => {
  const elsewhere = await serve((req, _body, res) => res.end(`auth=${req.headers.authorization}`));
  const base = await serve((req, _body, res) => {
    if (req.url === "/same") res.writeHead(302, { Location: "/final" }).end();
    else if (req.url === "/away") res.writeHead(302, { Location: `${elsewhere}/final` }).end();
    else res.end(`auth=${req.headers.authorization}`);
  });
  const init = { headers: { Authorization: "Bearer secret" } };
  assert.equal(await (await nodeHttpFetch(`${base}/same`, init)).text(), "auth=Bearer secret");
  assert.equal(await (await nodeHttpFetch(`${base}/away`, init)).text(), "auth=undefined");
});
