import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  carryOverVettingBook,
  isReferenceVettingBook,
} from "../../core/migration/reference-vetting.js";
import { carriedOverRecordFor, decideKnock } from "../../core/vetting/knocks.js";
import { step, type VettingSettings } from "../../core/vetting/record.js";
import { parseCodeBook } from "../../core/codes/code-book.js";
import { DEFAULT_HAIKU_RULES } from "../../core/challenge/judge.js";
import { openVettingBook, parseVettingBook } from "../../src/store/books.js";
import { carryOverReferenceVetting } from "../../src/store/reference-migration.js";

const now = Date.UTC(2026, 10, 23, 12, 0, 0);
const createdSec = now / 1000 - 600;

/** A reference vetting.json with one entry of each kind, using every field the reference writes. */
const referenceBook = {
  "!open:hs.example": {
    mxid: "@ada:hs.example",
    code: "SPRING24",
    created: createdSec,
    title: "Lighthouse",
    keyword: "beacon",
    tries_left: 2,
    promoted: false,
    closed: false,
    displayname: "Ada",
  },
  "!passed:hs.example": {
    mxid: "@bo:hs.example",
    code: "SPRING24",
    created: createdSec - 3600,
    title: "Tides",
    keyword: "moon",
    tries_left: 3,
    promoted: true,
    closed: false,
    displayname: "Bo",
    promoted_at: createdSec - 3000,
    invited_children: ["!general"],
  },
  "!failed:hs.example": {
    mxid: "@cy:hs.example",
    code: "ONCE",
    created: createdSec - 7200,
    title: "Rivers",
    keyword: "delta",
    tries_left: 0,
    promoted: false,
    closed: true,
    closed_reason: "tries_exhausted",
  },
  "!late:hs.example": {
    mxid: "@di:hs.example",
    code: "ONCE2",
    created: createdSec - 90_000,
    title: "Snow",
    keyword: "drift",
    tries_left: 3,
    promoted: false,
    closed: true,
    closed_reason: "timeout",
  },
};

const settings: VettingSettings = {
  maxTries: 3,
  lifetimeSec: 7200,
  reminderLeadSec: 600,
  knockHoldSec: 86_400,
  farewellDelaySec: 10,
  rules: DEFAULT_HAIKU_RULES,
  welcome: { uses: 0, linkBase: "https://hs.example" },
};

const context = { now, lifetimeSec: 7200, maxTries: 3 };

test("a reference vetting.json is recognised; anteroom's own book is not", () => {
  assert.equal(isReferenceVettingBook(referenceBook), true);
  const ours = carryOverVettingBook(referenceBook, context).book;
  assert.equal(isReferenceVettingBook(ours), false);
  assert.equal(isReferenceVettingBook({}), false);
});

test("every reference entry carries over with its outcome, and the result is a valid vetting book", () => {
  const carried = carryOverVettingBook(referenceBook, context);
  assert.equal(carried.open, 1);
  assert.equal(carried.closed, 3);
  assert.deepEqual(carried.skipped, []);
  const book = parseVettingBook(JSON.parse(JSON.stringify(carried.book)));
  const open = book["reference:!open:hs.example"];
  assert.equal(open?.phase, "open");
  assert.equal(open?.user, "@ada:hs.example");
  assert.equal(open?.roomId, "!open:hs.example");
  assert.equal(open?.triesLeft, 2);
  assert.deepEqual(open?.challenge, { topic: "Lighthouse", keyword: "beacon" });
  assert.equal(open?.expiresAt, createdSec * 1000 + 7200 * 1000);
  assert.equal(book["reference:!passed:hs.example"]?.phase, "passed");
  assert.equal(book["reference:!failed:hs.example"]?.phase, "failed");
  assert.equal(book["reference:!late:hs.example"]?.phase, "timed_out");
});

