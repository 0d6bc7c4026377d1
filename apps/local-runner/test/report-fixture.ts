// Builds a small results directory exactly as docs/results.md describes it (Arrow IPC file format,
// Date32/Int32/Float64/Utf8 columns), with deterministic made-up numbers, for the report tests; or,
// with `legacy`, as a run before the P&L attribution wrote it: no positions.arrow, no pnl_* columns
// in equity.arrow, no `hedge` and none of the stock counters in summary.json. By default it is a run
// of one unnamed strategy from before portfolios and benchmarks; `strategies`, `market` and
// `benchmark` add what a newer engine writes (the `strategy` columns, strategies.arrow and
// summary.json `strategies`; market.arrow; summary.json `benchmark`).
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DateDay, Float64, Int32, makeData, makeVector, Table, tableToIPC, Utf8, vectorFromArray, type Vector } from "apache-arrow";
import type { BenchmarkSummary, Diagnostics, HedgeTotals, RunSummary, StrategySummary, Summary } from "../src/report/index.js";

const DAY_MS = 86_400_000;

export interface FixtureOptions {
  /** First calendar day (the first weekday on or after it is the first trading day). */
  start?: string;
  tradingDays?: number;
  positions?: number;
  /** Applied to the summary.json written (metrics merged key by key). */
  summary?: Partial<Omit<Summary, "metrics">> & { metrics?: Partial<Summary["metrics"]> };
  /** summary.json `hedge` (default: all zero, no hedge). */
  hedge?: HedgeTotals;
  /** Write the directory as a run before the P&L attribution did. */
  legacy?: boolean;
  /** The tickers the positions trade, in turn (default SPX alone). */
  tickers?: readonly string[];
  /** A portfolio of these strategies, positions assigned in turn: `strategy` columns, strategies.arrow, summary.json `strategies`. */
  strategies?: readonly string[];
  /** Write market.arrow: a close per ticker per day (the second ticker's first 3 days null), then these series. */
  market?: { series?: readonly string[] };
  /** summary.json `benchmark` (absent when not given). */
  benchmark?: BenchmarkSummary | null;
}

export interface Fixture {
  dir: string;
  summary: RunSummary;
}

/** The pnl_* columns' names, in docs/results.md's order. */
export const PNL_SOURCES = ["delta", "gamma", "theta", "vega", "residual", "hedge", "other"] as const;

/** A seeded generator of numbers in [0, 1) (xorshift32), so fixtures are the same on every run. */
export function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4_294_967_296;
  };
}

export function date32(days: readonly number[]): Vector {
  return makeVector(makeData({ type: new DateDay(), length: days.length, nullCount: 0, data: Int32Array.from(days) }));
}

export function int32(values: readonly number[]): Vector<Int32> {
  return makeVector(Int32Array.from(values));
}

export function float64(values: readonly number[]): Vector<Float64> {
  return makeVector(Float64Array.from(values));
}

export function utf8(values: readonly string[]): Vector<Utf8> {
  return vectorFromArray(values, new Utf8());
}

