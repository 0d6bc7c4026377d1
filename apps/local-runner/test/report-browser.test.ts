// Opens a written report.html in headless Chromium: that of a portfolio run with market data and a
// benchmark must render with no network, no errors, every chart visible (equity, benchmark,
// drawdown, rolling Sharpe and volatility, attribution, monthly, P&L distribution, strategies, a
// price chart per ticker), the full metrics table, the new tables and the positions section; that
// of an older results directory (no positions.arrow, no pnl_* columns, none of the newer files) with
// notes in their place; one of 5,000 positions must load with every position listed (how fast: npm run bench); and
// that of a real run (the addon, a small synthetic dataset) whose scenario has a `montecarlo:`
// section must show the Monte Carlo section: fans, drawdown distributions and tables.
// Leaves full-page screenshots in apps/local-runner/test-artifacts/ (git-ignored): report.png,
// report-legacy.png, report-5000.png and report-montecarlo.png.
import { existsSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadResults, METRIC_NAMES, writeReport, type MonteCarloReport } from "../src/report/index.js";
import { runScenarioFile } from "../src/run.js";
import { ensureDataset } from "../src/synthetic.js";
import { artifact, CHROMIUM, launchChromium, openFile } from "./browser.js";
import { PORTFOLIO, writeFixture, type Fixture } from "./report-fixture.js";
import { tempDirs } from "./temp-dirs.js";

const SCREENSHOT = artifact("report.png");
const SCREENSHOT_LEGACY = artifact("report-legacy.png");
const SCREENSHOT_MANY = artifact("report-5000.png");
const SCREENSHOT_MONTECARLO = artifact("report-montecarlo.png");
const FIGURES = ["chart-equity", "chart-drawdown", "chart-attribution", "chart-monthly", "chart-pnl"];
/** The figures of the newer results files and fields, and the smallest width each is drawn at in a 1280-px window. */
const NEW_FIGURES: [string, number][] = [
  ["chart-benchmark", 600], ["chart-rolling", 600], ["chart-strategies", 1000], ["chart-price-1", 450], ["chart-price-2", 450],
];

const MISSING_CHROMIUM = `${CHROMIUM} not found: the report's browser test needs Debian's chromium package (apt-get install chromium); it fails rather than skips`;

it("finds Chromium", () => {
  expect(existsSync(CHROMIUM), MISSING_CHROMIUM).toBe(true);
});

describe("report.html in Chromium", () => {
  let browser: Browser | undefined;
  let page: Page;
  let fx: Fixture;
  const consoleErrors: string[] = [];
  const failedRequests: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(MISSING_CHROMIUM);
    fx = await writeFixture({ ...PORTFOLIO, hedge: { fills: 57, shares_traded: 12_340, pnl: -812.5, fees: 61.7 } });
    const path = await writeReport(fx.dir, { title: "SPX short put spread, 30 DTE", scenarioText: "name: spx-short-put-30d\n" });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("console", (msg) => {
      if (msg.type() === "error") consoleErrors.push(msg.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    page.on("requestfailed", (request) => failedRequests.push(`${request.url()}: ${request.failure()?.errorText ?? "failed"}`));
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(path).href, { waitUntil: "load" });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  afterAll(async () => {
    await browser?.close();
    if (fx) await rm(fx.dir, { recursive: true, force: true });
  });

  it("loads with no console errors, no failed requests and nothing but the page itself", () => {
    expect(consoleErrors).toEqual([]);
    expect(failedRequests).toEqual([]);
    expect(requests).toEqual([pathToFileURL(`${fx.dir}/report.html`).href]);
  });

  it.each(FIGURES)("draws #%s as a visible SVG with shapes", async (id) => {
    const svg = page.locator(`#${id} > svg`);
    expect(await svg.count()).toBe(1);
    const box = await svg.boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(300);
    expect(box?.height ?? 0).toBeGreaterThan(100);
    expect(await page.locator(`#${id} svg path, #${id} svg rect`).count()).toBeGreaterThan(3);
    expect((await page.locator(`#${id} figcaption`).innerText()).length).toBeGreaterThan(5);
  });

  it("keeps every chart inside the page width", async () => {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);
  });

  it("lists every metric in the metrics table", async () => {
    const keys = await page.locator("#metrics tr[data-metric]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-metric")));
    expect(keys.sort()).toEqual([...METRIC_NAMES].sort());
    for (const row of await page.locator("#metrics tr[data-metric] td").allInnerTexts()) expect(row.trim()).not.toBe("");
  });

  it("draws the attribution chart's legend: the seven sources and the equity change", async () => {
    const texts = await page.locator("#chart-attribution svg text").allTextContents();
    expect(texts).toEqual(expect.arrayContaining(["Delta", "Gamma", "Theta", "Vega", "Residual", "Hedge", "Other", "Equity change"]));
  });

  it("shows the P&L by source, the delta hedge and the positions section", async () => {
    expect(await page.locator("#attribution tr[data-source]").count()).toBe(8);
    expect(await page.locator("#hedge").isVisible()).toBe(true);
    expect(await page.locator("#positions h2").innerText()).toBe("Positions");
    expect(await page.locator("#positions-by-reason tbody tr").count()).toBe(2);
    // The 10 largest of the fixture's 34 winners, then its 6 losers.
    expect(await page.locator("#positions-extremes tbody tr[data-position]").count()).toBe(16);
    expect(await page.locator("#positions-extremes tbody tr.group th").allInnerTexts()).toEqual(["LARGEST 10 WINNERS", "LARGEST 6 LOSERS"]);
    const box = await page.locator("#positions-extremes").boundingBox();
    expect(box?.height ?? 0).toBeGreaterThan(200);
  });

  it.each(NEW_FIGURES)("draws #%s as a visible SVG of some size, with shapes", async (id, width) => {
    const svg = page.locator(`#${id} > svg`);
    expect(await svg.count()).toBe(1);
    const box = await svg.boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(width);
    expect(box?.height ?? 0).toBeGreaterThan(150);
    expect(await page.locator(`#${id} svg path`).count()).toBeGreaterThan(3);
  });

  it("marks entries and exits on the price charts, and names both panels of the rolling chart", async () => {
    expect(await page.locator("#chart-price-1 svg text").allTextContents()).toEqual(expect.arrayContaining(["Close", "Entry", "Exit, gain", "Exit, loss"]));
    expect(await page.locator("#chart-rolling svg text").allTextContents()).toEqual(expect.arrayContaining(["Sharpe ratio", "Volatility"]));
  });

  it("shows the benchmark, yearly returns, worst drawdowns, strategies and entry filters tables", async () => {
    for (const id of ["benchmark", "yearly-returns", "worst-drawdowns", "strategies-table", "filters-table"]) {
      const box = await page.locator(`#${id}`).boundingBox();
      expect(box?.height ?? 0, id).toBeGreaterThan(60);
    }
    expect(await page.locator("#worst-drawdowns tbody tr").count()).toBe(5);
    expect(await page.locator("#strategies-table tbody tr").count()).toBe(3);
    expect(await page.locator("#yearly-returns thead th").allInnerTexts()).toEqual(["Year", "Return", "Max drawdown", "SPX"]);
  });

  it("lists every position in a folded table that opens", async () => {
    expect(await page.locator("#positions-all tbody tr").count()).toBe(40);
    expect(await page.locator("#positions-all").isVisible()).toBe(false);
    await page.locator("#positions-all-block > summary").click();
    expect(await page.locator("#positions-all").isVisible()).toBe(true);
    expect((await page.locator("#positions-all").boundingBox())?.height ?? 0).toBeGreaterThan(300);
  });
});

