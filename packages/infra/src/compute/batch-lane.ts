// The AWS Batch lane for sweeps (DESIGN.md, "Remote contract"): Fargate Spot first, on-demand Fargate
// second, one job queue, and a job definition that runs the backtest task's container as `aegis-bt
// sweep` (same image, size, environment, roles and log group); a sweep is one array job, a shard per child.
import { Duration, Size } from "aws-cdk-lib";
import * as batch from "aws-cdk-lib/aws-batch";
import * as ecs from "aws-cdk-lib/aws-ecs";
import { Construct } from "constructs";
import { BATCH_LOG_STREAM_PREFIX, JOB_DEFINITION_NAME, S3FILES_MOUNT, S3FILES_VOLUME_NAME } from "../contract.js";
import { validateFargateSize } from "../fargate-size.js";
import type { BacktestTask, S3FilesVolumeOptions } from "./backtest-task.js";
import type { Network } from "./network.js";

export interface BatchLaneProps {
  /** The ECS task whose image, size, environment, roles and log group the jobs reuse. */
  readonly task: BacktestTask;
  /** Where the jobs run: the tasks' subnets, security group and public-IP setting. */
  readonly network: Network;
  /** The most vCPUs each compute environment runs at once; at least one job's vCPUs. */
  readonly maxVcpus: number;
  /** The S3 Files file system the task mounts, mounted the same way in the jobs. */
  readonly s3Files?: S3FilesVolumeOptions;
}

/** `aegis-bt sweep`'s exit status when it stopped on SIGTERM and wrote its checkpoint (docs/errors.md). */
export const EXIT_STOPPED_RESUMABLE = 75;

/** Attempts per array child: the first run and two retries after a Spot interruption or a lost host. */
const ATTEMPTS = 3;
/** Per attempt: a hung shard is stopped instead of billed for ever. */
const ATTEMPT_TIMEOUT = Duration.hours(24);

/**
 * Batch evaluates the rules in order and the first match wins; a failure no rule matches is retried,
 * hence the catch-all last. Patterns match the start of the attempt's status reason (a trailing `*`).
 */
const RETRY_STRATEGIES: readonly batch.RetryStrategy[] = [
  // The sweep stopped on SIGTERM with its checkpoint written (exit 75, EX_TEMPFAIL): the next
  // attempt resumes from the checkpoint, losing only the points that were running.
  batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.custom({ onExitCode: String(EXIT_STOPPED_RESUMABLE) })),
  // Fargate Spot took the capacity back: ECS stops the task with "Your Spot Task was interrupted."
  // and Batch reports that as the status reason.
  batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.custom({ onStatusReason: "Your Spot Task was interrupted*" })),
  // Fargate stopped the task to retire or replace the host under it ("ECS is performing maintenance on
  // the underlying infrastructure hosting the task").
  batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.custom({ onStatusReason: "ECS is performing maintenance*" })),
  // Batch's own reason when the host under a job goes away ("Host EC2 (instance i-…) terminated.").
  batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.custom({ onStatusReason: "Host EC2*" })),
  // Anything else is the sweep's own failure (a non-zero exit): another attempt would fail the same
  // way and bill again.
  batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.custom({ onStatusReason: "*" })),
];

export class BatchLane extends Construct {
  readonly spotEnvironment: batch.FargateComputeEnvironment;
  readonly onDemandEnvironment: batch.FargateComputeEnvironment;
  readonly jobQueue: batch.JobQueue;
  readonly jobDefinition: batch.EcsJobDefinition;

