import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { DescribeTasksCommand } from "@aws-sdk/client-ecs";
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type GetObjectCommandInput,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { IncompleteRunError } from "../src/errors.ts";
import { fetchRun } from "../src/runs.ts";
import { checkBucket, checkDataset, downloadResults, listRuns, type LaunchRecord } from "../src/s3.ts";
import { awsError, clients, fakeClock, RUN_ID, TASK_ARN } from "./fixtures.ts";

const BUCKET = "aegis-bt-data";

/** A GetObject body as the SDK returns it in Node: a stream with the transform helpers. */
function body(content: string | Buffer) {
  const buf = Buffer.from(content);
  return Object.assign(Readable.from([buf]), {
    transformToString: async () => buf.toString("utf8"),
    transformToByteArray: async () => new Uint8Array(buf),
  });
}

const RUN_JSON = JSON.stringify({ engine_version: "0.1.0", wall_seconds: 42.5, data_path: "s3-sync" });

function bucketWith(objects: Record<string, string>) {
  const { s3, ecs } = clients();
  const mock = mockClient(s3);
  mock.on(ListObjectsV2Command).callsFake((input: { Prefix: string; Delimiter?: string }) => {
    const matching = Object.keys(objects).filter((k) => k.startsWith(input.Prefix)).sort();
    if (input.Delimiter) {
      const prefixes = [...new Set(matching.map((k) => k.slice(0, k.indexOf("/", input.Prefix.length) + 1)).filter((p) => p.length > input.Prefix.length))];
      return { CommonPrefixes: prefixes.map((Prefix) => ({ Prefix })), IsTruncated: false };
    }
    // Two pages, to exercise continuation.
    const all = matching.map((Key) => ({ Key, Size: Buffer.byteLength(objects[Key] as string) }));
    const first = !("ContinuationToken" in input);
    const half = Math.ceil(all.length / 2);
    return first ? { Contents: all.slice(0, half), IsTruncated: all.length > half, NextContinuationToken: "p2" } : { Contents: all.slice(half), IsTruncated: false };
  });
  mock.on(GetObjectCommand).callsFake((input: GetObjectCommandInput) => {
    const v = objects[input.Key as string];
    if (v === undefined) throw awsError("NoSuchKey", "The specified key does not exist.", 404);
    return { Body: body(v) };
  });
  mock.on(HeadObjectCommand).callsFake((input: { Key: string }) => {
    if (objects[input.Key] === undefined) throw awsError("NotFound", "NotFound", 404);
    return {};
  });
  return { s3, ecs, mock };
}

const finished = {
  [`results/${RUN_ID}/summary.json`]: '{"name":"x"}',
  [`results/${RUN_ID}/equity.arrow`]: "ARROW1-equity",
  [`results/${RUN_ID}/trades.arrow`]: "ARROW1-trades",
  [`results/${RUN_ID}/run.json`]: RUN_JSON,
  [`results/${RUN_ID}/_SUCCESS`]: "",
};
const unfinished = Object.fromEntries(Object.entries(finished).filter(([k]) => !k.endsWith("_SUCCESS")));

const tmp = () => mkdtempSync(join(tmpdir(), "aegis-launch-fetch-"));

describe("downloadResults", () => {
  it("refuses a run without _SUCCESS and downloads nothing", async () => {
    const { s3, mock } = bucketWith(unfinished);
    const out = join(tmp(), "r");
    const err = await downloadResults(s3, BUCKET, RUN_ID, out).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IncompleteRunError);
    expect((err as Error).message).toBe(
      `run ${RUN_ID} has no _SUCCESS in s3://${BUCKET}/results/${RUN_ID}/: it did not finish (or is still running); pass --partial to download what is there`,
    );
    expect(mock.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(existsSync(out)).toBe(false);
  });

  it("downloads a partial run on request, without _SUCCESS", async () => {
    const { s3 } = bucketWith(unfinished);
    const out = join(tmp(), "r");
    const r = await downloadResults(s3, BUCKET, RUN_ID, out, { partial: true });
    expect(r.complete).toBe(false);
    expect(readdirSync(out).sort()).toEqual(["equity.arrow", "run.json", "summary.json", "trades.arrow"]);
  });

  it("downloads everything with _SUCCESS last, replacing a stale local marker", async () => {
    const { s3, mock } = bucketWith({ ...finished, [`results/${RUN_ID}/charts/a.svg`]: "<svg/>" });
    const out = join(tmp(), "r");
    mkdirSync(out);
    writeFileSync(join(out, "_SUCCESS"), "stale");
    const r = await downloadResults(s3, BUCKET, RUN_ID, out);
    expect(r.complete).toBe(true);
    const keys = mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key);
    expect(keys.at(-1)).toBe(`results/${RUN_ID}/_SUCCESS`);
    expect(keys).toHaveLength(6);
    expect(readFileSync(join(out, "charts", "a.svg"), "utf8")).toBe("<svg/>");
    expect(readFileSync(join(out, "_SUCCESS"), "utf8")).toBe("");
    expect(r.files.at(-1)).toBe("_SUCCESS");
    expect(readdirSync(out).some((f) => f.endsWith(".part"))).toBe(false);
  });

  it("refuses a key that would escape the directory", async () => {
    const { s3 } = bucketWith({ ...finished, [`results/${RUN_ID}/../../evil`]: "x" });
    await expect(downloadResults(s3, BUCKET, RUN_ID, join(tmp(), "r"))).rejects.toThrow(/escapes the results directory/);
  });

  it("says so when there are no results at all", async () => {
    const { s3 } = bucketWith({});
    await expect(downloadResults(s3, BUCKET, RUN_ID, join(tmp(), "r"))).rejects.toThrow(`no results for run ${RUN_ID}`);
  });
});

