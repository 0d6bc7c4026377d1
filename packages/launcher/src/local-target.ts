// `--target local`: the `aegis-bt` binary as a child process with the container's environment, the
// same S3 exchange (it reads AEGIS_CONFIG_URI, writes AEGIS_RESULTS_URI) and the S3 client's AWS_*.
import { spawn } from "node:child_process";
import { access, constants } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { S3Client } from "@aws-sdk/client-s3";
import { InputError } from "./errors.js";
import { TAIL_LINES } from "./logs.js";

/** The repository root (this file is `packages/launcher/{src,dist}/local-target.*`). */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The binary `--target local` runs: `$AEGIS_BT_BINARY`, else `<repo>/target/release/aegis-bt`. */
export function defaultBinary(env: Readonly<Record<string, string | undefined>>, repoRoot: string = REPO_ROOT): string {
  const fromEnv = env.AEGIS_BT_BINARY;
  return fromEnv !== undefined && fromEnv !== "" ? fromEnv : join(repoRoot, "target", "release", "aegis-bt");
}

/** Refuses a binary that is not there or not executable, before anything is uploaded. */
export async function checkBinary(binary: string): Promise<void> {
  try {
    await access(binary, constants.X_OK);
  } catch {
    throw new InputError(`no executable aegis-bt at ${binary}: build it (with its S3 feature), or pass --binary / set AEGIS_BT_BINARY`);
  }
}

/**
 * The AWS_* variables that let the binary reach the same S3 as `s3`: region, the resolved
 * credentials and, for a custom endpoint (moto, LocalStack), AWS_ENDPOINT_URL and, over http,
 * AWS_ALLOW_HTTP=true.
 */
export async function awsEnvironment(s3: S3Client): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  const region = await s3.config.region();
  if (region) env.AWS_REGION = region;
  const endpoint = s3.config.endpoint ? await s3.config.endpoint() : undefined;
  if (endpoint) {
    const port = endpoint.port !== undefined ? `:${endpoint.port}` : "";
    const path = endpoint.path && endpoint.path !== "/" ? endpoint.path.replace(/\/$/, "") : "";
    env.AWS_ENDPOINT_URL = `${endpoint.protocol}//${endpoint.hostname}${port}${path}`;
    if (endpoint.protocol === "http:") env.AWS_ALLOW_HTTP = "true";
  }
  const creds = await s3.config.credentials();
  env.AWS_ACCESS_KEY_ID = creds.accessKeyId;
  env.AWS_SECRET_ACCESS_KEY = creds.secretAccessKey;
  if (creds.sessionToken) env.AWS_SESSION_TOKEN = creds.sessionToken;
  return env;
}

/**
 * The child's whole environment: the container's variables, the AWS ones and `extra` (tests point
 * AEGIS_SCRATCH_DIR or the mount points somewhere harmless). Nothing is inherited from this process,
 * so a stray AEGIS_DATA_ROOT or AWS_PROFILE cannot make the local run differ from the container.
 */
export function localEnvironment(
  container: Readonly<Record<string, string>>,
  awsEnv: Readonly<Record<string, string>>,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return { ...container, ...awsEnv, ...extra };
}

export interface LocalRunOptions {
  binary: string;
  env: Record<string, string>;
  /** Default `["run"]`: the container's command. */
  args?: string[];
  cwd?: string;
  /** Each line of stdout and stderr (the binary prints JSON log lines). */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  signal?: AbortSignal;
  tailLines?: number;
}

export interface LocalRunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines of output, for a failure message. */
  tail: string[];
}

/** Runs the binary to its end; resolves with its exit status (a non-zero exit is not an exception here). */
export async function runLocalBinary(opts: LocalRunOptions): Promise<LocalRunResult> {
  const keep = opts.tailLines ?? TAIL_LINES;
  const tail: string[] = [];
  const child = spawn(opts.binary, opts.args ?? ["run"], {
    env: opts.env,
    stdio: ["ignore", "pipe", "pipe"],
    ...(opts.cwd && { cwd: opts.cwd }),
  });
  const onAbort = () => child.kill("SIGTERM");
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  const read = (stream: NodeJS.ReadableStream, name: "stdout" | "stderr") =>
    new Promise<void>((resolve) => {
      const rl = createInterface({ input: stream, crlfDelay: Infinity });
      rl.on("line", (line) => {
        tail.push(line);
        if (tail.length > keep) tail.shift();
        opts.onLine?.(line, name);
      });
      rl.on("close", resolve);
    });
  try {
    const [status] = await Promise.all([
      new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
        child.once("error", reject);
        child.once("close", (code, signal) => resolve({ code, signal }));
      }),
      read(child.stdout, "stdout"),
      read(child.stderr, "stderr"),
    ]);
    return { exitCode: status.code, signal: status.signal, tail };
  } catch (err) {
    throw new InputError(`cannot run ${opts.binary}: ${(err as Error).message}`, { cause: err });
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
  }
}
