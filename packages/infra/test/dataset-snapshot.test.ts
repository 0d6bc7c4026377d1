// The dataset snapshot lifecycle: the pull task definition, the state machine's definition (states in
// order, the catches, the volume and snapshot tags, deleteOnTermination false) and its role's IAM.
import type { CfnElement } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type * as iam from "aws-cdk-lib/aws-iam";
import { describe, expect, it } from "vitest";
import type { ComputeStack } from "../src/compute/compute-stack.js";
import { buildApp } from "./helpers.js";

type Resources = Record<string, { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] }>;
type State = {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: Array<{ Condition: string; Next: string; Assign?: Record<string, unknown> }>;
  Catch?: Array<{ ErrorEquals: string[]; Next: string; Assign?: Record<string, unknown> }>;
  Retry?: Array<{ ErrorEquals: string[]; MaxAttempts: number }>;
  Resource?: string;
  Arguments?: Record<string, unknown>;
  Assign?: Record<string, unknown>;
  Output?: unknown;
  Error?: string;
  Cause?: string;
  Seconds?: number;
  TimeoutSeconds?: number;
};
interface Definition {
  StartAt: string;
  States: Record<string, State>;
  QueryLanguage?: string;
  TimeoutSeconds?: number;
}

const stack = buildApp().compute;
const template = Template.fromStack(stack);
const resources = template.toJSON().Resources as Resources;

function logicalId(s: ComputeStack, construct: { node: { defaultChild?: unknown } }): string {
  return s.getLogicalId(construct.node.defaultChild as CfnElement);
}

const snapshot = stack.datasetSnapshot;
const stateMachine = resources[logicalId(stack, snapshot.stateMachine)]!.Properties;
const pullTaskDefinition = resources[logicalId(stack, snapshot.pullTaskDefinition)]!.Properties;

/**
 * The definition as Step Functions reads it: the `Fn::Join` parts concatenated, each CloudFormation
 * reference replaced by `<ref:N>`, with `tokens[N]` the reference itself.
 */
function definition(): { def: Definition; tokens: unknown[] } {
  const parts = (stateMachine.DefinitionString as { "Fn::Join": [string, unknown[]] })["Fn::Join"][1];
  const tokens: unknown[] = [];
  const text = parts.map((p) => (typeof p === "string" ? p : `<ref:${tokens.push(p) - 1}>`)).join("");
  return { def: JSON.parse(text) as Definition, tokens };
}
const { def, tokens } = definition();
const states = def.States;
const state = (name: string): State => {
  const s = states[name];
  expect(s, name).toBeDefined();
  return s!;
};
const ref = (text: unknown): unknown => tokens[Number(/^<ref:(\d+)>$/.exec(String(text))?.[1])];

/** Every state a state can go to next, by any edge: Next, Default, a choice, a catch. */
function successors(s: State): string[] {
  return [s.Next, s.Default, ...(s.Choices ?? []).map((c) => c.Next), ...(s.Catch ?? []).map((c) => c.Next)].filter(
    (x): x is string => x !== undefined,
  );
}
function predecessors(name: string): string[] {
  return Object.entries(states)
    .filter(([, s]) => successors(s).includes(name))
    .map(([n]) => n)
    .sort();
}

/** The happy path, state by state. */
const HAPPY_PATH = [
  "CheckInput",
  "PullDatasetOntoVolume",
  "CheckPull",
  "FindVolume",
  "VolumeReady",
  "SnapshotVolume",
  "WaitForSnapshot",
  "CheckSnapshot",
  "SnapshotDone",
  "DeleteVolume",
  "SnapshotReady",
];
/** The states after the task has started (it may have made a volume): each must lead to the cleanup on error. */
const AFTER_THE_TASK_STARTS = ["PullDatasetOntoVolume", "FindVolume", "SnapshotVolume", "CheckSnapshot", "DeleteVolume"];

