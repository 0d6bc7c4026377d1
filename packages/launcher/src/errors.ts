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
  $metadata?: { httpStatusCode?: number; requestId?: string; extendedRequestId?: string; attempts?: number };
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> };
  $responseBodyText?: unknown;
}

/** The service's error name (`ThrottlingException`, `NoSuchBucket`, …) or a Node network code. */
export function errorName(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as SdkErrorShape;
  for (const v of [e.Code, e.name, e.code]) {
    if (typeof v === "string" && v !== "" && v !== "Error" && v !== "UnknownError" && v !== "Unknown") return v;
  }
  return undefined;
}

/** The HTTP status of an SDK error, when there was a response. */
export function httpStatus(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as SdkErrorShape;
  return e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
}

/** A response header of an SDK error (lower-case name), when there was a response. */
function responseHeader(err: unknown, name: string): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const headers = (err as SdkErrorShape).$response?.headers ?? {};
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name && v !== undefined) return v;
  return undefined;
}

/** Where a failed request went, as {@link annotateErrors} records it on the error. */
export interface RequestInfo {
  /** `https://host[:port]` of the request that failed. */
  endpoint: string;
  method: string;
  path: string;
  /** The client's region. */
  region?: string;
}

const REQUEST = Symbol("aegis.request");

/** The request an error came from, when its client was built by {@link createClients}. */
export function requestOf(err: unknown): RequestInfo | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  return (err as { [REQUEST]?: RequestInfo })[REQUEST];
}

interface MiddlewareClient {
  middlewareStack: unknown;
  config: { region: unknown };
}

/**
 * Adds a middleware to an SDK client that records, on any error its calls throw, the endpoint,
 * method, path and region of the request (hidden, for {@link describeAwsError} and `--verbose`):
 * an endpoint that answers with an HTML page is then named in the message.
 */
export function annotateErrors<C extends MiddlewareClient>(client: C): C {
  type Next = (args: { request?: unknown }) => Promise<unknown>;
  const middleware = (next: Next) => async (args: { request?: unknown }) => {
    try {
      return await next(args);
    } catch (err) {
      if (typeof err === "object" && err !== null && !(REQUEST in err)) {
        const req = (args.request ?? {}) as { protocol?: string; hostname?: string; port?: number; path?: string; method?: string };
        let region: string | undefined;
        try {
          const r = client.config.region;
          region = typeof r === "function" ? String(await (r as () => Promise<string>)()) : typeof r === "string" ? r : undefined;
        } catch {
          region = undefined;
        }
        const info: RequestInfo = {
          endpoint: `${req.protocol ?? "https:"}//${req.hostname ?? "?"}${req.port !== undefined ? `:${req.port}` : ""}`,
          method: req.method ?? "?",
          path: req.path ?? "/",
          ...(region && { region }),
        };
        Object.defineProperty(err, REQUEST, { value: info, enumerable: false });
      }
      throw err;
    }
  };
  (client.middlewareStack as { add(mw: unknown, options: { step: string; name: string; override?: boolean }): void }).add(middleware, {
    step: "build",
    name: "aegisAnnotateErrors",
    override: true,
  });
  return client;
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
  if (foreignResponse(err) !== undefined) return false;
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
  "IncompleteSignatureException",
  "AuthFailure",
  "InvalidSignatureException",
  "InvalidToken",
  "MissingAuthenticationToken",
  "MissingAuthenticationTokenException",
]);
const ACCESS_DENIED = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden", "AllAccessDisabled"]);
const WRONG_REGION = new Set(["PermanentRedirect", "IllegalLocationConstraint", "IllegalLocationConstraintException"]);
const NETWORK = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET", "TimeoutError", "EHOSTUNREACH"]);

/** Collapses a message onto one line (AWS messages sometimes carry newlines). */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return oneLine(err.message);
  return oneLine(String(err));
}

/** The names the SDK gives an error whose response carried no error code. */
const SYNTHETIC_NAMES = new Set(["NotFound", "Unknown", "UnknownError", "Error"]);

/** What the SDK appends to a deserialization failure; the one line leaves it out. */
const SDK_HINT = /\s*Deserialization error: to see the raw response, inspect the hidden field \{error\}\.\$response on this object\.?/;

