// Shared test data: a scenario, a deployment's configuration, clients that never leave the machine.
import { Readable } from "node:stream";
import { BatchClient } from "@aws-sdk/client-batch";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { ECSClient, type Task } from "@aws-sdk/client-ecs";
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type PutObjectCommandInput } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import type { Clock } from "../src/backoff.ts";
import type { LaunchConfig } from "../src/config.ts";
import type { RunPlan } from "../src/runtask.ts";

export const SCENARIO = `name: spx-short-put-45d
data: { dataset: synthetic-spx-7y, tickers: [SPX], start: 2017-01-03, end: 2023-12-29 }
capital: 1000000
strategy:
  legs:
    - { right: put, side: short, qty: 1, dte: { target: 45, min: 30, max: 60 }, delta: { target: 0.30, min: 0.25, max: 0.35 } }
  entry: { every_trading_days: 5, max_open: 3 }
  exit: { profit_target: 0.5, stop_loss: 2.0, dte_exit: 21 }
`;

/** {@link SCENARIO} with a sweep of 6 points (3 profit targets × 2 deltas) and CSCV. */
export const SWEEP_SCENARIO = `${SCENARIO}sweep:
  grid: { "strategy.exit.profit_target": [0.25, 0.5, 0.75], "strategy.legs[0].delta.target": [0.26, 0.3] }
cscv: { partitions: 4 }
`;

export const RUN_ID = "spx-short-put-45d-20261121-134501-1a2b3c";

export const CONFIG: LaunchConfig = {
  bucket: "aegis-bt-data-123456789012",
  cluster: "arn:aws:ecs:us-east-1:123456789012:cluster/aegis-bt",
  taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/aegis-bt:7",
  s3TaskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/aegis-bt-s3:7",
  containerName: "aegis-bt",
  subnets: ["subnet-0a1b2c3d", "subnet-4e5f6a7b"],
  securityGroups: ["sg-0123abcd"],
  assignPublicIp: "DISABLED",
  propagateTags: "TASK_DEFINITION",
  logGroupName: "/aegis-bt/runs",
  logStreamPrefix: "aegis",
  ecsInfrastructureRoleArn: "arn:aws:iam::123456789012:role/aegis-ecs-infrastructure",
  datasetVolumeName: "dataset",
};

export function plan(over: Partial<RunPlan> = {}): RunPlan {
  return {
    runId: RUN_ID,
    scenarioName: "spx-short-put-45d",
    config: CONFIG,
    size: { vcpu: 16, memoryGb: 120, ephemeralGiB: 50 },
    spot: false,
    dataset: "synthetic-spx-7y",
    ...over,
  };
}

const settings = { region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 };

export function clients() {
  return {
    s3: new S3Client(settings),
    ecs: new ECSClient(settings),
    batch: new BatchClient(settings),
    cloudFormation: new CloudFormationClient(settings),
    logs: new CloudWatchLogsClient(settings),
  };
}

/** A clock whose sleeps return at once and advance its time; every sleep is recorded. */
export function fakeClock(start = Date.parse("2026-11-21T13:45:01Z")): Clock & { sleeps: number[]; time: number } {
  const c = {
    time: start,
    sleeps: [] as number[],
    now: () => c.time,
    sleep: async (ms: number) => {
      c.sleeps.push(ms);
      c.time += ms;
    },
    random: () => 0.5,
  };
  return c;
}

/** An SDK-shaped service error. */
export function awsError(name: string, message = name, status = 400, fault: "client" | "server" = "client"): Error {
  return Object.assign(new Error(message), { name, $fault: fault, $metadata: { httpStatusCode: status } });
}

export const TASK_ARN = "arn:aws:ecs:us-east-1:123456789012:task/aegis-bt/0123456789abcdef0123456789abcdef";

export function task(over: Partial<Task> = {}, exitCode?: number): Task {
  return {
    taskArn: TASK_ARN,
    lastStatus: "RUNNING",
    containers: [{ name: "aegis-bt", ...(exitCode !== undefined && { exitCode }) }],
    ...over,
  };
}

/**
 * An S3 client over an in-memory bucket: PutObject stores, DeleteObject removes, GetObject /
 * HeadObject read (404 when absent), ListObjectsV2 lists a prefix in one page. `objects` is live:
 * tests add and inspect keys.
 */
export function memoryS3(objects: Map<string, Buffer> = new Map()) {
  const { s3 } = clients();
  const mock = mockClient(s3);
  mock.on(PutObjectCommand).callsFake(async (input: PutObjectCommandInput) => {
    const b = input.Body;
    objects.set(input.Key as string, typeof b === "string" ? Buffer.from(b) : Buffer.from((b as Uint8Array | undefined) ?? new Uint8Array()));
    return {};
  });
  mock.on(DeleteObjectCommand).callsFake((input: { Key: string }) => {
    objects.delete(input.Key);
    return {};
  });
  mock.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const v = objects.get(input.Key);
    if (v === undefined) throw awsError("NoSuchKey", "The specified key does not exist.", 404);
    return {
      Body: Object.assign(Readable.from([v]), {
        transformToString: async () => v.toString("utf8"),
        transformToByteArray: async () => new Uint8Array(v),
      }),
    };
  });
  mock.on(HeadObjectCommand).callsFake((input: { Key: string }) => {
    if (!objects.has(input.Key)) throw awsError("NotFound", "NotFound", 404);
    return {};
  });
  mock.on(ListObjectsV2Command).callsFake((input: { Bucket: string; Prefix?: string; Delimiter?: string }) => {
    const prefix = input.Prefix ?? "";
    const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    if (input.Delimiter) {
      const prefixes = [...new Set(keys.map((k) => k.slice(0, k.indexOf("/", prefix.length) + 1)).filter((p) => p.length > prefix.length))];
      return { Name: input.Bucket, CommonPrefixes: prefixes.map((Prefix) => ({ Prefix })), IsTruncated: false };
    }
    return { Name: input.Bucket, Contents: keys.map((Key) => ({ Key, Size: (objects.get(Key) as Buffer).length })), IsTruncated: false };
  });
  return { s3, mock, objects };
}