describe("the dataset pull task definition", () => {
  it("runs the aegis-bt image as its user with the dataset volume configured at launch, read-write at /mnt/data", () => {
    expect(pullTaskDefinition).toMatchObject({
      Family: "aegis-bt-dataset-pull",
      Cpu: "4096",
      Memory: "8192",
      NetworkMode: "awsvpc",
      RequiresCompatibilities: ["FARGATE"],
      RuntimePlatform: { OperatingSystemFamily: "LINUX", CpuArchitecture: "X86_64" },
      Volumes: [{ Name: "dataset", ConfiguredAtLaunch: true }],
    });
    const [container, ...more] = pullTaskDefinition.ContainerDefinitions as Array<Record<string, unknown>>;
    expect(more).toEqual([]);
    expect(container).toMatchObject({
      Name: "aegis-bt",
      EntryPoint: ["aegis-bt"],
      Command: ["dataset", "pull"],
      // The Dockerfile's USER: named here, ECS makes the new volume writable for it.
      User: "10001:10001",
      MountPoints: [{ SourceVolume: "dataset", ContainerPath: "/mnt/data", ReadOnly: false }],
      StopTimeout: 120,
    });
  });

  it("shares the run tasks' image, environment, log group and roles: the task role still writes only results/", () => {
    const runs = resources[logicalId(stack, stack.task.taskDefinition)]!.Properties;
    const runContainer = (runs.ContainerDefinitions as Array<Record<string, unknown>>)[0]!;
    const container = (pullTaskDefinition.ContainerDefinitions as Array<Record<string, unknown>>)[0]!;
    expect(container.Image).toEqual(runContainer.Image);
    expect(container.Environment).toEqual(runContainer.Environment);
    expect(container.LogConfiguration).toEqual(runContainer.LogConfiguration);
    expect(pullTaskDefinition.TaskRoleArn).toEqual({ "Fn::GetAtt": [logicalId(stack, stack.task.taskRole), "Arn"] });
    expect(pullTaskDefinition.ExecutionRoleArn).toEqual({ "Fn::GetAtt": [logicalId(stack, stack.task.executionRole as iam.Role), "Arn"] });
    // (compute-stack.test.ts checks the task role's grants exactly: nothing was added for the pull.)
  });
});

