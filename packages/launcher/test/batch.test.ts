import { DescribeJobsCommand, SubmitJobCommand, type JobDetail } from "@aws-sdk/client-batch";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import {
  batchJobGroups,
  buildSubmitJobRequest,
  describeJobs,
  jobFailure,
  jobState,
  MAX_SHARD_LIST_CHARS,
  submitJobs,
  type BatchSweepPlan,
} from "../src/batch.ts";
import { awsError, clients, fakeClock } from "./fixtures.ts";

const RUN = "spx-put-sweep-sweep-0123456789";
const BUCKET = "aegis-bt-data-123456789012";
const QUEUE = "arn:aws:batch:us-east-1:123456789012:job-queue/aegis-bt";
const DEFINITION = "arn:aws:batch:us-east-1:123456789012:job-definition/aegis-bt:3";

function plan(over: Partial<BatchSweepPlan> = {}): BatchSweepPlan {
  return {
    runId: RUN,
    scenarioName: "spx-put-sweep",
    config: { bucket: BUCKET, jobQueue: QUEUE, jobDefinition: DEFINITION },
    size: { vcpu: 8, memoryGb: 60, ephemeralGiB: 21 },
    dataset: "synthetic-spx-7y",
    shards: 8,
    ...over,
  };
}

const CONTAINER_ENV = [
  { name: "AEGIS_RUN_ID", value: RUN },
  { name: "AEGIS_CONFIG_URI", value: `s3://${BUCKET}/configs/${RUN}/scenario.yaml` },
  { name: "AEGIS_RESULTS_URI", value: `s3://${BUCKET}/results/${RUN}/` },
  { name: "AEGIS_DATASET_URI", value: `s3://${BUCKET}/datasets/` },
  { name: "AEGIS_DATASET", value: "synthetic-spx-7y" },
];

describe("buildSubmitJobRequest", () => {
  it("runs every shard as one array job of size K with AEGIS_SHARDS and no list", () => {
    expect(buildSubmitJobRequest(plan(), [0, 1, 2, 3, 4, 5, 6, 7], 1)).toEqual({
      jobName: `${RUN}-a1`,
      jobQueue: QUEUE,
      jobDefinition: DEFINITION,
      arrayProperties: { size: 8 },
      containerOverrides: {
        command: ["sweep"],
        environment: [...CONTAINER_ENV, { name: "AEGIS_SHARDS", value: "8" }],
        resourceRequirements: [
          { type: "VCPU", value: "8" },
          { type: "MEMORY", value: "61440" },
        ],
      },
      tags: { "aegis:run": RUN, "aegis:scenario": "spx-put-sweep" },
      propagateTags: true,
    });
  });

  it("runs a subset as an array whose child j runs AEGIS_SHARD_LIST[j]", () => {
    const r = buildSubmitJobRequest(plan(), [3, 7, 9], 2);
    expect(r.arrayProperties).toEqual({ size: 3 });
    expect(r.jobName).toBe(`${RUN}-a2`);
    expect(r.containerOverrides?.environment?.slice(-2)).toEqual([
      { name: "AEGIS_SHARDS", value: "8" },
      { name: "AEGIS_SHARD_LIST", value: "3,7,9" },
    ]);
  });

  it("runs one shard as a plain job with AEGIS_SHARD=i/K (Batch refuses arrays of one)", () => {
    const r = buildSubmitJobRequest(plan(), [5], 3);
    expect(r.arrayProperties).toBeUndefined();
    expect(r.jobName).toBe(`${RUN}-s0005-a3`);
    expect(r.containerOverrides?.environment).toEqual([...CONTAINER_ENV, { name: "AEGIS_SHARD", value: "5/8" }]);
    expect(r.containerOverrides?.command).toEqual(["sweep"]);
  });

  it("refuses no shards, and a request past Batch's 30 KiB", () => {
    expect(() => buildSubmitJobRequest(plan(), [], 1)).toThrow("a Batch job needs at least one shard");
    const huge = plan({ config: { bucket: "b".repeat(31_000), jobQueue: QUEUE, jobDefinition: DEFINITION } });
    expect(() => buildSubmitJobRequest(huge, [0, 1], 1)).toThrow(/the SubmitJob request would be \d+ bytes; Batch allows 30720 \(30 KiB\)/);
  });
});