test("an open entry without its challenge, or with a bad user id, is skipped and named", () => {
  const carried = carryOverVettingBook(
    {
      "!a:hs": { mxid: "@x:hs", created: createdSec, tries_left: 3 },
      "!b:hs": { mxid: "not a user", title: "t", keyword: "k" },
    },
    context,
  );
  assert.equal(Object.keys(carried.book).length, 0);
  assert.deepEqual(
    carried.skipped.map((s) => s.roomId),
    ["!a:hs", "!b:hs"],
  );
});

test("replies the reference already judged are not judged again; new ones are, with the tries left", () => {
  const open = carryOverVettingBook(referenceBook, context).book["reference:!open:hs.example"]!;
  const old = step(
    open,
    {
      type: "reply",
      eventId: "$old",
      body: "a wrong answer",
      displayName: "Ada",
      sentAt: now - 60_000,
      now: now + 1000,
    },
    settings,
  );
  assert.equal(old.record.triesLeft, 2);
  assert.equal(old.audit.length, 0);
  const fresh = step(
    open,
    {
      type: "reply",
      eventId: "$new",
      body: "a wrong answer",
      displayName: "Ada",
      sentAt: now + 500,
      now: now + 1000,
    },
    settings,
  );
  assert.equal(fresh.record.triesLeft, 1);
});

test("the knock behind a carried-over vetting is not charged again", () => {
  const book = carryOverVettingBook(referenceBook, context).book;
  const codes = parseCodeBook({ ONCE: { uses_remaining: 5, label: "multi" } });
  const knock = {
    key: "$knock-cy",
    user: "@cy:hs.example",
    reason: "ONCE",
    knockedAt: (createdSec - 7300) * 1000,
  };
  const carried = carriedOverRecordFor(book, knock);
  assert.ok(carried);
  const decision = decideKnock(
    knock,
    codes,
    undefined,
    () => ({ topic: "t", keyword: "k" }),
    settings,
    carried,
  );
  assert.equal(decision.codes, undefined, "no use charged");
  assert.equal(decision.step.record.phase, "denied");
  // A knock made after the reference's vetting is a new request, decided as usual.
  const later = { ...knock, key: "$knock-cy-2", knockedAt: now };
  assert.equal(carriedOverRecordFor(book, later), undefined);
});

test("the data-dir file is rewritten in anteroom's shape and the original is kept beside it", async () => {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-migration-"));
  const path = join(dir, "vetting.json");
  const original = JSON.stringify(referenceBook, null, 2);
  await writeFile(path, original);
  const result = await carryOverReferenceVetting(path, context);
  assert.equal(result?.open, 1);
  assert.equal(await readFile(result!.backup, "utf8"), original);
  const rewritten = parseVettingBook(JSON.parse(await readFile(path, "utf8")));
  assert.equal(Object.keys(rewritten).length, 4);
  // A second start finds anteroom's own book and changes nothing.
  assert.equal(await carryOverReferenceVetting(path, context), undefined);
  assert.equal((await readdir(dir)).filter((f) => f.includes(".reference-")).length, 1);
});

test("a journal an earlier anteroom left is set aside, not replayed over the reference's newer file", async () => {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-migration-"));
  const path = join(dir, "vetting.json");
  await writeFile(path, JSON.stringify(referenceBook, null, 2));
  // What a killed anteroom left behind, before the reference approver ran again.
  const stale = `${JSON.stringify({ k: "reference:!open:hs.example", d: 1 })}\n`;
  await writeFile(`${path}.journal`, stale);
  const result = await carryOverReferenceVetting(path, context);
  assert.ok(result?.staleJournal, "the journal is named as set aside");
  assert.equal(await readFile(result.staleJournal, "utf8"), stale, "kept, never deleted");
  const book = await openVettingBook(path);
  try {
    assert.ok(
      Object.values(book.value).some((record) => record.roomId === "!open:hs.example"),
      "the reference's open vetting goes on",
    );
  } finally {
    await book.close();
  }
});
