// A sweep's cost before it runs: the estimate from a per-point time (hand-computed), the calibration
// that measures that time with the real binary, and `aegis-launch cost` for a sweep.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Manifest } from "@aegis-bt/data-tools";
import { generateDataset } from "@aegis-bt/data-tools";
import { BatchClient } from "@aws-sdk/client-batch";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { ECSClient } from "@aws-sdk/client-ecs";
import { S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeAll, describe, expect, it } from "vitest";
import { calibrate, calibrationShards, fitPointTime, manifestData, spanCoverage } from "../src/calibrate.ts";
import { runCli } from "../src/cli.ts";
import { InputError } from "../src/errors.ts";
import { EBS_PRICES, FARGATE_PRICES, PRICE_LIST } from "../src/prices.ts";
import { assumedData, estimateSweepCost, formatSweepEstimate, shardPointSeconds } from "../src/sweep-cost.ts";
import { SWEEP_SCENARIO } from "./fixtures.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const BINARY = process.env.AEGIS_BT_BINARY ?? join(ROOT, "target/release/aegis-bt");
const ORATS = { vcpu: 16, memoryGb: 120, ephemeralGiB: 50 };
const SYNTHETIC = { vcpu: 8, memoryGb: 60, ephemeralGiB: 21 };
const SPAN = { tickers: ["SPX"], start: "2017-01-03", end: "2023-12-29" };

describe("the price table", () => {
  it("is one table with its region and date, Fargate and EBS", () => {
    expect(PRICE_LIST).toMatchObject({ region: "us-east-1", dated: "2024-12-01", currency: "USD" });
    expect(FARGATE_PRICES).toMatchObject({ region: "us-east-1", dated: "2024-12-01" });
    expect(EBS_PRICES).toMatchObject({ region: "us-east-1", dated: "2024-12-01", gp3GbMonth: 0.08, snapshotGbMonth: 0.05, gp3IncludedMibps: 125, gp3MibpsMonth: 0.04, hoursPerMonth: 730 });
  });
});

