import { Readable } from "node:stream";
import { GetLogEventsCommand, type GetLogEventsCommandInput } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeTasksCommand, ListTasksCommand, type Task } from "@aws-sdk/client-ecs";
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeJobsCommand } from "@aws-sdk/client-batch";
import { deriveStatus, deriveSweepStatus, fetchRun, recentRuns, runLogs, runStatus } from "../src/runs.ts";
import { startedBy } from "../src/run-id.ts";
import type { LaunchRecord } from "../src/s3.ts";
import type { SweepCost } from "../src/shard-cost.ts";
import { awsError, clients, fakeClock, memoryS3, RUN_ID, task } from "./fixtures.ts";

const BUCKET = "b";
const tagged = (t: Task, run = RUN_ID): Task => ({ ...t, tags: [{ key: "aegis:run", value: run }] });

function record(attempts: LaunchRecord["attempts"], over: Partial<LaunchRecord> = {}): LaunchRecord {
  return {
    runId: RUN_ID,
    scenario: "s",
    submittedAt: "2026-11-21T13:45:01Z",
    target: "fargate",
    cluster: "c",
    profile: "orats-7y",
    size: { vcpu: 16, memoryGb: 120, ephemeralGiB: 50 },
    spot: false,
    dataset: "d",
    attempts,
    ...over,
  };
}

function s3With(objects: Record<string, string>) {
  const c = clients();
  const s3 = mockClient(c.s3);
  s3.on(HeadObjectCommand).callsFake((i: { Key: string }) => {
    if (!(i.Key in objects)) throw awsError("NotFound", "NotFound", 404);
    return {};
  });
  s3.on(GetObjectCommand).callsFake((i: { Key: string }) => {
    const v = objects[i.Key];
    if (v === undefined) throw awsError("NoSuchKey", "no", 404);
    return { Body: Object.assign(Readable.from([v]), { transformToString: async () => v }) };
  });
  s3.on(ListObjectsV2Command).callsFake((i: { Prefix: string }) => {
    const ids = [...new Set(Object.keys(objects).filter((k) => k.startsWith(i.Prefix)).map((k) => k.split("/")[1]))];
    return { CommonPrefixes: ids.map((id) => ({ Prefix: `${i.Prefix}${id}/` })) };
  });
  return c;
}

describe("deriveStatus", () => {
  it.each([
    ["_SUCCESS wins", true, [task({ lastStatus: "STOPPED" }, 1)], undefined, "succeeded", "_SUCCESS present"],
    ["a live task is running", false, [task({ lastStatus: "PENDING" })], undefined, "running", "task 0123456789abcdef0123456789abcdef PENDING"],
    ["a stopped task failed", false, [task({ lastStatus: "STOPPED", stopCode: "EssentialContainerExited" }, 1)], undefined, "failed", "stopped: exit code 1, EssentialContainerExited"],
    ["exit 0 without _SUCCESS failed", false, [task({ lastStatus: "STOPPED" }, 0)], undefined, "failed", "stopped: exited 0 but no _SUCCESS"],
    ["the record remembers a stop", false, [], record([{ attempt: 1, clientToken: "t", exitCode: 137, stoppedAt: "x" }]), "failed", "stopped: exit code 137"],
    ["ECS forgot the task", false, [], record([{ attempt: 1, clientToken: "t", taskArn: "arn" }]), "unknown", "no _SUCCESS and no task known to ECS (it forgets stopped tasks after about an hour)"],
    ["no record at all", false, [], undefined, "unknown", "no _SUCCESS and no launch record"],
  ])("%s", (_name, succeeded, tasks, rec, state, detail) => {
    const s = deriveStatus(RUN_ID, succeeded, tasks, rec, "aegis-bt");
    expect(s.state).toBe(state);
    expect(s.detail).toBe(detail);
  });
});

