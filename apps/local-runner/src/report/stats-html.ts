// The sweep report's parts from stats.json: the plateau around the best point (a table beside the
// CSCV details, with a one-line reading: plateau, slope or spike) and the multiple-testing section
// (Hansen's SPA p-values, White's reality check, the Romano–Wolf stepdown set at each level with
// the points' parameters from sweep.json). Nothing is computed here but the reading.
import { formatValue } from "./format.js";
import { escapeHtml } from "./html.js";
import { kpiList, noteLine, section } from "./page.js";
import type { Plateau, SpaReport, SweepStats } from "./stats-json.js";
import { paramLabel, type SweepPoint } from "./sweep-data.js";
import type { SweepInfo } from "./sweep-json.js";
import { formatRankMetric, RANK_METRIC_LABELS, rankMetricTitle } from "./sweep-metrics.js";
import { kvTable, rowsTable } from "./tables.js";
import { paramValue } from "./walk-forward.js";

/** Every neighbour keeps at least this share of the best's value: a plateau. */
export const PLATEAU_KEEP = 0.75;
/** The weakest neighbour keeps less than this share: a spike. */
export const SPIKE_KEEP = 0.5;

export type PlateauKind = "alone" | "no-edge" | "plateau" | "slope" | "spike";

/** The plateau in one plain line, and which kind it is. */
export function plateauReading(p: Plateau): { kind: PlateauKind; text: string } {
  const v = (x: number | null) => formatRankMetric(p.metric, x);
  const label = RANK_METRIC_LABELS[p.metric];
  if (p.neighbours === 0 || p.min === null || p.mean === null) {
    return { kind: "alone", text: "No neighbours: no point of the sweep lies one step from the best on every swept parameter, so a plateau cannot be told from a spike." };
  }
  if (!(p.best_value > 0)) return { kind: "no-edge", text: `Even the best point’s ${label} is ${v(p.best_value)}: there is no edge to sit on a plateau.` };
  const keepMin = p.min / p.best_value;
  const keepMean = p.mean / p.best_value;
  if (keepMin >= PLATEAU_KEEP) {
    return { kind: "plateau", text: `A plateau: every neighbour keeps at least ${percent(PLATEAU_KEEP)} of the best’s ${label} (the weakest ${v(p.min)}), so a nearby choice would have done about as well.` };
  }
  if (keepMin < SPIKE_KEEP) {
    return {
      kind: "spike",
      text: `A spike: the weakest neighbour’s ${label} is ${v(p.min)} against the best’s ${v(p.best_value)} (${keepMin > 0 ? `${percent(keepMin)} of it` : "none of it"}); a step off the best loses most of its edge, which may be luck of the grid.`,
    };
  }
  return { kind: "slope", text: `A slope: the neighbours keep ${percent(keepMean)} of the best’s ${label} on average and the weakest ${percent(keepMin)}.` };
}

function percent(x: number): string {
  return `${Math.round(x * 100)}%`;
}

/** Why stats.json cannot be of the sweep whose points are `points`, or undefined when it can. */
export function statsMismatch(stats: SweepStats, points: readonly SweepPoint[]): string | undefined {
  const ids = new Set(points.map((p) => p.id));
  const stranger = (id: string) => !ids.has(id);
  if (stats.plateau && stranger(stats.plateau.best_point)) return `its best point ${stats.plateau.best_point} is not one of the sweep’s`;
  const spa = stats.spa;
  if (!spa) return undefined;
  if (spa.models !== points.length) return `its SPA tested ${formatValue(spa.models, "count")} points, the sweep has ${formatValue(points.length, "count")}`;
  const ids2 = [spa.best, ...spa.stepdown.flatMap((s) => s.better)];
  const other = ids2.find(stranger);
  return other === undefined ? undefined : `its SPA names point ${other}, which is not one of the sweep’s`;
}