function record(over: Partial<LaunchRecord> = {}): LaunchRecord {
  return {
    runId: RUN_ID,
    scenario: "spx-short-put-45d",
    submittedAt: "2026-11-21T13:45:01.000Z",
    target: "fargate",
    cluster: "aegis-bt",
    profile: "orats-7y",
    size: { vcpu: 16, memoryGb: 120, ephemeralGiB: 50 },
    spot: false,
    dataset: "synthetic-spx-7y",
    attempts: [],
    ...over,
  };
}

describe("fetchRun", () => {
  it("writes the run's cost into run.json from the tasks' times, every attempt billed", async () => {
    const rec = record({
      spot: true,
      attempts: [
        { attempt: 1, clientToken: "t-a1", taskArn: "arn:1", pullStartedAt: "2026-11-21T13:45:30.000Z", stoppedAt: "2026-11-21T13:45:50.000Z" },
        { attempt: 2, clientToken: "t-a2", taskArn: "arn:2", startedAt: "2026-11-21T14:00:00.000Z", stoppedAt: "2026-11-21T15:00:00.000Z" },
      ],
    });
    const { s3 } = bucketWith({ ...finished, [`configs/${RUN_ID}/launch.json`]: JSON.stringify(rec) });
    const out = join(tmp(), "r");
    const r = await fetchRun({ s3 }, { bucket: BUCKET, runId: RUN_ID, out });
    const doc = JSON.parse(readFileSync(join(out, "run.json"), "utf8")) as { cost: Record<string, unknown>; wall_seconds: number };
    expect(doc.wall_seconds).toBe(42.5);
    // 16 × 0.04048 + 120 × 0.004445 + 30 × 0.000111 = 0.64768 + 0.5334 + 0.00333 = 1.18441 $/h on demand; × 0.3 on Spot = 0.355323.
    // Attempt 1: 20 s, billed 60 s → 0.355323 / 60 = 0.00592205; attempt 2: 3600 s → 0.355323.
    expect(doc.cost).toMatchObject({ currency: "USD", basis: "ecs-task-times", billedSeconds: 3660, spot: true });
    expect(doc.cost.usd as number).toBeCloseTo(0.355323 + 0.00592205, 10);
    expect(r.cost?.attempts.map((a) => a.billedSeconds)).toEqual([60, 3600]);
  });

  it("asks ECS for times the launch record lacks", async () => {
    const rec = record({ attempts: [{ attempt: 1, clientToken: "t-a1", taskArn: TASK_ARN }] });
    const { s3, ecs } = bucketWith({ ...finished, [`configs/${RUN_ID}/launch.json`]: JSON.stringify(rec) });
    mockClient(ecs)
      .on(DescribeTasksCommand)
      .resolves({
        tasks: [
          {
            taskArn: TASK_ARN,
            lastStatus: "STOPPED",
            pullStartedAt: new Date("2026-11-21T13:45:00Z"),
            startedAt: new Date("2026-11-21T13:46:00Z"),
            stoppedAt: new Date("2026-11-21T13:55:00Z"),
            containers: [{ name: "aegis-bt", exitCode: 0 }],
          },
        ],
      });
    const r = await fetchRun({ s3, ecs, clock: fakeClock() }, { bucket: BUCKET, runId: RUN_ID, out: join(tmp(), "r") });
    expect(r.cost?.billedSeconds).toBe(600);
    expect(r.cost?.usd).toBeCloseTo(1.18441 / 6, 10);
  });

  it("falls back to the engine's wall time as a lower bound when the task times are gone", async () => {
    const { s3 } = bucketWith({ ...finished, [`configs/${RUN_ID}/launch.json`]: JSON.stringify(record()) });
    const r = await fetchRun({ s3 }, { bucket: BUCKET, runId: RUN_ID, out: join(tmp(), "r") });
    expect(r.cost).toMatchObject({ basis: "engine-wall-time", billedSeconds: 60 });
    expect(r.cost?.note).toMatch(/lower bound/);
  });

  it("leaves run.json alone for a run without a launch record, and for partial downloads", async () => {
    const { s3 } = bucketWith(finished);
    const out = join(tmp(), "r");
    expect((await fetchRun({ s3 }, { bucket: BUCKET, runId: RUN_ID, out })).cost).toBeUndefined();
    expect(readFileSync(join(out, "run.json"), "utf8")).toBe(RUN_JSON);
    const { s3: s3b } = bucketWith({ ...unfinished, [`configs/${RUN_ID}/launch.json`]: JSON.stringify(record()) });
    const outb = join(tmp(), "r");
    expect((await fetchRun({ s3: s3b }, { bucket: BUCKET, runId: RUN_ID, out: outb, partial: true })).cost).toBeUndefined();
    expect(readFileSync(join(outb, "run.json"), "utf8")).toBe(RUN_JSON);
  });
});

