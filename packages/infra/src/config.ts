// The app's typed configuration, parsed from CDK context values. Parsing is pure: bin/app.ts reads the
// context and the environment and hands the raw values in.
import { DEFAULT_STACK_NAMES } from "./contract.js";
import { fargateSize, validateFargateSize, type FargateSize } from "./fargate-size.js";
import type { NetworkOptions } from "./compute/network.js";
import type { S3FilesVolumeOptions } from "./compute/backtest-task.js";
import type { StorageOptions } from "./storage/storage-stack.js";

/** Context keys (`cdk deploy -c aegis:vpcId=vpc-123 …` or cdk.json). */
export const CONTEXT_KEYS = {
  storageStackName: "aegis:storageStackName",
  computeStackName: "aegis:computeStackName",
  resultsExpirationDays: "aegis:resultsExpirationDays",
  vcpu: "aegis:vcpu",
  memoryGb: "aegis:memoryGb",
  ephemeralStorageGib: "aegis:ephemeralStorageGib",
  vpcId: "aegis:vpcId",
  subnetIds: "aegis:subnetIds",
  assignPublicIp: "aegis:assignPublicIp",
  vpcCidr: "aegis:vpcCidr",
  s3FilesFileSystemArn: "aegis:s3FilesFileSystemArn",
  s3FilesAccessPointArn: "aegis:s3FilesAccessPointArn",
  imageTag: "aegis:imageTag",
  gitSha: "aegis:gitSha",
  batchMaxVcpus: "aegis:batchMaxVcpus",
} as const;

/** How the image is chosen; bin/ turns `asset` into an `ImageSource` for the repository root. */
export type ImageChoice = { readonly kind: "asset"; readonly gitSha?: string } | { readonly kind: "repository"; readonly tag: string };

