// A finished sweep's actual cost, shard by shard, with hand-computed expectations, and the `cost`
// field added to sweep.json without touching a byte of what the engine wrote.
import { describe, expect, it } from "vitest";
import { InputError } from "../src/errors.ts";
import type { AttemptRecord } from "../src/s3.ts";
import { formatSweepCost, intervalSeconds, sweepCost, withCostField } from "../src/shard-cost.ts";

const ORATS = { vcpu: 16, memoryGb: 120, ephemeralGiB: 50 };
const SYNTHETIC = { vcpu: 8, memoryGb: 60, ephemeralGiB: 21 };
// 16 × 0.04048 + 120 × 0.004445 + 30 × 0.000111 = 1.18441 $/h on demand; × 0.3 = 0.355323 on Spot.
const ORATS_HOUR = 1.18441;
const ORATS_SPOT_HOUR = 0.355323;
// 8 × 0.04048 + 60 × 0.004445 + 1 × 0.000111 = 0.590651 $/h on demand; × 0.3 = 0.1771953 on Spot.
const SYNTHETIC_HOUR = 0.590651;
const SYNTHETIC_SPOT_HOUR = 0.1771953;

const t = (hms: string) => `2026-12-01T${hms}.000Z`;

function task(shard: number, attempt: number, from: string | undefined, to: string | undefined, over: Partial<AttemptRecord> = {}): AttemptRecord {
  return {
    shard,
    attempt,
    clientToken: `r-s000${shard}-a${attempt}`,
    taskArn: `arn:aws:ecs:us-east-1:1:task/c/${shard}${attempt}`,
    ...(from !== undefined && { pullStartedAt: from }),
    ...(to !== undefined && { stoppedAt: to }),
    ...over,
  };
}

