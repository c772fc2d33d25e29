#!/usr/bin/env node
// Checked before anything else loads: the Matrix SDK fails in obscure ways on older Node.
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  process.stderr.write(
    `anteroom needs Node.js 22 or newer; this is ${process.version}. Install Node 22 (see the README) and run it again.\n`,
  );
  process.exit(1);
}

// A small young generation: each /sync answer and knock makes short-lived garbage, and V8's
// default lets new space grow to 32 MB (×3 resident while scavenging), which was most of the
// daemon's peak memory for no CPU gain (measured with test/bench/knocks.ts). The size is fixed
// when V8 starts, so `v8.setFlagsFromString` here would be too late: replace this process with
// one started with the flag (same pid, same stdio, signals still reach it). Skipped when the
// operator chose a size (command line or NODE_OPTIONS), and on Node builds without execve.
const SEMI_SPACE_FLAG = "--max-semi-space-size";
const SEMI_SPACE_MB = 2;
const chosen = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)].some(
  (arg) => arg.startsWith(SEMI_SPACE_FLAG) || arg.startsWith("--max_semi_space_size"),
);
// Only the long-running daemon gains from it; the console and one-off commands start faster without.
const daemon = process.argv.slice(2).includes("--daemon");
if (daemon && !chosen && typeof process.execve === "function") {
  process.execve(process.execPath, [
    process.execPath,
    ...process.execArgv,
    `${SEMI_SPACE_FLAG}=${SEMI_SPACE_MB}`,
    ...process.argv.slice(1),
  ]);
}
await import("../dist/src/entry/cli.js");
