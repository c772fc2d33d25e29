/**
 * The send circuit breaker: caps how many messages the bot posts per minute,
 * in all and per room, so a bug or a flood of replies cannot make it spam.
 * Sends past the cap wait for the window to free up; nothing is dropped.
 */
export interface SendCaps {
  readonly perMinute: number;
  readonly perRoomPerMinute: number;
}

const WINDOW_MS = 60_000;

export class SendBreaker {
  private readonly all: number[] = [];
  private readonly byRoom = new Map<string, number[]>();
  private tripped = false;

  constructor(
    private readonly caps: SendCaps,
    private readonly onTrip: (open: boolean, detail: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves when a send to `roomId` may go out, and counts it. */
  async admit(roomId: string): Promise<void> {
    for (;;) {
      const t = this.now();
      const room = this.byRoom.get(roomId) ?? [];
      prune(this.all, t);
      prune(room, t);
      const waitAll =
        this.all.length >= this.caps.perMinute ? (this.all[0] ?? t) + WINDOW_MS - t : 0;
      const waitRoom =
        room.length >= this.caps.perRoomPerMinute ? (room[0] ?? t) + WINDOW_MS - t : 0;
      const wait = Math.max(waitAll, waitRoom);
      if (wait <= 0) {
        this.all.push(t);
        room.push(t);
        this.byRoom.set(roomId, room);
        if (this.tripped && this.all.length < this.caps.perMinute) this.setTripped(false, roomId);
        return;
      }
      this.setTripped(true, roomId);
      // Look again at least every second: the window may free up sooner than computed (clock changes).
      await new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(wait, 10), 1000)));
    }
  }

  /** The bot left the room: its history no longer matters. */
  forgetRoom(roomId: string): void {
    this.byRoom.delete(roomId);
  }

  private setTripped(open: boolean, roomId: string): void {
    if (this.tripped === open) return;
    this.tripped = open;
    this.onTrip(open, open ? `send cap reached (room ${roomId})` : "send cap cleared");
  }
}

function prune(times: number[], now: number): void {
  while (times.length > 0 && (times[0] ?? 0) <= now - WINDOW_MS) times.shift();
}