/** Writes summary.json, equity.arrow and trades.arrow into a new temporary directory. */
export async function writeFixture(opts: FixtureOptions = {}): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), "aegis-report-"));
  const next = random(20240229);
  const capital = 100_000;

  const days: number[] = [];
  for (let d = Date.parse(`${opts.start ?? "2022-11-01"}T00:00:00Z`) / DAY_MS; days.length < (opts.tradingDays ?? 340); d += 1) {
    const weekday = new Date(d * DAY_MS).getUTCDay();
    if (weekday !== 0 && weekday !== 6) days.push(d);
  }
  const equity: number[] = [];
  const drawdown: number[] = [];
  const dailyReturn: number[] = [];
  let peak = capital;
  for (let i = 0; i < days.length; i += 1) {
    const shock = next() < 0.015 ? -0.015 * next() - 0.005 : (next() - 0.47) * 0.009;
    const value = i === 0 ? capital : (equity[i - 1] as number) * (1 + shock);
    equity.push(value);
    dailyReturn.push(i === 0 ? 0 : value / (equity[i - 1] as number) - 1);
    peak = Math.max(peak, value);
    drawdown.push(value / peak - 1);
  }
  const positionsValue = equity.map((_, i) => (i % 7 === 0 ? 0 : -1_000 - 500 * next()));
  // Each day's change in equity split into the seven sources; `other` closes it exactly.
  const attribution = Object.fromEntries(PNL_SOURCES.map((s) => [`pnl_${s}`, [] as number[]])) as Record<`pnl_${(typeof PNL_SOURCES)[number]}`, number[]>;
  equity.forEach((e, i) => {
    const change = e - (i === 0 ? capital : (equity[i - 1] as number));
    const parts = { delta: change * (next() - 0.2), gamma: -40 * next(), theta: 45 * next(), vega: 60 * (next() - 0.5), residual: 4 * (next() - 0.5), hedge: -change * 0.3 * next() };
    for (const [source, value] of Object.entries(parts)) attribution[`pnl_${source as keyof typeof parts}`].push(value);
    attribution.pnl_other.push(change - Object.values(parts).reduce((a, b) => a + b, 0));
  });
  const equityTable = new Table({
    date: date32(days),
    equity: float64(equity),
    cash: float64(equity.map((e, i) => e - (positionsValue[i] as number))),
    positions_value: float64(positionsValue),
    daily_return: float64(dailyReturn),
    drawdown: float64(drawdown),
    open_positions: int32(days.map((_, i) => (i % 7 === 0 ? 0 : 1 + (i % 3)))),
    realized_pnl: float64(equity.map((e) => e - 100_000)),
    unrealized_pnl: float64(positionsValue.map((v) => v / 10)),
    delta_dollars: float64(days.map(() => 20_000 * next())),
    gamma_dollars: float64(days.map(() => -300 * next())),
    theta_dollars: float64(days.map(() => 40 * next())),
    vega_dollars: float64(days.map(() => -500 * next())),
    ...(opts.legacy ? {} : Object.fromEntries(Object.entries(attribution).map(([name, values]) => [name, float64(values)]))),
  });

  const tickers = opts.tickers ?? ["SPX"];
  const trades = tradeRows(days, opts.positions ?? 40, next);
  const tickerOf = (id: number) => tickers[(id - 1) % tickers.length] as string;
  const strategyOf = (id: number) => (opts.strategies ? (opts.strategies[(id - 1) % opts.strategies.length] as string) : "");
  const strategyColumn = (ids: readonly number[]): Record<string, Vector> => (opts.strategies ? { strategy: utf8(ids.map(strategyOf)) } : {});
  const tradesTable = new Table({
    position_id: int32(trades.map((t) => t.positionId)),
    leg: int32(trades.map((t) => t.leg)),
    ticker: utf8(trades.map((t) => tickerOf(t.positionId))),
    ...strategyColumn(trades.map((t) => t.positionId)),
    action: utf8(trades.map((t) => t.action)),
    date: date32(trades.map((t) => t.day)),
    expiry: date32(trades.map((t) => t.expiry)),
    strike: float64(trades.map((t) => t.strike)),
    right: utf8(trades.map(() => "put")),
    quantity: int32(trades.map((t) => t.quantity)),
    price: float64(trades.map((t) => t.price)),
    fees: float64(trades.map((t) => t.fees)),
    reason: utf8(trades.map((t) => t.reason)),
    underlying_price: float64(trades.map(() => 4_000 + 200 * next())),
    pnl: float64(trades.map((t) => t.pnl)),
  });

  const last = equity[equity.length - 1] as number;
  const summary: RunSummary = {
    scenario: "spx-short-put-30d",
    start: isoDay(days[0] as number),
    end: isoDay(days[days.length - 1] as number),
    trading_days: days.length,
    capital,
    final_equity: last,
    ...opts.summary,
    metrics: {
      total_return: last / capital - 1, cagr: 0.0397, annual_volatility: 0.081, sharpe: 0.52, sortino: 0.61,
      max_drawdown: Math.min(...drawdown), max_drawdown_days: 211, calmar: 0.28, win_rate: 0.81, profit_factor: 1.6,
      average_win: 412, average_loss: -1090, expectancy: 126, trade_count: opts.positions ?? 40, average_days_in_trade: 21.4,
      time_in_market: 0.93, skew: -2.1, kurtosis: 14.2, var_95: -0.011, cvar_95: -0.024,
      ...opts.summary?.metrics,
    },
    diagnostics: opts.summary?.diagnostics ?? {
      quotes_missing: 0, exits_deferred: 3, closed_at_last_mark: 0, quotes_invalid: 0, underlying_unusable_days: 0, greeks_unusable: 0, sizes_capped: 0, positions_opened: opts.positions ?? 40, positions_closed: opts.positions ?? 40,
      entries_skipped: { max_open: 10, no_expiry: 0, no_strike: 2, min_credit: 0, iv_rank: 0, size_zero: 0 },
      exercised: 0, assigned: 0, early_assignments: 0, dividends: 0, covers_skipped: 0, rolls: 0, rolls_skipped: 0,
    },
    hedge: opts.hedge ?? { fills: 0, shares_traded: 0, pnl: 0, fees: 0 },
  };
  if (opts.benchmark !== undefined) summary.benchmark = opts.benchmark;
  if (opts.legacy) {
    // What an older engine wrote: none of the stock counters, no hedge.
    delete summary.hedge;
    for (const key of ["exercised", "assigned", "early_assignments", "dividends", "covers_skipped", "rolls", "rolls_skipped"]) delete (summary.diagnostics as unknown as Record<string, unknown>)[key];
  }

  await writeFile(join(dir, "summary.json"), JSON.stringify(summary, null, 2));
  await writeFile(join(dir, "equity.arrow"), tableToIPC(equityTable, "file"));
  await writeFile(join(dir, "trades.arrow"), tableToIPC(tradesTable, "file"));
  if (!opts.legacy) await writeFile(join(dir, "positions.arrow"), tableToIPC(positionsTable(trades, next, tickerOf, strategyColumn), "file"));
  if (opts.strategies) {
    const portfolio = strategyRows(opts.strategies, days, equity, summary, tickers);
    summary.strategies = portfolio.summaries;
    await writeFile(join(dir, "strategies.arrow"), tableToIPC(portfolio.table, "file"));
    await writeFile(join(dir, "summary.json"), JSON.stringify(summary, null, 2));
  }
  if (opts.market) await writeFile(join(dir, "market.arrow"), tableToIPC(marketTable(days, tickers, opts.market.series ?? [], next), "file"));
  return { dir, summary };
}

