// Dataset snapshots against moto, through the CLI: `dataset snapshot` (the laptop-driven lifecycle
// and --via stepfunctions), `dataset snapshots` (listing, deleting), `dataset list`'s count, and
// which snapshot `submit` and `sweep` attach. moto's RunTask ignores volumeConfigurations and never
// reports an exit code, so a test executor plays ECS and the container: it reads the RunTask
// request the launcher sent, makes the managed volume in moto's EC2 with that request's tags, writes
// the container's log to moto's CloudWatch Logs, stops the task, and reports the container's exit
// code in DescribeTasks. moto's EC2 then holds the volumes and snapshots for real (its snapshots are
// completed at once).
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CreateSnapshotCommand, CreateVolumeCommand, DescribeSnapshotsCommand, DescribeVolumesCommand, type Tag } from "@aws-sdk/client-ec2";
import {
  CreateClusterCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type DescribeTasksCommandOutput,
  type RunTaskCommandInput,
} from "@aws-sdk/client-ecs";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { CreateStateMachineCommand, DescribeExecutionCommand, StopExecutionCommand } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { runCli } from "../src/cli.ts";
import { destroyClients, type AwsClients } from "../src/clients.ts";
import { uploadDataset } from "../src/dataset-upload.ts";
import { startSnapshotExecution, waitForExecution } from "../src/dataset-snapshot.ts";
import { taskIdFromArn } from "../src/logs.ts";
import { startedBy } from "../src/run-id.ts";
import { SCENARIO, SWEEP_SCENARIO } from "./fixtures.ts";
import { CREDENTIALS, Moto, REGION, outputsStack } from "./moto.ts";

const BUCKET = "aegis-snapshots-test";
const DATASET = "synthetic-spx-7y"; // the fixtures' scenarios run on it
const CLUSTER = "aegis-bt";
const LOG_GROUP = "/ecs/aegis-bt-rust";
const ROLE = "arn:aws:iam::123456789012:role/aegis-ecs-infrastructure";
const ENV = { AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, AWS_REGION: REGION, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };

let moto: Moto;
let aws: AwsClients;
const saved: Record<string, string | undefined> = {};
const root = mkdtempSync(join(tmpdir(), "aegis-snapshots-"));
const scenarioFile = join(root, "short-put.yaml");
writeFileSync(scenarioFile, SCENARIO);
const sweepFile = join(root, "sweep.yaml");
writeFileSync(sweepFile, SWEEP_SCENARIO);

/** Every RunTask request any ECS client sent (moto keeps no volumeConfigurations), and the exit codes the executor reports. */
const runTasks: RunTaskCommandInput[] = [];
const exitCodes = new Map<string, number>();

