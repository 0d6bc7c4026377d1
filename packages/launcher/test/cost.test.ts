import { describe, expect, it } from "vitest";
import {
  billedSeconds,
  estimateCost,
  estimateRuntime,
  FARGATE_PRICES,
  formatEstimate,
  hourlyRate,
  runCost,
  SPOT_DISCOUNT,
  taskCost,
  weekdaysBetween,
} from "../src/cost.ts";

const ORATS = { vcpu: 16, memoryGb: 120, ephemeralGiB: 50 };
const SYNTHETIC = { vcpu: 8, memoryGb: 60, ephemeralGiB: 21 };

describe("the price table", () => {
  it("carries its date and region", () => {
    expect(FARGATE_PRICES).toMatchObject({ region: "us-east-1", platform: "Linux/x86_64", dated: "2024-12-01", asOf: "2024-12-01", perVcpuHour: 0.04048, perGbHour: 0.004445, perEphemeralGbHour: 0.000111 });
    expect(SPOT_DISCOUNT).toBe(0.7);
  });
});

describe("hourly rates, by hand", () => {
  it("orats-7y on demand: 16 × 0.04048 + 120 × 0.004445 + (50 − 20) × 0.000111 = 1.18441 $/h", () => {
    const r = hourlyRate(ORATS, false);
    expect(r.vcpu).toBeCloseTo(0.64768, 12);
    expect(r.memory).toBeCloseTo(0.5334, 12);
    expect(r.ephemeral).toBeCloseTo(0.00333, 12);
    expect(r.total).toBeCloseTo(1.18441, 12);
  });

  it("synthetic on Spot: (8 × 0.04048 + 60 × 0.004445 + 1 × 0.000111) × 0.3 = 0.17719 $/h", () => {
    // 0.32384 + 0.2667 + 0.000111 = 0.590651; × 0.3 = 0.1771953
    expect(hourlyRate(SYNTHETIC, true).onDemand).toBeCloseTo(0.590651, 12);
    expect(hourlyRate(SYNTHETIC, true).total).toBeCloseTo(0.1771953, 12);
  });

  it("charges no ephemeral storage up to 20 GB", () => {
    expect(hourlyRate({ vcpu: 1, memoryGb: 2, ephemeralGiB: 20 }, false).ephemeral).toBe(0);
  });
});

describe("billing", () => {
  it("is per second, rounded up, one minute minimum", () => {
    expect(billedSeconds(0)).toBe(60);
    expect(billedSeconds(59.2)).toBe(60);
    expect(billedSeconds(60.01)).toBe(61);
    expect(billedSeconds(3600)).toBe(3600);
  });

  it("a 30-minute orats-7y run costs 1.18441 / 2 dollars", () => {
    expect(taskCost(ORATS, 1800, false)).toBeCloseTo(0.592205, 12);
  });

  it("sums every attempt of a run, pull start to stop", () => {
    const c = runCost(
      [
        { attempt: 1, clientToken: "a1", pullStartedAt: "2026-11-21T10:00:00Z", startedAt: "2026-11-21T10:01:00Z", stoppedAt: "2026-11-21T10:31:00Z" },
        { attempt: 2, clientToken: "a2", startedAt: "2026-11-21T11:00:00Z", stoppedAt: "2026-11-21T11:00:10Z" },
        { attempt: 3, clientToken: "a3", failures: [{ reason: "x" }] },
      ],
      ORATS,
      false,
    );
    // 31 min = 1860 s → 1.18441 × 1860 / 3600 = 0.61194516…; 10 s billed as 60 → 0.01974016…
    expect(c?.billedSeconds).toBe(1920);
    expect(c?.usd).toBeCloseTo((1.18441 * 1920) / 3600, 12);
    expect(c?.attempts.map((a) => a.attempt)).toEqual([1, 2]);
    expect(runCost([{ attempt: 1, clientToken: "a1" }], ORATS, false)).toBeUndefined();
  });
});

describe("the runtime estimate", () => {
  it.each([
    ["2026-11-16", "2026-11-20", 5], // Monday to Friday
    ["2026-11-21", "2026-11-22", 0], // a weekend
    ["2026-11-20", "2026-11-23", 2], // Friday to Monday
    ["2026-11-01", "2026-11-30", 21],
    ["2017-01-03", "2023-12-29", 1824],
    ["2026-11-20", "2026-11-19", 0],
  ])("%s … %s has %i weekdays", (a, b, n) => {
    expect(weekdaysBetween(a, b)).toBe(n);
  });

  it("is start-up + S3 sync + backtest over days × tickers × rows", () => {
    const e = estimateRuntime({ tickers: ["SPX", "NDX"], start: "2026-11-16", end: "2026-11-20" });
    // 5 days × 2 tickers × 5000 rows = 50,000 rows; × 220 B / 100 MB/s = 0.11 s; / 5 M rows/s = 0.01 s.
    expect(e.tradingDays).toBe(5);
    expect(e.rows).toBe(50_000);
    expect(e.seconds.data).toBeCloseTo(0.11, 12);
    expect(e.seconds.compute).toBeCloseTo(0.01, 12);
    expect(e.seconds.total).toBeCloseTo(90.12, 12);
  });

  it("costs the estimate at the size, Spot included", () => {
    const span = { tickers: ["SPX"], start: "2017-01-03", end: "2023-12-29" };
    const e = estimateCost(span, ORATS, true);
    // 1824 × 5000 = 9,120,000 rows: 20.064 s sync + 1.824 s backtest + 90 s = 111.888 s → 112 s billed.
    expect(e.runtime.seconds.total).toBeCloseTo(111.888, 9);
    expect(e.usd).toBeCloseTo((1.18441 * 0.3 * 112) / 3600, 12);
    const lines = formatEstimate(e, span).join("\n");
    expect(lines).toContain("us-east-1 Linux/x86_64, as of 2024-12-01");
    expect(lines).toContain("1824 weekdays 2017-01-03 … 2023-12-29 (holidays not removed)");
    expect(lines).toContain("9,120,000 = days × 1 ticker(s) × 5,000 rows per ticker-day");
    expect(lines).toContain("Fargate Spot");
  });
});
