// Opens a written sweep report.html in headless Chromium: it must render with no network, no
// errors, its charts visible and the headline numbers shown; without cscv.json, the note instead
// of the CSCV charts; with the files a newer engine writes after the points (hand-made beside the
// fixture, and from a real sweep through the addon whose scenario has `walk_forward:` and `spa:`
// sections), the walk-forward and multiple-testing sections and the plateau. Leaves screenshots in
// apps/local-runner/test-artifacts/ (git-ignored): sweep-report.png, sweep-report-no-cscv.png and
// sweep-report-research.png.
import { existsSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSweep, writeSweepReport, type SweepStats, type WalkForwardReport } from "../src/report/index.js";
import { sweepScenarioFile } from "../src/sweep.js";
import { ensureDataset } from "../src/synthetic.js";
import { artifact, CHROMIUM, launchChromium, openFile } from "./browser.js";
import { DEFAULT_GRID, writeSweepFixture, type SweepFixture } from "./sweep-fixture.js";
import { CASH_WINDOW, writeResearchFiles } from "./sweep-research-fixture.js";
import { tempDirs } from "./temp-dirs.js";

const FIGURES = ["chart-metric", "chart-logits", "chart-degradation"];

const MISSING_CHROMIUM = `${CHROMIUM} not found: the report's browser test needs Debian's chromium package (apt-get install chromium); it fails rather than skips`;

let browser: Browser | undefined;
const fixtures: SweepFixture[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(MISSING_CHROMIUM);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(fixtures.map((f) => rm(f.dir, { recursive: true, force: true })));
});

/** Writes the fixture's report, opens it and collects what went wrong while loading. */
async function open(fx: SweepFixture, screenshot: string): Promise<{ page: Page; errors: string[]; requests: string[]; path: string }> {
  fixtures.push(fx);
  const path = await writeSweepReport(fx.dir, { scenarioText: "name: spx-short-put-sweep\n" });
  const page = await (browser as Browser).newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(msg.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("requestfailed", (request) => errors.push(`${request.url()}: ${request.failure()?.errorText ?? "failed"}`));
  page.on("request", (request) => requests.push(request.url()));
  await page.goto(pathToFileURL(path).href, { waitUntil: "load" });
  await page.screenshot({ path: screenshot, fullPage: true });
  return { page, errors, requests, path };
}

describe("sweep report.html in Chromium", () => {
  let page: Page;
  let fx: SweepFixture;
  let errors: string[];
  let requests: string[];
  let path: string;

  beforeAll(async () => {
    fx = await writeSweepFixture({ grid: { ...DEFAULT_GRID, "strategy.exit.stop_loss": [1.5, 2] }, failed: [5], partitions: 16 });
    await writeResearchFiles(fx);
    ({ page, errors, requests, path } = await open(fx, artifact("sweep-report.png")));
  });

  it("loads with no console errors, no failed requests and nothing but the page itself", () => {
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(path).href]);
  });

  it.each(FIGURES)("draws #%s as a visible SVG with shapes", async (id) => {
    const svg = page.locator(`#${id} > svg`);
    expect(await svg.count()).toBe(1);
    const box = await svg.boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(300);
    expect(box?.height ?? 0).toBeGreaterThan(100);
    expect(await page.locator(`#${id} svg path, #${id} svg rect`).count()).toBeGreaterThan(3);
    expect((await page.locator(`#${id} figcaption`).innerText()).length).toBeGreaterThan(20);
  });

  it("shows the headline numbers of cscv.json", async () => {
    const cscv = fx.cscv as NonNullable<SweepFixture["cscv"]>;
    const kpi = (key: string) => page.locator(`.kpis li[data-kpi="${key}"] .value`).innerText();
    expect(await kpi("pbo")).toBe(`${(cscv.pbo * 100).toFixed(2)}%`);
    expect(await kpi("dsr")).toBe("0.81");
    expect(await page.locator('.kpis li[data-kpi="dsr"] .note').innerText()).toContain("p = 0.19");
    expect(await kpi("prob_loss")).toBe(`${(cscv.prob_loss * 100).toFixed(2)}%`);
    expect(await kpi("points")).toBe("24");
    expect(await kpi("combinations")).toBe("12,870");
  });

  it("says in the heatmap's caption that cells average over the third parameter", async () => {
    const caption = await page.locator("#chart-metric figcaption").innerText();
    expect(caption).toContain("average");
    expect(caption).toContain("strategy.exit.stop_loss");
  });

  it("lists the top points, best first, and the point that could not trade", async () => {
    const ranks = await page.locator("#top-points tbody tr td:first-child").allInnerTexts();
    expect(ranks).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1)));
    expect(await page.locator("#failed-points li").count()).toBe(1);
  });

  it.each(["chart-wf-equity", "chart-wf-params"])("draws the walk-forward's #%s across the page as a visible SVG", async (id) => {
    const svg = page.locator(`#${id} > svg`);
    expect(await svg.isVisible()).toBe(true);
    expect((await svg.boundingBox())?.width ?? 0).toBeGreaterThan(1000);
    expect(await page.locator(`#${id} svg path`).count()).toBeGreaterThan(5);
  });

  it("marks the window in cash, and shows the plateau and the multiple-testing tables", async () => {
    expect(await page.locator(`#wf-windows tr[data-window="${CASH_WINDOW}"] em`).innerText()).toBe("in cash");
    for (const id of ["plateau", "plateau-reading", "spa-stepdown", "spa-details", "wf-figures", "wf-windows"]) {
      expect(await page.locator(`#${id}`).isVisible(), id).toBe(true);
    }
    expect(await page.locator("#plateau-reading").innerText()).toContain("A spike");
  });

  it("keeps everything inside the page width", async () => {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);
  });
});

