/**
 * Loaded into the benched daemon (NODE_OPTIONS --import) so the bench can see where its memory is:
 * on SIGUSR2 it writes process.memoryUsage() to BENCH_MEMORY_FILE. Plain JS: the daemon is a build.
 */
import { writeFileSync } from "node:fs";
import process from "node:process";

const file = process.env.BENCH_MEMORY_FILE;
if (file)
  process.on("SIGUSR2", () => {
    writeFileSync(file, JSON.stringify(process.memoryUsage()), { mode: 0o600 });
  });