describe("a sweep's estimate, by hand", () => {
  it("24 points in 4 shards of 6 at 0.5 s a point, 2 s fixed, 1 GB to sync, 8 vCPU: 4 × 105 s at both prices", () => {
    const e = estimateSweepCost({
      points: 24,
      shards: 4,
      size: SYNTHETIC,
      spot: false,
      span: SPAN,
      time: { perPointSeconds: 0.5, fixedSeconds: 2, source: "given" },
      data: { bytes: 1e9, source: "manifest" },
    });
    // 6 points are one group: one thread, 6 × 0.5 = 3 s; 90 s start-up + 1e9 / 1e8 = 10 s sync + 2 s + 3 s = 105 s.
    expect(e.classes).toEqual([{ points: 6, shards: 4, workers: 1, seconds: { startup: 90, data: 10, engine: 2, points: 3, total: 105 }, billedSeconds: 105 }]);
    expect(e.billedSeconds).toBe(420);
    // 0.590651 $/h × 420 s / 3600 = 0.068909283…; Spot: 0.1771953 × 420 / 3600 = 0.020672785.
    expect(e.usd.onDemand).toBeCloseTo(0.06890928333333333, 12);
    expect(e.usd.spot).toBeCloseTo(0.020672785, 12);
    expect(e.chosenUsd).toBe(e.usd.onDemand);
    expect(e.prices).toEqual({ region: "us-east-1", dated: "2024-12-01", platform: "Linux/x86_64", currency: "USD", spotDiscount: 0.7 });
  });

  it("bills shards of ⌊N/K⌋ and ⌈N/K⌉ points apart: 10 points in 4 shards at 10 s a point", () => {
    const e = estimateSweepCost({ points: 10, shards: 4, size: ORATS, spot: true, span: SPAN, time: { perPointSeconds: 10, fixedSeconds: 0, source: "given" }, data: { bytes: 0, source: "manifest" } });
    // Shards 0…2, 2…5, 5…7, 7…10: two of 2 points (90 + 20 = 110 s), two of 3 (90 + 30 = 120 s): 460 s.
    expect(e.classes.map((c) => [c.points, c.shards, c.seconds.total])).toEqual([
      [2, 2, 110],
      [3, 2, 120],
    ]);
    expect(e.billedSeconds).toBe(460);
    expect(e.usd.onDemand).toBeCloseTo(0.15134127777777776, 12);
    expect(e.chosenUsd).toBeCloseTo(0.15134127777777776 * 0.3, 12);
  });

  it.each([
    // points, vCPU, workers, seconds at 1 s a point
    [6, 16, 1, 6],
    [20, 16, 2, 16], // 2 groups, but never faster than one group of 16 on its thread (20 / 1.7 = 11.8)
    [100, 16, 7, 100 / (7 * 0.85)], // 7 groups on 7 threads: 16.807 s
    [160, 4, 4, 160 / (4 * 0.85)], // 10 groups on 4 threads: 47.06 s
    [5, 0.25, 1, 5], // a quarter vCPU is still one thread
  ])("%i points on %s vCPU: %i threads busy, %s s", (points, vcpu, workers, seconds) => {
    const r = shardPointSeconds(points, vcpu, 1, 0.85);
    expect(r.workers).toBe(workers);
    expect(r.seconds).toBeCloseTo(seconds, 12);
  });

  it("assumes the single run's rows × bytes a row to sync when no manifest is at hand", () => {
    // 1824 weekdays × 5,000 rows × 220 bytes = 2,006,400,000 bytes.
    expect(assumedData(SPAN)).toEqual({ bytes: 2_006_400_000, source: "assumption" });
  });

  it("refuses a sweep without points, a K the points cannot be split into, and a bad time", () => {
    const base = { shards: 1, size: ORATS, spot: false, span: SPAN, time: { perPointSeconds: 1, fixedSeconds: 0, source: "given" as const } };
    expect(() => estimateSweepCost({ ...base, points: 0 })).toThrow("a sweep's estimate needs its points: got 0 (does the scenario have a sweep: section?)");
    expect(() => estimateSweepCost({ ...base, points: 24, shards: 30 })).toThrow("--shards 30 is more than the sweep's 24 points");
    expect(() => estimateSweepCost({ ...base, points: 24, time: { ...base.time, perPointSeconds: -1 } })).toThrow("the time a point takes must be a number of seconds ≥ 0, got -1");
    expect(() => estimateSweepCost({ ...base, points: 24, time: { ...base.time, fixedSeconds: Number.NaN } })).toThrow(InputError);
  });

  it("prints both prices, the per-shard time and what it came from", () => {
    const e = estimateSweepCost({ points: 24, shards: 4, size: SYNTHETIC, spot: true, span: SPAN, time: { perPointSeconds: 0.5, fixedSeconds: 2, source: "given" }, data: { bytes: 1e9, source: "manifest" } });
    const lines = formatSweepEstimate(e, SPAN, ["given       --calibration-seconds 0.5"]);
    expect(lines.slice(0, 5)).toEqual([
      "sweep       24 points in 4 shards (4 of 6 points)",
      "size        8 vCPU / 60 GB / 21 GiB ephemeral, each shard",
      "per shard   ~105 s for 6 points: start-up 90 s + data sync 10 s + engine 2.00 s + points 3.00 s (1 of 8 threads busy)",
      "estimate    Fargate on-demand $0.07, Fargate Spot $0.02  (4 shards, 420 s billed; --spot: Spot)",
      "rates       on-demand $0.59/h, Spot $0.18/h a shard  (8 × $0.04048 vCPU-h + 60 × $0.004445 GB-h + 1 × $0.000111 GB-h ephemeral; Spot − 70%)",
    ]);
    expect(lines).toContain("given       --calibration-seconds 0.5");
    expect(lines.join("\n")).toContain("us-east-1 Linux/x86_64, AWS's price list of 2024-12-01");
  });
});

