// Dataset snapshots without AWS: the pull task's request, the volume size, which snapshot a run
// attaches and what it says, and the lifecycle's branches moto cannot show (a pending snapshot, one
// in error, a task that fails to start, a lookup that is denied), with mocked clients.
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { CreateSnapshotCommand, DeleteSnapshotCommand, DeleteVolumeCommand, DescribeSnapshotsCommand, DescribeVolumesCommand, EC2Client, type Snapshot } from "@aws-sdk/client-ec2";
import { DescribeTasksCommand, ECSClient, RunTaskCommand } from "@aws-sdk/client-ecs";
import { DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import type { SnapshotLaunchConfig } from "../src/config.ts";
import { buildDatasetPullRequest, buildStartExecution, checkVolumeSize, defaultVolumeGiB, snapshotDataset, waitForExecution, type SnapshotEvent, type SnapshotSource } from "../src/dataset-snapshot.ts";
import { RunFailedError } from "../src/errors.ts";
import { buildRunTaskRequest } from "../src/runtask.ts";
import { chooseSnapshot, describeChoice, findRunSnapshot, withSnapshotCounts, type DatasetSnapshot } from "../src/snapshots.ts";
import { chooseRunSnapshot, planRun, prepareRun } from "../src/submit.ts";
import { chooseSweepSnapshot, planSweep, prepareSweep, sweepDryRun } from "../src/sweep.ts";
import { CONFIG, SCENARIO, SWEEP_SCENARIO, awsError, fakeClock, memoryS3, task } from "./fixtures.ts";

const SHA = "a".repeat(64);
const OTHER = "b".repeat(64);
const ATTEMPT = "spx-snap-20261121-134501-1a2b3c";
const SNAP_CONFIG: SnapshotLaunchConfig = { ...CONFIG, datasetPullTaskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/aegis-bt-dataset-pull:3", ecsInfrastructureRoleArn: CONFIG.ecsInfrastructureRoleArn as string, datasetVolumeName: "dataset" };
const SOURCE: SnapshotSource = { dataset: "spx", bucket: CONFIG.bucket, uri: `s3://${CONFIG.bucket}/datasets/spx/`, manifestSha256: SHA, bytes: 5 * 1024 ** 3, sizeGiB: 7, sizeGiven: false };
const settings = { region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 };

function snap(id: string, over: Partial<DatasetSnapshot> = {}): DatasetSnapshot {
  return { snapshotId: id, dataset: "spx", manifestSha256: SHA, state: "completed", progress: "100%", sizeGiB: 7, startTime: new Date("2026-11-20T10:00:00Z"), ...over };
}

function ec2Snapshot(id: string, state: string, progress: string, sha = SHA): Snapshot {
  return {
    SnapshotId: id,
    State: state as Snapshot["State"],
    Progress: progress,
    VolumeSize: 7,
    StartTime: new Date("2026-11-21T14:00:00Z"),
    Tags: [
      { Key: "aegis:dataset", Value: "spx" },
      { Key: "aegis:manifest-sha256", Value: sha },
      { Key: "aegis:snapshot-attempt", Value: ATTEMPT },
    ],
  };
}

const volume = (state: string) => ({ VolumeId: "vol-0123456789abcdef0", State: state as "available", Size: 7, Tags: [{ Key: "aegis:dataset", Value: "spx" }, { Key: "aegis:snapshot-attempt", Value: ATTEMPT }] });

describe("the pull task's request", () => {
  it("runs aegis-bt dataset pull on an empty managed volume that survives the task, tagged with the dataset, its manifest and the attempt", () => {
    expect(buildDatasetPullRequest(SNAP_CONFIG, SOURCE, ATTEMPT)).toEqual({
      cluster: CONFIG.cluster,
      taskDefinition: SNAP_CONFIG.datasetPullTaskDefinition,
      count: 1,
      launchType: "FARGATE",
      networkConfiguration: { awsvpcConfiguration: { subnets: CONFIG.subnets, securityGroups: CONFIG.securityGroups, assignPublicIp: "DISABLED" } },
      overrides: {
        containerOverrides: [{ name: "aegis-bt", command: ["dataset", "pull", "--bucket", CONFIG.bucket, "--dataset", "spx", "--out", "/mnt/data", "--manifest-sha256", SHA] }],
      },
      clientToken: `${ATTEMPT}-a1`,
      startedBy: ATTEMPT,
      tags: [
        { key: "aegis:dataset", value: "spx" },
        { key: "aegis:snapshot-attempt", value: ATTEMPT },
      ],
      propagateTags: "TASK_DEFINITION",
      enableExecuteCommand: false,
      volumeConfigurations: [
        {
          name: "dataset",
          managedEBSVolume: {
            roleArn: CONFIG.ecsInfrastructureRoleArn,
            volumeType: "gp3",
            sizeInGiB: 7,
            throughput: 500,
            filesystemType: "ext4",
            terminationPolicy: { deleteOnTermination: false },
            tagSpecifications: [
              {
                resourceType: "volume",
                tags: [
                  { key: "aegis:dataset", value: "spx" },
                  { key: "aegis:manifest-sha256", value: SHA },
                  { key: "aegis:snapshot-attempt", value: ATTEMPT },
                  { key: "Name", value: "aegis-bt dataset spx" },
                ],
              },
            ],
          },
        },
      ],
    });
  });

  it("starts the state machine with its input contract, the attempt as the execution's name", () => {
    expect(buildStartExecution("arn:sm", SOURCE, ATTEMPT)).toEqual({ stateMachineArn: "arn:sm", name: ATTEMPT, input: JSON.stringify({ dataset: "spx", manifestSha256: SHA, sizeGiB: 7 }) });
  });

  it("sizes the volume at the manifest's bytes × 1.2 + 1 GiB, and refuses sizes gp3 or the dataset cannot take", () => {
    const GIB = 1024 ** 3;
    expect([0, 1, GIB / 2, GIB, 10 * GIB, 400 * GIB].map(defaultVolumeGiB)).toEqual([1, 2, 2, 3, 13, 481]);
    expect(checkVolumeSize(6, 5 * GIB, "spx", true)).toBe(6);
    expect(() => checkVolumeSize(4, 5 * GIB, "spx", true)).toThrow("--size 4 GiB cannot hold dataset spx: its files are 5.00 GiB (the default, 7 GiB, adds headroom for the file system)");
    expect(() => checkVolumeSize(20000, GIB, "spx", true)).toThrow("--size 20000 is more than 16384 GiB, gp3's largest volume");
    expect(() => checkVolumeSize(defaultVolumeGiB(14000 * GIB), 14000 * GIB, "huge", false)).toThrow("dataset huge needs a volume of 16801 GiB, but a gp3 volume holds at most 16384 GiB");
  });
});

describe("which snapshot a run attaches", () => {
  it("the newest completed snapshot of the current manifest; the others are passed over, saying why", () => {
    const snapshots = [
      snap("snap-00000000000000001", { startTime: new Date("2026-11-01T00:00:00Z") }),
      snap("snap-00000000000000002", { startTime: new Date("2026-11-10T00:00:00Z"), completionTime: new Date("2026-11-10T00:42:00Z") }),
      snap("snap-00000000000000003", { startTime: new Date("2026-11-12T00:00:00Z"), manifestSha256: OTHER }),
      snap("snap-00000000000000004", { startTime: new Date("2026-11-13T00:00:00Z"), state: "pending", progress: "40%" }),
      snap("snap-00000000000000005", { startTime: new Date("2026-11-14T00:00:00Z"), state: "error", progress: "7%" }),
      snap("snap-00000000000000006", { startTime: new Date("2026-11-15T00:00:00Z"), manifestSha256: undefined }),
    ];
    const choice = chooseSnapshot(snapshots, SHA);
    expect(choice.chosen?.snapshotId).toBe("snap-00000000000000002");
    expect(describeChoice("spx", SHA, choice)).toEqual([
      "using snapshot snap-00000000000000002 of spx (manifest aaaaaaaa…), completed 2026-11-10 00:42 UTC",
      "not using snapshot snap-00000000000000006: it has no aegis:manifest-sha256 tag, so its data cannot be matched to the manifest",
      "not using snapshot snap-00000000000000005: it is error, not completed",
      "not using snapshot snap-00000000000000004: it is pending (40%), not completed",
      "not using snapshot snap-00000000000000003: it holds manifest bbbbbbbb…, not the dataset's current aaaaaaaa… (the dataset was uploaded again since)",
    ]);
  });

  it("equal start times: the larger id, so the choice never depends on the listing's order", () => {
    const t = new Date("2026-11-10T00:00:00Z");
    const a = snap("snap-0000000000000000a", { startTime: t });
    const b = snap("snap-0000000000000000b", { startTime: t });
    expect(chooseSnapshot([a, b], SHA).chosen?.snapshotId).toBe("snap-0000000000000000b");
    expect(chooseSnapshot([b, a], SHA).chosen?.snapshotId).toBe("snap-0000000000000000b");
  });

  it("none of the manifest: S3 Files or the S3 sync, saying so and why each was passed over", () => {
    expect(describeChoice("spx", SHA, chooseSnapshot([snap("snap-00000000000000003", { manifestSha256: OTHER })], SHA))).toEqual([
      "no completed EBS snapshot of spx with its manifest aaaaaaaa…: the task reads the dataset from S3 Files, or syncs the partitions it needs from S3",
      "not using snapshot snap-00000000000000003: it holds manifest bbbbbbbb…, not the dataset's current aaaaaaaa… (the dataset was uploaded again since)",
    ]);
    expect(describeChoice("spx", SHA, chooseSnapshot([], SHA))).toEqual([
      "no EBS snapshot of spx: the task reads the dataset from S3 Files, or syncs the partitions it needs from S3 (aegis-launch dataset snapshot spx makes one)",
    ]);
  });

  it("counts, per dataset listing, the completed snapshots of its current manifest", () => {
    const listing = (name: string, sha?: string) => ({ name, uri: `s3://b/datasets/${name}/`, complete: sha !== undefined, objects: 1, bytes: 1, ...(sha && { manifestSha256: sha }) });
    const counted = withSnapshotCounts(
      [listing("spx", SHA), listing("ndx", OTHER), listing("half")],
      [snap("snap-00000000000000001"), snap("snap-00000000000000002", { state: "pending" }), snap("snap-00000000000000003", { manifestSha256: OTHER }), snap("snap-00000000000000004", { dataset: "half" })],
    );
    expect(counted.map((d) => d.snapshots)).toEqual([1, 0, undefined]);
  });

  it("submit: the lookup goes through the EC2 client given; --snapshot and --no-snapshot look up nothing", async () => {
    const manifest = Buffer.from('{"name":"synthetic-spx-7y"}');
    const { s3 } = memoryS3(new Map([["datasets/synthetic-spx-7y/manifest.json", manifest]]));
    const ec2 = new EC2Client(settings);
    const mock = mockClient(ec2);
    const sha = (await import("../src/dataset-manifest.ts")).manifestSha256(manifest);
    mock.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ ...ec2Snapshot("snap-0123456789abcdef0", "completed", "100%", sha) }, { ...ec2Snapshot("snap-0123456789abcdef1", "completed", "100%", OTHER), StartTime: new Date("2026-11-22T00:00:00Z") }] });
    const now = new Date("2026-11-21T13:45:01Z");

    const run = prepareRun({ scenarioText: SCENARIO, source: "s.yaml", now });
    const chosen = await chooseRunSnapshot({ s3, ec2 }, run, CONFIG);
    expect(mock.commandCalls(DescribeSnapshotsCommand)[0]?.args[0].input).toEqual({ OwnerIds: ["self"], Filters: [{ Name: "tag:aegis:dataset", Values: ["synthetic-spx-7y"] }] });
    expect(chosen.notes).toEqual([
      `using snapshot snap-0123456789abcdef0 of synthetic-spx-7y (manifest ${sha.slice(0, 8)}…), completed (started 2026-11-21 14:00 UTC)`,
      `not using snapshot snap-0123456789abcdef1: it holds manifest bbbbbbbb…, not the dataset's current ${sha.slice(0, 8)}… (the dataset was uploaded again since)`,
    ]);
    const request = buildRunTaskRequest(planRun(chosen.run, CONFIG));
    expect(request.taskDefinition).toBe(CONFIG.taskDefinition);
    expect(request.volumeConfigurations?.[0]?.managedEBSVolume).toMatchObject({ snapshotId: "snap-0123456789abcdef0", terminationPolicy: { deleteOnTermination: true } });

    mock.resetHistory();
    const explicit = await chooseRunSnapshot({ s3, ec2 }, prepareRun({ scenarioText: SCENARIO, source: "s.yaml", snapshot: "snap-0fedcba987654321f", now }), CONFIG);
    expect(explicit.notes).toEqual([]);
    expect(explicit.run.snapshot).toEqual({ snapshotId: "snap-0fedcba987654321f" });
    const none = await chooseRunSnapshot({ s3, ec2 }, prepareRun({ scenarioText: SCENARIO, source: "s.yaml", noSnapshot: true, now }), CONFIG);
    expect(none.notes).toEqual(["--no-snapshot: the task reads synthetic-spx-7y from S3 Files, or syncs the partitions it needs from S3"]);
    expect(buildRunTaskRequest(planRun(none.run, CONFIG)).taskDefinition).toBe(CONFIG.s3TaskDefinition);
    expect(mock.commandCalls(DescribeSnapshotsCommand)).toHaveLength(0);
    expect(() => prepareRun({ scenarioText: SCENARIO, source: "s.yaml", snapshot: "snap-0fedcba987654321f", noSnapshot: true })).toThrow("--snapshot and --no-snapshot contradict each other: give one");

    // A configuration that cannot attach a volume does not look.
    const { ecsInfrastructureRoleArn: _r, ...noRole } = CONFIG;
    expect((await chooseRunSnapshot({ s3, ec2 }, run, noRole)).notes[0]).toMatch(/^not looking for EBS snapshots of synthetic-spx-7y: the configuration lacks EcsInfrastructureRoleArn/);
    expect(mock.commandCalls(DescribeSnapshotsCommand)).toHaveLength(0);
  });

  it("sweep on Fargate: every shard attaches the chosen snapshot; the Batch lane looks up nothing and refuses --snapshot", async () => {
    const manifest = Buffer.from('{"name":"synthetic-spx-7y"}');
    const sha = (await import("../src/dataset-manifest.ts")).manifestSha256(manifest);
    const { s3 } = memoryS3(new Map([["datasets/synthetic-spx-7y/manifest.json", manifest]]));
    const ec2 = new EC2Client(settings);
    const mock = mockClient(ec2);
    mock.on(DescribeSnapshotsCommand).resolves({ Snapshots: [ec2Snapshot("snap-0123456789abcdef0", "completed", "100%", sha)] });
    const sweep = await prepareSweep({ scenarioText: SWEEP_SCENARIO, source: "s.yaml", shards: 2 });
    const chosen = await chooseSweepSnapshot({ s3, ec2 }, sweep, CONFIG);
    expect(chosen.notes[0]).toMatch(/^using snapshot snap-0123456789abcdef0 of synthetic-spx-7y/);
    const plan = sweepDryRun(chosen.sweep, planSweep(chosen.sweep, { ...CONFIG, source: "test" }), { done: new Set(), merged: false });
    expect(plan.runTask?.map((r) => [r.taskDefinition, r.volumeConfigurations?.[0]?.managedEBSVolume?.snapshotId])).toEqual([
      [CONFIG.taskDefinition, "snap-0123456789abcdef0"],
      [CONFIG.taskDefinition, "snap-0123456789abcdef0"],
    ]);

    mock.resetHistory();
    const batch = await prepareSweep({ scenarioText: SWEEP_SCENARIO, source: "s.yaml", shards: 2, lane: "batch" });
    expect(await chooseSweepSnapshot({ s3, ec2 }, batch, CONFIG)).toEqual({ sweep: batch, notes: [] });
    expect(mock.commandCalls(DescribeSnapshotsCommand)).toHaveLength(0);
    await expect(prepareSweep({ scenarioText: SWEEP_SCENARIO, source: "s.yaml", shards: 2, lane: "batch", snapshot: "snap-0123456789abcdef0" })).rejects.toThrow(
      "--snapshot and --no-snapshot apply to the Fargate lane: AWS Batch cannot attach an EBS volume, so its jobs read S3 Files or sync from S3",
    );
  });

  it("a lookup that fails is a note and the S3 fallback, never a failed run", async () => {
    const { s3 } = memoryS3(new Map([["datasets/spx/manifest.json", Buffer.from("{}")]]));
    const ec2 = new EC2Client(settings);
    mockClient(ec2).on(DescribeSnapshotsCommand).rejects(awsError("UnauthorizedOperation", "You are not authorized to perform this operation.", 403));
    const r = await findRunSnapshot({ s3, ec2 }, CONFIG.bucket, "spx");
    expect(r.snapshotId).toBeUndefined();
    expect(r.notes).toEqual([
      'could not look for EBS snapshots of spx (access denied while describing the EBS snapshots of dataset spx in us-east-1: You are not authorized to perform this operation.; these credentials need ec2:DescribeSnapshots (docs/remote.md, "IAM for users")): the task reads the dataset from S3 Files, or syncs the partitions it needs from S3',
    ]);
  });
});

