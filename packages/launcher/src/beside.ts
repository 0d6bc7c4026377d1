// Files a scenario reads beside itself (`dates: { file }` signals): read from the scenario file's
// directory when a run is prepared, uploaded beside the scenario under `configs/<run>/` so the
// container (which reads the scenario from S3) finds them at the same relative path.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { InputError } from "./errors.js";

/** A file beside the scenario: its name as the scenario writes it, and its bytes. */
export interface BesideFile {
  name: string;
  bytes: Buffer;
}

/** Reads `names` from the directory of the scenario file `source`; a missing one is an InputError naming both. */
export function readBesideFiles(source: string, names: readonly string[]): BesideFile[] {
  const dir = dirname(source);
  return names.map((name) => {
    const path = join(dir, name);
    try {
      return { name, bytes: readFileSync(path) };
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : (e as Error).message;
      throw new InputError(`${source}: its dates file ${name} cannot be read beside it (${path}: ${why})`);
    }
  });
}