beforeAll(async () => {
  for (const [k, v] of Object.entries(ENV)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  // Every ECS client, the CLI's too: record RunTask requests; give stopped tasks the container's exit code.
  const send = ECSClient.prototype.send;
  vi.spyOn(ECSClient.prototype, "send").mockImplementation(async function (this: ECSClient, command: unknown, ...rest: unknown[]) {
    if (command instanceof RunTaskCommand) runTasks.push(structuredClone(command.input));
    const out = await (send as (c: unknown, ...r: unknown[]) => Promise<unknown>).call(this, command, ...rest);
    if (command instanceof DescribeTasksCommand) {
      for (const t of (out as DescribeTasksCommandOutput).tasks ?? []) {
        const code = exitCodes.get(t.taskArn as string);
        if (code !== undefined && t.lastStatus === "STOPPED") t.containers = [{ ...(t.containers?.[0] ?? {}), name: "aegis-bt", exitCode: code }];
      }
    }
    return out;
  } as typeof send);
  moto = await Moto.start();
  aws = moto.clients();
});

afterAll(async () => {
  vi.restoreAllMocks();
  if (aws) destroyClients(aws);
  await moto?.stop();
  rmSync(root, { recursive: true, force: true });
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

let stateMachineArn: string;
let runTaskDefinition: string;
let s3TaskDefinition: string;
let pullTaskDefinition: string;
let manifestSha: string;
let counter = 0;

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** A small dataset directory (made-up partitions: upload and the lifecycle read only paths, sizes and sha256s). */
function datasetDir(name: string): string {
  const dir = join(root, `${name}-${counter++}`);
  const files = { "SPX/2020.arrow": randomBytes(3000), "SPX/2021.arrow": randomBytes(2500) };
  const partitions = Object.entries(files).map(([path, bytes]) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), bytes);
    const year = Number(/(\d{4})/.exec(path)?.[1]);
    return { path, ticker: "SPX", year, firstTradeDate: `${year}-01-02`, lastTradeDate: `${year}-12-31`, rows: 10, bytes: bytes.length, sha256: sha256(bytes) };
  });
  const manifest = { schemaVersion: 1, name, createdBy: "snapshots.test", source: { kind: "synthetic", generator: "test", profile: "spx-like", seed: 1, start: "2020-01-02", end: "2021-12-31" }, tickers: ["SPX"], partitions };
  writeFileSync(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return dir;
}

async function deploy(): Promise<void> {
  await aws.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const up = await uploadDataset(aws.s3, { bucket: BUCKET, dir: datasetDir(DATASET) });
  manifestSha = up.manifestSha256;
  const cluster = await aws.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
  const register = async (family: string, command: string[], volume?: { readOnly: boolean }) =>
    (
      await aws.ecs.send(
        new RegisterTaskDefinitionCommand({
          family,
          networkMode: "awsvpc",
          requiresCompatibilities: ["FARGATE"],
          cpu: "4096",
          memory: "8192",
          containerDefinitions: [
            {
              name: "aegis-bt",
              image: "aegis-bt:test",
              memoryReservation: 1024,
              essential: true,
              entryPoint: ["aegis-bt"],
              command,
              ...(volume && { mountPoints: [{ sourceVolume: "dataset", containerPath: "/mnt/data", readOnly: volume.readOnly }] }),
            },
          ],
          ...(volume && { volumes: [{ name: "dataset", configuredAtLaunch: true }] }),
        }),
      )
    ).taskDefinition?.taskDefinitionArn as string;
  runTaskDefinition = await register("aegis-bt-rust", ["run"], { readOnly: true });
  s3TaskDefinition = await register("aegis-bt-rust-s3", ["run"]);
  pullTaskDefinition = await register("aegis-bt-dataset-pull", ["dataset", "pull"], { readOnly: false });
  const sm = await aws.sfn.send(
    new CreateStateMachineCommand({
      name: "aegis-bt-dataset-snapshot",
      roleArn: "arn:aws:iam::123456789012:role/aegis-snapshot",
      definition: JSON.stringify({ StartAt: "Wait", States: { Wait: { Type: "Wait", Seconds: 3600, End: true } } }),
    }),
  );
  stateMachineArn = sm.stateMachineArn as string;
  const { subnet, securityGroup } = await moto.defaultNetwork();
  await outputsStack(aws, "AegisBtStorage", { BucketName: BUCKET, RepositoryUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/aegis-bt", RepositoryName: "aegis-bt" });
  await outputsStack(aws, "AegisBtCompute", {
    ClusterArn: cluster.cluster?.clusterArn as string,
    TaskDefinitionArn: runTaskDefinition,
    S3TaskDefinitionArn: s3TaskDefinition,
    DatasetPullTaskDefinitionArn: pullTaskDefinition,
    DatasetSnapshotStateMachineArn: stateMachineArn,
    ContainerName: "aegis-bt",
    SubnetIds: subnet,
    SecurityGroupIds: securityGroup,
    AssignPublicIp: "DISABLED",
    LogGroupName: LOG_GROUP,
    LogStreamPrefix: "aegis-bt",
    EcsInfrastructureRoleArn: ROLE,
    DatasetVolumeName: "dataset",
  });
}

beforeEach(async () => {
  await moto.reset();
  runTasks.length = 0;
  exitCodes.clear();
  await deploy();
});

async function cli(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }>;
async function cli(...args: string[]) {
  return cliWith({}, ...args);
}

async function cliWith(io: { interactive?: boolean; answer?: string }, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const asked: string[] = [];
  const code = await runCli(["node", "aegis-launch", ...args, "--endpoint-url", moto.endpoint], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: {},
    ...(io.interactive && { interactive: true, ask: async (q: string) => (asked.push(q), io.answer ?? "") }),
  });
  return { code, out, err, asked };
}

const tags = (list: { key?: string; value?: string }[] | undefined): Tag[] => (list ?? []).map((t) => ({ Key: t.key, Value: t.value }));
const tagMap = (list: Tag[] | undefined) => Object.fromEntries((list ?? []).map((t) => [t.Key, t.Value]));

/**
 * Plays ECS and the container for every task moto starts: the managed volume of the request's
 * volumeConfigurations is made in moto's EC2 (as ECS would, with its tags), the container's log goes
 * to CloudWatch Logs, the task is stopped and its exit code reported. `container` decides the exit
 * code and the log from the request.
 */
function executor(container: (request: RunTaskCommandInput) => { exitCode: number; log: string[] }) {
  const handled = new Set<string>();
  const volumes: string[] = [];
  let stop = false;
  const loop = (async () => {
    await aws.logs.send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP })).catch(() => undefined);
    while (!stop) {
      const list = await aws.ecs.send(new ListTasksCommand({ cluster: CLUSTER }));
      const arns = (list.taskArns ?? []).filter((a) => !handled.has(a));
      if (arns.length > 0) {
        for (const t of (await aws.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: arns }))).tasks ?? []) {
          const arn = t.taskArn as string;
          handled.add(arn);
          if (t.lastStatus === "STOPPED") continue;
          const request = runTasks.find((r) => r.startedBy === t.startedBy) as RunTaskCommandInput;
          for (const vc of request.volumeConfigurations ?? []) {
            const ebs = vc.managedEBSVolume;
            const v = await aws.ec2.send(
              new CreateVolumeCommand({
                AvailabilityZone: `${REGION}a`,
                Size: ebs?.sizeInGiB ?? 1,
                VolumeType: ebs?.volumeType as "gp3",
                TagSpecifications: (ebs?.tagSpecifications ?? []).map((s) => ({ ResourceType: "volume", Tags: tags(s.tags) })),
              }),
            );
            volumes.push(v.VolumeId as string);
          }
          const { exitCode, log } = container(request);
          const stream = `aegis-bt/aegis-bt/${taskIdFromArn(arn)}`;
          await aws.logs.send(new CreateLogStreamCommand({ logGroupName: LOG_GROUP, logStreamName: stream }));
          if (log.length > 0) await aws.logs.send(new PutLogEventsCommand({ logGroupName: LOG_GROUP, logStreamName: stream, logEvents: log.map((message, i) => ({ message, timestamp: Date.now() + i })) }));
          exitCodes.set(arn, exitCode);
          await aws.ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: arn, reason: "Essential container in task exited" }));
        }
      }
      await delay(100);
    }
  })();
  return { volumes, done: async () => ((stop = true), await loop) };
}

