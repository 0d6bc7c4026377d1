// The tearsheet's sections for portfolios, market data and benchmarks: present with the files and
// fields a newer engine writes (strategies.arrow, market.arrow, the `strategy` columns, summary.json
// `strategies` and `benchmark`), absent or replaced by a one-line note without them, and a
// malformed new file refused with its name and the field. Also: every position of a large run listed.
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Table, tableToIPC } from "apache-arrow";
import { beforeAll, describe, expect, it } from "vitest";
import { loadResults, renderReport } from "../src/report/index.js";
import { BENCHMARK, float64, int32, PORTFOLIO, strategyWeights, utf8, writeFixture, type Fixture, type FixtureOptions } from "./report-fixture.js";
import { removedAfterAll } from "./temp-dirs.js";

const fixture = removedAfterAll(writeFixture);

async function render(opts?: FixtureOptions): Promise<string> {
  return renderReport(await loadResults((await fixture(opts)).dir));
}

/** The element `<tag id="id" …>…</tag>` of `html` (non-nested tags), or "" when there is none. */
function element(html: string, tag: string, id: string): string {
  return new RegExp(`<${tag} id="${id}"[\\s\\S]*?</${tag}>`).exec(html)?.[0] ?? "";
}

describe("a portfolio run with market data and a benchmark", () => {
  let html = "";
  let fx: Fixture;
  beforeAll(async () => {
    fx = await fixture(PORTFOLIO);
    html = renderReport(await loadResults(fx.dir));
  });

  it("draws the benchmark's buy-and-hold against the equity and shows the engine's beta, correlation and excess return", () => {
    const figure = element(html, "figure", "chart-benchmark");
    expect(figure).toMatch(/<svg [^>]*viewBox/);
    expect(figure).toContain(">Strategy<");
    expect(figure).toContain(">SPX<");
    expect(figure).toContain("bought with the starting capital at its first close and held");
    const table = element(html, "table", "benchmark");
    expect(table).toContain('<tr><th scope="row">Benchmark</th><td>SPX (ticker)</td></tr>');
    expect(table).toContain('<tr><th scope="row">Its total return</th><td>12.34%</td></tr>');
    expect(table).toContain('<tr><th scope="row">Beta</th><td>0.35</td></tr>');
    expect(table).toContain('<tr><th scope="row">Correlation</th><td>0.61</td></tr>');
    expect(table).toContain('<tr><th scope="row">Excess return (CAGR)</th><td>-0.13%</td></tr>');
    expect(html).not.toContain('id="benchmark-missing"');
  });

  it("lists each calendar year's return and drawdown, with the benchmark's return", () => {
    const table = element(html, "table", "yearly-returns");
    expect(table).toContain('<th scope="col">SPX</th>');
    // 520 trading days from November 2022: 2022 to 2024.
    expect(table.match(/<tr data-year="\d{4}">/g)).toEqual(['<tr data-year="2022">', '<tr data-year="2023">', '<tr data-year="2024">']);
    for (const row of table.match(/<tr data-year="\d{4}">.*?<\/tr>/g) ?? []) expect(row.match(/<td>/g)).toHaveLength(4);
  });

  it("lists the worst five drawdowns with their dates and shades them on the drawdown chart", () => {
    const table = element(html, "table", "worst-drawdowns");
    expect(table).toContain("<caption>Worst 5 drawdowns</caption>");
    const rows = table.match(/<tr data-drawdown="\d">.*?<\/tr>/g) ?? [];
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(row).toMatch(/<td>\d{4}-\d\d-\d\d<\/td><td>\d{4}-\d\d-\d\d<\/td><td>(\d{4}-\d\d-\d\d|not recovered)<\/td><td><span class="neg">-\d+\.\d\d%<\/span><\/td><td>[\d,]+<\/td>/);
    expect(element(html, "figure", "chart-drawdown")).toContain("shaded: the worst 5 drawdowns");
  });

  it("draws the rolling Sharpe ratio and volatility in two panels, saying how they are computed", () => {
    const figure = element(html, "figure", "chart-rolling");
    expect(figure).toContain(">Sharpe ratio<");
    expect(figure).toContain(">Volatility<");
    expect(figure).toContain("126 daily returns");
    expect(figure).toContain("annualised with 252 days, risk-free rate 0");
  });

  it("draws each strategy's equity beside the combined account and tabulates what each made", () => {
    const section = element(html, "section", "strategies");
    const figure = element(section, "figure", "chart-strategies");
    for (const name of ["Combined", "put_leg", "condor", "strangle"]) expect(figure).toContain(`>${name}<`);
    const table = element(section, "table", "strategies-table");
    for (const name of ["put_leg", "condor", "strangle", "combined"]) expect(table).toContain(`<tr data-strategy="${name}">`);
    const [w] = strategyWeights(3);
    expect(table).toContain(`<tr data-strategy="put_leg"><td>put_leg</td><td>${((w as number) * 100).toFixed(2)}%</td><td class="text">SPX</td><td>$50,000</td>`);
    expect(table).toMatch(/<tr data-strategy="combined"><th scope="row">Combined<\/th><td>100\.00%<\/td><td class="text">SPX, ACME<\/td><td>\$100,000<\/td>/);
  });

  it("draws each ticker's close with its positions' entries and exits, and no chart for a series", () => {
    const section = element(html, "section", "prices");
    expect(section).toContain("<h2>Underlying prices, entries and exits</h2>");
    for (const [i, ticker] of ["SPX", "ACME"].entries()) {
      const figure = element(section, "figure", `chart-price-${i + 1}`);
      expect(figure).toContain(`<strong>${ticker}</strong>`);
      // 40 positions in turn on two tickers: 20 each, every entry and exit on a day with a close.
      expect(figure).toMatch(/entry \(20\).*\(20\)\.<\/figcaption>/);
      for (const label of ["Close", "Entry", "Exit, gain", "Exit, loss"]) expect(figure).toContain(`>${label}<`);
    }
    expect(section).not.toContain("chart-price-3");
    expect(section).not.toContain("VIX");
    expect(html).not.toContain('id="prices-more"');
  });

  it("names the strategy of every position and lists them all, compactly, in opening order", () => {
    const extremes = element(html, "table", "positions-extremes");
    expect(extremes).toContain('<th scope="col">Strategy</th>');
    expect(extremes).toMatch(/<tr data-position="\d+"><td>\d+<\/td><td>(SPX|ACME)<\/td><td>(put_leg|condor|strangle)<\/td>/);
    const all = element(html, "table", "positions-all");
    expect(all).toContain("<caption>All 40 positions in opening order</caption>");
    const rows = all.match(/<tr><td>(\d+)<\/td>/g) ?? [];
    expect(rows.map((r) => Number(/\d+/.exec(r)?.[0]))).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(all).toMatch(/<tr><td>2<\/td><td>[\d-]+<\/td><td>[\d-]+<\/td><td class="text">ACME<\/td><td class="text">condor<\/td><td>2<\/td><td>2<\/td><td>\$[\d.]+<\/td><td class="(pos|neg)">-?\$[\d,.]+<\/td><td>\$5\.20<\/td><td class="text">(Profit target|Stop loss)<\/td><\/tr>/);
  });

  it("lists the entry filters that skipped entries, in plain words, for the run and per strategy", () => {
    const table = element(html, "table", "filters-table");
    expect(table).toContain('<th scope="col">All</th><th scope="col">put_leg</th><th scope="col">condor</th><th scope="col">strangle</th>');
    expect(table).toContain('<tr data-counter="entries_skipped.max_open"><td class="text">The ticker already held its most open positions (max_open)</td><td class="text"><code>max_open</code></td><td>10</td><td>10</td><td>0</td><td>0</td></tr>');
    expect(table).toContain('<tr data-counter="entries_skipped.no_strike"><td class="text">No contract inside a leg&#39;s strike window (delta, moneyness or offset)</td><td class="text"><code>no_strike</code></td><td>2</td><td>0</td><td>2</td><td>0</td></tr>');
    expect(table).not.toContain("no_expiry");
  });
});