describe("runStatus", () => {
  it("finds the run's tasks by startedBy and its aegis:run tag", async () => {
    const c = s3With({ [`configs/${RUN_ID}/launch.json`]: JSON.stringify(record([{ attempt: 1, clientToken: "t", taskArn: "arn:1" }])) });
    const ecs = mockClient(c.ecs);
    ecs.on(ListTasksCommand, { desiredStatus: "RUNNING" }).resolves({ taskArns: ["arn:1", "arn:other"] });
    ecs.on(ListTasksCommand, { desiredStatus: "STOPPED" }).resolves({ taskArns: [] });
    ecs.on(DescribeTasksCommand).resolves({
      tasks: [tagged(task({ taskArn: "arn:1", lastStatus: "RUNNING" })), tagged(task({ taskArn: "arn:other", lastStatus: "RUNNING" }), "other-run")],
    });
    const s = await runStatus({ s3: c.s3, ecs: c.ecs, clock: fakeClock() }, RUN_ID, { bucket: BUCKET, cluster: "c" });
    expect(s.state).toBe("running");
    expect(s.tasks.map((t) => t.taskArn)).toEqual(["arn:1"]);
    expect(ecs.commandCalls(ListTasksCommand).map((x) => x.args[0].input.startedBy)).toEqual([startedBy(RUN_ID), startedBy(RUN_ID)]);
  });

  it("lists the newest runs with one sweep of the cluster", async () => {
    const a = "a-20261120-100000-aaaaaa";
    const b = "b-20261121-090000-bbbbbb";
    const c = s3With({ [`configs/${a}/scenario.yaml`]: "", [`configs/${b}/scenario.yaml`]: "", [`results/${b}/_SUCCESS`]: "" });
    const ecs = mockClient(c.ecs);
    ecs.on(ListTasksCommand).resolves({ taskArns: ["arn:a"] });
    ecs.on(DescribeTasksCommand).resolves({ tasks: [tagged(task({ taskArn: "arn:a", lastStatus: "RUNNING" }), a)] });
    const rows = await recentRuns({ s3: c.s3, ecs: c.ecs, clock: fakeClock() }, { bucket: BUCKET, cluster: "c", limit: 5 });
    expect(rows.map((r) => [r.runId, r.state])).toEqual([
      [b, "succeeded"],
      [a, "running"],
    ]);
    expect(ecs.commandCalls(DescribeTasksCommand)).toHaveLength(1);
  });
});

describe("runLogs", () => {
  it("prints every attempt's stream, and follows the last until it stops", async () => {
    const c = s3With({
      [`configs/${RUN_ID}/launch.json`]: JSON.stringify(
        record([
          { attempt: 1, clientToken: "t1", taskArn: "arn:aws:ecs:r:1:task/c/t1" },
          { attempt: 2, clientToken: "t2", taskArn: "arn:aws:ecs:r:1:task/c/t2" },
        ]),
      ),
    });
    const logs = mockClient(c.logs);
    let polls = 0;
    logs.on(GetLogEventsCommand).callsFake((i: GetLogEventsCommandInput) => {
      if (i.logStreamName === "p/aegis-bt/t1") return i.nextToken ? { events: [], nextForwardToken: i.nextToken } : { events: [{ message: "one" }], nextForwardToken: "e1" };
      polls++;
      if (polls === 1) return { events: [{ message: "two" }], nextForwardToken: "f1" };
      if (i.nextToken === "f1" && polls === 3) return { events: [{ message: "three" }], nextForwardToken: "f2" };
      return { events: [], nextForwardToken: i.nextToken };
    });
    const ecs = mockClient(c.ecs);
    ecs
      .on(DescribeTasksCommand)
      .resolvesOnce({ tasks: [task({ taskArn: "arn:aws:ecs:r:1:task/c/t2", lastStatus: "RUNNING" })] })
      .resolves({ tasks: [task({ taskArn: "arn:aws:ecs:r:1:task/c/t2", lastStatus: "STOPPED" })] });
    const lines: string[] = [];
    const headers: number[] = [];
    await runLogs(
      { logs: c.logs, s3: c.s3, ecs: c.ecs, clock: fakeClock() },
      {
        bucket: BUCKET,
        runId: RUN_ID,
        logGroupName: "g",
        logStreamPrefix: "p",
        containerName: "aegis-bt",
        follow: true,
        onLine: (l) => lines.push(l),
        onAttempt: (n) => headers.push(n),
      },
    );
    expect(headers).toEqual([1, 2]);
    expect(lines).toEqual(["one", "two", "three"]);
  });

  it("says when the log group does not exist", async () => {
    const c = s3With({ [`configs/${RUN_ID}/launch.json`]: JSON.stringify(record([{ attempt: 1, clientToken: "t", taskArn: "arn:aws:ecs:r:1:task/c/t1" }])) });
    mockClient(c.logs).on(GetLogEventsCommand).rejects(awsError("ResourceNotFoundException", "The specified log group does not exist."));
    await expect(
      runLogs({ logs: c.logs, s3: c.s3, clock: fakeClock() }, { bucket: BUCKET, runId: RUN_ID, logGroupName: "/nope", logStreamPrefix: "p", containerName: "x", onLine: () => {} }),
    ).rejects.toThrow("log group /nope does not exist: check the stack's LogGroupName or --log-group");
  });

  it("says when a run has no known task", async () => {
    const c = s3With({});
    await expect(
      runLogs({ logs: c.logs, s3: c.s3 }, { bucket: BUCKET, runId: RUN_ID, logGroupName: "g", logStreamPrefix: "p", containerName: "x", onLine: () => {} }),
    ).rejects.toThrow(`no task known for run ${RUN_ID}: no launch record in the bucket and none in ECS`);
  });
});

