#!/usr/bin/env node
// Checked before anything else loads: the Matrix SDK fails in obscure ways on older Node.
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  process.stderr.write(
    `anteroom needs Node.js 22 or newer; this is ${process.version}. Install Node 22 (see the README) and run it again.\n`,
  );
  process.exit(1);
}
await import("../dist/src/cli.js");