export interface AegisBtConfig {
  readonly env?: { readonly account?: string; readonly region?: string };
  readonly stackNames: { readonly storage: string; readonly compute: string };
  readonly storage: StorageOptions;
  readonly network: NetworkOptions;
  readonly size: FargateSize;
  /** The most vCPUs each Batch compute environment (Spot, on demand) runs at once. */
  readonly batchMaxVcpus: number;
  readonly image: ImageChoice;
  readonly s3Files?: S3FilesVolumeOptions;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

type Lookup = (key: string) => unknown;

function str(get: Lookup, key: string): string | undefined {
  const v = get(key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string" && typeof v !== "number") throw new ConfigError(`context ${key} must be a string, got ${JSON.stringify(v)}`);
  const s = String(v).trim();
  return s === "" ? undefined : s;
}

function num(get: Lookup, key: string, fallback: number): number {
  const s = str(get, key);
  if (s === undefined) return fallback;
  const n = Number(s);
  if (!Number.isFinite(n)) throw new ConfigError(`context ${key} must be a number, got ${JSON.stringify(s)}`);
  return n;
}

function bool(get: Lookup, key: string, fallback: boolean): boolean {
  const v = get(key);
  if (v === undefined || v === null || v === "") return fallback;
  if (v === true || v === "true" || v === "ENABLED") return true;
  if (v === false || v === "false" || v === "DISABLED") return false;
  throw new ConfigError(`context ${key} must be true/false (or ENABLED/DISABLED), got ${JSON.stringify(v)}`);
}

function list(get: Lookup, key: string): string[] {
  const v = get(key);
  if (Array.isArray(v)) return v.map(String).map((s) => s.trim()).filter((s) => s !== "");
  const s = str(get, key);
  return s === undefined ? [] : s.split(",").map((x) => x.trim()).filter((x) => x !== "");
}

/** The configuration from context values and the deployment environment (account, region). */
export function parseConfig(get: Lookup, env: { account?: string; region?: string } = {}): AegisBtConfig {
  const K = CONTEXT_KEYS;

  const size = fargateSize(num(get, K.vcpu, 16), num(get, K.memoryGb, 120), num(get, K.ephemeralStorageGib, 50));
  try {
    validateFargateSize(size);
  } catch (e) {
    throw new ConfigError(`context ${K.vcpu}/${K.memoryGb}/${K.ephemeralStorageGib}: ${(e as Error).message}`);
  }

  // Below one job's vCPUs, Batch could never start a sweep job: it would wait in RUNNABLE for ever.
  const batchMaxVcpus = num(get, K.batchMaxVcpus, 256);
  const jobVcpus = Math.ceil(size.cpu / 1024);
  if (!Number.isInteger(batchMaxVcpus) || batchMaxVcpus < jobVcpus) {
    throw new ConfigError(
      `context ${K.batchMaxVcpus} must be a whole number of vCPUs ≥ ${jobVcpus} (one job's ${K.vcpu}), got ${batchMaxVcpus}`,
    );
  }

  const vpcId = str(get, K.vpcId);
  const subnetIds = list(get, K.subnetIds);
  const vpcCidr = str(get, K.vpcCidr);
  let network: NetworkOptions;
  if (vpcId === undefined) {
    if (subnetIds.length > 0) throw new ConfigError(`context ${K.subnetIds} needs ${K.vpcId}`);
    network = { kind: "new" };
  } else {
    if (!/^vpc-[0-9a-f]+$/.test(vpcId)) throw new ConfigError(`context ${K.vpcId} must look like vpc-0123abcd, got ${vpcId}`);
    if (subnetIds.length === 0) throw new ConfigError(`context ${K.vpcId} needs ${K.subnetIds} (comma-separated subnet ids)`);
    // AWS's format (8 or 17 hex digits): the Batch compute environments carry the ids into the
    // template, where CloudFormation validation refuses anything else.
    const bad = subnetIds.filter((s) => !/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/.test(s));
    if (bad.length > 0) throw new ConfigError(`context ${K.subnetIds}: not subnet ids (subnet- and 8 or 17 hex digits): ${bad.join(", ")}`);
    network = {
      kind: "imported",
      vpcId,
      subnetIds,
      assignPublicIp: bool(get, K.assignPublicIp, true),
      ...(vpcCidr ? { vpcCidrBlock: vpcCidr } : {}),
    };
  }

  const fileSystemArn = str(get, K.s3FilesFileSystemArn);
  const accessPointArn = str(get, K.s3FilesAccessPointArn);
  if (accessPointArn !== undefined && fileSystemArn === undefined) {
    throw new ConfigError(`context ${K.s3FilesAccessPointArn} needs ${K.s3FilesFileSystemArn}`);
  }
  if (fileSystemArn !== undefined && network.kind === "imported" && network.vpcCidrBlock === undefined) {
    throw new ConfigError(`context ${K.s3FilesFileSystemArn} in an imported VPC needs ${K.vpcCidr} (for the NFS egress rule)`);
  }

  const tag = str(get, K.imageTag);
  const gitSha = str(get, K.gitSha);
  const image: ImageChoice = tag !== undefined ? { kind: "repository", tag } : { kind: "asset", ...(gitSha ? { gitSha } : {}) };

  const account = env.account?.trim() || undefined;
  const region = env.region?.trim() || undefined;
  return {
    ...(account || region ? { env: { ...(account ? { account } : {}), ...(region ? { region } : {}) } } : {}),
    stackNames: {
      storage: str(get, K.storageStackName) ?? DEFAULT_STACK_NAMES.storage,
      compute: str(get, K.computeStackName) ?? DEFAULT_STACK_NAMES.compute,
    },
    storage: { resultsExpirationDays: num(get, K.resultsExpirationDays, 365) },
    network,
    size,
    batchMaxVcpus,
    image,
    ...(fileSystemArn ? { s3Files: { fileSystemArn, ...(accessPointArn ? { accessPointArn } : {}) } } : {}),
  };
}
