// Opens a written report.html in headless Chromium: it must render with no network, no errors,
// four visible charts and the full metrics table. Leaves a screenshot at /tmp/report.png.
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { METRIC_NAMES, writeReport } from "../src/report/index.js";
import { writeFixture, type Fixture } from "./report-fixture.js";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT = "/tmp/report.png";
const FIGURES = ["chart-equity", "chart-drawdown", "chart-monthly", "chart-pnl"];

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
    fx = await writeFixture();
    const path = await writeReport(fx.dir, { title: "SPX short put spread, 30 DTE", scenarioText: "name: spx-short-put-30d\n" });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
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
});
