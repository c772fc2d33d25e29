#!/usr/bin/env node
// Checked before anything else loads: the Matrix SDK fails in obscure ways on older Node.
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  process.stderr.write(
    `anteroom needs Node.js 22 or newer; this is ${process.version}. Install Node 22 (see the README) and run it again.\n`,
  );
  process.exit(1);
}

// The daemon's V8 flags (bin/daemon-v8-flags.js says what each buys) are fixed when V8 starts, so
// `v8.setFlagsFromString` here would be too late: replace this process with one started with them
// (same pid, same stdio, signals still reach it). A flag the operator set (command line or
// NODE_OPTIONS) is left alone; Node builds without execve run without them.
const { missingDaemonFlags } = await import("./daemon-v8-flags.js");
const missing = missingDaemonFlags(process.execArgv, process.env.NODE_OPTIONS);
// Only the long-running daemon gains from them; the console and one-off commands start faster without.
const daemon = process.argv.slice(2).includes("--daemon");
// glibc's malloc raises its trim threshold each time a large block is freed (V8 frees its parser's
// and compilers' memory so at start), and memory freed after that stays in the process. Fixed at
// glibc's own default (128 KB) it goes back: 1.5–2 MB less in the knock bench. Other C libraries
// ignore it.
const env = { MALLOC_TRIM_THRESHOLD_: "131072", ...process.env };
// The re-executed process has every flag already, so it never re-executes again.
if (daemon && missing.length > 0 && typeof process.execve === "function") {
  process.execve(
    process.execPath,
    [process.execPath, ...process.execArgv, ...missing, ...process.argv.slice(1)],
    env,
  );
}
// The bundle of dist/src/entry/cli.js (scripts/bundle.js says why).
await import("../dist/bundle/anteroom.js");
