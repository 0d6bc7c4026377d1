// The EBS-snapshot lifecycle of a dataset as a Step Functions state machine (docs/remote.md, "The
// dataset snapshot state machine"): a task pulls the dataset onto an empty managed EBS volume that
// survives it, the volume is snapshotted and tagged, the snapshot awaited, the volume deleted. Every
// step after the task starts has a catch that deletes the volume before the execution fails.
import { Aws, Duration, RemovalPolicy, Stack, Validations, type CfnElement } from "aws-cdk-lib";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import { flattenCfnReference } from "cdk-nag/lib/utils/flatten-cfn-reference.js";
import { Construct } from "constructs";
import {
  CONTAINER_NAME,
  DATASET_PULL_FAMILY,
  DATASET_VOLUME_NAME,
  EBS_MOUNT,
  LOG_STREAM_PREFIX,
  SNAPSHOT_STATE_MACHINE_NAME,
  SNAPSHOT_TAGS,
  STOP_TIMEOUT_SECONDS,
} from "../contract.js";
import { fargateSize, validateFargateSize } from "../fargate-size.js";
import { memoryReservationMiB, type BacktestTask } from "./backtest-task.js";
import type { Network } from "./network.js";

/** The pull task's size: hashing and writing, not backtesting (4 vCPU hash in parallel; 8 GB is plenty). */
export const DATASET_PULL_SIZE = fargateSize(4, 8);
/** The image's user (packages/infra/docker/Dockerfile): ECS then makes the new volume writable for it. */
const IMAGE_USER = "10001:10001";
/** gp3 throughput of the volume being filled (MiB/s; 125 is gp3's baseline): the pull writes at S3's pace. */
const PULL_VOLUME_THROUGHPUT = 500;

/** Bounds of the lifecycle's waits, so no execution waits for ever and none outlives its cleanup. */
export const SNAPSHOT_LIFECYCLE_LIMITS = {
  /** The pull task: Step Functions stops one that runs longer, and the catch deletes the volume. */
  pullTimeout: Duration.hours(12),
  /** Between checks of the volume's state after the task stopped (detached = file system unmounted). */
  volumePoll: Duration.seconds(15),
  volumePolls: 40,
  /** Between checks of the snapshot's state (a few hundred GiB take tens of minutes). */
  snapshotPoll: Duration.seconds(60),
  snapshotPolls: 600,
  /** The whole execution; the bounds above end every path well before it. */
  execution: Duration.hours(24),
} as const;

export interface DatasetSnapshotProps {
  /** Whose image, roles, log group and environment the pull task reuses. */
  readonly task: BacktestTask;
  readonly cluster: ecs.ICluster;
  readonly network: Network;
  /** The ECS infrastructure role that creates the managed volume. */
  readonly infrastructureRole: iam.IRole;
  /** The data bucket, by name: `aegis-bt dataset pull --bucket`. */
  readonly bucketName: string;
  readonly logRetention: logs.RetentionDays;
}

/** A JSONata expression (`{% … %}`). */
const j = (expression: string) => `{% ${expression} %}`;

/** RunTask on Fargate with one more parameter: the managed EBS volume of the dataset. */
class FargateWithVolume implements tasks.IEcsLaunchTarget {
  constructor(private readonly volumeConfiguration: Record<string, unknown>) {}

  bind(task: tasks.EcsRunTask, options: tasks.LaunchTargetBindOptions): tasks.EcsLaunchTargetConfig {
    // aws-cdk-lib 2.276's EcsRunTask has no volume configurations; a launch target's parameters are
    // merged into the RunTask arguments, so the volume rides on the Fargate launch target's.
    const fargate = new tasks.EcsFargateLaunchTarget({ platformVersion: ecs.FargatePlatformVersion.LATEST }).bind(task, options);
    return { parameters: { ...fargate.parameters, VolumeConfigurations: [this.volumeConfiguration] } };
  }
}

