/**
 * The attach client: `EngineApi` over the daemon's admin socket, so the
 * console works the same attached to a daemon as with an engine in-process.
 * Three parts: the commands (admin-commands.ts), the event stream
 * (event-stream.ts) and the mirror it keeps (engine-mirror.ts), since
 * `EngineApi.snapshot()` is synchronous. One stream serves every subscriber.
 *
 * `connectEngine()` opens the stream and waits for its first snapshot. When
 * the stream drops (the daemon restarts, or dropped this client for being
 * slow) the client reconnects with back-off. On the new stream's snapshot the
 * mirror emits what changed meanwhile and the audit entries written while it
 * was away, as ordinary events (see engine-mirror.ts); then the `onResync`
 * listeners get the new mirror, which a front end may take as its whole
 * picture. `onConnection` listeners hear when the stream is lost and when it
 * is back.
 */
import type { CodeBookName, EngineApi, EngineSnapshot, MintRequest } from "../../core/api.js";
import type { CodeEntry } from "../../core/codes/code-book.js";
import type { EngineEvent } from "../../core/engine/events.js";
import { AdminCommands, type AdminHealth } from "./admin-commands.js";
import { EngineMirror } from "./engine-mirror.js";
import { DaemonEventStream, type EventStreamOptions } from "./event-stream.js";

export {
  ADMIN_SOCKET_NAME,
  AdminApiError,
  adminSocketOf,
  isDaemonRunning,
} from "./admin-socket.js";
export type { AdminHealth } from "./admin-commands.js";

export interface RemoteEngine extends EngineApi {
  readonly socketPath: string;
  /** The event stream is up (false between a drop and the next snapshot). */
  readonly connected: boolean;
  /** Called after a reconnect with the fresh mirror, once the changes were emitted as events. */
  onResync(listener: (snapshot: EngineSnapshot) => void): () => void;
  /** Called when the stream to the daemon is lost (`false`, with why) and when it is back (`true`). */
  onConnection(listener: (connected: boolean, detail?: string) => void): () => void;
  health(): Promise<{ ok: boolean; health: AdminHealth }>;
  mintCode(
    book: CodeBookName,
    request: MintRequest,
  ): Promise<{ code: string; entry: CodeEntry; link: string }>;
  /** Stops the stream and the reconnects; later calls fail. */
  close(): Promise<void>;
}

export interface ConnectOptions extends EventStreamOptions {
  /**
   * Resolve at once, with an empty mirror that the daemon's first snapshot fills in through
   * the usual events and `onResync` (the console draws before the daemon has answered).
   * Without it, resolve once the mirror holds the snapshot, or reject.
   */
  readonly inBackground?: boolean;
  /** Give up on the first snapshot after this long (default 10 s). */
  readonly timeoutMs?: number;
}

/** Connects to the daemon on `socketPath` and resolves once the mirror holds its snapshot. */
export async function connectEngine(
  socketPath: string,
  opts: ConnectOptions = {},
): Promise<RemoteEngine> {
  const client = new AttachedEngine(socketPath, opts);
  if (opts.inBackground) client.openInBackground();
  else await client.open();
  return client;
}

class AttachedEngine extends AdminCommands implements RemoteEngine {
  private readonly mirror = new EngineMirror();
  private readonly stream: DaemonEventStream;
  private readonly resyncListeners = new Set<(snapshot: EngineSnapshot) => void>();
  private readonly connectionListeners = new Set<(connected: boolean, detail?: string) => void>();
  private closed = false;
  connected = false;
  private firstSnapshot:
    { resolve: () => void; reject: (error: Error) => void; timer: NodeJS.Timeout } | undefined;

  constructor(
    socketPath: string,
    private readonly opts: ConnectOptions,
  ) {
    super(socketPath);
    this.stream = new DaemonEventStream(
      socketPath,
      {
        onSnapshot: (snapshot) => this.onSnapshot(snapshot),
        onEvent: (event) => this.mirror.take(event),
        onLost: (why) => this.onLost(why),
      },
      opts,
    );
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.failFirst(new Error(`no snapshot from the daemon on ${this.socketPath} in time`)),
        this.opts.timeoutMs ?? 10_000,
      );
      this.firstSnapshot = { resolve, reject, timer };
      this.stream.open();
    });
  }

  /** Connects (and reconnects) without waiting: the first snapshot arrives as a resync. */
  openInBackground(): void {
    this.mirror.followAuditFromNow();
    this.stream.open();
  }

  snapshot(): EngineSnapshot {
    return this.mirror.snapshot();
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    return this.mirror.subscribe(listener);
  }

  onResync(listener: (snapshot: EngineSnapshot) => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  onConnection(listener: (connected: boolean, detail?: string) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stream.close();
    this.stop();
    this.failFirst(new Error("closed"));
  }

  private onLost(why: string): void {
    if (this.firstSnapshot) {
      this.failFirst(new Error(`no anteroom daemon answers on ${this.socketPath}: ${why}`));
      return;
    }
    if (this.connected) {
      this.connected = false;
      for (const listener of this.connectionListeners) safely(() => listener(false, why));
    }
    this.stream.reconnectLater();
  }

  private failFirst(error: Error): void {
    const first = this.firstSnapshot;
    if (!first) return;
    this.firstSnapshot = undefined;
    clearTimeout(first.timer);
    if (!this.closed) void this.close();
    first.reject(error);
  }

  private onSnapshot(snapshot: EngineSnapshot): void {
    const first = this.firstSnapshot;
    if (first) {
      this.firstSnapshot = undefined;
      clearTimeout(first.timer);
      this.mirror.start(snapshot);
      this.connected = true;
      first.resolve();
      return;
    }
    void this.resync(snapshot, this.stream.generation);
  }

  private async resync(snapshot: EngineSnapshot, generation: number): Promise<void> {
    const done = await this.mirror.resync(
      snapshot,
      (sinceTs) => this.audit({ sinceTs, limit: 1000 }),
      () => generation === this.stream.generation && !this.closed,
    );
    if (!done) return;
    this.connected = true;
    for (const listener of this.connectionListeners) safely(() => listener(true));
    const mirror = this.snapshot();
    for (const listener of this.resyncListeners) safely(() => listener(mirror));
  }
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // A listener's bug must not stop the mirror.
  }
}