describe("the calibration's arithmetic", () => {
  it.each([
    [1000, 16, [{ count: 62, points: 16 }, { count: 31, points: 32 }]],
    [24, 16, [{ count: 2, points: 12 }, { count: 1, points: 24 }]],
    [3, 16, [{ count: 3, points: 1 }, { count: 1, points: 3 }]],
    [1, 16, [{ count: 1, points: 1 }]],
    [100, 40, [{ count: 2, points: 50 }, { count: 1, points: 100 }]],
  ])("%i points, a sample of %i: shards %j", (points, sample, shards) => {
    expect(calibrationShards(points, sample)).toEqual(shards);
  });

  it("refuses a sweep without points and a bad sample", () => {
    expect(() => calibrationShards(0)).toThrow("a calibration needs the sweep's points: got 0");
    expect(() => calibrationShards(10, 0)).toThrow("--calibration-points must be a whole number ≥ 1, got 0");
  });

  it("fits the time a point from two sizes, else puts the whole time on the points", () => {
    // (1.5 − 1.0) / (32 − 16) = 0.03125 s a point; 1.0 − 16 × 0.03125 = 0.5 s fixed.
    expect(fitPointTime([{ points: 32, wallSeconds: 1.5 }, { points: 16, wallSeconds: 1.0 }])).toEqual({ perPointSeconds: expect.closeTo(0.03125, 12), fixedSeconds: expect.closeTo(0.5, 12), method: "two-sizes" });
    // The larger run was not slower: 1.4 / 32.
    expect(fitPointTime([{ points: 16, wallSeconds: 1.5 }, { points: 32, wallSeconds: 1.4 }])).toEqual({ perPointSeconds: expect.closeTo(0.04375, 12), fixedSeconds: 0, method: "one-size" });
    expect(fitPointTime([{ points: 24, wallSeconds: 1.2 }])).toEqual({ perPointSeconds: expect.closeTo(0.05, 12), fixedSeconds: 0, method: "one-size" });
    // A steep slope never makes the fixed time negative: 0.9 / 16 = 0.05625 a point, 0.1 − 0.9 → 0.
    expect(fitPointTime([{ points: 16, wallSeconds: 0.1 }, { points: 32, wallSeconds: 1.0 }])).toEqual({ perPointSeconds: expect.closeTo(0.05625, 12), fixedSeconds: 0, method: "two-sizes" });
    expect(() => fitPointTime([])).toThrow("a calibration needs at least one run");
    expect(() => fitPointTime([{ points: 0, wallSeconds: 1 }])).toThrow("a calibration run of 0 points in 1 s cannot be used");
    expect(() => fitPointTime([{ points: 3, wallSeconds: -1 }])).toThrow(InputError);
  });

  const manifest = {
    name: "m",
    tickers: ["SPX", "NDX"],
    partitions: [
      { path: "NDX/2023.arrow", ticker: "NDX", year: 2023, firstTradeDate: "2023-01-03", lastTradeDate: "2023-12-29", rows: 1, bytes: 5000, sha256: "0".repeat(64) },
      { path: "SPX/2022.arrow", ticker: "SPX", year: 2022, firstTradeDate: "2022-01-03", lastTradeDate: "2022-12-30", rows: 1, bytes: 2000, sha256: "0".repeat(64) },
      { path: "SPX/2023.arrow", ticker: "SPX", year: 2023, firstTradeDate: "2023-01-03", lastTradeDate: "2023-12-29", rows: 1, bytes: 1000, sha256: "0".repeat(64) },
    ],
    events: { path: "events.arrow", bytes: 7, sha256: "0".repeat(64) },
  } as unknown as Manifest;

  it("scales to the span by the weekdays the local data holds of it", () => {
    // 2022-07-01 … 2024-06-28 has 521 weekdays; the data holds 2022-07-01 … 2023-12-29, 391 of them.
    const span = { tickers: ["SPX"], start: "2022-07-01", end: "2024-06-28" };
    expect(spanCoverage(manifest, span)).toEqual({ spanWeekdays: 521, coveredWeekdays: 391, first: "2022-07-01", last: "2023-12-29", scale: 521 / 391 });
    // SPX 2022 and 2023 (3,000 bytes) × 521 / 391 = 3,997.4 → 3,997, plus events.arrow's 7.
    expect(manifestData(manifest, span)).toEqual({ bytes: 4004, source: "manifest" });
    // Two tickers: only where both have data (NDX from 2023-01-03), 2023-01-03 … 2023-12-29 = 259 weekdays.
    expect(spanCoverage(manifest, { tickers: ["SPX", "NDX"], start: "2022-07-01", end: "2024-06-28" })).toMatchObject({ first: "2023-01-03", last: "2023-12-29", coveredWeekdays: 259 });
    expect(() => spanCoverage(manifest, { tickers: ["RUT"], start: "2022-07-01", end: "2024-06-28" })).toThrow("dataset m holds no data of RUT between 2022-07-01 and 2024-06-28");
    expect(() => spanCoverage(manifest, { tickers: ["SPX"], start: "2019-01-01", end: "2019-12-31" })).toThrow(InputError);
  });
});

const DATASET = "cost-spx";
const SCENARIO = `name: cost-put-sweep
data: { dataset: ${DATASET}, tickers: [SPX], start: 2023-07-03, end: 2023-12-29 }
capital: 1000000
strategy:
  template: { put_vertical: { dte: { target: 30, min: 20, max: 45 }, delta: { target: 0.25 }, width: 50, kind: credit } }
  entry: { every_trading_days: 5, max_open: 3 }
  exit: { profit_target: 0.5, stop_loss: 2.0, dte_exit: 10 }
  sizing: { contracts: 2 }
sweep:
  grid: { "strategy.exit.profit_target": [0.25, 0.5, 0.75], "strategy.exit.stop_loss": [1.5, 2.0] }
`;

