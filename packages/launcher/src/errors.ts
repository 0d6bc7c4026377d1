// Typed errors and the mapping of AWS SDK failures to one-line messages a user can act on.

/** Base of every failure the launcher reports on purpose. `code` is stable across versions. */
export class LaunchError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Missing or contradictory configuration: stack outputs, config file, flags, region (`ERR_CONFIG`). */
export class ConfigError extends LaunchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, "ERR_CONFIG", options);
  }
}

/** Input the launcher refuses before launching: a file, a snapshot id, a dataset, a run id (`ERR_INPUT`). */
export class InputError extends LaunchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, "ERR_INPUT", options);
  }
}

/** An AWS call that failed; `awsCode` is the service's error name (`ERR_AWS`, `ERR_CREDENTIALS`, `ERR_THROTTLED`, `ERR_NOT_FOUND`). */
export class AwsError extends LaunchError {
  constructor(
    message: string,
    code: string,
    readonly awsCode: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, code, options);
  }
}

/** RunTask accepted the call but placed no task (`failures[]`) (`ERR_RUNTASK`). */
export class RunTaskFailureError extends LaunchError {
  constructor(
    message: string,
    readonly failures: { arn?: string; reason?: string; detail?: string }[],
  ) {
    super(message, "ERR_RUNTASK");
  }
}

/** A run that stopped without `_SUCCESS`: stop reason, exit code and the log tail (`ERR_RUN_FAILED`). */
export class RunFailedError extends LaunchError {
  constructor(
    message: string,
    readonly details: {
      runId: string;
      stopCode?: string;
      stoppedReason?: string;
      exitCode?: number;
      attempts: number;
      logTail: string[];
    },
  ) {
    super(message, "ERR_RUN_FAILED");
  }
}

/** One sweep shard that failed for good: after how many attempts, and why the last one ended. */
export interface FailedShard {
  shard: number;
  attempts: number;
  reason: string;
  exitCode?: number;
  /** The last lines of its output, where the launcher has them (the local target). */
  logTail?: string[];
}

/** A sweep whose shards did not all finish after their attempts; names each one (`ERR_SWEEP_FAILED`). */
export class SweepFailedError extends LaunchError {
  constructor(
    message: string,
    readonly details: { runId: string; failed: FailedShard[] },
  ) {
    super(message, "ERR_SWEEP_FAILED");
  }
}

/** A results prefix without `_SUCCESS`: the run did not finish, so it is never treated as complete (`ERR_INCOMPLETE`). */
export class IncompleteRunError extends LaunchError {
  constructor(message: string) {
    super(message, "ERR_INCOMPLETE");
  }
}

interface SdkErrorShape {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  hostname?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** The service's error name (`ThrottlingException`, `NoSuchBucket`, …) or a Node network code. */
export function errorName(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as SdkErrorShape;
  for (const v of [e.Code, e.name, e.code]) {
    if (typeof v === "string" && v !== "" && v !== "Error" && v !== "UnknownError") return v;
  }
  return undefined;
}

/** The HTTP status of an SDK error, when there was a response. */
export function httpStatus(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  return (err as SdkErrorShape).$metadata?.httpStatusCode;
}

const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "ProvisionedThroughputExceededException",
  "ServiceUnavailable",
  "ServiceUnavailableException",
]);

/** Throttling or "try again": backed off and retried, never surfaced as a crash. */
export function isThrottling(err: unknown): boolean {
  const name = errorName(err);
  if (name !== undefined && THROTTLING.has(name)) return true;
  const status = httpStatus(err);
  return status === 429 || status === 503;
}

const EXPIRED = new Set(["ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"]);
const INVALID_CREDENTIALS = new Set([
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "AuthFailure",
  "InvalidSignatureException",
]);
const ACCESS_DENIED = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden"]);
const NETWORK = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET", "TimeoutError", "EHOSTUNREACH"]);

/** Collapses a message onto one line (AWS messages sometimes carry newlines). */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return oneLine(err.message);
  return oneLine(String(err));
}

export interface AwsContext {
  /** What was being done, as a phrase: "reading stack AegisBtCompute", "RunTask on cluster aegis". */
  action: string;
  /** The region the client talks to, for messages about a wrong region. */
  region?: string;
}

/**
 * Maps an AWS SDK (or network) failure onto a {@link LaunchError} with one line that says what
 * failed and what to do. A `LaunchError` passes through unchanged.
 */
export function describeAwsError(err: unknown, ctx: AwsContext): LaunchError {
  if (err instanceof LaunchError) return err;
  const name = errorName(err);
  const msg = messageOf(err);
  const where = ctx.region ? ` in ${ctx.region}` : "";
  if (/region is missing/i.test(msg)) {
    return new ConfigError("no AWS region: pass --region or set AWS_REGION", { cause: err });
  }
  if (name === "CredentialsProviderError" || /could not load credentials/i.test(msg)) {
    return new AwsError(
      `no AWS credentials found while ${ctx.action} (${msg}): set AWS_PROFILE or --aws-profile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
      "ERR_CREDENTIALS",
      name,
      { cause: err },
    );
  }
  if (name !== undefined && EXPIRED.has(name)) {
    return new AwsError(
      `AWS credentials have expired (${name}) while ${ctx.action}: refresh them (e.g. aws sso login) and try again`,
      "ERR_CREDENTIALS",
      name,
      { cause: err },
    );
  }
  if (name !== undefined && INVALID_CREDENTIALS.has(name)) {
    return new AwsError(
      `AWS rejected the credentials (${name}) while ${ctx.action}${where}: check the access key or profile, and that the region is enabled for the account`,
      "ERR_CREDENTIALS",
      name,
      { cause: err },
    );
  }
  if ((name !== undefined && ACCESS_DENIED.has(name)) || httpStatus(err) === 403) {
    return new AwsError(`access denied while ${ctx.action}${where}: ${msg}`, "ERR_AWS", name, { cause: err });
  }
  if (isThrottling(err)) {
    return new AwsError(
      `AWS kept throttling ${ctx.action} (${name ?? `HTTP ${httpStatus(err)}`}) after retries: try again in a minute`,
      "ERR_THROTTLED",
      name,
      { cause: err },
    );
  }
  if (name !== undefined && NETWORK.has(name)) {
    const host = (err as SdkErrorShape).hostname;
    const hostText = typeof host === "string" ? ` ${host}` : "";
    return new AwsError(
      `cannot reach AWS while ${ctx.action} (${name}${hostText}): check the network, --region or --endpoint-url`,
      "ERR_AWS",
      name,
      { cause: err },
    );
  }
  return new AwsError(`${ctx.action}${where} failed: ${name ? `${name}: ` : ""}${msg}`, "ERR_AWS", name, { cause: err });
}

/** Runs one AWS call and maps its failure with {@link describeAwsError}. */
export async function aws<T>(ctx: AwsContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw describeAwsError(err, ctx);
  }
}

/** The one line the CLI prints for any failure: never a stack trace. */
export function userMessage(err: unknown): string {
  if (err instanceof LaunchError) return oneLine(err.message);
  if (err instanceof Error && (err as { code?: unknown }).code === "ERR_SCENARIO") return oneLine(err.message);
  if (err instanceof Error && err.name === "AbortError") return "interrupted";
  if (errorName(err) !== undefined && typeof err === "object" && err !== null && "$metadata" in err) {
    return describeAwsError(err, { action: "an AWS call" }).message;
  }
  return messageOf(err);
}
