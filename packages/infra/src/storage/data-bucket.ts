// The bucket runs are exchanged through: `configs/` (scenarios in), `datasets/` (the S3 data root),
// `results/` (run outputs), with its server access logs in a bucket of their own.
import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { PREFIXES } from "../contract.js";

export interface DataBucketProps {
  /** The bucket's physical name (the access-log bucket's is generated). */
  readonly bucketName: string;
  /** Days after which `results/<run>/` objects are deleted. */
  readonly resultsExpirationDays: number;
  /** Days after which `results/` objects move to S3 Standard-IA (skipped when results expire first). */
  readonly resultsInfrequentAccessDays: number;
  /** Days after which uploaded scenarios (`configs/`) are deleted. */
  readonly configsExpirationDays: number;
  /** Days after which overwritten or deleted object versions are removed for good. */
  readonly noncurrentVersionExpirationDays: number;
  /** Days after which server access logs are deleted. */
  readonly accessLogsExpirationDays: number;
}

function wholeDays(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number of days ≥ ${min}, got ${value}`);
  return value;
}

export class DataBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: DataBucketProps) {
    super(scope, id);
    const resultsExpiration = wholeDays("resultsExpirationDays", props.resultsExpirationDays, 1);
    const resultsIa = wholeDays("resultsInfrequentAccessDays", props.resultsInfrequentAccessDays, 30);
    const configsExpiration = wholeDays("configsExpirationDays", props.configsExpirationDays, 1);
    const noncurrent = wholeDays("noncurrentVersionExpirationDays", props.noncurrentVersionExpirationDays, 1);
    const logsExpiration = wholeDays("accessLogsExpirationDays", props.accessLogsExpirationDays, 1);

    // The access-log destination: SSE-S3 (log delivery cannot write SSE-KMS), and written through
    // a bucket policy for the logging service principal (no ACLs).
    this.accessLogsBucket = new s3.Bucket(this, "AccessLogs", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [
        { id: "expire-access-logs", expiration: Duration.days(logsExpiration), abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    Validations.of(this.accessLogsBucket).acknowledge({
      id: "AwsSolutions-S1",
      reason: "This bucket is the server-access-log destination of the data bucket; logging it into itself would recurse.",
    });

    const resultsRule: s3.LifecycleRule = {
      id: "results",
      prefix: PREFIXES.results,
      expiration: Duration.days(resultsExpiration),
      // S3 refuses a transition that is not before the expiration.
      transitions:
        resultsExpiration > resultsIa
          ? [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(resultsIa) }]
          : undefined,
    };

    this.bucket = new s3.Bucket(this, "Bucket", {
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: "data-bucket/",
      lifecycleRules: [
        resultsRule,
        { id: "configs", prefix: PREFIXES.configs, expiration: Duration.days(configsExpiration) },
        {
          id: "housekeeping",
          abortIncompleteMultipartUploadAfter: Duration.days(7),
          noncurrentVersionExpiration: Duration.days(noncurrent),
          expiredObjectDeleteMarker: true,
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