describe("report.html of a results directory from before the P&L attribution, in Chromium", () => {
  let browser: Browser | undefined;
  let page: Page;
  let dir = "";
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(MISSING_CHROMIUM);
    dir = (await writeFixture({ legacy: true })).dir;
    const path = await writeReport(dir);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("console", (msg) => {
      if (msg.type() === "error") consoleErrors.push(msg.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(error.message));
    await page.goto(pathToFileURL(path).href, { waitUntil: "load" });
    await page.screenshot({ path: SCREENSHOT_LEGACY, fullPage: true });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("loads with no console errors and shows a note in place of the attribution chart and of the positions", async () => {
    expect(consoleErrors).toEqual([]);
    expect(await page.locator("#attribution-missing").innerText()).toMatch(/predates the P&L attribution/);
    expect(await page.locator("#positions-missing").innerText()).toMatch(/no positions\.arrow/);
    expect(await page.locator("#chart-attribution").count()).toBe(0);
  });

  it("says in one line why there is no benchmark and no price chart, and has no strategies section", async () => {
    expect(await page.locator("#benchmark-missing").innerText()).toMatch(/^No benchmark: /);
    expect(await page.locator("#prices-missing").innerText()).toMatch(/no market\.arrow/);
    expect(await page.locator("#strategies, #chart-benchmark, [id^=chart-price]").count()).toBe(0);
    expect((await page.locator("#chart-rolling > svg").boundingBox())?.width ?? 0).toBeGreaterThan(300);
  });

  it.each(FIGURES.filter((id) => id !== "chart-attribution"))("still draws #%s", async (id) => {
    const box = await page.locator(`#${id} > svg`).boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(300);
  });
});

describe("report.html of a run of 5,000 positions, in Chromium", () => {
  let browser: Browser | undefined;
  let dir = "";

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("loads with no console errors, every position in the table (its time is measured by npm run bench)", async () => {
    if (!existsSync(CHROMIUM)) throw new Error(MISSING_CHROMIUM);
    dir = (await writeFixture({ positions: 5_000, tradingDays: 1_260, tickers: ["SPX", "ACME", "QQQ"], strategies: ["a", "b"], market: {} })).dir;
    const path = await writeReport(dir);
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text()));
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(pathToFileURL(path).href, { waitUntil: "load" });
    expect(errors).toEqual([]);
    expect(await page.locator("#positions-all tbody tr").count()).toBe(5_000);
    expect((await page.locator("#chart-price-3 > svg").boundingBox())?.width ?? 0).toBeGreaterThan(300);
    await page.screenshot({ path: SCREENSHOT_MANY, fullPage: true });
  });
});

