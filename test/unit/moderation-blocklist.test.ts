import assert from "node:assert/strict";
import { test } from "node:test";
import {
  addBlockEntry,
  compileBlocklist,
  inferBlockKind,
  matchBlocklist,
  newBlockEntry,
  parseBlocklist,
  removeBlockEntry,
  type Blocklist,
} from "../../core/moderation/blocklist.js";
import { editDistance } from "../../core/moderation/fuzzy.js";
import { ordinaryPeople } from "./fixtures/ordinary-names.js";

const SPAMMERS: Blocklist = parseBlocklist({
  entries: [
    { pattern: "@spammer:evil.org", kind: "user", reason: "spam wave" },
    { pattern: "@cryptobot:spam.example", kind: "user" },
    { pattern: "Free Crypto", kind: "displayname" },
  ],
});
const spammers = compileBlocklist(SPAMMERS);

function explain(userId: string, displayName?: string): string | undefined {
  return matchBlocklist(spammers, { userId, displayName })?.explanation;
}

test("disguised copies of a blocked user ID on the same server are caught, each with why", () => {
  const expected: [string, RegExp][] = [
    [
      "@5pamm3r:evil.org",
      /^@5pamm3r:evil\.org matches blocked @spammer:evil\.org: leet-speak folding$/,
    ],
    ["@spammer2:evil.org", /: digit suffix$/],
    ["@spamer:evil.org", /: edit distance 1$/],
    ["@spamnmer:evil.org", /: edit distance 1$/],
    ["@sp4mmer99:evil.org", /: digit suffix, leet-speak folding$/],
    ["@SPAMMER:evil.org", /: case folding$/],
    ["@spmamer:evil.org", /: edit distance 1$/],
    ["@spam.mer:evil.org", /: separators ignored$/],
    ["@cryptob0t_:spam.example", /matches blocked @cryptobot:spam\.example/],
    ["@crypt0bots:spam.example", /matches blocked @cryptobot:spam\.example/],
  ];
  for (const [userId, why] of expected) {
    const hit = matchBlocklist(spammers, { userId });
    assert.ok(hit, `${userId} should be caught`);
    assert.match(hit.explanation, why, userId);
    assert.equal(hit.entry.reason, userId.endsWith("evil.org") ? "spam wave" : undefined);
  }
});

test("names further from a blocked one than its edit budget are left alone", () => {
  // "spammer" has 7 letters: one edit is tolerated, two are another name.
  for (const userId of [
    "@hammer:evil.org",
    "@spa:evil.org",
    "@summer:evil.org",
    "@spamming:evil.org",
  ]) {
    assert.equal(explain(userId), undefined, userId);
  }
  // "cryptobot" has 9: two edits are tolerated, three are not.
  assert.ok(explain("@cryptbt:spam.example"));
  assert.equal(explain("@crypt:spam.example"), undefined);
});

test("the blocked user ID itself is an exact hit", () => {
  assert.equal(explain("@spammer:evil.org"), "@spammer:evil.org is blocked");
});

test("fuzzy user-ID matching stays on the blocked user's server", () => {
  assert.equal(explain("@spammer:example.org"), undefined);
  assert.equal(explain("@5pamm3r:matrix.org"), undefined);
  assert.equal(explain("@spammer2:evil.org.example.com"), undefined);
  // The port is not part of who runs the server.
  assert.match(explain("@spamer:evil.org:8448") ?? "", /edit distance 1/);
});

test("disguised display names are caught on any server", () => {
  assert.equal(
    explain("@someone:example.org", "Fr33 Crypt0"),
    'display name "Fr33 Crypt0" matches blocked display name "Free Crypto": leet-speak folding',
  );
  assert.match(explain("@a:b.org", "FREE CRYPTO!!") ?? "", /: case folding, separators ignored$/);
  assert.match(explain("@a:b.org", "Frée Crÿpto") ?? "", /look-alike letters and accents folded$/);
  // Cyrillic е and о standing in for Latin letters.
  assert.match(explain("@a:b.org", "Frее Cryptо") ?? "", /look-alike letters/);
  assert.match(explain("@a:b.org", "free_crypto") ?? "", /matches blocked display name/);
  assert.equal(explain("@a:b.org", "Free Crypto"), 'display name "Free Crypto" is blocked');
});

