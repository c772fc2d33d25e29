import { test } from "node:test";
import assert from "node:assert/strict";
import { parseEnv } from "node:util";
import { mergeEnv, renderEnv } from "../../src/init/env-file.js";
import { communitySpec, parseInitArgs, type InitOptions } from "../../src/init/init-options.js";
import { planRoom, planSpace, RoomState } from "../../src/init/community-plan.js";

const parse = (argv: string[], env: Record<string, string> = {}) =>
  parseInitArgs(argv, env) as InitOptions;

test("init's flags win over the environment, and a credential flag ignores every credential variable", () => {
  const env = { HS: "http://env:8008", MATRIX_TOKEN: "env-token", SPACE_ALIAS: "#envspace" };
  const fromEnv = parse([], env);
  assert.equal(fromEnv.homeserverUrl, "http://env:8008");
  assert.deepEqual(fromEnv.credentials, { kind: "token", accessToken: "env-token" });
  assert.equal(fromEnv.community.spaceAlias, "envspace");

  const flagged = parse(
    ["--hs", "http://flag:8008/", "--username", "bot", "--password", "pw", "--space-alias", "#c"],
    env,
  );
  assert.equal(flagged.homeserverUrl, "http://flag:8008");
  assert.deepEqual(flagged.credentials, { kind: "password", username: "bot", password: "pw" });
  assert.equal(flagged.community.spaceAlias, "c");
});

test("a secret that begins with a dash is taken as the value, as Synapse's tokens may", () => {
  const options = parse(["--hs", "http://h", "--username", "bot", "--registration-token", "-x~Y"]);
  assert.deepEqual(options.credentials, {
    kind: "registration-token",
    username: "bot",
    registrationToken: "-x~Y",
  });
  assert.deepEqual(parse(["--hs", "http://h", "--token", "-t"]).credentials, {
    kind: "token",
    accessToken: "-t",
  });
  // A flag after a secret's name is still a missing value, not the secret.
  assert.throws(() => parseInitArgs(["--token", "--hs", "http://h"], {}), /--token/);
});

test("init without credentials falls back to the saved session; defaults make #community with #general", () => {
  const options = parse(["--hs", "http://hs"]);
  assert.deepEqual(options.credentials, { kind: "saved" });
  assert.equal(options.dataDir, "/data");
  const spec = communitySpec(options.community, "example.org");
  assert.equal(spec.space.alias, "#community:example.org");
  assert.equal(spec.space.name, "Community");
  assert.equal(spec.space.nameIsExplicit, false);
  assert.deepEqual(
    spec.rooms.map((r) => [r.alias, r.name]),
    [["#general:example.org", "General"]],
  );
});

test("init reports every bad setting at once", () => {
  assert.throws(
    () =>
      parseInitArgs(
        ["--token", "t", "--password", "p", "--rooms", "ok,Bad Name", "--admins", "alice"],
        {},
      ),
    (error: Error) =>
      /--hs \(or HS\)/.test(error.message) &&
      /--token goes alone, without --password/.test(error.message) &&
      /"Bad Name" is not a room alias/.test(error.message) &&
      /"alice" is not a user id/.test(error.message),
  );
  assert.throws(
    () =>
      communitySpec(
        parse(["--hs", "http://h", "--space-alias", "#c:other.org"]).community,
        "mine.org",
      ),
    /names the server other.org, but the bot is on mine.org/,
  );
});

test("writing the env into an existing file keeps its other lines and replaces the keys in place", () => {
  const before = "# prod\nexport HS=http://old\nHTTP_PORT=8001\nSPACE_ID=!old:x\nSPACE_ID=!dup:x\n";
  const after = mergeEnv(before, [
    ["HS", "http://new"],
    ["MATRIX_TOKEN", "syt_abc"],
    ["SPACE_ID", "!new:x"],
  ]);
  assert.equal(
    after,
    "# prod\nexport HS=http://new\nHTTP_PORT=8001\nSPACE_ID=!new:x\n\n# written by anteroom init\nMATRIX_TOKEN=syt_abc\n",
  );
  assert.equal(mergeEnv(after, [["SPACE_ID", "!new:x"]]), after, "a second write changes nothing");
});

test("what init writes, anteroom reads back unchanged (Node's own .env parser)", () => {
  const values = [
    "https://matrix.example.org",
    "syt_YW50ZXJvb20_abc-def_0a1b",
    "!AbC:example.org,!dEf:example.org",
    "/home/ada/My Community/data",
    "/srv/ada's data",
    "#hash and \\backslash",
  ];
  const text = renderEnv(values.map((value, i) => [`V${i}`, value] as const));
  assert.deepEqual(Object.values(parseEnv(text)), values, `written as:\n${text}`);
});

const bot = "@bot:x";
const spec = communitySpec(parse(["--hs", "http://h", "--rooms", "a"]).community, "x");

function state(extra: object[], opts: { botLevel?: number; version?: string } = {}) {
  return new RoomState([
    {
      type: "m.room.create",
      state_key: "",
      sender: bot,
      content: { room_version: opts.version ?? "11", type: "m.space" },
    },
    {
      type: "m.room.power_levels",
      state_key: "",
      sender: bot,
      content: { users: { [bot]: opts.botLevel ?? 200 }, state_default: 50 },
    },
    ...extra,
  ]);
}

test("a space that is already right needs nothing; a space made by hand needs its knock and links", () => {
  const done = state([
    { type: "m.room.join_rules", state_key: "", sender: bot, content: { join_rule: "knock" } },
    { type: "m.room.name", state_key: "", sender: bot, content: { name: "Renamed by people" } },
    { type: "m.room.topic", state_key: "", sender: bot, content: { topic: "Ours" } },
    {
      type: "m.room.history_visibility",
      state_key: "",
      sender: bot,
      content: { history_visibility: "shared" },
    },
    { type: "m.space.child", state_key: "!a:x", sender: bot, content: { via: ["x"] } },
  ]);
  const ctx = { botUserId: bot, childIds: ["!a:x"], via: ["x"] };
  assert.deepEqual(planSpace(done, spec, ctx), { changes: [], warnings: [] });

  const handMade = state([], { botLevel: 100 });
  const plan = planSpace(handMade, spec, ctx);
  assert.deepEqual(
    plan.changes.map((c) => c.type),
    [
      "m.room.join_rules",
      "m.room.name",
      "m.room.topic",
      "m.room.history_visibility",
      "m.space.child",
    ],
  );
  assert.match(plan.warnings.join(), /power level 100, below 200, and cannot raise itself/);
});

test("a room restricted to another space is restricted again to this one; a removed parent link comes back", () => {
  const room = state([
    {
      type: "m.room.join_rules",
      state_key: "",
      sender: bot,
      content: {
        join_rule: "restricted",
        allow: [{ type: "m.room_membership", room_id: "!other:x" }],
      },
    },
    { type: "m.space.parent", state_key: "!space:x", sender: bot, content: {} },
  ]);
  const plan = planRoom(room, spec.rooms[0]!, spec, {
    botUserId: bot,
    spaceId: "!space:x",
    via: ["x"],
  });
  const byType = new Map(plan.changes.map((c) => [c.type, c.content]));
  assert.deepEqual(byType.get("m.room.join_rules"), {
    join_rule: "restricted",
    allow: [{ type: "m.room_membership", room_id: "!space:x" }],
  });
  assert.deepEqual(byType.get("m.space.parent"), { via: ["x"], canonical: true });
});