  constructor(scope: Construct, id: string, props: BatchLaneProps) {
    super(scope, id);
    const { task, network } = props;
    // Batch runs Fargate jobs at Fargate's task sizes (up to 16 vCPU / 120 GiB): the table the task
    // size was checked against.
    const size = validateFargateSize(task.size);
    const jobVcpus = size.cpu / 1024;
    // A compute environment smaller than one job would leave every job RUNNABLE for ever.
    const minVcpus = Math.ceil(jobVcpus);
    if (!Number.isInteger(props.maxVcpus) || props.maxVcpus < minVcpus) {
      throw new Error(`maxVcpus must be a whole number ≥ ${minVcpus} (one job's vCPUs), got ${props.maxVcpus}`);
    }

    const placement: batch.FargateComputeEnvironmentProps = {
      vpc: network.vpc,
      vpcSubnets: { subnets: network.subnets },
      securityGroups: [network.securityGroup],
      maxvCpus: props.maxVcpus,
    };
    this.spotEnvironment = new batch.FargateComputeEnvironment(this, "Spot", { ...placement, spot: true });
    this.onDemandEnvironment = new batch.FargateComputeEnvironment(this, "OnDemand", placement);
    // Jobs go to Spot; on demand takes the jobs that do not fit under Spot's maxvCpus.
    this.jobQueue = new batch.JobQueue(this, "Queue", {
      computeEnvironments: [
        { computeEnvironment: this.spotEnvironment, order: 1 },
        { computeEnvironment: this.onDemandEnvironment, order: 2 },
      ],
    });

    // No dataset volume: Batch cannot attach an EBS volume from a snapshot at submission, so the data
    // root is S3 Files (when configured) or the S3 sync into ephemeral storage. Batch has no
    // stopTimeout either: a Spot interruption kills the container after Fargate's default 30 s, and
    // the retry reruns the shard from its start.
    const container = new batch.EcsFargateContainerDefinition(this, "Container", {
      image: task.image,
      // The image's entry point is `aegis-bt`.
      command: ["sweep"],
      cpu: jobVcpus,
      memory: Size.mebibytes(size.memoryMiB),
      ...(size.ephemeralStorageGiB === undefined ? {} : { ephemeralStorageSize: Size.gibibytes(size.ephemeralStorageGiB) }),
      fargateCpuArchitecture: ecs.CpuArchitecture.X86_64,
      fargateOperatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      assignPublicIp: network.assignPublicIp,
      environment: { ...task.environment },
      // The task's roles, not copies: one place grants what a run may touch.
      jobRole: task.taskRole,
      executionRole: task.executionRole,
      logging: ecs.LogDrivers.awsLogs({ logGroup: task.logGroup, streamPrefix: BATCH_LOG_STREAM_PREFIX }),
    });

    this.jobDefinition = new batch.EcsJobDefinition(this, "JobDefinition", {
      jobDefinitionName: JOB_DEFINITION_NAME,
      container,
      retryAttempts: ATTEMPTS,
      retryStrategies: [...RETRY_STRATEGIES],
      timeout: ATTEMPT_TIMEOUT,
      // Tags given at submission land on the jobs' ECS tasks too (cost allocation).
      propagateTags: true,
    });

    if (props.s3Files) this.mountS3Files(props.s3Files);
  }

  /** The task's S3 Files volume, read-only at the same path (the L2 has no S3 Files volume; the L1 does). */
  private mountS3Files(options: S3FilesVolumeOptions): void {
    const cfn = this.jobDefinition.node.defaultChild as batch.CfnJobDefinition;
    cfn.addPropertyOverride("ContainerProperties.Volumes", [
      {
        Name: S3FILES_VOLUME_NAME,
        S3FilesVolumeConfiguration: {
          FileSystemArn: options.fileSystemArn,
          ...(options.accessPointArn ? { AccessPointArn: options.accessPointArn } : {}),
          ...(options.rootDirectory ? { RootDirectory: options.rootDirectory } : {}),
        },
      },
    ]);
    cfn.addPropertyOverride("ContainerProperties.MountPoints", [
      { SourceVolume: S3FILES_VOLUME_NAME, ContainerPath: S3FILES_MOUNT, ReadOnly: true },
    ]);
  }
}
