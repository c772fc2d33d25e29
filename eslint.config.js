import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";

// `import { z }` makes the bundler keep all of zod (every locale, JSON Schema): ~450 KB of source
// the daemon would hold in memory. The namespace import lets scripts/bundle.js drop them.
const ZOD_NAMESPACE_IMPORT = {
  selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier",
  message:
    'import zod as `import * as z from "zod"`, so that the bundle leaves its unused parts out',
};

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "bin/", ".tmp/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.tsx"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": [
        "error",
        // node:test's test() and describe() are awaited by the runner itself.
        {
          allowForKnownSafeCalls: [
            { from: "package", package: "node:test", name: ["test", "describe", "it", "suite"] },
          ],
        },
      ],
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "no-console": "error",
      "no-restricted-syntax": ["error", ZOD_NAMESPACE_IMPORT],
    },
  },
  {
    // core/ decides; it must not reach the outside world or the console.
    files: ["core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["**/src/**", "**/ui/**"], message: "core/ imports nothing from src/ or ui/" },
            {
              group: [
                "node:*",
                "fs",
                "http",
                "net",
                "matrix-js-sdk",
                "matrix-js-sdk/*",
                "ink",
                "react",
              ],
              message: "core/ does no I/O",
            },
          ],
        },
      ],
    },
  },
  {
    // The console's components and hooks (use-x.ts) follow the rules of hooks.
    files: ["ui/**/*.ts", "ui/**/*.tsx"],
    ...reactHooks.configs.flat.recommended,
  },
  {
    files: ["ui/**/*.ts", "ui/**/*.tsx"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["matrix-js-sdk", "matrix-js-sdk/*"],
              message: "the console never imports matrix-js-sdk",
            },
            {
              regex: "(^|/)src/(?!control/)",
              message: "ui/ talks to the engine through EngineApi and src/control only",
            },
          ],
        },
      ],
    },
  },
  {
    // Only the entry points (src/entry/: cli, daemon, in-process console, demo) start the console;
    // the rest of src/ is adapters the console reaches through src/control, never the other way.
    files: ["src/**/*.ts", "src/**/*.tsx"],
    ignores: ["src/entry/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^(\\.\\./)+ui(/|$)",
              message: "only src/entry/ imports ui/; move the code that needs the console there",
            },
          ],
        },
      ],
      "no-restricted-syntax": [
        "error",
        {
          selector: "ImportExpression[source.value=/^(\\.\\.\\/)+ui(\\/|$)/]",
          message: "only src/entry/ imports ui/; move the code that needs the console there",
        },
        ZOD_NAMESPACE_IMPORT,
      ],
    },
  },
  {
    // Entry points and the test harness talk to the terminal.
    files: ["src/entry/**/*.ts", "test/**/*.ts"],
    rules: { "no-console": "off" },
  },
);
