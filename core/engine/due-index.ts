/**
 * When each record next needs the tick, so that a tick with nothing due visits no record: with
 * hundreds of vetting rooms open, looking at every one of them every second was most of the
 * daemon's idle CPU.
 */
export class DueIndex {
  private readonly dueAt = new Map<string, number>();
  // Never later than the earliest entry (it may be earlier: a changed entry only costs a scan).
  private earliest = Infinity;

  /** A record changed: `at` is when it next needs the tick, undefined for never. */
  set(key: string, at: number | undefined): void {
    if (at === undefined) {
      this.dueAt.delete(key);
      return;
    }
    this.dueAt.set(key, at);
    if (at < this.earliest) this.earliest = at;
  }

  /** The keys due by `now`; no scan while the earliest entry is later. */
  due(now: number): string[] {
    if (now < this.earliest) return [];
    const due: string[] = [];
    let earliest = Infinity;
    for (const [key, at] of this.dueAt) {
      if (at <= now) due.push(key);
      // A due record the tick leaves unchanged is looked at again on the next tick, as before.
      if (at < earliest) earliest = at;
    }
    this.earliest = earliest;
    return due;
  }
}
