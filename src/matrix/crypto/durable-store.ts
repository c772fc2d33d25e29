/**
 * The Rust crypto's IndexedDB, kept in a file: restored before the crypto starts, written again
 * shortly after it changes, at once whenever the homeserver is about to hear of what changed
 * (see request-gate.ts), and at a clean stop. A write copies the whole store (a bot's is small).
 */
import { onIndexedDbWrite } from "./indexeddb.js";
import { restoreDatabases, snapshotDatabases } from "./idb-snapshot.js";
import type { IdbFactory } from "./idb-types.js";
import { writeStoreFile, type StoreContent } from "./store-file.js";

export interface DurableStoreOptions {
  readonly factory: IdbFactory;
  readonly path: string;
  readonly key: Buffer;
  readonly userId: string;
  readonly deviceId: string;
  /** Names of the databases kept: those starting with it. */
  readonly prefix: string;
  /** A write that was not asked for by a caller failed; the next change tries again. */
  readonly onSaveError: (error: unknown) => void;
  /** Time from a change to the write that follows it when nothing asks sooner (default 1 s). */
  readonly saveDelayMs?: number;
}

export class DurableCryptoStore {
  private dirty = false;
  /** A to-device message was taken in since the last write: the next /sync must wait for one. */
  private toDeviceUnsaved = false;
  private saving: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly stopWatching: () => void;

  private constructor(
    private readonly opts: DurableStoreOptions,
    /** No file was there: the device's keys are made by this start. */
    readonly fresh: boolean,
  ) {
    this.stopWatching = onIndexedDbWrite((name) => {
      if (name.startsWith(opts.prefix)) this.changed();
    });
  }

  /** Fills the (empty) IndexedDB from the file's content, if any, and starts following changes. */
  static async open(
    opts: DurableStoreOptions,
    content: StoreContent | undefined,
  ): Promise<DurableCryptoStore> {
    if (content) await restoreDatabases(opts.factory, content.databases);
    return new DurableCryptoStore(opts, content === undefined);
  }

  /** Marks the store as changed (also for changes the write hook cannot see, like a new database). */
  changed(): void {
    this.dirty = true;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush().catch(this.opts.onSaveError);
    }, this.opts.saveDelayMs ?? 1000);
  }

  /** Resolves once every change made before the call is in the file. */
  flush(): Promise<void> {
    this.saving ??= this.saveWhileDirty().finally(() => {
      this.saving = undefined;
    });
    return this.saving;
  }

  /** flush(), but never rejects: the failure goes to onSaveError and the caller goes on. */
  async flushIfDirty(): Promise<void> {
    if (!this.dirty && !this.saving) return;
    await this.flush().catch(this.opts.onSaveError);
  }

  /** The crypto has taken in to-device messages (room keys, new Olm sessions). */
  toDeviceReceived(): void {
    this.toDeviceUnsaved = true;
  }

  /**
   * Before a /sync request, which tells the homeserver it may delete the to-device messages it
   * sent: writes the file if any came. Other changes a sync brings (device lists, key counts)
   * can be had again and wait for the timer, so a knock costs no write of its own.
   */
  async flushBeforeSync(): Promise<void> {
    if (!this.toDeviceUnsaved) return;
    this.toDeviceUnsaved = false;
    await this.flushIfDirty();
  }

  /** The last write, at a clean stop. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.stopWatching();
    await this.flush();
  }

  private async saveWhileDirty(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      try {
        const databases = await snapshotDatabases(this.opts.factory, this.opts.prefix);
        await writeStoreFile(this.opts.path, this.opts.key, {
          userId: this.opts.userId,
          deviceId: this.opts.deviceId,
          databases,
        });
      } catch (error) {
        this.dirty = true;
        throw error;
      }
    }
  }
}
