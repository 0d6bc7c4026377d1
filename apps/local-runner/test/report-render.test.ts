import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Table, tableToIPC, type Vector } from "apache-arrow";
import { beforeAll, describe, expect, it } from "vitest";
import { loadResults, METRIC_NAMES, renderReport, ResultsFileError, writeReport } from "../src/report/index.js";
import { formatValue } from "../src/report/format.js";
import { float64, int32, writeFixture, type Fixture } from "./report-fixture.js";
import { removedAfterAll } from "./temp-dirs.js";

const FIGURES = ["chart-equity", "chart-drawdown", "chart-attribution", "chart-monthly", "chart-pnl"];
const SOURCE_LABELS = ["Delta", "Gamma", "Theta", "Vega", "Residual", "Hedge", "Other"];
const SCENARIO_TEXT = 'name: spx-short-put-30d\nnote: "<script>alert(1)</script>" & more\n';

const fixture = removedAfterAll(writeFixture);

function figureHtml(html: string, id: string): string {
  const match = new RegExp(`<figure id="${id}">([\\s\\S]*?)</figure>`).exec(html);
  expect(match, `figure #${id}`).not.toBeNull();
  return match?.[1] ?? "";
}

describe("renderReport", () => {
  let html = "";
  let fx: Fixture;
  beforeAll(async () => {
    fx = await fixture({ summary: { metrics: { profit_factor: null } } });
    html = renderReport(await loadResults(fx.dir), { title: "Short put, 30 DTE", scenarioText: SCENARIO_TEXT });
  });

  it("is one complete HTML page", () => {
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html.trimEnd().endsWith("</html>")).toBe(true);
    expect(html).toContain("<title>Short put, 30 DTE · backtest report</title>");
  });

  it("has a header with the scenario, the span and capital → final equity", () => {
    const header = /<header>[\s\S]*<\/header>/.exec(html)?.[0] ?? "";
    expect(header).toContain("<h1>Short put, 30 DTE</h1>");
    expect(header).toContain("<code>spx-short-put-30d</code>");
    expect(header).toContain(`${fx.summary.start} → ${fx.summary.end} · 340 trading days`);
    expect(header).toMatch(/\$100,000\.00 → \$[\d,]+\.\d\d/);
  });

  it("has the five charts as inline SVG, each in a captioned figure", () => {
    for (const id of FIGURES) {
      const figure = figureHtml(html, id);
      expect(figure, id).toMatch(/<figcaption>[\s\S]+<\/figcaption>/);
      expect(figure, id).toMatch(/<svg [^>]*viewBox="0 0 \d+ \d+"/);
      expect(figure, id).toContain("<path");
    }
  });

  it("labels the monthly heatmap cells with their returns", () => {
    const monthly = figureHtml(html, "chart-monthly");
    expect(monthly).toContain(">Jan<");
    expect(monthly).toContain(">2023<");
    expect(monthly.match(/>[+-]?\d+\.\d%</g)?.length).toBeGreaterThanOrEqual(12);
  });

  it("shows every metric, formatted, and null as a dash", () => {
    for (const name of METRIC_NAMES) expect(html).toContain(`<tr data-metric="${name}">`);
    const row = (name: string): string => new RegExp(`<tr data-metric="${name}">(.*?)</tr>`).exec(html)?.[1] ?? "";
    expect(row("profit_factor")).toBe('<th scope="row">Profit factor</th><td>—</td>');
    expect(row("sharpe")).toBe('<th scope="row">Sharpe ratio</th><td>0.52</td>');
    expect(row("win_rate")).toBe('<th scope="row">Win rate</th><td>81.00%</td>');
    expect(row("average_loss")).toBe('<th scope="row">Average loss</th><td>-$1,090.00</td>');
    expect(row("trade_count")).toBe('<th scope="row">Trades</th><td>40</td>');
    expect(row("max_drawdown_days")).toBe('<th scope="row">Longest drawdown</th><td>211 trading days</td>');
    expect(row("average_days_in_trade")).toBe('<th scope="row">Average time in trade</th><td>21.4 days</td>');
    expect(row("cvar_95")).toBe('<th scope="row">Daily CVaR 95%</th><td>-2.40%</td>');
  });

  it("shows the diagnostics, nested counters flattened", () => {
    const table = /<table id="diagnostics"[\s\S]*?<\/table>/.exec(html)?.[0] ?? "";
    expect(table).toContain("<th scope=\"row\">Exits deferred</th><td>3</td>");
    expect(table).toContain("<th scope=\"row\">Entries skipped: max open</th><td>10</td>");
    expect(table).toContain("<th scope=\"row\">Positions closed</th><td>40</td>");
  });

  it("escapes the scenario text", () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain("<details id=\"scenario\"><summary>Scenario</summary><pre>name: spx-short-put-30d\nnote: &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot; &amp; more\n</pre></details>");
  });

  it("loads nothing from anywhere: no URLs but the SVG namespaces, no scripts, no external resources", () => {
    const withoutNamespaces = html
      .replaceAll('xmlns="http://www.w3.org/2000/svg"', "")
      .replaceAll('xmlns:xlink="http://www.w3.org/1999/xlink"', "");
    expect(withoutNamespaces).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<(script|link|iframe|img|object|embed)\b/i);
    expect(html).not.toMatch(/\b(src|href)\s*=|url\((?!#)|@import/i); // url(#clip) points inside the page
  });

  it("leaves the scenario block out without scenario text, and titles the page with the scenario", async () => {
    const page = renderReport(await loadResults(fx.dir));
    expect(page).not.toContain('<details id="scenario"');
    expect(page).toContain("<h1>spx-short-put-30d</h1>");
  });

  it("renders a run without trades, an empty histogram saying so", async () => {
    const f = await fixture({ positions: 0 });
    const page = renderReport(await loadResults(f.dir));
    expect(figureHtml(page, "chart-pnl")).toContain("No data.");
    expect(figureHtml(page, "chart-equity")).toContain("<svg");
  });
});