describe("report.html of a real run with a montecarlo: section, in Chromium", () => {
  const tmp = tempDirs("aegis-report-mc-");
  let browser: Browser | undefined;
  let page: Page;
  let errors: string[] = [];
  let report: MonteCarloReport | undefined;
  // A weekly short put on two years of synthetic SPX, with 200 resamples of each method.
  const scenario = `name: short-put-montecarlo
data:
  dataset: synthetic-spx-2y
  tickers: [SPX]
  start: 2022-01-03
  end: 2023-12-29
capital: 1000000
strategy:
  legs:
    - { right: put, side: short, qty: 1, dte: { target: 45, min: 30, max: 60 }, delta: { target: 0.30, min: 0.25, max: 0.35 } }
  entry: { every_trading_days: 5, max_open: 3 }
  exit: { profit_target: 0.5, stop_loss: 2.0, dte_exit: 21 }
  sizing: { contracts: 1 }
montecarlo: { resamples: 200 }
`;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(MISSING_CHROMIUM);
    const data = tmp("data");
    await ensureDataset(data, "synthetic-spx-2y", ["SPX"]);
    const file = join(tmp("scenario"), "short-put-montecarlo.yaml");
    writeFileSync(file, scenario);
    const out = tmp("out");
    const run = await runScenarioFile(file, { data, out });
    report = (await loadResults(out)).montecarlo;
    browser = await launchChromium();
    ({ page, errors } = await openFile(browser, run.report ?? join(out, "report.html")));
    await page.screenshot({ path: SCREENSHOT_MONTECARLO, fullPage: true });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
  });

  it("wrote montecarlo.json with both methods at 200 resamples", () => {
    expect(report?.bootstrap?.resamples).toBe(200);
    expect(report?.bootstrap?.block).toBe(20);
    expect(report?.reshuffle?.resamples).toBe(200);
  });

  it("loads with no console errors and shows the section, stating resamples, block and seed", async () => {
    expect(errors).toEqual([]);
    const section = page.locator("#montecarlo");
    expect(await section.isVisible()).toBe(true);
    expect(await section.locator("h2").innerText()).toBe("Monte Carlo robustness");
    const lede = await section.locator(".lede").innerText();
    expect(lede).toContain("blocks of 20 trading days");
    expect(lede).toContain("200 resamples");
    expect(lede).toContain("Seed 1");
    expect(await page.locator("#montecarlo .note-line").count()).toBe(0);
  });

  it.each(["chart-mc-fan-bootstrap", "chart-mc-fan-reshuffle", "chart-mc-drawdown-bootstrap", "chart-mc-drawdown-reshuffle"])(
    "draws #%s as a visible SVG with shapes, two to a row",
    async (id) => {
      const svg = page.locator(`#${id} > svg`);
      expect(await svg.count()).toBe(1);
      expect(await svg.isVisible()).toBe(true);
      const box = await svg.boundingBox();
      expect(box?.width ?? 0).toBeGreaterThan(450);
      expect(box?.width ?? 0).toBeLessThan(620);
      expect(box?.height ?? 0).toBeGreaterThan(180);
      expect(await page.locator(`#${id} svg path`).count()).toBeGreaterThan(5);
    },
  );

  it("labels the fans' band, median and the run's own path, and marks the run's drawdown", async () => {
    expect(await page.locator("#chart-mc-fan-bootstrap svg text").allTextContents()).toEqual(expect.arrayContaining(["5th–95th percentile", "Median", "This run", "Trading days"]));
    expect(await page.locator("#chart-mc-fan-reshuffle svg text").allTextContents()).toEqual(expect.arrayContaining(["This run’s order", "Trades"]));
    const marks = await page.locator("#chart-mc-drawdown-bootstrap svg text").allTextContents();
    expect(marks.some((t) => /^This run -\d+(\.\d)?%$/.test(t))).toBe(true);
  });

  it("shows the percentiles and the deeper-drawdown tables", async () => {
    expect(await page.locator("#mc-percentiles tbody tr[data-mc]").count()).toBe(8);
    expect(await page.locator("#mc-deeper tbody tr").count()).toBe(3);
    for (const id of ["mc-percentiles", "mc-deeper"]) expect((await page.locator(`#${id}`).boundingBox())?.height ?? 0, id).toBeGreaterThan(60);
    expect(await page.locator('#mc-percentiles tr[data-mc="bootstrap.cagr"] td').allInnerTexts()).toHaveLength(5);
  });

  it("shows the reshuffle's CAGR over the run's trading days: the same in every resample as the run's own order", async () => {
    const [label, ...values] = await page.locator('#mc-percentiles tr[data-mc="reshuffle.cagr"] td').allInnerTexts();
    expect(label).toBe("CAGR, the same in every order");
    expect(values).toHaveLength(4);
    expect(new Set(values).size).toBe(1);
    expect(values[0]).toMatch(/^-?\d+\.\d\d%$/);
    expect(report?.reshuffle?.cagr?.p5).toBe(report?.reshuffle?.cagr?.p95);
  });

  it("keeps the page within its width", async () => {
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
  });
});
