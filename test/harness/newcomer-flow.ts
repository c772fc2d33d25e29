export * from "../../src/devserver/newcomer-flow.js";
