// `npm run bench` only (scripts/bench-report.mjs): the report's timings, kept out of `vitest run`.
import { defineConfig, mergeConfig } from "vitest/config";
import shared from "../../vitest.shared.ts";

export default mergeConfig(shared, defineConfig({ test: { include: ["bench/**/*.timing.ts"] } }));
