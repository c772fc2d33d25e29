/**
 * The form submissions already acted on (DATA_DIR/form-submissions.json), so
 * that a form service's retry, or a signed post someone captured and sends
 * again, is answered as a duplicate instead of inviting or queueing twice.
 * The signatures carry no time, so a replay can come at any time: the ids
 * outlive restarts. Kept as digests (fixed size, nothing from the form on
 * disk), the newest MAX_KEPT only.
 */
import { createHash } from "node:crypto";
import * as z from "zod";
import { JsonStore } from "./json-store.js";

/** Far more than a community's form brings in between two looks at the queue; about 0.5 MB on disk. */
export const MAX_KEPT = 10_000;

const digestList = z.array(z.string().regex(/^[0-9a-f]{32}$/));

export class HandledSubmissions {
  private readonly seen: Set<string>;

  private constructor(private readonly store: JsonStore<string[]>) {
    this.seen = new Set(store.value);
  }

  static async open(path: string): Promise<HandledSubmissions> {
    const store = await JsonStore.open<string[]>({
      path,
      parse: (raw) => digestList.parse(raw),
      empty: () => [],
    });
    return new HandledSubmissions(store);
  }

  /**
   * Marks the submission as handled; false when it already was (or is being handled right now).
   * Claimed before the engine acts, so two copies racing in at once cannot both get through.
   */
  claim(id: string): boolean {
    const digest = digestOf(id);
    if (this.seen.has(digest)) return false;
    this.seen.add(digest);
    this.store.update((list) => {
      list.push(digest);
      if (list.length > MAX_KEPT)
        for (const old of list.splice(0, list.length - MAX_KEPT)) this.seen.delete(old);
    });
    return true;
  }

  /** The submission could not be handled (an error on our side): the service's retry may try again. */
  release(id: string): void {
    const digest = digestOf(id);
    if (!this.seen.delete(digest)) return;
    this.store.update((list) => list.filter((kept) => kept !== digest));
  }

  /** Resolves once every claim so far is on disk. */
  flush(): Promise<void> {
    return this.store.flush();
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

function digestOf(id: string): string {
  return createHash("sha256").update(id, "utf8").digest("hex").slice(0, 32);
}
