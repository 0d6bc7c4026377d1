// The run's headline numbers as a terminal table.
import type { RunSummary } from "./report/summary.js";

export const pct = (v: number | null | undefined) => (v == null ? "—" : `${(v * 100).toFixed(2)}%`);
export const num = (v: number | null | undefined, d = 2) => (v == null ? "—" : v.toFixed(d));
const usd = (v: number | null | undefined) =>
  v == null ? "—" : `${v < 0 ? "-" : ""}$${Math.abs(v).toLocaleString("en-US", { maximumFractionDigits: 2, minimumFractionDigits: 2 })}`;

export function summaryTable(s: RunSummary): string {
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
  const d = s.diagnostics;
  const skipped = Object.entries(d.entries_skipped)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  rows.push(["diagnostics", `quotes missing ${d.quotes_missing}, exits deferred ${d.exits_deferred}${skipped ? `, skipped: ${skipped}` : ""}`]);
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