describe("the calibration with the real binary", () => {
  const work = mkdtempSync(join(tmpdir(), "aegis-calibrate-test-"));
  const data = join(work, "data");
  const file = join(work, "sweep.yaml");
  const span = { tickers: ["SPX"], start: "2023-07-03", end: "2023-12-29" };

  beforeAll(async () => {
    await generateDataset({ profile: "spx-like", tickers: ["SPX"], start: "2023-09-01", end: "2023-12-29", seed: 5, out: join(data, DATASET), name: DATASET });
    writeFileSync(file, SCENARIO);
  }, 120_000);

  it("times the first shards on one thread and scales to the span the local data does not hold", async () => {
    const runs: string[][] = [];
    const c = await calibrate({ binary: BINARY, scenarioFile: file, dataRoot: data, dataset: DATASET, points: 6, span, onRun: (args, warmup) => runs.push([warmup ? "warm-up" : "timed", ...args]) });
    // 6 points: 3 (shard 0/2) and 6 (0/1), after a warm-up, each timed twice.
    expect(runs.map((r) => [r[0], r[r.indexOf("--shard") + 1], r[r.indexOf("--threads") + 1]])).toEqual([
      ["warm-up", "0/2", "1"],
      ["timed", "0/2", "1"],
      ["timed", "0/2", "1"],
      ["timed", "0/1", "1"],
      ["timed", "0/1", "1"],
    ]);
    expect(c.runs.map((r) => [r.shard, r.points, r.threads])).toEqual([
      ["0/2", 3, 1],
      ["0/1", 6, 1],
    ]);
    // The data starts on 2023-09-01: the runs cover 2023-09-01 … 2023-12-29 (86 of the span's 130 weekdays).
    expect(c.coverage).toMatchObject({ first: "2023-09-01", last: "2023-12-29", spanWeekdays: 130, coveredWeekdays: 86 });
    expect(c.runs[0]?.tradingDays).toBeGreaterThan(70);
    expect(c.runs[0]?.tradingDays).toBeLessThanOrEqual(86);
    expect(runs[0]?.[runs[0].indexOf("--scenario") + 1]).toMatch(/scenario\.json$/);
    expect(c.perPointSeconds).toBeGreaterThan(0);
    expect(c.perPointSeconds).toBeCloseTo(c.measured.perPointSeconds * (130 / 86), 12);
    expect(c.fixedSeconds).toBeCloseTo(c.measured.fixedSeconds * (130 / 86), 12);
    expect(c.data.source).toBe("manifest");
  }, 120_000);

  it("reports a binary that fails, and a data root without the dataset", async () => {
    const fake = join(work, "fake-aegis-bt");
    writeFileSync(fake, "#!/bin/sh\necho 'aegis-bt: error: no such thing' >&2\nexit 3\n");
    chmodSync(fake, 0o755);
    await expect(calibrate({ binary: fake, scenarioFile: file, dataRoot: data, dataset: DATASET, points: 6, span })).rejects.toThrow(
      /^the calibration run .*fake-aegis-bt sweep --scenario .* --shard 0\/2 --threads 1 --quiet failed \(exit code 3\): aegis-bt: error: no such thing; or give --calibration-seconds$/,
    );
    const empty = join(work, "empty");
    mkdirSync(empty);
    await expect(calibrate({ binary: BINARY, scenarioFile: file, dataRoot: empty, dataset: DATASET, points: 6, span })).rejects.toThrow(`${empty}: no dataset ${DATASET} there`);
    await expect(calibrate({ binary: join(work, "nope"), scenarioFile: file, dataRoot: data, dataset: DATASET, points: 6, span })).rejects.toThrow(/^no executable aegis-bt at /);
  });

  describe("aegis-launch cost for a sweep", () => {
    const mocks = [mockClient(S3Client), mockClient(ECSClient), mockClient(CloudFormationClient), mockClient(BatchClient)];
    const cli = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(["node", "aegis-launch", ...args], { out: (l) => out.push(l), err: (l) => err.push(l), env: { AEGIS_BT_BINARY: BINARY } });
      return { code, out, err };
    };
    const fixture = join(work, "fixture-sweep.yaml");
    writeFileSync(fixture, SWEEP_SCENARIO);

    it("calibrates with the local binary and prints both prices, what it measured and how it scaled", async () => {
      const r = await cli("cost", file, "--shards", "2", "--data", data, "--profile", "synthetic");
      expect(r.code, r.err.join("\n")).toBe(0);
      expect(r.out[0]).toBe("sweep       6 points in 2 shards (2 of 3 points)");
      expect(r.out.find((l) => l.startsWith("estimate "))).toMatch(/^estimate {4}Fargate on-demand \$[\d.]+, Fargate Spot \$[\d.]+ {2}\(2 shards, [\d,]+ s billed; on-demand; --spot for Spot\)$/);
      expect(r.out.find((l) => l.startsWith("measured "))).toContain("--threads 1 on");
      expect(r.out.find((l) => l.startsWith("fit "))).toContain("for the span (the local data holds 86 of its 130 weekdays, 2023-09-01 … 2023-12-29)");
      expect(r.err.filter((l) => l.startsWith("calibrating"))).toHaveLength(5);
      const json = await cli("cost", file, "--shards", "3", "--calibration-seconds", "0.5", "--json");
      const doc = JSON.parse(json.out.join("\n"));
      expect(doc).toMatchObject({ kind: "sweep", points: 6, shards: 3, time: { perPointSeconds: 0.5, fixedSeconds: 0, source: "given" }, data: { source: "assumption" } });
      expect(mocks.every((m) => m.calls().length === 0)).toBe(true);
    }, 120_000);

    it("with --calibration-seconds: 6 points in 2 shards of 3 at 2 s, orats-7y, the sync assumed", async () => {
      const r = await cli("cost", fixture, "--shards", "2", "--calibration-seconds", "2", "--json");
      const doc = JSON.parse(r.out.join("\n"));
      // 90 s + 2,006,400,000 B / 100 MB/s = 20.064 s + 3 × 2 s = 116.064 s → 117 s billed, twice: 234 s.
      expect(doc.classes).toEqual([{ points: 3, shards: 2, workers: 1, seconds: { startup: 90, data: 20.064, engine: 0, points: 6, total: 116.064 }, billedSeconds: 117 }]);
      expect(doc.usd.onDemand).toBeCloseTo((1.18441 * 234) / 3600, 12);
      expect(doc.usd.spot).toBeCloseTo((0.355323 * 234) / 3600, 12);
      expect(mocks.every((m) => m.calls().length === 0)).toBe(true);
    });

    it("refuses what a sweep's estimate cannot use, in one line", async () => {
      const single = join(work, "single.yaml");
      writeFileSync(single, SCENARIO.replace(/sweep:\n.*\n/, ""));
      const cases: [string[], string][] = [
        [["cost", fixture], `aegis-launch: error: ${fixture}: the scenario has a sweep: section of 6 points: give --shards <K>, as for aegis-launch sweep`],
        [["cost", fixture, "--shards", "2"], "aegis-launch: error: a sweep's cost needs the time a point takes: --data <root> to time a sample of the points with the local aegis-bt (the dataset synthetic-spx-7y under it), or --calibration-seconds <s>"],
        [["cost", fixture, "--shards", "7", "--calibration-seconds", "1"], "aegis-launch: error: --shards 7 is more than the sweep's 6 points: every shard must run at least one; use --shards 6 or fewer"],
        [["cost", fixture, "--shards", "2", "--calibration-seconds", "-1"], "error: option '--calibration-seconds <s>' argument '-1' is invalid. expected a positive number"],
        [["cost", fixture, "--shards", "2", "--calibration-seconds", "1", "--calibration-points", "8"], "aegis-launch: error: --calibration-points and --binary are for a calibration run, which --calibration-seconds replaces"],
        [["cost", single, "--shards", "2"], `aegis-launch: error: --shards does not apply to ${single}, which has no sweep: section`],
        [["cost", single, "--calibration-seconds", "1", "--data", data], `aegis-launch: error: --calibration-seconds, --data do not apply to ${single}, which has no sweep: section`],
        [["cost"], "aegis-launch: error: give a scenario file (a run's or a sweep's cost), or --snapshot-of <dataset> (a dataset snapshot's)"],
      ];
      for (const [args, message] of cases) {
        const r = await cli(...args);
        expect(r.code, args.join(" ")).toBe(1);
        expect(r.err[0], args.join(" ")).toBe(message);
      }
      expect(mocks.every((m) => m.calls().length === 0)).toBe(true);
    });
  });
});
