export * from "./contract.js";
export * from "./fargate-size.js";
export * from "./image.js";
export * from "./config.js";
export * from "./app.js";
export { StorageStack, STORAGE_LOGICAL_IDS, type StorageOptions, type StorageStackProps } from "./storage/storage-stack.js";
export { DataBucket, type DataBucketProps } from "./storage/data-bucket.js";
export { ImageRepository, type ImageRepositoryProps } from "./storage/image-repository.js";
export { ComputeStack, type ComputeOptions, type ComputeStackProps } from "./compute/compute-stack.js";
export { BacktestTask, memoryReservationMiB, type BacktestTaskProps, type S3FilesVolumeOptions } from "./compute/backtest-task.js";
export { BatchLane, type BatchLaneProps } from "./compute/batch-lane.js";
export {
  DatasetSnapshot,
  DATASET_PULL_SIZE,
  SNAPSHOT_LIFECYCLE_LIMITS,
  type DatasetSnapshotProps,
} from "./compute/dataset-snapshot.js";
export { Network, type NetworkOptions, type NetworkProps } from "./compute/network.js";
export { EcsInfrastructureRole, ECS_VOLUMES_MANAGED_POLICY } from "./compute/ecs-infrastructure-role.js";
