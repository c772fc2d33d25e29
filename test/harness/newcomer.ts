export * from "../../src/devserver/newcomer.js";