test("1,000+ ordinary people produce no hit at all", () => {
  const people = ordinaryPeople(1200);
  assert.ok(new Set(people.map((p) => p.userId)).size >= 1000);
  // The fixture really puts people on the blocked users' own servers.
  assert.ok(people.filter((p) => p.userId.endsWith(":evil.org")).length >= 200);
  const hits = people
    .map((person) => matchBlocklist(spammers, person)?.explanation)
    .filter((why) => why !== undefined);
  assert.deepEqual(hits, []);
});

test("ordinary people stay clear of blocked ordinary-looking names too", () => {
  // A harder list: blocked accounts whose names look like anyone's.
  const list = compileBlocklist(
    parseBlocklist({
      entries: [
        { pattern: "@mike.doe:evil.org", kind: "user" },
        { pattern: "@jsparrow:spam.example", kind: "user" },
        { pattern: "Totally Real Support", kind: "displayname" },
        { pattern: "Admin Team", kind: "displayname" },
      ],
    }),
  );
  const hits = ordinaryPeople(1200)
    .map((person) => matchBlocklist(list, person)?.explanation)
    .filter((why) => why !== undefined);
  assert.deepEqual(hits, []);
  assert.ok(matchBlocklist(list, { userId: "@m1ke_doe:evil.org" }));
  assert.ok(matchBlocklist(list, { userId: "@x:y.org", displayName: "Adm1n Team" }));
});

test("a server entry blocks the server and its subdomains, not look-alike domains", () => {
  const list = compileBlocklist(
    parseBlocklist({ entries: [{ pattern: "evil.org", kind: "server" }] }),
  );
  const why = (userId: string) => matchBlocklist(list, { userId })?.explanation;
  assert.equal(why("@anyone:evil.org"), "@anyone:evil.org matches blocked server evil.org");
  assert.ok(why("@anyone:EVIL.org:8448"));
  assert.ok(why("@anyone:chat.evil.org"));
  assert.equal(why("@anyone:notevil.org"), undefined);
  assert.equal(why("@anyone:evil.org.example.com"), undefined);
  // The server part is after the first ':' only.
  assert.equal(why("@evil.org:example.com"), undefined);
});

test("globs behave as an operator expects on Matrix IDs", () => {
  const list = compileBlocklist(
    parseBlocklist({
      entries: [
        { pattern: "@*:spam.example", kind: "glob" },
        { pattern: "@bot_????:*", kind: "glob" },
      ],
    }),
  );
  const why = (userId: string) => matchBlocklist(list, { userId })?.explanation;
  assert.equal(
    why("@a.b/c:spam.example"),
    "@a.b/c:spam.example matches blocked glob @*:spam.example",
  );
  assert.ok(why("@X:SPAM.example"), "case-insensitive");
  assert.equal(why("@a:spam.example.org"), undefined, "the glob covers the whole ID");
  assert.equal(why("@a:spamXexample"), undefined, "a dot is a dot, not any character");
  assert.ok(why("@bot_1234:anywhere.net"));
  assert.equal(why("@bot_12345:anywhere.net"), undefined, "? is exactly one character");
  // Regex syntax in a glob is literal.
  const literal = compileBlocklist(
    parseBlocklist({ entries: [{ pattern: "@a+(b)*:x.org", kind: "glob" }] }),
  );
  assert.ok(matchBlocklist(literal, { userId: "@a+(b)c:x.org" }));
  assert.equal(matchBlocklist(literal, { userId: "@aab:x.org" }), undefined);
});

