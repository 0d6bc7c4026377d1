import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.ts";
import { checkShardCount, MAX_SHARDS, planShards, pointsIn, shardName, shardRange } from "../src/sweep-plan.ts";
import { formatDuration, formatProgress, sweepProgress } from "../src/sweep-progress.ts";

describe("shard planning", () => {
  it("splits N points as ⌊i·N/K⌋ … ⌊(i+1)·N/K⌋ − 1, sizes differing by at most one", () => {
    expect(planShards(3, 6)).toEqual([
      { index: 0, first: 0, end: 2 },
      { index: 1, first: 2, end: 4 },
      { index: 2, first: 4, end: 6 },
    ]);
    expect(planShards(4, 10).map((s) => [s.first, s.end])).toEqual([
      [0, 2],
      [2, 5],
      [5, 7],
      [7, 10],
    ]);
    expect(planShards(1, 7)).toEqual([{ index: 0, first: 0, end: 7 }]);
    expect(shardRange(2, 3, 6)).toEqual({ index: 2, first: 4, end: 6 });
  });

  it.each([
    [7, 1000],
    [1000, 1000],
    [9, 10],
    [3, 100],
  ])("covers every point exactly once (K=%i, N=%i), none empty", (k, n) => {
    const shards = planShards(k, n);
    expect(shards).toHaveLength(k);
    expect(shards[0]?.first).toBe(0);
    expect(shards.at(-1)?.end).toBe(n);
    for (const [i, s] of shards.entries()) {
      expect(s.end).toBeGreaterThan(s.first);
      if (i > 0) expect(s.first).toBe(shards[i - 1]?.end);
    }
    const sizes = shards.map((s) => s.end - s.first);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it("refuses K < 1, K > N and K past Batch's largest array", () => {
    expect(() => checkShardCount(0, 6)).toThrow(InputError);
    expect(() => checkShardCount(0, 6)).toThrow("--shards must be a whole number ≥ 1, got 0");
    expect(() => checkShardCount(1.5, 6)).toThrow("--shards must be a whole number ≥ 1, got 1.5");
    expect(() => planShards(7, 6)).toThrow("--shards 7 is more than the sweep's 6 points: every shard must run at least one; use --shards 6 or fewer");
    expect(() => planShards(2, 1)).toThrow("the sweep's 1 point:");
    expect(() => checkShardCount(MAX_SHARDS + 1, 1_000_000)).toThrow(`--shards ${MAX_SHARDS + 1} is more than ${MAX_SHARDS}`);
    expect(checkShardCount(MAX_SHARDS, 1_000_000)).toBe(MAX_SHARDS);
  });

  it("names shard directories with 4 digits and counts the points of a set of shards", () => {
    expect([0, 7, 42, 9999].map(shardName)).toEqual(["0000", "0007", "0042", "9999"]);
    const shards = planShards(4, 10);
    expect(pointsIn(shards, [1, 3])).toBe(6);
    expect(pointsIn(shards, new Set<number>())).toBe(0);
    expect(pointsIn(shards, [0, 1, 2, 3])).toBe(10);
  });
});

describe("sweep progress", () => {
  const shards = planShards(3, 6);
  const t0 = Date.parse("2026-11-21T13:45:00Z");

  it("counts shards and their points, and estimates the rest from this launch's rate", () => {
    const p = sweepProgress(shards, new Set([0]), { startedAt: t0, pointsDone: 0 }, t0 + 60_000);
    expect(p).toEqual({ shardsDone: 1, shards: 3, pointsDone: 2, points: 6, etaSeconds: 120 });
    expect(formatProgress(p)).toBe("1/3 shards, 2/6 points, ETA 2 min 00 s");
  });

  it("does not count shards finished before the launch in the rate", () => {
    const before = { startedAt: t0, pointsDone: 4 };
    expect(sweepProgress(shards, new Set([0, 1]), before, t0 + 5000).etaSeconds).toBeUndefined();
    expect(formatProgress(sweepProgress(shards, new Set([0, 1]), before, t0 + 5000))).toBe("2/3 shards, 4/6 points, ETA unknown");
    expect(formatProgress(sweepProgress(shards, new Set([0, 1, 2]), before, t0 + 30_000))).toBe("3/3 shards, 6/6 points");
  });

  it.each([
    [0, "0 s"],
    [45.4, "45 s"],
    [200, "3 min 20 s"],
    [3600, "1 h 00 min"],
    [7500, "2 h 05 min"],
    [-3, "0 s"],
  ])("formatDuration(%d) = %s", (s, text) => {
    expect(formatDuration(s)).toBe(text);
  });
});
