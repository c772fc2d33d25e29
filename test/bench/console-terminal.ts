/**
 * A terminal for the console bench: a TTY-shaped stdout that records every
 * write with its time and size, and a stdin that keys can be typed into. Ink
 * renders to it as to a real terminal (incremental rendering, the alternate
 * screen), so the bytes counted are the bytes an SSH session would carry.
 */
import { EventEmitter } from "node:events";

export interface Write {
  readonly at: number;
  readonly bytes: number;
  readonly text: string;
}

export class BenchStdout extends EventEmitter {
  readonly isTTY = true;
  readonly writes: Write[] = [];
  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    super();
  }
  write(chunk: string | Uint8Array, ...rest: unknown[]): boolean {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    this.writes.push({ at: performance.now(), bytes: Buffer.byteLength(text), text });
    const callback = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
    callback?.();
    return true;
  }
}

export class BenchStdin extends EventEmitter {
  readonly isTTY = true;
  private pending: string | null = null;
  type(text: string): void {
    this.pending = text;
    this.emit("readable");
    this.emit("data", text);
  }
  read(): string | null {
    const text = this.pending;
    this.pending = null;
    return text;
  }
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}
