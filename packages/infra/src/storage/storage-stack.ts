// AegisBtStorage: the stateful half (bucket, repository). Logical IDs are pinned: a refactor of the
// construct tree must never replace the bucket or the repository.
import { Aws, CfnOutput, CfnResource, Stack, type StackProps } from "aws-cdk-lib";
import type * as ecr from "aws-cdk-lib/aws-ecr";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";
import { OUTPUTS, REPOSITORY_NAME, dataBucketName } from "../contract.js";
import { DataBucket } from "./data-bucket.js";
import { ImageRepository } from "./image-repository.js";

export interface StorageOptions {
  /** Days `results/` objects are kept (default 365). */
  readonly resultsExpirationDays?: number;
  /** Days before `results/` objects move to Standard-IA (default 30). */
  readonly resultsInfrequentAccessDays?: number;
  /** Days `configs/` objects are kept (default 90). */
  readonly configsExpirationDays?: number;
  /** Days noncurrent object versions are kept (default 30). */
  readonly noncurrentVersionExpirationDays?: number;
  /** Days server access logs are kept (default 365). */
  readonly accessLogsExpirationDays?: number;
  /** Images kept in the repository (default 30). */
  readonly keepImages?: number;
  /** Days untagged images are kept (default 7). */
  readonly untaggedImageExpirationDays?: number;
}

export interface StorageStackProps extends StackProps, StorageOptions {}

/** The logical IDs of the stateful resources: never change them. */
export const STORAGE_LOGICAL_IDS = {
  bucket: "DataBucket",
  accessLogsBucket: "AccessLogsBucket",
  repository: "ImageRepository",
} as const;

export class StorageStack extends Stack {
  readonly bucket: s3.IBucket;
  readonly repository: ecr.IRepository;
  /** The names the compute stack imports by (no cross-stack references, so no export lock-in). */
  readonly names: { readonly bucketName: string; readonly repositoryName: string };

  constructor(scope: Construct, id: string, props: StorageStackProps = {}) {
    super(scope, id, { terminationProtection: true, ...props });

    const data = new DataBucket(this, "Data", {
      bucketName: dataBucketName(Aws.ACCOUNT_ID, Aws.REGION),
      resultsExpirationDays: props.resultsExpirationDays ?? 365,
      resultsInfrequentAccessDays: props.resultsInfrequentAccessDays ?? 30,
      configsExpirationDays: props.configsExpirationDays ?? 90,
      noncurrentVersionExpirationDays: props.noncurrentVersionExpirationDays ?? 30,
      accessLogsExpirationDays: props.accessLogsExpirationDays ?? 365,
    });
    const image = new ImageRepository(this, "Image", {
      repositoryName: REPOSITORY_NAME,
      keepImages: props.keepImages ?? 30,
      untaggedExpirationDays: props.untaggedImageExpirationDays ?? 7,
    });

    pinLogicalId(data.bucket, STORAGE_LOGICAL_IDS.bucket);
    pinLogicalId(data.accessLogsBucket, STORAGE_LOGICAL_IDS.accessLogsBucket);
    pinLogicalId(image.repository, STORAGE_LOGICAL_IDS.repository);

    this.bucket = data.bucket;
    this.repository = image.repository;
    this.names = { bucketName: dataBucketName(Aws.ACCOUNT_ID, Aws.REGION), repositoryName: REPOSITORY_NAME };

    new CfnOutput(this, OUTPUTS.storage.bucketName, {
      value: data.bucket.bucketName,
      description: "The bucket for configs/, datasets/ and results/",
    });
    new CfnOutput(this, OUTPUTS.storage.repositoryUri, {
      value: image.repository.repositoryUri,
      description: "The ECR repository of the aegis-bt image",
    });
    new CfnOutput(this, OUTPUTS.storage.repositoryName, {
      value: image.repository.repositoryName,
      description: "The ECR repository name",
    });
  }
}

function pinLogicalId(construct: Construct, logicalId: string): void {
  const resource = construct.node.defaultChild;
  if (!CfnResource.isCfnResource(resource)) throw new Error(`${construct.node.path} has no CloudFormation resource to pin`);
  resource.overrideLogicalId(logicalId);
}
