// Opens a written sweep report.html in headless Chromium: it must render with no network, no
// errors, its charts visible and the headline numbers shown; without cscv.json, the note instead
// of the CSCV charts. Leaves screenshots in apps/local-runner/test-artifacts/ (git-ignored): sweep-report.png and sweep-report-no-cscv.png.
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSweepReport } from "../src/report/index.js";
import { artifact, CHROMIUM, launchChromium } from "./browser.js";
import { DEFAULT_GRID, writeSweepFixture, type SweepFixture } from "./sweep-fixture.js";

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

  it("keeps everything inside the page width", async () => {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);
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
