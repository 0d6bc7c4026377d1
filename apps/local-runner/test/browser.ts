// Headless Chromium for the report tests: one way to launch it, a page that collects what went
// wrong while loading (console errors, uncaught exceptions), and where screenshots are kept.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
}

/** Opens the local file `path` in a new 1280×900 page; `errors` fills as the page reports them. */
export async function openFile(browser: Browser, path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(pathToFileURL(path).href);
  return { page, errors };
}

/** apps/local-runner/test-artifacts/ (git-ignored): the reports' screenshots, kept after the tests for a look. */
export const ARTIFACTS = fileURLToPath(new URL("../test-artifacts/", import.meta.url));

/** The path of the artifact `name` under ARTIFACTS, the directory made if need be. */
export function artifact(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}
