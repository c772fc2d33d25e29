// Moderators share the machine: what the store layer writes is 0600 whatever the umask, and a data
// dir left readable by the reference approver (0755 / 0644) is made private at start.

import assert from "node:assert/strict";
import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, test } from "node:test";
import * as z from "zod";
import { AuditLog } from "../../src/store/audit-log.js";
import { acquireDataDirLock } from "../../src/store/data-dir-lock.js";
import { JournaledBook } from "../../src/store/journaled-book.js";
import { JsonStore } from "../../src/store/json-store.js";
import { BlocklistStore } from "../../src/store/blocklist-store.js";
import { makeDataDirPrivate } from "../../src/store/private-data-dir.js";

const dirs: string[] = [];
let umask: number;
before(() => {
  // The usual shell umask, under which a file created 0666 would be world-readable.
  umask = process.umask(0o022);
});
after(async () => {
  process.umask(umask);
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-private-"));
  dirs.push(dir);
  return dir;
}

/** Every path under `dir` (itself included) that group or others can use, with its mode. */
async function shared(dir: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (path: string, name: string): Promise<void> => {
    const stats = await stat(path);
    if ((stats.mode & 0o077) !== 0) found.push(`${name} ${(stats.mode & 0o777).toString(8)}`);
    if (stats.isDirectory())
      for (const entry of await readdir(path)) await visit(join(path, entry), join(name, entry));
  };
  await visit(dir, ".");
  return found;
}

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

test("under umask 022 every store creates its files 0600: books, journal, audit log, lock, blocklist", async () => {
  const dir = await tempDir();
  await chmod(dir, 0o700);
  const lock = await acquireDataDirLock(dir);
  const book = await JsonStore.open<Record<string, number>>({
    path: join(dir, "codes.json"),
    parse: (raw) => z.record(z.string(), z.number()).parse(raw),
    empty: () => ({}),
  });
  book.update((draft) => void (draft.ABC = 1));
  await book.flush();
  const vetting = await JournaledBook.open<number>({
    path: join(dir, "vetting.json"),
    parse: (raw) => z.record(z.string(), z.number()).parse(raw),
    compactAfterQuietMs: 60_000,
  });
  vetting.update((draft) => void (draft.k = 1));
  await vetting.flush();
  const audit = await AuditLog.open(join(dir, "log.jsonl"));
  await audit.append({ ts: 1, type: "test" });
  const blocklist = await BlocklistStore.open(join(dir, "blocklist.json"));
  blocklist.add("@spam:example.org", { nowMs: 0 });
  await blocklist.flush();

  assert.deepEqual((await readdir(dir)).sort(), [
    "anteroom.lock",
    "blocklist.json",
    "codes.json",
    "log.jsonl",
    "vetting.json.journal",
  ]);
  assert.deepEqual(await shared(dir), []);
  await Promise.all([vetting.close(), audit.close(), lock.release()]);
  assert.deepEqual(await shared(dir), []);
});

test("a hand edit saved 0644 by an editor is made 0600 when it is picked up", async () => {
  const dir = await tempDir();
  const path = join(dir, "codes.json");
  const book = await JsonStore.open<Record<string, number>>({
    path,
    parse: (raw) => z.record(z.string(), z.number()).parse(raw),
    empty: () => ({}),
  });
  book.update((draft) => void (draft.OLD = 1));
  await book.flush();
  // The editor writes a new file beside it and renames it over, under umask 022.
  await writeFile(`${path}.swp`, '{ "NEW": 2 }\n', { mode: 0o644 });
  await rename(`${path}.swp`, path);
  assert.deepEqual(await book.reloadIfChangedOnDisk(), { changed: true });
  assert.deepEqual(book.value, { NEW: 2 });
  assert.equal(await modeOf(path), 0o600);
});

test("an audit log and a journal left at 0644 are made 0600 when opened", async () => {
  const dir = await tempDir();
  await writeFile(join(dir, "log.jsonl"), '{"ts":1,"type":"old"}\n', { mode: 0o644 });
  await writeFile(join(dir, "vetting.json"), "{}\n", { mode: 0o644 });
  await writeFile(join(dir, "vetting.json.journal"), '{"k":"a","v":1}\n', { mode: 0o644 });
  const audit = await AuditLog.open(join(dir, "log.jsonl"));
  assert.equal(await modeOf(join(dir, "log.jsonl")), 0o600);
  const vetting = await JournaledBook.open<number>({
    path: join(dir, "vetting.json"),
    parse: (raw) => z.record(z.string(), z.number()).parse(raw),
  });
  // The journal was folded into a new base file, written 0600.
  assert.equal(await modeOf(join(dir, "vetting.json")), 0o600);
  assert.deepEqual(vetting.value, { a: 1 });
  await Promise.all([vetting.close(), audit.close()]);
});

test("a reference data dir (0755, files 0644, a subfolder) is made private; links are not followed", async () => {
  const dir = await tempDir();
  const elsewhere = await tempDir();
  await chmod(dir, 0o755);
  await writeFile(join(dir, "codes.json"), "{}", { mode: 0o644 });
  await writeFile(join(dir, "log.jsonl"), "", { mode: 0o644 });
  await writeFile(join(dir, "sync.json"), "{}", { mode: 0o600 });
  await mkdir(join(dir, "crypto"), { mode: 0o755 });
  await writeFile(join(dir, "crypto", "keys"), "k", { mode: 0o640 });
  const outsideFile = join(elsewhere, "shared.txt");
  await writeFile(outsideFile, "not ours to change", { mode: 0o644 });
  await symlink(outsideFile, join(dir, "link-out"));
  const signupCodes = join(elsewhere, "signup_codes.json");
  await writeFile(signupCodes, "{}", { mode: 0o644 });

  const result = await makeDataDirPrivate(dir, [signupCodes]);

  assert.deepEqual(result.failed, []);
  assert.deepEqual(
    [...result.tightened].sort(),
    [
      ".",
      "codes.json",
      "crypto",
      join("crypto", "keys"),
      "log.jsonl",
      relative(dir, signupCodes),
    ].sort(),
  );
  assert.equal(await modeOf(dir), 0o700);
  assert.equal(await modeOf(join(dir, "crypto")), 0o700);
  assert.equal(await modeOf(join(dir, "codes.json")), 0o600);
  assert.equal(await modeOf(join(dir, "crypto", "keys")), 0o600);
  assert.equal(await modeOf(signupCodes), 0o600);
  assert.equal(await modeOf(outsideFile), 0o644, "a link's target is left alone");
  // A second start finds nothing to do.
  assert.deepEqual(await makeDataDirPrivate(dir, [signupCodes]), { tightened: [], failed: [] });
});

test("a data dir that does not exist yet is created 0700, parents included", async () => {
  const base = await tempDir();
  const dir = join(base, "srv", "anteroom");
  await makeDataDirPrivate(dir);
  assert.equal(await modeOf(dir), 0o700);
  assert.equal(await modeOf(join(base, "srv")), 0o700);
});
