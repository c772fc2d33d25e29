import { test } from "node:test";
import assert from "node:assert/strict";
import {
  classifyServerName,
  detectHomeserverFlavour,
  type Probe,
} from "../../src/matrix/homeserver-flavour.js";
import { HomeserverError } from "../../core/ports.js";

test("server names sort into the flavours that manage registration tokens", () => {
  assert.equal(classifyServerName("Synapse"), "synapse");
  assert.equal(classifyServerName("synapse"), "synapse");
  assert.equal(classifyServerName("Tuwunel"), "tuwunel");
  assert.equal(classifyServerName("tuwunel"), "tuwunel");
  assert.equal(classifyServerName("continuwuity"), "continuwuity");
  assert.equal(classifyServerName(" Continuwuity "), "continuwuity");
});

test("other homeservers, and look-alikes, are not mistaken for a supported one", () => {
  for (const name of [
    "Conduit",
    "conduwuit",
    "Dendrite",
    "construct",
    "",
    "not-synapse",
    "Synapse2",
  ]) {
    assert.equal(classifyServerName(name), "other", name);
  }
});

/** A homeserver answering some paths, 404 on the rest. */
function serving(paths: Record<string, Record<string, unknown>>): Probe & { asked: string[] } {
  const asked: string[] = [];
  const probe = async (path: string) => {
    asked.push(path);
    return paths[path];
  };
  return Object.assign(probe, { asked });
}

test("the federation version endpoint decides when it is served", async () => {
  const probe = serving({
    "/_matrix/federation/v1/version": { server: { name: "Synapse", version: "1.160.0" } },
  });
  assert.deepEqual(await detectHomeserverFlavour(probe), {
    kind: "synapse",
    name: "Synapse",
    version: "1.160.0",
  });
  assert.equal(probe.asked.length, 1);
});

test("without federation, the conduwuit family's own version endpoints decide", async () => {
  assert.equal(
    (
      await detectHomeserverFlavour(
        serving({ "/_continuwuity/server_version": { name: "continuwuity", version: "0.5.0" } }),
      )
    ).kind,
    "continuwuity",
  );
  assert.equal(
    (
      await detectHomeserverFlavour(
        serving({ "/_tuwunel/server_version": { name: "Tuwunel", version: "1.4.0" } }),
      )
    ).kind,
    "tuwunel",
  );
});

test("Synapse with federation on another listener is found by its admin version endpoint", async () => {
  const found = await detectHomeserverFlavour(
    serving({ "/_synapse/admin/v1/server_version": { server_version: "1.160.0" } }),
  );
  assert.equal(found.kind, "synapse");
  assert.equal(found.version, "1.160.0");
});

test("a server that answers nothing useful is 'other', and hostile names are cleaned", async () => {
  assert.deepEqual(await detectHomeserverFlavour(serving({})), { kind: "other", name: "unknown" });
  const found = await detectHomeserverFlavour(
    serving({
      "/_matrix/federation/v1/version": {
        server: { name: "Evil\u001b]0;x\u0007Server", version: 7 },
      },
    }),
  );
  assert.equal(found.kind, "other");
  assert.ok(
    [...found.name].every((c) => c >= " "),
    "no control characters",
  );
  assert.equal(found.version, undefined);
});

test("a homeserver that cannot be reached fails detection as a transient error", async () => {
  const down: Probe = async () => {
    throw new HomeserverError("connect ECONNREFUSED", true);
  };
  await assert.rejects(detectHomeserverFlavour(down), (error: HomeserverError) => error.transient);
});