describe("sweep report.html of a real sweep with walk_forward: and spa: sections, in Chromium", () => {
  const tmp = tempDirs("aegis-sweep-research-");
  let browser: Browser | undefined;
  let page: Page;
  let errors: string[] = [];
  let walkForward: WalkForwardReport | null | undefined;
  let stats: SweepStats | null | undefined;
  // A year of synthetic SPX, 3 × 2 points; windows of 60 trading days in sample and 20 out.
  const scenario = `name: sweep-research
data: { dataset: synthetic-spx-1y, tickers: [SPX], start: 2023-01-03, end: 2023-12-29 }
capital: 1000000
strategy:
  legs:
    - { right: put, side: short, qty: 1, dte: { target: 45, min: 30, max: 60 }, delta: { target: 0.3, min: 0.05, max: 0.45 } }
  entry: { every_trading_days: 5, max_open: 3 }
  exit: { profit_target: 0.5, stop_loss: 2, dte_exit: 21 }
  sizing: { contracts: 1 }
costs: { commission_per_contract: 0.65, slippage: { spread_fraction: 0.5 } }
sweep:
  grid:
    "strategy.legs[0].delta.target": [0.15, 0.25, 0.35]
    "strategy.exit.profit_target": [0.5, 0.75]
cscv: { partitions: 4 }
walk_forward: { in_sample: 60, out_of_sample: 20 }
spa: { benchmark: buy_and_hold, bootstrap: 200 }
`;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(MISSING_CHROMIUM);
    const data = tmp("data");
    await ensureDataset(data, "synthetic-spx-1y", ["SPX"]);
    const file = join(tmp("scenario"), "sweep-research.yaml");
    writeFileSync(file, scenario);
    const out = join(tmp("out"), "sweep");
    const r = await sweepScenarioFile(file, { data, out });
    ({ walkForward, stats } = r.result);
    expect((await loadSweep(out)).walkForward?.report).toEqual(walkForward);
    browser = await launchChromium();
    ({ page, errors } = await openFile(browser, r.report ?? join(out, "report.html")));
    await page.screenshot({ path: artifact("sweep-report-research.png"), fullPage: true });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
  });

  it("wrote walk_forward.json and stats.json with the SPA against SPX bought and held", () => {
    expect(walkForward?.in_sample).toBe(60);
    expect(walkForward?.windows.length ?? 0).toBeGreaterThanOrEqual(5);
    expect(stats?.spa?.benchmark).toBe("benchmark:SPX");
    expect(stats?.spa?.models).toBe(6);
  });

  it("loads with no console errors and keeps the page within its width", async () => {
    expect(errors).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
  });

  it("shows the walk-forward section: its figures, both charts as visible SVGs and a row per window", async () => {
    const section = page.locator("#walk-forward");
    expect(await section.isVisible()).toBe(true);
    expect(await section.locator("h2").innerText()).toBe("Walk-forward");
    expect(await page.locator('.kpis li[data-kpi="wf-windows"] .value').innerText()).toBe(String(walkForward?.windows.length));
    expect(await page.locator('.kpis li[data-kpi="wf-total-return"] .value').innerText()).toMatch(/^-?\d+\.\d\d%$/);
    for (const id of ["chart-wf-equity", "chart-wf-params"]) {
      const svg = page.locator(`#${id} > svg`);
      expect(await svg.isVisible(), id).toBe(true);
      const box = await svg.boundingBox();
      expect(box?.width ?? 0, id).toBeGreaterThan(1000);
      expect(box?.height ?? 0, id).toBeGreaterThan(150);
      expect(await page.locator(`#${id} svg path`).count(), id).toBeGreaterThan(5);
    }
    expect(await page.locator("#chart-wf-params svg text").allTextContents()).toEqual(expect.arrayContaining(["delta.target", "exit.profit_target"]));
    expect(await page.locator("#wf-windows tbody tr").count()).toBe(walkForward?.windows.length);
  });

  it("shows the multiple-testing section: the p-values, the stepdown per level and the details", async () => {
    expect(await page.locator("#multiple-testing h2").innerText()).toBe("Multiple testing");
    const spa = stats?.spa;
    expect(await page.locator('.kpis li[data-kpi="spa-consistent"] .value').innerText()).toBe(spa?.spa.consistent.toFixed(3));
    expect(await page.locator('.kpis li[data-kpi="reality-check"] .value').innerText()).toBe(spa?.reality_check.toFixed(3));
    expect(await page.locator("#spa-stepdown tbody tr").count()).toBe(spa?.stepdown.length);
    expect(await page.locator("#spa-details").innerText()).toContain("SPX bought and held");
    expect(await page.locator("#spa-reading").isVisible()).toBe(true);
  });

  it("shows the plateau beside the CSCV details, with its reading", async () => {
    expect(await page.locator("aside #plateau").isVisible()).toBe(true);
    expect(await page.locator("#plateau").innerText()).toContain(stats?.plateau?.best_point ?? "no plateau");
    expect(await page.locator("#plateau-reading").innerText()).toMatch(/^(Best point: .+\. )?(A plateau|A slope|A spike|No neighbours|Even the best)/);
  });
});

describe("sweep report.html without cscv.json, over one parameter", () => {
  it("draws the bar chart and says the scenario had no cscv section", async () => {
    const fx = await writeSweepFixture({ grid: { "strategy.legs[0].delta.target": [0.1, 0.16, 0.2, 0.25, 0.3] }, cscv: false });
    const { page, errors } = await open(fx, artifact("sweep-report-no-cscv.png"));
    expect(errors).toEqual([]);
    const box = await page.locator("#chart-metric > svg").boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(300);
    expect(box?.height ?? 0).toBeGreaterThan(100);
    expect(await page.locator("#chart-logits, #chart-degradation").count()).toBe(0);
    expect(await page.locator("#cscv-missing").innerText()).toMatch(/no cscv section/i);
    expect(await page.locator(".kpis li[data-kpi='points'] .value").innerText()).toBe("5");
  });
});
