// Where the container image comes from: a Docker image asset built from the repository root (the
// default; CDK hashes the context at synth and builds it at deploy), or a tag in the ECR repository.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The Dockerfile, relative to the build context (the repository root). */
export const DOCKERFILE = "packages/infra/docker/Dockerfile";
/** BuildKit's per-Dockerfile ignore file; CDK gets the same patterns as `exclude`. */
export const DOCKERIGNORE = `${DOCKERFILE}.dockerignore`;

export type ImageSource =
  | {
      readonly kind: "asset";
      /** The build context: the repository root. */
      readonly contextDirectory: string;
      /** The Dockerfile, relative to the context. */
      readonly dockerfile: string;
      /** Docker-syntax ignore patterns: what CDK neither hashes nor stages. */
      readonly exclude: readonly string[];
      /** Passed as the build arg AEGIS_GIT_SHA (run.json records it); part of the asset hash. */
      readonly gitSha?: string;
    }
  | {
      readonly kind: "repository";
      /** An image tag pushed to the `aegis-bt` ECR repository (immutable tags: use the git sha). */
      readonly tag: string;
    };

/** The repository root: the nearest ancestor of `from` that holds the Dockerfile. */
export function findRepositoryRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, DOCKERFILE)) && existsSync(join(dir, "Cargo.toml"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no repository root (a directory with ${DOCKERFILE}) above ${from}`);
    dir = parent;
  }
}

/** The patterns of a .dockerignore file: one a line, `#` comments and blank lines dropped. */
export function parseDockerignore(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/** The default image: the asset built from the repository root with docker/Dockerfile. */
export function imageAssetSource(repositoryRoot: string = findRepositoryRoot(), gitSha?: string): ImageSource {
  const exclude = parseDockerignore(readFileSync(join(repositoryRoot, DOCKERIGNORE), "utf8"));
  return {
    kind: "asset",
    contextDirectory: repositoryRoot,
    dockerfile: DOCKERFILE,
    exclude,
    ...(gitSha ? { gitSha } : {}),
  };
}