export class DatasetSnapshot extends Construct {
  /** Runs `aegis-bt dataset pull` with the dataset volume read-write at /mnt/data. */
  readonly pullTaskDefinition: ecs.FargateTaskDefinition;
  readonly pullContainer: ecs.ContainerDefinition;
  readonly stateMachine: sfn.StateMachine;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: DatasetSnapshotProps) {
    super(scope, id);
    const { task } = props;
    const { account, region, partition } = Stack.of(this);

    // The pull task: the run tasks' image, roles, logs and environment, with the dataset volume
    // writable (a run mounts it read-only) and the image's user named, so that ECS gives that user
    // write access to the new volume's root.
    const size = validateFargateSize(DATASET_PULL_SIZE);
    this.pullTaskDefinition = new ecs.FargateTaskDefinition(this, "PullTaskDefinition", {
      family: DATASET_PULL_FAMILY,
      cpu: size.cpu,
      memoryLimitMiB: size.memoryMiB,
      runtimePlatform: { operatingSystemFamily: ecs.OperatingSystemFamily.LINUX, cpuArchitecture: ecs.CpuArchitecture.X86_64 },
      taskRole: task.taskRole,
      executionRole: task.executionRole,
    });
    Validations.of(this.pullTaskDefinition).acknowledge({
      id: "AwsSolutions-ECS2",
      reason:
        "The environment holds no secrets, only the dataset S3 URI and mount paths (docs/remote.md); the dataset and its manifest sha256 come as the command's arguments.",
    });
    this.pullContainer = this.pullTaskDefinition.addContainer("Container", {
      containerName: CONTAINER_NAME,
      image: task.image,
      entryPoint: ["aegis-bt"],
      command: ["dataset", "pull"],
      user: IMAGE_USER,
      essential: true,
      stopTimeout: Duration.seconds(STOP_TIMEOUT_SECONDS),
      memoryReservationMiB: memoryReservationMiB(size.memoryMiB),
      environment: { ...task.environment },
      logging: ecs.LogDrivers.awsLogs({ logGroup: task.logGroup, streamPrefix: LOG_STREAM_PREFIX }),
    });
    this.pullTaskDefinition.addVolume({ name: DATASET_VOLUME_NAME, configuredAtLaunch: true });
    this.pullContainer.addMountPoints({ sourceVolume: DATASET_VOLUME_NAME, containerPath: EBS_MOUNT, readOnly: false });

    // Executions are named by Step Functions; their ARNs share this prefix. Volumes and snapshots
    // carry their execution's ARN, which is what the role below is limited to.
    const executionArns = `arn:${partition}:states:${region}:${account}:execution:${SNAPSHOT_STATE_MACHINE_NAME}:*`;
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.PrincipalWithConditions(new iam.ServicePrincipal("states.amazonaws.com"), {
        ArnLike: { "aws:SourceArn": `arn:${partition}:states:${region}:${account}:stateMachine:${SNAPSHOT_STATE_MACHINE_NAME}` },
        StringEquals: { "aws:SourceAccount": account },
      }),
      description: "aegis-bt dataset snapshots: run the pull task, snapshot and delete only the volumes and snapshots its executions tag",
    });
    this.grantEc2(executionArns);
    // ECS passes it on to create, attach and detach the managed volume.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "PassEcsInfrastructureRole",
        actions: ["iam:PassRole"],
        resources: [props.infrastructureRole.roleArn],
        conditions: { StringEquals: { "iam:PassedToService": "ecs.amazonaws.com" } },
      }),
    );

    this.logGroup = new logs.LogGroup(this, "Logs", {
      // The vended-logs prefix keeps CloudWatch's resource policy for Step Functions short.
      logGroupName: `/aws/vendedlogs/states/${SNAPSHOT_STATE_MACHINE_NAME}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.stateMachine = new sfn.StateMachine(this, "StateMachine", {
      stateMachineName: SNAPSHOT_STATE_MACHINE_NAME,
      queryLanguage: sfn.QueryLanguage.JSONATA,
      definitionBody: sfn.DefinitionBody.fromChainable(this.definition(props)),
      role: this.role,
      timeout: SNAPSHOT_LIFECYCLE_LIMITS.execution,
      comment:
        "aegis-bt: input {dataset, manifestSha256, sizeGiB}. Pulls the dataset onto an empty EBS volume (aegis-bt dataset pull), snapshots it with the tags aegis:dataset and aegis:manifest-sha256, deletes the volume; output {snapshotId, …}. docs/remote.md",
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });

    // CDK makes the state machine depend on the role and its policy; the role is already implied by
    // the RoleArn reference (cfn-lint W3005), the policy is not: keep only the policy.
    const policy = this.role.node.findChild("DefaultPolicy").node.defaultChild as CfnElement;
    (this.stateMachine.node.defaultChild as sfn.CfnStateMachine).addOverride("DependsOn", [Stack.of(this).getLogicalId(policy)]);

    Validations.of(this.role).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "Actions without resource-level permissions, granted on '*' as AWS requires: ec2:DescribeVolumes and ec2:DescribeSnapshots (filtered by this execution's tag in the request); ecs:DescribeTasks and ecs:StopTask of the RunTask .sync integration (CDK's EcsRunTask policy; the task ARN is not known in advance); the CloudWatch Logs delivery actions of state-machine logging; the X-Ray actions of tracing.",
    });
    for (const arn of [this.volumeArns(), this.snapshotArns()]) {
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(this).resolve(arn))}]`,
        reason:
          "EBS volume and snapshot ids are made at run time, so the ARN ends in a wildcard; every statement on them is limited by condition to volumes and snapshots tagged aegis:dataset, aegis:manifest-sha256 and aegis:execution with one of this state machine's executions.",
      });
    }
  }

  private volumeArns(): string {
    return `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:volume/*`;
  }

  private snapshotArns(): string {
    return `arn:${Aws.PARTITION}:ec2:${Aws.REGION}::snapshot/*`;
  }

  /**
   * The EC2 permissions, each with the narrowest condition the action supports: the describes on '*'
   * (no resource-level permissions); snapshotting and deleting only volumes, and deleting only
   * snapshots, that carry the aegis tags with one of this state machine's executions; creating only
   * snapshots that are tagged so in the same request, with no other tag keys.
   */
  private grantEc2(executionArns: string): void {
    const ownedByAnExecution = {
      StringLike: { [`aws:ResourceTag/${SNAPSHOT_TAGS.execution}`]: executionArns },
      Null: { [`aws:ResourceTag/${SNAPSHOT_TAGS.dataset}`]: "false", [`aws:ResourceTag/${SNAPSHOT_TAGS.manifestSha256}`]: "false" },
    };
    const taggedInTheRequest = {
      StringLike: { [`aws:RequestTag/${SNAPSHOT_TAGS.execution}`]: executionArns },
      Null: { [`aws:RequestTag/${SNAPSHOT_TAGS.dataset}`]: "false", [`aws:RequestTag/${SNAPSHOT_TAGS.manifestSha256}`]: "false" },
      "ForAllValues:StringEquals": { "aws:TagKeys": [SNAPSHOT_TAGS.dataset, SNAPSHOT_TAGS.manifestSha256, SNAPSHOT_TAGS.execution, "Name"] },
    };
    const statements = [
      new iam.PolicyStatement({
        sid: "DescribeVolumesAndSnapshots",
        actions: ["ec2:DescribeVolumes", "ec2:DescribeSnapshots"],
        resources: ["*"],
      }),
      new iam.PolicyStatement({
        sid: "SnapshotOwnVolumes",
        actions: ["ec2:CreateSnapshot"],
        resources: [this.volumeArns()],
        conditions: ownedByAnExecution,
      }),
      new iam.PolicyStatement({
        sid: "CreateTaggedSnapshots",
        actions: ["ec2:CreateSnapshot"],
        resources: [this.snapshotArns()],
        conditions: taggedInTheRequest,
      }),
      new iam.PolicyStatement({
        sid: "TagSnapshotsAtCreation",
        actions: ["ec2:CreateTags"],
        resources: [this.snapshotArns()],
        conditions: { ...taggedInTheRequest, StringEquals: { "ec2:CreateAction": "CreateSnapshot" } },
      }),
      new iam.PolicyStatement({
        sid: "DeleteOwnVolumes",
        actions: ["ec2:DeleteVolume"],
        resources: [this.volumeArns()],
        conditions: ownedByAnExecution,
      }),
      new iam.PolicyStatement({
        sid: "DeleteOwnUnfinishedSnapshots",
        actions: ["ec2:DeleteSnapshot"],
        resources: [this.snapshotArns()],
        conditions: ownedByAnExecution,
      }),
    ];
    for (const statement of statements) this.role.addToPrincipalPolicy(statement);
  }

  /** An EC2 API call (AWS SDK integration) whose permissions {@link grantEc2} gives, retried on any error. */
  private ec2(id: string, action: string, args: Record<string, unknown>, assign?: Record<string, unknown>): sfn.CustomState {
    return new sfn.CustomState(this, id, {
      stateJson: {
        Type: "Task",
        Resource: `arn:${Aws.PARTITION}:states:::aws-sdk:ec2:${action}`,
        Arguments: args,
        ...(assign && { Assign: assign }),
      },
    }).addRetry({ errors: [sfn.Errors.ALL], interval: Duration.seconds(5), backoffRate: 2, maxAttempts: 3, jitterStrategy: sfn.JitterType.FULL });
  }

  private definition(props: DatasetSnapshotProps): sfn.IChainable {
    const L = SNAPSHOT_LIFECYCLE_LIMITS;
    const T = SNAPSHOT_TAGS;
    const tag = (Key: string, Value: string) => ({ Key, Value });
    const ourTags = [tag(T.dataset, j("$dataset")), tag(T.manifestSha256, j("$manifestSha256")), tag(T.execution, j("$execution"))];
    // Every volume of this execution, found by its tag: the task's attachments do not name the volume.
    const byExecution = { Filters: [{ Name: `tag:${T.execution}`, Values: [j("$execution")] }] };
    /** Where a catch sends the execution, keeping the error and the state it came from. */
    const caught = (from: string): sfn.CatchProps => ({
      errors: [sfn.Errors.ALL],
      assign: { failure: j("$states.errorOutput"), failedAt: from },
    });

    // ---- cleanup: delete every volume of this execution, then fail with the first error ----------
    const failed = sfn.Fail.jsonata(this, "LifecycleFailed", {
      error: j("$failure.Error"),
      cause: j(
        "'aegis-bt: the snapshot of dataset ' & $dataset & ' (manifest sha256 ' & $manifestSha256 & ') failed in ' & $failedAt & ', and no volume of this execution is left. ' & $substring($string($failure.Cause), 0, 8000)",
      ),
    });
    const cleanupFailed = sfn.Fail.jsonata(this, "CleanupFailed", {
      error: "aegis.CleanupFailed",
      cause: j(
        "'aegis-bt: the snapshot of dataset ' & $dataset & ' failed in ' & $failedAt & ' (' & $failure.Error & ': ' & $substring($string($failure.Cause), 0, 4000) & '), and its volume could not be deleted: delete the EBS volumes tagged " +
          T.execution +
          "=' & $execution & ' by hand.'",
      ),
    });
    const findLeftover = this.ec2("FindVolumeToDelete", "describeVolumes", byExecution, {
      leftover: j("[$states.result.Volumes[State != 'deleting' and State != 'deleted']]"),
    }).addCatch(cleanupFailed, { errors: [sfn.Errors.ALL] });
    const deleteLeftover = this.ec2("DeleteVolumeAfterFailure", "deleteVolume", { VolumeId: j("$leftover[0].VolumeId") })
      .addCatch(cleanupFailed, { errors: [sfn.Errors.ALL] })
      .next(findLeftover);
    const waitBeforeDelete = sfn.Wait.jsonata(this, "WaitBeforeDeleting", {
      time: sfn.WaitTime.duration(L.volumePoll),
      assign: { cleanupWaits: j("$cleanupWaits + 1") },
    }).next(findLeftover);
    findLeftover.next(
      sfn.Choice.jsonata(this, "AnyVolumeLeft")
        .when(sfn.Condition.jsonata(j("$count($leftover) = 0")), failed)
        .when(sfn.Condition.jsonata(j("$leftover[0].State = 'available'")), deleteLeftover)
        .when(sfn.Condition.jsonata(j(`$cleanupWaits < ${L.volumePolls}`)), waitBeforeDelete)
        .otherwise(cleanupFailed),
    );
    /** Enters the cleanup with a failure found by a Choice (no error was raised). */
    const failWith = (error: string, cause: string, from: string): sfn.ChoiceTransitionOptions => ({
      assign: { failure: { Error: error, Cause: j(cause) }, failedAt: from },
    });
    // Cleanup starts here: the wait counter first.
    const cleanup = sfn.Pass.jsonata(this, "StartCleanup", { assign: { cleanupWaits: 0 } }).next(findLeftover);

    // ---- the lifecycle -------------------------------------------------------------------------
    const command = [
      "dataset",
      "pull",
      "--bucket",
      props.bucketName,
      "--dataset",
      j("$dataset"),
      "--out",
      EBS_MOUNT,
      "--manifest-sha256",
      j("$manifestSha256"),
    ];
    const pull = tasks.EcsRunTask.jsonata(this, "PullDatasetOntoVolume", {
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      cluster: props.cluster,
      taskDefinition: this.pullTaskDefinition,
      launchTarget: new FargateWithVolume({
        Name: DATASET_VOLUME_NAME,
        ManagedEBSVolume: {
          RoleArn: props.infrastructureRole.roleArn,
          SizeInGiB: j("$sizeGiB"),
          VolumeType: "gp3",
          Throughput: PULL_VOLUME_THROUGHPUT,
          FilesystemType: "ext4",
          // The volume outlives the task: it is snapshotted after the task stops, then deleted.
          TerminationPolicy: { DeleteOnTermination: false },
          TagSpecifications: [
            { ResourceType: "volume", Tags: [...ourTags, tag("Name", j("'aegis-bt dataset ' & $dataset"))] },
          ],
        },
      }),
      containerOverrides: [{ containerDefinition: this.pullContainer, command }],
      subnets: { subnets: props.network.subnets },
      securityGroups: [props.network.securityGroup],
      assignPublicIp: props.network.assignPublicIp,
      taskTimeout: sfn.Timeout.duration(L.pullTimeout),
      // The optimized integration fails the state on a non-zero exit; this catches one it would not.
      assign: { pullExitCodes: j("[$states.result.Containers.ExitCode]") },
      outputs: {},
    }).addCatch(cleanup, caught("PullDatasetOntoVolume"));

    const findVolume = this.ec2("FindVolume", "describeVolumes", byExecution, { volumes: j("[$states.result.Volumes]") });
    findVolume.addCatch(cleanup, caught("FindVolume"));
    const waitForVolume = sfn.Wait.jsonata(this, "WaitForVolumeToDetach", {
      time: sfn.WaitTime.duration(L.volumePoll),
      assign: { volumeWaits: j("$volumeWaits + 1") },
    }).next(findVolume);

    const snapshot = this.ec2(
      "SnapshotVolume",
      "createSnapshot",
      {
        VolumeId: j("$volumeId"),
        Description: j("'aegis-bt dataset ' & $dataset & ', manifest sha256 ' & $manifestSha256"),
        TagSpecifications: [
          {
            ResourceType: "snapshot",
            Tags: [...ourTags, tag("Name", j("'aegis-bt ' & $dataset & ' ' & $substring($manifestSha256, 0, 12)"))],
          },
        ],
      },
      { snapshotId: j("$states.result.SnapshotId"), snapshotPolls: 0 },
    );
    snapshot.addCatch(cleanup, caught("SnapshotVolume"));
    const checkSnapshot = this.ec2("CheckSnapshot", "describeSnapshots", { SnapshotIds: [j("$snapshotId")] }, {
      snapshot: j("$states.result.Snapshots[0]"),
    });
    checkSnapshot.addCatch(cleanup, caught("CheckSnapshot"));
    const waitForSnapshot = sfn.Wait.jsonata(this, "WaitForSnapshot", {
      time: sfn.WaitTime.duration(L.snapshotPoll),
      assign: { snapshotPolls: j("$snapshotPolls + 1") },
    }).next(checkSnapshot);
    // A snapshot in error, or one that never completes, is deleted before the volume.
    const deleteUnfinishedSnapshot = this.ec2("DeleteUnfinishedSnapshot", "deleteSnapshot", { SnapshotId: j("$snapshotId") })
      .addCatch(cleanup, { errors: [sfn.Errors.ALL] })
      .next(cleanup);

    const deleteVolume = this.ec2("DeleteVolume", "deleteVolume", { VolumeId: j("$volumeId") });
    deleteVolume.addCatch(cleanup, caught("DeleteVolume"));
    const done = sfn.Succeed.jsonata(this, "SnapshotReady", {
      outputs: {
        snapshotId: j("$snapshotId"),
        dataset: j("$dataset"),
        manifestSha256: j("$manifestSha256"),
        sizeGiB: j("$sizeGiB"),
        volumeId: j("$volumeId"),
      },
    });

    const validInput = j(
      [
        "$type($states.input.dataset) = 'string'",
        "$contains($states.input.dataset, /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/)",
        "$not($contains($states.input.dataset, '..'))",
        "$type($states.input.manifestSha256) = 'string'",
        "$contains($states.input.manifestSha256, /^[0-9a-f]{64}$/)",
        "$type($states.input.sizeGiB) = 'number'",
        "$states.input.sizeGiB = $floor($states.input.sizeGiB)",
        "$states.input.sizeGiB >= 1",
        "$states.input.sizeGiB <= 16384",
      ].join(" and "),
    );
    const rejected = sfn.Fail.jsonata(this, "InputRejected", {
      error: "aegis.BadInput",
      cause:
        "aegis-bt: expected {\"dataset\": a dataset name (letters, digits, '.', '_', '-'; no '..'; at most 128 characters), \"manifestSha256\": the sha256 of its manifest.json (64 lower-case hex digits), \"sizeGiB\": the volume size, a whole number from 1 to 16384}",
    });

    // The pull task stopped: on to the volume, which ECS detaches (and the file system with it).
    pull.next(
      sfn.Choice.jsonata(this, "CheckPull")
        .when(
          sfn.Condition.jsonata(j("$count($pullExitCodes[$ != 0]) > 0")),
          cleanup,
          failWith("aegis.PullFailed", "'aegis-bt dataset pull exited with ' & $string($pullExitCodes)", "PullDatasetOntoVolume"),
        )
        .otherwise(findVolume),
    );
    findVolume.next(
      sfn.Choice.jsonata(this, "VolumeReady")
        .when(sfn.Condition.jsonata(j("$count($volumes) = 1 and $volumes[0].State = 'available'")), snapshot, {
          assign: { volumeId: j("$volumes[0].VolumeId") },
        })
        .when(
          sfn.Condition.jsonata(j(`$count($volumes) != 1 or $volumeWaits >= ${L.volumePolls}`)),
          cleanup,
          failWith(
            "aegis.VolumeNotReady",
            `'expected one volume of this execution, detached (available) within ${L.volumePolls * L.volumePoll.toSeconds()} s of the task stopping; found ' & $string($volumes.{'VolumeId': VolumeId, 'State': State})`,
            "FindVolume",
          ),
        )
        .otherwise(waitForVolume),
    );
    snapshot.next(waitForSnapshot);
    checkSnapshot.next(
      sfn.Choice.jsonata(this, "SnapshotDone")
        .when(sfn.Condition.jsonata(j("$snapshot.State = 'completed'")), deleteVolume)
        .when(
          sfn.Condition.jsonata(j("$snapshot.State = 'error'")),
          deleteUnfinishedSnapshot,
          failWith("aegis.SnapshotFailed", "'snapshot ' & $snapshotId & ' failed: ' & $snapshot.StateMessage", "CheckSnapshot"),
        )
        .when(
          sfn.Condition.jsonata(j(`$snapshotPolls >= ${L.snapshotPolls}`)),
          deleteUnfinishedSnapshot,
          failWith(
            "aegis.SnapshotTimedOut",
            `'snapshot ' & $snapshotId & ' did not complete within ${L.snapshotPolls * L.snapshotPoll.toSeconds()} s (state ' & $snapshot.State & ', ' & $snapshot.Progress & ')'`,
            "CheckSnapshot",
          ),
        )
        .otherwise(waitForSnapshot),
    );
    deleteVolume.next(done);

    return sfn.Choice.jsonata(this, "CheckInput")
      .when(sfn.Condition.jsonata(validInput), pull, {
        assign: {
          dataset: j("$states.input.dataset"),
          manifestSha256: j("$states.input.manifestSha256"),
          sizeGiB: j("$states.input.sizeGiB"),
          execution: j("$states.context.Execution.Id"),
          volumeWaits: 0,
        },
      })
      .otherwise(rejected);
  }
}
