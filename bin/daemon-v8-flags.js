// V8 flags for the long-running daemon, measured with test/bench/knocks.ts (docs/performance.md):
// - max-semi-space-size=2: a small young generation: each /sync answer and knock makes short-lived
//   garbage, and V8's default lets new space grow to 32 MB (×3 resident while scavenging), which
//   was most of the daemon's peak memory for no CPU gain;
// - optimize-for-size: V8 grows the old generation and keeps code more sparingly, about 17 MB
//   less resident at start for a little more CPU at start (none measurable per knock);
// - max-opt=2: hot functions go no further than V8's mid-tier compiler (Maglev), never to
//   TurboFan, whose own machine code (~3 MB of the node binary) and compile-time memory the daemon
//   then never touches: 3–5 MB less when ready and at the peak, CPU per knock unchanged;
// - no memory reducer: with optimize-for-size it ran two more full collections of the ~25 MB heap
//   8 s after each one, busy or not (most of the sequential knocks' garbage collection): about
//   5–8 ms less CPU per sequential knock, for 0.5–3 MB more at the peak and a heap not shrunk
//   once idle (2–6 MB more with 300 rooms open).
const DAEMON_V8_FLAGS = [
  { name: "max-semi-space-size", on: "--max-semi-space-size=2" },
  { name: "optimize-for-size", on: "--optimize-for-size" },
  { name: "max-opt", on: "--max-opt=2" },
  { name: "memory-reducer", on: "--no-memory-reducer" },
];

/**
 * The daemon's flags that the operator did not set, given node's own arguments and NODE_OPTIONS.
 * A flag counts as set in any spelling V8 takes (`--name`, `--name=…`, `--no-name`, `--noname`, `_` for `-`),
 * and only that flag: `--memory-reducer-gc-count=1` is another flag than `--memory-reducer`.
 */
export function missingDaemonFlags(execArgv, nodeOptions = "") {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)].map(
    (arg) => arg.split("=")[0]?.replaceAll("_", "-") ?? "",
  );
  return DAEMON_V8_FLAGS.filter(
    ({ name }) =>
      ![`--${name}`, `--no-${name}`, `--no${name}`].some((flag) => given.includes(flag)),
  ).map(({ on }) => on);
}