/** The plateau table and its reading, for the aside; a note when stats.json is not of this sweep; "" without a plateau. */
export function plateauBlock(stats: SweepStats | null, mismatch: string | undefined, info: SweepInfo, labels: readonly string[]): string {
  if (!stats) return "";
  if (mismatch) return noteLine("plateau-mismatch", `Plateau left out: stats.json does not describe this sweep (${escapeHtml(mismatch)}); it may be left from an earlier sweep into this directory.`);
  const p = stats.plateau;
  if (!p) return noteLine("plateau-missing", "No plateau: no point of the sweep has a value of the ranking metric.");
  const v = (x: number | null) => formatRankMetric(p.metric, x);
  const table = kvTable("plateau", "Plateau around the best point", [
    ["Metric", `${rankMetricTitle(p.metric)}${p.metric === "sharpe" ? " (annualised)" : ""}`],
    ["Best point", p.best_point],
    [`Its ${RANK_METRIC_LABELS[p.metric]}`, v(p.best_value)],
    ['<abbr title="Points within one step of the best on every swept parameter">Neighbours</abbr>', formatValue(p.neighbours, "count")],
    ["Their mean", v(p.mean)],
    ["Their least", v(p.min)],
    ["Within 10% of the best", formatValue(p.within_10pct, "percent")],
  ]);
  const params = pointParams(info, labels, p.best_point);
  const reading = plateauReading(p);
  return `${table}\n<p id="plateau-reading" class="note-line" data-kind="${reading.kind}">${params ? `Best point: ${params}. ` : ""}${escapeHtml(reading.text)}</p>`;
}

/** The point's swept values from sweep.json, as HTML (`delta.target 0.1 · profit_target 0.5`); "" when sweep.json does not list it. */
export function pointParams(info: SweepInfo, labels: readonly string[], id: string): string {
  const point = info.points.find((p) => p.id === id);
  if (!point) return "";
  const params = point.params as Record<string, unknown>;
  return info.paths
    .map((path, k) => `<span title="${escapeHtml(path)}">${escapeHtml(labels[k] ?? path)}</span> ${escapeHtml(paramLabel(paramValue(params[path])))}`)
    .join(" · ");
}

/** What the points were tested against, in words. */
export function benchmarkText(spa: SpaReport): string {
  if (spa.benchmark === "zero") return "zero (a point must earn more than nothing)";
  const m = /^benchmark:(.+)$/.exec(spa.benchmark);
  return m ? `${m[1] as string} bought and held` : spa.benchmark;
}

/** The multiple-testing section: with stats.json's `spa`, the p-values and the stepdown; a note without a `spa:` section; "" without stats.json. */
export function multipleTestingSection(stats: SweepStats | null, mismatch: string | undefined, info: SweepInfo, labels: readonly string[]): string {
  const title = "Multiple testing";
  if (!stats) return "";
  const spa = stats.spa;
  if (!spa) {
    return section("multiple-testing", title, noteLine("spa-missing", "No SPA, reality check or stepdown: the scenario has no <code>spa</code> section. Add <code>spa: { benchmark: zero }</code> (or <code>buy_and_hold</code>) to test whether any point beats the benchmark once the search over the points is accounted for."));
  }
  if (mismatch) return section("multiple-testing", title, noteLine("spa-mismatch", `Left out: stats.json does not describe this sweep (${escapeHtml(mismatch)}); it may be left from an earlier sweep into this directory.`));
  const bench = escapeHtml(benchmarkText(spa));
  const best = pointParams(info, labels, spa.best);
  const lede =
    `Does any of the ${formatValue(spa.models, "count")} points beat ${bench} once the search over them is accounted for? ` +
    `Hansen’s SPA, White’s reality check and the Romano–Wolf stepdown, on one stationary bootstrap of the ${formatValue(spa.days, "count")} days’ excess returns over the benchmark: ` +
    `${formatValue(spa.bootstrap, "count")} resamples, mean block ${formatValue(spa.block, "number")} trading days, seed ${escapeHtml(String(spa.seed))}. ` +
    `The statistic is the best mean daily excess return, ${escapeHtml(formatRankMetric("mean", spa.statistic))} a day, of point <code>${escapeHtml(spa.best)}</code>${best ? ` (${best})` : ""}.`;
  const p = pValue;
  const kpis = kpiList([
    { key: "spa-consistent", label: "SPA p-value, consistent", value: p(spa.spa.consistent), note: "the test to read" },
    { key: "spa-lower", label: "SPA p-value, lower", value: p(spa.spa.lower), note: "a bound below it" },
    { key: "spa-upper", label: "SPA p-value, upper", value: p(spa.spa.upper), note: "a bound above it" },
    { key: "reality-check", label: "Reality check p-value", value: p(spa.reality_check), note: "White’s: poor points dilute it" },
    ...spa.stepdown.slice(0, 2).map((s) => ({
      key: `stepdown-${s.level}`,
      label: `Stepdown at ${formatLevel(s.level)}`,
      value: formatValue(s.better.length, "count"),
      note: `point(s) better than ${bench}`,
    })),
  ]);
  return section("multiple-testing", title, [
    `<p class="lede">${lede}</p>`,
    kpis,
    noteLine("spa-reading", escapeHtml(spaReading(spa))),
    `<div class="pair-grid">\n${stepdownTable(spa, info, labels)}\n${spaDetails(spa)}\n</div>`,
  ].join("\n"));
}

