#!/usr/bin/env node
// Checked before anything else loads: the Matrix SDK fails in obscure ways on older Node.
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  process.stderr.write(
    `anteroom needs Node.js 22 or newer; this is ${process.version}. Install Node 22 (see the README) and run it again.\n`,
  );
  process.exit(1);
}

// V8 memory flags for the long-running daemon, measured with test/bench/knocks.ts:
// - a small young generation: each /sync answer and knock makes short-lived garbage, and V8's
//   default lets new space grow to 32 MB (×3 resident while scavenging), which was most of the
//   daemon's peak memory for no CPU gain;
// - optimize-for-size: V8 grows the old generation and keeps code more sparingly, about 17 MB
//   less resident at start for a little more CPU at start (none measurable per knock);
// - max-opt=2: hot functions go no further than V8's mid-tier compiler (Maglev), never to
//   TurboFan, whose own machine code (~3 MB of the node binary) and compile-time memory the daemon
//   then never touches: 3–5 MB less when ready and at the peak, CPU per knock unchanged;
// - no memory reducer: with optimize-for-size it ran two more full collections of the ~25 MB heap
//   8 s after each one, busy or not (most of the sequential knocks' garbage collection): about
//   5–8 ms less CPU per sequential knock, for 0.5–3 MB more at the peak and a heap not shrunk
//   once idle (2–6 MB more with 300 rooms open; docs/performance.md).
// All are fixed when V8 starts, so `v8.setFlagsFromString` here would be too late: replace this
// process with one started with them (same pid, same stdio, signals still reach it). A flag the
// operator set (command line or NODE_OPTIONS) is left alone; Node builds without execve run
// without them.
const DAEMON_V8_FLAGS = [
  { name: "max-semi-space-size", value: "=2" },
  { name: "optimize-for-size", value: "" },
  { name: "max-opt", value: "=2" },
  { name: "memory-reducer", value: "", off: true },
];
const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)].map((arg) =>
  arg.replaceAll("_", "-"),
);
const missing = DAEMON_V8_FLAGS.filter(
  ({ name }) => !given.some((arg) => arg.startsWith(`--${name}`) || arg === `--no-${name}`),
).map(({ name, value, off }) => (off ? `--no-${name}` : `--${name}${value}`));
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
