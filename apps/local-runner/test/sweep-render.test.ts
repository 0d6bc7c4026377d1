import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Table, tableToIPC, type Vector } from "apache-arrow";
import { beforeAll, describe, expect, it } from "vitest";
import { isSweepDir, loadSweep, renderSweepReport, ResultsFileError, writeSweepReport } from "../src/report/index.js";
import { writeFixture } from "./report-fixture.js";
import { DEFAULT_GRID, utf8Nullable, writeSweepFixture, type SweepFixture } from "./sweep-fixture.js";
import { removedAfterAll } from "./temp-dirs.js";

const CSCV_FIGURES = ["chart-logits", "chart-degradation"];
const SCENARIO_TEXT = 'name: spx-short-put-sweep\nnote: "<script>alert(1)</script>" & more\n';

const fixture = removedAfterAll(writeSweepFixture);
const runFixture = removedAfterAll(writeFixture);

function figureHtml(html: string, id: string): string {
  const match = new RegExp(`<figure id="${id}">([\\s\\S]*?)</figure>`).exec(html);
  expect(match, `figure #${id}`).not.toBeNull();
  return match?.[1] ?? "";
}

function kpi(html: string, key: string): string {
  return new RegExp(`<li data-kpi="${key}"><span class="label">[^<]*</span><span class="value[^"]*">([^<]*)</span>`).exec(html)?.[1] ?? "";
}

describe("renderSweepReport", () => {
  let html = "";
  let fx: SweepFixture;
  beforeAll(async () => {
    fx = await fixture({ failed: [3] });
    html = renderSweepReport(await loadSweep(fx.dir), { title: "Short put grid", scenarioText: SCENARIO_TEXT });
  });

  it("is one complete HTML page in the tearsheet's shell", () => {
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html.trimEnd().endsWith("</html>")).toBe(true);
    expect(html).toContain("<title>Short put grid · sweep report</title>");
    expect(html).toContain("aegis-bt sweep report · static page: no scripts, no network.");
  });

  it("has a header with the scenario, the dataset, the swept paths and the ranking metric", () => {
    const header = /<header>[\s\S]*<\/header>/.exec(html)?.[0] ?? "";
    expect(header).toContain("<h1>Short put grid</h1>");
    expect(header).toContain("<code>spx-short-put-sweep</code>");
    expect(header).toContain("synthetic-spx-7y · 96 trading days");
    expect(header).toContain("<code>strategy.exit.profit_target</code> <code>strategy.legs[0].delta.target</code>");
    expect(header).toContain("<dt>Ranked by</dt><dd>Sharpe ratio</dd>");
  });

  it("leads with PBO, DSR and its p-value, probability of loss, points and combinations from cscv.json", () => {
    const cscv = fx.cscv as NonNullable<SweepFixture["cscv"]>;
    expect(kpi(html, "pbo")).toBe(`${(cscv.pbo * 100).toFixed(2)}%`);
    expect(kpi(html, "dsr")).toBe("0.81");
    expect(html).toContain("p = 0.19 · SR* 0.0812 vs 0.0634 expected from 12 trials");
    expect(kpi(html, "prob_loss")).toBe(`${(cscv.prob_loss * 100).toFixed(2)}%`);
    expect(kpi(html, "points")).toBe("12");
    expect(html).toContain("1 could not trade");
    expect(kpi(html, "combinations")).toBe("70");
    expect(html).toContain("8 blocks of 12 days");
  });

  it("draws the heatmap with the parameters on its axes and the values in its cells", () => {
    const metric = figureHtml(html, "chart-metric");
    expect(metric).toContain("<strong>Sharpe ratio by exit.profit_target × delta.target</strong>");
    expect(metric).toContain("Each cell is one point.");
    expect(metric).toContain("Points that could not trade are left out.");
    expect(metric).toMatch(/<svg [^>]*viewBox="0 0 \d+ \d+"/);
    for (const label of [">0.25<", ">0.75<", ">0.16<", ">0.3<", ">delta.target<", ">exit.profit_target<"]) expect(metric).toContain(label);
    // One cell per point that traded (each cell is one point here), labelled with its Sharpe ratio.
    const sharpe = [...(fx.sweep.getChild("sharpe") as Iterable<number | null>)].filter((v): v is number => v !== null);
    expect(sharpe).toHaveLength(11);
    for (const v of sharpe) expect(metric).toContain(`>${v.toFixed(2)}<`);
  });

  it("draws the logit histogram with λ = 0 and the PBO, and the scatter with the fit in its legend", () => {
    for (const id of CSCV_FIGURES) expect(figureHtml(html, id)).toContain("<path");
    const cscv = fx.cscv as NonNullable<SweepFixture["cscv"]>;
    const logits = figureHtml(html, "chart-logits");
    expect(logits).toContain("λ = 0");
    expect(logits).toContain(`PBO ${(cscv.pbo * 100).toFixed(2)}%: λ ≤ 0 in ${cscv.logits.filter((l) => l <= 0).length} of 70 combinations`);
    const scatter = figureHtml(html, "chart-degradation");
    const n = (v: number) => new Intl.NumberFormat("en-US", { maximumFractionDigits: 4 }).format(v);
    const { slope, intercept, r2 } = cscv.degradation;
    expect(scatter).toContain(`OLS fit: slope ${n(slope)}, intercept ${n(intercept)}, R² ${n(r2)}`);
    expect(scatter).not.toContain("drawn, evenly spaced");
  });

  it("lists the top points best first, with their parameters, and the point that could not trade", () => {
    const table = /<table id="top-points"[\s\S]*?<\/table>/.exec(html)?.[0] ?? "";
    expect(table).toContain("<caption>Top 11 of 11 points by Sharpe ratio</caption>");
    expect(table).toContain('<th scope="col" title="strategy.legs[0].delta.target">delta.target</th>');
    const sharpe = [...table.matchAll(/<tr data-point="[0-9a-f]{12}"><td>(\d+)<\/td><td><code>[0-9a-f]{12}<\/code><\/td><td>[\d.]+<\/td><td>[\d.]+<\/td><td>(-?\d\.\d\d)<\/td>/g)];
    expect(sharpe.map((m) => Number(m[1]))).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    const values = sharpe.map((m) => Number(m[2]));
    expect(values).toEqual([...values].sort((a, b) => b - a));
    expect(html).toMatch(/<details id="failed-points"><summary>1 point\(s\) could not trade<\/summary><ul><li><code>[0-9a-f]{12}<\/code> strategy.exit.profit_target=0.25 strategy.legs\[0\].delta.target=0.3: ERR_UNFILLABLE/);
  });

  it("shows the CSCV details and the sweep's provenance", () => {
    expect(html).toMatch(/<table id="cscv" class="kv">[\s\S]*Degradation slope/);
    expect(html).toContain('<th scope="row">Threads</th><td>2</td>');
  });

  it("escapes the scenario text and loads nothing from anywhere", () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain("note: &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot; &amp; more");
    const withoutNamespaces = html
      .replaceAll('xmlns="http://www.w3.org/2000/svg"', "")
      .replaceAll('xmlns:xlink="http://www.w3.org/1999/xlink"', "");
    expect(withoutNamespaces).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<(script|link|iframe|img|object|embed)\b/i);
    expect(html).not.toMatch(/\b(src|href)\s*=|url\((?!#)|@import/i);
  });
});

