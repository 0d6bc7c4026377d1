// The sweep report's parts from the files a newer engine writes after the points: the walk-forward
// section (walk_forward.json, walk_forward.arrow), the multiple-testing section and the plateau
// beside the CSCV details (stats.json). Hand-made files beside a sweep fixture: what the page
// shows; no section without the files; a note when a file is not of this sweep; and every
// malformed file refused with its path and the field.
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Int32, makeVector, Table, tableToIPC, type Vector } from "apache-arrow";
import { beforeAll, describe, expect, it } from "vitest";
import { loadSweep, plateauReading, renderSweepReport, ResultsFileError, spaReading, type Plateau, type SpaReport } from "../src/report/index.js";
import { float64Nullable, utf8Nullable, writeSweepFixture, type SweepFixture } from "./sweep-fixture.js";
import { CASH_WINDOW, IN_SAMPLE, OUT_OF_SAMPLE, writeResearchFiles, type ResearchFixture, type ResearchOptions } from "./sweep-research-fixture.js";
import { removedAfterAll } from "./temp-dirs.js";

const fixture = removedAfterAll(writeSweepFixture);

/** A sweep fixture with the research files (options of both), its report rendered. */
async function withResearch(opts: ResearchOptions = {}, sweepOpts: Parameters<typeof writeSweepFixture>[0] = {}): Promise<{ fx: SweepFixture; research: ResearchFixture; html: string }> {
  const fx = await fixture(sweepOpts);
  const research = await writeResearchFiles(fx, opts);
  return { fx, research, html: renderSweepReport(await loadSweep(fx.dir)) };
}

/** The element `<tag id="id" …>…</tag>` of `html` (non-nested tags), or "" when there is none. */
function element(html: string, tag: string, id: string): string {
  return new RegExp(`<${tag} id="${id}"[\\s\\S]*?</${tag}>`).exec(html)?.[0] ?? "";
}

function kpi(html: string, key: string): string {
  return new RegExp(`<li data-kpi="${key}"><span class="label">[^<]*</span><span class="value[^"]*">([^<]*)</span>`).exec(html)?.[1] ?? "";
}

/** The cells of `<tr data-*="key">`, tags stripped. */
function cells(html: string, attr: string, key: string): string[] {
  const row = new RegExp(`<tr data-${attr}="${key}"[^>]*>(.*?)</tr>`).exec(html)?.[1] ?? "";
  return [...row.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => (m[1] as string).replace(/<br>/g, " ").replace(/<[^>]+>/g, ""));
}

