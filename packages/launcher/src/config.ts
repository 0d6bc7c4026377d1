// Configuration: the CDK stacks' outputs (docs/remote.md) or a JSON file, then flags on top.
import { readFile } from "node:fs/promises";
import { DescribeStacksCommand, type CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { ConfigError, aws, errorName } from "./errors.js";

export type AssignPublicIp = "ENABLED" | "DISABLED";
export type PropagateTagsMode = "TASK_DEFINITION" | "NONE";

/** Everything the launcher needs to know about the deployed stacks. */
export interface LaunchConfig {
  /** The bucket of `configs/`, `datasets/`, `results/`. */
  bucket: string;
  /** The ECS cluster (name or ARN). */
  cluster: string;
  /**
   * The `aegis-bt` task definition with the dataset volume configured at launch (ARN or
   * family[:revision]): runs with a snapshot. Also every other run's when {@link s3TaskDefinition}
   * is not known (a compute stack deployed before the split, or `--task-definition` alone).
   */
  taskDefinition: string;
  /**
   * The task definition without that volume, for runs on S3 Files or the S3 sync
   * (`S3TaskDefinitionArn`; `AEGIS_S3_TASK_DEFINITION` overrides it).
   */
  s3TaskDefinition?: string;
  /** The container the overrides apply to. */
  containerName: string;
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: AssignPublicIp;
  /** Copy the task definition's tags (the stacks' cost-allocation tags) onto each task, or not. */
  propagateTags: PropagateTagsMode;
  logGroupName?: string;
  logStreamPrefix?: string;
  /** The ECS infrastructure role for EBS volumes configured at launch (`--snapshot`). */
  ecsInfrastructureRoleArn?: string;
  /** The task-definition volume (`configuredAtLaunch`) the dataset snapshot is attached as. */
  datasetVolumeName?: string;
  /** The task definition that runs `aegis-bt dataset pull` onto a new EBS volume (`DatasetPullTaskDefinitionArn`). */
  datasetPullTaskDefinition?: string;
  /** The state machine that makes a dataset's EBS snapshot without a laptop (`DatasetSnapshotStateMachineArn`). */
  datasetSnapshotStateMachine?: string;
  /** The AWS Batch lane of sweeps: its job queue and job definition (ARN or name). */
  jobQueue?: string;
  jobDefinition?: string;
  /** The awslogs stream prefix of the Batch job definition. */
  batchLogStreamPrefix?: string;
  taskFamily?: string;
  repositoryUri?: string;
  repositoryName?: string;
}

/** What the sources provided; {@link requireLaunchConfig} checks it is enough to launch. */
export type ConfigValues = Partial<LaunchConfig> & {
  /** Where the values came from, for messages ("stacks AegisBtStorage, AegisBtCompute", "file cfg.json"). */
  source: string;
};

/** Values given on the command line; each wins over the stacks and the file. */
export type ConfigOverrides = Partial<LaunchConfig>;

export const DEFAULT_STORAGE_STACK = "AegisBtStorage";
export const DEFAULT_COMPUTE_STACK = "AegisBtCompute";

type Stack = "storage" | "compute";
type Field = keyof LaunchConfig;

/** The stack outputs of docs/remote.md, the field each fills, and the flag that overrides it. */
export const OUTPUTS: readonly { output: string; stack: Stack; field: Field; flag?: string }[] = [
  { output: "BucketName", stack: "storage", field: "bucket", flag: "--bucket" },
  { output: "RepositoryUri", stack: "storage", field: "repositoryUri" },
  { output: "RepositoryName", stack: "storage", field: "repositoryName" },
  { output: "ClusterArn", stack: "compute", field: "cluster", flag: "--cluster" },
  { output: "TaskDefinitionArn", stack: "compute", field: "taskDefinition", flag: "--task-definition" },
  { output: "S3TaskDefinitionArn", stack: "compute", field: "s3TaskDefinition" },
  { output: "TaskFamily", stack: "compute", field: "taskFamily" },
  { output: "ContainerName", stack: "compute", field: "containerName", flag: "--container" },
  { output: "SubnetIds", stack: "compute", field: "subnets", flag: "--subnets" },
  { output: "SecurityGroupIds", stack: "compute", field: "securityGroups", flag: "--security-groups" },
  { output: "AssignPublicIp", stack: "compute", field: "assignPublicIp", flag: "--assign-public-ip" },
  { output: "LogGroupName", stack: "compute", field: "logGroupName", flag: "--log-group" },
  { output: "LogStreamPrefix", stack: "compute", field: "logStreamPrefix", flag: "--log-stream-prefix" },
  { output: "EcsInfrastructureRoleArn", stack: "compute", field: "ecsInfrastructureRoleArn", flag: "--infrastructure-role" },
  { output: "DatasetVolumeName", stack: "compute", field: "datasetVolumeName", flag: "--dataset-volume" },
  { output: "DatasetPullTaskDefinitionArn", stack: "compute", field: "datasetPullTaskDefinition", flag: "--pull-task-definition" },
  { output: "DatasetSnapshotStateMachineArn", stack: "compute", field: "datasetSnapshotStateMachine", flag: "--state-machine" },
  { output: "JobQueueArn", stack: "compute", field: "jobQueue", flag: "--job-queue" },
  { output: "JobDefinitionArn", stack: "compute", field: "jobDefinition", flag: "--job-definition" },
  { output: "BatchLogStreamPrefix", stack: "compute", field: "batchLogStreamPrefix" },
  // Not a stack output: a config-file key for accounts whose task definitions carry no tags to copy.
  { output: "PropagateTags", stack: "compute", field: "propagateTags", flag: "--propagate-tags" },
];

/** Splits a comma-separated output ("subnet-a, subnet-b") into its items. */
export function splitList(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function setField(values: Partial<LaunchConfig>, field: Field, raw: string, origin: string): void {
  switch (field) {
    case "subnets":
    case "securityGroups":
      values[field] = splitList(raw);
      return;
    case "assignPublicIp":
      values.assignPublicIp = checkAssignPublicIp(raw, origin);
      return;
    case "propagateTags":
      values.propagateTags = checkPropagateTags(raw, origin);
      return;
    default:
      values[field] = raw;
  }
}

export function checkAssignPublicIp(raw: string, origin: string): AssignPublicIp {
  const v = raw.trim().toUpperCase();
  if (v !== "ENABLED" && v !== "DISABLED") throw new ConfigError(`${origin}: AssignPublicIp must be ENABLED or DISABLED, got "${raw}"`);
  return v;
}

export function checkPropagateTags(raw: string, origin: string): PropagateTagsMode {
  const v = raw.trim().toUpperCase();
  if (v !== "TASK_DEFINITION" && v !== "NONE") throw new ConfigError(`${origin}: PropagateTags must be TASK_DEFINITION or NONE, got "${raw}"`);
  return v;
}

/** Maps stack outputs (`{ BucketName: "…", ClusterArn: "…" }`) onto config fields; unknown keys are ignored. */
export function configFromOutputs(outputs: Record<string, string>, origin: string): Partial<LaunchConfig> {
  const values: Partial<LaunchConfig> = {};
  for (const o of OUTPUTS) {
    const raw = outputs[o.output];
    if (raw !== undefined) setField(values, o.field, raw, origin);
  }
  return values;
}

/**
 * Reads a config file: a JSON object of stack outputs, either flat (`{"BucketName": …}`) or keyed by
 * stack name as `cdk deploy --outputs-file` writes it (`{"AegisBtStorage": {"BucketName": …}}`).
 */
export function parseConfigFile(text: string, path: string): Record<string, string> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${path}: not JSON (${(err as Error).message})`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new ConfigError(`${path}: expected a JSON object of stack outputs`);
  }
  const out: Record<string, string> = {};
  const take = (obj: Record<string, unknown>, where: string) => {
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v === "string") out[k] = v;
      else if (Array.isArray(v) && v.every((x) => typeof x === "string")) out[k] = v.join(",");
      else if (typeof v === "object" && v !== null && where === "") take(v as Record<string, unknown>, k);
      else throw new ConfigError(`${path}: ${where ? `${where}.` : ""}${k} must be a string`);
    }
  };
  take(doc as Record<string, unknown>, "");
  return out;
}

/** The outputs of one CloudFormation stack, by name. A missing stack is a one-line {@link ConfigError}. */
export async function stackOutputs(
  cfn: CloudFormationClient,
  stackName: string,
  region?: string,
): Promise<Record<string, string>> {
  const where = region ? ` in ${region}` : "";
  let res;
  try {
    res = await aws({ action: `reading stack ${stackName}`, ...(region && { region }) }, () =>
      cfn.send(new DescribeStacksCommand({ StackName: stackName })),
    );
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    if (errorName(cause) === "ValidationError" && /does not exist/i.test((cause as Error).message)) {
      throw new ConfigError(
        `stack ${stackName} does not exist${where}: deploy it (cdk deploy), check --region, name another stack, or pass --config <file>`,
        { cause },
      );
    }
    throw err;
  }
  const stack = res.Stacks?.[0];
  if (!stack) throw new ConfigError(`stack ${stackName} does not exist${where}`);
  const status = stack.StackStatus ?? "";
  if (/^(DELETE_|ROLLBACK_COMPLETE|ROLLBACK_FAILED|CREATE_FAILED|ROLLBACK_IN_PROGRESS|CREATE_IN_PROGRESS)/.test(status)) {
    throw new ConfigError(`stack ${stackName}${where} is ${status}: its outputs cannot be trusted; fix or redeploy it`);
  }
  const outputs: Record<string, string> = {};
  for (const o of stack.Outputs ?? []) {
    if (o.OutputKey && o.OutputValue !== undefined) outputs[o.OutputKey] = o.OutputValue;
  }
  return outputs;
}

export interface ConfigSources {
  /** Needed unless `file` is given. */
  cloudFormation?: CloudFormationClient;
  /** The region, for messages about a missing stack. */
  region?: string;
  storageStack?: string;
  computeStack?: string;
  /** Which stacks to read (default both); the local target needs only the bucket. */
  stacks?: readonly Stack[];
  /** A JSON file of outputs, read instead of the stacks. */
  file?: string;
  overrides?: ConfigOverrides;
  /**
   * The environment, for the overrides that have no flag ({@link ENV_OVERRIDES}); default
   * `process.env`. Flags win over it.
   */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Environment variables that override an output and have no flag. */
export const ENV_OVERRIDES = {
  /** `S3TaskDefinitionArn`: the task definition of runs without a snapshot. */
  s3TaskDefinition: "AEGIS_S3_TASK_DEFINITION",
} as const satisfies Partial<Record<Field, string>>;

/** Reads the configuration from the file or the stacks, then applies the flags. */
export async function loadConfig(src: ConfigSources): Promise<ConfigValues> {
  let values: Partial<LaunchConfig>;
  let source: string;
  if (src.file !== undefined) {
    let text: string;
    try {
      text = await readFile(src.file, "utf8");
    } catch (err) {
      throw new ConfigError(`${src.file}: cannot read the config file (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
    values = configFromOutputs(parseConfigFile(text, src.file), src.file);
    source = `file ${src.file}`;
  } else {
    if (!src.cloudFormation) throw new ConfigError("no CloudFormation client and no config file: nothing to read the configuration from");
    const names: Record<Stack, string> = {
      storage: src.storageStack ?? DEFAULT_STORAGE_STACK,
      compute: src.computeStack ?? DEFAULT_COMPUTE_STACK,
    };
    const wanted = src.stacks ?? ["storage", "compute"];
    values = {};
    for (const stack of wanted) {
      const outputs = await stackOutputs(src.cloudFormation, names[stack], src.region);
      // Each stack contributes only its own outputs (docs/remote.md), so a stray output cannot shadow.
      const own = Object.fromEntries(
        OUTPUTS.filter((o) => o.stack === stack && outputs[o.output] !== undefined).map((o) => [o.output, outputs[o.output] as string]),
      );
      Object.assign(values, configFromOutputs(own, `stack ${names[stack]}`));
    }
    source = `stack${wanted.length > 1 ? "s" : ""} ${wanted.map((s) => names[s]).join(", ")}`;
  }
  const env = src.env ?? process.env;
  const s3FromEnv = env[ENV_OVERRIDES.s3TaskDefinition]?.trim();
  if (s3FromEnv) values.s3TaskDefinition = s3FromEnv;
  const overrides = src.overrides ?? {};
  for (const [k, v] of Object.entries(overrides)) {
    if (v !== undefined) (values as Record<string, unknown>)[k] = v;
  }
  // A task definition named on the command line serves every run, as before the split, unless the
  // one for runs without a snapshot is named too: the stack's would not be the one the user meant.
  if (overrides.taskDefinition !== undefined && overrides.s3TaskDefinition === undefined && !s3FromEnv) {
    delete values.s3TaskDefinition;
  }
  return { ...values, source };
}

function missing(values: ConfigValues, fields: readonly Field[]): string[] {
  return fields
    .filter((f) => {
      const v = values[f];
      return v === undefined || v === "" || (Array.isArray(v) && v.length === 0);
    })
    .map((f) => {
      const o = OUTPUTS.find((x) => x.field === f);
      return o ? `${o.output}${o.flag ? ` (or ${o.flag})` : ""}` : f;
    });
}

/** Throws a {@link ConfigError} naming every missing output (and the flag that would supply it). */
export function requireFields(values: ConfigValues, fields: readonly Field[], purpose: string): void {
  const gaps = missing(values, fields);
  if (gaps.length > 0) throw new ConfigError(`${values.source} lack${values.source.startsWith("stacks") ? "" : "s"} ${gaps.join(", ")}, needed ${purpose}`);
}

const LAUNCH_FIELDS: readonly Field[] = ["bucket", "cluster", "taskDefinition", "containerName", "subnets"];

/** The configuration RunTask needs; defaults `securityGroups` to none (the VPC's default group), `assignPublicIp` to DISABLED. */
export function requireLaunchConfig(values: ConfigValues): LaunchConfig {
  requireFields(values, LAUNCH_FIELDS, "to launch a task");
  const { source: _source, ...rest } = values;
  return {
    ...rest,
    bucket: values.bucket as string,
    cluster: values.cluster as string,
    taskDefinition: values.taskDefinition as string,
    containerName: values.containerName as string,
    subnets: values.subnets as string[],
    securityGroups: values.securityGroups ?? [],
    assignPublicIp: values.assignPublicIp ?? "DISABLED",
    propagateTags: values.propagateTags ?? "TASK_DEFINITION",
  };
}

/** What `dataset snapshot` needs: RunTask of the pull task definition with a new EBS volume. */
export type SnapshotLaunchConfig = LaunchConfig & {
  datasetPullTaskDefinition: string;
  ecsInfrastructureRoleArn: string;
  datasetVolumeName: string;
};

const SNAPSHOT_FIELDS: readonly Field[] = ["bucket", "cluster", "datasetPullTaskDefinition", "containerName", "subnets", "ecsInfrastructureRoleArn", "datasetVolumeName"];

/** The configuration of the laptop-driven snapshot lifecycle (docs/remote.md, "Datasets on EBS snapshots"). */
export function requireSnapshotConfig(values: ConfigValues): SnapshotLaunchConfig {
  requireFields(values, SNAPSHOT_FIELDS, "to snapshot a dataset");
  const { source: _source, ...rest } = values;
  return {
    ...rest,
    bucket: values.bucket as string,
    cluster: values.cluster as string,
    // Not started by the lifecycle; kept so the value is a whole LaunchConfig.
    taskDefinition: values.taskDefinition ?? (values.datasetPullTaskDefinition as string),
    datasetPullTaskDefinition: values.datasetPullTaskDefinition as string,
    containerName: values.containerName as string,
    subnets: values.subnets as string[],
    securityGroups: values.securityGroups ?? [],
    assignPublicIp: values.assignPublicIp ?? "DISABLED",
    propagateTags: values.propagateTags ?? "TASK_DEFINITION",
    ecsInfrastructureRoleArn: values.ecsInfrastructureRoleArn as string,
    datasetVolumeName: values.datasetVolumeName as string,
  };
}

/** The state machine of `dataset snapshot --via stepfunctions`. */
export function requireStateMachine(values: ConfigValues): string {
  requireFields(values, ["datasetSnapshotStateMachine"], "to start the dataset snapshot state machine");
  return values.datasetSnapshotStateMachine as string;
}

/** What the Batch lane of a sweep needs: the bucket, the job queue and the job definition. */
export interface BatchConfig {
  bucket: string;
  jobQueue: string;
  jobDefinition: string;
  logGroupName?: string;
  batchLogStreamPrefix?: string;
}

export function requireBatchConfig(values: ConfigValues): BatchConfig {
  requireFields(values, ["bucket", "jobQueue", "jobDefinition"], "to submit a sweep to AWS Batch");
  return {
    bucket: values.bucket as string,
    jobQueue: values.jobQueue as string,
    jobDefinition: values.jobDefinition as string,
    ...(values.logGroupName && { logGroupName: values.logGroupName }),
    ...(values.batchLogStreamPrefix && { batchLogStreamPrefix: values.batchLogStreamPrefix }),
  };
}

/** The bucket, for the commands that only touch S3. */
export function requireBucket(values: ConfigValues): string {
  requireFields(values, ["bucket"], "to reach the run's files");
  return values.bucket as string;
}