async function volumesTagged(key: string, value: string) {
  return (await aws.ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: `tag:${key}`, Values: [value] }] }))).Volumes ?? [];
}

async function snapshotsOf(dataset: string) {
  return (await aws.ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"], Filters: [{ Name: "tag:aegis:dataset", Values: [dataset] }] }))).Snapshots ?? [];
}

/** A snapshot in moto's EC2 tagged as a lifecycle tags it (from a volume made for it). */
async function makeSnapshot(sha: string, dataset = DATASET): Promise<string> {
  const v = await aws.ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 2, VolumeType: "gp3" }));
  const s = await aws.ec2.send(
    new CreateSnapshotCommand({
      VolumeId: v.VolumeId,
      TagSpecifications: [{ ResourceType: "snapshot", Tags: [{ Key: "aegis:dataset", Value: dataset }, { Key: "aegis:manifest-sha256", Value: sha }] }],
    }),
  );
  return s.SnapshotId as string;
}

const PULL_LOG = ['{"event":"pull_start","dataset":"synthetic-spx-7y"}', '{"event":"pull_done","files":2}'];

describe("dataset snapshot: the lifecycle from this machine", () => {
  it("--wait: pulls onto a new volume, snapshots it with the dataset's tags, deletes the volume, prints the id", async () => {
    const exec = executor(() => ({ exitCode: 0, log: PULL_LOG }));
    let r;
    try {
      r = await cli("dataset", "snapshot", DATASET, "--wait");
    } finally {
      await exec.done();
    }
    expect(r.code, r.err.join("\n")).toBe(0);
    expect(r.out).toHaveLength(1);
    const snapshotId = r.out[0] as string;
    expect(snapshotId).toMatch(/^snap-[0-9a-f]+$/);

    // The request moto ignored: the pull task definition, the command, the volume that survives the task.
    expect(runTasks).toHaveLength(1);
    const request = runTasks[0] as RunTaskCommandInput;
    const attempt = request.tags?.find((t) => t.key === "aegis:snapshot-attempt")?.value as string;
    expect(attempt).toMatch(/^synthetic-spx-7y-snap-\d{8}-\d{6}-[0-9a-f]{6}$/);
    expect(request).toMatchObject({
      taskDefinition: pullTaskDefinition,
      launchType: "FARGATE",
      startedBy: startedBy(attempt),
      overrides: { containerOverrides: [{ name: "aegis-bt", command: ["dataset", "pull", "--bucket", BUCKET, "--dataset", DATASET, "--out", "/mnt/data", "--manifest-sha256", manifestSha] }] },
    });
    expect(request.volumeConfigurations).toEqual([
      {
        name: "dataset",
        managedEBSVolume: {
          roleArn: ROLE,
          volumeType: "gp3",
          sizeInGiB: 2,
          throughput: 500,
          filesystemType: "ext4",
          terminationPolicy: { deleteOnTermination: false },
          tagSpecifications: [
            {
              resourceType: "volume",
              tags: [
                { key: "aegis:dataset", value: DATASET },
                { key: "aegis:manifest-sha256", value: manifestSha },
                { key: "aegis:snapshot-attempt", value: attempt },
                { key: "Name", value: `aegis-bt dataset ${DATASET}` },
              ],
            },
          ],
        },
      },
    ]);

    // The snapshot, tagged; the volume it was made from, gone.
    const [snap, ...more] = await snapshotsOf(DATASET);
    expect(more).toEqual([]);
    expect(snap?.SnapshotId).toBe(snapshotId);
    expect(snap?.VolumeId).toBe(exec.volumes[0]);
    expect(tagMap(snap?.Tags)).toEqual({ "aegis:dataset": DATASET, "aegis:manifest-sha256": manifestSha, "aegis:snapshot-attempt": attempt, Name: `aegis-bt ${DATASET} ${manifestSha.slice(0, 12)}` });
    expect(snap?.Description).toBe(`aegis-bt dataset ${DATASET}, manifest sha256 ${manifestSha}`);
    expect(await volumesTagged("aegis:snapshot-attempt", attempt)).toEqual([]);
    expect(r.err).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^dataset ${DATASET}: manifest sha256 ${manifestSha}, 5\\.37 KiB of files; volume 2 GiB \\(its files × 1\\.2 \\+ 1 GiB; --size to choose\\)$`)),
        ...PULL_LOG,
        `snapshotting volume ${exec.volumes[0]}: ${snapshotId}`,
        `snapshot ${snapshotId}: completed 100%`,
        `deleted volume ${exec.volumes[0]}`,
        `snapshot ${snapshotId} of ${DATASET} (manifest ${manifestSha.slice(0, 8)}…) is completed; runs without --snapshot attach it`,
      ]),
    );

    // Listed: by dataset list's count, and by dataset snapshots as the one runs use.
    const list = await cli("dataset", "list");
    expect(list.out[0]).toMatch(/^NAME\s+SIZE\s+ROWS\s+TICKERS\s+SPAN\s+SNAPSHOTS\s+STATE$/);
    expect(list.out[1]).toMatch(new RegExp(`^${DATASET}\\s+.*\\s+1\\s+complete$`));
    const listed = await cli("dataset", "snapshots", DATASET);
    expect(listed.out[0]).toMatch(/^SNAPSHOT\s+STATE\s+PROGRESS\s+SIZE\s+STARTED\s+MANIFEST\s+CURRENT$/);
    expect(listed.out[1]).toMatch(new RegExp(`^${snapshotId}\\s+completed\\s+100%\\s+2 GiB\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\s+${manifestSha.slice(0, 8)}…\\s+yes \\(runs use it\\)$`));
    expect(listed.out).toHaveLength(2);
  });

  it("a pull that fails: its volume deleted, no snapshot, one line with the exit code and the log tail before it", async () => {
    const log = ['{"event":"pull_start","dataset":"synthetic-spx-7y"}', '{"level":"error","msg":"SPX/2021.arrow: sha256 4b1f… but the manifest says 9c0e…"}'];
    const exec = executor(() => ({ exitCode: 3, log }));
    let r;
    try {
      r = await cli("dataset", "snapshot", DATASET, "--wait", "--size", "5");
    } finally {
      await exec.done();
    }
    expect(r.code).toBe(1);
    expect(runTasks[0]?.volumeConfigurations?.[0]?.managedEBSVolume?.sizeInGiB).toBe(5);
    expect(exec.volumes).toHaveLength(1);
    expect(r.err.slice(-5)).toEqual([
      "--- last 2 log lines ---",
      ...log,
      "---",
      expect.stringMatching(
        new RegExp(`^aegis-launch: error: the snapshot of dataset ${DATASET} failed: the pull task arn:aws:ecs:\\S+ ended with exit code 3, Essential container in task exited; its volume ${exec.volumes[0]} was deleted$`),
      ),
    ]);
    expect(await volumesTagged("aegis:dataset", DATASET)).toEqual([]);
    expect(await snapshotsOf(DATASET)).toEqual([]);
  });

  it("without --wait: a snapshot already completed has its volume deleted too; only its id on stdout", async () => {
    const exec = executor(() => ({ exitCode: 0, log: [] }));
    let r;
    try {
      r = await cli("dataset", "snapshot", DATASET);
    } finally {
      await exec.done();
    }
    expect(r.code, r.err.join("\n")).toBe(0);
    expect(r.out).toEqual([(await snapshotsOf(DATASET))[0]?.SnapshotId]);
    expect(await volumesTagged("aegis:dataset", DATASET)).toEqual([]);
  });

  it("refuses a dataset without a manifest, and a --size too small for it, before starting anything", async () => {
    await aws.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "datasets/half/SPX/2020.arrow", Body: "x" }));
    const cases: [string[], string][] = [
      [["dataset", "snapshot", "half"], `aegis-launch: error: dataset half is incomplete: s3://${BUCKET}/datasets/half/manifest.json does not exist (an upload under way or interrupted); finish the upload before making a snapshot`],
      [["dataset", "snapshot", "nothing"], `aegis-launch: error: no dataset nothing: nothing under s3://${BUCKET}/datasets/nothing/ (upload it with aegis-launch dataset upload)`],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args);
      expect(r.code).toBe(1);
      expect(r.err).toEqual([message]);
    }
    const dry = await cli("dataset", "snapshot", DATASET, "--dry-run", "--size", "3");
    expect(dry.code, dry.err.join("\n")).toBe(0);
    expect(JSON.parse(dry.out.join("\n"))).toMatchObject({ dataset: DATASET, manifestSha256: manifestSha, sizeGiB: 3, runTask: { taskDefinition: pullTaskDefinition } });
    expect(runTasks).toEqual([]);
  });
});