/** The messages of the SDK's XML and JSON parsers when a body is neither. */
const PARSE_FAILURE = /XML parse error|mismatched tags|char '.' is not expected|unexpected content|Unexpected token|is not valid JSON|Unexpected end of JSON|Deserialization error/i;

/**
 * When the response cannot have come from AWS (an HTML page, a body neither XML nor JSON that the
 * SDK could not parse), a phrase for it: "an HTML page (HTTP 502, text/html)". Otherwise undefined.
 */
export function foreignResponse(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as SdkErrorShape & { $fault?: unknown };
  if (e.$metadata === undefined && e.$response === undefined) return undefined;
  // The SDK read an AWS error code out of the body: whatever the content type said, AWS answered.
  if (e.$fault !== undefined && typeof e.name === "string" && !SYNTHETIC_NAMES.has(e.name)) return undefined;
  const type = responseHeader(err, "content-type");
  const message = typeof e.message === "string" ? e.message : "";
  const body = typeof e.$responseBodyText === "string" ? e.$responseBodyText : "";
  const htmlBody = /^\s*<(!doctype|html)/i.test(body) || /"<(!doctype|html)/i.test(message) || /mismatched tags <\/?(html|head|body|hr|br|p|div|title|meta)\b/i.test(message);
  // A HEAD answer has no body to judge, and some S3 look-alikes (moto) label even those text/html.
  const htmlType = /html/i.test(type ?? "") && requestOf(err)?.method !== "HEAD";
  const html = htmlBody || htmlType;
  if (!html && !PARSE_FAILURE.test(message)) return undefined;
  const status = httpStatus(err);
  const facts = [status !== undefined ? `HTTP ${status}` : undefined, type].filter((x): x is string => x !== undefined).join(", ");
  return `${html ? "an HTML page" : "a body the AWS SDK cannot read"}${facts ? ` (${facts})` : ""}`;
}