describe("the entry filters", () => {
  it("break the signals down by kind under the signals row, label every liquidity test, and humanise an unknown counter", async () => {
    const base = (await fixture()).summary.diagnostics;
    const entries_skipped = { ...base.entries_skipped, max_open: 0, no_strike: 0, signals: 302, low_open_interest: 7, wide_spread: 4, low_bid: 0, future_check: 3 };
    const signals_blocked = { iv_percentile: 138, term_structure: 164, iv_rv: 0, sma: 0, momentum: 0, series: 0 };
    const html = await render({ summary: { diagnostics: { ...base, entries_skipped, signals_blocked } } });
    const table = element(html, "table", "filters-table");
    const order = [...table.matchAll(/data-counter="([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual([
      "entries_skipped.signals", "signals_blocked.iv_percentile", "signals_blocked.term_structure",
      "entries_skipped.low_open_interest", "entries_skipped.wide_spread", "entries_skipped.future_check",
    ]);
    expect(table).toContain("A leg&#39;s best candidate had too little open interest");
    expect(table).toContain("A leg&#39;s best candidate had too wide a bid–ask spread");
    expect(table).toContain('<tr data-counter="signals_blocked.iv_percentile" class="sub"><td class="text">↳ IV percentile outside its bounds, or not enough history</td>');
    expect(table).toContain("<td class=\"text\">Future check</td>");
    expect(table).toContain('<th scope="col">All</th></tr>'); // one strategy: no per-strategy columns
  });

  it("say so when nothing was skipped", async () => {
    const base = (await fixture()).summary.diagnostics;
    const entries_skipped = Object.fromEntries(Object.keys(base.entries_skipped).map((k) => [k, 0])) as unknown as typeof base.entries_skipped;
    const html = await render({ summary: { diagnostics: { ...base, entries_skipped } } });
    expect(element(html, "section", "filters")).toContain('<p id="filters-none" class="note-line">No scheduled entry was skipped');
    expect(html).not.toContain('id="filters-table"');
  });
});

