// The Fargate task definitions that run `aegis-bt run`: one with the dataset volume configured at launch
// (snapshot runs), one without it (S3 Files and S3 sync runs). Same size, image, environment, logs and
// task role (read scenarios and datasets, write results, nothing else); the launcher picks one per run.
import { Duration, IgnoreMode, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import * as ecr from "aws-cdk-lib/aws-ecr";
import * as ecs from "aws-cdk-lib/aws-ecs";
import { DockerImageAsset, Platform } from "aws-cdk-lib/aws-ecr-assets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { flattenCfnReference } from "cdk-nag/lib/utils/flatten-cfn-reference.js";
import { Construct } from "constructs";
import {
  CONTAINER_NAME,
  DATASET_VOLUME_NAME,
  EBS_MOUNT,
  LOG_GROUP_NAME,
  LOG_STREAM_PREFIX,
  PREFIXES,
  S3FILES_MOUNT,
  S3_TASK_FAMILY,
  S3FILES_VOLUME_NAME,
  SCRATCH_DIR,
  STOP_TIMEOUT_SECONDS,
  TASK_FAMILY,
} from "../contract.js";
import { validateFargateSize, type FargateSize } from "../fargate-size.js";
import type { ImageSource } from "../image.js";

/** An existing Amazon S3 Files file system (linked to the data bucket), mounted read-only. */
export interface S3FilesVolumeOptions {
  readonly fileSystemArn: string;
  readonly accessPointArn?: string;
  /** Directory of the file system mounted at /mnt/s3files; omit (or `/`) with an access point. */
  readonly rootDirectory?: string;
}

export interface BacktestTaskProps {
  readonly bucket: s3.IBucket;
  readonly repository: ecr.IRepository;
  readonly size: FargateSize;
  readonly image: ImageSource;
  readonly logRetention: logs.RetentionDays;
  readonly s3Files?: S3FilesVolumeOptions;
}

/**
 * The container's soft memory limit (`memoryReservation`, which moto also requires): the task size
 * less a little headroom for Fargate's own processes and the S3 Files supervisor. No hard limit is set,
 * so the container may use all of the task's memory.
 */
export function memoryReservationMiB(taskMemoryMiB: number): number {
  return taskMemoryMiB - Math.min(1024, Math.floor(taskMemoryMiB / 8));
}

export class BacktestTask extends Construct {
  /**
   * For snapshot runs (family `aegis-bt-rust`, output `TaskDefinitionArn`): the dataset volume
   * `configuredAtLaunch`, read-only at /mnt/data. RunTask must then give it a volume configuration.
   */
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  /**
   * For S3 Files and S3 sync runs (family `aegis-bt-rust-s3`, output `S3TaskDefinitionArn`): no volume
   * configured at launch, so RunTask needs no volume configuration.
   */
  readonly s3TaskDefinition: ecs.FargateTaskDefinition;
  readonly s3Container: ecs.ContainerDefinition;
  readonly taskRole: iam.Role;
  readonly executionRole: iam.IRole;
  readonly logGroup: logs.LogGroup;
  /** The task size, validated against Fargate's table. */
  readonly size: FargateSize;
  /** The container image; the Batch lane runs the same one. */
  readonly image: ecs.ContainerImage;
  /**
   * The container's base environment (docs/remote.md): the S3 data root, mount points and scratch
   * directory. Run-specific URIs come per run, as overrides.
   */
  readonly environment: Readonly<Record<string, string>>;
  /** Each task definition's volumes so far, in the order the L2 renders them into `Volumes`. */
  private readonly volumeNames = new Map<ecs.TaskDefinition, string[]>();

  constructor(scope: Construct, id: string, props: BacktestTaskProps) {
    super(scope, id);
    const size = validateFargateSize(props.size);
    this.size = size;
    const bucket = props.bucket;
    const { account, region, partition } = Stack.of(this);

    this.logGroup = new logs.LogGroup(this, "Logs", {
      logGroupName: LOG_GROUP_NAME,
      retention: props.logRetention,
      // Stateless stack: a retained log group with a fixed name would block re-creating the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // Only ECS tasks of this account may assume the role (confused-deputy guard).
    this.taskRole = new iam.Role(this, "TaskRole", {
      assumedBy: new iam.PrincipalWithConditions(new iam.ServicePrincipal("ecs-tasks.amazonaws.com"), {
        ArnLike: { "aws:SourceArn": `arn:${partition}:ecs:${region}:${account}:*` },
        StringEquals: { "aws:SourceAccount": account },
      }),
      description: "aegis-bt task: read configs/ and datasets/, write (and replace) results/ in the data bucket",
    });
    const readArns = [bucket.arnForObjects(`${PREFIXES.configs}*`), bucket.arnForObjects(`${PREFIXES.datasets}*`)];
    const writeArns = [bucket.arnForObjects(`${PREFIXES.results}*`)];
    this.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: "ReadScenariosAndDatasets", actions: ["s3:GetObject"], resources: readArns }),
    );
    this.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "ListOwnPrefixes",
        actions: ["s3:ListBucket"],
        resources: [bucket.bucketArn],
        conditions: {
          StringLike: { "s3:prefix": [`${PREFIXES.configs}*`, `${PREFIXES.datasets}*`, `${PREFIXES.results}*`] },
        },
      }),
    );
    this.taskRole.addToPrincipalPolicy(
      // DeleteObject: a run removes the old `_SUCCESS` of its prefix before writing, and the result
      // files an earlier run left there, so a finished marker never vouches for a mix of two runs.
      new iam.PolicyStatement({
        sid: "WriteResults",
        actions: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject"],
        resources: writeArns,
      }),
    );
    // cdk-nag 3 acknowledges each wildcard finding by its exact text: the ARN as cdk-nag flattens it.
    for (const arn of [...readArns, ...writeArns]) {
      Validations.of(this.taskRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(this).resolve(arn))}]`,
        reason:
          "Object access is scoped to one run prefix of the data bucket (GetObject on configs/* and datasets/*, PutObject, AbortMultipartUpload and DeleteObject on results/*); run ids are chosen at launch, so the key under the prefix must be a wildcard.",
      });
    }

    this.image = containerImage(this, props.image, props.repository);
    this.environment = {
      AEGIS_DATASET_URI: `s3://${bucket.bucketName}/${PREFIXES.datasets}`,
      AEGIS_S3FILES_MOUNT: S3FILES_MOUNT,
      AEGIS_EBS_MOUNT: EBS_MOUNT,
      AEGIS_SCRATCH_DIR: SCRATCH_DIR,
    };

    // Snapshot runs: the construct IDs and the family are those of the single task definition before
    // the split, so a deployed stack keeps this resource and `TaskDefinitionArn` keeps its meaning.
    this.taskDefinition = this.newTaskDefinition("TaskDefinition", TASK_FAMILY, undefined);
    this.executionRole = this.taskDefinition.obtainExecutionRole();
    Validations.of(this.executionRole).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "CDK's execution-role policy: ecr:GetAuthorizationToken has no resource-level permissions and must be granted on '*'; image pulls and log writes are scoped to the repository and the log group.",
    });
    this.container = this.addRunContainer(this.taskDefinition);
    // The EBS volume from a dataset snapshot: RunTask supplies it (volumeConfigurations).
    this.addVolume(this.taskDefinition, { name: DATASET_VOLUME_NAME, configuredAtLaunch: true });
    this.container.addMountPoints({ sourceVolume: DATASET_VOLUME_NAME, containerPath: EBS_MOUNT, readOnly: true });

    // S3 Files and S3 sync runs: the same container without the dataset volume.
    this.s3TaskDefinition = this.newTaskDefinition("S3TaskDefinition", S3_TASK_FAMILY, this.executionRole);
    this.s3Container = this.addRunContainer(this.s3TaskDefinition);

    if (props.s3Files) this.addS3FilesVolume(props.s3Files);
  }

  /** A task definition of this size and platform with the task role; without `executionRole`, CDK makes one. */
  private newTaskDefinition(id: string, family: string, executionRole: iam.IRole | undefined): ecs.FargateTaskDefinition {
    const size = this.size;
    const taskDefinition = new ecs.FargateTaskDefinition(this, id, {
      family,
      cpu: size.cpu,
      memoryLimitMiB: size.memoryMiB,
      ...(size.ephemeralStorageGiB === undefined ? {} : { ephemeralStorageGiB: size.ephemeralStorageGiB }),
      runtimePlatform: {
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
      },
      taskRole: this.taskRole,
      // The first task definition makes the execution role; the others share it.
      ...(executionRole ? { executionRole } : {}),
    });
    Validations.of(taskDefinition).acknowledge({
      id: "AwsSolutions-ECS2",
      reason:
        "The environment holds no secrets, only the dataset S3 URI and mount paths (docs/remote.md); run-specific URIs come as RunTask overrides.",
    });
    this.volumeNames.set(taskDefinition, []);
    return taskDefinition;
  }

  /** The `aegis-bt` container running `aegis-bt run`, the same in every run task definition. */
  private addRunContainer(taskDefinition: ecs.FargateTaskDefinition): ecs.ContainerDefinition {
    return taskDefinition.addContainer("Container", {
      containerName: CONTAINER_NAME,
      image: this.image,
      entryPoint: ["aegis-bt"],
      command: ["run"],
      essential: true,
      stopTimeout: Duration.seconds(STOP_TIMEOUT_SECONDS),
      memoryReservationMiB: memoryReservationMiB(this.size.memoryMiB),
      environment: { ...this.environment },
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: LOG_STREAM_PREFIX }),
    });
  }

  /** Adds a volume to a task definition and returns its index in the rendered `Volumes` list. */
  private addVolume(taskDefinition: ecs.TaskDefinition, volume: ecs.Volume): number {
    taskDefinition.addVolume(volume);
    const names = this.volumeNames.get(taskDefinition) ?? [];
    names.push(volume.name);
    this.volumeNames.set(taskDefinition, names);
    return names.length - 1;
  }

  /** The S3 Files file system, read-only at /mnt/s3files in both run task definitions. */
  private addS3FilesVolume(options: S3FilesVolumeOptions): void {
    for (const [taskDefinition, container] of [
      [this.taskDefinition, this.container],
      [this.s3TaskDefinition, this.s3Container],
    ] as const) {
      const index = this.addVolume(taskDefinition, { name: S3FILES_VOLUME_NAME });
      // aws-cdk-lib 2.276's `Volume` has no S3 Files variant (the L1 does): fill in the rendered
      // volume through an override. The index is this volume's position in `Volumes`.
      const cfn = taskDefinition.node.defaultChild as ecs.CfnTaskDefinition;
      cfn.addPropertyOverride(`Volumes.${index}.S3FilesVolumeConfiguration`, {
        FileSystemArn: options.fileSystemArn,
        ...(options.accessPointArn ? { AccessPointArn: options.accessPointArn } : {}),
        ...(options.rootDirectory ? { RootDirectory: options.rootDirectory } : {}),
      });
      container.addMountPoints({ sourceVolume: S3FILES_VOLUME_NAME, containerPath: S3FILES_MOUNT, readOnly: true });
    }
    // Read-only client access to this file system only (no s3files:ClientWrite / ClientRootAccess).
    this.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "MountS3FilesReadOnly",
        actions: ["s3files:ClientMount"],
        resources: [options.fileSystemArn],
      }),
    );
  }
}

function containerImage(scope: Construct, source: ImageSource, repository: ecr.IRepository): ecs.ContainerImage {
  if (source.kind === "repository") {
    if (source.tag.trim() === "") throw new Error("an image tag must not be empty");
    return ecs.ContainerImage.fromEcrRepository(repository, source.tag);
  }
  // One asset that every container binding shares: `ContainerImage.fromAsset` makes a new asset per
  // binding, so the Batch job would stage and build a second image (with a different hash).
  const asset = new DockerImageAsset(scope, "Image", {
    directory: source.contextDirectory,
    file: source.dockerfile,
    exclude: [...source.exclude],
    ignoreMode: IgnoreMode.DOCKER,
    platform: Platform.LINUX_AMD64,
    ...(source.gitSha ? { buildArgs: { AEGIS_GIT_SHA: source.gitSha } } : {}),
  });
  return ecs.ContainerImage.fromDockerImageAsset(asset);
}