describe("the P&L attribution, positions and hedge", () => {
  let html = "";
  let fx: Fixture;
  const hedge = { fills: 57, shares_traded: 12_340, pnl: -812.5, fees: 61.7 };
  beforeAll(async () => {
    fx = await fixture({ hedge, summary: { diagnostics: { ...(await fixture()).summary.diagnostics, assigned: 4, dividends: 6, covers_skipped: 2 } } });
    html = renderReport(await loadResults(fx.dir));
  });
  const table = (id: string) => new RegExp(`<table id="${id}"[\\s\\S]*?</table>`).exec(html)?.[0] ?? "";

  it("stacks the cumulative P&L of the seven sources by month, with a legend and a caption saying they sum to the equity change", () => {
    const figure = figureHtml(html, "chart-attribution");
    for (const label of [...SOURCE_LABELS, "Equity change"]) expect(figure, label).toContain(`>${label}<`);
    expect(figure).toContain("the parts sum to the change in equity");
    // 340 trading days from November 2022: 16 months, so bars of 7 sources, some of them 0 or hidden.
    expect(figure.match(/<path /g)?.length ?? 0).toBeGreaterThan(16 * 3);
  });

  it("totals the run's P&L by source, summing to the change in equity", () => {
    const t = table("attribution");
    for (const source of ["delta", "gamma", "theta", "vega", "residual", "hedge", "other"]) expect(t).toContain(`<tr data-source="${source}">`);
    expect(t).toContain(`<th scope="row">Equity change</th><td class="${fx.summary.final_equity > fx.summary.capital ? "pos" : "neg"}">${formatValue(fx.summary.final_equity - fx.summary.capital, "dollars")}</td>`);
  });

  it("shows the delta hedge when it traded, and nothing of it when it did not", async () => {
    const t = table("hedge");
    expect(t).toContain("<caption>Delta hedge</caption>");
    expect(t).toContain('<th scope="row">Fills</th><td>57</td>');
    expect(t).toContain('<th scope="row">Shares traded</th><td>12,340</td>');
    expect(t).toContain('<th scope="row">Gross P&amp;L</th><td class="neg">-$812.50</td>');
    expect(t).toContain('<th scope="row">Net P&amp;L</th><td class="neg">-$874.20</td>');
    const unhedged = renderReport(await loadResults((await fixture()).dir));
    expect(unhedged).not.toContain('id="hedge"');
  });

  it("shows the stock counters among the diagnostics, flagging only the covers that could not be written", () => {
    const t = table("diagnostics");
    expect(t).toContain('<tr><th scope="row">Assigned</th><td>4</td></tr>');
    expect(t).toContain('<tr><th scope="row">Dividends</th><td>6</td></tr>');
    expect(t).toContain('<tr><th scope="row">Early assignments</th><td>0</td></tr>');
    expect(t).toContain('<tr class="flag"><th scope="row">Covers skipped</th><td>2</td></tr>');
  });

  it("lists the positions of positions.arrow by how they ended, and the best and worst by source", () => {
    const section = /<section id="positions"[\s\S]*?<\/section>/.exec(html)?.[0] ?? "";
    expect(section).toContain("<h2>Positions</h2>");
    expect(section).toMatch(/40 positions on SPX, \d+ with a gain; net P&amp;L/);
    expect(section).toContain('<tr data-reason="profit_target"><td>Profit target</td>');
    expect(section).toContain('<tr data-reason="stop_loss"><td>Stop loss</td>');
    const extremes = /<table id="positions-extremes"[\s\S]*?<\/table>/.exec(section)?.[0] ?? "";
    for (const label of SOURCE_LABELS) expect(extremes).toContain(`<th scope="col">${label}</th>`);
    // 35 of the 40 positions gained: the 10 largest gains, then all 5 losses, largest first.
    expect(extremes.match(/<tr data-position="\d+">/g)).toHaveLength(15);
    expect(extremes).toContain('<th colspan="18" scope="rowgroup">Largest 10 winners</th>');
    expect(extremes).toContain('<th colspan="18" scope="rowgroup">Largest 5 losers</th>');
    const pnl = [...extremes.matchAll(/<td class="key"><span class="(?:pos|neg)">(-?)\$([\d,]+)<\/span>/g)].map((m) => Number(`${m[1]}${(m[2] as string).replaceAll(",", "")}`));
    expect(pnl.slice(0, 10)).toEqual([...pnl.slice(0, 10)].sort((a, b) => b - a));
    expect(pnl.slice(10, 15)).toEqual([...pnl.slice(10, 15)].sort((a, b) => a - b));
    expect(pnl.slice(10, 15).every((v) => v < 0)).toBe(true);
    expect(extremes).toContain('<tr data-position="all"><th scope="row" colspan="7">All 40 positions</th>');
    // Every fifth position received $44 of dividends: 8 × 44.
    expect(section).toContain('dividends <span class="pos">$352.00</span>');
  });

  it("draws the P&L distribution from positions.arrow, dividends included", () => {
    expect(figureHtml(html, "chart-pnl")).toContain("Net P&amp;L per position (after fees, with dividends), 40 positions.");
  });

  it("renders a run without positions", async () => {
    const page = renderReport(await loadResults((await fixture({ positions: 0 })).dir));
    expect(page).toContain('<section id="positions" class="positions"><h2>Positions</h2><p class="empty">No positions.</p></section>');
  });
});

