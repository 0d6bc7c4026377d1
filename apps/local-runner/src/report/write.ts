// Writes `<dir>/report.html` for a results directory.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { loadResults } from "./load.js";
import { renderReport, type ReportOptions } from "./render.js";

export const REPORT_FILE = "report.html";

/** Loads the results in `dir`, renders the tearsheet and writes it to `<dir>/report.html`; returns that path. */
export async function writeReport(dir: string, opts?: ReportOptions): Promise<string> {
  const html = renderReport(await loadResults(dir), opts);
  const path = join(dir, REPORT_FILE);
  await writeFile(path, html, "utf8");
  return path;
}
