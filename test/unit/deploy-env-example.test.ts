// deploy/.env.example cannot drift: it lists every setting the daemon reads (src/config.ts's
// SETTING_NAMES) and every variable the compose files interpolate, nothing else, and each
// entry says what it is, its default and an example.

import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { SETTING_NAMES } from "../../src/config.js";

const DEPLOY = fileURLToPath(new URL("../../deploy/", import.meta.url));

interface Entry {
  readonly name: string;
  /** The comment lines right above it (blank lines end a block; a bare NAME= line shares none). */
  readonly doc: string;
}

/** `NAME=` lines with the comment block just above each. */
function parseEnvExample(text: string): Entry[] {
  const entries: Entry[] = [];
  let comment: string[] = [];
  for (const line of text.split("\n")) {
    const variable = /^([A-Z][A-Z0-9_]*)=/.exec(line);
    if (variable?.[1]) {
      entries.push({ name: variable[1], doc: comment.join("\n") });
      comment = [];
    } else if (line.startsWith("#")) {
      comment.push(line);
    } else {
      comment = [];
    }
  }
  return entries;
}

/** `${NAME}`, `${NAME:-default}`, `${NAME:?message}` in the compose files. */
async function composeVariables(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const file of await readdir(DEPLOY)) {
    if (!/^compose.*\.ya?ml$/.test(file)) continue;
    const text = await readFile(join(DEPLOY, file), "utf8");
    for (const match of text.matchAll(/\$\{([A-Z][A-Z0-9_]*)(?:[:?-][^}]*)?\}/g))
      if (match[1]) names.add(match[1]);
  }
  return names;
}

const entries = parseEnvExample(await readFile(join(DEPLOY, ".env.example"), "utf8"));
const documented = entries.map((entry) => entry.name);

test("config.ts names the settings it reads (the list this check relies on)", () => {
  for (const name of ["HS", "MATRIX_TOKEN", "SPACE_ID", "DATA_DIR", "TRUSTED_PROXIES"])
    assert.ok(SETTING_NAMES.includes(name), name);
});

test(".env.example documents every setting the daemon reads", () => {
  const missing = SETTING_NAMES.filter((name) => !documented.includes(name));
  assert.deepEqual(missing, [], `add these to deploy/.env.example: ${missing.join(", ")}`);
});

test(".env.example documents every variable the compose files use", async () => {
  const missing = [...(await composeVariables())].filter((name) => !documented.includes(name));
  assert.deepEqual(missing, [], `add these to deploy/.env.example: ${missing.join(", ")}`);
});

test(".env.example lists nothing that neither the daemon nor the compose files read", async () => {
  const known = new Set([...SETTING_NAMES, ...(await composeVariables())]);
  const unknown = documented.filter((name) => !known.has(name));
  assert.deepEqual(unknown, [], `not read anywhere: ${unknown.join(", ")}`);
});

test("each entry appears once and says what it is, its default and an example", () => {
  const twice = documented.filter((name, i) => documented.indexOf(name) !== i);
  assert.deepEqual(twice, [], "listed twice");
  for (const { name, doc } of entries) {
    assert.match(doc, /Default: \S/, `${name} states its default`);
    assert.match(doc, /Example: \S/, `${name} gives an example`);
  }
});

test("the entries are blank, so only what the operator fills in overrides a default", async () => {
  // A value in the example would be taken as a real setting by whoever copies it.
  const raw = await readFile(join(DEPLOY, ".env.example"), "utf8");
  const filled = raw.split("\n").filter((line) => /^[A-Z][A-Z0-9_]*=\S/.test(line));
  assert.deepEqual(filled, []);
});
