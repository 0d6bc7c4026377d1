import { DescribeJobsCommand, SubmitJobCommand, type JobDetail } from "@aws-sdk/client-batch";
import { DescribeTasksCommand, RunTaskCommand, type RunTaskCommandInput } from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import type { BatchSweepPlan } from "../src/batch.ts";
import { batchLane, fargateLane } from "../src/sweep-lanes.ts";
import { awsError, clients, CONFIG, fakeClock, plan, RUN_ID, task } from "./fixtures.ts";

const taskArn = (n: number) => `arn:aws:ecs:us-east-1:123456789012:task/aegis-bt/t${n}`;

describe("the Fargate lane", () => {
  it("sends one RunTask per shard: command sweep, AEGIS_SHARD=i/K, its own clientToken and shard tag", async () => {
    const { ecs } = clients();
    const mock = mockClient(ecs);
    let n = 0;
    mock.on(RunTaskCommand).callsFake(() => ({ tasks: [{ taskArn: taskArn(++n), lastStatus: "PROVISIONING" }], failures: [] }));
    const lane = fargateLane(ecs, plan(), 12, { clock: fakeClock() });
    const res = await lane.start([
      { shard: 3, attempt: 1 },
      { shard: 7, attempt: 2 },
    ]);
    const sent = mock.commandCalls(RunTaskCommand).map((c) => c.args[0].input as RunTaskCommandInput);
    expect(sent).toHaveLength(2);
    expect(sent.every((r) => r.count === 1)).toBe(true);
    const [first, second] = sent;
    expect(first?.overrides?.containerOverrides).toEqual([
      {
        name: "aegis-bt",
        command: ["sweep"],
        environment: [
          { name: "AEGIS_RUN_ID", value: RUN_ID },
          { name: "AEGIS_CONFIG_URI", value: `s3://${CONFIG.bucket}/configs/${RUN_ID}/scenario.yaml` },
          { name: "AEGIS_RESULTS_URI", value: `s3://${CONFIG.bucket}/results/${RUN_ID}/` },
          { name: "AEGIS_DATASET_URI", value: `s3://${CONFIG.bucket}/datasets/` },
          { name: "AEGIS_DATASET", value: "synthetic-spx-7y" },
          { name: "AEGIS_SHARD", value: "3/12" },
        ],
      },
    ]);
    expect(first?.clientToken).toBe(`${RUN_ID}-s0003-a1`);
    expect(second?.clientToken).toBe(`${RUN_ID}-s0007-a2`);
    expect(second?.tags).toContainEqual({ key: "aegis:shard", value: "7/12" });
    expect(first?.launchType).toBe("FARGATE");
    expect(res.started.map((a) => [a.shard, a.attempt, a.taskArn])).toEqual([
      [3, 1, taskArn(1)],
      [7, 2, taskArn(2)],
    ]);
  });

  it.each([
    ["without a snapshot: the task definition without the dataset volume, no volume configuration", undefined, CONFIG.s3TaskDefinition, false],
    ["with a snapshot: the task definition with the dataset volume, and its configuration", { snapshotId: "snap-0123abcd" }, CONFIG.taskDefinition, true],
  ])("sends every shard %s", async (_, snapshot, taskDefinition, volume) => {
    const { ecs } = clients();
    const mock = mockClient(ecs);
    let n = 0;
    mock.on(RunTaskCommand).callsFake(() => ({ tasks: [{ taskArn: taskArn(++n) }], failures: [] }));
    await fargateLane(ecs, plan(snapshot && { snapshot }), 3, { clock: fakeClock() }).start([0, 1, 2].map((shard) => ({ shard, attempt: 1 })));
    const sent = mock.commandCalls(RunTaskCommand).map((c) => c.args[0].input as RunTaskCommandInput);
    expect(sent).toHaveLength(3);
    for (const r of sent) {
      expect(r.taskDefinition).toBe(taskDefinition);
      if (volume) expect(r.volumeConfigurations?.map((v) => [v.name, v.managedEBSVolume?.snapshotId])).toEqual([["dataset", "snap-0123abcd"]]);
      else expect(r).not.toHaveProperty("volumeConfigurations");
    }
  });

  it("uses FARGATE_SPOT with --spot, and records a shard RunTask could not place as refused", async () => {
    const { ecs } = clients();
    const mock = mockClient(ecs);
    mock
      .on(RunTaskCommand)
      .resolvesOnce({ tasks: [], failures: [{ reason: "RESOURCE:FARGATE", detail: "no capacity" }] })
      .resolves({ tasks: [{ taskArn: taskArn(2) }], failures: [] });
    const lane = fargateLane(ecs, plan({ spot: true }), 4, { clock: fakeClock() });
    const res = await lane.start([
      { shard: 0, attempt: 1 },
      { shard: 1, attempt: 1 },
    ]);
    expect(mock.commandCalls(RunTaskCommand)[0]?.args[0].input.capacityProviderStrategy).toEqual([{ capacityProvider: "FARGATE_SPOT", weight: 1 }]);
    expect(res.refused).toEqual([
      { record: expect.objectContaining({ shard: 0, attempt: 1, failures: [{ reason: "RESOURCE:FARGATE", detail: "no capacity" }] }), reason: "RunTask started no task: RESOURCE:FARGATE (no capacity)" },
    ]);
    expect(res.started.map((a) => a.shard)).toEqual([1]);
  });

  it("hands back a call that failed for good instead of starting the rest blind", async () => {
    const { ecs } = clients();
    mockClient(ecs).on(RunTaskCommand).rejects(awsError("AccessDeniedException", "not allowed: ecs:RunTask", 400));
    const res = await fargateLane(ecs, plan(), 2, { clock: fakeClock() }).start([{ shard: 0, attempt: 1 }]);
    expect(res.error?.message).toBe(
      `access denied while RunTask on cluster ${CONFIG.cluster} in us-east-1: not allowed: ecs:RunTask; these credentials need ecs:RunTask on ${CONFIG.s3TaskDefinition} and iam:PassRole on its roles (docs/remote.md, "IAM for users")`,
    );
    expect(res.started).toEqual([]);
  });

  it("says of each task whether it runs, and why a stopped one ended (Spot, exit code, no exit code)", async () => {
    const { ecs } = clients();
    mockClient(ecs)
      .on(DescribeTasksCommand)
      .resolves({
        tasks: [
          task({ taskArn: taskArn(1), lastStatus: "RUNNING" }),
          task({ taskArn: taskArn(2), lastStatus: "STOPPED", stopCode: "SpotInterruption", stoppedReason: "Your Spot Task was interrupted." }),
          task({ taskArn: taskArn(3), lastStatus: "STOPPED", stopCode: "EssentialContainerExited" }, 3),
          task({ taskArn: taskArn(4), lastStatus: "STOPPED", stoppedReason: "Task stopped by user" }),
        ],
      });
    const lane = fargateLane(ecs, plan(), 5, { clock: fakeClock() });
    const states = await lane.poll([1, 2, 3, 4].map((n) => ({ shard: n, attempt: 1, taskArn: taskArn(n) })));
    expect(states.map((s) => s.live)).toEqual([true, false, false, false]);
    expect(states.slice(1).map((s) => (s.live ? "" : s.reason))).toEqual([
      "Spot interruption: Your Spot Task was interrupted.",
      "exit code 3, EssentialContainerExited",
      "the task stopped (no exit code, Task stopped by user) but shards/0004/_SUCCESS is missing",
    ]);
    expect(states[2]).toMatchObject({ exitCode: 3, fields: { exitCode: 3, stopCode: "EssentialContainerExited" } });
  });

  it("gives a task ECS does not know a few polls before taking it as lost", async () => {
    const { ecs } = clients();
    mockClient(ecs).on(DescribeTasksCommand).resolves({ tasks: [], failures: [{ arn: taskArn(1), reason: "MISSING" }] });
    const lane = fargateLane(ecs, plan(), 2, { clock: fakeClock() });
    const attempt = { shard: 1, attempt: 1, taskArn: taskArn(1) };
    for (let i = 0; i < 5; i++) expect((await lane.poll([attempt]))[0]?.live).toBe(true);
    expect((await lane.poll([attempt]))[0]).toMatchObject({ live: false, reason: `task ${taskArn(1)} is not known to ECS (cluster ${CONFIG.cluster})` });
  });
});

