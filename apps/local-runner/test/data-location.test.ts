// The engine's rule for finding a dataset under `--data D` (packages/engine-rs/src/job.rs
// `locate_dataset`), as aegis-local applies it before running: table-driven over directories that
// hold nothing but manifests, since only their presence and `name` matter here.
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkDirectory, locateDataset, notFoundMessage, type DatasetLocation } from "../src/data-location.js";
import { tempDirs } from "./temp-dirs.js";

const tmp = tempDirs("aegis-locate-");

/** A fresh directory with `files` (relative path → content) written into it. */
function tree(files: Record<string, string>): string {
  const root = tmp();
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const manifest = (name: string) => JSON.stringify({ schema_version: 1, name, tickers: ["SPX"], partitions: [] });

describe("locateDataset", () => {
  const cases: [string, Record<string, string>, (root: string) => DatasetLocation][] = [
    ["a root holding <name>/manifest.json", { "ds/manifest.json": manifest("ds") }, (r) => ({ kind: "nested", dir: join(r, "ds") })],
    ["the nested directory whatever its manifest's name", { "ds/manifest.json": manifest("renamed") }, (r) => ({ kind: "nested", dir: join(r, "ds") })],
    ["the dataset directory itself", { "manifest.json": manifest("ds") }, (r) => ({ kind: "itself", dir: r })],
    ["the nested directory before the root's own manifest", { "manifest.json": manifest("ds"), "ds/manifest.json": manifest("ds") }, (r) => ({ kind: "nested", dir: join(r, "ds") })],
    ["a dataset directory of another dataset", { "manifest.json": manifest("other") }, () => ({ kind: "other", other: "other" })],
    ["a root manifest that is not JSON (the engine reports it)", { "manifest.json": "{not json" }, (r) => ({ kind: "itself", dir: r })],
    ["a root manifest without a name (the engine reports it)", { "manifest.json": "{}" }, (r) => ({ kind: "itself", dir: r })],
    ["a root of other datasets, listed in byte order", { "b/manifest.json": manifest("b"), "B/manifest.json": manifest("B"), "a/manifest.json": manifest("a"), "notes/x.txt": "" }, () => ({ kind: "absent", holds: ["B", "a", "b"] })],
    ["an empty directory", {}, () => ({ kind: "absent", holds: [] })],
    ["a <name> directory without a manifest", { "ds/SPX/2023.arrow": "" }, () => ({ kind: "absent", holds: [] })],
    ["a <name>/manifest.json that is a directory", { "ds/manifest.json/x": "" }, () => ({ kind: "absent", holds: [] })],
  ];

  it.each(cases)("%s", (_, files, expected) => {
    const root = tree(files);
    expect(locateDataset(root, "ds")).toEqual(expected(root));
  });

  it("finds nothing under a path that does not exist", () => {
    expect(locateDataset(join(tmpdir(), "aegis-no-such-dir", "x"), "ds")).toEqual({ kind: "absent", holds: [] });
  });
});

describe("the not-found messages", () => {
  it("are the engine's, naming the root as the user wrote it", () => {
    expect(notFoundMessage("ds", "data/x", { kind: "other", other: "mine" })).toBe("dataset ds not found: data/x holds dataset mine");
    expect(notFoundMessage("ds", "data", { kind: "absent", holds: [] })).toBe("dataset ds not found under data (it holds no datasets)");
    expect(notFoundMessage("ds", "data", { kind: "absent", holds: ["a", "b"] })).toBe("dataset ds not found under data (it holds a, b)");
  });
});

describe("checkDirectory", () => {
  const root = tree({ "file.txt": "x" });

  it("accepts a directory", () => {
    expect(() => checkDirectory(root, "--data d", "hint")).not.toThrow();
  });

  it.each([
    ["a missing path", join(root, "missing"), "--data missing: no such directory"],
    ["a path under a file", join(root, "file.txt", "x"), "--data missing: no such directory"],
    ["a file", join(root, "file.txt"), "--data missing: not a directory (hint)"],
  ])("refuses %s with one line naming it", (_, path, message) => {
    expect(() => checkDirectory(path, "--data missing", "hint")).toThrow(expect.objectContaining({ message, code: "ERR_DATASET_NOT_FOUND" }));
  });

  it("accepts a missing path when asked (the cache before its first dataset), never a file", () => {
    expect(() => checkDirectory(join(root, "missing"), "cache", "hint", true)).not.toThrow();
    expect(() => checkDirectory(join(root, "file.txt"), "cache", "hint", true)).toThrow("cache: not a directory (hint)");
  });
});
