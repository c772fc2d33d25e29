export * from "../../src/devserver/synapse.js";
export type * from "../../src/devserver/test-homeserver.js";
