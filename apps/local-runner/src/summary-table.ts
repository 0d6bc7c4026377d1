// The run's headline numbers as a terminal table.
import type { SourceValues } from "./report/attribution.js";
import { ATTRIBUTION_SOURCES } from "./report/columns.js";
import type { BenchmarkSummary, RunSummary, StrategySummary } from "./report/summary.js";

export const pct = (v: number | null | undefined) => (v == null ? "—" : `${(v * 100).toFixed(2)}%`);
export const num = (v: number | null | undefined, d = 2) => (v == null ? "—" : v.toFixed(d));
const usd = (v: number | null | undefined) =>
  v == null ? "—" : `${v < 0 ? "-" : ""}$${Math.abs(v).toLocaleString("en-US", { maximumFractionDigits: 2, minimumFractionDigits: 2 })}`;

/** A weight as a percentage without trailing zeros: 0.5 → 50%, 1/3 → 33.3%. */
const share = (w: number) => `${Number((w * 100).toFixed(1))}%`;

/**
 * A portfolio's strategies, one row each (name, then weight, P&L, CAGR, Sharpe, max drawdown and
 * trades, right-aligned under their headings), after a heading row.
 */
function strategyRows(strategies: readonly StrategySummary[]): [string, string][] {
  const heading = ["weight", "P&L", "CAGR", "Sharpe", "max drawdown", "trades"];
  const cells = strategies.map((st) => [
    share(st.weight),
    usd(st.pnl),
    pct(st.metrics.cagr),
    num(st.metrics.sharpe),
    pct(st.metrics.max_drawdown),
    st.metrics.trade_count.toLocaleString("en-US"),
  ]);
  const widths = heading.map((h, c) => Math.max(h.length, ...cells.map((row) => (row[c] as string).length)));
  const line = (row: string[]) => row.map((cell, c) => cell.padStart(widths[c] as number)).join("  ");
  return [["strategies", line(heading)], ...strategies.map((st, i): [string, string] => [`  ${st.name}`, line(cells[i] as string[])])];
}

/** The benchmark bought on the first day and held, against the run; null: it had no close that day. */
function benchmarkRow(b: BenchmarkSummary | null): [string, string] {
  if (b === null) return ["benchmark", "none (no close on the run's first day)"];
  return ["benchmark", `${b.name}: total return ${pct(b.total_return)}, beta ${num(b.beta)}, correlation ${num(b.correlation)}, excess return (CAGR) ${pct(b.excess_return)}`];
}

/**
 * The table; `attribution` (the run's P&L by source, equity.arrow's pnl_* columns summed) adds
 * their line, and a hedge that traded adds its own. A portfolio of two or more strategies adds a
 * row a strategy, and a summary with a benchmark its row (summaries older than both print as before).
 */
export function summaryTable(s: RunSummary, attribution?: SourceValues): string {
  const m = s.metrics;
  const rows: [string, string][] = [
    ["span", `${s.start} → ${s.end} (${s.trading_days} trading days)`],
    ["equity", `${usd(s.capital)} → ${usd(s.final_equity)}`],
    ["total return", pct(m.total_return)],
    ["CAGR", pct(m.cagr)],
    ["volatility", pct(m.annual_volatility)],
    ["Sharpe / Sortino", `${num(m.sharpe)} / ${num(m.sortino)}`],
    ["max drawdown", `${pct(m.max_drawdown)} (${m.max_drawdown_days ?? "—"} days)`],
    ["Calmar", num(m.calmar)],
    ["trades", `${m.trade_count} (win rate ${pct(m.win_rate)}, profit factor ${num(m.profit_factor)})`],
    ["avg win / loss", `${usd(m.average_win)} / ${usd(m.average_loss)}`],
    ["expectancy", usd(m.expectancy)],
    ["days in trade", num(m.average_days_in_trade, 1)],
    ["time in market", pct(m.time_in_market)],
    ["VaR / CVaR 95%", `${pct(m.var_95)} / ${pct(m.cvar_95)}`],
  ];
  if ((s.strategies?.length ?? 0) >= 2) rows.push(...strategyRows(s.strategies!));
  if (s.benchmark !== undefined) rows.push(benchmarkRow(s.benchmark));
  if (attribution) rows.push(["P&L by source", ATTRIBUTION_SOURCES.map((k) => `${k} ${usd(attribution[k])}`).join(", ")]);
  const hedge = s.hedge;
  if (hedge && hedge.fills > 0) {
    const shares = hedge.shares_traded.toLocaleString("en-US");
    rows.push(["hedge", `${hedge.fills} fills, ${shares} shares traded, P&L ${usd(hedge.pnl)}, fees ${usd(hedge.fees)}, net ${usd(hedge.pnl - hedge.fees)}`]);
  }
  const d = s.diagnostics;
  const skipped = Object.entries(d.entries_skipped)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  const covers = (d.covers_skipped ?? 0) > 0 ? `, covers skipped ${d.covers_skipped}` : "";
  rows.push(["diagnostics", `quotes missing ${d.quotes_missing}, exits deferred ${d.exits_deferred}${covers}${skipped ? `, skipped: ${skipped}` : ""}`]);
  // What the stock side did (older summaries lack these counters).
  const events = [
    [d.exercised, "long legs exercised at expiry"],
    [d.assigned, "short legs assigned at expiry"],
    [d.early_assignments, "assigned early"],
    [d.dividends, "ex-dividend dates with shares"],
  ] as const;
  const happened = events.filter(([n]) => (n ?? 0) > 0).map(([n, what]) => `${n} ${what}`);
  if (happened.length > 0) rows.push(["stock events", happened.join(", ")]);
  // Which entry signals kept the strategy out (older summaries lack the counters).
  const blocked = Object.entries(d.signals_blocked ?? {}).filter(([, n]) => n > 0);
  if (blocked.length > 0) {
    rows.push(["signals", `${d.entries_skipped.signals ?? 0} entry days blocked: ${blocked.map(([k, n]) => `${k} ${n}`).join(", ")}`]);
  }
  if ((d.rolls ?? 0) > 0 || (d.rolls_skipped ?? 0) > 0) {
    rows.push(["rolls", `${d.rolls ?? 0} done${(d.rolls_skipped ?? 0) > 0 ? `, ${d.rolls_skipped} waited (no quote or replacement)` : ""}`]);
  }
  // Data the engine refused to use: shown whenever there was any, so it is never silent.
  const refused = [
    [d.quotes_invalid, "invalid quotes"],
    [d.underlying_unusable_days, "days without a usable underlying price"],
    [d.greeks_unusable, "leg-days without finite greeks"],
    [d.sizes_capped, "positions cut to 100,000 units"],
  ] as const;
  const noted = refused.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  if (noted.length > 0) rows.push(["data refused", noted.join(", ")]);
  const w = Math.max(...rows.map(([k]) => k.length));
  return [`  ${s.scenario}`, ...rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`)].join("\n");
}
