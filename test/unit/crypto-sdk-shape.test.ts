// The crypto's per-sync savings (src/matrix/crypto/quiet-syncs.ts, own-device-list.ts) wrap
// matrix-js-sdk's processSyncChanges and onSyncCompleted, and read or wrap the OlmMachine's
// tracked users (tracked-users.ts) and outgoing requests (idle-request-loops.ts); on another SDK
// shape they quietly stand aside. This fails on an SDK upgrade that moves either, so the savings
// are rechecked rather than lost unnoticed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { RustCrypto } from "matrix-js-sdk/lib/rust-crypto/rust-crypto.js";
import { OlmMachine } from "@matrix-org/matrix-sdk-crypto-wasm";

test("matrix-js-sdk still has the sync hooks, the tracked-user list and the request queue the crypto savings use", () => {
  assert.equal(typeof RustCrypto.prototype.processSyncChanges, "function");
  assert.equal(typeof RustCrypto.prototype.onSyncCompleted, "function");
  assert.equal(typeof OlmMachine.prototype.trackedUsers, "function");
  assert.equal(typeof OlmMachine.prototype.updateTrackedUsers, "function");
  assert.equal(typeof OlmMachine.prototype.outgoingRequests, "function");
});