describe("a sweep's actual cost on Fargate", () => {
  it("bills every attempt of every shard from pull start to stop, on Spot: a retried shard pays both", () => {
    const c = sweepCost({
      lane: "fargate",
      size: ORATS,
      spot: true,
      shards: 2,
      attempts: [
        task(0, 1, t("10:00:00"), t("10:30:00")), // 1800 s
        task(1, 1, t("10:00:00"), t("10:00:20")), // interrupted after 20 s: billed 60
        task(1, 2, t("10:05:00"), t("10:35:00")), // 1800 s
      ],
    });
    expect(c).toMatchObject({ currency: "USD", region: "us-east-1", platform: "Linux/x86_64", prices_dated: "2024-12-01", spot_discount: 0.7, lane: "fargate", complete: true });
    expect(c.shards.map((s) => [s.shard, s.vcpu, s.memory_gib, s.ephemeral_gib, s.spot, s.seconds, s.billed_seconds])).toEqual([
      [0, 16, 120, 50, true, 1800, 1800],
      [1, 16, 120, 50, true, 1820, 1860],
    ]);
    // 0.355323 × 1800 / 3600 = 0.1776615; 0.355323 × 1860 / 3600 = 0.18358355.
    expect(c.shards[0]?.usd).toBeCloseTo(0.1776615, 12);
    expect(c.shards[1]?.usd).toBeCloseTo(0.18358355, 12);
    expect(c.shards[1]?.attempts.map((a) => [a.attempt, a.basis, a.seconds, a.billed_seconds])).toEqual([
      [1, "task-times", 20, 60],
      [2, "task-times", 1800, 1800],
    ]);
    expect(c.billed_seconds).toBe(3660);
    expect(c.total_usd).toBeCloseTo((ORATS_SPOT_HOUR * 3660) / 3600, 12);
    expect(c.total_usd).toBeCloseTo(0.36124505, 12);
    expect(c.notes).toEqual(["Fargate Spot at the assumed discount (70%); the real Spot price varies"]);
    expect(c.shards[0]).not.toHaveProperty("usd_spot");
  });

  it("on demand, from the task's start when the pull start is not known; nothing for a start refused or a task stopped before it started", () => {
    const c = sweepCost({
      lane: "fargate",
      size: SYNTHETIC,
      spot: false,
      shards: 1,
      attempts: [
        { shard: 0, attempt: 1, clientToken: "a1", failures: [{ reason: "RESOURCE:ENI" }] },
        task(0, 2, undefined, t("10:00:05"), { lastStatus: "STOPPED", stopCode: "TaskFailedToStart" }),
        task(0, 3, undefined, t("11:00:00"), { startedAt: t("10:00:00") }), // 3600 s
      ],
    });
    expect(c.complete).toBe(true);
    expect(c.shards[0]?.attempts.map((a) => [a.attempt, a.from, a.to, a.billed_seconds])).toEqual([[3, t("10:00:00"), t("11:00:00"), 3600]]);
    expect(c.total_usd).toBeCloseTo(SYNTHETIC_HOUR, 12);
    expect(c.notes).toEqual([]);
  });

  it("counts a last attempt whose times are gone at its shard's wall_seconds, a lower bound; says what it could not count", () => {
    const c = sweepCost({
      lane: "fargate",
      size: ORATS,
      spot: false,
      shards: 3,
      attempts: [
        task(0, 1, undefined, undefined), // forgotten by ECS, its shard's engine took 125.5 s
        task(1, 1, t("10:00:00"), undefined), // no stop, and not the last attempt
        task(1, 2, t("10:10:00"), t("10:20:00")),
      ],
      wallSeconds: new Map([[0, 125.5]]),
    });
    expect(c.complete).toBe(false);
    expect(c.shards[0]?.attempts).toEqual([{ attempt: 1, id: "arn:aws:ecs:us-east-1:1:task/c/01", basis: "engine-wall-time", seconds: 125.5, billed_seconds: 126, usd: expect.closeTo((ORATS_HOUR * 126) / 3600, 12) }]);
    expect(c.shards[1]?.billed_seconds).toBe(600);
    // Shard 2 has no attempt and no wall time: nothing counted, said so.
    expect(c.shards[2]).toMatchObject({ attempts: [], usd: 0, notes: ["no attempt recorded and no wall_seconds: not counted"] });
    expect(c.total_usd).toBeCloseTo((ORATS_HOUR * (126 + 600)) / 3600, 12);
    expect(c.notes).toEqual([
      "shard 0000: attempt 1 (arn:aws:ecs:us-east-1:1:task/c/01) has no stop time (the service no longer knows it): counted at the shard's wall_seconds, 125.5 s, a lower bound",
      "shard 0001: attempt 1 (arn:aws:ecs:us-east-1:1:task/c/11) has no stop time (still running, or the service no longer knows it): not counted",
      "shard 0002: no attempt recorded and no wall_seconds: not counted",
    ]);
  });

  it("leaves out a negative duration or an unreadable time, naming the attempt", () => {
    const c = sweepCost({
      lane: "fargate",
      size: ORATS,
      spot: false,
      shards: 1,
      attempts: [task(0, 1, t("10:30:00"), t("10:00:00")), task(0, 2, "yesterday", t("10:00:00")), task(0, 3, t("11:00:00"), t("11:01:00"))],
    });
    expect(c.complete).toBe(false);
    expect(c.shards[0]?.attempts.map((a) => a.attempt)).toEqual([3]);
    expect(c.shards[0]?.notes).toEqual([
      `attempt 1 (arn:aws:ecs:us-east-1:1:task/c/01) stops (${t("10:00:00")}) before it starts (${t("10:30:00")}): a negative duration: not counted`,
      'attempt 2 (arn:aws:ecs:us-east-1:1:task/c/02) start time "yesterday" is not a time: not counted',
    ]);
    expect(c.total_usd).toBeCloseTo(ORATS_HOUR / 60, 12);
  });

  it("refuses a sweep without shards, and names what the snapshot volumes leave out", () => {
    expect(() => sweepCost({ lane: "fargate", size: ORATS, spot: false, shards: 0, attempts: [] })).toThrow("a sweep's cost needs its shards: got 0");
    const c = sweepCost({ lane: "fargate", size: ORATS, spot: false, shards: 1, attempts: [task(0, 1, t("10:00:00"), t("10:02:00"))], snapshotId: "snap-0123456789abcdef0" });
    expect(c.notes).toEqual(["each task's EBS volume from snap-0123456789abcdef0 bills apart (gp3 GB-month for the task's life) and is not counted here"]);
  });

  it("measures an interval, and refuses one that runs backwards", () => {
    expect(intervalSeconds(t("10:00:00"), t("10:00:01.5").replace(".000Z", "Z"))).toBe(1.5);
    expect(() => intervalSeconds(t("10:00:01"), t("10:00:00"))).toThrow(InputError);
    expect(() => intervalSeconds(t("10:00:01"), "later")).toThrow('stop time "later" is not a time');
  });
});

