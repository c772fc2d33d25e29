#!/usr/bin/env node
/**
 * Bundles the compiled program (dist/src/entry/cli.js, from `tsc`) into dist/bundle/: one file for
 * what every start loads, and a chunk for each part loaded on demand (the console, encryption,
 * `anteroom init`, the demo), so a daemon still never loads the console.
 *
 * Why: Node keeps every loaded module's record and source text for the life of the process. The
 * daemon loads ~850 modules; as one file and a few chunks it is ~18 MB smaller resident (RSS when
 * ready 106 → 88 MB in test/bench/knocks.ts), with no change to what runs.
 * Our own identifiers are kept (only whitespace and syntax are minified) so that stack traces in
 * the daemon's log still name its functions; the dependencies' are shortened (below). esbuild's
 * keepNames stays off: it re-sets `name` on every function as it is made (~7,400 places), which
 * gives each closure a property array of its own (1.2 MB more heap after 50 knocks, growing with
 * rooms); without it, the few functions esbuild renames to avoid a clash between modules show as
 * e.g. `parse2` in a trace.
 */
import { readFile, rm } from "node:fs/promises";
import { resolve } from "node:path";
import { build, transform } from "esbuild";

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

// Modules the daemon never runs, left out so that their source is not kept in memory. Should that
// change, a call into one fails with the message below instead of running without it.
const LEFT_OUT = [
  // Fastify's JSON Schema compilers (Ajv, fast-json-stringify) and its `inject` (light-my-request):
  // anteroom's servers validate with zod and give Fastify its own compilers
  // (src/http/shared/zod-only-schemas.ts), and nothing injects (~180 KB of source).
  {
    path: /^(@fastify\/ajv-compiler|@fastify\/fast-json-stringify-compiler|light-my-request)$/,
    why: "a route gave Fastify a JSON Schema, or called inject",
  },
  // prom-client's Pushgateway client, which loads Node's HTTPS client and zlib when prom-client
  // loads: Prometheus scrapes anteroom's /metrics, nothing pushes.
  {
    path: /^\.\/lib\/pushgateway$/,
    importer: /[\\/]prom-client[\\/]index\.js$/,
    why: "something pushed metrics to a Pushgateway",
  },
];
const leftOut = {
  name: "left-out",
  setup(build) {
    for (const { path, importer, why } of LEFT_OUT) {
      build.onResolve({ filter: path }, (args) =>
        importer && !importer.test(args.importer)
          ? undefined
          : { path: args.path, namespace: "left-out", pluginData: why },
      );
    }
    build.onLoad({ filter: /.*/, namespace: "left-out" }, (args) => ({
      // A function, so that `new` on a left-out class fails with this message too.
      contents: `module.exports = function leftOut() { throw new Error(${JSON.stringify(
        `${args.path} is left out of anteroom's bundle (scripts/bundle.js): ${args.pluginData}.`,
      )}); };`,
      loader: "js",
    }));
  },
};

// Node's `http` module has getters (WebSocket, CloseEvent, MessageEvent) that load undici, and with
// it Node's TLS, HTTP/2 and zlib modules and a WebAssembly parser (~15 MB resident), when read. An ES
// module import of a built-in reads every export, so `import { createServer } from "node:http"`
// alone would cost all of that; a require() reads only what is used. So the bundle takes `http`
// (the only built-in with such getters in Node 22) through require().
const httpByRequire = {
  name: "http-by-require",
  setup(build) {
    build.onResolve({ filter: /^(node:)?http$/ }, (args) =>
      args.kind === "import-statement" || args.kind === "dynamic-import"
        ? { path: args.path, namespace: "http-by-require" }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "http-by-require" }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: "js",
    }));
  },
};

// The dependencies' own identifiers are renamed short before bundling: V8 keeps every script's
// source for lazy compilation, and names live on in bytecode and feedback, so this is ~4 MB less
// resident. Our code (src/, core/, ui/) is left as it is, so the daemon's stack traces still name its
// functions. A CommonJS file's top-level names are only renamed when esbuild is told it is
// CommonJS (to its transform a top level is otherwise global), and an ES module must not be
// converted, so each input's module format is taken from a first pass of the same build.
function shortDependencyNames(formats) {
  return {
    name: "short-dependency-names",
    setup(build) {
      build.onLoad({ filter: /[\\/]node_modules[\\/].*\.[cm]?js$/ }, async (args) => {
        const source = patchDependency(args.path, await readFile(args.path, "utf8"));
        const format = formats.get(args.path) === "cjs" ? "cjs" : undefined;
        const { code } = await transform(source, { loader: "js", format, minifyIdentifiers: true });
        return { contents: code, loader: "js" };
      });
    },
  };
}

// Edits to dependencies' source, each for memory the daemon would otherwise hold for nothing. The
// build fails when a dependency's code no longer reads as expected, so an upgrade cannot undo one
// silently.
const SOURCE_PATCHES = [
  // matrix-js-sdk sorts a nameless room's members with `new Intl.Collator()`
  // (Room.calculateRoomName, run for each vetting room the SDK sees before its name event); V8 then
  // maps every locale's collation data, 1.9 MB of the node binary for the life of the process. The
  // daemon never shows that generated name, so a plain comparison of user IDs does.
  {
    file: /[\\/]matrix-js-sdk[\\/]lib[\\/]models[\\/]room\.js$/,
    from: "const collator = new Intl.Collator();\n      otherMembers.sort((a, b) => collator.compare(a.userId, b.userId));",
    to: "otherMembers.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));",
  },
  // Fastify loads Node's HTTPS and HTTP/2 servers when it loads, for servers made with its `https`
  // or `http2` options; anteroom's are plain HTTP (TLS ends at the proxy in front), and the two
  // modules with TLS under them are ~7 MB resident. Loaded on first use instead.
  {
    file: /[\\/]fastify[\\/]lib[\\/]server\.js$/,
    from: "const https = require('node:https')\nconst http2 = require('node:http2')\n",
    to: [
      "const https = new Proxy({}, { get: (_, key) => require('node:https')[key] })",
      "const http2 = new Proxy({}, { get: (_, key) => require('node:http2')[key] })",
      "",
    ].join("\n"),
  },
];

function patchDependency(path, source) {
  const patch = SOURCE_PATCHES.find((p) => p.file.test(path));
  if (!patch) return source;
  if (!source.includes(patch.from)) {
    throw new Error(
      `${path} no longer reads as scripts/bundle.js expects; update its SOURCE_PATCHES entry.`,
    );
  }
  return source.replace(patch.from, patch.to);
}

const options = {
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
  plugins: [unusedSdkParts, leftOut, httpByRequire],
  // Only whitespace and syntax: our own identifiers stay readable in traces (the dependencies'
  // are shortened above).
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
};

const { metafile } = await build({ ...options, write: false, metafile: true });
const formats = new Map(
  Object.entries(metafile.inputs).map(([input, { format }]) => [resolve(input), format]),
);
// Chunk names carry a hash of their content: without this, every build would leave the old ones.
await rm("dist/bundle", { recursive: true, force: true });
await build({
  ...options,
  plugins: [...options.plugins, shortDependencyNames(formats)],
});
