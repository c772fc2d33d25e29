/** The plain HTML shell the public pages share: one stylesheet, no external resources, an optional inline script. */
import { createHash } from "node:crypto";

export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

const STYLE = `
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
  body { margin: 0; padding: 1.5rem; }
  main { max-width: 36rem; margin: 0 auto; }
  .field { margin: 1rem 0; }
  label { display: block; font-weight: 600; }
  input { box-sizing: border-box; width: 100%; padding: 0.5rem; font: inherit; border: 1px solid #767676; border-radius: 4px; }
  input:focus, button:focus, a:focus { outline: 3px solid #1a73e8; outline-offset: 2px; }
  .hint { margin: 0.25rem 0 0; font-size: 0.9rem; }
  .optional { font-weight: normal; }
  button { padding: 0.6rem 1.2rem; font: inherit; font-weight: 600; border-radius: 4px; border: 1px solid #0b57d0; background: #0b57d0; color: #fff; cursor: pointer; }
  button:disabled { opacity: 0.7; cursor: progress; }
  .problem { border-left: 4px solid #b3261e; padding: 0.25rem 1rem; margin: 1rem 0; }
  .ref { font-size: 0.9rem; }
  code, a { overflow-wrap: anywhere; }
  .code-box { display: inline-block; padding: 0.4rem 0.8rem; border: 1px dashed #767676; border-radius: 4px; font-size: 1.2rem; user-select: all; }
`;

/** A whole page; `script` must be the exact text the page's CSP hash allows. */
export function pageShell(title: string, body: string, script?: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
${script === undefined ? "" : `<script>${script}</script>`}
</body>
</html>
`;
}

/**
 * Headers for every page of a set: nothing external (but this origin's API when the script
 * calls it), only the inline `script` (allowed by its hash), no framing, no referrer (the URL
 * carries the code).
 */
export function pageHeaders(
  script: string,
  opts: { readonly callsApi: boolean },
): Readonly<Record<string, string>> {
  const hash = createHash("sha256").update(script).digest("base64");
  const connect = opts.callsApi ? " connect-src 'self';" : "";
  return {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${hash}';${connect} form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
  };
}

/** A refusal shown above a form: what happened, and its reference code. */
export function problemBox(problem: { readonly error: string; readonly message: string }): string {
  return `<div class="problem" role="alert"><p><strong>That did not work.</strong> ${escapeHtml(problem.message)}</p><p class="ref">Reference: <code>${escapeHtml(problem.error)}</code></p></div>`;
}