describe("dataset snapshot --via stepfunctions", () => {
  it("starts the state machine with {dataset, manifestSha256, sizeGiB} and prints the execution", async () => {
    const r = await cli("dataset", "snapshot", DATASET, "--via", "stepfunctions", "--size", "4");
    expect(r.code, r.err.join("\n")).toBe(0);
    const executionArn = r.out[0] as string;
    expect(executionArn).toMatch(new RegExp(`^arn:aws:states:${REGION}:123456789012:execution:aegis-bt-dataset-snapshot:synthetic-spx-7y-snap-\\d{8}-\\d{6}-[0-9a-f]{6}$`));
    const execution = await aws.sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(JSON.parse(execution.input as string)).toEqual({ dataset: DATASET, manifestSha256: manifestSha, sizeGiB: 4 });
    expect(execution.status).toBe("RUNNING");
    expect(runTasks).toEqual([]);
  });

  it("--wait polls moto's execution to its end (moto runs no definition: the test aborts it)", async () => {
    const executionArn = await startSnapshotExecution(aws.sfn, { stateMachineArn, name: "follow-me", input: JSON.stringify({ dataset: DATASET, manifestSha256: manifestSha, sizeGiB: 2 }) });
    const statuses: string[] = [];
    const waiting = waitForExecution({ sfn: aws.sfn, ec2: aws.ec2 }, executionArn, { poll: { baseMs: 50, maxMs: 100 }, onEvent: (e) => e.type === "status" && statuses.push(e.status) });
    await delay(300);
    await aws.sfn.send(new StopExecutionCommand({ executionArn, error: "aegis.Test", cause: "stopped by the test" }));
    await expect(waiting).rejects.toThrow(`execution ${executionArn} ended ABORTED`);
    expect(statuses).toEqual(["RUNNING", "ABORTED"]);
  });
});

