/** The engine's change stream in the admin API (`GET /admin/v1/events`), one client at a time. */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { EngineApi, EngineSnapshot } from "../../../core/api.js";
import type { EngineEvent } from "../../../core/engine/events.js";
import { encodeSseEvent } from "../../control/sse.js";
import { SseConnection, type SseOptions } from "./sse-connection.js";

/**
 * One client's event stream: subscribe, then snapshot, then every newer event.
 * Events that arrive while the snapshot is taken are buffered and the ones it
 * already includes dropped, so nothing is lost or doubled.
 */
export class EventStream {
  private live = false;
  private readonly early: EngineEvent[] = [];
  private readonly connection: SseConnection;

  constructor(
    private readonly request: FastifyRequest,
    reply: FastifyReply,
    private readonly engine: EngineApi,
    opts: SseOptions,
    private readonly onClosed: () => void,
  ) {
    this.connection = new SseConnection(request, reply, opts, {
      message: "this client fell too far behind; reconnect to start again from a snapshot",
      log: "an admin event stream client is too slow; disconnecting it",
    });
  }

  start(): void {
    const unsubscribe = this.engine.subscribe((event) => this.onEvent(event));
    this.connection.open(() => {
      unsubscribe();
      this.early.length = 0;
      this.onClosed();
    });
    let snapshot: EngineSnapshot;
    try {
      snapshot = this.engine.snapshot();
    } catch (error) {
      this.request.log.error({ err: error }, "could not take a snapshot for an event stream");
      this.close();
      return;
    }
    this.connection.write(
      encodeSseEvent({ event: "snapshot", id: snapshot.seq, data: JSON.stringify(snapshot) }),
    );
    this.connection.arm();
    for (const event of this.early.splice(0)) if (event.seq > snapshot.seq) this.send(event);
    this.live = true;
  }

  /** Ends the stream from our side (the server is closing). */
  close(): void {
    this.connection.close();
  }

  private onEvent(event: EngineEvent): void {
    if (this.connection.isClosed) return;
    if (!this.live) {
      this.early.push(event);
      return;
    }
    this.send(event);
  }

  private send(event: EngineEvent): void {
    this.connection.send(
      encodeSseEvent({ event: event.type, id: event.seq, data: JSON.stringify(event) }),
    );
  }
}
