import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { startHomeserver, type TestHomeserver, type TestUser } from "../harness/homeserver.js";
import type { TestCommunity } from "../harness/community.js";
import { MatrixUserClient, MatrixHttpError } from "../../src/devserver/newcomer.js";
import { TestDaemon } from "../harness/daemon.js";
import { Newcomer } from "../harness/newcomer-flow.js";
import { runInitCommand } from "../../src/init/init-command.js";

let hs: TestHomeserver;
let admin: MatrixUserClient;
const dirs: string[] = [];

before(async () => {
  hs = await startHomeserver();
  admin = new MatrixUserClient(hs.url, hs.admin);
});

after(async () => {
  await hs?.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "anteroom-init-"));
  dirs.push(dir);
  return dir;
}

interface InitRun {
  code: number;
  out: string;
  err: string;
  env: Record<string, string>;
}

/** `anteroom init ARGS --write-env -` in this process, with an empty environment. */
async function init(...args: string[]): Promise<InitRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runInitCommand(
    ["--hs", hs.url, ...args, "--write-env", "-"],
    {},
    { out: (t) => out.push(t), err: (t) => err.push(t) },
  );
  return { code, out: out.join("\n"), err: err.join("\n"), env: parseEnv(out.join("\n")) };
}

function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match) env[match[1] ?? ""] = match[2] ?? "";
  }
  return env;
}

