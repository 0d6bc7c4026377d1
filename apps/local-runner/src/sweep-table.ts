// A sweep's outcome in the terminal: the top points as a table (same style as the run's summary
// table) and the overfitting headline from cscv.json.
import { paramLabel, rankMetric, rankPoints, readPoints, shortLabels, type SweepInput } from "./report/sweep-data.js";
import type { CscvReport } from "./report/sweep-json.js";
import { formatRankMetric, RANK_METRIC_LABELS } from "./report/sweep-metrics.js";
import { num, pct } from "./summary-table.js";

const count = (v: number | null | undefined) => (v == null ? "—" : v.toLocaleString("en-US"));

/** The `top` best points (by the CSCV metric, else Sharpe): rank, id, parameter values, Sharpe, total return, max drawdown, trades. */
export function sweepTable(input: SweepInput, top = 10): string {
  const metric = rankMetric(input);
  const points = readPoints(input, metric);
  const ranked = rankPoints(points);
  const labels = shortLabels(input.info.paths);
  const failed = points.length - ranked.length;
  const extra = metric === "mean";
  const header = ["rank", "point", ...labels, ...(extra ? ["mean daily"] : []), "sharpe", "total return", "max drawdown", "trades"];
  const rows = ranked.slice(0, top).map((p) => [
    String(p.rank),
    p.id,
    ...p.params.map(paramLabel),
    ...(extra ? [formatRankMetric("mean", p.score)] : []),
    num(p.sharpe),
    pct(p.totalReturn),
    pct(p.maxDrawdown),
    count(p.trades),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
  // The point id reads left to right; numbers line up on the right.
  const line = (cells: string[]) => `  ${cells.map((cell, c) => (c === 1 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join("  ")}`;
  const title = `  ${input.info.scenario}: ${count(points.length)} points${failed > 0 ? ` (${count(failed)} could not trade)` : ""}, top ${Math.min(top, ranked.length)} by ${RANK_METRIC_LABELS[metric]}`;
  return [title, line(header), ...rows.map(line)].join("\n");
}

/** PBO, deflated Sharpe ratio and probability of loss in one line, or what to add to get them. */
export function cscvHeadline(cscv: CscvReport | null): string {
  if (!cscv) return "  no cscv section: add `cscv: { partitions: 16 }` to the scenario for PBO, DSR and the probability of loss";
  return [
    `  PBO ${pct(cscv.pbo)}`,
    `DSR ${num(cscv.dsr.dsr)} (p ${num(1 - cscv.dsr.dsr)})`,
    `probability of loss ${pct(cscv.prob_loss)}`,
    `${count(cscv.n_combinations)} combinations of ${cscv.partitions} blocks`,
  ].join("  ·  ");
}
