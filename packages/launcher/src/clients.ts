// The one place that constructs AWS SDK clients. Everything else takes them as arguments, so tests
// point them at moto or replace them with mocks.
import { BatchClient } from "@aws-sdk/client-batch";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ECSClient } from "@aws-sdk/client-ecs";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { annotateErrors } from "./errors.js";

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface ClientSettings {
  /** AWS region; without it the SDK's own chain (AWS_REGION, the profile) decides. */
  region?: string;
  /** A custom endpoint for every service (moto, LocalStack): S3 then uses path-style addressing. */
  endpoint?: string;
  /** Explicit credentials; without them the SDK's default chain (env, profile, SSO, IMDS) is used. */
  credentials?: AwsCredentials;
  /** A named profile from ~/.aws/config. */
  profile?: string;
  /** Attempts per call, the first included, for the SDK's own retries (default 8). */
  maxAttempts?: number;
}

export interface AwsClients {
  s3: S3Client;
  ecs: ECSClient;
  /** AWS Batch, for the sweep lane of array jobs. */
  batch: BatchClient;
  cloudFormation: CloudFormationClient;
  logs: CloudWatchLogsClient;
  /** EC2, for the EBS volumes and snapshots of datasets. */
  ec2: EC2Client;
  /** AWS Step Functions, for the dataset snapshot state machine. */
  sfn: SFNClient;
}

/**
 * Attempts per call in the SDK's `adaptive` retry mode: throttling (ThrottlingException, 429, 503)
 * backs off with jitter and the client rate-limits itself rather than failing.
 */
export const SDK_MAX_ATTEMPTS = 8;

/** Builds the clients the launcher uses, all with the same region, endpoint and credentials. */
export function createClients(settings: ClientSettings = {}): AwsClients {
  const common = {
    ...(settings.region !== undefined && { region: settings.region }),
    ...(settings.endpoint !== undefined && { endpoint: settings.endpoint }),
    ...(settings.credentials !== undefined && { credentials: settings.credentials }),
    ...(settings.profile !== undefined && { profile: settings.profile }),
    maxAttempts: settings.maxAttempts ?? SDK_MAX_ATTEMPTS,
    retryMode: "adaptive",
  };
  // Every error a call throws carries where the request went, so a message can name the endpoint
  // that answered with an HTML page (and --verbose can show the request).
  return {
    s3: annotateErrors(new S3Client({ ...common, forcePathStyle: settings.endpoint !== undefined })),
    ecs: annotateErrors(new ECSClient(common)),
    batch: annotateErrors(new BatchClient(common)),
    cloudFormation: annotateErrors(new CloudFormationClient(common)),
    logs: annotateErrors(new CloudWatchLogsClient(common)),
    ec2: annotateErrors(new EC2Client(common)),
    sfn: annotateErrors(new SFNClient(common)),
  };
}

/** Closes the clients' HTTP agents so the process can exit promptly. */
export function destroyClients(clients: AwsClients): void {
  clients.s3.destroy();
  clients.ecs.destroy();
  clients.batch.destroy();
  clients.cloudFormation.destroy();
  clients.logs.destroy();
  clients.ec2.destroy();
  clients.sfn.destroy();
}
