/**
 * The console's first frame, drawn without Ink the moment the console knows
 * where it attaches: loading Ink and the views takes most of a second, and a
 * moderator woken at night should see at once that it is coming. Ink's first
 * render replaces it on the same alternate screen; keys typed meanwhile wait
 * in the terminal and reach Ink.
 */
import { writeSync } from "node:fs";
import { sanitize } from "./sanitize.js";

const ENTER = "\x1b[?1049h\x1b[H\x1b[2J";
const CLEAR = "\x1b[H\x1b[2J";
const LEAVE = "\x1b[?1049l";

let shown = false;

export function drawSplash(mode: string, by: string, status: string): void {
  const header = `anteroom · ${mode} · ${status} · ${sanitize(by, { max: 64 })}`;
  writeSync(process.stdout.fd, `${ENTER}${header}\r\n\r\n  opening the console…`);
  shown = true;
}

/** Wipes it just before Ink's first frame, which draws from the cursor and must start at the top. */
export function clearSplash(): void {
  if (!shown) return;
  shown = false;
  writeSync(process.stdout.fd, CLEAR);
}

/** Gives the normal screen back when the console cannot open after all (the error is printed there). */
export function leaveSplash(): void {
  if (!shown) return;
  shown = false;
  writeSync(process.stdout.fd, LEAVE);
}
