// Opens a written report.html in headless Chromium: it must render with no network, no errors,
// five visible charts, the full metrics table and the positions section; and that of an older
// results directory (no positions.arrow, no pnl_* columns) with notes in their place. Leaves
// screenshots at /tmp/report.png and /tmp/report-legacy.png.
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { METRIC_NAMES, writeReport } from "../src/report/index.js";
import { CHROMIUM, launchChromium } from "./browser.js";
import { writeFixture, type Fixture } from "./report-fixture.js";

const SCREENSHOT = "/tmp/report.png";
const SCREENSHOT_LEGACY = "/tmp/report-legacy.png";
const FIGURES = ["chart-equity", "chart-drawdown", "chart-attribution", "chart-monthly", "chart-pnl"];

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
    fx = await writeFixture({ hedge: { fills: 57, shares_traded: 12_340, pnl: -812.5, fees: 61.7 } });
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
    // The 10 largest of the fixture's 35 winners, then its 5 losers; every position in the folded table.
    expect(await page.locator("#positions-extremes tbody tr[data-position]").count()).toBe(15);
    expect(await page.locator("#positions-all tbody tr").count()).toBe(40);
    const box = await page.locator("#positions-extremes").boundingBox();
    expect(box?.height ?? 0).toBeGreaterThan(200);
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

  it.each(FIGURES.filter((id) => id !== "chart-attribution"))("still draws #%s", async (id) => {
    const box = await page.locator(`#${id} > svg`).boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(300);
  });
});