/** A benchmark as summary.json has it. */
export const BENCHMARK: BenchmarkSummary = { name: "SPX", kind: "ticker", total_return: 0.1234, cagr: 0.041, beta: 0.35, correlation: 0.612, excess_return: -0.0013 };

/** A portfolio of three strategies on two tickers, with market.arrow (and a VIX series) and a benchmark: every new section. */
export const PORTFOLIO: FixtureOptions = {
  tradingDays: 520,
  tickers: ["SPX", "ACME"],
  strategies: ["put_leg", "condor", "strangle"],
  market: { series: ["VIX"] },
  benchmark: BENCHMARK,
};

/** The weights of `n` strategies: n, n − 1, …, 1 over their sum; each strategy's share of the P&L is the weights reversed. */
export function strategyWeights(n: number): number[] {
  const total = (n * (n + 1)) / 2;
  return Array.from({ length: n }, (_, i) => (n - i) / total);
}

/**
 * strategies.arrow (rows by date, then strategy) and summary.json `strategies`: strategy i holds
 * weight wᵢ of the capital and makes share w₍ₙ₋₁₋ᵢ₎ of each day's P&L, so the strategies' equity
 * sums to the account's.
 */
function strategyRows(names: readonly string[], days: readonly number[], equity: readonly number[], summary: RunSummary, tickers: readonly string[]) {
  const weights = strategyWeights(names.length);
  const shares = [...weights].reverse();
  const { capital } = summary;
  const curves = names.map((_, s) => equity.map((e) => (weights[s] as number) * capital + (shares[s] as number) * (e - capital)));
  const rows = days.flatMap((day, i) => names.map((name, s) => ({ day, name, s, i })));
  const at = (s: number, i: number) => (curves[s] as number[])[i] as number;
  const drawdowns = curves.map((curve) => {
    let peak = -Infinity;
    return curve.map((e) => ((peak = Math.max(peak, e)), e / peak - 1));
  });
  const table = new Table({
    date: date32(rows.map((r) => r.day)),
    strategy: utf8(rows.map((r) => r.name)),
    equity: float64(rows.map((r) => at(r.s, r.i))),
    pnl: float64(rows.map((r) => at(r.s, r.i) - (weights[r.s] as number) * capital)),
    daily_return: float64(rows.map((r) => (r.i === 0 ? 0 : at(r.s, r.i) / at(r.s, r.i - 1) - 1))),
    drawdown: float64(rows.map((r) => (drawdowns[r.s] as number[])[r.i] as number)),
    open_positions: int32(rows.map((r) => (r.i + r.s) % 3)),
  });
  const summaries: StrategySummary[] = names.map((name, s) => {
    const last = at(s, days.length - 1);
    const skipped = { ...summary.diagnostics.entries_skipped, max_open: s === 0 ? summary.diagnostics.entries_skipped.max_open : 0, no_strike: s === 1 ? 2 : 0 };
    const diagnostics: Diagnostics = { ...summary.diagnostics, entries_skipped: skipped };
    return {
      name, weight: weights[s] as number, tickers: [tickers[s % tickers.length] as string], capital: (weights[s] as number) * capital, final_equity: last,
      pnl: last - (weights[s] as number) * capital, metrics: { ...summary.metrics, cagr: 0.01 * (s + 1), sharpe: 0.3 + 0.2 * s, trade_count: 10 + s }, diagnostics,
    };
  });
  return { table, summaries };
}