describe("results without the new files and fields", () => {
  let html = "";
  beforeAll(async () => {
    html = await render();
  });

  it("leave out the benchmark with a one-line note saying the summary predates it", () => {
    expect(html).toContain('<p id="benchmark-missing" class="note-line">No benchmark: this summary.json was written before the engine compared runs with one.</p>');
    expect(html).not.toContain('id="chart-benchmark"');
    expect(html).not.toContain('<table id="benchmark"');
  });

  it("leave out the strategies section, the strategy columns and the price charts (with a note for market.arrow)", () => {
    expect(html).not.toContain('id="strategies"');
    expect(html).not.toContain("Strategy</th>");
    expect(html).not.toContain('id="prices"');
    expect(html).toContain('<p id="prices-missing" class="note-line">No underlying prices: this results directory has no market.arrow');
  });

  it("still show the yearly returns (no benchmark column), the worst drawdowns, the rolling chart, the filters and every position", () => {
    expect(element(html, "table", "yearly-returns")).toContain('<th scope="col">Max drawdown</th></tr>');
    expect(element(html, "table", "worst-drawdowns").match(/<tr data-drawdown=/g)?.length).toBeGreaterThan(0);
    expect(element(html, "figure", "chart-rolling")).toContain("<svg");
    expect(html).toContain('<table id="filters-table"');
    expect(element(html, "table", "positions-all").match(/<tr><td>/g)).toHaveLength(40);
  });

  it("render a legacy directory (no positions.arrow) with the new sections it can have", async () => {
    const page = await render({ legacy: true });
    expect(page).toContain('id="chart-rolling"');
    expect(page).toContain('id="worst-drawdowns"');
    expect(page).not.toContain('id="positions-all"');
  });
});

