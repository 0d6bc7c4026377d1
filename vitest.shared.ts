// Shared vitest defaults: tests that spawn the real binaries or generate datasets need more than 5 s
// on a loaded 2-core machine, and they should not compete for the cores with each other.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default"],
    setupFiles: [fileURLToPath(new URL("./vitest.child-env.ts", import.meta.url))],
  },
});
