#!/bin/sh
# Builds anteroom for the image, in the current directory (the repository's files the
# Dockerfile copies). The Dockerfile runs it, and so does test/integration/image-entrypoint.test.ts,
# so what the test checks is what the image gets.
#   1. the exact dependencies of package-lock.json, without install scripts (only esbuild has
#      one, a check of its platform binary, which npm installs as an optional dependency anyway);
#   2. the TypeScript build to dist/ (tsconfig.build.json: core, src, ui), bundled into
#      dist/bundle/ (scripts/bundle.js), which bin/anteroom.js runs;
#   3. the dev dependencies removed, so the runtime stage copies production modules only.
set -eu
npm ci --ignore-scripts --no-audit --no-fund
npm run build
npm prune --omit=dev --ignore-scripts --no-audit --no-fund
