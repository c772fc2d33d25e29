export * from "../../src/devserver/synapse.js";