describe("batchJobGroups", () => {
  it("is one job for all shards or a short list, sorted and without repeats", () => {
    expect(batchJobGroups([0, 1, 2], 3)).toEqual([[0, 1, 2]]);
    expect(batchJobGroups([9, 3, 7, 3], 10)).toEqual([[3, 7, 9]]);
    expect(batchJobGroups([], 10)).toEqual([]);
  });

  it("splits a retry list longer than the limit over several array jobs", () => {
    const shards = Array.from({ length: 5000 }, (_, i) => i * 2);
    const groups = batchJobGroups(shards, 10_000);
    expect(groups.length).toBeGreaterThan(1);
    expect(groups.flat()).toEqual(shards);
    for (const g of groups) expect(g.join(",").length).toBeLessThanOrEqual(MAX_SHARD_LIST_CHARS);
    // Every shard of all 10,000 is one array job, however long its list would be.
    expect(batchJobGroups(Array.from({ length: 10_000 }, (_, i) => i), 10_000)).toHaveLength(1);
  });
});

describe("submitJobs and describeJobs", () => {
  it("backs SubmitJob off on throttling, and names an array job's children <id>:<j>", async () => {
    const { batch } = clients();
    const mock = mockClient(batch);
    mock.on(SubmitJobCommand).rejectsOnce(awsError("TooManyRequestsException", "slow down", 429)).resolves({ jobId: "job-1", jobName: "n", jobArn: "arn" });
    const clock = fakeClock();
    const [job] = await submitJobs(batch, [buildSubmitJobRequest(plan(), [2, 4, 6], 1)], { clock });
    expect(job).toMatchObject({ jobId: "job-1", childIds: ["job-1:0", "job-1:1", "job-1:2"] });
    expect(mock.commandCalls(SubmitJobCommand)).toHaveLength(2);
    expect(clock.sleeps.length).toBeGreaterThan(0);
  });

  it("never repeats a SubmitJob that may have reached Batch (it has no idempotency token)", async () => {
    const { batch } = clients();
    const mock = mockClient(batch);
    mock.on(SubmitJobCommand).rejects(awsError("ServerException", "internal", 500, "server"));
    await expect(submitJobs(batch, [buildSubmitJobRequest(plan(), [1], 1)], { clock: fakeClock() })).rejects.toThrow(/SubmitJob to job queue .* failed: ServerException/);
    expect(mock.commandCalls(SubmitJobCommand)).toHaveLength(1);
  });

  it("describes jobs 100 ids a call", async () => {
    const { batch } = clients();
    const mock = mockClient(batch);
    mock.on(DescribeJobsCommand).callsFake((i: { jobs: string[] }) => ({ jobs: i.jobs.map((jobId) => ({ jobId, status: "RUNNING" })) }));
    const ids = Array.from({ length: 250 }, (_, i) => `job:${i}`);
    const jobs = await describeJobs(batch, ids, fakeClock());
    expect(jobs.size).toBe(250);
    expect(mock.commandCalls(DescribeJobsCommand).map((c) => c.args[0].input.jobs?.length)).toEqual([100, 100, 50]);
  });
});

describe("job outcomes", () => {
  it.each([
    ["SUBMITTED", "live"],
    ["RUNNABLE", "live"],
    ["RUNNING", "live"],
    ["SUCCEEDED", "succeeded"],
    ["FAILED", "failed"],
  ] as const)("%s is %s", (status, state) => {
    expect(jobState({ status })).toBe(state);
  });

  it("says why a job failed, with the container's exit code", () => {
    const failed: JobDetail = {
      jobId: "j:3",
      jobName: "n",
      jobQueue: QUEUE,
      jobDefinition: DEFINITION,
      status: "FAILED",
      startedAt: 1,
      statusReason: "Essential container in task exited",
      container: { exitCode: 2, reason: "OutOfMemoryError: Container killed due to memory usage" },
    } as JobDetail;
    expect(jobFailure(failed)).toEqual({
      reason: "exit code 2, Essential container in task exited, OutOfMemoryError: Container killed due to memory usage",
      exitCode: 2,
    });
    const spot = { jobId: "j", status: "FAILED", attempts: [{ statusReason: "Host EC2 (instance i-1) terminated." }] } as JobDetail;
    expect(jobFailure(spot)).toEqual({ reason: "Host EC2 (instance i-1) terminated." });
    expect(jobFailure({ jobId: "j", status: "FAILED" } as JobDetail)).toEqual({ reason: "job FAILED without a reason" });
  });
});