describe("the dataset snapshot state machine", () => {
  it("is a JSONata state machine named aegis-bt-dataset-snapshot, logged (ALL) and traced, with a 24 h bound", () => {
    expect(stateMachine).toMatchObject({
      StateMachineName: "aegis-bt-dataset-snapshot",
      RoleArn: { "Fn::GetAtt": [logicalId(stack, snapshot.role), "Arn"] },
      LoggingConfiguration: {
        Level: "ALL",
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { "Fn::GetAtt": [logicalId(stack, snapshot.logGroup), "Arn"] } } }],
      },
      TracingConfiguration: { Enabled: true },
    });
    // Created after its role's policy (the role itself is implied by RoleArn).
    const policy = Object.entries(resources).find(
      ([, r]) => r.Type === "AWS::IAM::Policy" && JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: logicalId(stack, snapshot.role) }]),
    );
    expect(resources[logicalId(stack, snapshot.stateMachine)]?.DependsOn).toEqual([policy?.[0]]);
    expect(def.QueryLanguage).toBe("JSONata");
    expect(def.TimeoutSeconds).toBe(86400);
    template.hasResourceProperties("AWS::Logs::LogGroup", { LogGroupName: "/aws/vendedlogs/states/aegis-bt-dataset-snapshot", RetentionInDays: 30 });
  });

  it("runs its states in order: check, pull, find the volume, snapshot, wait until completed, delete the volume", () => {
    expect(def.StartAt).toBe(HAPPY_PATH[0]);
    // Each step leads to the next by a transition (Next, a choice or the default), never by a catch.
    const transitions = (s: State) => [s.Next, s.Default, ...(s.Choices ?? []).map((c) => c.Next)];
    for (let i = 1; i < HAPPY_PATH.length; i++) {
      expect(transitions(state(HAPPY_PATH[i - 1]!)), `${HAPPY_PATH[i - 1]} → ${HAPPY_PATH[i]}`).toContain(HAPPY_PATH[i]);
    }
    expect(state("CheckPull").Default).toBe("FindVolume");
    expect(state("VolumeReady").Choices?.[0]?.Next).toBe("SnapshotVolume");
    expect(state("SnapshotReady").Type).toBe("Succeed");
    // The only way to succeed is through DeleteVolume, after the snapshot completed.
    expect(predecessors("SnapshotReady")).toEqual(["DeleteVolume"]);
    expect(predecessors("DeleteVolume")).toEqual(["SnapshotDone"]);
    expect(state("SnapshotDone").Choices?.[0]?.Condition).toBe("{% $snapshot.State = 'completed' %}");
    // The waits loop back: the volume until it is detached, the snapshot until it is completed.
    expect(state("VolumeReady").Default).toBe("WaitForVolumeToDetach");
    expect(state("WaitForVolumeToDetach")).toMatchObject({ Type: "Wait", Seconds: 15, Next: "FindVolume" });
    expect(state("SnapshotDone").Default).toBe("WaitForSnapshot");
    expect(state("WaitForSnapshot")).toMatchObject({ Type: "Wait", Seconds: 60, Next: "CheckSnapshot" });
  });

  it("refuses bad input before anything starts", () => {
    const check = state("CheckInput");
    expect(check.Default).toBe("InputRejected");
    expect(state("InputRejected")).toMatchObject({ Type: "Fail", Error: "aegis.BadInput" });
    const condition = check.Choices?.[0]?.Condition ?? "";
    for (const part of ["/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/", "/^[0-9a-f]{64}$/", "$type($states.input.sizeGiB) = 'number'", "<= 16384"]) {
      expect(condition).toContain(part);
    }
    expect(check.Choices?.[0]?.Assign).toEqual({
      dataset: "{% $states.input.dataset %}",
      manifestSha256: "{% $states.input.manifestSha256 %}",
      sizeGiB: "{% $states.input.sizeGiB %}",
      execution: "{% $states.context.Execution.Id %}",
      volumeWaits: 0,
    });
  });

  it("runs the pull task to completion (.sync) with an empty managed gp3 volume that survives it, tagged", () => {
    const pull = state("PullDatasetOntoVolume");
    expect(pull.Type).toBe("Task");
    expect(pull.Resource).toMatch(/^arn:<ref:\d+>:states:::ecs:runTask\.sync$/);
    expect(ref(pull.Resource?.slice(4, pull.Resource.indexOf(":states")))).toEqual({ Ref: "AWS::Partition" });
    expect(pull.TimeoutSeconds).toBe(12 * 3600);
    const args = pull.Arguments as Record<string, unknown> & { VolumeConfigurations: Array<Record<string, unknown>> };
    expect(ref(args.Cluster)).toEqual({ "Fn::GetAtt": [logicalId(stack, stack.cluster), "Arn"] });
    expect(args.TaskDefinition).toBe("aegis-bt-dataset-pull");
    expect(args.LaunchType).toBe("FARGATE");
    expect(args).not.toHaveProperty("CapacityProviderStrategy");
    expect(args.VolumeConfigurations).toHaveLength(1);
    const [volume] = args.VolumeConfigurations;
    expect(volume).toEqual({
      Name: "dataset",
      ManagedEBSVolume: {
        RoleArn: expect.stringMatching(/^<ref:\d+>$/),
        SizeInGiB: "{% $sizeGiB %}",
        VolumeType: "gp3",
        Throughput: 500,
        FilesystemType: "ext4",
        TerminationPolicy: { DeleteOnTermination: false },
        TagSpecifications: [
          {
            ResourceType: "volume",
            Tags: [
              { Key: "aegis:dataset", Value: "{% $dataset %}" },
              { Key: "aegis:manifest-sha256", Value: "{% $manifestSha256 %}" },
              { Key: "aegis:execution", Value: "{% $execution %}" },
              { Key: "Name", Value: "{% 'aegis-bt dataset ' & $dataset %}" },
            ],
          },
        ],
      },
    });
    expect(ref((volume!.ManagedEBSVolume as { RoleArn: string }).RoleArn)).toEqual({
      "Fn::GetAtt": [logicalId(stack, stack.infrastructureRole.role), "Arn"],
    });
  });

  it("runs `aegis-bt dataset pull --bucket <b> --dataset <name> --out /mnt/data --manifest-sha256 <sha>`", () => {
    const overrides = state("PullDatasetOntoVolume").Arguments?.Overrides as { ContainerOverrides: Array<{ Name: string; Command: string[] }> };
    expect(overrides.ContainerOverrides).toHaveLength(1);
    const { Name, Command } = overrides.ContainerOverrides[0]!;
    expect(Name).toBe("aegis-bt");
    expect(Command.map((a) => a.replace(/<ref:(\d+)>/g, (_, n: string) => JSON.stringify(tokens[Number(n)])))).toEqual([
      "dataset",
      "pull",
      '--bucket',
      'aegis-bt-data-{"Ref":"AWS::AccountId"}-{"Ref":"AWS::Region"}',
      "--dataset",
      "{% $dataset %}",
      "--out",
      "/mnt/data",
      "--manifest-sha256",
      "{% $manifestSha256 %}",
    ]);
  });

  it("finds the volume by the execution's tag and snapshots it only once it is detached", () => {
    const filter = { Filters: [{ Name: "tag:aegis:execution", Values: ["{% $execution %}"] }] };
    expect(state("FindVolume")).toMatchObject({ Resource: expect.stringMatching(/:states:::aws-sdk:ec2:describeVolumes$/), Arguments: filter });
    expect(state("FindVolumeToDelete")).toMatchObject({ Resource: expect.stringMatching(/:states:::aws-sdk:ec2:describeVolumes$/), Arguments: filter });
    const ready = state("VolumeReady").Choices?.[0];
    expect(ready).toMatchObject({
      Condition: "{% $count($volumes) = 1 and $volumes[0].State = 'available' %}",
      Assign: { volumeId: "{% $volumes[0].VolumeId %}" },
      Next: "SnapshotVolume",
    });
  });

  it("tags the snapshot with the dataset, its manifest sha256, the execution and a Name", () => {
    const s = state("SnapshotVolume");
    expect(s.Resource).toMatch(/:states:::aws-sdk:ec2:createSnapshot$/);
    expect(s.Arguments).toEqual({
      VolumeId: "{% $volumeId %}",
      Description: "{% 'aegis-bt dataset ' & $dataset & ', manifest sha256 ' & $manifestSha256 %}",
      TagSpecifications: [
        {
          ResourceType: "snapshot",
          Tags: [
            { Key: "aegis:dataset", Value: "{% $dataset %}" },
            { Key: "aegis:manifest-sha256", Value: "{% $manifestSha256 %}" },
            { Key: "aegis:execution", Value: "{% $execution %}" },
            { Key: "Name", Value: "{% 'aegis-bt ' & $dataset & ' ' & $substring($manifestSha256, 0, 12) %}" },
          ],
        },
      ],
    });
    expect(state("CheckSnapshot")).toMatchObject({
      Resource: expect.stringMatching(/:states:::aws-sdk:ec2:describeSnapshots$/),
      Arguments: { SnapshotIds: ["{% $snapshotId %}"] },
    });
    expect(state("DeleteVolume")).toMatchObject({
      Resource: expect.stringMatching(/:states:::aws-sdk:ec2:deleteVolume$/),
      Arguments: { VolumeId: "{% $volumeId %}" },
    });
  });

  it("catches every error of every step after the task starts, and goes to the cleanup", () => {
    for (const name of AFTER_THE_TASK_STARTS) {
      expect(state(name).Catch, name).toEqual([
        { ErrorEquals: ["States.ALL"], Next: "StartCleanup", Assign: { failure: "{% $states.errorOutput %}", failedAt: name } },
      ]);
    }
    // A failure a Choice finds goes there too: a non-zero exit, no detached volume, a snapshot in error
    // or never completed (the unfinished snapshot is deleted on the way).
    const toCleanup = (name: string) => (state(name).Choices ?? []).filter((c) => ["StartCleanup", "DeleteUnfinishedSnapshot"].includes(c.Next));
    expect(toCleanup("CheckPull").map((c) => c.Assign?.failure)).toEqual([expect.objectContaining({ Error: "aegis.PullFailed" })]);
    expect(toCleanup("VolumeReady").map((c) => c.Assign?.failure)).toEqual([expect.objectContaining({ Error: "aegis.VolumeNotReady" })]);
    expect(toCleanup("SnapshotDone").map((c) => c.Assign?.failure)).toEqual([
      expect.objectContaining({ Error: "aegis.SnapshotFailed" }),
      expect.objectContaining({ Error: "aegis.SnapshotTimedOut" }),
    ]);
    expect(state("DeleteUnfinishedSnapshot")).toMatchObject({
      Resource: expect.stringMatching(/:states:::aws-sdk:ec2:deleteSnapshot$/),
      Arguments: { SnapshotId: "{% $snapshotId %}" },
      Next: "StartCleanup",
      Catch: [{ ErrorEquals: ["States.ALL"], Next: "StartCleanup" }],
    });
  });

  it("cleans up by deleting every volume of the execution, then fails with a clear cause", () => {
    expect(state("StartCleanup")).toMatchObject({ Type: "Pass", Next: "FindVolumeToDelete", Assign: { cleanupWaits: 0 } });
    expect(state("FindVolumeToDelete").Next).toBe("AnyVolumeLeft");
    expect(state("AnyVolumeLeft").Choices?.map((c) => c.Next)).toEqual(["LifecycleFailed", "DeleteVolumeAfterFailure", "WaitBeforeDeleting"]);
    expect(state("AnyVolumeLeft").Default).toBe("CleanupFailed");
    expect(state("DeleteVolumeAfterFailure")).toMatchObject({
      Resource: expect.stringMatching(/:states:::aws-sdk:ec2:deleteVolume$/),
      Arguments: { VolumeId: "{% $leftover[0].VolumeId %}" },
      // Back to the search: the execution fails only once none is left.
      Next: "FindVolumeToDelete",
      Catch: [{ ErrorEquals: ["States.ALL"], Next: "CleanupFailed" }],
    });
    expect(state("LifecycleFailed")).toMatchObject({ Type: "Fail", Error: "{% $failure.Error %}" });
    expect(state("LifecycleFailed").Cause).toContain("'aegis-bt: the snapshot of dataset ' & $dataset");
    expect(state("LifecycleFailed").Cause).toContain("no volume of this execution is left");
    expect(state("CleanupFailed")).toMatchObject({ Type: "Fail", Error: "aegis.CleanupFailed" });
    expect(state("CleanupFailed").Cause).toContain("delete the EBS volumes tagged aegis:execution=' & $execution & ' by hand");
    // The execution fails only through the cleanup (or on bad input, before any task).
    expect(predecessors("LifecycleFailed")).toEqual(["AnyVolumeLeft"]);
    expect(predecessors("CleanupFailed")).toEqual(["AnyVolumeLeft", "DeleteVolumeAfterFailure", "FindVolumeToDelete"]);
    expect(predecessors("InputRejected")).toEqual(["CheckInput"]);
    const fails = Object.entries(states).filter(([, s]) => s.Type === "Fail").map(([n]) => n).sort();
    expect(fails).toEqual(["CleanupFailed", "InputRejected", "LifecycleFailed"]);
  });

  it("bounds every wait, and retries the EC2 calls a few times", () => {
    expect(state("VolumeReady").Choices?.[1]?.Condition).toBe("{% $count($volumes) != 1 or $volumeWaits >= 40 %}");
    expect(state("SnapshotDone").Choices?.[2]?.Condition).toBe("{% $snapshotPolls >= 600 %}");
    expect(state("AnyVolumeLeft").Choices?.[2]?.Condition).toBe("{% $cleanupWaits < 40 %}");
    for (const [name, s] of Object.entries(states)) {
      if (s.Resource?.includes(":aws-sdk:ec2:")) expect(s.Retry, name).toEqual([expect.objectContaining({ ErrorEquals: ["States.ALL"], MaxAttempts: 3 })]);
    }
    // No retry of the pull: another attempt would make another volume.
    expect(state("PullDatasetOntoVolume").Retry).toBeUndefined();
  });
});

