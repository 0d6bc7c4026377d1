// Writes `<dir>/report.html` for a results directory or a sweep's output directory, through a
// temporary file and a rename: a reader sees the old report or the new one, never half of one.
import { writeFileAtomic } from "../results-dir.js";
import { loadResults } from "./load.js";
import { renderReport, type ReportOptions } from "./render.js";
import { loadSweep } from "./sweep-load.js";
import { renderSweepReport, type SweepReportOptions } from "./sweep-render.js";

export const REPORT_FILE = "report.html";

/** Loads the results in `dir`, renders the tearsheet and writes it to `<dir>/report.html`; returns that path. */
export async function writeReport(dir: string, opts?: ReportOptions): Promise<string> {
  return write(dir, renderReport(await loadResults(dir), opts));
}

/** Loads the sweep output in `dir`, renders the sweep report and writes it to `<dir>/report.html`; returns that path. */
export async function writeSweepReport(dir: string, opts?: SweepReportOptions): Promise<string> {
  return write(dir, renderSweepReport(await loadSweep(dir), opts));
}

async function write(dir: string, html: string): Promise<string> {
  return writeFileAtomic(dir, REPORT_FILE, html);
}