/** The SPA's answer in one plain line. */
export function spaReading(spa: SpaReport): string {
  const p = spa.spa.consistent;
  const bench = benchmarkText(spa);
  const n = formatValue(spa.models, "count");
  const found = spa.stepdown.filter((s) => s.better.length > 0).sort((a, b) => a.level - b.level)[0];
  const stepdown = found
    ? ` The stepdown finds ${formatValue(found.better.length, "count")} point(s) better at ${formatLevel(found.level)}.`
    : " The stepdown finds no point better at any level.";
  if (p < 0.05) return `Some point beats ${bench} at the 5% level even after the search over ${n} points (consistent p = ${pValue(p)}).${stepdown}`;
  if (p < 0.1) return `Some point beats ${bench} at the 10% level, not at 5%, after the search over ${n} points (consistent p = ${pValue(p)}).${stepdown}`;
  return `No point beats ${bench} once the search over ${n} points is accounted for: the best of ${n} points without an edge does as well ${percent(p)} of the time (consistent p = ${pValue(p)}).${stepdown}`;
}

/** A bootstrap p-value, to a thousandth: 0.249 → "0.249". */
export function pValue(p: number): string {
  return Number.isFinite(p) ? p.toFixed(3) : formatValue(p, "ratio");
}

/** 0.05 → "5%", 0.025 → "2.5%". */
function formatLevel(level: number): string {
  return `${Number((level * 100).toFixed(2))}%`;
}

function stepdownTable(spa: SpaReport, info: SweepInfo, labels: readonly string[]): string {
  const rows = spa.stepdown.map((s) => {
    const points = s.better.length === 0
      ? "none"
      : s.better.map((id) => {
          const params = pointParams(info, labels, id);
          return `<code>${escapeHtml(id)}</code>${params ? ` ${params}` : ""}`;
        }).join("<br>");
    const critical = s.critical_values.map((c) => escapeHtml(formatRankMetric("mean", c))).join(", ") || "—";
    return `<tr data-level="${s.level}"><td>${formatLevel(s.level)}</td><td>${formatValue(s.better.length, "count")}</td><td class="text">${points}</td><td>${critical}</td></tr>`;
  });
  return rowsTable({
    id: "spa-stepdown",
    caption: `Romano–Wolf stepdown: points better than ${escapeHtml(benchmarkText(spa))}`,
    head: [{ text: "Level" }, "Found", { text: "Points" }, '<abbr title="The critical mean daily excess return of each step">Critical values</abbr>'],
    rows,
    className: "ledger compact",
  });
}

function spaDetails(spa: SpaReport): string {
  return kvTable("spa-details", "SPA", [
    ["Benchmark", benchmarkText(spa)],
    ["Points tested", formatValue(spa.models, "count")],
    ["Days", formatValue(spa.days, "count")],
    ["Bootstrap resamples", formatValue(spa.bootstrap, "count")],
    ["Mean block", `${formatValue(spa.block, "number")} trading days`],
    ["Seed", String(spa.seed)],
    ["Best mean excess return", `${formatRankMetric("mean", spa.statistic)} a day`],
    ["Best point", spa.best],
    ["SPA lower / consistent / upper", `${pValue(spa.spa.lower)} / ${pValue(spa.spa.consistent)} / ${pValue(spa.spa.upper)}`],
    ["Reality check", pValue(spa.reality_check)],
  ]);
}