describe("partial new results", () => {
  it("say why there is no benchmark when `benchmark` is null", async () => {
    const html = await render({ benchmark: null });
    expect(html).toContain('<p id="benchmark-missing" class="note-line">No benchmark: summary.json’s <code>benchmark</code> is null (none was named, or it had no price on the run’s first day).</p>');
    expect(html).not.toContain('<table id="benchmark"');
  });

  it("show the benchmark's figures without its line when market.arrow lacks it, and no benchmark column by year", async () => {
    const html = await render({ benchmark: { ...BENCHMARK, name: "VIX", kind: "series" } });
    expect(element(html, "table", "benchmark")).toContain("<td>VIX (series)</td>");
    expect(html).toContain('<p id="benchmark-chart-missing" class="note-line">No benchmark line: this results directory has no market.arrow.</p>');
    expect(element(html, "table", "yearly-returns")).not.toContain("VIX");
    const withMarket = await render({ benchmark: { ...BENCHMARK, name: "QQQ" }, market: {} });
    expect(withMarket).toContain("No benchmark line: market.arrow has no closes of QQQ (ticker).");
  });

  it("draw a benchmark that is a series", async () => {
    const html = await render({ benchmark: { ...BENCHMARK, name: "VIX", kind: "series" }, market: { series: ["VIX"] } });
    expect(element(html, "figure", "chart-benchmark")).toContain(">VIX<");
    expect(element(html, "table", "yearly-returns")).toContain('<th scope="col">VIX</th>');
  });

  it("leave the strategies section out for a single strategy, but name it in the positions tables", async () => {
    const html = await render({ strategies: ["only"], market: {} });
    expect(html).not.toContain('id="strategies"');
    expect(element(html, "table", "positions-all")).toContain('<td class="text">only</td>');
  });

  it("draw the first six tickers and name the others", async () => {
    const tickers = ["T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8"];
    const html = await render({ tickers, market: {}, positions: 16 });
    const section = element(html, "section", "prices");
    for (let i = 1; i <= 6; i += 1) expect(section).toContain(`<figure id="chart-price-${i}"><figcaption><strong>T${i}</strong>`);
    expect(section).not.toContain("chart-price-7");
    expect(section).toContain('<p id="prices-more" class="note-line">Showing the first 6 of 8 tickers, in the scenario’s order; not drawn: T7, T8.</p>');
  });
});

