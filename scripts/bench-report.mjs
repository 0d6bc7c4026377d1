#!/usr/bin/env node
// `npm run bench`: the tearsheet of a large run — 5,000 positions over 1,260 trading days, three
// tickers, two strategies, market data (the report tests' fixture) — loaded, rendered to HTML and
// opened in headless Chromium (apps/local-runner/bench/report.timing.ts, run by vitest for its
// TypeScript). Figures go to docs/BENCHMARKS.md (bench:report); the tests assert no time.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fmt, machine, root, writeSection } from "./bench-doc.mjs";

const app = join(root, "apps", "local-runner");
const out = join(root, "target", "bench-report.json");
rmSync(out, { force: true });
const loadAtStart = loadavg()[0];
console.error("[bench-report] timing the report of 5,000 positions (5 runs each)…");
const child = spawnSync("npx", ["vitest", "run", "--config", "vitest.bench.config.ts"], {
  cwd: app,
  stdio: ["ignore", "inherit", "inherit"],
  env: { ...process.env, AEGIS_BENCH_OUT: out },
});
if (child.status !== 0) throw new Error(`the report timing failed (status ${child.status})`);
const r = JSON.parse(readFileSync(out, "utf8"));

writeSection(
  "report",
  `
### The tearsheet of a large run

Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench\` (\`scripts/bench-report.mjs\`) on ${machine()}; load average ${fmt(loadAtStart, 1)} at the start.
A run of ${fmt(r.positions)} positions over ${fmt(r.tradingDays)} trading days (three tickers, two strategies, market data: the
report tests' fixture), median of ${r.runs}:

| step | time |
|---|---|
| read the results directory (\`loadResults\`) | ${fmt(r.loadSeconds * 1000)} ms |
| render report.html (\`renderReport\`, ${fmt(r.htmlBytes / 2 ** 20, 1)} MiB of HTML) | ${fmt(r.renderSeconds * 1000)} ms |
| open it in headless Chromium until \`load\` (every position in the table) | ${fmt(r.chromiumLoadSeconds * 1000)} ms |

The report tests check that every position is listed and the page stays under 6 MB; how long it takes is measured here only.
`,
);