describe("renderSweepReport in other shapes", () => {
  it("without cscv.json says the scenario had no cscv section instead of the CSCV charts", async () => {
    const f = await fixture({ cscv: false });
    const page = renderSweepReport(await loadSweep(f.dir));
    expect(page).toContain('<section id="cscv-missing" class="notice">');
    expect(page).toContain("The scenario has no <code>cscv</code> section");
    for (const id of CSCV_FIGURES) expect(page).not.toContain(`<figure id="${id}">`);
    expect(kpi(page, "pbo")).toBe("");
    expect(kpi(page, "points")).toBe("12");
    expect(page).toContain("<h1>spx-short-put-sweep</h1>");
    expect(figureHtml(page, "chart-metric")).toContain("<svg");
  });

  it("for a shard, says that CSCV comes with the merge", async () => {
    const f = await fixture({ cscv: false });
    const info = { ...f.info, cscv: { partitions: 8, metric: "sharpe" }, shard: { index: 1, count: 4, first: 3, end: 6 } };
    await writeFile(join(f.dir, "sweep.json"), JSON.stringify(info));
    const page = renderSweepReport(await loadSweep(f.dir));
    expect(page).toContain("This directory holds shard 1 of 4 (indices from 0); CSCV compares every point, so it runs when the shards are merged");
    expect(page).toContain('<th scope="row">Shard</th><td>1 of 4 (points 3 to 5)</td>');
  });

  it("averages the heatmap over a third parameter and names it in the caption", async () => {
    const f = await fixture({ grid: { ...DEFAULT_GRID, "strategy.exit.stop_loss": [1.5, 2, 3] } });
    const caption = /<figure id="chart-metric"><figcaption>([\s\S]*?)<\/figcaption>/.exec(renderSweepReport(await loadSweep(f.dir)))?.[1] ?? "";
    expect(caption).toContain("Each cell is the <em>average</em> over the points sharing its values: <code>strategy.exit.stop_loss</code> vary within it.");
  });

  it("charts the parameters asked for, and bars over a single one", async () => {
    const f = await fixture({ grid: { ...DEFAULT_GRID, "strategy.exit.stop_loss": [1.5, 2] } });
    const input = await loadSweep(f.dir);
    const chosen = renderSweepReport(input, { axes: ["strategy.exit.stop_loss", "strategy.exit.profit_target"] });
    expect(figureHtml(chosen, "chart-metric")).toContain("<strong>Sharpe ratio by exit.stop_loss × exit.profit_target</strong>");
    const single = renderSweepReport(input, { axes: ["strategy.exit.stop_loss"] });
    expect(figureHtml(single, "chart-metric")).toContain("<strong>Sharpe ratio by exit.stop_loss</strong>");
    expect(figureHtml(single, "chart-metric")).toContain("Each bar is the <em>average</em>");
    expect(() => renderSweepReport(input, { axes: ["capital"] })).toThrow("capital is not swept");
  });

  it("ranks by the mean daily return when CSCV does, with its own column", async () => {
    const f = await fixture({ metric: "mean" });
    const page = renderSweepReport(await loadSweep(f.dir));
    expect(page).toContain("<dt>Ranked by</dt><dd>Mean daily return</dd>");
    expect(page).toContain('<th scope="col" class="key">Mean daily return</th>');
    expect(page).toMatch(/<td>-?\d+\.\d\d bp<\/td>/);
  });

  it("draws a subset of many combinations and says so", async () => {
    const f = await fixture({ partitions: 16 });
    expect(figureHtml(renderSweepReport(await loadSweep(f.dir)), "chart-degradation")).toContain("3,000 of the 12,870 combinations drawn, evenly spaced; the fit uses all of them.");
  });
});