test("a bad hand edit is refused with an error naming the entry", () => {
  const bad: [unknown, RegExp][] = [
    [[], /expected an object/],
    [{ entries: {} }, /"entries" must be a list/],
    [
      {
        entries: [
          { pattern: "@ok:x.org", kind: "user" },
          { pattern: "spammer", kind: "user" },
        ],
      },
      /entries\[1\] \("spammer"\): not a user ID/,
    ],
    [
      { entries: [{ pattern: "@a:x.org", kind: "person" }] },
      /entries\[0\] \("@a:x.org"\): "kind" must be one of user, server, glob, displayname/,
    ],
    [{ entries: [{ kind: "user" }] }, /entries\[0\]: "pattern" must be a string/],
    [{ entries: [{ pattern: "*", kind: "glob" }] }, /would block everyone/],
    [{ entries: [{ pattern: "evil .org", kind: "server" }] }, /not a server name/],
    [{ entries: [{ pattern: "@a*:x.org", kind: "user" }] }, /use kind "glob"/],
    [
      { entries: [{ pattern: "@a:x.org", kind: "user", added_at: "last tuesday" }] },
      /"added_at" must be a date/,
    ],
    [{ entries: [{ pattern: "@a:x.org", kind: "user", reason: 5 }] }, /"reason" must be a string/],
    [{ entries: [{ pattern: "---", kind: "displayname" }] }, /no letters or digits/],
  ];
  for (const [raw, message] of bad) assert.throws(() => parseBlocklist(raw), message);
  // Unknown fields an operator adds are kept.
  const kept = parseBlocklist({
    entries: [{ pattern: "evil.org", kind: "server", note: "see ticket 12" }],
  });
  assert.equal(kept.entries[0]?.note, "see ticket 12");
  assert.deepEqual(parseBlocklist({}), { entries: [] });
});

test("a moderator's pattern gets its kind guessed, is checked, and is not added twice", () => {
  assert.equal(inferBlockKind("@spammer:evil.org"), "user");
  assert.equal(inferBlockKind("evil.org"), "server");
  assert.equal(inferBlockKind("@*:evil.org"), "glob");
  assert.equal(inferBlockKind("Free Crypto"), "displayname");
  const made = newBlockEntry(" @spammer:evil.org ", {
    reason: "spam",
    addedBy: "@mod:x.org",
    nowMs: Date.UTC(2026, 10, 23),
  });
  assert.ok(made.ok);
  assert.deepEqual(made.entry, {
    pattern: "@spammer:evil.org",
    kind: "user",
    reason: "spam",
    added_by: "@mod:x.org",
    added_at: "2026-11-23T00:00:00.000Z",
  });
  const refused = newBlockEntry("@no-server", { kind: "user", nowMs: 0 });
  assert.deepEqual(refused, {
    ok: false,
    error: 'cannot block "@no-server": not a user ID (expected @name:server)',
  });

  const first = addBlockEntry({ entries: [] }, made.entry);
  assert.equal(first.added, true);
  const again = addBlockEntry(first.list, { ...made.entry, reason: "again" });
  assert.equal(again.added, false);
  assert.equal(again.list.entries.length, 1);
  const removed = removeBlockEntry(again.list, "@spammer:evil.org");
  assert.equal(removed.removed.length, 1);
  assert.deepEqual(removed.list.entries, []);
  // What the store writes parses back to the same list.
  assert.deepEqual(parseBlocklist(JSON.parse(JSON.stringify(first.list))), first.list);
});

test("exact evidence wins over a fuzzy hit listed earlier", () => {
  const list = compileBlocklist(
    parseBlocklist({
      entries: [
        { pattern: "@spammer:evil.org", kind: "user" },
        { pattern: "@spammer2:evil.org", kind: "user", reason: "the second one" },
      ],
    }),
  );
  assert.equal(
    matchBlocklist(list, { userId: "@spammer2:evil.org" })?.entry.reason,
    "the second one",
  );
});

test("hostile input neither crashes nor stalls the matcher", () => {
  const huge = "Free Crypto ".repeat(5000);
  assert.equal(matchBlocklist(spammers, { userId: "not an id", displayName: huge }), undefined);
  assert.equal(matchBlocklist(spammers, { userId: "@:evil.org" }), undefined);
  assert.equal(matchBlocklist(spammers, { userId: "@\u0000spammer:evil.org" }), undefined);
  assert.ok(matchBlocklist(spammers, { userId: "@x:y.org", displayName: "\u202eFree Crypto" }));
});

test("edit distance counts a swap of neighbours as one edit", () => {
  assert.equal(editDistance("spammer", "spmamer", 2), 1);
  assert.equal(editDistance("spammer", "spammer", 2), 0);
  assert.equal(editDistance("spammer", "alice", 2), 3, "capped at limit + 1");
});
