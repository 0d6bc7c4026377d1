// What `run` and `sweep` do after the engine has written their directory without `_SUCCESS`:
// report.html (or, with --no-report, no stale report from an earlier run), then `_SUCCESS`, strictly
// last. A report that fails leaves the directory unmarked, so nothing looks finished that is not;
// so does Ctrl-C after the engine returned (the engine's own last check may have passed already).
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { AbortError, writeSuccessMarker } from "@aegis-bt/engine";
import { REPORT_FILE } from "./report/index.js";
import { SUCCESS_FILE } from "./results-dir.js";

/**
 * Writes the report with `report` (skipped when undefined), then `_SUCCESS`; returns the report's
 * path. An aborted `signal` stops before either and rejects with AbortError.
 */
export async function finishDirectory(dir: string, report: (() => Promise<string>) | undefined, signal?: AbortSignal): Promise<string | undefined> {
  const stopIfAborted = () => {
    if (signal?.aborted) throw new AbortError(`aborted: ${dir} is not marked finished (no ${SUCCESS_FILE})`);
  };
  stopIfAborted();
  let path: string | undefined;
  if (report) {
    try {
      path = await report();
    } catch (err) {
      const cause = err instanceof Error ? err.message : String(err);
      throw new Error(
        `${join(dir, REPORT_FILE)}: cannot write the report (${cause}); ${dir} is not marked finished (no ${SUCCESS_FILE}): run again, or with --no-report`,
        { cause: err },
      );
    }
  } else {
    // A report of an earlier run must not sit beside these results.
    await rm(join(dir, REPORT_FILE), { force: true });
  }
  stopIfAborted();
  writeSuccessMarker(dir); // the engine's own writer: a temporary name, then a rename
  return path;
}
