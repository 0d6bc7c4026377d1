// Temporary directories for one test file, removed when its tests are done (datasets are large).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

/** Returns a maker of fresh directories named `<prefix><label>-XXXXXX` under the system temp dir. */
export function tempDirs(prefix: string): (label?: string) => string {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  return (label = "") => {
    const dir = mkdtempSync(join(tmpdir(), `${prefix}${label}-`));
    made.push(dir);
    return dir;
  };
}

/** Wraps a maker of fixture directories so that every directory it made is removed when the test file is done. */
export function removedAfterAll<O, F extends { dir: string }>(make: (opts?: O) => Promise<F>): (opts?: O) => Promise<F> {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  return async (opts) => {
    const fixture = await make(opts);
    made.push(fixture.dir);
    return fixture;
  };
}
