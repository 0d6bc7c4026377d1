// Times the tearsheet for `npm run bench` (scripts/bench-report.mjs), never asserted in a test: a
// run of 5,000 positions over 1,260 trading days (the fixture of the report tests), loaded and
// rendered to HTML in Node, then opened in headless Chromium. Writes the medians as JSON to
// $AEGIS_BENCH_OUT.
import { writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";
import { expect, it } from "vitest";
import { loadResults, renderReport, writeReport } from "../src/report/index.js";
import { launchChromium } from "../test/browser.js";
import { writeFixture } from "../test/report-fixture.js";

const RUNS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Seconds each of `runs` calls of `work` took. */
async function timed(runs: number, work: () => Promise<unknown> | unknown): Promise<number[]> {
  const seconds: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await work();
    seconds.push((performance.now() - start) / 1000);
  }
  return seconds;
}

it("times the report of 5,000 positions", async () => {
  const out = process.env.AEGIS_BENCH_OUT;
  expect(out, "AEGIS_BENCH_OUT names the JSON file to write").toBeTruthy();
  const positions = 5_000;
  const tradingDays = 1_260;
  const { dir } = await writeFixture({ positions, tradingDays, tickers: ["SPX", "ACME", "QQQ"], strategies: ["a", "b"], market: {} });
  try {
    const load = await timed(RUNS, () => loadResults(dir));
    const results = await loadResults(dir);
    let bytes = 0;
    const render = await timed(RUNS, () => {
      bytes = renderReport(results).length;
    });
    const path = await writeReport(dir);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const open = await timed(RUNS, () => page.goto(pathToFileURL(path).href, { waitUntil: "load" }));
      expect(await page.locator("#positions-all tbody tr").count()).toBe(positions);
      writeFileSync(out as string, `${JSON.stringify({ positions, tradingDays, runs: RUNS, loadSeconds: median(load), renderSeconds: median(render), htmlBytes: bytes, chromiumLoadSeconds: median(open) })}\n`);
    } finally {
      await browser.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 300_000);