describe("bucket, dataset and run listing", () => {
  it("says a bucket does not exist", async () => {
    const { s3 } = clients();
    mockClient(s3).on(ListObjectsV2Command).rejects(Object.assign(awsError("NoSuchBucket", "The specified bucket does not exist", 404), { BucketName: "nope" }));
    await expect(checkBucket(s3, "nope")).rejects.toThrow("bucket nope does not exist (region us-east-1): check --bucket or the stack's BucketName");
  });

  it("reads a 404 without an error code as a missing bucket", async () => {
    const { s3 } = clients();
    mockClient(s3).on(ListObjectsV2Command).rejects(awsError("NotFound", "UnknownError", 404));
    await expect(checkBucket(s3, "nope")).rejects.toThrow("bucket nope does not exist (region us-east-1): check --bucket or the stack's BucketName");
  });

  it("says a bucket is in another region", async () => {
    const { s3 } = clients();
    const err = Object.assign(awsError("PermanentRedirect", "UnknownError", 301), { $response: { headers: { "x-amz-bucket-region": "eu-central-1" } } });
    mockClient(s3).on(ListObjectsV2Command).rejects(err);
    await expect(checkBucket(s3, "b")).rejects.toThrow("bucket b is in eu-central-1, not us-east-1 (PermanentRedirect): pass --region eu-central-1 (or set AWS_REGION)");
  });

  it("maps bad credentials on the bucket check", async () => {
    const { s3 } = clients();
    mockClient(s3).on(ListObjectsV2Command).rejects(awsError("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", 403));
    await expect(checkBucket(s3, "b")).rejects.toThrow(
      "AWS rejected the credentials (InvalidAccessKeyId) while checking bucket b in us-east-1: check the access key or profile, and that the region is enabled for the account",
    );
  });

  it("refuses a listing that is not of the bucket asked for", async () => {
    const { s3 } = clients();
    mockClient(s3).on(ListObjectsV2Command).resolves({ Name: "other" });
    await expect(checkBucket(s3, "b")).rejects.toThrow("the endpoint answered a listing of bucket b without S3's ListBucketResult for it (it named other), so it is not S3");
    mockClient(s3).on(ListObjectsV2Command).resolves({ Name: "b", KeyCount: 0 });
    await expect(checkBucket(s3, "b")).resolves.toBeUndefined();
  });

  it("refuses an unknown dataset", async () => {
    const { s3 } = bucketWith({ "datasets/known/manifest.json": "{}" });
    await expect(checkDataset(s3, BUCKET, "known")).resolves.toBeUndefined();
    await expect(checkDataset(s3, BUCKET, "orats-spx-2017")).rejects.toThrow(
      `unknown dataset orats-spx-2017: s3://${BUCKET}/datasets/orats-spx-2017/manifest.json does not exist (upload it with aegis-launch dataset upload, or pass --dataset)`,
    );
    await expect(checkDataset(s3, BUCKET, "../x")).rejects.toThrow(/not a dataset name/);
  });

  it("lists runs from configs/ and results/, newest first", async () => {
    const { s3 } = bucketWith({
      "configs/a-20261120-100000-aaaaaa/scenario.yaml": "",
      "configs/b-20261121-090000-bbbbbb/scenario.yaml": "",
      "results/b-20261121-090000-bbbbbb/_SUCCESS": "",
      "results/sweep-by-hand/_SUCCESS": "",
    });
    expect(await listRuns(s3, BUCKET)).toEqual([
      { runId: "b-20261121-090000-bbbbbb", time: new Date("2026-11-21T09:00:00Z"), hasConfig: true, hasResults: true },
      { runId: "a-20261120-100000-aaaaaa", time: new Date("2026-11-20T10:00:00Z"), hasConfig: true, hasResults: false },
      { runId: "sweep-by-hand", hasConfig: false, hasResults: true },
    ]);
  });
});