/** The region a wrong-region error names as the right one, when it names one. */
function regionFromError(err: unknown): string | undefined {
  const header = responseHeader(err, "x-amz-bucket-region");
  if (header) return header;
  const e = err as { Region?: unknown; Endpoint?: unknown; message?: unknown };
  if (typeof e.Region === "string" && e.Region !== "") return e.Region;
  const message = typeof e.message === "string" ? e.message : "";
  const expecting = /expecting '([a-z0-9-]+)'/.exec(message);
  if (expecting) return expecting[1];
  if (typeof e.Endpoint === "string") {
    const m = /\bs3[.-](?:dualstack\.)?([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com/.exec(e.Endpoint);
    if (m) return m[1];
  }
  const constraint = /\bThe ([a-z]{2}(?:-[a-z]+)+-\d) location constraint\b/.exec(message);
  if (constraint) return constraint[1];
  return undefined;
}

function isWrongRegion(err: unknown, name: string | undefined): boolean {
  if (name !== undefined && WRONG_REGION.has(name)) return true;
  if (httpStatus(err) === 301) return true;
  const message = messageOf(err);
  if (name === "AuthorizationHeaderMalformed" && /region/i.test(message)) return true;
  return /scoped to a valid region|scoped to correct region|the region '[^']*' is wrong/i.test(message);
}

export interface AwsContext {
  /** What was being done, as a phrase: "reading stack AegisBtCompute", "RunTask on cluster aegis". */
  action: string;
  /** The region the client talks to, for messages about a wrong region. */
  region?: string;
  /** The bucket the call is about, named when it does not exist or is in another region. */
  bucket?: string;
  /** The IAM permission the call needs ("s3:PutObject on arn:aws:s3:::b/configs/*"), named when access is denied. */
  permission?: string;
}

/** The error's message, or nothing when the SDK had none to give (a HEAD response has no body). */
function reasonOf(err: unknown): string | undefined {
  const msg = messageOf(err).replace(SDK_HINT, "");
  return msg === "" || msg === "UnknownError" || msg === "Unknown" ? undefined : msg;
}

/**
 * Maps an AWS SDK (or network) failure onto a {@link LaunchError} with one line that says what
 * failed and what to fix. A `LaunchError` passes through unchanged; the SDK error stays its
 * `cause` (the CLI's `--verbose` prints it).
 */
export function describeAwsError(err: unknown, ctx: AwsContext): LaunchError {
  if (err instanceof LaunchError) return err;
  const name = errorName(err);
  const msg = messageOf(err);
  const request = requestOf(err);
  const region = ctx.region ?? request?.region;
  const where = region ? ` in ${region}` : "";
  const options = { cause: err };
  if (/region is missing/i.test(msg)) {
    return new ConfigError("no AWS region: pass --region or set AWS_REGION", options);
  }
  if (name === "CredentialsProviderError" || name === "TokenProviderError" || /could not load credentials/i.test(msg)) {
    if (/expired|refresh/i.test(msg)) {
      return new AwsError(`AWS credentials have expired while ${ctx.action} (${msg}): refresh them (e.g. aws sso login) and try again`, "ERR_CREDENTIALS", name, options);
    }
    return new AwsError(
      `no AWS credentials found while ${ctx.action} (${msg}): set AWS_PROFILE or --aws-profile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
      "ERR_CREDENTIALS",
      name,
      options,
    );
  }
  const foreign = foreignResponse(err);
  if (foreign !== undefined) {
    return new AwsError(
      `${request?.endpoint ?? "the endpoint"} answered ${ctx.action} with ${foreign}, not an AWS response: check --endpoint-url and AWS_ENDPOINT_URL (or a proxy in between); --verbose shows the response`,
      "ERR_ENDPOINT",
      name,
      options,
    );
  }
  if (name !== undefined && EXPIRED.has(name)) {
    return new AwsError(`AWS credentials have expired (${name}) while ${ctx.action}: refresh them (e.g. aws sso login) and try again`, "ERR_CREDENTIALS", name, options);
  }
  if (isWrongRegion(err, name)) {
    const actual = regionFromError(err);
    const fix = `pass --region ${actual ?? "<its region>"} (or set AWS_REGION)`;
    const what = name ?? `HTTP ${httpStatus(err)}`;
    const message = ctx.bucket
      ? `bucket ${ctx.bucket} is in ${actual ?? "another region"}, not ${region ?? "the configured region"} (${what}): ${fix}`
      : `${ctx.action} went to the wrong region${region ? ` (${region})` : ""}${actual ? `; the resource is in ${actual}` : ""} (${what}): ${fix}`;
    return new AwsError(message, "ERR_CONFIG", name, options);
  }
  if (name !== undefined && INVALID_CREDENTIALS.has(name)) {
    return new AwsError(
      `AWS rejected the credentials (${name}) while ${ctx.action}${where}: check the access key or profile, and that the region is enabled for the account`,
      "ERR_CREDENTIALS",
      name,
      options,
    );
  }
  if (name === "NoSuchBucket") {
    const bucket = ctx.bucket ?? (err as { BucketName?: unknown }).BucketName;
    return new AwsError(
      `bucket ${typeof bucket === "string" ? bucket : "(unnamed)"} does not exist${region ? ` (region ${region})` : ""}: check --bucket or the stack's BucketName`,
      "ERR_NOT_FOUND",
      name,
      options,
    );
  }
  if ((name !== undefined && ACCESS_DENIED.has(name)) || httpStatus(err) === 403) {
    const reason = reasonOf(err) ?? `HTTP 403${name ? ` ${name}` : ", no error code"}`;
    const fix = ctx.permission ? `these credentials need ${ctx.permission}` : "check the IAM policy of these credentials";
    return new AwsError(`access denied while ${ctx.action}${where}: ${reason}; ${fix} (docs/remote.md, "IAM for users")`, "ERR_AWS", name, options);
  }
  if (isThrottling(err)) {
    return new AwsError(
      `AWS kept throttling ${ctx.action} (${name ?? `HTTP ${httpStatus(err)}`}) after retries: try again in a minute`,
      "ERR_THROTTLED",
      name,
      options,
    );
  }
  if (name !== undefined && NETWORK.has(name)) {
    const host = (err as SdkErrorShape).hostname;
    const hostText = typeof host === "string" ? ` ${host}` : "";
    return new AwsError(
      `cannot reach AWS while ${ctx.action} (${name}${hostText}): check the network, --region or --endpoint-url`,
      "ERR_AWS",
      name,
      options,
    );
  }
  const reason = reasonOf(err);
  const status = httpStatus(err);
  const detail = reason ? `${name ? `${name}: ` : ""}${reason}` : `${name ?? "no error code"}${status !== undefined ? ` (HTTP ${status})` : ""}`;
  return new AwsError(`${ctx.action}${where} failed: ${detail}`, "ERR_AWS", name, options);
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
  if (typeof err === "object" && err !== null && ("$metadata" in err || "$response" in err)) {
    return describeAwsError(err, { action: "an AWS call" }).message;
  }
  return messageOf(err);
}

/** How much of a raw response body `--verbose` shows. */
const BODY_CHARS = 2000;

function indent(text: string, prefix: string): string[] {
  return text.split(/\r?\n/).map((line) => `${prefix}${line}`);
}

/** An SDK error's response, request and the service's extra fields, as lines. */
function responseLines(err: object): string[] {
  const e = err as SdkErrorShape & Record<string, unknown>;
  const lines: string[] = [];
  const request = requestOf(err);
  if (request) lines.push(`request: ${request.method} ${request.endpoint}${request.path}${request.region ? ` (region ${request.region})` : ""}`);
  const meta = e.$metadata;
  const status = httpStatus(err);
  if (status !== undefined || meta?.requestId) {
    const parts = [status !== undefined ? `HTTP ${status}` : undefined, meta?.requestId ? `request id ${meta.requestId}` : undefined, meta?.attempts ? `${meta.attempts} attempt${meta.attempts === 1 ? "" : "s"}` : undefined];
    lines.push(`response: ${parts.filter((p) => p !== undefined).join(", ")}`);
  }
  const headers = e.$response?.headers ?? {};
  for (const [k, v] of Object.entries(headers).sort(([a], [b]) => a.localeCompare(b))) if (v !== undefined) lines.push(`  ${k}: ${v}`);
  const fields = Object.entries(e).filter(([k, v]) => !k.startsWith("$") && !["name", "message", "stack", "cause"].includes(k) && (typeof v === "string" || typeof v === "number"));
  if (fields.length > 0) lines.push(`fields: ${fields.map(([k, v]) => `${k}=${String(v)}`).join(" ")}`);
  if (typeof e.$responseBodyText === "string" && e.$responseBodyText.trim() !== "") {
    const body = e.$responseBodyText.trimEnd();
    lines.push(`body (${body.length} chars${body.length > BODY_CHARS ? `, the first ${BODY_CHARS}` : ""}):`, ...indent(body.slice(0, BODY_CHARS), "  "));
  }
  return lines;
}

/**
 * What `--verbose` prints after the one line: each error of the cause chain (name and full
 * message), and for AWS SDK errors the request, the response's status, headers, the service's
 * fields and the raw body where the SDK kept it; the stack of an innermost error that is neither
 * the launcher's nor the SDK's (a bug to report).
 */
export function errorDetails(err: unknown): string[] {
  const lines: string[] = [];
  const seen = new Set<unknown>();
  let current: unknown = err;
  let depth = 0;
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    const label = depth === 0 ? "error" : "caused by";
    if (current instanceof Error || (typeof current === "object" && "message" in current)) {
      const e = current as Error;
      const name = e.name || "Error";
      const code = current instanceof LaunchError ? ` [${current.code}]` : "";
      const [first = "", ...rest] = String(e.message).split(/\r?\n/);
      lines.push(`${label}: ${name}${code}: ${first}`, ...rest.map((l) => `  ${l}`));
      const sdk = "$metadata" in current || "$response" in current;
      if (sdk) lines.push(...responseLines(current));
      const next = (current as { cause?: unknown }).cause;
      if ((next === undefined || next === null) && !sdk && !(current instanceof LaunchError) && typeof e.stack === "string") {
        lines.push(...e.stack.split("\n").map((l) => l.trim()).filter((l) => l.startsWith("at ")).map((l) => `  ${l}`));
      }
      current = next;
    } else {
      lines.push(`${label}: ${String(current)}`);
      current = undefined;
    }
    depth++;
  }
  return lines;
}