/** ECS, EC2 and logs mocks for one lifecycle: the task stops as `stopped` says. */
function lifecycle(stopped: Parameters<typeof task>[0], exitCode: number | undefined, snapshots: Snapshot[][]) {
  const ecs = new ECSClient(settings);
  const ec2 = new EC2Client(settings);
  const logs = new CloudWatchLogsClient(settings);
  const calls: string[] = [];
  const ecsMock = mockClient(ecs);
  ecsMock.on(RunTaskCommand).resolves({ tasks: [task()], failures: [] });
  ecsMock.on(DescribeTasksCommand).resolves({ tasks: [task({ lastStatus: "STOPPED", ...stopped }, exitCode)] });
  const ec2Mock = mockClient(ec2);
  let volumeState = "available";
  ec2Mock.on(DescribeVolumesCommand).callsFake(() => ({ Volumes: volumeState === "deleted" ? [] : [volume(volumeState)] }));
  ec2Mock.on(CreateSnapshotCommand).callsFake(() => {
    calls.push("CreateSnapshot");
    return { SnapshotId: "snap-0123456789abcdef0", State: "pending" };
  });
  let poll = 0;
  ec2Mock.on(DescribeSnapshotsCommand).callsFake(() => {
    calls.push("DescribeSnapshots");
    return { Snapshots: snapshots[Math.min(poll++, snapshots.length - 1)] };
  });
  ec2Mock.on(DeleteVolumeCommand).callsFake((i: { VolumeId: string }) => {
    calls.push(`DeleteVolume ${i.VolumeId}`);
    volumeState = "deleted";
    return {};
  });
  ec2Mock.on(DeleteSnapshotCommand).callsFake((i: { SnapshotId: string }) => {
    calls.push(`DeleteSnapshot ${i.SnapshotId}`);
    return {};
  });
  mockClient(logs).callsFake(() => ({ events: [{ message: "pulled SPX/2020.arrow" }, { message: "error: SPX/2021.arrow: sha256 differs" }], nextForwardToken: "t" }));
  return { deps: { ecs, ec2, logs, clock: fakeClock() }, calls, ec2Mock };
}

