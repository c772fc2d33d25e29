#!/usr/bin/env node
/**
 * Bundles the compiled program (dist/src/entry/cli.js, from `tsc`) into dist/bundle/: one file for
 * what every start loads, and a chunk for each part loaded on demand (the console, encryption,
 * `anteroom init`, the demo), so a daemon still never loads the console.
 *
 * Why: Node keeps every loaded module's record and source text for the life of the process. The
 * daemon loads ~850 modules; as one file and a few chunks it is ~18 MB smaller resident (RSS when
 * ready 106 → 88 MB in test/bench/knocks.ts), with no change to what runs.
 * Identifiers are kept (only whitespace and syntax are minified) so that stack traces in the
 * daemon's log still name the functions. esbuild's keepNames stays off: it re-sets `name` on every
 * function as it is made (~7,400 places), which gives each closure a property array of its own
 * (1.2 MB more heap after 50 knocks, growing with rooms); without it, the few functions esbuild
 * renames to avoid a clash between modules show as e.g. `parse2` in a trace.
 */
import { rm } from "node:fs/promises";
import { build } from "esbuild";

// Left to Node's resolver at run time: packages that read files beside their own module
// (the crypto WebAssembly), and ink's development-only import.
const EXTERNAL = ["@matrix-org/matrix-sdk-crypto-wasm", "react-devtools-core"];

// CommonJS dependencies call require(); an ES module bundle must give them one.
const BANNER = [
  'import { createRequire as __anteroomCreateRequire } from "node:module";',
  "const require = __anteroomCreateRequire(import.meta.url);",
].join("\n");

// matrix-js-sdk's entry point re-exports its client for browser widgets, which loads
// matrix-widget-api (~165 KB); the program never uses it, but that package does not tell the bundler
// its modules may be left out when nothing of theirs is used (its enums look like side effects).
// Telling it here drops the whole package; a module whose export is used would still be kept.
const unusedSdkParts = {
  name: "unused-sdk-parts",
  setup(build) {
    build.onResolve({ filter: /^matrix-widget-api$/ }, async (args) => {
      if (args.pluginData === "resolving") return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: "resolving",
      });
      return { path: resolved.path, namespace: resolved.namespace, sideEffects: false };
    });
  },
};

// Chunk names carry a hash of their content: without this, every build would leave the old ones.
await rm("dist/bundle", { recursive: true, force: true });
await build({
  entryPoints: { anteroom: "dist/src/entry/cli.js" },
  outdir: "dist/bundle",
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node22",
  external: EXTERNAL,
  banner: { js: BANNER },
  plugins: [unusedSdkParts],
  // Renaming identifiers too would save ~3.5 MB more (RSS when ready 91 → 87 MB in one pair of
  // runs), at the cost of stack traces nobody can read.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
});
