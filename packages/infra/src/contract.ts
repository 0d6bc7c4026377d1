// The names the launcher, the container and this app share (docs/remote.md). Changing one of them
// breaks `aegis-launch` and deployed stacks' consumers: the tests pin every value literally.

/** CloudFormation output names (logical IDs of the stacks' `CfnOutput`s). */
export const OUTPUTS = {
  storage: {
    bucketName: "BucketName",
    repositoryUri: "RepositoryUri",
    repositoryName: "RepositoryName",
  },
  compute: {
    clusterArn: "ClusterArn",
    /** The task definition with the dataset volume configured at launch: snapshot runs (the name predates the split). */
    taskDefinitionArn: "TaskDefinitionArn",
    /** The task definition without it: S3 Files and S3 sync runs. */
    s3TaskDefinitionArn: "S3TaskDefinitionArn",
    taskFamily: "TaskFamily",
    containerName: "ContainerName",
    subnetIds: "SubnetIds",
    securityGroupIds: "SecurityGroupIds",
    assignPublicIp: "AssignPublicIp",
    logGroupName: "LogGroupName",
    logStreamPrefix: "LogStreamPrefix",
    ecsInfrastructureRoleArn: "EcsInfrastructureRoleArn",
    datasetVolumeName: "DatasetVolumeName",
    /** Runs `aegis-bt dataset pull` with the dataset volume writable (the snapshot lifecycle's task). */
    datasetPullTaskDefinitionArn: "DatasetPullTaskDefinitionArn",
    /** The Step Functions state machine of a dataset's EBS snapshot. */
    datasetSnapshotStateMachineArn: "DatasetSnapshotStateMachineArn",
    jobQueueArn: "JobQueueArn",
    jobDefinitionArn: "JobDefinitionArn",
    batchLogStreamPrefix: "BatchLogStreamPrefix",
  },
} as const;

export const DEFAULT_STACK_NAMES = { storage: "AegisBtStorage", compute: "AegisBtCompute" } as const;

/** Key prefixes inside the bucket (DESIGN.md, "Flow"). */
export const PREFIXES = { configs: "configs/", datasets: "datasets/", results: "results/" } as const;

export const REPOSITORY_NAME = "aegis-bt";

/**
 * The data bucket's name: fixed per account and region, so the compute stack (and people) can name
 * it without a cross-stack reference. `account` and `region` are usually `Aws.ACCOUNT_ID`/`Aws.REGION`.
 */
export function dataBucketName(account: string, region: string): string {
  return `aegis-bt-data-${account}-${region}`;
}
/** The family of the task definition with the dataset volume (snapshot runs). */
export const TASK_FAMILY = "aegis-bt-rust";
/** The family of the task definition without it (S3 Files and S3 sync runs). */
export const S3_TASK_FAMILY = "aegis-bt-rust-s3";
export const CONTAINER_NAME = "aegis-bt";
export const LOG_GROUP_NAME = "/ecs/aegis-bt-rust";
/** awslogs streams are `<prefix>/<container name>/<task id>`. */
export const LOG_STREAM_PREFIX = "aegis-bt";
/** Batch jobs log to the same group under their own prefix (DescribeJobs names each attempt's stream). */
export const BATCH_LOG_STREAM_PREFIX = "aegis-bt-batch";
/** The Batch job definition that runs `aegis-bt sweep`, one shard per array child. */
export const JOB_DEFINITION_NAME = "aegis-bt-sweep";

/** The task-definition volume RunTask fills with an EBS volume from a dataset snapshot. */
export const DATASET_VOLUME_NAME = "dataset";
export const S3FILES_VOLUME_NAME = "s3files";
export const EBS_MOUNT = "/mnt/data";
export const S3FILES_MOUNT = "/mnt/s3files";
export const SCRATCH_DIR = "/tmp/aegis-scratch";

/** The family of the task definition that pulls a dataset onto a new EBS volume (read-write). */
export const DATASET_PULL_FAMILY = "aegis-bt-dataset-pull";
/** The state machine that turns a dataset in S3 into a tagged EBS snapshot. */
export const SNAPSHOT_STATE_MACHINE_NAME = "aegis-bt-dataset-snapshot";
/**
 * Tags of a dataset's volume and snapshot: the launcher picks the newest completed snapshot whose
 * dataset and manifest sha256 match a run's; `aegis:execution` names the state machine's execution
 * that made it (its IAM is limited to volumes and snapshots so tagged).
 */
export const SNAPSHOT_TAGS = {
  dataset: "aegis:dataset",
  manifestSha256: "aegis:manifest-sha256",
  execution: "aegis:execution",
} as const;

/** Seconds between SIGTERM and SIGKILL: a Fargate Spot interruption gives two minutes. */
export const STOP_TIMEOUT_SECONDS = 120;