/** A described Batch job: the fields the SDK types require, then `over`. */
function jobDetail(over: Partial<JobDetail>): JobDetail {
  return { jobName: "n", jobId: "j", jobQueue: "q", status: "SUBMITTED", startedAt: 0, jobDefinition: "jd", ...over };
}

const BATCH_PLAN: BatchSweepPlan = {
  runId: RUN_ID,
  scenarioName: "s",
  config: { bucket: CONFIG.bucket, jobQueue: "q", jobDefinition: "jd" },
  size: { vcpu: 16, memoryGb: 120, ephemeralGiB: 50 },
  dataset: "d",
  shards: 6,
};

describe("the Batch lane", () => {
  it("submits the shards as one array job and records each child's id", async () => {
    const { batch } = clients();
    const mock = mockClient(batch);
    mock.on(SubmitJobCommand).resolves({ jobId: "arr", jobName: "n", jobArn: "arn:arr" });
    const res = await batchLane(batch, BATCH_PLAN, { clock: fakeClock() }).start([
      { shard: 1, attempt: 2 },
      { shard: 4, attempt: 2 },
    ]);
    const input = mock.commandCalls(SubmitJobCommand)[0]?.args[0].input;
    expect(input?.arrayProperties).toEqual({ size: 2 });
    expect(input?.containerOverrides?.environment).toContainEqual({ name: "AEGIS_SHARD_LIST", value: "1,4" });
    expect(res.started).toEqual([
      { shard: 1, attempt: 2, jobId: "arr:0", arrayJobId: "arr", lastStatus: "SUBMITTED" },
      { shard: 4, attempt: 2, jobId: "arr:1", arrayJobId: "arr", lastStatus: "SUBMITTED" },
    ]);
  });

  it("submits a single shard as a plain job", async () => {
    const { batch } = clients();
    const mock = mockClient(batch);
    mock.on(SubmitJobCommand).resolves({ jobId: "one", jobName: "n", jobArn: "arn:one" });
    const res = await batchLane(batch, BATCH_PLAN, { clock: fakeClock() }).start([{ shard: 5, attempt: 1 }]);
    expect(mock.commandCalls(SubmitJobCommand)[0]?.args[0].input.arrayProperties).toBeUndefined();
    expect(res.started).toEqual([{ shard: 5, attempt: 1, jobId: "one", lastStatus: "SUBMITTED" }]);
  });

  it("describes only the array while it runs cleanly, then the children to say which shards failed", async () => {
    const { batch } = clients();
    const mock = mockClient(batch);
    const parent = (status: JobDetail["status"], failed: number) => jobDetail({ jobId: "arr", status, arrayProperties: { size: 3, statusSummary: { FAILED: failed, RUNNING: 3 - failed } } });
    const child = (j: number, status: JobDetail["status"], over: Partial<JobDetail> = {}) => jobDetail({ jobId: `arr:${j}`, status, ...over });
    const children: Record<string, JobDetail> = {
      "arr:0": child(0, "SUCCEEDED", { container: { exitCode: 0, logStreamName: "aegis-bt-batch/default/t0" } }),
      "arr:1": child(1, "FAILED", { statusReason: "Essential container in task exited", container: { exitCode: 1 } }),
      "arr:2": child(2, "RUNNING"),
    };
    let parentState = parent("RUNNING", 0);
    mock.on(DescribeJobsCommand).callsFake((i: { jobs: string[] }) => ({ jobs: i.jobs.map((id) => (id === "arr" ? parentState : children[id])).filter(Boolean) }));
    const lane = batchLane(batch, BATCH_PLAN, { clock: fakeClock() });
    const attempts = [0, 1, 2].map((j) => ({ shard: j * 2, attempt: 1, jobId: `arr:${j}`, arrayJobId: "arr" }));
    expect((await lane.poll(attempts)).map((s) => s.live)).toEqual([true, true, true]);
    expect(mock.commandCalls(DescribeJobsCommand).map((c) => c.args[0].input.jobs)).toEqual([["arr"]]);

    parentState = parent("RUNNING", 1);
    const states = await lane.poll(attempts);
    expect(mock.commandCalls(DescribeJobsCommand).at(-1)?.args[0].input.jobs).toEqual(["arr:0", "arr:1", "arr:2"]);
    expect(states.map((s) => s.live)).toEqual([false, false, true]);
    expect(states[0]).toMatchObject({ reason: "job arr:0 succeeded but shards/0000/_SUCCESS is missing", fields: { logStreamName: "aegis-bt-batch/default/t0", exitCode: 0 } });
    expect(states[1]).toMatchObject({ reason: "exit code 1, Essential container in task exited", exitCode: 1 });
  });

  it("takes an ended array's status for a child Batch no longer describes", async () => {
    const { batch } = clients();
    mockClient(batch)
      .on(DescribeJobsCommand)
      .callsFake((i: { jobs: string[] }) => ({ jobs: i.jobs.includes("arr") ? [jobDetail({ jobId: "arr", status: "FAILED", statusReason: "Job cancelled" })] : [] }));
    const [state] = await batchLane(batch, BATCH_PLAN, { clock: fakeClock() }).poll([{ shard: 3, attempt: 1, jobId: "arr:1", arrayJobId: "arr" }]);
    expect(state).toMatchObject({ live: false, reason: "Job cancelled" });
  });
});