// The rooms as the server admin sees them, independent of the bot and of init's own code.
interface StateEvent {
  type: string;
  state_key: string;
  event_id: string;
  content: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function roomState(roomId: string): Promise<StateEvent[]> {
  const res = await admin.request<{ state: StateEvent[] }>(
    "GET",
    `/_synapse/admin/v1/rooms/${encodeURIComponent(roomId)}/state`,
  );
  return res.state;
}

async function stateContent(roomId: string, type: string, stateKey = "") {
  const event = (await roomState(roomId)).find((e) => e.type === type && e.state_key === stateKey);
  return event && Object.keys(event.content).length > 0 ? event.content : undefined;
}

/** Every current state event id of the rooms, and each room's newest event: a fingerprint. */
async function fingerprint(roomIds: string[]): Promise<string[]> {
  const prints: string[] = [];
  for (const roomId of roomIds) {
    const state = await roomState(roomId);
    prints.push(...state.map((e) => `${roomId} ${e.type} ${e.state_key} ${e.event_id}`).sort());
    const newest = await admin.request<{ chunk: { event_id: string }[] }>(
      "GET",
      `/_synapse/admin/v1/rooms/${encodeURIComponent(roomId)}/messages`,
      undefined,
      { query: { dir: "b", limit: 1 } },
    );
    prints.push(`${roomId} newest ${newest.chunk[0]?.event_id}`);
  }
  return prints;
}

function botClient(env: Record<string, string>, userId: string, url = hs.url): MatrixUserClient {
  const bot: TestUser = {
    userId,
    accessToken: env.MATRIX_TOKEN ?? "",
    deviceId: "",
    password: "",
    localpart: userId.slice(1, userId.indexOf(":")),
  };
  return new MatrixUserClient(url, bot);
}

async function whoami(token: string): Promise<{ user_id: string; device_id: string }> {
  const res = await fetch(`${hs.url}/_matrix/client/v3/account/whoami`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return (await res.json()) as { user_id: string; device_id: string };
}

const childIdsOf = (env: Record<string, string>) => (env.SPACE_CHILD_IDS ?? "").split(",");

test("init from nothing makes a knockable space with rooms restricted to it, linked both ways", async () => {
  const dataDir = await tempDir();
  const run = await init(
    "--registration-token",
    hs.registrationToken,
    "--username",
    "gatekeeper",
    "--space-alias",
    "#fresh",
    "--rooms",
    "fresh-general,fresh-intros=Say hello",
    "--data-dir",
    dataDir,
  );
  assert.equal(run.code, 0, run.err);
  const spaceId = run.env.SPACE_ID ?? "";
  const children = childIdsOf(run.env);
  assert.equal(children.length, 2);
  assert.equal(run.env.HS, hs.url);
  const botId = `@gatekeeper:${hs.serverName}`;
  assert.equal((await whoami(run.env.MATRIX_TOKEN ?? "")).user_id, botId);
  // The token is only in the env the run was asked to write, never in its progress lines.
  assert.ok(!run.err.includes(run.env.MATRIX_TOKEN ?? "?"), run.err);

  const create = await stateContent(spaceId, "m.room.create");
  assert.equal(create?.type, "m.space");
  assert.ok(Number(create?.room_version) >= 10, `room version ${create?.room_version}`);
  assert.equal((await stateContent(spaceId, "m.room.join_rules"))?.join_rule, "knock");
  assert.equal((await stateContent(spaceId, "m.room.power_levels"))?.users?.[botId], 200);
  assert.equal((await stateContent(spaceId, "m.room.name"))?.name, "Fresh");
  assert.match((await stateContent(spaceId, "m.room.topic"))?.topic ?? "", /invite code/);
  const resolved = await admin.request(
    "GET",
    `/directory/room/${encodeURIComponent(`#fresh:${hs.serverName}`)}`,
  );
  assert.equal(resolved.room_id, spaceId);
  for (const [i, childId] of children.entries()) {
    assert.deepEqual((await stateContent(childId, "m.room.join_rules"))?.allow, [
      { type: "m.room_membership", room_id: spaceId },
    ]);
    assert.equal((await stateContent(childId, "m.room.join_rules"))?.join_rule, "restricted");
    assert.deepEqual((await stateContent(childId, "m.space.parent", spaceId))?.via, [
      hs.serverName,
    ]);
    assert.deepEqual((await stateContent(spaceId, "m.space.child", childId))?.via, [hs.serverName]);
    assert.equal((await stateContent(childId, "m.room.power_levels"))?.users?.[botId], 200);
    assert.equal(
      (await stateContent(childId, "m.room.history_visibility"))?.history_visibility,
      "shared",
    );
    assert.equal(
      (await stateContent(childId, "m.room.name"))?.name,
      ["Fresh general", "Say hello"][i],
    );
  }

  // What people see: a stranger may knock on the space but not walk into a room; a member may.
  const stranger = new MatrixUserClient(hs.url, await hs.registerUser());
  await assert.rejects(
    stranger.join(children[0] ?? ""),
    (e: unknown) => (e as MatrixHttpError).status === 403,
  );
  await stranger.knock(spaceId, "let me in");
  const bot = botClient(run.env, botId);
  await bot.invite(spaceId, stranger.userId);
  await stranger.join(spaceId);
  await stranger.join(children[1] ?? "");
  assert.equal(await bot.membership(children[1] ?? "", stranger.userId), "join");

  const session = await stat(join(dataDir, "bot-session.json"));
  assert.equal(session.mode & 0o777, 0o600);
});

test("a second init sends nothing, and keeps the bot's device", async () => {
  const dataDir = await tempDir();
  const moderator = await hs.registerUser();
  const args = [
    "--registration-token",
    hs.registrationToken,
    "--username",
    "twice",
    "--space-alias",
    "twice",
    "--rooms",
    "twice-a,twice-b",
    "--data-dir",
    dataDir,
    "--admins",
    moderator.userId,
  ];
  const first = await init(...args);
  assert.equal(first.code, 0, first.err);
  const rooms = [first.env.SPACE_ID ?? "", ...childIdsOf(first.env)];
  for (const roomId of rooms) {
    assert.equal(
      (await stateContent(roomId, "m.room.power_levels"))?.users?.[moderator.userId],
      100,
    );
    assert.equal(
      (await stateContent(roomId, "m.room.member", moderator.userId))?.membership,
      "invite",
    );
  }
  const before = await fingerprint(rooms);

  const second = await init(...args);
  assert.equal(second.code, 0, second.err);
  assert.equal(second.env.SPACE_ID, first.env.SPACE_ID);
  assert.equal(second.env.SPACE_CHILD_IDS, first.env.SPACE_CHILD_IDS);
  assert.deepEqual(await fingerprint(rooms), before, "the second run changed the rooms");
  assert.match(second.err, /nothing to change/);
  assert.equal(
    (await whoami(second.env.MATRIX_TOKEN ?? "")).device_id,
    (await whoami(first.env.MATRIX_TOKEN ?? "")).device_id,
  );
});

test("a bot that logs in with a password keeps one device across runs, even after a logout", async () => {
  const dataDir = await tempDir();
  const user = await hs.registerUser("password-bot");
  const args = [
    "--username",
    user.localpart,
    "--password",
    user.password,
    "--space-alias",
    "pw",
    "--rooms",
    "pw-lounge",
    "--data-dir",
    dataDir,
  ];
  const first = await init(...args);
  assert.equal(first.code, 0, first.err);
  const device = (await whoami(first.env.MATRIX_TOKEN ?? "")).device_id;
  // The saved token is logged out: the next run must log in again, on the same device.
  const bot = botClient(first.env, user.userId);
  await bot.request("POST", "/logout", {});
  const second = await init(...args);
  assert.equal(second.code, 0, second.err);
  assert.notEqual(second.env.MATRIX_TOKEN, first.env.MATRIX_TOKEN);
  assert.equal((await whoami(second.env.MATRIX_TOKEN ?? "")).device_id, device);
  const third = await init(...args);
  assert.equal(third.env.MATRIX_TOKEN, second.env.MATRIX_TOKEN, "a valid saved session is reused");
  const devices = await botClient(second.env, user.userId).request<{
    devices: { device_id: string }[];
  }>("GET", "/devices");
  assert.deepEqual(
    devices.devices.map((d) => d.device_id).filter((id) => id === device),
    [device],
  );
  assert.ok(
    !devices.devices.some((d) => d.device_id !== device && d.device_id !== user.deviceId),
    JSON.stringify(devices),
  );
});

test("init --encrypted makes the child rooms and a private command room encrypted, and names the command room ADMIN_COMMAND_ROOM", async () => {
  const dataDir = await tempDir();
  const moderator = await hs.registerUser();
  const args = [
    "--registration-token",
    hs.registrationToken,
    "--username",
    "sealed",
    "--space-alias",
    "sealed",
    "--rooms",
    "sealed-general",
    "--admins",
    moderator.userId,
    "--data-dir",
    dataDir,
    "--encrypted",
  ];
  const run = await init(...args);
  assert.equal(run.code, 0, run.err);
  const spaceId = run.env.SPACE_ID ?? "";
  const [child] = childIdsOf(run.env);
  const commandRoom = run.env.ADMIN_COMMAND_ROOM ?? "";
  assert.ok(child && commandRoom, run.out);
  for (const roomId of [child, commandRoom])
    assert.equal(
      (await stateContent(roomId, "m.room.encryption"))?.algorithm,
      "m.megolm.v1.aes-sha2",
    );
  // The space stays readable to people knocking; the command room is private, outside the space.
  assert.equal(await stateContent(spaceId, "m.room.encryption"), undefined);
  assert.equal((await stateContent(commandRoom, "m.room.join_rules"))?.join_rule, "invite");
  assert.equal(await stateContent(spaceId, "m.space.child", commandRoom), undefined);
  assert.equal(
    (await stateContent(commandRoom, "m.room.member", moderator.userId))?.membership,
    "invite",
  );
  assert.equal(
    (await stateContent(commandRoom, "m.room.power_levels"))?.users?.[moderator.userId],
    100,
  );

  // Run again, it finds the same rooms and changes nothing.
  const before = await fingerprint([spaceId, child, commandRoom]);
  const again = await init(...args);
  assert.equal(again.code, 0, again.err);
  assert.equal(again.env.ADMIN_COMMAND_ROOM, commandRoom);
  assert.deepEqual(await fingerprint([spaceId, child, commandRoom]), before);
});

test("init finishes a half-made community: a hand-made space, then a lost link and a wrong join rule", async () => {
  const dataDir = await tempDir();
  const user = await hs.registerUser("half-bot");
  const bot = new MatrixUserClient(hs.url, user);
  // By hand: the space with its alias, invite-only, no rooms.
  const spaceId = await bot.createRoom({
    room_alias_name: "half",
    name: "Our Place",
    room_version: "11",
    preset: "private_chat",
    creation_content: { type: "m.space" },
  });
  const args = [
    "--token",
    user.accessToken,
    "--space-alias",
    "#half",
    "--rooms",
    "half-a,half-b",
    "--data-dir",
    dataDir,
  ];
  const first = await init(...args);
  assert.equal(first.code, 0, first.err);
  assert.equal(first.env.SPACE_ID, spaceId);
  assert.equal((await stateContent(spaceId, "m.room.join_rules"))?.join_rule, "knock");
  assert.equal(
    (await stateContent(spaceId, "m.room.name"))?.name,
    "Our Place",
    "a name the community chose stays",
  );
  const [a, b] = childIdsOf(first.env);
  for (const child of [a, b]) {
    assert.ok((await stateContent(spaceId, "m.space.child", child ?? "")) !== undefined);
    assert.equal((await stateContent(child ?? "", "m.room.join_rules"))?.join_rule, "restricted");
  }
  // A link removed and a room opened up to invites only.
  await bot.sendState(spaceId, "m.space.child", a ?? "", {});
  await bot.sendState(b ?? "", "m.space.parent", spaceId, {});
  await bot.sendState(b ?? "", "m.room.join_rules", "", { join_rule: "invite" });
  const second = await init(...args);
  assert.equal(second.code, 0, second.err);
  assert.equal(second.env.SPACE_CHILD_IDS, first.env.SPACE_CHILD_IDS);
  assert.deepEqual((await stateContent(spaceId, "m.space.child", a ?? ""))?.via, [hs.serverName]);
  assert.deepEqual((await stateContent(b ?? "", "m.space.parent", spaceId))?.via, [hs.serverName]);
  assert.equal((await stateContent(b ?? "", "m.room.join_rules"))?.join_rule, "restricted");
  assert.match(second.err, /3 changes made/);
  // The bot made the space by hand at 100 and cannot raise itself: init says so.
  assert.match(second.err, /warning: #half:\S+: the bot is at power level 100/);
});

test("init says clearly what is wrong: no homeserver, a bad token, an alias the bot cannot manage", async () => {
  const dataDir = await tempDir();
  let nowhereErr = "";
  const nowhere = await runInitCommand(
    ["--hs", "http://127.0.0.1:9", "--token", "x", "--data-dir", dataDir],
    {},
    { out: () => undefined, err: (t) => (nowhereErr += t) },
  );
  assert.equal(nowhere, 1);
  assert.match(nowhereErr, /the homeserver at http:\/\/127\.0\.0\.1:9 does not answer/);

  const badToken = await init("--token", "not-a-token", "--data-dir", dataDir);
  assert.equal(badToken.code, 1);
  assert.match(badToken.err, /refused the access token .*M_UNKNOWN_TOKEN/);

  // Someone else's room holds the alias.
  const other = new MatrixUserClient(hs.url, await hs.registerUser());
  await other.createRoom({
    room_alias_name: "taken",
    preset: "private_chat",
    creation_content: { type: "m.space" },
  });
  const user = await hs.registerUser();
  const taken = await init(
    "--token",
    user.accessToken,
    "--space-alias",
    "#taken",
    "--data-dir",
    dataDir,
  );
  assert.equal(taken.code, 1);
  assert.match(taken.err, /#taken:\S+ is taken by room !\S+, which the bot @\S+ cannot join/);

  const badFlags = await init("--rooms", "General Chat", "--username", "x", "--data-dir", dataDir);
  assert.equal(badFlags.code, 2);
  assert.match(badFlags.err, /--rooms: "General Chat" is not a room alias/);
  assert.match(badFlags.err, /--username needs --password/);
});

test("the env init writes starts the daemon, and a knock with a code gets its challenge", async () => {
  const dataDir = await tempDir();
  const envFile = join(await tempDir(), ".env");
  await writeFile(envFile, "# my settings\nHTTP_PORT=9999\nSPACE_ID=!old:example.org\n", {
    mode: 0o644,
  });
  const run = await execa(
    process.execPath,
    [
      "--import",
      "tsx",
      "src/entry/cli.ts",
      "init",
      "--hs",
      hs.url,
      "--data-dir",
      dataDir,
      "--rooms",
      "envroom",
      "--space-alias",
      "envspace",
      "--write-env",
      envFile,
    ],
    {
      reject: false,
      env: { REGISTRATION_TOKEN: hs.registrationToken, BOT_USERNAME: "env-bot", CI: "true" },
      timeout: 120_000,
    },
  );
  assert.equal(run.exitCode, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /wrote HS, MATRIX_TOKEN, SPACE_ID, SPACE_CHILD_IDS, DATA_DIR to /);
  const text = await readFile(envFile, "utf8");
  assert.match(text, /^# my settings\nHTTP_PORT=9999\nSPACE_ID=!/);
  assert.equal((await stat(envFile)).mode & 0o777, 0o600);
  const env = parseEnv(text);
  assert.notEqual(env.SPACE_ID, "!old:example.org");
  assert.ok(
    !`${run.stdout}${run.stderr}`.includes(env.MATRIX_TOKEN ?? "?"),
    "the token was printed",
  );

  const botId = `@env-bot:${hs.serverName}`;
  const community: TestCommunity = {
    bot: botClient(env, botId).user,
    botClient: botClient(env, botId),
    spaceId: env.SPACE_ID ?? "",
    childIds: childIdsOf(env),
  };
  const { HTTP_PORT: _port, ...settings } = env;
  const daemon = await TestDaemon.start(hs, community, {
    env: {
      ...settings,
      INITIAL_CODES: JSON.stringify({ HELLO: { uses_remaining: 5, label: "init test" } }),
    },
  });
  try {
    const newcomer = await Newcomer.register(hs, community, "Ada");
    await newcomer.knock("HELLO");
    const challenge = await newcomer.readChallenge(30_000);
    assert.match(challenge.text, /write a 3-line haiku about: /);
  } finally {
    await daemon.stop();
  }
});

/** The harness's Synapse keeps its registration_shared_secret in its run directory (JSON). */
async function sharedSecret(): Promise<string | undefined> {
  if (hs.runDir === undefined) return process.env.ANTEROOM_TEST_HS_SECRET;
  const config = await readFile(join(hs.runDir, "homeserver.yaml"), "utf8");
  const match = /"registration_shared_secret":\s*("(?:[^"\\]|\\.)*")/.exec(config);
  return match?.[1] === undefined ? undefined : (JSON.parse(match[1]) as string);
}

test("with the shared secret init registers the bot as a server admin, then reuses its session", async () => {
  const secret = await sharedSecret();
  assert.ok(secret, "no shared secret for this homeserver");
  const dataDir = await tempDir();
  const args = [
    "--hs",
    hs.url,
    "--shared-secret",
    secret,
    "--username",
    "secret-bot",
    "--space-alias",
    "secret",
    "--rooms",
    "secret-room",
    "--data-dir",
    dataDir,
  ];
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
  assert.equal(await runInitCommand(args, {}, io), 0, err.join("\n"));
  // Without --write-env the settings are printed without the token.
  const printed = parseEnv(out.join("\n"));
  assert.deepEqual(Object.keys(printed).sort(), ["DATA_DIR", "HS", "SPACE_CHILD_IDS", "SPACE_ID"]);
  assert.equal(printed.DATA_DIR, dataDir);
  const saved = JSON.parse(await readFile(join(dataDir, "bot-session.json"), "utf8"));
  assert.ok(
    !`${out.join("\n")}${err.join("\n")}`.includes(saved.access_token),
    "the token was printed",
  );
  const botId = `@secret-bot:${hs.serverName}`;
  assert.equal(saved.user_id, botId);
  const whois = await admin.request("GET", `/_synapse/admin/v2/users/${encodeURIComponent(botId)}`);
  assert.equal(whois.admin, true);

  // Again with the same secret: the saved session, not a second registration or device.
  err.length = 0;
  assert.equal(await runInitCommand(args, {}, io), 0, err.join("\n"));
  assert.match(err.join("\n"), /with the session saved in/);
  assert.match(err.join("\n"), /nothing to change/);
  // Logged out, and run with no credentials at all: the saved session logs in again, same device.
  const device = (await whoami(saved.access_token)).device_id;
  await fetch(`${hs.url}/_matrix/client/v3/logout`, {
    method: "POST",
    headers: { authorization: `Bearer ${saved.access_token}` },
  });
  const bare = args.filter(
    (_, i) =>
      !["--shared-secret", "--username"].includes(args[i - 1] ?? "") &&
      !["--shared-secret", "--username"].includes(args[i] ?? ""),
  );
  err.length = 0;
  assert.equal(await runInitCommand(bare, {}, io), 0, err.join("\n"));
  const relogged = JSON.parse(await readFile(join(dataDir, "bot-session.json"), "utf8"));
  assert.notEqual(relogged.access_token, saved.access_token);
  assert.equal((await whoami(relogged.access_token)).device_id, device);
  // Session lost, account there, no password given: init says what to do.
  await rm(join(dataDir, "bot-session.json"));
  err.length = 0;
  assert.equal(await runInitCommand(args, {}, io), 1);
  assert.match(err.join("\n"), /the bot account secret-bot already exists .*--password/);
});

test("on a server whose default room version is 12, init uses it and lists no creator in power levels", async () => {
  const v12 = await startHomeserver({ extraConfig: { default_room_version: "12" } });
  try {
    const dataDir = await tempDir();
    const args = [
      "--hs",
      v12.url,
      "--registration-token",
      v12.registrationToken,
      "--space-alias",
      "v12",
      "--rooms",
      "v12-room",
      "--data-dir",
      dataDir,
      "--write-env",
      "-",
    ];
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    assert.equal(await runInitCommand(args, {}, io), 0, err.join("\n"));
    const env = parseEnv(out.join("\n"));
    const bot = botClient(env, `@anteroom:${v12.serverName}`, v12.url);
    for (const roomId of [env.SPACE_ID ?? "", ...childIdsOf(env)]) {
      assert.equal((await bot.getState(roomId, "m.room.create")).room_version, "12");
      // The creator is above everyone in a v12 room, and may not be listed.
      assert.equal(
        (await bot.getState(roomId, "m.room.power_levels")).users?.[bot.userId],
        undefined,
      );
    }
    err.length = 0;
    assert.equal(await runInitCommand(args, {}, io), 0, err.join("\n"));
    assert.match(err.join("\n"), /nothing to change/);
    assert.doesNotMatch(err.join("\n"), /warning/);
  } finally {
    await v12.stop();
  }
});
