/**
 * A terminal screen as tmux captures it (`capture-pane -e`: text with SGR
 * colour and attribute sequences) turned into an HTML page that looks like
 * the terminal: a grid of monospace cells on a dark background. Only SGR is
 * understood; that is all capture-pane emits. Text is HTML-escaped.
 */

/** xterm's 16 colours, as a dark terminal theme shows them. */
const PALETTE = [
  "#1d1f21",
  "#cc6666",
  "#b5bd68",
  "#f0c674",
  "#81a2be",
  "#b294bb",
  "#8abeb7",
  "#c5c8c6",
  "#666666",
  "#d54e53",
  "#b9ca4a",
  "#e7c547",
  "#7aa6da",
  "#c397d8",
  "#70c0b1",
  "#eaeaea",
];
const FOREGROUND = "#c5c8c6";
const BACKGROUND = "#1d1f21";

interface Style {
  fg?: string;
  bg?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
}

/** Colour n of the 256-colour cube (16–231) and grey ramp (232–255). */
function color256(n: number): string {
  if (n < 16) return PALETTE[n] ?? FOREGROUND;
  if (n >= 232) {
    const level = 8 + (n - 232) * 10;
    return `rgb(${level},${level},${level})`;
  }
  const i = n - 16;
  const step = (v: number) => (v === 0 ? 0 : 55 + v * 40);
  return `rgb(${step(Math.floor(i / 36))},${step(Math.floor(i / 6) % 6)},${step(i % 6)})`;
}

function applySgr(style: Style, params: number[]): Style {
  const next = { ...style };
  for (let i = 0; i < params.length; i++) {
    const p = params[i] ?? 0;
    if (p === 0) for (const key of Object.keys(next)) delete next[key as keyof Style];
    else if (p === 1) next.bold = true;
    else if (p === 2) next.dim = true;
    else if (p === 3) next.italic = true;
    else if (p === 4) next.underline = true;
    else if (p === 7) next.inverse = true;
    else if (p === 22) {
      delete next.bold;
      delete next.dim;
    } else if (p === 23) delete next.italic;
    else if (p === 24) delete next.underline;
    else if (p === 27) delete next.inverse;
    else if (p >= 30 && p <= 37) next.fg = PALETTE[p - 30];
    else if (p >= 90 && p <= 97) next.fg = PALETTE[p - 90 + 8];
    else if (p >= 40 && p <= 47) next.bg = PALETTE[p - 40];
    else if (p >= 100 && p <= 107) next.bg = PALETTE[p - 100 + 8];
    else if (p === 39) delete next.fg;
    else if (p === 49) delete next.bg;
    else if (p === 38 || p === 48) {
      const mode = params[i + 1];
      let value: string | undefined;
      if (mode === 5) {
        value = color256(params[i + 2] ?? 0);
        i += 2;
      } else if (mode === 2) {
        value = `rgb(${params[i + 2] ?? 0},${params[i + 3] ?? 0},${params[i + 4] ?? 0})`;
        i += 4;
      }
      if (value !== undefined) next[p === 38 ? "fg" : "bg"] = value;
    }
  }
  return next;
}

function css(style: Style): string {
  let fg = style.fg ?? FOREGROUND;
  let bg = style.bg;
  if (style.inverse) [fg, bg] = [bg ?? BACKGROUND, fg];
  const rules = [`color:${fg}`];
  if (bg) rules.push(`background:${bg}`);
  if (style.bold) rules.push("font-weight:700");
  if (style.dim) rules.push("opacity:0.6");
  if (style.italic) rules.push("font-style:italic");
  if (style.underline) rules.push("text-decoration:underline");
  return rules.join(";");
}

const escapeHtml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** One captured screen as an HTML document of `columns` cells wide. */
export function screenToHtml(capture: string, columns: number, title: string): string {
  let style: Style = {};
  const lines = capture
    .replace(/\n$/, "")
    .split("\n")
    .map((line) => {
      let html = "";
      // eslint-disable-next-line no-control-regex -- the capture's SGR sequences are what is parsed
      for (const part of line.split(/(\x1b\[[0-9;:]*m)/)) {
        const sgr = /^\x1b\[([0-9;:]*)m$/.exec(part); // eslint-disable-line no-control-regex
        if (sgr) {
          style = applySgr(style, (sgr[1] || "0").split(/[;:]/).map(Number));
        } else if (part) {
          html += `<span style="${css(style)}">${escapeHtml(part)}</span>`;
        }
      }
      return html;
    });
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
  body { margin: 0; background: ${BACKGROUND}; }
  pre {
    margin: 0; padding: 14px 16px; width: ${columns}ch;
    font: 15px/1.17 "DejaVu Sans Mono", "Liberation Mono", monospace;
    color: ${FOREGROUND}; background: ${BACKGROUND};
  }
</style></head>
<body><pre>${lines.join("\n")}</pre></body></html>
`;
}
