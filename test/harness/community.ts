export * from "../../src/devserver/community.js";
