// The aegis-data command as a user meets it: help, clear one-line errors, exit codes.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startForYears } from "../src/cli.js";

const CLI = new URL("../bin/aegis-data.js", import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, CI: "1" } });

describe("aegis-data CLI", () => {
  it("lists its commands in --help", () => {
    const r = run("--help");
    expect(r.status).toBe(0);
    for (const cmd of ["gen", "import-orats", "validate", "info"]) expect(r.stdout).toContain(cmd);
    expect(run("gen", "--help").stdout).toContain("--years <n>");
  });

  it("computes --years from the end date", () => {
    expect(startForYears("2023-12-29", 7)).toBe("2016-12-30");
    expect(startForYears("2024-02-29", 1)).toBe("2023-03-02");
  });

  it("generates, then shows info, and refuses to overwrite without --overwrite", () => {
    const out = join(mkdtempSync(join(tmpdir(), "aegis-cli-")), "ds");
    const args = ["gen", "--profile", "equity-like", "--tickers", "AAA,BBB", "--start", "2023-06-01", "--end", "2023-06-30", "--seed", "9", "--out", out];
    const g = run(...args);
    expect(g.status, g.stderr).toBe(0);
    expect(g.stdout).toMatch(/generated synthetic-equity-like-2023-06-01-2023-06-30: [\d,]+ rows in 2 partitions/);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(manifest.tickers).toEqual(["AAA", "BBB"]);

    const again = run(...args);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain("already holds a dataset; pass --overwrite");
    expect(run(...args, "--overwrite").status).toBe(0);

    const i = run("info", out);
    expect(i.status).toBe(0);
    expect(i.stdout).toContain("2023-06-01 to 2023-06-30");
    expect(JSON.parse(run("info", out, "--json").stdout)).toMatchObject({ tickers: ["AAA", "BBB"], partitions: 2 });
  });

  it("gives one clear line for user mistakes, never a stack trace", () => {
    const cases: [string[], RegExp][] = [
      [["gen", "--profile", "vix-like", "--out", "/tmp/x"], /argument 'vix-like' is invalid/],
      [["gen", "--seed", "abc", "--out", "/tmp/x", "--years", "1"], /--seed must be an integer, got "abc"/],
      [["gen", "--out", "/tmp/x"], /give --start and --end, or --years/],
      [["info", "/nonexistent/ds"], /\/nonexistent\/ds: no such dataset directory/],
      [["import-orats", "/nonexistent/a.csv", "--out", "/tmp/y"], /a\.csv/],
    ];
    for (const [args, message] of cases) {
      const r = run(...args);
      expect(r.status, args.join(" ")).not.toBe(0);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
