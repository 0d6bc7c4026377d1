// Number formatting for the report (en-US, fixed so the page reads the same on every host).
// Missing or non-finite values render as an em dash.

export const MISSING = "—";

export type FormatKind = "percent" | "dollars" | "wholeDollars" | "ratio" | "count" | "days" | "tradingDays" | "number";

// signDisplay "negative": a value that rounds to zero reads "0.00", never "-0.00".
const percent = new Intl.NumberFormat("en-US", { style: "percent", minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: "negative" });
const dollars = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: "negative" });
const wholeDollars = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 0, maximumFractionDigits: 0, signDisplay: "negative" });
const ratio = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: "negative" });
const count = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const general = new Intl.NumberFormat("en-US", { maximumFractionDigits: 4 });

/** Formats `value` as `kind`: 0.3123 → "31.23%", -1090 → "-$1,090.00" (whole: "-$1,090"), 0.52 → "0.52", 1760 → "1,760". */
export function formatValue(value: number | null | undefined, kind: FormatKind): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return MISSING;
  switch (kind) {
    case "percent": return percent.format(value);
    case "dollars": return dollars.format(value);
    case "wholeDollars": return wholeDollars.format(value);
    case "ratio": return ratio.format(value);
    case "count": return count.format(value);
    case "days": return `${oneDecimal.format(value)} days`;
    case "tradingDays": return `${count.format(value)} trading days`;
    case "number": return general.format(value);
  }
}

/** A signed percentage with `digits` decimals: 0.0123 → "+1.2%", -0.004 → "-0.4%". */
export function signedPercent(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return MISSING;
  const rounded = Number((value * 100).toFixed(digits));
  const text = (rounded === 0 ? 0 : rounded).toFixed(digits); // never "-0.0"
  return `${rounded > 0 ? "+" : ""}${text}%`;
}

/** Short dollars for axes: 1234 → "$1.23k", 131234 → "$131k", 2.5e6 → "$2.5M", -500 → "-$500". */
export function compactDollars(value: number): string {
  const sign = value < 0 ? "-" : "";
  const a = Math.abs(value);
  if (a >= 1e6) return `${sign}$${trim(a / 1e6)}M`;
  if (a >= 1e3) return `${sign}$${trim(a / 1e3)}k`;
  return `${sign}$${trim(a)}`;
}

function trim(x: number): string {
  return x >= 100 ? x.toFixed(0) : String(Number(x.toFixed(2)));
}