describe("dataset snapshots: listing and deleting", () => {
  it("lists each snapshot with its manifest and whether runs use it; deletes one after asking, refuses another dataset's", async () => {
    const older = await makeSnapshot(manifestSha);
    await delay(1100); // moto's start times have whole seconds
    const newest = await makeSnapshot(manifestSha);
    await delay(1100);
    const stale = await makeSnapshot("c".repeat(64));
    const foreign = await makeSnapshot(manifestSha, "other-dataset");

    const r = await cli("dataset", "snapshots", DATASET);
    expect(r.code, r.err.join("\n")).toBe(0);
    expect(r.out.map((l) => l.split(/\s{2,}/).filter((_, i) => i !== 4))).toEqual([
      ["SNAPSHOT", "STATE", "PROGRESS", "SIZE", "MANIFEST", "CURRENT"],
      [stale, "completed", "100%", "2 GiB", "cccccccc…", "no"],
      [newest, "completed", "100%", "2 GiB", `${manifestSha.slice(0, 8)}…`, "yes (runs use it)"],
      [older, "completed", "100%", "2 GiB", `${manifestSha.slice(0, 8)}…`, "yes"],
    ]);
    const json = JSON.parse((await cli("dataset", "snapshots", DATASET, "--json")).out.join("\n"));
    expect(json.manifestSha256).toBe(manifestSha);
    expect(json.snapshots.map((s: { snapshotId: string; current: boolean; used: boolean }) => [s.snapshotId, s.current, s.used])).toEqual([
      [stale, false, false],
      [newest, true, true],
      [older, true, false],
    ]);

    const noTerminal = await cli("dataset", "snapshots", DATASET, "--delete", newest);
    expect(noTerminal.code).toBe(1);
    expect(noTerminal.err[0]).toMatch(new RegExp(`^aegis-launch: error: not deleting snapshot ${newest} without confirmation: stdin is not a terminal; pass --yes to delete snapshot ${newest} of dataset ${DATASET} \\(completed, 2 GiB`));
    const declined = await cliWith({ interactive: true, answer: "n" }, "dataset", "snapshots", DATASET, "--delete", newest);
    expect(declined.err).toEqual([`aegis-launch: error: not confirmed: snapshot ${newest} is untouched`]);
    expect(declined.asked[0]).toMatch(/; runs use it now and will then use an older one or S3\? \[y\/N\] $/);
    const yes = await cliWith({ interactive: true, answer: "y" }, "dataset", "snapshots", DATASET, "--delete", newest);
    expect(yes.code, yes.err.join("\n")).toBe(0);
    expect(yes.out[0]).toMatch(new RegExp(`^deleted snapshot ${newest} of dataset ${DATASET}`));
    expect((await snapshotsOf(DATASET)).map((s) => s.SnapshotId).sort()).toEqual([older, stale].sort());

    const refused = await cli("dataset", "snapshots", DATASET, "--delete", foreign, "--yes");
    expect(refused.err).toEqual([`aegis-launch: error: snapshot ${foreign} is not a snapshot of dataset ${DATASET} (its aegis:dataset tag is other-dataset): not touching it`]);
    expect(await snapshotsOf("other-dataset")).toHaveLength(1);
  });

  it("shows a volume a snapshot attempt left behind, and deletes it once detached", async () => {
    const v = await aws.ec2.send(
      new CreateVolumeCommand({
        AvailabilityZone: `${REGION}a`,
        Size: 2,
        VolumeType: "gp3",
        TagSpecifications: [{ ResourceType: "volume", Tags: [{ Key: "aegis:dataset", Value: DATASET }, { Key: "aegis:snapshot-attempt", Value: "synthetic-spx-7y-snap-x" }] }],
      }),
    );
    const r = await cli("dataset", "snapshots", DATASET);
    expect(r.out[0]).toBe(`no EBS snapshots of dataset ${DATASET} (aegis-launch dataset snapshot ${DATASET} makes one)`);
    expect(r.out[2]).toMatch(/^volumes of snapshot attempts of synthetic-spx-7y \(under way, or left behind/);
    expect(r.out[4]).toMatch(new RegExp(`^${v.VolumeId}\\s+available\\s+2 GiB\\s+.* UTC\\s+attempt synthetic-spx-7y-snap-x$`));
    const gone = await cli("dataset", "snapshots", DATASET, "--delete-volume", v.VolumeId as string, "--yes");
    expect(gone.code, gone.err.join("\n")).toBe(0);
    expect(await volumesTagged("aegis:dataset", DATASET)).toEqual([]);
  });
});

describe("submit and sweep choose the snapshot", () => {
  const request = (out: string[]) => JSON.parse(out.join("\n")) as { runTask: RunTaskCommandInput } & { runTask?: RunTaskCommandInput[] };

  it("the newest completed snapshot of the dataset's current manifest; another manifest's is passed over, saying why", async () => {
    const older = await makeSnapshot(manifestSha);
    await delay(1100);
    const newest = await makeSnapshot(manifestSha);
    await delay(1100);
    const stale = await makeSnapshot("c".repeat(64));

    const r = await cli("submit", scenarioFile, "--dry-run");
    expect(r.code, r.err.join("\n")).toBe(0);
    expect(r.err).toEqual([
      expect.stringMatching(new RegExp(`^using snapshot ${newest} of ${DATASET} \\(manifest ${manifestSha.slice(0, 8)}…\\), completed \\(started \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\)$`)),
      `not using snapshot ${stale}: it holds manifest cccccccc…, not the dataset's current ${manifestSha.slice(0, 8)}… (the dataset was uploaded again since)`,
    ]);
    const run = request(r.out).runTask;
    expect(run.taskDefinition).toBe(runTaskDefinition);
    expect(run.volumeConfigurations?.[0]).toEqual({
      name: "dataset",
      managedEBSVolume: { snapshotId: newest, roleArn: ROLE, volumeType: "gp3", filesystemType: "ext4", terminationPolicy: { deleteOnTermination: true } },
    });
    expect(older).not.toBe(newest);

    const sweep = await cli("sweep", sweepFile, "--shards", "2", "--dry-run");
    expect(sweep.code, sweep.err.join("\n")).toBe(0);
    expect(sweep.err[0]).toMatch(new RegExp(`^using snapshot ${newest} of ${DATASET}`));
    const shards = JSON.parse(sweep.out.join("\n")).runTask as RunTaskCommandInput[];
    expect(shards.map((s) => [s.taskDefinition, s.volumeConfigurations?.[0]?.managedEBSVolume?.snapshotId])).toEqual([
      [runTaskDefinition, newest],
      [runTaskDefinition, newest],
    ]);

    // --no-snapshot, and an explicit --snapshot, as before.
    const none = await cli("submit", scenarioFile, "--dry-run", "--no-snapshot");
    expect(request(none.out).runTask.taskDefinition).toBe(s3TaskDefinition);
    expect(request(none.out).runTask.volumeConfigurations).toBeUndefined();
    const explicit = await cli("submit", scenarioFile, "--dry-run", "--snapshot", "snap-0123456789abcdef0");
    expect(explicit.err).toEqual([]);
    expect(request(explicit.out).runTask.volumeConfigurations?.[0]?.managedEBSVolume?.snapshotId).toBe("snap-0123456789abcdef0");
  });

  it("only another manifest's snapshot: not used, said why, and the run reads S3", async () => {
    const stale = await makeSnapshot("c".repeat(64));
    const r = await cli("submit", scenarioFile, "--dry-run");
    expect(r.err).toEqual([
      `no completed EBS snapshot of ${DATASET} with its manifest ${manifestSha.slice(0, 8)}…: the task reads the dataset from S3 Files, or syncs the partitions it needs from S3`,
      `not using snapshot ${stale}: it holds manifest cccccccc…, not the dataset's current ${manifestSha.slice(0, 8)}… (the dataset was uploaded again since)`,
    ]);
    expect(request(r.out).runTask.taskDefinition).toBe(s3TaskDefinition);
    expect(request(r.out).runTask.volumeConfigurations).toBeUndefined();
    const sweep = await cli("sweep", sweepFile, "--shards", "2", "--dry-run");
    expect(sweep.err[0]).toMatch(/^no completed EBS snapshot of synthetic-spx-7y with its manifest/);
    expect((JSON.parse(sweep.out.join("\n")).runTask as RunTaskCommandInput[]).every((s) => s.taskDefinition === s3TaskDefinition && s.volumeConfigurations === undefined)).toBe(true);
  });
});
