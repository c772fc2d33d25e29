/** HS, checked the same way by `anteroom init` and the daemon's settings. */

/** Why `text` is not a homeserver URL, or undefined when it is one. */
export function homeserverUrlProblem(text: string): string | undefined {
  try {
    const url = new URL(text);
    if (url.protocol === "http:" || url.protocol === "https:") return undefined;
  } catch {
    // not a URL at all: the same answer
  }
  return `${JSON.stringify(text)} is not an http(s) URL, e.g. https://matrix.example.org`;
}

/** The URL without trailing slashes, as the client APIs are joined onto it. */
export function normalizeHomeserverUrl(text: string): string {
  return text.replace(/\/+$/, "");
}