describe("results written before the P&L attribution", () => {
  let html = "";
  let dir = "";
  beforeAll(async () => {
    dir = (await fixture({ legacy: true })).dir;
    html = renderReport(await loadResults(dir));
  });

  it("load without positions.arrow, the pnl_* columns, the hedge or the stock counters", async () => {
    const results = await loadResults(dir);
    expect(results.positions).toBeUndefined();
    expect(results.equity.schema.fields.map((f) => f.name).filter((n) => n.startsWith("pnl_"))).toEqual([]);
    expect(results.summary.hedge).toBeUndefined();
  });

  it("render with a plain note in place of the attribution chart and of the positions section", () => {
    expect(html).not.toContain('id="chart-attribution"');
    expect(html).toContain('<section id="attribution-missing" class="notice"><strong>P&amp;L attribution</strong>');
    expect(html).toContain('<section id="positions-missing" class="notice positions"><strong>Positions</strong>');
    expect(html).not.toContain('id="positions"');
    expect(html).not.toContain('id="attribution"');
    expect(html).not.toContain('id="hedge"');
  });

  it("still draw the other charts, the P&L distribution from trades.arrow", () => {
    for (const id of FIGURES.filter((f) => f !== "chart-attribution")) expect(figureHtml(html, id)).toContain("<svg");
    expect(figureHtml(html, "chart-pnl")).toContain("Net P&amp;L per closed position (after fees), 40 positions.");
  });
});

