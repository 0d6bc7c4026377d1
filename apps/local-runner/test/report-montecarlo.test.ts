// The tearsheet's Monte Carlo section, from a hand-made montecarlo.json beside a report fixture: the
// equity fan of each method with the run's own path over it, the max-drawdown distributions with the
// run's own marked, the percentiles and the deeper-drawdown table; absent without the file, a note
// for a method the engine left out, and a file that is off-contract refused with its path and field.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { drawdownBars } from "../src/report/charts/montecarlo.js";
import { formatValue } from "../src/report/format.js";
import { loadResults, pathFigures, readPositions, renderReport, ResultsFileError, tradeOrderPath, writeReport, type RunResults } from "../src/report/index.js";
import { fanSteps, HISTOGRAM_COUNTS, monteCarloReport, RESAMPLES, writeMonteCarlo, type MonteCarloFixtureOptions } from "./montecarlo-fixture.js";
import { writeFixture, type Fixture, type FixtureOptions } from "./report-fixture.js";
import { removedAfterAll } from "./temp-dirs.js";

const fixture = removedAfterAll(writeFixture);
/** The report fixture's positions, its trading days. */
const POSITIONS = 40;
const DAYS = 340;

/** The CAGR every order of the fixture's positions makes over its trading days: (capital + Σ net P&L) / capital, to the power 252 / days, less 1. */
async function ownOrderCagr(fx: Fixture): Promise<number> {
  const positions = readPositions((await loadResults(fx.dir)).positions!);
  const final = fx.summary.capital + positions.reduce((sum, p) => sum + p.pnl, 0);
  return (final / fx.summary.capital) ** (252 / fx.summary.trading_days) - 1;
}

/** A fixture with montecarlo.json written for it (options of both; the reshuffle's CAGR that of its positions), loaded. */
async function withMonteCarlo(opts: MonteCarloFixtureOptions = {}, fixtureOpts: FixtureOptions = {}): Promise<{ fx: Fixture; results: RunResults }> {
  const fx = await fixture(fixtureOpts);
  await writeMonteCarlo(fx, monteCarloReport(fx, fixtureOpts.positions ?? POSITIONS, { reshuffleCagr: await ownOrderCagr(fx), ...opts }));
  return { fx, results: await loadResults(fx.dir) };
}

/** The element `<tag id="id" …>…</tag>` of `html` (non-nested tags), or "" when there is none. */
function element(html: string, tag: string, id: string): string {
  return new RegExp(`<${tag} id="${id}"[\\s\\S]*?</${tag}>`).exec(html)?.[0] ?? "";
}

/** The row `<tr data-mc="key">` of the percentiles table, its cells' text. */
function cells(html: string, key: string): string[] {
  const row = new RegExp(`<tr data-mc="${key.replace(".", "\\.")}">(.*?)</tr>`).exec(html)?.[1] ?? "";
  return [...row.matchAll(/<td>(.*?)<\/td>/g)].map((m) => (m[1] as string).replace(/<[^>]+>/g, ""));
}

