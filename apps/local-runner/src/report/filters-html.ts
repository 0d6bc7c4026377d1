// The report's entry filters: every non-zero counter of summary.json `diagnostics.entries_skipped`
// and `diagnostics.signals_blocked` (the signals by kind), each in plain words, in the order the
// engine checks them, with a column per strategy when the summary has their own diagnostics.
import { formatValue } from "./format.js";
import { escapeHtml } from "./html.js";
import { humanize } from "./metric-rows.js";
import { noteLine, section } from "./page.js";
import type { Diagnostics, RunSummary } from "./summary.js";
import { rowsTable } from "./tables.js";

/** `entries_skipped` counters in the engine's order of checks (docs/scenario.md), in plain words. */
export const SKIP_LABELS: Readonly<Record<string, string>> = {
  split: "The ticker's next trading day is a split positions cannot be carried across",
  max_open: "The ticker already held its most open positions (max_open)",
  iv_rank: "IV rank outside its window, or not enough IV history yet",
  earnings: "An earnings rule did not allow an entry that day",
  signals: "The entry signals did not hold",
  no_expiry: "No expiration inside a leg's DTE window",
  no_strike: "No contract inside a leg's strike window (delta, moneyness or offset)",
  low_open_interest: "A leg's best candidate had too little open interest",
  low_volume: "A leg's best candidate traded too little volume that day",
  low_bid: "A leg's best candidate had a bid under the minimum",
  wide_spread: "A leg's best candidate had too wide a bid–ask spread",
  min_credit: "The net credit at the fills was under min_credit",
  size_zero: "The sizing rule gave zero units",
};

/** `signals_blocked` counters: which signal kept the strategy out. */
export const SIGNAL_LABELS: Readonly<Record<string, string>> = {
  iv_percentile: "IV percentile outside its bounds, or not enough history",
  term_structure: "Term structure (front against back ATM IV) outside its bounds",
  iv_rv: "ATM IV over realized volatility outside its bounds",
  sma: "Price on the wrong side of its moving average",
  momentum: "N-day return outside its bounds",
  series: "A dataset series (such as VIX) outside its bounds, or no value yet",
  dates: "Not a listed date (on: only), or a listed one (on: never)",
};

interface Counter {
  group: "entries_skipped" | "signals_blocked";
  key: string;
}

/** The section: a row per counter that is non-zero for the run or for one of its strategies. */
export function filtersSection(summary: RunSummary): string {
  const perStrategy = (summary.strategies ?? []).filter((s) => s.diagnostics !== undefined);
  const columns: { name: string; diagnostics: Diagnostics }[] = [
    { name: "All", diagnostics: summary.diagnostics },
    ...(perStrategy.length >= 2 ? perStrategy.map((s) => ({ name: s.name, diagnostics: s.diagnostics as Diagnostics })) : []),
  ];
  const counters = [...counterKeys("entries_skipped", SKIP_LABELS, columns), ...counterKeys("signals_blocked", SIGNAL_LABELS, columns)];
  const nonZero = counters.filter((c) => columns.some((col) => value(col.diagnostics, c) !== 0));
  if (nonZero.length === 0) return section("filters", "Entry filters", noteLine("filters-none", "No scheduled entry was skipped: every filter and check let them through."));
  // The signals' kinds go right under the signals row, as its breakdown.
  const skipped = nonZero.filter((c) => c.group === "entries_skipped");
  const signals = nonZero.filter((c) => c.group === "signals_blocked");
  const at = skipped.findIndex((c) => c.key === "signals");
  const ordered = at < 0 ? [...skipped, ...signals] : [...skipped.slice(0, at + 1), ...signals, ...skipped.slice(at + 1)];
  const rows = ordered.map((c) => {
    const signal = c.group === "signals_blocked";
    const label = (signal ? SIGNAL_LABELS : SKIP_LABELS)[c.key] ?? humanize(c.key);
    const counts = columns.map((col) => `<td>${formatValue(value(col.diagnostics, c), "count")}</td>`).join("");
    return `<tr data-counter="${c.group}.${escapeHtml(c.key)}"${signal ? ' class="sub"' : ""}><td class="text">${signal ? "↳ " : ""}${escapeHtml(label)}</td><td class="text"><code>${escapeHtml(c.key)}</code></td>${counts}</tr>`;
  });
  const head = ["Why no entry", { text: "Counter" }, ...columns.map((c) => escapeHtml(c.name))];
  const lede =
    `<p class="lede">Scheduled entries that opened nothing, by the first check that failed (summary.json <code>diagnostics.entries_skipped</code>); ` +
    `the days the entry signals blocked are broken down by the signal that did not hold (<code>signals_blocked</code>). Counters that stayed at 0 are left out.</p>`;
  return section("filters", "Entry filters", `${lede}\n${rowsTable({ id: "filters-table", caption: "Entries skipped", head, rows, className: "ledger" })}`);
}

/** The counters of `group` in any column: the known ones in `labels`' order, then the others by name. */
function counterKeys(group: Counter["group"], labels: Readonly<Record<string, string>>, columns: readonly { diagnostics: Diagnostics }[]): Counter[] {
  const present = new Set(columns.flatMap((c) => Object.keys(counters(c.diagnostics, group))));
  const known = Object.keys(labels).filter((k) => present.has(k));
  const others = [...present].filter((k) => !(k in labels)).sort();
  return [...known, ...others].map((key) => ({ group, key }));
}

function counters(d: Diagnostics, group: Counter["group"]): Record<string, number> {
  return (d[group] ?? {}) as unknown as Record<string, number>;
}

function value(d: Diagnostics, c: Counter): number {
  return counters(d, c.group)[c.key] ?? 0;
}
