// What every command module shares: the CLI's output and environment, the global options (AWS
// connection, configuration overrides) and how they become clients and configuration, the flag
// parsers, the size options, Ctrl-C handling and the scratch directory.
import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import { createClients, destroyClients, type AwsClients, type ClientSettings } from "../clients.js";
import { checkAssignPublicIp, checkPropagateTags, loadConfig, splitList, type ConfigOverrides, type ConfigValues } from "../config.js";
import { InputError } from "../errors.js";
import { checkScratchDir, scratchRequest } from "../scratch.js";
import { PROFILES } from "../sizes.js";

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** The environment (AWS_ENDPOINT_URL, AEGIS_BT_BINARY, AEGIS_SCRATCH_DIR); the CLI reads nothing else from it. */
  env: Readonly<Record<string, string | undefined>>;
  /** Whether a person can answer questions (stdin and stderr are terminals); absent: no one can. */
  interactive?: boolean;
  /** Asks a question and resolves with the answer's line (used only when `interactive`). */
  ask?: (question: string) => Promise<string>;
}

export interface GlobalOptions {
  region?: string;
  endpointUrl?: string;
  awsProfile?: string;
  config?: string;
  storageStack?: string;
  computeStack?: string;
  bucket?: string;
  cluster?: string;
  taskDefinition?: string;
  container?: string;
  subnets?: string;
  securityGroups?: string;
  assignPublicIp?: string;
  logGroup?: string;
  logStreamPrefix?: string;
  infrastructureRole?: string;
  datasetVolume?: string;
  pullTaskDefinition?: string;
  stateMachine?: string;
  propagateTags?: string;
  jobQueue?: string;
  jobDefinition?: string;
}

/** The program's own options, before any command's: the AWS connection and the configuration overrides. */
export function addGlobalOptions(program: Command): Command {
  return program
    .optionsGroup("AWS connection:")
    .option("--region <region>", "AWS region (default: AWS_REGION or the profile's)")
    .option("--endpoint-url <url>", "one endpoint for every AWS service, e.g. moto (default: $AWS_ENDPOINT_URL)")
    .option("--aws-profile <name>", "named AWS profile (default: AWS_PROFILE)")
    .option("--verbose", "on failure, print the cause chain and the raw AWS response after the one-line message", false)
    .optionsGroup("Configuration (default: the stacks' outputs; each flag overrides one output):")
    .option("--config <file>", "JSON of stack outputs instead of DescribeStacks (cdk deploy --outputs-file works)")
    .option("--storage-stack <name>", "storage stack name (default AegisBtStorage)")
    .option("--compute-stack <name>", "compute stack name (default AegisBtCompute)")
    .option("--bucket <name>", "BucketName")
    .option("--cluster <arn>", "ClusterArn")
    .option("--task-definition <arn>", "TaskDefinitionArn")
    .option("--container <name>", "ContainerName")
    .option("--subnets <ids>", "SubnetIds, comma-separated")
    .option("--security-groups <ids>", "SecurityGroupIds, comma-separated")
    .option("--assign-public-ip <mode>", "AssignPublicIp: ENABLED or DISABLED")
    .option("--log-group <name>", "LogGroupName")
    .option("--log-stream-prefix <prefix>", "LogStreamPrefix")
    .option("--infrastructure-role <arn>", "EcsInfrastructureRoleArn (for --snapshot)")
    .option("--dataset-volume <name>", "DatasetVolumeName (for --snapshot)")
    .option("--pull-task-definition <arn>", "DatasetPullTaskDefinitionArn (dataset snapshot)")
    .option("--state-machine <arn>", "DatasetSnapshotStateMachineArn (dataset snapshot --via stepfunctions)")
    .option("--propagate-tags <mode>", "TASK_DEFINITION (default) or NONE")
    .option("--job-queue <arn>", "JobQueueArn (sweep --lane batch)")
    .option("--job-definition <arn>", "JobDefinitionArn (sweep --lane batch)")
    .optionsGroup("Options:");
}

/** A command's view of the global options. */
export function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a positive number");
  return n;
}

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive whole number");
  return n;
}