describe("the state machine's role", () => {
  const roleId = logicalId(stack, snapshot.role);
  const statements = Object.values(resources)
    .filter((r) => r.Type === "AWS::IAM::Policy" && JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement);
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
  const grants = statements.flatMap((st) => list(st.Action).map((action) => ({ action: action as string, st })));
  const volumes = { "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":ec2:", { Ref: "AWS::Region" }, ":", { Ref: "AWS::AccountId" }, ":volume/*"]] };
  // Snapshot ARNs have no account.
  const snapshots = { "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":ec2:", { Ref: "AWS::Region" }, "::snapshot/*"]] };
  const executions = {
    "Fn::Join": [
      "",
      ["arn:", { Ref: "AWS::Partition" }, ":states:", { Ref: "AWS::Region" }, ":", { Ref: "AWS::AccountId" }, ":execution:aegis-bt-dataset-snapshot:*"],
    ],
  };
  const onOwnResources = {
    StringLike: { "aws:ResourceTag/aegis:execution": executions },
    Null: { "aws:ResourceTag/aegis:dataset": "false", "aws:ResourceTag/aegis:manifest-sha256": "false" },
  };
  const inTheRequest = {
    StringLike: { "aws:RequestTag/aegis:execution": executions },
    Null: { "aws:RequestTag/aegis:dataset": "false", "aws:RequestTag/aegis:manifest-sha256": "false" },
    "ForAllValues:StringEquals": { "aws:TagKeys": ["aegis:dataset", "aegis:manifest-sha256", "aegis:execution", "Name"] },
  };

  it("grants exactly these actions, and nothing of S3", () => {
    expect([...new Set(grants.map((g) => g.action))].sort()).toEqual(
      [
        "ec2:CreateSnapshot",
        "ec2:CreateTags",
        "ec2:DeleteSnapshot",
        "ec2:DeleteVolume",
        "ec2:DescribeSnapshots",
        "ec2:DescribeVolumes",
        "ecs:DescribeTasks",
        "ecs:RunTask",
        "ecs:StopTask",
        "events:DescribeRule",
        "events:PutRule",
        "events:PutTargets",
        "iam:PassRole",
        // State-machine logging and tracing (no resource-level permissions).
        "logs:CreateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:DescribeLogGroups",
        "logs:DescribeResourcePolicies",
        "logs:GetLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:UpdateLogDelivery",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
      ].sort(),
    );
    for (const st of statements) {
      expect(st.Effect).toBe("Allow");
      expect(st).not.toHaveProperty("NotAction");
      expect(st).not.toHaveProperty("NotResource");
    }
  });

  it("snapshots, deletes and tags only volumes and snapshots its executions tag; describes on '*'", () => {
    const of = (action: string) => grants.filter((g) => g.action === action).map((g) => ({ Resource: g.st.Resource, Condition: g.st.Condition }));
    expect(of("ec2:DescribeVolumes")).toEqual([{ Resource: "*", Condition: undefined }]);
    expect(of("ec2:DescribeSnapshots")).toEqual([{ Resource: "*", Condition: undefined }]);
    expect(of("ec2:CreateSnapshot")).toEqual([
      { Resource: volumes, Condition: onOwnResources },
      { Resource: snapshots, Condition: inTheRequest },
    ]);
    expect(of("ec2:CreateTags")).toEqual([
      { Resource: snapshots, Condition: { ...inTheRequest, StringEquals: { "ec2:CreateAction": "CreateSnapshot" } } },
    ]);
    expect(of("ec2:DeleteVolume")).toEqual([{ Resource: volumes, Condition: onOwnResources }]);
    expect(of("ec2:DeleteSnapshot")).toEqual([{ Resource: snapshots, Condition: onOwnResources }]);
    // The role creates no volume: ECS does, with the infrastructure role, from the task's volume configuration.
    expect(grants.map((g) => g.action)).not.toContain("ec2:CreateVolume");
  });

  it("runs only the pull task definition and passes only its roles and the ECS infrastructure role", () => {
    expect(grants.filter((g) => g.action === "ecs:RunTask").map((g) => g.st.Resource)).toEqual([{ Ref: logicalId(stack, snapshot.pullTaskDefinition) }]);
    const passed = grants.filter((g) => g.action === "iam:PassRole").map((g) => ({ Resource: g.st.Resource, Condition: g.st.Condition }));
    expect(passed).toEqual([
      {
        Resource: { "Fn::GetAtt": [logicalId(stack, stack.infrastructureRole.role), "Arn"] },
        Condition: { StringEquals: { "iam:PassedToService": "ecs.amazonaws.com" } },
      },
      {
        Resource: [
          { "Fn::GetAtt": [logicalId(stack, stack.task.executionRole as iam.Role), "Arn"] },
          { "Fn::GetAtt": [logicalId(stack, stack.task.taskRole), "Arn"] },
        ],
        Condition: undefined,
      },
    ]);
    expect(grants.filter((g) => g.st.Resource === "*").map((g) => g.action).filter((a) => !/^(logs|xray):/.test(a)).sort()).toEqual([
      "ec2:DescribeSnapshots",
      "ec2:DescribeVolumes",
      "ecs:DescribeTasks",
      "ecs:StopTask",
    ]);
  });

  it("is assumable only by Step Functions for this state machine in this account", () => {
    expect(resources[roleId]?.Properties.AssumeRolePolicyDocument).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Action: "sts:AssumeRole",
          Effect: "Allow",
          Principal: { Service: "states.amazonaws.com" },
          Condition: {
            ArnLike: {
              "aws:SourceArn": {
                "Fn::Join": [
                  "",
                  ["arn:", { Ref: "AWS::Partition" }, ":states:", { Ref: "AWS::Region" }, ":", { Ref: "AWS::AccountId" }, ":stateMachine:aegis-bt-dataset-snapshot"],
                ],
              },
            },
            StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
          },
        },
      ],
    });
    expect(resources[roleId]?.Properties.ManagedPolicyArns).toBeUndefined();
  });
});