describe("a run with montecarlo.json", () => {
  let html = "";
  let results: RunResults;
  beforeAll(async () => {
    ({ results } = await withMonteCarlo());
    html = renderReport(results);
  });

  it("loads the file, checked", () => {
    expect(results.montecarlo?.seed).toBe(7);
    expect(results.montecarlo?.bootstrap?.block).toBe(20);
    expect(results.montecarlo?.bootstrap?.fan.at(-1)?.step).toBe(DAYS - 1);
    expect(results.montecarlo?.reshuffle?.fan.at(-1)?.step).toBe(POSITIONS);
  });

  it("adds the section after the strategies and before the prices, stating resamples, block and seed", () => {
    const section = element(html, "section", "montecarlo");
    expect(section).toContain("<h2>Monte Carlo robustness</h2>");
    expect(section).toContain("in blocks of 20 trading days on average");
    expect(section).toContain("(200 resamples)");
    expect(section).toContain("Seed 7");
    expect(html.indexOf('id="montecarlo"')).toBeLessThan(html.indexOf('id="prices-missing"'));
    expect(html.indexOf('id="montecarlo"')).toBeGreaterThan(html.indexOf("<aside>"));
    expect(section).not.toContain("note-line");
  });

  it("draws an equity fan for each method: the band, the median, the capital and the run's own path, steps across", () => {
    for (const [method, unit, own] of [["bootstrap", "Trading days", "This run"], ["reshuffle", "Trades", "This run’s order"]] as const) {
      const fig = element(html, "figure", `chart-mc-fan-${method}`);
      expect(fig, method).toMatch(/<svg [^>]*viewBox/);
      for (const text of ["5th–95th percentile", "Median", own, unit, "Capital $100k"]) expect(fig, `${method}: ${text}`).toContain(`>${text}<`);
      expect(fig).toContain("Equity over 200 resamples");
    }
    // The x axis ends at the path's last step: the last daily return, the last position.
    expect(element(html, "figure", "chart-mc-fan-bootstrap")).toContain(">339<");
    expect(element(html, "figure", "chart-mc-fan-reshuffle")).toContain(">40<");
  });

  it("draws each method's max-drawdown distribution with the run's own drawdown marked", () => {
    const bootstrap = element(html, "figure", "chart-mc-drawdown-bootstrap");
    const own = results.summary.metrics.max_drawdown as number;
    expect(bootstrap).toMatch(/<svg [^>]*viewBox/);
    expect(bootstrap).toContain(`>This run ${Number((own * 100).toFixed(1))}%<`);
    expect(bootstrap).toContain(`marked: this run’s ${formatValue(own, "percent")}`);
    expect(bootstrap).toContain(">Max drawdown<");
    // Round percentages on the axis, from the deepest bin (−30%).
    expect(bootstrap).toContain(">-30%<");
    expect(bootstrap.match(/<path d="M[^"]*" fill="#(b42318|1f4e79)"/g)?.length ?? 0).toBeGreaterThanOrEqual(HISTOGRAM_COUNTS.length);
    expect(element(html, "figure", "chart-mc-drawdown-reshuffle")).toContain("in the order its positions ended");
  });

  it("tabulates the 5th, 50th and 95th percentiles of each figure by method, beside the run's own", () => {
    const { summary } = results;
    const m = summary.metrics;
    expect(cells(html, "bootstrap.final_equity")).toEqual(["Final equity", "$90,000", "$104,000", "$118,000", formatValue(summary.final_equity, "wholeDollars")]);
    expect(cells(html, "bootstrap.cagr")).toEqual(["CAGR", "-5.12%", "2.91%", "10.34%", formatValue(m.cagr, "percent")]);
    expect(cells(html, "bootstrap.max_drawdown")).toEqual(["Max drawdown", "-21.31%", "-11.25%", "-5.12%", formatValue(m.max_drawdown, "percent")]);
    expect(cells(html, "bootstrap.longest_drawdown")).toEqual(["Longest drawdown, trading days", "40.3", "120.5", "260", "211"]);
    const own = pathFigures(tradeOrderPath(summary.capital, readPositions(results.positions!).map((p) => p.pnl)));
    expect(cells(html, "reshuffle.final_equity")[4]).toBe(formatValue(own.final, "wholeDollars"));
    expect(cells(html, "reshuffle.max_drawdown")[4]).toBe(formatValue(own.maxDrawdown, "percent"));
    expect(cells(html, "reshuffle.longest_drawdown")).toEqual(["Longest drawdown, trades", "40.3", "120.5", "260", String(own.longest)]);
    // The reshuffle's CAGR is over the run's trading days, and every order ends at the same equity:
    // each resample's CAGR is the run's own order's.
    const cagr = formatValue((own.final / summary.capital) ** (252 / DAYS) - 1, "percent");
    expect(cells(html, "reshuffle.cagr")).toEqual(["CAGR, the same in every order", cagr, cagr, cagr, cagr]);
    expect(html).toContain("(final equity / capital)^(252 / the run’s trading days) − 1, as summary.json’s CAGR");
    expect(html).not.toContain("a trade counted as a day");
    const table = element(html, "table", "mc-percentiles");
    expect(table).toContain("Block bootstrap of daily returns · 200 resamples, mean block 20 trading days");
    expect(table).toContain("Trade reshuffle · 200 resamples");
  });

  it("tabulates the probability of a deeper max drawdown at each level, by method", () => {
    const table = element(html, "table", "mc-deeper");
    expect(table).toContain('<th scope="col">Block bootstrap of daily returns</th><th scope="col">Trade reshuffle</th>');
    expect(table).toContain('<tr data-level="0.1"><td>Deeper than 10%</td><td>55.50%</td><td>55.50%</td></tr>');
    expect(table).toContain('<tr data-level="0.2"><td>Deeper than 20%</td><td>7.00%</td><td>7.00%</td></tr>');
    expect(table).toContain('<tr data-level="0.3"><td>Deeper than 30%</td><td>0.00%</td><td>0.00%</td></tr>');
  });

  it("writes it into report.html as static SVG, no script", async () => {
    const { fx } = await withMonteCarlo();
    const page = await readFile(await writeReport(fx.dir), "utf8");
    expect(page).toContain('<section id="montecarlo" class="section">');
    expect(page).not.toMatch(/<script/i);
  });
});

describe("the Monte Carlo section, partly there", () => {
  it("is left out entirely without montecarlo.json", async () => {
    const results = await loadResults((await fixture()).dir);
    expect(results.montecarlo).toBeUndefined();
    const html = renderReport(results);
    expect(html).not.toContain('id="montecarlo');
    expect(html).not.toContain("chart-mc-");
  });

  it("says why a method the engine left out is missing, and draws the other", async () => {
    const noTrades = renderReport((await withMonteCarlo({ reshuffle: false })).results);
    expect(element(noTrades, "p", "montecarlo-reshuffle-missing")).toContain("No trade reshuffle: the run has fewer than two positions.");
    expect(noTrades).toContain('<figure id="chart-mc-fan-bootstrap">');
    expect(noTrades).not.toContain("chart-mc-fan-reshuffle");
    expect(element(noTrades, "table", "mc-deeper")).not.toContain("Trade reshuffle");
    const neither = renderReport((await withMonteCarlo({ reshuffle: false, bootstrap: false })).results);
    expect(neither).toContain('id="montecarlo-bootstrap-missing"');
    expect(neither).toContain('id="montecarlo-reshuffle-missing"');
    expect(element(neither, "section", "montecarlo")).not.toContain("<svg");
    expect(neither).not.toContain('id="mc-percentiles"');
  });

  it("shows an undefined CAGR as dashes, saying why", async () => {
    const html = renderReport((await withMonteCarlo({ cagrUndefined: true })).results);
    expect(cells(html, "bootstrap.cagr").slice(0, 4)).toEqual(["CAGR: undefined, some resample’s equity fell to zero or below", "—", "—", "—"]);
    expect(cells(html, "reshuffle.cagr").slice(0, 4)).toEqual(["CAGR: undefined, the positions’ net P&amp;L ends the equity below zero", "—", "—", "—"]);
  });

  it("states that the reshuffle ends at the run's own equity in every order", async () => {
    const html = renderReport((await withMonteCarlo()).results);
    expect(element(html, "section", "montecarlo")).toContain("every order ends at the same equity, so its final equity and CAGR are those of the run’s own order");
  });

  it("draws a histogram of one zero-width bin (every resample equally deep) as a visible bar", async () => {
    const [bar] = drawdownBars([{ from: -0.12, to: -0.12, count: RESAMPLES }]);
    expect(bar?.lo).toBeCloseTo(-0.126, 12);
    expect(bar?.hi).toBeCloseTo(-0.114, 12);
    expect(bar?.count).toBe(RESAMPLES);
    expect(drawdownBars([{ from: 0, to: 0, count: 3 }])).toEqual([{ lo: -0.0025, hi: 0, count: 3 }]);
    const html = renderReport((await withMonteCarlo({ oneBin: true })).results);
    expect(element(html, "figure", "chart-mc-drawdown-bootstrap")).toMatch(/<svg [^>]*viewBox/);
  });

  it.each([
    ["another capital", (r: Record<string, unknown>) => (r["capital"] = 250_000), "its capital is $250,000.00, summary.json’s $100,000.00"],
    ["a bootstrap over other days", (r: Record<string, unknown>) => ((r["bootstrap"] as { fan: { step: number }[] }).fan.at(-1)!.step = 500), "its bootstrap runs 500 daily returns, the run has 339"],
    ["a reshuffle of other positions", (r: Record<string, unknown>) => ((r["reshuffle"] as { fan: { step: number }[] }).fan.at(-1)!.step = 41), "its reshuffle orders 41 positions, positions.arrow has 40"],
  ])("is left out with a note when montecarlo.json has %s (a file left from an earlier run)", async (_what, edit, why) => {
    const fx = await fixture();
    const report = monteCarloReport(fx, POSITIONS) as unknown as Record<string, unknown>;
    edit(report);
    await writeMonteCarlo(fx, report);
    const html = renderReport(await loadResults(fx.dir));
    expect(element(html, "p", "montecarlo-mismatch")).toContain(`montecarlo.json does not describe these results (${why})`);
    expect(html).not.toContain("chart-mc-");
  });

  it("is left out with a note when montecarlo.json's reshuffle CAGR counts a trade as a day (an engine before it was over the run's days)", async () => {
    const fx = await fixture();
    const own = formatValue(await ownOrderCagr(fx), "percent");
    // (final / capital)^(252 / (trades + 1)) − 1, the old figure.
    await writeMonteCarlo(fx, monteCarloReport(fx, POSITIONS, { reshuffleCagr: 0.0912 }));
    const html = renderReport(await loadResults(fx.dir));
    expect(element(html, "p", "montecarlo-mismatch")).toContain(
      `montecarlo.json does not describe these results (its reshuffle’s CAGR is 9.12%, not the ${own} every order of these positions makes over the run’s 340 trading days: it is from an engine that counted each trade as a day)`,
    );
    expect(html).not.toContain("chart-mc-");
  });

  it("draws fans of a long run at the engine's 250 steps at most", async () => {
    expect(fanSteps(340)).toHaveLength(171);
    expect(fanSteps(1760).at(-1)).toBe(1759);
    expect(fanSteps(1760).length).toBeLessThanOrEqual(251);
    const { results } = await withMonteCarlo({}, { tradingDays: 1760 });
    expect(element(renderReport(results), "figure", "chart-mc-fan-bootstrap")).toContain(">Trading days<");
  });
});

describe("pathFigures and tradeOrderPath", () => {
  it("add the positions to the capital in order, and measure final value, deepest and longest drawdown", () => {
    expect(tradeOrderPath(100, [10, -11, 6, 6, -21, 5])).toEqual([100, 110, 99, 105, 111, 90, 95]);
    const figures = pathFigures([100, 110, 99, 105, 111, 90, 95]);
    expect(figures.final).toBe(95);
    expect(figures.maxDrawdown).toBeCloseTo(90 / 111 - 1, 12);
    // 110 (step 1) regained at step 4: 3 steps; 111 (step 4) not regained by the end (step 6): 2.
    expect(figures.longest).toBe(3);
    expect(pathFigures([100, 101, 102])).toEqual({ final: 102, maxDrawdown: 0, longest: 0 });
  });
});

describe("a malformed montecarlo.json", () => {
  type Edit = (r: Record<string, unknown>) => void;
  const at = (r: Record<string, unknown>, method: string) => r[method] as Record<string, unknown>;
  const list = (r: Record<string, unknown>, method: string, key: string) => at(r, method)[key] as Record<string, unknown>[];
  const cases: [string, Edit, string][] = [
    ["a seed that is text", (r) => (r["seed"] = "1"), "`seed` should be a finite number, found string"],
    ["a fractional seed", (r) => (r["seed"] = 1.5), "`seed` should be a whole number of at least 0, found 1.5"],
    ["no capital", (r) => delete r["capital"], "`capital` should be a finite number, found nothing"],
    ["a capital of 0", (r) => (r["capital"] = 0), "`capital` should be above 0, found 0"],
    ["no bootstrap", (r) => delete r["bootstrap"], "`bootstrap` should be an object or null, found nothing"],
    ["a reshuffle that is a list", (r) => (r["reshuffle"] = []), "`reshuffle` should be an object, found an array"],
    ["a block below 1", (r) => (at(r, "bootstrap")["block"] = 0.5), "`bootstrap.block` should be at least 1, found 0.5"],
    ["no resamples", (r) => delete at(r, "reshuffle")["resamples"], "`reshuffle.resamples` should be a finite number, found nothing"],
    ["0 resamples", (r) => (at(r, "reshuffle")["resamples"] = 0), "`reshuffle.resamples` should be a whole number of at least 1, found 0"],
    ["a percentile that was NaN (serde writes null)", (r) => ((at(r, "bootstrap")["final_equity"] as Record<string, unknown>)["p50"] = null), "`bootstrap.final_equity.p50` should be a finite number, found null"],
    ["a mean that is text", (r) => ((at(r, "bootstrap")["max_drawdown"] as Record<string, unknown>)["mean"] = "-0.1"), "`bootstrap.max_drawdown.mean` should be a finite number, found string"],
    ["no cagr (null is fine, absent is not)", (r) => delete at(r, "reshuffle")["cagr"], "`reshuffle.cagr` should be an object or null, found nothing"],
    ["no longest drawdown", (r) => delete at(r, "bootstrap")["longest_drawdown"], "`bootstrap.longest_drawdown` should be an object, found nothing"],
    ["deeper-than levels that are not a list", (r) => (at(r, "bootstrap")["drawdown_deeper_than"] = {}), "`bootstrap.drawdown_deeper_than` should be an array, found object"],
    ["a probability above 1", (r) => (list(r, "reshuffle", "drawdown_deeper_than")[1]!["probability"] = 1.5), "`reshuffle.drawdown_deeper_than[1].probability` should be in [0, 1], found 1.5"],
    ["a level of 20 (not a fraction)", (r) => (list(r, "bootstrap", "drawdown_deeper_than")[1]!["level"] = 20), "`bootstrap.drawdown_deeper_than[1].level` should be a fraction in (0, 1), found 20"],
    ["a bin count that is negative", (r) => (list(r, "bootstrap", "max_drawdown_histogram")[2]!["count"] = -1), "`bootstrap.max_drawdown_histogram[2].count` should be a whole number of at least 0, found -1"],
    ["a bin without its lower edge", (r) => delete list(r, "bootstrap", "max_drawdown_histogram")[0]!["from"], "`bootstrap.max_drawdown_histogram[0].from` should be a finite number, found nothing"],
    ["a bin above 0", (r) => (list(r, "bootstrap", "max_drawdown_histogram")[19]!["to"] = 0.05), "`bootstrap.max_drawdown_histogram[19]` should have from ≤ to ≤ 0 (drawdowns are fractions ≤ 0), found from -0.034, to 0.05"],
    ["bins out of order", (r) => list(r, "reshuffle", "max_drawdown_histogram").reverse(), "`reshuffle.max_drawdown_histogram[1].from` should not be below the previous bin's, found -0.048"],
    ["bins that miss a resample", (r) => (list(r, "reshuffle", "max_drawdown_histogram")[0]!["count"] = 0), "`reshuffle.max_drawdown_histogram` should count each of the 200 resamples once, counts 199"],
    ["a fan point without p95", (r) => delete list(r, "reshuffle", "fan")[3]!["p95"], "`reshuffle.fan[3].p95` should be a finite number, found nothing"],
    ["a fan that goes back", (r) => (list(r, "bootstrap", "fan")[2]!["step"] = 1), "`bootstrap.fan[2].step` should be above the previous point's (2), found 1"],
    ["a fan point with p5 above p50", (r) => (list(r, "bootstrap", "fan")[5]!["p5"] = 1e9), "`bootstrap.fan[5]` should have p5 ≤ p50 ≤ p95, found 1000000000"],
    ["a fan that is not a list", (r) => (at(r, "reshuffle")["fan"] = null), "`reshuffle.fan` should be an array, found null"],
  ];

  it.each(cases)("with %s is refused, naming the file and the field", async (_what, edit, message) => {
    const fx = await fixture();
    const report = monteCarloReport(fx, POSITIONS) as unknown as Record<string, unknown>;
    edit(report);
    const path = await writeMonteCarlo(fx, report);
    const error = await loadResults(fx.dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultsFileError);
    expect((error as ResultsFileError).file).toBe(path);
    expect((error as Error).message).toContain(`${path}: malformed Monte Carlo report: ${message}`);
  });

  it.each([
    ["NaN, which JSON does not have", (text: string) => text.replace(/"p50": [-\d.e]+/, '"p50": NaN'), "not valid JSON"],
    ["nothing at all", () => "", "not valid JSON"],
    ["a list", () => "[]", "malformed Monte Carlo report: the document should be an object, found an array"],
    ["a number too large for a double (Infinity)", (text: string) => text.replace(/"capital": [\d.]+/, '"capital": 1e999'), "malformed Monte Carlo report: `capital` should be a finite number, found Infinity"],
  ])("holding %s is refused, naming the file", async (_what, edit, message) => {
    const fx = await fixture();
    const path = await writeMonteCarlo(fx, monteCarloReport(fx, POSITIONS));
    await writeFile(path, edit(await readFile(path, "utf8")));
    await expect(loadResults(fx.dir)).rejects.toThrow(`${path}: ${message}`);
    await expect(writeReport(fx.dir)).rejects.toThrow(`${path}: `);
  });

  it("that is a directory is refused as unreadable", async () => {
    const fx = await fixture();
    const path = join(fx.dir, "montecarlo.json");
    await mkdir(path);
    await expect(loadResults(fx.dir)).rejects.toThrow(`${path}: unreadable: `);
  });
});
