// The report's underlying prices: for each ticker of market.arrow (the first MAX_PRICE_CHARTS, in
// the scenario's order), its close with the entries and exits of its positions.
import { MARK_LABELS, priceChart } from "./charts/price.js";
import { formatValue } from "./format.js";
import { escapeHtml } from "./html.js";
import { tradeMarks, type MarketSeries } from "./market.js";
import { figure, noteLine, section } from "./page.js";
import type { PositionRow } from "./positions.js";

/** Tickers drawn at most; the others are named under the charts. */
export const MAX_PRICE_CHARTS = 6;

/** The section, a note when the directory has no market.arrow, or "" when market.arrow holds no ticker. */
export function marketSection(market: readonly MarketSeries[] | undefined, positions: readonly PositionRow[] | undefined): string {
  if (!market) return noteLine("prices-missing", "No underlying prices: this results directory has no market.arrow (written before the engine kept the closes).");
  const tickers = market.filter((s) => s.kind === "ticker");
  if (tickers.length === 0) return "";
  const drawn = tickers.slice(0, MAX_PRICE_CHARTS);
  const figures = drawn.map((series, i) => {
    const marks = tradeMarks(series, positions ?? []);
    const caption =
      `Close at each trading day; ▲ ${MARK_LABELS.entry.toLowerCase()} (${formatValue(marks.entries.length, "count")}), ◆ exit at that day’s close, green for a position with a net gain, red otherwise (${formatValue(marks.exits.length, "count")}).` +
      (positions ? "" : " No positions.arrow, so no entries or exits.");
    return figure(`chart-price-${i + 1}`, escapeHtml(series.name), caption, series.dates.length > 0 ? priceChart(series, marks) : "");
  });
  const rest = tickers.slice(MAX_PRICE_CHARTS);
  const more = rest.length === 0
    ? ""
    : noteLine("prices-more", `Showing the first ${MAX_PRICE_CHARTS} of ${formatValue(tickers.length, "count")} tickers, in the scenario’s order; not drawn: ${rest.map((s) => escapeHtml(s.name)).join(", ")}.`);
  return section("prices", "Underlying prices, entries and exits", `<div class="price-grid">\n${figures.join("\n")}\n</div>${more}`);
}
