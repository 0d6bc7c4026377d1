// The real AWS SDK against an endpoint that answers like a misconfigured one (fake-endpoint.ts):
// every answer must become the one line that names what to fix, with the raw response kept for
// --verbose. Nothing here is mocked but the server on 127.0.0.1.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../src/cli.ts";
import { createClients, destroyClients, type AwsClients } from "../src/clients.ts";
import { stackOutputs } from "../src/config.ts";
import { AwsError, errorDetails } from "../src/errors.ts";
import { runOneTask } from "../src/runtask.ts";
import { checkBucket, checkWritable, readText } from "../src/s3.ts";
import { launch, prepareRun } from "../src/submit.ts";
import { launchSweep, planSweep, prepareSweep } from "../src/sweep.ts";
import { FakeEndpoint, HTML, HTML_PAGE, XML, s3Error, type Reply } from "./fake-endpoint.ts";
import { CONFIG, plan, SCENARIO, SWEEP_SCENARIO } from "./fixtures.ts";

const BUCKET = "aegis-bt-data";
let server: FakeEndpoint;
let aws: AwsClients;
let host: string;

beforeAll(async () => {
  server = await FakeEndpoint.start();
  host = server.url;
  aws = createClients({ region: "us-east-1", endpoint: server.url, credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" }, maxAttempts: 1 });
});

afterAll(async () => {
  destroyClients(aws);
  await server.stop();
});

afterEach(() => {
  server.requests.length = 0;
});

async function bucketFailure(reply: Reply): Promise<AwsError> {
  server.reply = reply;
  const err = await checkBucket(aws.s3, BUCKET).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AwsError);
  return err as AwsError;
}

describe("the bucket check through the real S3 client", () => {
  const notAws = (what: string) =>
    `{host} answered checking bucket ${BUCKET} with ${what}, not an AWS response: check --endpoint-url and AWS_ENDPOINT_URL (or a proxy in between); --verbose shows the response`;

  it.each<[string, Reply, string, string]>([
    ["a proxy's HTML error page", { status: 502, headers: HTML, body: HTML_PAGE }, "ERR_ENDPOINT", notAws("an HTML page (HTTP 502, text/html)")],
    ["an HTML page with status 200", { status: 200, headers: HTML, body: HTML_PAGE }, "ERR_ENDPOINT", notAws("an HTML page (HTTP 200, text/html)")],
    ["an HTML 403 (a login wall)", { status: 403, headers: HTML, body: "<!DOCTYPE html><html><body>Sign in</body></html>" }, "ERR_ENDPOINT", notAws("an HTML page (HTTP 403, text/html)")],
    ["an HTML page without a content type", { status: 200, body: "<!DOCTYPE html><html><body><p>It works<br></body></html>" }, "ERR_ENDPOINT", notAws("an HTML page (HTTP 200)")],
    ["a JSON answer", { status: 400, headers: { "content-type": "application/json" }, body: '{"error":"bad request"}' }, "ERR_ENDPOINT", notAws("a body the AWS SDK cannot read (HTTP 400, application/json)")],
    [
      "InvalidAccessKeyId",
      { status: 403, headers: XML, body: s3Error("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", { AWSAccessKeyId: "AKIDEXAMPLE" }) },
      "ERR_CREDENTIALS",
      `AWS rejected the credentials (InvalidAccessKeyId) while checking bucket ${BUCKET} in us-east-1: check the access key or profile, and that the region is enabled for the account`,
    ],
    [
      "SignatureDoesNotMatch",
      { status: 403, headers: XML, body: s3Error("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.") },
      "ERR_CREDENTIALS",
      `AWS rejected the credentials (SignatureDoesNotMatch) while checking bucket ${BUCKET} in us-east-1: check the access key or profile, and that the region is enabled for the account`,
    ],
    [
      "NoSuchBucket",
      { status: 404, headers: XML, body: s3Error("NoSuchBucket", "The specified bucket does not exist", { BucketName: BUCKET }) },
      "ERR_NOT_FOUND",
      `bucket ${BUCKET} does not exist (region us-east-1): check --bucket or the stack's BucketName`,
    ],
    [
      "PermanentRedirect with the bucket's region",
      {
        status: 301,
        headers: { ...XML, "x-amz-bucket-region": "eu-west-1" },
        body: s3Error("PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.", {
          Endpoint: `${BUCKET}.s3.eu-west-1.amazonaws.com`,
          Bucket: BUCKET,
        }),
      },
      "ERR_CONFIG",
      `bucket ${BUCKET} is in eu-west-1, not us-east-1 (PermanentRedirect): pass --region eu-west-1 (or set AWS_REGION)`,
    ],
    [
      "PermanentRedirect naming only the endpoint",
      {
        status: 301,
        headers: XML,
        body: s3Error("PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.", {
          Endpoint: `${BUCKET}.s3.ap-southeast-2.amazonaws.com`,
        }),
      },
      "ERR_CONFIG",
      `bucket ${BUCKET} is in ap-southeast-2, not us-east-1 (PermanentRedirect): pass --region ap-southeast-2 (or set AWS_REGION)`,
    ],
    [
      "AuthorizationHeaderMalformed",
      { status: 400, headers: XML, body: s3Error("AuthorizationHeaderMalformed", "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-central-1'", { Region: "eu-central-1" }) },
      "ERR_CONFIG",
      `bucket ${BUCKET} is in eu-central-1, not us-east-1 (AuthorizationHeaderMalformed): pass --region eu-central-1 (or set AWS_REGION)`,
    ],
    [
      "IllegalLocationConstraintException (an opt-in region)",
      { status: 400, headers: XML, body: s3Error("IllegalLocationConstraintException", "The af-south-1 location constraint is incompatible for the region specific endpoint this request was sent to.") },
      "ERR_CONFIG",
      `bucket ${BUCKET} is in af-south-1, not us-east-1 (IllegalLocationConstraintException): pass --region af-south-1 (or set AWS_REGION)`,
    ],
    [
      "ExpiredToken",
      { status: 400, headers: XML, body: s3Error("ExpiredToken", "The provided token has expired.") },
      "ERR_CREDENTIALS",
      `AWS credentials have expired (ExpiredToken) while checking bucket ${BUCKET}: refresh them (e.g. aws sso login) and try again`,
    ],
    [
      "AccessDenied",
      { status: 403, headers: XML, body: s3Error("AccessDenied", "Access Denied") },
      "ERR_AWS",
      `access denied while checking bucket ${BUCKET} in us-east-1: Access Denied; these credentials need s3:ListBucket on arn:aws:s3:::${BUCKET} (docs/remote.md, "IAM for users")`,
    ],
    [
      "an empty 200 (something that is not S3)",
      { status: 200, headers: { "content-type": "text/plain" }, body: "" },
      "ERR_ENDPOINT",
      `{host} answered a listing of bucket ${BUCKET} without S3's ListBucketResult for it, so it is not S3: check --endpoint-url and AWS_ENDPOINT_URL`,
    ],
  ])("%s", async (_what, reply, code, message) => {
    const err = await bucketFailure(reply);
    expect(err.message).toBe(message.replace("{host}", host));
    expect(err.code).toBe(code);
    expect(server.requests).toEqual([{ method: "GET", path: `/${BUCKET}/?list-type=2&max-keys=1` }]);
  });

  it("passes a bucket that S3 lists", async () => {
    server.reply = {
      status: 200,
      headers: XML,
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${BUCKET}</Name><Prefix></Prefix><KeyCount>0</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>`,
    };
    await expect(checkBucket(aws.s3, BUCKET)).resolves.toBeUndefined();
  });

  it("keeps the raw response for --verbose", async () => {
    const err = await bucketFailure({ status: 502, headers: { ...HTML, "x-amz-request-id": "9C1B7D2E30F4A5B6" }, body: HTML_PAGE });
    const details = errorDetails(err);
    expect(details[0]).toBe(`error: AwsError [ERR_ENDPOINT]: ${err.message}`);
    expect(details).toContain("caused by: Error: @aws-sdk XML parse error: mismatched tags <hr> and </body>.");
    expect(details).toContain(`request: GET ${host}/${BUCKET}/ (region us-east-1)`);
    expect(details).toContain("response: HTTP 502, request id 9C1B7D2E30F4A5B6, 1 attempt");
    expect(details).toContain("  content-type: text/html");
    expect(details).toContain(`body (${HTML_PAGE.trimEnd().length} chars):`);
    expect(details.some((l) => l.trim().startsWith("at "))).toBe(false);
    expect(details).toContain("  <head><title>502 Bad Gateway</title></head>");
    const xml = await bucketFailure({ status: 403, headers: XML, body: s3Error("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", { AWSAccessKeyId: "AKIDEXAMPLE" }) });
    expect(errorDetails(xml)).toContain("fields: Code=InvalidAccessKeyId AWSAccessKeyId=AKIDEXAMPLE RequestId=4442587FB7D0A2F9 HostId=fake-host-id");
  });
});

describe("other calls through the real clients", () => {
  it("a missing bucket is reported as such when an object is read, never read as 'no object'", async () => {
    server.reply = { status: 404, headers: XML, body: s3Error("NoSuchBucket", "The specified bucket does not exist", { BucketName: BUCKET }) };
    await expect(readText(aws.s3, BUCKET, "configs/r/launch.json")).rejects.toThrow(`bucket ${BUCKET} does not exist (region us-east-1): check --bucket or the stack's BucketName`);
  });

  it("CloudFormation behind an HTML page, and with an expired session", async () => {
    server.reply = { status: 200, headers: HTML, body: HTML_PAGE };
    await expect(stackOutputs(aws.cloudFormation, "AegisBtStorage", "us-east-1")).rejects.toThrow(
      `${host} answered reading stack AegisBtStorage with an HTML page (HTTP 200, text/html), not an AWS response: check --endpoint-url and AWS_ENDPOINT_URL (or a proxy in between); --verbose shows the response`,
    );
    server.reply = {
      status: 403,
      headers: { "content-type": "text/xml" },
      body: "<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error><RequestId>r</RequestId></ErrorResponse>",
    };
    await expect(stackOutputs(aws.cloudFormation, "AegisBtStorage", "us-east-1")).rejects.toThrow(
      "AWS credentials have expired (ExpiredToken) while reading stack AegisBtStorage: refresh them (e.g. aws sso login) and try again",
    );
  });

  it("ECS (a JSON protocol) behind an HTML page, with S3's XML, and with an unknown key", async () => {
    const request = { cluster: "aegis-bt", taskDefinition: "aegis-bt:1" };
    server.reply = { status: 200, headers: HTML, body: HTML_PAGE };
    await expect(runOneTask(aws.ecs, request)).rejects.toThrow(
      `${host} answered RunTask on cluster aegis-bt with an HTML page (HTTP 200, text/html), not an AWS response: check --endpoint-url and AWS_ENDPOINT_URL (or a proxy in between); --verbose shows the response`,
    );
    server.reply = { status: 403, headers: XML, body: s3Error("AccessDenied", "Access Denied") };
    await expect(runOneTask(aws.ecs, request)).rejects.toThrow(
      `${host} answered RunTask on cluster aegis-bt with a body the AWS SDK cannot read (HTTP 403, application/xml), not an AWS response`,
    );
    server.reply = {
      status: 400,
      headers: { "content-type": "application/x-amz-json-1.1" },
      body: JSON.stringify({ __type: "UnrecognizedClientException", message: "The security token included in the request is invalid." }),
    };
    await expect(runOneTask(aws.ecs, request)).rejects.toThrow(
      "AWS rejected the credentials (UnrecognizedClientException) while RunTask on cluster aegis-bt in us-east-1: check the access key or profile, and that the region is enabled for the account",
    );
    server.reply = {
      status: 400,
      headers: { "content-type": "application/x-amz-json-1.1" },
      body: JSON.stringify({ __type: "com.amazon.coral.service#ExpiredTokenException", message: "The security token included in the request is expired" }),
    };
    await expect(runOneTask(aws.ecs, request)).rejects.toThrow("AWS credentials have expired (ExpiredTokenException) while RunTask on cluster aegis-bt: refresh them (e.g. aws sso login) and try again");
  });
});

describe("the write check before a launch, through the real clients", () => {
  const listing = (bucket: string): Reply => ({
    status: 200,
    headers: XML,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${bucket}</Name><KeyCount>0</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>`,
  });
  const denied: Reply = { status: 403, headers: XML, body: s3Error("AccessDenied", "Access Denied") };
  const run = prepareRun({ scenarioText: SCENARIO, source: "s.yaml", profile: "synthetic", now: new Date("2026-11-21T13:45:01Z") });

  it("a bucket the credentials may list but not write to: one line, before the upload and before RunTask", async () => {
    server.reply = (req) => (req.method === "GET" ? listing(CONFIG.bucket) : denied);
    const err = await launch({ s3: aws.s3, ecs: aws.ecs }, run, plan({ runId: run.runId })).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      `access denied while writing the check object s3://${CONFIG.bucket}/configs/${run.runId}/.aegis-write-check in us-east-1: Access Denied; these credentials need s3:PutObject on arn:aws:s3:::${CONFIG.bucket}/configs/${run.runId}/* (docs/remote.md, "IAM for users")`,
    );
    // Only the check object was tried: no scenario upload, and no RunTask (a POST to ECS).
    expect(server.requests).toEqual([{ method: "PUT", path: `/${CONFIG.bucket}/configs/${run.runId}/.aegis-write-check?x-id=PutObject` }]);
  });

  it("a prefix the credentials may write but not clean: names s3:DeleteObject", async () => {
    server.reply = (req) => (req.method === "DELETE" ? denied : { status: 200, headers: XML, body: "" });
    await expect(checkWritable(aws.s3, CONFIG.bucket, [`results/${run.runId}/`])).rejects.toThrow(
      `access denied while deleting the check object s3://${CONFIG.bucket}/results/${run.runId}/.aegis-write-check in us-east-1: Access Denied; these credentials need s3:DeleteObject on arn:aws:s3:::${CONFIG.bucket}/results/${run.runId}/* (docs/remote.md, "IAM for users")`,
    );
    expect(server.requests.map((r) => r.method)).toEqual(["PUT", "DELETE"]);
  });

  it("a sweep on the Batch lane whose results prefix cannot be written: nothing submitted", async () => {
    const sweep = await prepareSweep({ scenarioText: SWEEP_SCENARIO, source: "sweep.yaml", shards: 2, lane: "batch", runId: "denied-sweep" });
    const values = { ...CONFIG, jobQueue: "aegis-bt", jobDefinition: "aegis-bt-sweep:1", source: "test" };
    server.reply = (req) =>
      req.method === "PUT" && req.path.startsWith(`/${CONFIG.bucket}/results/`) ? denied : req.method === "HEAD" ? { status: 404 } : { status: 200, headers: XML, body: "" };
    await expect(launchSweep({ s3: aws.s3, batch: aws.batch }, sweep, planSweep(sweep, values))).rejects.toThrow(
      `access denied while writing the check object s3://${CONFIG.bucket}/results/denied-sweep/.aegis-write-check in us-east-1: Access Denied; these credentials need s3:PutObject on arn:aws:s3:::${CONFIG.bucket}/results/denied-sweep/*`,
    );
    expect(server.requests.map((r) => `${r.method} ${r.path.replace(/\?.*/, "")}`)).toEqual([
      `HEAD /${CONFIG.bucket}/results/denied-sweep/_SUCCESS`,
      `PUT /${CONFIG.bucket}/configs/denied-sweep/.aegis-write-check`,
      `DELETE /${CONFIG.bucket}/configs/denied-sweep/.aegis-write-check`,
      `PUT /${CONFIG.bucket}/results/denied-sweep/.aegis-write-check`,
    ]);
  });
});

describe("aegis-launch against a misconfigured endpoint", () => {
  const dir = mkdtempSync(join(tmpdir(), "aegis-launch-endpoint-"));
  const scenario = join(dir, "s.yaml");
  writeFileSync(scenario, SCENARIO);
  const config = join(dir, "outputs.json");
  writeFileSync(config, JSON.stringify({ BucketName: BUCKET, ClusterArn: "aegis-bt", TaskDefinitionArn: "aegis-bt:1", ContainerName: "aegis-bt", SubnetIds: "subnet-1" }));
  const env = { AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
  const saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    for (const [k, v] of Object.entries(env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  async function cli(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(["node", "aegis-launch", ...args], { out: (l) => out.push(l), err: (l) => err.push(l), env: { AWS_ENDPOINT_URL: server.url } });
    return { code, out, err };
  }

  it("prints one line, and with --verbose the cause and the raw response after it; nothing is uploaded", async () => {
    server.reply = { status: 200, headers: HTML, body: HTML_PAGE };
    const line = `aegis-launch: error: ${host} answered checking bucket ${BUCKET} with an HTML page (HTTP 200, text/html), not an AWS response: check --endpoint-url and AWS_ENDPOINT_URL (or a proxy in between); --verbose shows the response`;
    const plain = await cli("submit", scenario, "--config", config, "--region", "us-east-1");
    expect(plain).toEqual({ code: 1, out: [], err: [line] });
    const verbose = await cli("submit", scenario, "--config", config, "--region", "us-east-1", "--verbose");
    expect(verbose.code).toBe(1);
    expect(verbose.err[0]).toBe(line);
    expect(verbose.err.slice(1, 3)).toEqual([`error: AwsError [ERR_ENDPOINT]: ${line.replace("aegis-launch: error: ", "")}`, "caused by: Error: @aws-sdk XML parse error: mismatched tags <hr> and </body>."]);
    expect(verbose.err).toContain("  <center><h1>502 Bad Gateway</h1></center>");
    expect(server.requests.every((r) => r.method === "GET")).toBe(true);
  });

  it("names the region to pass when the bucket lives elsewhere", async () => {
    server.reply = {
      status: 301,
      headers: { ...XML, "x-amz-bucket-region": "eu-west-1" },
      body: s3Error("PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint.", { Endpoint: `${BUCKET}.s3.eu-west-1.amazonaws.com`, Bucket: BUCKET }),
    };
    const r = await cli("submit", scenario, "--target", "local", "--dry-run", "--config", config, "--region", "us-east-1");
    expect(r).toEqual({ code: 1, out: [], err: [`aegis-launch: error: bucket ${BUCKET} is in eu-west-1, not us-east-1 (PermanentRedirect): pass --region eu-west-1 (or set AWS_REGION)`] });
  });
});