export function readScenario(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new InputError(`${file}: cannot read the scenario (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

function clientSettings(g: GlobalOptions, io: CliIo): ClientSettings {
  const endpoint = g.endpointUrl ?? io.env.AWS_ENDPOINT_URL;
  return {
    ...(g.region !== undefined && { region: g.region }),
    ...(endpoint !== undefined && endpoint !== "" && { endpoint }),
    ...(g.awsProfile !== undefined && { profile: g.awsProfile }),
  };
}

function overrides(g: GlobalOptions): ConfigOverrides {
  const o: ConfigOverrides = {};
  if (g.bucket) o.bucket = g.bucket;
  if (g.cluster) o.cluster = g.cluster;
  if (g.taskDefinition) o.taskDefinition = g.taskDefinition;
  if (g.container) o.containerName = g.container;
  if (g.subnets) o.subnets = splitList(g.subnets);
  if (g.securityGroups) o.securityGroups = splitList(g.securityGroups);
  if (g.assignPublicIp) o.assignPublicIp = checkAssignPublicIp(g.assignPublicIp, "--assign-public-ip");
  if (g.logGroup) o.logGroupName = g.logGroup;
  if (g.logStreamPrefix) o.logStreamPrefix = g.logStreamPrefix;
  if (g.infrastructureRole) o.ecsInfrastructureRoleArn = g.infrastructureRole;
  if (g.datasetVolume) o.datasetVolumeName = g.datasetVolume;
  if (g.pullTaskDefinition) o.datasetPullTaskDefinition = g.pullTaskDefinition;
  if (g.stateMachine) o.datasetSnapshotStateMachine = g.stateMachine;
  if (g.propagateTags) o.propagateTags = checkPropagateTags(g.propagateTags, "--propagate-tags");
  if (g.jobQueue) o.jobQueue = g.jobQueue;
  if (g.jobDefinition) o.jobDefinition = g.jobDefinition;
  return o;
}

async function region(clients: AwsClients): Promise<string | undefined> {
  try {
    return await clients.s3.config.region();
  } catch {
    return undefined;
  }
}

/** The CLI's environment that each set of clients was built from ({@link withClients}). */
const clientsEnv = new WeakMap<AwsClients, CliIo["env"]>();

/**
 * The configuration from the stacks' outputs (or --config), with the flags' overrides and the
 * environment's (`AEGIS_S3_TASK_DEFINITION`): the CLI's environment (`io.env`) that `clients` were
 * built from, never `process.env` behind its back.
 */
export async function config(
  g: GlobalOptions,
  clients: AwsClients,
  stacks: ("storage" | "compute")[] = ["storage", "compute"],
  env: CliIo["env"] = clientsEnv.get(clients) ?? {},
): Promise<ConfigValues> {
  const r = await region(clients);
  return loadConfig({
    cloudFormation: clients.cloudFormation,
    env,
    ...(r && { region: r }),
    ...(g.config !== undefined && { file: g.config }),
    ...(g.storageStack !== undefined && { storageStack: g.storageStack }),
    ...(g.computeStack !== undefined && { computeStack: g.computeStack }),
    stacks,
    overrides: overrides(g),
  });
}

/** Builds the clients the global options describe, runs `fn` with them, and closes them. */
export async function withClients<T>(g: GlobalOptions, io: CliIo, fn: (clients: AwsClients) => Promise<T>): Promise<T> {
  const clients = createClients(clientSettings(g, io));
  clientsEnv.set(clients, io.env);
  try {
    return await fn(clients);
  } finally {
    destroyClients(clients);
  }
}

/** AWS variables with the secrets masked, for --dry-run output. */
export function redact(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) out[k] = k === "AWS_SECRET_ACCESS_KEY" || k === "AWS_SESSION_TOKEN" ? "***" : v;
  return out;
}

/** An AbortSignal that Ctrl-C (SIGINT) aborts, until `done` is called. */
export function interruptible(): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const onInt = () => controller.abort();
  process.once("SIGINT", onInt);
  return { signal: controller.signal, done: () => process.off("SIGINT", onInt) };
}

export interface SizeFlags {
  profile?: string;
  cpu?: number;
  memory?: number;
  ephemeral?: number;
}

export function sizeFlags(o: SizeFlags) {
  return {
    ...(o.profile !== undefined && { profile: o.profile }),
    ...(o.cpu !== undefined && { vcpu: o.cpu }),
    ...(o.memory !== undefined && { memoryGb: o.memory }),
    ...(o.ephemeral !== undefined && { ephemeralGiB: o.ephemeral }),
  };
}

/** --profile, --cpu, --memory, --ephemeral and --spot, shared by submit, sweep and cost. */
export function addSizeOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option("--profile <name>", "size profile (default: the scenario's resources.profile, else orats-7y)").choices(Object.keys(PROFILES)),
    )
    .option("--cpu <vCPU>", "vCPU, on top of the profile (Fargate: 0.25, 0.5, 1, 2, 4, 8, 16)", positiveNumber)
    .option("--memory <GB>", "memory in GB, on top of the profile (checked against the Fargate table)", positiveNumber)
    .option("--ephemeral <GiB>", "ephemeral storage in GiB, 21–200", positiveNumber)
    .option("--spot", "run on Fargate Spot (about 70% cheaper; may be interrupted)", false);
}

/**
 * Asks `question` ([y/N]) when a person can answer; without one, refuses unless `yes` (so a script
 * never deletes by accident). `noTerminal` and `declined` are the refusals' messages.
 */
export async function confirm(io: CliIo, o: { yes: boolean; question: string; noTerminal: string; declined: string }): Promise<void> {
  if (o.yes) return;
  if (!io.interactive || !io.ask) throw new InputError(o.noTerminal);
  const answer = await io.ask(o.question);
  if (!/^y(es)?$/i.test(answer.trim())) throw new InputError(o.declined);
}

/** The scratch directory asked for (`--scratch-dir`, else $AEGIS_SCRATCH_DIR), checked and, unless `dryRun`, made; or none. */
export async function scratchDir(flag: string | undefined, io: CliIo, dryRun: boolean): Promise<string | undefined> {
  const asked = scratchRequest(flag, io.env);
  return asked ? checkScratchDir(asked.dir, asked.origin, { create: !dryRun }) : undefined;
}
