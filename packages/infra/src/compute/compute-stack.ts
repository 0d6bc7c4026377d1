// AegisBtCompute: the stateless half (network, cluster, task definitions, roles, the dataset snapshot
// state machine, the Batch lane).
// Everything here can be destroyed and re-created; the data stays in AegisBtStorage.
import { CfnOutput, Fn, Stack, type StackProps } from "aws-cdk-lib";
import * as ecr from "aws-cdk-lib/aws-ecr";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";
import {
  BATCH_LOG_STREAM_PREFIX,
  CONTAINER_NAME,
  DATASET_VOLUME_NAME,
  LOG_STREAM_PREFIX,
  OUTPUTS,
  TASK_FAMILY,
} from "../contract.js";
import { DEFAULT_TASK_SIZE, type FargateSize } from "../fargate-size.js";
import { imageAssetSource, type ImageSource } from "../image.js";
import { BacktestTask, type S3FilesVolumeOptions } from "./backtest-task.js";
import { BatchLane } from "./batch-lane.js";
import { DatasetSnapshot } from "./dataset-snapshot.js";
import { EcsInfrastructureRole } from "./ecs-infrastructure-role.js";
import { Network, type NetworkOptions } from "./network.js";

export interface ComputeOptions {
  /** A new public-subnet VPC (default) or subnets of an existing one. */
  readonly network?: NetworkOptions;
  /** The task size (default 16 vCPU / 120 GB / 50 GiB ephemeral), checked against Fargate's table. */
  readonly size?: FargateSize;
  /** The image: the Docker asset built from the repository root (default) or a tag in the repository. */
  readonly image?: ImageSource;
  /** An S3 Files file system mounted read-only at /mnt/s3files (default: none). */
  readonly s3Files?: S3FilesVolumeOptions;
  /** Retention of the task logs (default one month). */
  readonly logRetention?: logs.RetentionDays;
  /** The Batch lane's vCPU ceiling per compute environment (default 256). */
  readonly batchMaxVcpus?: number;
}

export interface ComputeStackProps extends StackProps, ComputeOptions {
  /** The data bucket, by name (AegisBtStorage's `names`): no cross-stack reference, no export lock-in. */
  readonly bucketName: string;
  /** The image repository, by name. */
  readonly repositoryName: string;
}

export class ComputeStack extends Stack {
  readonly cluster: ecs.Cluster;
  readonly task: BacktestTask;
  readonly network: Network;
  readonly infrastructureRole: EcsInfrastructureRole;
  readonly batch: BatchLane;
  readonly datasetSnapshot: DatasetSnapshot;

  constructor(scope: Construct, id: string, props: ComputeStackProps) {
    super(scope, id, props);
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    this.network = new Network(this, "Network", {
      options: props.network ?? { kind: "new" },
      flowLogRetention: logRetention,
    });

    this.cluster = new ecs.Cluster(this, "Cluster", {
      vpc: this.network.vpc,
      enableFargateCapacityProviders: true,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    // RunTask without a strategy or launch type lands on on-demand Fargate; the launcher asks for Spot.
    this.cluster.addDefaultCapacityProviderStrategy([{ capacityProvider: "FARGATE", weight: 1 }]);

    this.task = new BacktestTask(this, "Backtest", {
      bucket: s3.Bucket.fromBucketName(this, "DataBucket", props.bucketName),
      repository: ecr.Repository.fromRepositoryName(this, "ImageRepository", props.repositoryName),
      size: props.size ?? DEFAULT_TASK_SIZE,
      image: props.image ?? imageAssetSource(),
      logRetention,
      ...(props.s3Files ? { s3Files: props.s3Files } : {}),
    });
    if (props.s3Files) this.network.allowNfsToVpc();

    this.infrastructureRole = new EcsInfrastructureRole(this, "EcsInfrastructure");

    this.datasetSnapshot = new DatasetSnapshot(this, "DatasetSnapshot", {
      task: this.task,
      cluster: this.cluster,
      network: this.network,
      infrastructureRole: this.infrastructureRole.role,
      bucketName: props.bucketName,
      logRetention,
    });

    this.batch = new BatchLane(this, "Batch", {
      task: this.task,
      network: this.network,
      maxVcpus: props.batchMaxVcpus ?? 256,
      ...(props.s3Files ? { s3Files: props.s3Files } : {}),
    });

    this.addOutputs();
  }

  private addOutputs(): void {
    const o = OUTPUTS.compute;
    const out = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    out(o.clusterArn, this.cluster.clusterArn, "The ECS cluster (FARGATE and FARGATE_SPOT capacity providers)");
    out(
      o.taskDefinitionArn,
      this.task.taskDefinition.taskDefinitionArn,
      "The aegis-bt task definition for snapshot runs: the dataset volume configured at launch, read-only at /mnt/data (this revision)",
    );
    out(
      o.s3TaskDefinitionArn,
      this.task.s3TaskDefinition.taskDefinitionArn,
      "The aegis-bt task definition for S3 Files and S3 sync runs: no volume configured at launch (this revision)",
    );
    out(o.taskFamily, TASK_FAMILY, "The family of TaskDefinitionArn");
    out(o.containerName, CONTAINER_NAME, "The container to override");
    out(o.subnetIds, Fn.join(",", this.network.subnetIds), "Subnets for awsvpcConfiguration, comma-separated");
    out(o.securityGroupIds, this.network.securityGroup.securityGroupId, "Security groups for awsvpcConfiguration, comma-separated");
    out(o.assignPublicIp, this.network.assignPublicIp ? "ENABLED" : "DISABLED", "awsvpcConfiguration.assignPublicIp");
    out(o.logGroupName, this.task.logGroup.logGroupName, "The awslogs group of the tasks");
    out(o.logStreamPrefix, LOG_STREAM_PREFIX, "awslogs stream prefix: streams are <prefix>/<container>/<task id>");
    out(o.ecsInfrastructureRoleArn, this.infrastructureRole.role.roleArn, "The ECS infrastructure role for EBS volumes at launch");
    out(o.datasetVolumeName, DATASET_VOLUME_NAME, "The task-definition volume configured at launch, mounted at /mnt/data");
    out(
      o.datasetPullTaskDefinitionArn,
      this.datasetSnapshot.pullTaskDefinition.taskDefinitionArn,
      "The task definition that runs aegis-bt dataset pull onto a new EBS volume, read-write at /mnt/data (this revision)",
    );
    out(
      o.datasetSnapshotStateMachineArn,
      this.datasetSnapshot.stateMachine.stateMachineArn,
      "The state machine that makes a dataset's tagged EBS snapshot: input {dataset, manifestSha256, sizeGiB}",
    );
    out(o.jobQueueArn, this.batch.jobQueue.jobQueueArn, "The Batch job queue for sweeps (Fargate Spot first, then on demand)");
    out(o.jobDefinitionArn, this.batch.jobDefinition.jobDefinitionArn, "The aegis-bt sweep job definition (this revision)");
    out(o.batchLogStreamPrefix, BATCH_LOG_STREAM_PREFIX, "awslogs stream prefix of the Batch jobs, in the same log group");
  }
}