/** The starting close of each ticker and series of market.arrow, by position. */
const FIRST_CLOSE = [4_000, 150, 60, 20];

/** market.arrow: per day, each ticker's close (a random walk; the second ticker's first 3 days null), then each series'. */
function marketTable(days: readonly number[], tickers: readonly string[], series: readonly string[], next: () => number): Table {
  const names = [...tickers.map((name) => ({ name, kind: "ticker" })), ...series.map((name) => ({ name, kind: "series" }))];
  const walks = names.map((_, n) => {
    let close = FIRST_CLOSE[n % FIRST_CLOSE.length] as number;
    return days.map((_, i) => (i === 0 ? close : (close *= 1 + (next() - 0.48) * 0.02)));
  });
  const rows = days.flatMap((day, i) => names.map((n, k) => ({ day, ...n, close: k === 1 && i < 3 ? null : ((walks[k] as number[])[i] as number) })));
  return new Table({
    date: date32(rows.map((r) => r.day)),
    name: utf8(rows.map((r) => r.name)),
    kind: utf8(rows.map((r) => r.kind)),
    close: vectorFromArray(rows.map((r) => r.close), new Float64()),
  });
}

/** positions.arrow for the fills of `trades`: net P&L = Σ pnl − Σ fees + dividends; every fifth position receives a dividend. */
function positionsTable(
  trades: readonly TradeRow[],
  next: () => number,
  tickerOf: (id: number) => string,
  strategyColumn: (ids: readonly number[]) => Record<string, Vector>,
): Table {
  const byId = new Map<number, TradeRow[]>();
  for (const t of trades) byId.set(t.positionId, [...(byId.get(t.positionId) ?? []), t]);
  const rows = [...byId].map(([id, fills]) => {
    const gross = fills.reduce((sum, t) => sum + t.pnl, 0);
    const fees = fills.reduce((sum, t) => sum + t.fees, 0);
    const dividends = id % 5 === 0 ? 44 : 0;
    const opens = fills.filter((t) => t.action === "open");
    const premium = -opens.reduce((sum, t) => sum + t.price * Math.sign(t.quantity), 0);
    const share = [0.5 * next(), -0.3 * next(), 0.6 * next(), 0.2 * (next() - 0.5), 0.02 * (next() - 0.5), 0];
    return {
      id, gross, fees, dividends, premium, share,
      opened: Math.min(...fills.map((t) => t.day)),
      closed: Math.max(...fills.map((t) => t.day)),
      reason: (fills[fills.length - 1] as TradeRow).reason,
    };
  });
  const marked = (k: number) => float64(rows.map((r) => (r.share[k] as number) * Math.abs(r.gross)));
  return new Table({
    position_id: int32(rows.map((r) => r.id)),
    ticker: utf8(rows.map((r) => tickerOf(r.id))),
    ...strategyColumn(rows.map((r) => r.id)),
    opened: date32(rows.map((r) => r.opened)),
    closed: date32(rows.map((r) => r.closed)),
    legs: int32(rows.map(() => 2)),
    rolls: int32(rows.map(() => 0)),
    units: int32(rows.map(() => 2)),
    premium: float64(rows.map((r) => r.premium)),
    pnl: float64(rows.map((r) => r.gross - r.fees + r.dividends)),
    fees: float64(rows.map((r) => r.fees)),
    dividends: float64(rows.map((r) => r.dividends)),
    pnl_delta: marked(0),
    pnl_gamma: marked(1),
    pnl_theta: marked(2),
    pnl_vega: marked(3),
    pnl_residual: marked(4),
    pnl_hedge: marked(5),
    reason: utf8(rows.map((r) => r.reason)),
  });
}

