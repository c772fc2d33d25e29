/**
 * The blocklist in the data dir (`DATA_DIR/blocklist.json`) on the JSON store:
 * atomic writes, hand edits picked up by `reload()`, a bad hand edit reported
 * while the last good list stays in use (and kept as `blocklist.json.rejected-*`
 * when anteroom next writes). Matching uses a compiled copy, rebuilt only when
 * the list changes.
 */
import { join } from "node:path";
import {
  addBlockEntry,
  compileBlocklist,
  emptyBlocklist,
  matchBlocklist,
  newBlockEntry,
  parseBlocklist,
  removeBlockEntry,
  type BlockCandidate,
  type BlockEntry,
  type BlockKind,
  type BlockMatch,
  type Blocklist,
  type CompiledBlocklist,
} from "../../core/moderation/blocklist.js";
import { JsonStore, type StoreParseError } from "./json-store.js";
import type { WriteRetry } from "./write-faults.js";

export const BLOCKLIST_FILE = "blocklist.json";

export function blocklistPath(dataDir: string): string {
  return join(dataDir, BLOCKLIST_FILE);
}

export type BlockAddOutcome =
  { ok: true; entry: BlockEntry; added: boolean } | { ok: false; error: string };

export class BlocklistStore {
  private compiledFor: Blocklist | undefined;
  private compiled: CompiledBlocklist = compileBlocklist(emptyBlocklist());

  private constructor(private readonly store: JsonStore<Blocklist>) {}

  /** Opens (or starts) the file; a file that does not parse throws a StoreParseError naming the bad entry. */
  static async open(path: string, retry?: WriteRetry): Promise<BlocklistStore> {
    const store = await JsonStore.open<Blocklist>({
      path,
      parse: parseBlocklist,
      empty: emptyBlocklist,
      retry,
    });
    return new BlocklistStore(store);
  }

  get path(): string {
    return this.store.path;
  }

  get entries(): readonly BlockEntry[] {
    return this.store.value.entries;
  }

  /** The first entry that catches this person, with why; undefined when none does. */
  match(candidate: BlockCandidate): BlockMatch | undefined {
    return matchBlocklist(this.current(), candidate);
  }

  /** Adds a moderator's pattern (kind guessed when not given); one already listed is not added again, and its entry is returned. */
  add(
    pattern: string,
    opts: { kind?: BlockKind; reason?: string; addedBy?: string; nowMs: number },
  ): BlockAddOutcome {
    const made = newBlockEntry(pattern, opts);
    if (!made.ok) return made;
    const { list, added, entry } = addBlockEntry(this.store.value, made.entry);
    if (added) this.store.update(() => list);
    return { ok: true, entry, added };
  }

  /** Removes the entries with this pattern (of this kind, when given) and returns them. */
  remove(pattern: string, kind?: BlockKind): BlockEntry[] {
    const { list, removed } = removeBlockEntry(this.store.value, pattern, kind);
    if (removed.length > 0) this.store.update(() => list);
    return removed;
  }

  /** Picks up a hand edit. On a bad edit, `error` says what is wrong and the last good list stays. */
  reload(): Promise<{ changed: boolean; error?: StoreParseError }> {
    return this.store.reloadIfChangedOnDisk();
  }

  /** Resolves once every change so far is on disk. */
  flush(): Promise<void> {
    return this.store.flush();
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private current(): CompiledBlocklist {
    const value = this.store.value;
    if (this.compiledFor !== value) {
      this.compiled = compileBlocklist(value);
      this.compiledFor = value;
    }
    return this.compiled;
  }
}