describe("loadResults", () => {
  it("reads the summary and both tables", async () => {
    const f = await fixture();
    const results = await loadResults(f.dir);
    expect(results.summary).toEqual(f.summary);
    expect(results.equity.numRows).toBe(340);
    expect(results.trades.numRows).toBe(160);
  });

  it.each(["summary.json", "equity.arrow", "trades.arrow"])("names a missing %s", async (file) => {
    const f = await fixture();
    await rm(join(f.dir, file));
    const error = await loadResults(f.dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultsFileError);
    expect((error as ResultsFileError).file).toBe(join(f.dir, file));
    expect((error as Error).message).toBe(`${join(f.dir, file)}: missing (is this a results directory of a finished run?)`);
  });

  it("names a file that is not Arrow", async () => {
    const f = await fixture();
    await writeFile(join(f.dir, "trades.arrow"), "position_id,leg\n1,0\n");
    await expect(loadResults(f.dir)).rejects.toThrow(`${join(f.dir, "trades.arrow")}: not a readable Arrow IPC file`);
  });

  it("names a file with a mistyped or missing column", async () => {
    const f = await fixture();
    const equity = join(f.dir, "equity.arrow");
    await writeFile(equity, tableToIPC(new Table({ date: float64([1, 2]) }), "file"));
    await expect(loadResults(f.dir)).rejects.toThrow(`${equity}: malformed: column \`date\` should be Date32, found Float64`);
    await writeFile(equity, new Uint8Array(0));
    await expect(loadResults(f.dir)).rejects.toThrow(`${equity}: malformed: missing column \`date\` (Date32)`);
  });

  it("names a positions.arrow with a missing column, and an equity.arrow with only some pnl_* columns", async () => {
    const f = await fixture();
    const positions = join(f.dir, "positions.arrow");
    await writeFile(positions, tableToIPC(new Table({ position_id: int32([1]) }), "file"));
    await expect(loadResults(f.dir)).rejects.toThrow(`${positions}: malformed: missing column \`ticker\` (Utf8)`);
    await rm(positions);
    const equity = join(f.dir, "equity.arrow");
    const table = (await loadResults(f.dir)).equity;
    const partial = new Table(Object.fromEntries(table.schema.fields.filter((c) => c.name !== "pnl_vega").map((c) => [c.name, table.getChild(c.name) as Vector])));
    await writeFile(equity, tableToIPC(partial, "file"));
    await expect(loadResults(f.dir)).rejects.toThrow(`${equity}: malformed: missing column \`pnl_vega\` (Float64)`);
  });

  it("names a summary.json that is not JSON or misses a field", async () => {
    const f = await fixture();
    const summary = join(f.dir, "summary.json");
    await writeFile(summary, "{ not json");
    await expect(loadResults(f.dir)).rejects.toThrow(`${summary}: not valid JSON`);
    const { metrics: _metrics, ...rest } = JSON.parse(await readFile(join((await fixture()).dir, "summary.json"), "utf8")) as Record<string, unknown>;
    await writeFile(summary, JSON.stringify(rest));
    await expect(loadResults(f.dir)).rejects.toThrow(`${summary}: malformed summary: \`metrics\` should be an object, found nothing`);
    await writeFile(summary, JSON.stringify({ ...rest, metrics: { ...f.summary.metrics, sharpe: "high" } }));
    await expect(loadResults(f.dir)).rejects.toThrow("`metrics.sharpe` should be a number or null, found string");
  });
});

describe("writeReport", () => {
  it("writes report.html into the results directory and returns its path", async () => {
    const f = await fixture();
    const path = await writeReport(f.dir, { title: "T" });
    expect(path).toBe(join(f.dir, "report.html"));
    const html = await readFile(path, "utf8");
    expect(html).toContain("<h1>T</h1>");
    for (const id of FIGURES) expect(html).toContain(`<figure id="${id}">`);
  });
});