interface TradeRow {
  positionId: number;
  leg: number;
  action: "open" | "close";
  day: number;
  expiry: number;
  strike: number;
  quantity: number;
  price: number;
  fees: number;
  reason: string;
  pnl: number;
}

/** Short put spreads (leg 0 sold, leg 1 bought), mostly small winners and a few large losers. */
function tradeRows(days: readonly number[], positions: number, next: () => number): TradeRow[] {
  const rows: TradeRow[] = [];
  const stride = Math.max(1, Math.floor((days.length - 25) / positions));
  for (let p = 0; p < positions; p += 1) {
    const open = days[Math.min(days.length - 1, p * stride)] as number;
    const close = days[Math.min(days.length - 1, p * stride + 15)] as number;
    const expiry = open + 30;
    const loser = next() < 0.18;
    const credit = 2 + 3 * next();
    const closePrice = loser ? credit * (2 + 2 * next()) : credit * 0.4 * next();
    const reason = loser ? "stop_loss" : "profit_target";
    for (const [leg, quantity, strike, scale] of [[0, -2, 3900, 1], [1, 2, 3850, 0.4]] as const) {
      const openPrice = credit * scale;
      const exitPrice = closePrice * scale;
      rows.push({ positionId: p + 1, leg, action: "open", day: open, expiry, strike, quantity, price: openPrice, fees: 1.3, reason: "entry", pnl: 0 });
      rows.push({ positionId: p + 1, leg, action: "close", day: close, expiry, strike, quantity: -quantity, price: exitPrice, fees: 1.3, reason, pnl: (exitPrice - openPrice) * quantity * 100 });
    }
  }
  return rows;
}

function isoDay(days: number): string {
  return new Date(days * DAY_MS).toISOString().slice(0, 10);
}
