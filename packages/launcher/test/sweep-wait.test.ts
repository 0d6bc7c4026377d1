import { describe, expect, it } from "vitest";
import type { AttemptRecord } from "../src/s3.ts";
import type { AttemptState, ShardStart, SweepLane } from "../src/sweep-lanes.ts";
import { planShards, shardName } from "../src/sweep-plan.ts";
import type { SweepProgress } from "../src/sweep-progress.ts";
import { runShards, type SweepEvent } from "../src/sweep-wait.ts";
import { fakeClock, memoryS3 } from "./fixtures.ts";

const RUN = "sweep-run";
const BUCKET = "b";
const success = (shard: number) => `results/${RUN}/shards/${shardName(shard)}/_SUCCESS`;

type Fate = "ok" | "fail" | "spot" | "exit0-without-success" | "stopped-75";

/**
 * A lane whose attempts end on their first poll (or after `livePolls` polls); `fate(shard, attempt)`
 * decides how: ok writes the shard's `_SUCCESS` (as the container would, before it exits), the
 * others do not.
 */
function fakeLane(objects: Map<string, Buffer>, fate: (shard: number, attempt: number) => Fate = () => "ok", livePolls = 0) {
  const starts: ShardStart[][] = [];
  const seen = new Map<string, number>();
  const polled: AttemptRecord[][] = [];
  const lane: SweepLane = {
    target: "fargate",
    owns: (a) => a.taskArn !== undefined,
    async start(batch) {
      starts.push([...batch]);
      return { started: batch.map((s) => ({ shard: s.shard, attempt: s.attempt, taskArn: `task-${s.shard}-${s.attempt}` })), refused: [] };
    },
    async poll(attempts) {
      polled.push([...attempts]);
      return attempts.map((a): AttemptState => {
        const n = (seen.get(a.taskArn as string) ?? 0) + 1;
        seen.set(a.taskArn as string, n);
        if (n <= livePolls) return { live: true, fields: { lastStatus: "RUNNING" } };
        const f = fate(a.shard as number, a.attempt);
        if (f === "ok") objects.set(success(a.shard as number), Buffer.alloc(0));
        if (f === "ok" || f === "exit0-without-success") return { live: false, fields: { lastStatus: "STOPPED", exitCode: 0 }, reason: "exited 0 but _SUCCESS is missing" };
        if (f === "spot") return { live: false, fields: { lastStatus: "STOPPED", stopCode: "SpotInterruption" }, reason: "Spot interruption" };
        // The binary caught the Spot notice's SIGTERM, wrote its checkpoint and exited 75.
        if (f === "stopped-75") return { live: false, fields: { lastStatus: "STOPPED", stopCode: "SpotInterruption", exitCode: 75 }, reason: "exit code 75", exitCode: 75 };
        return { live: false, fields: { lastStatus: "STOPPED", exitCode: 1 }, reason: "exit code 1", exitCode: 1 };
      });
    },
  };
  return { lane, starts, polled };
}

function options(over: Partial<Parameters<typeof runShards>[1]> & { lane: SweepLane }) {
  const events: SweepEvent[] = [];
  const progress: SweepProgress[] = [];
  const saved: AttemptRecord[][] = [];
  return {
    events,
    progress,
    saved,
    opts: {
      runId: RUN,
      bucket: BUCKET,
      shards: planShards(3, 6),
      wait: true,
      poll: { baseMs: 1000, maxMs: 1000 },
      retryDelay: { baseMs: 5000, maxMs: 5000 },
      onEvent: (e: SweepEvent) => events.push(e),
      onProgress: (p: SweepProgress) => progress.push(p),
      onAttempts: async (a: AttemptRecord[]) => {
        saved.push(a);
      },
      ...over,
    },
  };
}