describe("loadSweep", () => {
  it("reads the tables, sweep.json and cscv.json", async () => {
    const f = await fixture();
    const input = await loadSweep(f.dir);
    expect(input.sweep.numRows).toBe(12);
    expect(input.returns.numRows).toBe(96);
    expect(input.info).toEqual(f.info);
    expect(input.cscv).toEqual(f.cscv);
  });

  it.each(["sweep.json", "sweep.arrow", "returns.arrow", "cscv.json"])("names a missing %s", async (file) => {
    const f = await fixture();
    await rm(join(f.dir, file));
    const error = await loadSweep(f.dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultsFileError);
    expect((error as Error).message).toBe(`${join(f.dir, file)}: missing (is this the directory of a finished sweep?)`);
  });

  it("does not look for cscv.json when sweep.json says there is no cscv section", async () => {
    const f = await fixture({ cscv: false });
    expect((await loadSweep(f.dir)).cscv).toBeNull();
  });

  it("names a malformed sweep.json or cscv.json and the field", async () => {
    const f = await fixture();
    const info = join(f.dir, "sweep.json");
    await writeFile(info, JSON.stringify({ ...f.info, paths: "strategy" }));
    await expect(loadSweep(f.dir)).rejects.toThrow(`${info}: malformed sweep.json: \`paths\` should be an array, found string`);
    await writeFile(info, JSON.stringify(f.info));
    const cscv = join(f.dir, "cscv.json");
    await writeFile(cscv, JSON.stringify({ ...f.cscv, dsr: { ...f.cscv?.dsr, dsr: "high" } }));
    await expect(loadSweep(f.dir)).rejects.toThrow(`${cscv}: malformed cscv.json: \`dsr.dsr\` should be a number, found string`);
    await writeFile(cscv, JSON.stringify({ ...f.cscv, logits: [0.5] }));
    await expect(loadSweep(f.dir)).rejects.toThrow("should each hold n_combinations = 70 values, found 1, 70, 70");
    await writeFile(cscv, JSON.stringify({ ...f.cscv, metric: "sortino" }));
    await expect(loadSweep(f.dir)).rejects.toThrow('`metric` should be one of sharpe, mean, total_return, found "sortino"');
  });

  it("names a sweep.arrow with a missing or mistyped column; a parameter column may be Float64 or Utf8", async () => {
    const f = await fixture();
    const path = join(f.dir, "sweep.arrow");
    const columns = Object.fromEntries(f.sweep.schema.fields.map((field) => [field.name, f.sweep.getChild(field.name) as Vector]));
    const write = (c: Record<string, Vector>) => writeFile(path, tableToIPC(new Table(c), "file"));
    const { sharpe: _sharpe, ...withoutSharpe } = columns;
    await write(withoutSharpe);
    await expect(loadSweep(f.dir)).rejects.toThrow(`${path}: malformed: missing column \`sharpe\` (Float64)`);
    const delta = "strategy.legs[0].delta.target";
    await write({ ...columns, [delta]: utf8Nullable(Array.from({ length: 12 }, (_, i) => JSON.stringify(`d${i}`))) });
    await expect(loadSweep(f.dir)).resolves.toBeDefined();
    await write({ ...columns, [delta]: columns["point"] as Vector });
    await expect(loadSweep(f.dir)).rejects.toThrow(`${path}: malformed: the swept path \`${delta}\` should be a Float64 or Utf8 column`);
  });
});

describe("writeSweepReport", () => {
  it("writes report.html into the sweep directory and returns its path; isSweepDir tells a sweep from a run", async () => {
    const f = await fixture();
    const path = await writeSweepReport(f.dir, { title: "T" });
    expect(path).toBe(join(f.dir, "report.html"));
    expect(await readFile(path, "utf8")).toContain("<h1>T</h1>");
    expect(await isSweepDir(f.dir)).toBe(true);
    const run = await runFixture();
    expect(await isSweepDir(run.dir)).toBe(false);
  });
});
