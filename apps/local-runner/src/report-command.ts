// `aegis-local report <dir>` as a library: (re)write report.html for a finished results directory
// or sweep output directory. A directory without `_SUCCESS` did not finish; it gets no report.
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { isSweepDir, writeReport, writeSweepReport } from "./report/index.js";
import { isFinished, SUCCESS_FILE } from "./results-dir.js";

export interface RewriteReportOptions {
  /** For a sweep: the swept path(s) of the metric chart (default the first two). */
  axes?: string[];
}

/** Rewrites `<dir>/report.html` (atomically) and returns its path; refuses a directory without `_SUCCESS`. */
export async function rewriteReport(dir: string, opts: RewriteReportOptions = {}): Promise<string> {
  const path = resolve(dir);
  const s = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`${dir}: ${err.code === "ENOENT" || err.code === "ENOTDIR" ? "no such directory" : `cannot read it (${err.code ?? err.message})`}`);
  });
  if (!s.isDirectory()) throw new Error(`${dir}: not a directory (name a results directory or a sweep's output directory)`);
  if (!(await isFinished(path))) {
    throw new Error(`${dir}: no ${SUCCESS_FILE}: the run did not finish (it failed, was interrupted or is still running), so there is nothing to report; run it again`);
  }
  return (await isSweepDir(path)) ? writeSweepReport(path, { axes: opts.axes }) : writeReport(path);
}
