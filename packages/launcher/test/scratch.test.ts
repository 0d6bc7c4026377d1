import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.ts";
import { checkScratchDir, scratchRequest } from "../src/scratch.ts";

const base = mkdtempSync(join(tmpdir(), "aegis-scratch-test-"));

describe("scratchRequest", () => {
  it("takes --scratch-dir over $AEGIS_SCRATCH_DIR, and an empty variable as unset", () => {
    expect(scratchRequest("/a", { AEGIS_SCRATCH_DIR: "/b" })).toEqual({ dir: "/a", origin: "--scratch-dir" });
    expect(scratchRequest(undefined, { AEGIS_SCRATCH_DIR: "/b" })).toEqual({ dir: "/b", origin: "AEGIS_SCRATCH_DIR" });
    expect(scratchRequest(undefined, { AEGIS_SCRATCH_DIR: " " })).toBeUndefined();
    expect(scratchRequest(undefined, {})).toBeUndefined();
    expect(scratchRequest("", {})).toEqual({ dir: "", origin: "--scratch-dir" });
  });
});

describe("checkScratchDir", () => {
  it("makes a missing directory, parents included, and returns it absolute", async () => {
    const dir = join(base, "made", "deeper");
    expect(await checkScratchDir(dir, "--scratch-dir", { create: true })).toBe(dir);
    expect(existsSync(dir)).toBe(true);
    // The check's own temporary entry is gone.
    expect(readdirSync(dir)).toEqual([]);
    const rel = join("..", "..", base, "made");
    expect(await checkScratchDir(rel, "--scratch-dir")).toBe(resolve(rel));
  });

  it("makes nothing for a dry run", async () => {
    const dir = join(base, "dry", "run");
    expect(await checkScratchDir(dir, "--scratch-dir")).toBe(dir);
    expect(existsSync(join(base, "dry"))).toBe(false);
  });

  it("refuses what cannot be a scratch directory, in one line naming the flag or the variable", async () => {
    const file = join(base, "a-file");
    writeFileSync(file, "x");
    mkdirSync(join(base, "ok"), { recursive: true });
    const cases: [string, string, boolean, string][] = [
      ["", "--scratch-dir", true, "--scratch-dir is empty: name a directory for scratch files, or leave it unset for the default"],
      ["  ", "--scratch-dir", false, "--scratch-dir is empty: name a directory for scratch files, or leave it unset for the default"],
      [file, "--scratch-dir", true, `--scratch-dir ${file}: it is not a directory: name a directory for scratch files`],
      [join(file, "sub", "dir"), "AEGIS_SCRATCH_DIR", false, `AEGIS_SCRATCH_DIR ${join(file, "sub", "dir")}: ${file} is not a directory: name a directory for scratch files`],
      // procfs lets nobody, root included, make a directory in a process's entry.
      ["/proc/1/aegis-scratch", "AEGIS_SCRATCH_DIR", true, "AEGIS_SCRATCH_DIR /proc/1/aegis-scratch: cannot make or write files there ("],
    ];
    for (const [dir, origin, create, message] of cases) {
      const err = await checkScratchDir(dir, origin, { create }).catch((e: unknown) => e);
      expect(err, dir).toBeInstanceOf(InputError);
      expect((err as Error).message.startsWith(message), `${(err as Error).message} / ${message}`).toBe(true);
    }
  });
});
