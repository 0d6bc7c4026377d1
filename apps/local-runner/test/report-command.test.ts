// `aegis-local report <dir>`: only a finished directory (one with _SUCCESS) gets a report; the
// report replaces the old one through a rename, so a reader never sees half of it.
import { spawnSync } from "node:child_process";
import { existsSync, linkSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { rewriteReport } from "../src/report-command.js";
import { writeFixture as writeReportFixture } from "./report-fixture.js";
import { removedAfterAll } from "./temp-dirs.js";
import { writeSweepFixture as writeSweepReportFixture } from "./sweep-fixture.js";

// Every fixture directory is removed when the file is done.
const writeFixture = removedAfterAll(writeReportFixture);
const writeSweepFixture = removedAfterAll(writeSweepReportFixture);

const CLI = fileURLToPath(new URL("../bin/aegis-local.js", import.meta.url));

const report = (dir: string) => spawnSync(process.execPath, [CLI, "report", dir], { encoding: "utf8", env: { ...process.env, CI: "1" } });

describe("aegis-local report", () => {
  it("refuses a results directory without _SUCCESS, in one line, and writes nothing", async () => {
    const { dir } = await writeFixture({ tradingDays: 60, positions: 3 });
    const before = readdirSync(dir).sort();
    const r = report(dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `aegis-local: error: ${dir}: no _SUCCESS: the run did not finish (it failed, was interrupted or is still running), so there is nothing to report; run it again\n`,
    );
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it("rewrites report.html of a finished run through a rename and keeps _SUCCESS", async () => {
    const { dir } = await writeFixture({ tradingDays: 60, positions: 3 });
    writeFileSync(join(dir, "_SUCCESS"), "");
    writeFileSync(join(dir, "report.html"), "old report");
    linkSync(join(dir, "report.html"), join(dir, "old-inode"));
    const r = report(dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${join(dir, "report.html")}\n`);
    expect(readFileSync(join(dir, "report.html"), "utf8")).toMatch(/^<!doctype html>/i);
    // Written in place, the old inode would hold the new report too.
    expect(readFileSync(join(dir, "old-inode"), "utf8")).toBe("old report");
    expect(readdirSync(dir).filter((f) => f.startsWith("."))).toEqual([]);
    expect(existsSync(join(dir, "_SUCCESS"))).toBe(true);
  });

  it("renders a finished directory from before positions.arrow and the P&L attribution, with notes in their place", async () => {
    const { dir } = await writeFixture({ tradingDays: 60, positions: 3, legacy: true });
    writeFileSync(join(dir, "_SUCCESS"), "");
    expect(existsSync(join(dir, "positions.arrow"))).toBe(false);
    const r = report(dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    const html = readFileSync(join(dir, "report.html"), "utf8");
    expect(html).toContain('<section id="attribution-missing" class="notice">');
    expect(html).toContain('<section id="positions-missing" class="notice positions">');
    expect(html).toContain('<figure id="chart-equity">');
    expect(html).not.toContain('id="chart-attribution"');
  });

  it("renders the attribution chart and the positions section of a directory that has them", async () => {
    const { dir } = await writeFixture({ tradingDays: 60, positions: 3 });
    writeFileSync(join(dir, "_SUCCESS"), "");
    const r = report(dir);
    expect(r.status, r.stderr).toBe(0);
    const html = readFileSync(join(dir, "report.html"), "utf8");
    expect(html).toContain('<figure id="chart-attribution">');
    expect(html).toContain('<section id="positions" class="positions">');
  });

  it("treats a sweep's directory the same way", async () => {
    const fx = await writeSweepFixture();
    await expect(rewriteReport(fx.dir)).resolves.toBe(join(fx.dir, "report.html"));
    rmSync(join(fx.dir, "report.html"));
    rmSync(join(fx.dir, "_SUCCESS"));
    await expect(rewriteReport(fx.dir)).rejects.toThrow(`${fx.dir}: no _SUCCESS: the run did not finish`);
    expect(existsSync(join(fx.dir, "report.html"))).toBe(false);
  });

  it.each([
    ["a missing directory", (d: string) => join(d, "missing"), "no such directory"],
    ["a file", (d: string) => join(d, "summary.json"), "not a directory (name a results directory or a sweep's output directory)"],
  ])("refuses %s, naming it", async (_, path, message) => {
    const { dir } = await writeFixture({ tradingDays: 30, positions: 1 });
    const p = path(dir);
    await expect(rewriteReport(p)).rejects.toThrow(`${p}: ${message}`);
  });
});
