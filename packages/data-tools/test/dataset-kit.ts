// What tests of datasets share: running the CLI, temporary directories removed after the test file,
// a dataset's bytes as a snapshot, cheap copies of a generated dataset, and, for the commands that add
// to a dataset from a CSV file (import-events, import-series, import-dates), the checks that a
// refusal leaves it as it was.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, expect } from "vitest";
import { readManifest } from "../src/manifest.js";

const CLI = new URL("../bin/aegis-data.js", import.meta.url).pathname;

/** Runs `aegis-data` with `args` (the built CLI in dist/). */
export const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, CI: "1" } });

export const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Every file under `dir` (relative path → sha256): what "unchanged byte for byte" compares. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(dir, path)] = sha256(readFileSync(path));
    }
  };
  walk(dir);
  return out;
}

/**
 * Temporary directories for one test file, removed when it is done: `tempRoot` a new one, `tempDir` a
 * path inside a new one (for a dataset to generate); `copyOf` copies a dataset with its partitions
 * hard-linked (the imports never write them), `csv` writes a file to import.
 */
export function datasetKit(prefix: string) {
  const roots: string[] = [];
  afterAll(() => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });
  const tempRoot = (): string => {
    const root = mkdtempSync(join(tmpdir(), prefix));
    roots.push(root);
    return root;
  };
  const tempDir = (): string => join(tempRoot(), "dataset");
  const copyOf = (dataset: string): string => {
    const dir = join(tempRoot(), "ds");
    const walk = (from: string, to: string) => {
      mkdirSync(to, { recursive: true });
      for (const name of readdirSync(from)) {
        const path = join(from, name);
        if (statSync(path).isDirectory()) walk(path, join(to, name));
        else if (name.endsWith(".arrow") && from !== dataset) linkSync(path, join(to, name));
        else copyFileSync(path, join(to, name));
      }
    };
    walk(dataset, dir);
    return dir;
  };
  const csv = (text: string | Buffer, name = "input.csv"): string => {
    const path = join(tempRoot(), name);
    writeFileSync(path, text);
    return path;
  };

  /** `aegis-data <command> <file> --dataset <ds> <args…>` is refused in one line, `<file>:<message>…`, and the dataset is unchanged. */
  const expectRefused = (command: string, ds: string, text: string | Buffer, message: string, ...args: string[]): void => {
    const before = snapshot(ds);
    const file = csv(text);
    const r = run(command, file, "--dataset", ds, ...args);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.startsWith(`aegis-data: error: ${file}:${message}`), r.stderr).toBe(true);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(snapshot(ds)).toEqual(before);
  };

  /**
   * `command` (with the good CSV text `good`, and `args` after the dataset) refuses a missing file, a
   * missing dataset, and a dataset whose root file `rootFile` differs from the manifest, naming each;
   * the dataset is unchanged.
   */
  const expectMissingAndDamagedRefused = (command: string, ds: string, rootFile: string, good: string, ...args: string[]): void => {
    const missing = join(tempRoot(), "nope.csv");
    let r = run(command, missing, "--dataset", ds, ...args);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`aegis-data: error: ${missing}: cannot read the file (ENOENT)\n`);
    r = run(command, csv(good), "--dataset", join(ds, "nope"), ...args);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`aegis-data: error: ${join(ds, "nope", "manifest.json")}: cannot read the dataset manifest (ENOENT)\n`);

    const path = join(ds, rootFile);
    const bytes = readFileSync(path);
    bytes[bytes.length - 30]! ^= 1;
    writeFileSync(path, bytes);
    const before = snapshot(ds);
    r = run(command, csv(good), "--dataset", ds, ...args);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^aegis-data: error: ${path}: sha256 [0-9a-f]{64} differs from the manifest's [0-9a-f]{64}\\n$`));
    expect(snapshot(ds)).toEqual(before);
  };

  /** The manifest stays the last thing written: when its write fails, `importFile(ds, good file)` leaves the dataset as it was. */
  const expectManifestWrittenLast = async (ds: string, importFile: (ds: string, csvPath: string) => Promise<unknown>, good: string): Promise<void> => {
    const before = snapshot(ds);
    const manifest = readManifest(ds);
    // A directory in the way of manifest.json.partial makes the manifest's write fail.
    mkdirSync(join(ds, "manifest.json.partial"));
    await expect(importFile(ds, csv(good))).rejects.toThrow(/manifest\.json\.partial/);
    rmSync(join(ds, "manifest.json.partial"), { recursive: true });
    expect(snapshot(ds)).toEqual(before);
    expect(readManifest(ds)).toEqual(manifest);
  };

  return { tempRoot, tempDir, copyOf, csv, expectRefused, expectMissingAndDamagedRefused, expectManifestWrittenLast };
}
