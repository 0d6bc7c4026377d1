// A results directory's finish line: `_SUCCESS` says everything in it was written. aegis-local's
// own files go in through a temporary name and a rename, so a reader never sees half of one.
import { randomBytes } from "node:crypto";
import { rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";

export const SUCCESS_FILE = "_SUCCESS";

/** Writes `<dir>/<name>` through a hidden temporary file and a rename; returns the path. */
export async function writeFileAtomic(dir: string, name: string, data: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  const tmp = join(dir, `.${name}.partial-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    await writeFile(tmp, data, { flag: "wx" });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return path;
}

/** True when `dir` holds `_SUCCESS`: everything in it was written and nothing failed. */
export async function isFinished(dir: string): Promise<boolean> {
  return stat(join(dir, SUCCESS_FILE)).then(
    (s) => s.isFile(),
    () => false,
  );
}