describe("the walk-forward section", () => {
  let html = "";
  let fx: SweepFixture;
  let research: ResearchFixture;
  beforeAll(async () => {
    ({ fx, research, html } = await withResearch());
  });

  it("comes after the charts and tables, before the top points, with the scheme, windows and mode in its lede", () => {
    const section = element(html, "section", "walk-forward");
    expect(section).toContain("<h2>Walk-forward</h2>");
    expect(section).toContain(`Each of the 5 windows chooses the point best by Sharpe ratio over its in-sample days, its last ${IN_SAMPLE} trading days (rolling)`);
    expect(section).toContain(`then holds it for the next ${OUT_OF_SAMPLE} trading days`);
    expect(section).toContain("the chosen points’ daily returns as the sweep has them");
    expect(html.indexOf('id="walk-forward"')).toBeGreaterThan(html.indexOf("</aside>"));
    expect(html.indexOf('id="walk-forward"')).toBeLessThan(html.indexOf('id="top-points"'));
  });

  it("leads with the out-of-sample figures and the walk-forward efficiency", () => {
    expect(kpi(html, "wf-total-return")).toBe("4.56%");
    expect(kpi(html, "wf-cagr")).toBe("12.34%");
    expect(kpi(html, "wf-sharpe")).toBe("1.11");
    expect(kpi(html, "wf-max-drawdown")).toBe("-3.21%");
    expect(kpi(html, "wf-efficiency")).toBe("0.62");
    expect(kpi(html, "wf-windows")).toBe("5");
    const section = element(html, "section", "walk-forward");
    expect(section).toContain("the chosen points in sample: 20.00% on average");
    expect(section).toContain("the best point in hindsight: 1.50");
    expect(section).toContain("rolling, 40 / 12 days, by Sharpe ratio, returns mode; 1 in cash");
    expect(section).toContain(`${research.walkForward?.span.first} → ${research.walkForward?.span.last}, 55 trading days`);
  });

  it("draws the stitched curve against the best point in hindsight, the window in cash shaded", () => {
    const fig = element(html, "figure", "chart-wf-equity");
    expect(fig).toMatch(/<svg [^>]*viewBox/);
    for (const text of ["Walk-forward, out of sample", "Best point in hindsight", "in cash", "Start"]) expect(fig, text).toContain(`>${text}<`);
    const hindsight = fx.info.points[5]!;
    expect(hindsight.params).toEqual({ "strategy.exit.profit_target": 0.5, "strategy.legs[0].delta.target": 0.2 });
    expect(fig).toContain(`of point <code>${hindsight.id}</code> (<span title="strategy.exit.profit_target">exit.profit_target</span> 0.5 · <span title="strategy.legs[0].delta.target">delta.target</span> 0.2)`);
    expect(fig).toContain("Shaded: 1 window(s) in cash");
    expect(fig.match(/<path /g)?.length ?? 0).toBeGreaterThan(4);
  });

  it("draws one step line per swept parameter across the windows, on the sweep's range", () => {
    const fig = element(html, "figure", "chart-wf-params");
    expect(fig).toMatch(/<svg [^>]*viewBox/);
    expect(fig).toContain(">exit.profit_target<");
    expect(fig).toContain(">delta.target<");
    expect(fig).toContain("A gap: a window in cash.");
  });

  it("tabulates the stitched curve beside the best point in hindsight", () => {
    const table = element(html, "table", "wf-figures");
    expect(table).toContain(`Best point in hindsight <code>${fx.info.points[5]!.id}</code>`);
    expect(cells(table, "figure", "total_return")).toEqual(["Total return", "4.56%", "7.89%"]);
    expect(cells(table, "figure", "sharpe")).toEqual(["Sharpe ratio", "1.11", "1.50"]);
    expect(cells(table, "figure", "calmar")).toEqual(["Calmar ratio", "3.84", "8.89"]);
  });

  it("lists every window with its spans, the point chosen and its parameters, and its figures; the one in cash says so", () => {
    const table = element(html, "table", "wf-windows");
    expect(table.match(/<tr data-window="/g)).toHaveLength(5);
    const w = research.walkForward!.windows;
    const first = cells(table, "window", "0");
    const point = fx.info.points[3]!;
    expect(first).toEqual([
      "1",
      `${w[0]!.in_sample.first} → ${w[0]!.in_sample.last} 40 days`,
      `${w[0]!.out_of_sample.first} → ${w[0]!.out_of_sample.last} 12 days`,
      point.id,
      String(point.params["strategy.exit.profit_target"]),
      String(point.params["strategy.legs[0].delta.target"]),
      "12",
      "1.20",
      "2.00%",
      "0.25",
      "-2.00%",
      "-0.25",
      "—",
    ]);
    // Eligible, score, in-sample CAGR and Sharpe, out-of-sample CAGR and Sharpe, efficiency.
    expect(cells(table, "window", "1").slice(6)).toEqual(["11", "1.10", "4.00%", "0.50", "0.00%", "0.00", "0.00"]);
    const cash = cells(table, "window", String(CASH_WINDOW));
    expect(cash.slice(3, 9)).toEqual(["in cash", "—", "—", "0", "—", "—"]);
    expect(table).toContain(`<tr data-window="${CASH_WINDOW}" class="cash">`);
    // The last window takes the remaining 7 days.
    expect(cells(table, "window", "4")[2]).toMatch(/ 7 days$/);
  });
});

describe("the walk-forward section in other shapes", () => {
  it("labels a text parameter's values on its own axis", async () => {
    const { html } = await withResearch({}, { grid: { "strategy.legs[0].right": ["put", "call"], "strategy.exit.profit_target": [0.25, 0.5, 0.75, 0.9] } });
    const fig = element(html, "figure", "chart-wf-params");
    expect(fig).toContain(">put<");
    expect(fig).toContain(">call<");
    expect(fig).toContain(">legs[0].right<");
  });

  it("draws the stitched curve alone when no point is best in hindsight", async () => {
    const fx = await fixture();
    const { walkForward, curve } = await writeResearchFiles(fx);
    await writeFile(join(fx.dir, "walk_forward.json"), JSON.stringify({ ...walkForward, hindsight_point: null, hindsight: null }));
    const t = curve as Table;
    const columns = Object.fromEntries(t.schema.fields.map((f) => [f.name, t.getChild(f.name) as Vector]));
    await writeFile(join(fx.dir, "walk_forward.arrow"), tableToIPC(new Table({ ...columns, hindsight_equity: float64Nullable(Array.from({ length: t.numRows }, () => null)) }), "file"));
    const html = renderSweepReport(await loadSweep(fx.dir));
    const fig = element(html, "figure", "chart-wf-equity");
    expect(fig).toContain("No point had a value of the metric over these days to compare it with in hindsight.");
    expect(fig).toContain(">Walk-forward, out of sample<");
    expect(fig).not.toContain(">Best point in hindsight<");
    expect(cells(element(html, "table", "wf-figures"), "figure", "cagr")).toEqual(["CAGR", "12.34%", "—"]);
    expect(kpi(html, "wf-sharpe")).toBe("1.11");
    expect(element(html, "section", "walk-forward")).toContain("no point to compare in hindsight");
  });

  it("is absent without walk_forward.json, and so is the multiple-testing section without stats.json", async () => {
    const fx = await fixture();
    const html = renderSweepReport(await loadSweep(fx.dir));
    for (const id of ["walk-forward", "multiple-testing", "plateau", "plateau-reading"]) expect(html).not.toContain(`id="${id}"`);
  });

  it("gives way to a note when walk_forward.json chose a point that is not the sweep's", async () => {
    const fx = await fixture();
    await writeResearchFiles(fx);
    const path = join(fx.dir, "walk_forward.json");
    const report = JSON.parse(await readFile(path, "utf8")) as { points: number };
    await writeFile(path, JSON.stringify({ ...report, points: 99 }));
    const html = renderSweepReport(await loadSweep(fx.dir));
    expect(element(html, "p", "walk-forward-mismatch")).toContain("walk_forward.json does not describe this sweep (it chose among 99 points, the sweep has 12)");
    expect(html).not.toContain("chart-wf-");
  });

  it("says what sweep.json notes when a merge could not rerun the walk-forward, and nothing is missing", async () => {
    const fx = await fixture();
    await writeResearchFiles(fx, { walkForward: false });
    const info = JSON.parse(await readFile(join(fx.dir, "sweep.json"), "utf8")) as Record<string, unknown>;
    const note = "walk_forward: mode rerun runs the chosen points over the data, which a merge does not have: run `aegis-bt walk-forward --sweep <this directory> --mode rerun`";
    await writeFile(join(fx.dir, "sweep.json"), JSON.stringify({ ...info, walk_forward: { mode: "rerun" }, notes: [note, "cscv: something else"] }));
    const html = renderSweepReport(await loadSweep(fx.dir));
    expect(element(html, "p", "walk-forward-missing")).toContain(`No walk-forward in this directory. walk_forward: mode rerun runs the chosen points over the data, which a merge does not have: run \`aegis-bt walk-forward --sweep &lt;this directory&gt; --mode rerun\``);
    expect(element(html, "section", "sweep-notes")).toContain("<p>cscv: something else</p>");
    expect(element(html, "section", "sweep-notes")).not.toContain("walk_forward:");
  });
});

describe("the multiple-testing section", () => {
  let html = "";
  let fx: SweepFixture;
  beforeAll(async () => {
    ({ fx, html } = await withResearch());
  });

  it("leads with the SPA p-values, the reality check and the stepdown counts", () => {
    expect(kpi(html, "spa-consistent")).toBe("0.034");
    expect(kpi(html, "spa-lower")).toBe("0.012");
    expect(kpi(html, "spa-upper")).toBe("0.051");
    expect(kpi(html, "reality-check")).toBe("0.051");
    expect(kpi(html, "stepdown-0.05")).toBe("1");
    expect(kpi(html, "stepdown-0.1")).toBe("2");
  });

  it("states the benchmark, bootstrap, block and seed, and the best point with its parameters", () => {
    const section = element(html, "section", "multiple-testing");
    expect(section).toContain("<h2>Multiple testing</h2>");
    expect(section).toContain("Does any of the 12 points beat zero (a point must earn more than nothing) once the search over them is accounted for?");
    expect(section).toContain("1,000 resamples, mean block 9 trading days, seed 1");
    expect(section).toContain(`4.20 bp a day, of point <code>${fx.info.points[6]!.id}</code> (`);
    expect(element(html, "p", "spa-reading")).toContain("Some point beats zero (a point must earn more than nothing) at the 5% level even after the search over 12 points (consistent p = 0.034). The stepdown finds 1 point(s) better at 5%.");
    const details = element(html, "table", "spa-details");
    expect(details).toContain('<th scope="row">Mean block</th><td>9 trading days</td>');
    expect(details).toContain('<th scope="row">SPA lower / consistent / upper</th><td>0.012 / 0.034 / 0.051</td>');
  });

  it("lists the stepdown set at each level with the points' parameters from sweep.json, or none", () => {
    const table = element(html, "table", "spa-stepdown");
    const [a, b] = [fx.info.points[6]!, fx.info.points[7]!];
    const params = (p: typeof a) => `exit.profit_target ${String(p.params["strategy.exit.profit_target"])} · delta.target ${String(p.params["strategy.legs[0].delta.target"])}`;
    expect(cells(table, "level", "0.05")).toEqual(["5%", "1", `${a.id} ${params(a)}`, "3.10 bp, 2.90 bp"]);
    expect(cells(table, "level", "0.1")).toEqual(["10%", "2", `${a.id} ${params(a)} ${b.id} ${params(b)}`, "2.60 bp, 2.40 bp, 2.30 bp"]);
    expect(cells(table, "level", "0.01")).toEqual(["1%", "0", "none", "4.50 bp"]);
  });

  it("is a note when stats.json has no SPA (the scenario had no spa section)", async () => {
    const { html: page } = await withResearch({ spa: false });
    expect(element(page, "p", "spa-missing")).toContain("the scenario has no <code>spa</code> section");
    expect(page).not.toContain('id="spa-stepdown"');
    expect(page).toContain('<table id="plateau" class="kv">');
  });

  it("gives way to a note, and so does the plateau, when stats.json names a point the sweep does not have", async () => {
    const fx2 = await fixture();
    await writeResearchFiles(fx2);
    const path = join(fx2.dir, "stats.json");
    const stats = JSON.parse(await readFile(path, "utf8")) as { spa: { best: string } };
    stats.spa.best = "000000000000";
    await writeFile(path, JSON.stringify(stats));
    const page = renderSweepReport(await loadSweep(fx2.dir));
    expect(element(page, "p", "spa-mismatch")).toContain("stats.json does not describe this sweep (its SPA names point 000000000000, which is not one of the sweep’s)");
    expect(element(page, "p", "plateau-mismatch")).toContain("Plateau left out: stats.json does not describe this sweep");
    expect(page).not.toContain('id="spa-stepdown"');
  });
});

describe("the plateau beside the CSCV details", () => {
  it("shows the best point, its value, the neighbours' mean and least, the share within 10%, and a plain reading", async () => {
    const { fx, html } = await withResearch();
    const table = element(html, "table", "plateau");
    expect(table).toContain(`<th scope="row">Best point</th><td>${fx.info.points[6]!.id}</td>`);
    expect(table).toContain('<th scope="row">Its Sharpe ratio</th><td>1.05</td>');
    expect(table).toContain("Neighbours</abbr></th><td>3</td>");
    expect(table).toContain('<th scope="row">Their mean</th><td>0.80</td>');
    expect(table).toContain('<th scope="row">Their least</th><td>0.21</td>');
    expect(table).toContain('<th scope="row">Within 10% of the best</th><td>33.33%</td>');
    const reading = element(html, "p", "plateau-reading");
    expect(reading).toContain('data-kind="spike"');
    expect(reading).toContain("A spike: the weakest neighbour’s Sharpe ratio is 0.21 against the best’s 1.05 (20% of it)");
    // In the right column, after the CSCV table.
    const aside = /<aside>[\s\S]*?<\/aside>/.exec(html)?.[0] ?? "";
    expect(aside.indexOf('id="plateau"')).toBeGreaterThan(aside.indexOf('id="cscv"'));
  });

  it("reads a plateau, a slope, a spike, a point alone and no edge", () => {
    const p = (over: Partial<Plateau>): Plateau => ({ metric: "sharpe", best_point: "a", best_value: 1, neighbours: 4, mean: 0.9, min: 0.8, within_10pct: 0.5, ...over });
    expect(plateauReading(p({})).kind).toBe("plateau");
    expect(plateauReading(p({ min: 0.6, mean: 0.7 }))).toEqual({ kind: "slope", text: "A slope: the neighbours keep 70% of the best’s Sharpe ratio on average and the weakest 60%." });
    expect(plateauReading(p({ min: -0.2 })).text).toContain("(none of it)");
    expect(plateauReading(p({ min: 0.49 })).kind).toBe("spike");
    expect(plateauReading(p({ neighbours: 0, mean: null, min: null, within_10pct: null })).kind).toBe("alone");
    expect(plateauReading(p({ best_value: -0.1, metric: "total_return" })).text).toBe("Even the best point’s total return is -10.00%: there is no edge to sit on a plateau.");
  });

  it("reads the SPA at 10% and above", () => {
    const spa = (consistent: number): SpaReport => ({
      benchmark: "benchmark:SPX", models: 24, days: 100, bootstrap: 1000, block: 10, seed: 1, statistic: 0.0001, best: "a",
      spa: { lower: consistent, consistent, upper: consistent }, reality_check: consistent, stepdown: [{ level: 0.05, better: [], critical_values: [0.001] }],
    });
    expect(spaReading(spa(0.07))).toBe("Some point beats SPX bought and held at the 10% level, not at 5%, after the search over 24 points (consistent p = 0.070). The stepdown finds no point better at any level.");
    expect(spaReading(spa(0.249))).toBe(
      "No point beats SPX bought and held once the search over 24 points is accounted for: the best of 24 points without an edge does as well 25% of the time (consistent p = 0.249). The stepdown finds no point better at any level.",
    );
  });
});

describe("a malformed stats.json", () => {
  type Edit = (s: Record<string, any>) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
  const cases: [string, Edit, string][] = [
    ["no plateau", (s) => delete s["plateau"], "`plateau` should be an object or null, found nothing"],
    ["a plateau that is a list", (s) => (s["plateau"] = []), "`plateau` should be an object, found an array"],
    ["a best value that is text", (s) => (s["plateau"].best_value = "1"), "`plateau.best_value` should be a finite number, found string"],
    ["an unknown plateau metric", (s) => (s["plateau"].metric = "sortino"), '`plateau.metric` should be one of sharpe, mean, total_return, found "sortino"'],
    ["a share within 10% above 1", (s) => (s["plateau"].within_10pct = 1.5), "`plateau.within_10pct` should be in [0, 1], found 1.5"],
    ["no mean over 3 neighbours", (s) => (s["plateau"].mean = null), "`plateau.mean` should be a number over the 3 neighbours, found null"],
    ["a benchmark that is a number", (s) => (s["benchmark"] = 0), "`benchmark` should be a string, found number"],
    ["an SPA that is text", (s) => (s["spa"] = "none"), "`spa` should be an object, found string"],
    ["no consistent p-value", (s) => delete s["spa"].spa.consistent, "`spa.spa.consistent` should be a finite number, found nothing"],
    ["a p-value above 1", (s) => (s["spa"].reality_check = 2), "`spa.reality_check` should be in [0, 1], found 2"],
    ["a block below 1", (s) => (s["spa"].block = 0.5), "`spa.block` should be at least 1, found 0.5"],
    ["a fractional bootstrap", (s) => (s["spa"].bootstrap = 10.5), "`spa.bootstrap` should be a whole number of at least 1, found 10.5"],
    ["a stepdown point that is a number", (s) => (s["spa"].stepdown[1].better[1] = 7), "`spa.stepdown[1].better[1]` should be a point id (a string), found number"],
    ["a stepdown level of 5", (s) => (s["spa"].stepdown[0].level = 5), "`spa.stepdown[0].level` should be a fraction in (0, 1), found 5"],
    ["a critical value that was NaN (null)", (s) => (s["spa"].stepdown[0].critical_values[1] = null), "`spa.stepdown[0].critical_values[1]` should be a finite number, found null"],
    ["stepdown that is not a list", (s) => (s["spa"].stepdown = {}), "`spa.stepdown` should be an array, found object"],
    ["no best point", (s) => delete s["spa"].best, "`spa.best` should be a string, found nothing"],
  ];

  it.each(cases)("with %s is refused, naming the file and the field", async (_what, edit, message) => {
    const fx = await fixture();
    const { stats } = await writeResearchFiles(fx);
    const copy = JSON.parse(JSON.stringify(stats)) as Record<string, unknown>;
    edit(copy);
    const path = join(fx.dir, "stats.json");
    await writeFile(path, JSON.stringify(copy));
    const error = await loadSweep(fx.dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultsFileError);
    expect((error as ResultsFileError).file).toBe(path);
    expect((error as Error).message).toBe(`${path}: malformed stats.json: ${message}`);
  });

  it("that is not JSON is refused, naming the file", async () => {
    const fx = await fixture();
    await writeResearchFiles(fx);
    await writeFile(join(fx.dir, "stats.json"), '{"plateau": NaN}');
    await expect(loadSweep(fx.dir)).rejects.toThrow(`${join(fx.dir, "stats.json")}: not valid JSON`);
  });

  it("is required when sweep.json has a spa section, and must hold the SPA then", async () => {
    const fx = await fixture();
    const { stats } = await writeResearchFiles(fx);
    const path = join(fx.dir, "stats.json");
    await writeFile(path, JSON.stringify({ plateau: stats?.plateau }));
    await expect(loadSweep(fx.dir)).rejects.toThrow(`${path}: malformed stats.json: \`spa\` should be an object (sweep.json has a \`spa\` section), found nothing`);
    await rm(path);
    await expect(loadSweep(fx.dir)).rejects.toThrow(`${path}: missing (is this the directory of a finished sweep?)`);
  });
});

describe("a malformed walk_forward.json", () => {
  type Edit = (w: Record<string, any>) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
  const cases: [string, Edit, string][] = [
    ["an unknown scheme", (w) => (w["scheme"] = "weekly"), '`scheme` should be one of rolling, anchored, found "weekly"'],
    ["an unknown metric", (w) => (w["metric"] = "sortino"), '`metric` should be one of sharpe, total_return, calmar, dsr, found "sortino"'],
    ["an unknown mode", (w) => (w["mode"] = 1), "`mode` should be one of returns, rerun, found number"],
    ["a min_trades of 0", (w) => (w["min_trades"] = 0), "`min_trades` should be a whole number of at least 1, found 0"],
    ["no out-of-sample figures", (w) => delete w["out_of_sample_figures"], "`out_of_sample_figures` should be an object, found nothing"],
    ["a Sharpe ratio that is text", (w) => (w["windows"][1].out_of_sample_figures.sharpe = "1"), "`windows[1].out_of_sample_figures.sharpe` should be a finite number or null, found string"],
    ["an efficiency too large for a double", (w) => (w["efficiency"] = "INF"), "`efficiency` should be a finite number or null, found string"],
    ["no windows", (w) => (w["windows"] = []), "`windows` should hold at least one window, found none"],
    ["windows out of order", (w) => (w["windows"][1].index = 3), "`windows[1].index` should be 1 (windows in order), found 3"],
    ["a day that does not exist", (w) => (w["windows"][2].out_of_sample.first = "2023-02-30"), '`windows[2].out_of_sample.first` should be a date YYYY-MM-DD, found "2023-02-30"'],
    ["a span that ends before it starts", (w) => (w["span"].last = "2001-01-01"), "`span` should not end (2001-01-01) before it starts"],
    ["a chosen point without its params", (w) => (w["windows"][0].params = null), "`windows[0].params` (the chosen point's) should be an object, found null"],
    ["a point that is a number", (w) => (w["windows"][0].point = 3), "`windows[0].point` should be a string or null, found number"],
    ["eligible points that are negative", (w) => (w["windows"][3].eligible = -1), "`windows[3].eligible` should be a whole number of at least 0, found -1"],
    ["windows that do not cover the span", (w) => (w["windows"][4].out_of_sample.days = 8), "`windows` should cover the span's 55 out-of-sample days, their out_of_sample days add up to 56"],
    ["no hindsight (null is fine, absent is not)", (w) => delete w["hindsight"], "`hindsight` should be an object or null, found nothing"],
  ];

  it.each(cases)("with %s is refused, naming the file and the field", async (_what, edit, message) => {
    const fx = await fixture();
    const { walkForward } = await writeResearchFiles(fx);
    const copy = JSON.parse(JSON.stringify(walkForward)) as Record<string, unknown>;
    edit(copy);
    const path = join(fx.dir, "walk_forward.json");
    await writeFile(path, JSON.stringify(copy));
    const error = await loadSweep(fx.dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultsFileError);
    expect((error as ResultsFileError).file).toBe(path);
    expect((error as Error).message).toContain(`${path}: malformed walk_forward.json: ${message}`);
  });

  it("holding 1e999 (Infinity) is refused", async () => {
    const fx = await fixture();
    await writeResearchFiles(fx);
    const path = join(fx.dir, "walk_forward.json");
    await writeFile(path, (await readFile(path, "utf8")).replace(/"efficiency": [\d.]+,\n {2}"hindsight_point"/, '"efficiency": 1e999,\n  "hindsight_point"'));
    await expect(loadSweep(fx.dir)).rejects.toThrow(`${path}: malformed walk_forward.json: \`efficiency\` should be a finite number or null, found Infinity`);
  });

  it("is required when sweep.json has a walk_forward section", async () => {
    const fx = await fixture();
    await writeResearchFiles(fx);
    await rm(join(fx.dir, "walk_forward.json"));
    await rm(join(fx.dir, "walk_forward.arrow"));
    await expect(loadSweep(fx.dir)).rejects.toThrow(`${join(fx.dir, "walk_forward.json")}: missing (is this the directory of a finished sweep?)`);
  });
});

describe("a malformed walk_forward.arrow", () => {
  /** The fixture's walk_forward.arrow with `edit` applied to its columns, written back. */
  async function withCurve(edit: (columns: Record<string, Vector>, curve: Table) => Record<string, Vector>): Promise<{ fx: SweepFixture; path: string }> {
    const fx = await fixture();
    const { curve } = await writeResearchFiles(fx);
    const t = curve as Table;
    const columns = Object.fromEntries(t.schema.fields.map((f) => [f.name, t.getChild(f.name) as Vector]));
    const path = join(fx.dir, "walk_forward.arrow");
    await writeFile(path, tableToIPC(new Table(edit(columns, t)), "file"));
    return { fx, path };
  }

  it.each<[string, (c: Record<string, Vector>, t: Table) => Record<string, Vector>, string]>([
    ["without hindsight_equity", ({ hindsight_equity: _h, ...c }) => c, "missing column `hindsight_equity` (Float64)"],
    ["with the window as Int32", (c) => ({ ...c, window: makeVector(Int32Array.from(c["window"]!.toArray() as Uint32Array)) as Vector<Int32> }), "column `window` should be UInt32, found Int32"],
    ["with a day fewer", (c, t) => Object.fromEntries(Object.keys(c).map((k) => [k, t.slice(0, t.numRows - 1).getChild(k) as Vector])), "54 rows, but walk_forward.json's span has 55 out-of-sample days"],
  ])("%s is refused, naming the file", async (_what, edit, message) => {
    const { fx, path } = await withCurve(edit);
    const error = await loadSweep(fx.dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultsFileError);
    expect((error as Error).message).toBe(`${path}: malformed: ${message}`);
  });

  it("whose points or in-hindsight equity disagree with walk_forward.json is refused, naming the row", async () => {
    const a = await withCurve((c, t) => ({ ...c, point: utf8Nullable(Array.from({ length: t.numRows }, (_, i) => (i === 30 ? "ffffffffffff" : (c["point"]!.get(i) as string | null)))) }));
    await expect(loadSweep(a.fx.dir)).rejects.toThrow(`${a.path}: malformed: row 30: \`point\` is ffffffffffff, but window 2 chose no point (null: in cash)`);
    const b = await withCurve((c, t) => ({ ...c, hindsight_equity: float64Nullable(Array.from({ length: t.numRows }, (_, i) => (i === 3 ? null : 1))) }));
    await expect(loadSweep(b.fx.dir)).rejects.toThrow(`${b.path}: malformed: row 3: \`hindsight_equity\` should be a finite number, found null`);
  });

  it("is required beside walk_forward.json, and walk_forward.json beside it", async () => {
    const fx = await fixture();
    await writeResearchFiles(fx);
    const arrow = join(fx.dir, "walk_forward.arrow");
    const json = join(fx.dir, "walk_forward.json");
    const bytes = await readFile(arrow);
    await rm(arrow);
    await expect(loadSweep(fx.dir)).rejects.toThrow(`${arrow}: missing (walk_forward.json is there, and they are written together)`);
    await writeFile(arrow, bytes);
    // Without the section in sweep.json (a walk-forward written later into the directory), the pair is still checked.
    const info = JSON.parse(await readFile(join(fx.dir, "sweep.json"), "utf8")) as Record<string, unknown>;
    delete info["walk_forward"];
    await writeFile(join(fx.dir, "sweep.json"), JSON.stringify(info));
    await rm(json);
    await expect(loadSweep(fx.dir)).rejects.toThrow(`${json}: missing (walk_forward.arrow is there, and they are written together)`);
  });

  it("that is not Arrow is refused", async () => {
    const fx = await fixture();
    await writeResearchFiles(fx);
    const path = join(fx.dir, "walk_forward.arrow");
    await writeFile(path, "not arrow");
    await expect(loadSweep(fx.dir)).rejects.toThrow(`${path}: not a readable Arrow IPC file`);
  });
});

describe("loadSweep with the research files", () => {
  it("reads stats.json, walk_forward.json and walk_forward.arrow", async () => {
    const fx = await fixture();
    const research = await writeResearchFiles(fx);
    const input = await loadSweep(fx.dir);
    expect(input.stats).toEqual(research.stats);
    expect(input.walkForward?.report).toEqual(research.walkForward);
    expect(input.walkForward?.curve.numRows).toBe(55);
  });

  it("reads a sweep written before them, with none of them", async () => {
    const input = await loadSweep((await fixture()).dir);
    expect(input.stats).toBeNull();
    expect(input.walkForward).toBeNull();
  });
});