const quick = { poll: { baseMs: 10, maxMs: 10 }, volumePoll: { intervalMs: 10, polls: 3 }, snapshotPoll: { baseMs: 10, maxMs: 10 } };

describe("the lifecycle's branches", () => {
  it("--wait: progress until completed, only then DeleteVolume", async () => {
    const { deps, calls } = lifecycle({}, 0, [[ec2Snapshot("snap-0123456789abcdef0", "pending", "0%")], [ec2Snapshot("snap-0123456789abcdef0", "pending", "40%")], [ec2Snapshot("snap-0123456789abcdef0", "completed", "100%")]]);
    const events: SnapshotEvent[] = [];
    const r = await snapshotDataset(deps, { config: SNAP_CONFIG, source: SOURCE, attemptId: ATTEMPT, wait: true, ...quick, onEvent: (e) => events.push(e) });
    expect(r).toMatchObject({ snapshotId: "snap-0123456789abcdef0", volumeId: "vol-0123456789abcdef0", state: "completed", volumeDeleted: true });
    expect(calls).toEqual(["CreateSnapshot", "DescribeSnapshots", "DescribeSnapshots", "DescribeSnapshots", "DeleteVolume vol-0123456789abcdef0"]);
    expect(events.filter((e) => e.type === "progress").map((e) => (e as { progress?: string }).progress)).toEqual(["0%", "40%", "100%"]);
  });

  it("without --wait a pending snapshot keeps its volume, for dataset snapshots --delete-volume later", async () => {
    const { deps, calls } = lifecycle({}, 0, [[ec2Snapshot("snap-0123456789abcdef0", "pending", "3%")]]);
    const r = await snapshotDataset(deps, { config: SNAP_CONFIG, source: SOURCE, attemptId: ATTEMPT, ...quick });
    expect(r).toMatchObject({ state: "pending", volumeDeleted: false });
    expect(calls).toEqual(["CreateSnapshot", "DescribeSnapshots"]);
  });

  it("a snapshot in error is deleted, and the volume with it", async () => {
    const { deps, calls } = lifecycle({}, 0, [[ec2Snapshot("snap-0123456789abcdef0", "error", "12%")]]);
    const err = await snapshotDataset(deps, { config: SNAP_CONFIG, source: SOURCE, attemptId: ATTEMPT, wait: true, ...quick }).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      "the snapshot of dataset spx failed: snapshot snap-0123456789abcdef0 failed (state error, 12%); snapshot snap-0123456789abcdef0 was deleted, its volume vol-0123456789abcdef0 was deleted",
    );
    expect(calls).toEqual(["CreateSnapshot", "DescribeSnapshots", "DeleteSnapshot snap-0123456789abcdef0", "DeleteVolume vol-0123456789abcdef0"]);
  });

  it("a pull that exits non-zero: the volume deleted, nothing snapshotted, the exit code and the log tail in the error", async () => {
    const { deps, calls } = lifecycle({ stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited" }, 2, [[]]);
    const err = await snapshotDataset(deps, { config: SNAP_CONFIG, source: SOURCE, attemptId: ATTEMPT, wait: true, ...quick }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunFailedError);
    expect((err as RunFailedError).message).toMatch(/^the snapshot of dataset spx failed: the pull task arn:aws:ecs:\S+ ended with exit code 2, EssentialContainerExited, Essential container in task exited; its volume vol-0123456789abcdef0 was deleted$/);
    expect((err as RunFailedError).details).toMatchObject({ runId: ATTEMPT, exitCode: 2, logTail: ["pulled SPX/2020.arrow", "error: SPX/2021.arrow: sha256 differs"] });
    expect(calls).toEqual(["DeleteVolume vol-0123456789abcdef0"]);
  });

  it("a task that failed to start, or stopped with no exit code, is a failure too: no snapshot of an unknown volume", async () => {
    for (const [stopped, reason] of [
      [{ stopCode: "TaskFailedToStart", stoppedReason: "ResourceInitializationError: unable to attach EBS volume" }, "TaskFailedToStart: ResourceInitializationError: unable to attach EBS volume"],
      [{ stoppedReason: "Task stopped by user" }, "stopped without an exit code (no exit code, Task stopped by user)"],
    ] as const) {
      const { deps, calls } = lifecycle(stopped, undefined, [[]]);
      const err = await snapshotDataset(deps, { config: SNAP_CONFIG, source: SOURCE, attemptId: ATTEMPT, ...quick }).catch((e: unknown) => e);
      expect((err as Error).message).toContain(`ended with ${reason}; its volume vol-0123456789abcdef0 was deleted`);
      expect(calls).toEqual(["DeleteVolume vol-0123456789abcdef0"]);
    }
  });

  it("a volume that stays attached is waited for within the limit, then named in the error", async () => {
    const { deps, ec2Mock } = lifecycle({ stoppedReason: "x" }, 1, [[]]);
    ec2Mock.on(DescribeVolumesCommand).resolves({ Volumes: [{ ...volume("in-use"), Attachments: [{ State: "attached" }] }] });
    const err = await snapshotDataset(deps, { config: SNAP_CONFIG, source: SOURCE, attemptId: ATTEMPT, ...quick }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /; and its volume could not be deleted \(volume vol-0123456789abcdef0 \(in-use\) could not be deleted: still attached after 0 s\): aegis-launch dataset snapshots spx lists it, --delete-volume <id> deletes it$/,
    );
  });
});

describe("the state machine's execution", () => {
  it("polls DescribeExecution until SUCCEEDED, showing the snapshot's progress, and returns its snapshotId", async () => {
    const sfn = new SFNClient(settings);
    const statuses = ["RUNNING", "RUNNING", "SUCCEEDED"];
    let n = 0;
    mockClient(sfn)
      .on(DescribeExecutionCommand)
      .callsFake(() => {
        const status = statuses[Math.min(n++, statuses.length - 1)];
        return status === "SUCCEEDED" ? { status, output: JSON.stringify({ snapshotId: "snap-0123456789abcdef0", dataset: "spx" }) } : { status };
      });
    const ec2 = new EC2Client(settings);
    const ec2Mock = mockClient(ec2);
    ec2Mock.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ ...ec2Snapshot("snap-0123456789abcdef0", "pending", "55%"), Tags: [{ Key: "aegis:dataset", Value: "spx" }, { Key: "aegis:execution", Value: "arn:exec" }] }] });
    const events: unknown[] = [];
    const r = await waitForExecution({ sfn, ec2, clock: fakeClock() }, "arn:exec", { onEvent: (e) => events.push(e) });
    expect(r.snapshotId).toBe("snap-0123456789abcdef0");
    expect(ec2Mock.commandCalls(DescribeSnapshotsCommand)[0]?.args[0].input.Filters).toEqual([{ Name: "tag:aegis:execution", Values: ["arn:exec"] }]);
    expect(events).toEqual([
      { type: "status", status: "RUNNING" },
      { type: "progress", snapshotId: "snap-0123456789abcdef0", state: "pending", progress: "55%" },
      { type: "progress", snapshotId: "snap-0123456789abcdef0", state: "pending", progress: "55%" },
      { type: "status", status: "SUCCEEDED" },
    ]);
  });

  it("a failed execution throws its error and cause", async () => {
    const sfn = new SFNClient(settings);
    mockClient(sfn).on(DescribeExecutionCommand).resolves({ status: "FAILED", error: "aegis.PullFailed", cause: "aegis-bt: the snapshot of dataset spx failed in PullDatasetOntoVolume" });
    await expect(waitForExecution({ sfn, clock: fakeClock() }, "arn:exec")).rejects.toThrow("execution arn:exec ended FAILED: aegis.PullFailed: aegis-bt: the snapshot of dataset spx failed in PullDatasetOntoVolume");
  });
});
