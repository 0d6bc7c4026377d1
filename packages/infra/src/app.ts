// The two stacks, wired: bin/app.ts and the tests build the app through this one function.
import type { App } from "aws-cdk-lib";
import { ComputeStack } from "./compute/compute-stack.js";
import type { AegisBtConfig } from "./config.js";
import { imageAssetSource, type ImageSource } from "./image.js";
import { StorageStack } from "./storage/storage-stack.js";

export interface AegisBtStacks {
  readonly storage: StorageStack;
  readonly compute: ComputeStack;
}

export interface BuildOptions {
  /** The repository root for the image asset (default: found from this package's location). */
  readonly repositoryRoot?: string;
}

export function buildAegisBt(app: App, config: AegisBtConfig, options: BuildOptions = {}): AegisBtStacks {
  const env = config.env;
  const storage = new StorageStack(app, config.stackNames.storage, {
    ...(env ? { env } : {}),
    description: "aegis-bt storage (stateful): the data bucket and the image repository",
    ...config.storage,
  });
  const image: ImageSource =
    config.image.kind === "repository" ? config.image : imageAssetSource(options.repositoryRoot, config.image.gitSha);
  const compute = new ComputeStack(app, config.stackNames.compute, {
    ...(env ? { env } : {}),
    description: "aegis-bt compute (stateless): network, ECS cluster and the aegis-bt Fargate task definition, the Batch lane for sweeps",
    bucketName: storage.names.bucketName,
    repositoryName: storage.names.repositoryName,
    network: config.network,
    size: config.size,
    batchMaxVcpus: config.batchMaxVcpus,
    image,
    ...(config.s3Files ? { s3Files: config.s3Files } : {}),
  });
  compute.addStackDependency(storage, "the task definition reads the bucket and the repository");
  return { storage, compute };
}