describe("malformed new results", () => {
  async function rewrite(fx: Fixture, file: string, edit: (json: Record<string, unknown>) => void): Promise<string> {
    const path = join(fx.dir, file);
    const json = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
    edit(json);
    await writeFile(path, JSON.stringify(json));
    return path;
  }

  it.each([
    ["a strategy's metric of the wrong type", (j: Record<string, unknown>) => (((j["strategies"] as Record<string, Record<string, unknown>>[])[1] as Record<string, Record<string, unknown>>)["metrics"] as Record<string, unknown>)["sharpe"] = "high", "`strategies[1].metrics.sharpe` should be a number or null, found string"],
    ["a strategy without a name", (j: Record<string, unknown>) => delete (j["strategies"] as Record<string, unknown>[])[0]?.["name"], "`strategies[0].name` should be a string, found nothing"],
    ["a ticker that is not a string", (j: Record<string, unknown>) => ((j["strategies"] as Record<string, unknown>[])[2] as Record<string, unknown>)["tickers"] = ["SPX", 3], "`strategies[2].tickers[1]` should be a string, found number"],
    ["a strategy's entry counter of the wrong type", (j: Record<string, unknown>) => (((j["strategies"] as Record<string, Record<string, Record<string, unknown>>>[])[0] as Record<string, Record<string, Record<string, unknown>>>)["diagnostics"] as Record<string, Record<string, unknown>>)["entries_skipped"]!["max_open"] = null, "`strategies[0].diagnostics.entries_skipped.max_open` should be a number, found null"],
    ["`strategies` that is not an array", (j: Record<string, unknown>) => (j["strategies"] = {}), "`strategies` should be an array, found object"],
    ["a benchmark of an unknown kind", (j: Record<string, unknown>) => ((j["benchmark"] as Record<string, unknown>)["kind"] = "index"), '`benchmark.kind` should be "ticker" or "series", found "index"'],
    ["a benchmark beta as text", (j: Record<string, unknown>) => ((j["benchmark"] as Record<string, unknown>)["beta"] = "0.3"), "`benchmark.beta` should be a number or null, found string"],
    ["a benchmark that is not an object", (j: Record<string, unknown>) => (j["benchmark"] = 3), "`benchmark` should be an object, found number"],
  ])("refuse summary.json with %s, naming the file and the field", async (_what, edit, message) => {
    const fx = await fixture(PORTFOLIO);
    const path = await rewrite(fx, "summary.json", edit);
    await expect(loadResults(fx.dir)).rejects.toThrow(`${path}: malformed summary: ${message}`);
  });

  it("refuse a strategies.arrow or market.arrow without a column, and a market.arrow with an unknown kind", async () => {
    const fx = await fixture(PORTFOLIO);
    const strategies = join(fx.dir, "strategies.arrow");
    await writeFile(strategies, tableToIPC(new Table({ date: int32([1]) }), "file"));
    await expect(loadResults(fx.dir)).rejects.toThrow(`${strategies}: malformed: column \`date\` should be Date32, found Int32`);
    await rm(strategies);
    const market = join(fx.dir, "market.arrow");
    const table = (await loadResults(fx.dir)).market as Table;
    await writeFile(market, tableToIPC(new Table({ date: table.getChild("date")!, name: table.getChild("name")!, kind: table.getChild("kind")! }), "file"));
    await expect(loadResults(fx.dir)).rejects.toThrow(`${market}: malformed: missing column \`close\` (Float64)`);
    const kinds = Array.from({ length: table.numRows }, (_, i) => (i === 4 ? "index" : (table.getChild("kind")!.get(i) as string)));
    await writeFile(market, tableToIPC(new Table({ date: table.getChild("date")!, name: table.getChild("name")!, kind: utf8(kinds), close: table.getChild("close")! }), "file"));
    await expect(loadResults(fx.dir)).rejects.toThrow(`${market}: malformed: column \`kind\` should be "ticker" or "series", found "index" in row 4`);
  });

  it("refuse a positions.arrow whose strategy column is not text", async () => {
    const fx = await fixture(PORTFOLIO);
    const path = join(fx.dir, "positions.arrow");
    const table = (await loadResults(fx.dir)).positions as Table;
    const columns = Object.fromEntries(table.schema.fields.map((f) => [f.name, f.name === "strategy" ? float64(Array.from({ length: table.numRows }, () => 1)) : table.getChild(f.name)!]));
    await writeFile(path, tableToIPC(new Table(columns), "file"));
    await expect(loadResults(fx.dir)).rejects.toThrow(`${path}: malformed: column \`strategy\` should be Utf8, found Float64`);
  });
});

describe("a run of 5,000 positions", () => {
  it("renders every one of them in the full table and keeps the page light (its time is measured by npm run bench)", async () => {
    const fx = await fixture({ positions: 5_000, tradingDays: 1_260, tickers: ["SPX", "ACME", "QQQ"], strategies: ["a", "b"], market: {} });
    const results = await loadResults(fx.dir);
    const html = renderReport(results);
    expect(element(html, "table", "positions-all").match(/<tr><td>/g)).toHaveLength(5_000);
    expect(html.length).toBeLessThan(6_000_000);
  });
});
