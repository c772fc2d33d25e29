/* global process, fetch, AbortSignal */
// The image's HEALTHCHECK: exit 0 when the daemon's /healthz answers 200 (first sync
// processed, sync fresh, the data dir writable), 1 otherwise. Plain Node, so the image needs no curl.
const port = process.env.HTTP_PORT || "8001";
const url = `http://127.0.0.1:${port}/healthz`;
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(4000) });
  if (!response.ok) {
    // The daemon says why it is not ready (homeserver unreachable, a write failing): docker inspect shows it.
    const body = await response.json().catch(() => ({}));
    const why = typeof body.reason === "string" ? `: ${body.reason}` : "";
    process.stderr.write(`${url} answered ${response.status}${why}\n`);
  }
  process.exit(response.ok ? 0 : 1);
} catch (error) {
  process.stderr.write(
    `${url} did not answer: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
}