describe("a sweep's actual cost on AWS Batch", () => {
  it("bills each of a job's own attempts, on demand with the Spot figure beside it (the queue chose)", () => {
    const c = sweepCost({
      lane: "batch",
      size: ORATS,
      spot: false,
      shards: 2,
      attempts: [
        // Batch retried shard 0 itself after a Spot interruption: two attempts in one job.
        { shard: 0, attempt: 1, jobId: "arr:0", arrayJobId: "arr", startedAt: t("10:20:00"), stoppedAt: t("10:50:00"), jobAttempts: [{ startedAt: t("10:00:00"), stoppedAt: t("10:15:00") }, { startedAt: t("10:20:00"), stoppedAt: t("10:50:00") }] },
        // No attempts reported: the job's own start and stop.
        { shard: 1, attempt: 1, jobId: "arr:1", arrayJobId: "arr", startedAt: t("10:00:00"), stoppedAt: t("10:00:30") },
      ],
    });
    expect(c.complete).toBe(true);
    expect(c.shards.map((s) => [s.spot, s.billed_seconds, s.attempts.map((a) => [a.id, a.basis, a.billed_seconds])])).toEqual([
      [null, 2700, [["arr:0", "job-times", 900], ["arr:0", "job-times", 1800]]],
      [null, 60, [["arr:1", "job-times", 60]]],
    ]);
    // 2760 s: 1.18441 × 2760 / 3600 = 0.90804766… on demand; 0.355323 × 2760 / 3600 = 0.27241430 on Spot.
    expect(c.total_usd).toBeCloseTo((ORATS_HOUR * 2760) / 3600, 12);
    expect(c.total_usd_spot).toBeCloseTo((ORATS_SPOT_HOUR * 2760) / 3600, 12);
    expect(c.shards[0]?.usd_spot).toBeCloseTo((ORATS_SPOT_HOUR * 2700) / 3600, 12);
    expect(c.notes[0]).toMatch(/^AWS Batch: the job queue places jobs on Fargate Spot first, then on demand/);
    expect(formatSweepCost(c)[0]).toBe("cost ~$0.9080 on demand, $0.2724 on Spot for 2 shards (3 billed attempts, 2,760 s); written to sweep.json as cost");
  });

  it("prints a Fargate Spot sweep's cost, and why it is missing from sweep.json", () => {
    const c = sweepCost({ lane: "fargate", size: SYNTHETIC, spot: true, shards: 1, attempts: [task(0, 1, undefined, undefined)] });
    // No times, no wall time: nothing billed.
    expect(formatSweepCost(c, "sweep.json: not a JSON object")).toEqual([
      "cost ~$0.0000 on Spot for 1 shard (0 billed attempts, 0 s), incomplete: a lower bound; not written: sweep.json: not a JSON object",
      `  note: shard 0000: attempt 1 (arn:aws:ecs:us-east-1:1:task/c/01) has no start or stop time (still running, or the service no longer knows it): not counted`,
      "  note: Fargate Spot at the assumed discount (70%); the real Spot price varies",
    ]);
    expect(SYNTHETIC_SPOT_HOUR).toBeCloseTo(SYNTHETIC_HOUR * 0.3, 12);
  });
});

// What the engine writes (serde_json's pretty printer, a final newline), trimmed.
const ENGINE_SWEEP_JSON = `{
  "scenario": "e2e-put-sweep",
  "engine_version": "0.1.0",
  "points_total": 6,
  "shard": null,
  "points": [
    {
      "index": 0,
      "id": "5d41402abc4b",
      "params": {
        "strategy.exit.profit_target": 0.25
      }
    }
  ],
  "cscv": null,
  "trading_days": 124,
  "wall_seconds": 0.123456789,
  "started_at": 1796606783
}
`;

describe("the cost field in sweep.json", () => {
  const cost = sweepCost({ lane: "fargate", size: ORATS, spot: false, shards: 1, attempts: [task(0, 1, t("10:00:00"), t("10:01:00"))] });

  it("is added last, in the engine's layout, every byte before it kept", () => {
    const text = withCostField(ENGINE_SWEEP_JSON, cost);
    const kept = ENGINE_SWEEP_JSON.slice(0, ENGINE_SWEEP_JSON.lastIndexOf("}")).trimEnd();
    expect(text.startsWith(kept)).toBe(true);
    expect(text.slice(kept.length)).toMatch(/^,\n {2}"cost": \{\n {4}"currency": "USD",\n/);
    expect(text.endsWith("\n  }\n}\n")).toBe(true);
    const doc = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(doc).at(-1)).toBe("cost");
    expect(doc.cost).toEqual(JSON.parse(JSON.stringify(cost)));
    const { cost: _cost, ...rest } = doc;
    expect(rest).toEqual(JSON.parse(ENGINE_SWEEP_JSON));
    // The same layout as JSON.stringify(…, null, 2) of the whole.
    expect(text).toBe(`${JSON.stringify(doc, null, 2)}\n`);
  });

  it("refuses a file that is not a JSON object, or has a cost already", () => {
    expect(() => withCostField("sweep.json", cost, "r/sweep.json")).toThrow(/^r\/sweep\.json: not valid JSON \(/);
    expect(() => withCostField("[1]\n", cost, "r/sweep.json")).toThrow("r/sweep.json: not a JSON object, so its cost cannot be added");
    expect(() => withCostField(withCostField(ENGINE_SWEEP_JSON, cost), cost, "r/sweep.json")).toThrow("r/sweep.json: already has a cost field");
    expect(withCostField("{}", cost)).toBe(`{\n  "cost": ${JSON.stringify(cost, null, 2).replace(/\n/g, "\n  ")}\n}`);
  });
});
