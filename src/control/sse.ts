/**
 * The Server-Sent Events wire format (the WHATWG "event stream"), both ways:
 * `encodeSseEvent` for the admin API's `/admin/v1/events`, and `SseParser`
 * for the attach client. Pure: strings in, strings or events out.
 */

export interface SseEvent {
  /** The `event:` field; "message" when the stream gave none. */
  readonly event: string;
  readonly data: string;
  /** The `id:` field of this event, if it had one. */
  readonly id?: string;
}

/** One event as it goes on the wire. Every line of `data` becomes its own `data:` line. */
export function encodeSseEvent(event: {
  event?: string;
  id?: string | number;
  data: string;
}): string {
  let out = "";
  if (event.event !== undefined) out += `event: ${singleLine(event.event)}\n`;
  if (event.id !== undefined) out += `id: ${singleLine(String(event.id))}\n`;
  for (const line of event.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return out + "\n";
}

/** A comment line: ignored by every client, keeps proxies and idle timers from closing the stream. */
export function encodeSseComment(text: string): string {
  return `: ${singleLine(text)}\n\n`;
}

function singleLine(text: string): string {
  return text.replace(/[\r\n]/g, " ");
}

/**
 * Turns chunks of an event stream (already decoded to text) into events, as
 * the specification says: lines end in CRLF, LF or CR; a blank line ends an
 * event; `:` starts a comment; one space after the colon is dropped; several
 * `data:` lines join with a newline; an event without data is not dispatched.
 */
export class SseParser {
  private buffer = "";
  /** The previous chunk ended in CR: a LF at the start of the next one belongs to it. */
  private pendingCr = false;
  private eventType = "";
  private data: string[] = [];
  private id: string | undefined;
  /** The stream's last event id, as a reconnecting client would send it back. */
  lastEventId = "";

  constructor(
    private readonly onEvent: (event: SseEvent) => void,
    /** Called for comment lines (e.g. heartbeats), without the leading colon. */
    private readonly onComment?: (text: string) => void,
    /** A line longer than this (no line break yet) is an error: a stream must not grow memory unbounded. */
    private readonly maxLineLength = 16 * 1024 * 1024,
  ) {}

  feed(chunk: string): void {
    let text = chunk;
    if (this.pendingCr && text.startsWith("\n")) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    let start = 0;
    for (;;) {
      const match = /\r\n|\r|\n/g;
      match.lastIndex = start;
      const found = match.exec(this.buffer);
      if (!found) break;
      // A lone CR at the very end may be the first half of CRLF split across chunks.
      if (found[0] === "\r" && found.index === this.buffer.length - 1) {
        this.pendingCr = true;
        this.line(this.buffer.slice(start, found.index));
        start = this.buffer.length;
        break;
      }
      this.line(this.buffer.slice(start, found.index));
      start = found.index + found[0].length;
    }
    this.buffer = this.buffer.slice(start);
    if (this.buffer.length > this.maxLineLength) {
      this.buffer = "";
      throw new Error(`an event stream line is longer than ${this.maxLineLength} characters`);
    }
  }

  /** The stream ended: an event not yet ended by a blank line is dropped, as the specification says. */
  end(): void {
    this.buffer = "";
    this.pendingCr = false;
    this.reset();
  }

  private line(line: string): void {
    if (line === "") {
      this.dispatch();
      return;
    }
    if (line.startsWith(":")) {
      this.onComment?.(line.slice(1).replace(/^ /, ""));
      return;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    switch (field) {
      case "event":
        this.eventType = value;
        break;
      case "data":
        this.data.push(value);
        break;
      case "id":
        if (!value.includes("\0")) this.id = value;
        break;
      default:
        // "retry" and unknown fields: nothing for us to do.
        break;
    }
  }

  private dispatch(): void {
    if (this.id !== undefined) this.lastEventId = this.id;
    if (this.data.length > 0) {
      const event: SseEvent = {
        event: this.eventType || "message",
        data: this.data.join("\n"),
        ...(this.id === undefined ? {} : { id: this.id }),
      };
      this.reset();
      this.onEvent(event);
      return;
    }
    this.reset();
  }

  private reset(): void {
    this.eventType = "";
    this.data = [];
    this.id = undefined;
  }
}
