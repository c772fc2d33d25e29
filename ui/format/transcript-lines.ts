/**
 * A vetting room's transcript as screen lines: each message sanitized (line
 * breaks kept: haiku have three), wrapped to the width, newest at the bottom.
 */
import type { TranscriptLine } from "../../core/vetting/record.js";
import { sanitize } from "../sanitize.js";
import { clock } from "./time.js";

export interface ScreenLine {
  readonly key: string;
  readonly prefix: string;
  readonly from: TranscriptLine["from"];
  readonly text: string;
}

const SPEAKER_WIDTH = 10;

export function transcriptLines(
  transcript: readonly TranscriptLine[],
  width: number,
  now: number,
): ScreenLine[] {
  const lines: ScreenLine[] = [];
  transcript.forEach((message, m) => {
    // A moderator by name; in a lobby, several newcomers talk, each by their user id.
    const speaker = message.by !== undefined ? sanitize(message.by, { max: 40 }) : message.from;
    const head = `${clock(message.at, now)} ${speaker.slice(0, SPEAKER_WIDTH - 1).padEnd(SPEAKER_WIDTH)}`;
    const room = Math.max(10, width - head.length);
    const wrapped = sanitize(message.text, { multiline: true, max: 4000 })
      .split("\n")
      .flatMap((paragraph) => wrap(paragraph, room));
    wrapped.forEach((text, i) => {
      lines.push({
        key: `${m}.${i}`,
        prefix: i === 0 ? head : " ".repeat(head.length),
        from: message.from,
        text,
      });
    });
  });
  return lines;
}

/** Word wrap by characters; a word longer than the line is cut. */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    const candidate = line ? `${line} ${word}` : word;
    if ([...candidate].length <= width) {
      line = candidate;
      continue;
    }
    if (line) out.push(line);
    let rest = [...word];
    while (rest.length > width) {
      out.push(rest.slice(0, width).join(""));
      rest = rest.slice(width);
    }
    line = rest.join("");
  }
  out.push(line);
  return out;
}