describe("runShards", () => {
  it("starts every unfinished shard at once and finishes when each has _SUCCESS", async () => {
    const { s3, objects } = memoryS3();
    const { lane, starts } = fakeLane(objects);
    const o = options({ lane });
    const out = await runShards({ s3, clock: fakeClock() }, o.opts);
    expect(starts).toEqual([
      [
        { shard: 0, attempt: 1 },
        { shard: 1, attempt: 1 },
        { shard: 2, attempt: 1 },
      ],
    ]);
    expect([...out.done].sort()).toEqual([0, 1, 2]);
    expect(out.failed).toEqual([]);
    expect(out.started).toHaveLength(3);
    expect(o.progress.at(-1)).toMatchObject({ shardsDone: 3, shards: 3, pointsDone: 6, points: 6 });
    expect(o.events.filter((e) => e.type === "shard-done").map((e) => (e as { shard: number }).shard)).toEqual([0, 1, 2]);
    expect(o.saved.at(-1)?.map((a) => [a.shard, a.exitCode])).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
  });

  it("skips shards that already have _SUCCESS", async () => {
    const { s3, objects } = memoryS3(new Map([[success(1), Buffer.alloc(0)]]));
    const { lane, starts } = fakeLane(objects);
    const o = options({ lane });
    const out = await runShards({ s3, clock: fakeClock() }, o.opts);
    expect(starts.flat().map((s) => s.shard)).toEqual([0, 2]);
    expect(out.done.size).toBe(3);
    // Points done before this launch do not make the ETA look faster.
    expect(o.progress[0]).toMatchObject({ shardsDone: 1, pointsDone: 2 });
  });

  it("retries only the failed shard, after the retry delay, with the next attempt number", async () => {
    const { s3, objects } = memoryS3();
    const { lane, starts } = fakeLane(objects, (shard, attempt) => (shard === 1 && attempt === 1 ? "spot" : "ok"));
    const clock = fakeClock();
    const o = options({ lane });
    const out = await runShards({ s3, clock }, o.opts);
    expect(starts).toEqual([
      [
        { shard: 0, attempt: 1 },
        { shard: 1, attempt: 1 },
        { shard: 2, attempt: 1 },
      ],
      [{ shard: 1, attempt: 2 }],
    ]);
    expect(out.done.size).toBe(3);
    // Equal jitter: half the 5 s delay plus a random half (the fake clock's random is 0.5).
    expect(o.events).toContainEqual({ type: "retrying", shard: 1, attempt: 1, reason: "Spot interruption", delayMs: 3750 });
    expect(clock.sleeps).toContain(3750);
    expect(out.attempts.filter((a) => a.shard === 1).map((a) => a.attempt)).toEqual([1, 2]);
  });

  it("counts an attempt that ended without its _SUCCESS as failed, even with exit 0", async () => {
    const { s3, objects } = memoryS3();
    const { lane, starts } = fakeLane(objects, (shard, attempt) => (shard === 2 && attempt === 1 ? "exit0-without-success" : "ok"));
    const out = await runShards({ s3, clock: fakeClock() }, options({ lane }).opts);
    expect(starts.map((b) => b.map((s) => s.shard))).toEqual([[0, 1, 2], [2]]);
    expect(out.done.size).toBe(3);
  });

  it("gives up on a shard after its attempts, naming it, while the other shards finish", async () => {
    const { s3, objects } = memoryS3();
    const { lane, starts } = fakeLane(objects, (shard) => (shard === 2 ? "spot" : "ok"));
    const o = options({ lane, maxAttempts: 2 });
    const out = await runShards({ s3, clock: fakeClock() }, o.opts);
    expect(starts.map((b) => b.map((s) => s.shard))).toEqual([[0, 1, 2], [2]]);
    expect([...out.done].sort()).toEqual([0, 1]);
    expect(out.failed).toEqual([{ shard: 2, attempts: 2, reason: "Spot interruption" }]);
    expect(o.events).toContainEqual({ type: "gave-up", shard: 2, attempts: 2, reason: "Spot interruption" });
  });

  it("fails a shard that exits non-zero at once: another attempt would fail the same way", async () => {
    const { s3, objects } = memoryS3();
    const { lane, starts } = fakeLane(objects, (shard) => (shard === 2 ? "fail" : "ok"));
    const o = options({ lane, maxAttempts: 3 });
    const out = await runShards({ s3, clock: fakeClock() }, o.opts);
    expect(starts.map((b) => b.map((s) => s.shard))).toEqual([[0, 1, 2]]);
    expect([...out.done].sort()).toEqual([0, 1]);
    expect(out.failed).toEqual([{ shard: 2, attempts: 1, reason: "exit code 1", exitCode: 1 }]);
    expect(o.events).toContainEqual({ type: "gave-up", shard: 2, attempts: 1, reason: "exit code 1" });
  });

  it("retries a shard that stopped with its checkpoint (exit 75): the next attempt resumes it", async () => {
    const { s3, objects } = memoryS3();
    const { lane, starts } = fakeLane(objects, (shard, attempt) => (shard === 1 && attempt === 1 ? "stopped-75" : "ok"));
    const o = options({ lane, maxAttempts: 3 });
    const out = await runShards({ s3, clock: fakeClock() }, o.opts);
    expect([...out.done].sort()).toEqual([0, 1, 2]);
    expect(out.failed).toEqual([]);
    expect(starts.flat().filter((s) => s.shard === 1).map((s) => s.attempt)).toEqual([1, 2]);
    expect(o.events).toContainEqual(expect.objectContaining({ type: "retrying", shard: 1, attempt: 1, reason: "exit code 75" }));
  });

  it("without wait, starts the shards and returns", async () => {
    const { s3, objects } = memoryS3();
    const { lane, starts, polled } = fakeLane(objects);
    const out = await runShards({ s3, clock: fakeClock() }, options({ lane, wait: false }).opts);
    expect(starts.flat()).toHaveLength(3);
    expect(polled).toEqual([]);
    expect(out.done.size).toBe(0);
    expect(out.started.map((a) => a.taskArn)).toEqual(["task-0-1", "task-1-1", "task-2-1"]);
  });

  it("follows an earlier launch's attempt that still runs instead of starting the shard again, and numbers new attempts after the old", async () => {
    const { s3, objects } = memoryS3();
    const history: AttemptRecord[] = [
      { shard: 0, attempt: 1, taskArn: "task-0-1", lastStatus: "RUNNING" },
      { shard: 1, attempt: 1, taskArn: "task-1-1", lastStatus: "STOPPED", exitCode: 1, stoppedAt: "2026-11-21T13:00:00Z" },
    ];
    const { lane, starts, polled } = fakeLane(objects, () => "ok", 1);
    const o = options({ lane, history });
    const out = await runShards({ s3, clock: fakeClock() }, o.opts);
    expect(polled[0]?.map((a) => a.taskArn)).toEqual(["task-0-1"]);
    expect(o.events[0]).toEqual({ type: "following", shards: [0] });
    // Shard 0 is followed; shards 1 and 2 start, 1 as its attempt 2.
    expect(starts[0]).toEqual([
      { shard: 1, attempt: 2 },
      { shard: 2, attempt: 1 },
    ]);
    expect(out.done.size).toBe(3);
    expect(out.attempts).toHaveLength(4);
  });

  it("throws what the lane could not send, after recording what it did start", async () => {
    const { s3 } = memoryS3();
    const boom = new Error("access denied while RunTask");
    const lane: SweepLane = {
      target: "fargate",
      owns: () => true,
      start: async (b) => ({ started: [{ shard: b[0]?.shard, attempt: 1, taskArn: "t" }], refused: [], error: Object.assign(boom, { code: "ERR_AWS" }) as never }),
      poll: async () => [],
    };
    const o = options({ lane });
    await expect(runShards({ s3, clock: fakeClock() }, o.opts)).rejects.toThrow("access denied while RunTask");
    expect(o.saved.at(-1)).toEqual([{ shard: 0, attempt: 1, taskArn: "t" }]);
  });
});