describe("sweeps", () => {
  const sweep = (attempts: LaunchRecord["attempts"], over: Partial<LaunchRecord> = {}) => record(attempts, { sweep: { shards: 3, points: 6 }, ...over });

  it.each([
    ["merged wins", true, [], 0, [], "succeeded", "merged: 6 points from 3 shards"],
    ["live tasks or jobs are running", false, [0], 2, [], "running", "sweep 1/3 shards done, 2 running (fargate)"],
    ["every shard done but not merged", false, [0, 1, 2], 0, [], "unknown", "sweep 3/3 shards done, not merged: launch the same sweep again to merge"],
    [
      "a shard whose last attempt ended without _SUCCESS failed",
      false,
      [0],
      0,
      [
        { shard: 1, attempt: 1, exitCode: 0, lastStatus: "STOPPED" },
        { shard: 1, attempt: 2, exitCode: 137, stoppedAt: "x", stoppedReason: "OutOfMemoryError" },
        { shard: 2, attempt: 1, lastStatus: "FAILED", stoppedReason: "Host EC2 terminated" },
      ],
      "failed",
      "sweep 1/3 shards done; shard 0001 exit code 137, OutOfMemoryError (and 1 more)",
    ],
    ["nothing known", false, [2], 0, [{ shard: 0, attempt: 1, taskArn: "t" }], "unknown", "sweep 1/3 shards done; none known to be running"],
  ] as const)("%s", (_name, merged, done, live, attempts, state, detail) => {
    const s = deriveSweepStatus(RUN_ID, merged, new Set(done), live, sweep([...attempts]));
    expect(s.state).toBe(state);
    expect(s.detail).toBe(detail);
  });

  it("status asks Batch about the jobs of shards without _SUCCESS", async () => {
    const rec = sweep(
      [
        { shard: 0, attempt: 1, jobId: "arr:0", arrayJobId: "arr" },
        { shard: 1, attempt: 1, jobId: "arr:1", arrayJobId: "arr" },
        { shard: 2, attempt: 1, jobId: "arr:2", arrayJobId: "arr" },
      ],
      { target: "batch" },
    );
    const { s3, objects } = memoryS3(new Map([[`configs/${RUN_ID}/launch.json`, Buffer.from(JSON.stringify(rec))]]));
    objects.set(`results/${RUN_ID}/shards/0000/_SUCCESS`, Buffer.alloc(0));
    const { batch } = clients();
    const mock = mockClient(batch);
    mock.on(DescribeJobsCommand).resolves({ jobs: [{ jobId: "arr:1", status: "RUNNING" }, { jobId: "arr:2", status: "RUNNABLE" }] as never });
    const s = await runStatus({ s3, batch, clock: fakeClock() }, RUN_ID, { bucket: BUCKET });
    expect(s).toMatchObject({ state: "running", detail: "sweep 1/3 shards done, 2 running (batch)" });
    expect(mock.commandCalls(DescribeJobsCommand)[0]?.args[0].input.jobs).toEqual(["arr:1", "arr:2"]);
  });

  it("fetch downloads the merged files only, and refuses a sweep that is not merged", async () => {
    const objects = new Map<string, Buffer>([[`configs/${RUN_ID}/launch.json`, Buffer.from(JSON.stringify(sweep([])))]]);
    for (const f of ["sweep.arrow", "returns.arrow", "sweep.json", "_SUCCESS"]) objects.set(`results/${RUN_ID}/shards/0000/${f}`, Buffer.from(f));
    const { s3 } = memoryS3(objects);
    const out = join(mkdtempSync(join(tmpdir(), "aegis-sweep-fetch-")), "r");
    await expect(fetchRun({ s3 }, { bucket: BUCKET, runId: RUN_ID, out })).rejects.toThrow(
      `sweep ${RUN_ID} is not merged yet (1/3 shards done): launch the same sweep again (with --wait) to finish and merge it`,
    );
    for (const f of ["sweep.arrow", "returns.arrow", "sweep.json", "cscv.json", "_SUCCESS"]) objects.set(`results/${RUN_ID}/${f}`, Buffer.from(f));
    const r = await fetchRun({ s3 }, { bucket: BUCKET, runId: RUN_ID, out });
    expect(r.files).toEqual(["cscv.json", "returns.arrow", "sweep.arrow", "sweep.json", "_SUCCESS"]);
    expect(readdirSync(out).sort()).toEqual(["_SUCCESS", "cscv.json", "returns.arrow", "sweep.arrow", "sweep.json"]);
    // A sweep.json that is not JSON: the download stands, the cost is reported as not written.
    expect(r.sweepCostNotWritten).toMatch(/sweep\.json: not valid JSON \(.*\), so its cost cannot be added$/);
    expect(readFileSync(join(out, "sweep.json"), "utf8")).toBe("sweep.json");
  });

  /** A merged sweep in memory, its sweep.json as the engine writes it, and each shard's own `wall_seconds`. */
  function mergedSweep(rec: LaunchRecord, walls: Record<number, number> = {}) {
    const merged = `{\n  "scenario": "s",\n  "points_total": 6,\n  "wall_seconds": 3.5\n}\n`;
    const objects = new Map<string, Buffer>([
      [`configs/${RUN_ID}/launch.json`, Buffer.from(JSON.stringify(rec))],
      [`results/${RUN_ID}/sweep.json`, Buffer.from(merged)],
      [`results/${RUN_ID}/_SUCCESS`, Buffer.alloc(0)],
    ]);
    for (const [i, w] of Object.entries(walls)) objects.set(`results/${RUN_ID}/shards/000${i}/sweep.json`, Buffer.from(JSON.stringify({ wall_seconds: w })));
    return { ...memoryS3(objects), merged, out: join(mkdtempSync(join(tmpdir(), "aegis-sweep-cost-")), "r") };
  }

  it("fetch writes each shard's cost into sweep.json, asking ECS for the stop times the record lacks", async () => {
    const arn = (i: number) => `arn:aws:ecs:us-east-1:1:task/c/${i}`;
    const rec = sweep([
      { shard: 0, attempt: 1, clientToken: "a", taskArn: arn(0), pullStartedAt: "2026-12-01T10:00:00Z", stoppedAt: "2026-12-01T10:10:00Z" },
      { shard: 1, attempt: 1, clientToken: "b", taskArn: arn(1), lastStatus: "RUNNING" },
      { shard: 2, attempt: 1, clientToken: "c", taskArn: arn(2), lastStatus: "RUNNING" },
    ]);
    const { s3, merged, out } = mergedSweep(rec, { 2: 42.25 });
    const { ecs } = clients();
    const mock = mockClient(ecs);
    // ECS still knows shard 1's task, not shard 2's (it forgets stopped tasks after about an hour).
    mock.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: arn(1), lastStatus: "STOPPED", pullStartedAt: new Date("2026-12-01T10:00:00Z"), startedAt: new Date("2026-12-01T10:01:00Z"), stoppedAt: new Date("2026-12-01T10:20:00Z"), containers: [{ name: "aegis-bt", exitCode: 0 }] }] });
    const r = await fetchRun({ s3, ecs, clock: fakeClock() }, { bucket: BUCKET, runId: RUN_ID, out });
    expect(mock.commandCalls(DescribeTasksCommand)[0]?.args[0].input).toMatchObject({ cluster: "c", tasks: [arn(1), arn(2)] });
    const text = readFileSync(join(out, "sweep.json"), "utf8");
    expect(text.startsWith(merged.slice(0, merged.lastIndexOf("}")).trimEnd())).toBe(true);
    const doc = JSON.parse(text) as { cost: SweepCost; wall_seconds: number };
    expect(doc.wall_seconds).toBe(3.5);
    expect(doc.cost).toEqual(JSON.parse(JSON.stringify(r.sweepCost)));
    // orats-7y on demand, 1.18441 $/h: 600 s + 1200 s from the task times, 42.25 s → 60 s billed from shard 2's wall time.
    expect(doc.cost.shards.map((s) => [s.shard, s.billed_seconds, s.attempts.map((a) => a.basis)])).toEqual([
      [0, 600, ["task-times"]],
      [1, 1200, ["task-times"]],
      [2, 60, ["engine-wall-time"]],
    ]);
    expect(doc.cost.total_usd).toBeCloseTo((1.18441 * 1860) / 3600, 12);
    expect(doc.cost).toMatchObject({ lane: "fargate", complete: false, prices_dated: "2024-12-01", region: "us-east-1" });
    expect(doc.cost.notes).toEqual([`shard 0002: attempt 1 (${arn(2)}) has no stop time (the service no longer knows it): counted at the shard's wall_seconds, 42.25 s, a lower bound`]);
  });

  it("fetch of a Batch sweep bills each job's own attempts from DescribeJobs, on demand and on Spot", async () => {
    const rec = sweep(
      [0, 1, 2].map((i) => ({ shard: i, attempt: 1, jobId: `arr:${i}`, arrayJobId: "arr" })),
      { target: "batch" },
    );
    const { s3, out } = mergedSweep(rec);
    const { batch } = clients();
    const ms = (t: string) => Date.parse(`2026-12-01T${t}Z`);
    mockClient(batch)
      .on(DescribeJobsCommand)
      .resolves({
        jobs: [
          { jobId: "arr:0", status: "SUCCEEDED", startedAt: ms("10:00:00"), stoppedAt: ms("10:05:00"), attempts: [{ startedAt: ms("10:00:00"), stoppedAt: ms("10:05:00") }] },
          // Interrupted on Spot, retried by Batch itself: both attempts billed.
          { jobId: "arr:1", status: "SUCCEEDED", startedAt: ms("10:10:00"), stoppedAt: ms("10:20:00"), attempts: [{ startedAt: ms("10:00:00"), stoppedAt: ms("10:02:00") }, { startedAt: ms("10:10:00"), stoppedAt: ms("10:20:00") }] },
          { jobId: "arr:2", status: "SUCCEEDED", startedAt: ms("10:00:00"), stoppedAt: ms("10:00:30") },
        ] as never,
      });
    const r = await fetchRun({ s3, batch, clock: fakeClock() }, { bucket: BUCKET, runId: RUN_ID, out });
    const cost = (JSON.parse(readFileSync(join(out, "sweep.json"), "utf8")) as { cost: SweepCost }).cost;
    expect(cost.shards.map((s) => [s.spot, s.billed_seconds])).toEqual([
      [null, 300],
      [null, 720],
      [null, 60],
    ]);
    // 1080 s: 1.18441 × 1080 / 3600 = 0.355323 on demand, × 0.3 = 0.1065969 on Spot.
    expect(cost.total_usd).toBeCloseTo(0.355323, 12);
    expect(cost.total_usd_spot).toBeCloseTo(0.1065969, 12);
    expect(cost.complete).toBe(true);
    expect(r.sweepCost?.lane).toBe("batch");
  });

  it("fetch leaves a local sweep's sweep.json alone, and says when ECS cannot be asked", async () => {
    const local = mergedSweep(sweep([{ shard: 0, attempt: 1, clientToken: "local", startedAt: "2026-12-01T10:00:00Z", stoppedAt: "2026-12-01T10:01:00Z" }], { target: "local" }));
    const r = await fetchRun({ s3: local.s3 }, { bucket: BUCKET, runId: RUN_ID, out: local.out });
    expect(r.sweepCost).toBeUndefined();
    expect(readFileSync(join(local.out, "sweep.json"), "utf8")).toBe(local.merged);

    const gone = mergedSweep(sweep([{ shard: 0, attempt: 1, clientToken: "a", taskArn: "arn:t0" }]));
    const { ecs } = clients();
    mockClient(ecs).on(DescribeTasksCommand).rejects(awsError("AccessDeniedException", "not allowed", 400));
    const r2 = await fetchRun({ s3: gone.s3, ecs, clock: fakeClock() }, { bucket: BUCKET, runId: RUN_ID, out: gone.out });
    expect(r2.sweepCost?.complete).toBe(false);
    expect(r2.sweepCost?.notes[0]).toMatch(/^DescribeTasks failed, so the launch record's times were used: /);
    expect(r2.sweepCost?.notes).toContain("shard 0001: no attempt recorded and no wall_seconds: not counted");
    expect(r2.sweepCost?.total_usd).toBe(0);
  });

  it("logs prints each shard's attempts, Batch jobs by the stream Batch names", async () => {
    const rec = sweep(
      [
        { shard: 0, attempt: 1, jobId: "arr:0", arrayJobId: "arr", logStreamName: "batch/default/t0" },
        { shard: 1, attempt: 1, jobId: "arr:1", arrayJobId: "arr" },
      ],
      { target: "batch" },
    );
    const c = s3With({ [`configs/${RUN_ID}/launch.json`]: JSON.stringify(rec) });
    mockClient(c.batch)
      .on(DescribeJobsCommand)
      .resolves({ jobs: [{ jobId: "arr:1", status: "FAILED", attempts: [{ container: { logStreamName: "batch/default/t1" } }] }] as never });
    mockClient(c.logs)
      .on(GetLogEventsCommand)
      .callsFake((i: GetLogEventsCommandInput) => (i.nextToken ? { events: [], nextForwardToken: i.nextToken } : { events: [{ message: `from ${i.logStreamName}` }], nextForwardToken: "e" }));
    const lines: string[] = [];
    const headers: string[] = [];
    await runLogs(
      { logs: c.logs, s3: c.s3, batch: c.batch, clock: fakeClock() },
      { bucket: BUCKET, runId: RUN_ID, logGroupName: "g", logStreamPrefix: "p", containerName: "aegis-bt", onLine: (l) => lines.push(l), onAttempt: (n, id, shard) => headers.push(`${shard}:${n}:${id}`) },
    );
    expect(headers).toEqual(["0:1:arr:0", "1:1:arr:1"]);
    expect(lines).toEqual(["from batch/default/t0", "from batch/default/t1"]);
  });
});
