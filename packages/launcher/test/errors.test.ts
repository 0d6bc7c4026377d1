import { describe, expect, it } from "vitest";
import { ScenarioError } from "@aegis-bt/engine";
import { AwsError, ConfigError, InputError, describeAwsError, errorDetails, foreignResponse, isThrottling, userMessage } from "../src/errors.ts";
import { awsError } from "./fixtures.ts";

const ctx = { action: "reading stack AegisBtStorage", region: "us-east-1" };

describe("describeAwsError", () => {
  it.each([
    [awsError("ExpiredToken", "The security token included in the request is expired", 403), "ERR_CREDENTIALS", "AWS credentials have expired (ExpiredToken) while reading stack AegisBtStorage: refresh them (e.g. aws sso login) and try again"],
    [awsError("ExpiredTokenException", "expired", 400), "ERR_CREDENTIALS", "AWS credentials have expired (ExpiredTokenException)"],
    [awsError("InvalidClientTokenId", "The security token included in the request is invalid.", 403), "ERR_CREDENTIALS", "AWS rejected the credentials (InvalidClientTokenId) while reading stack AegisBtStorage in us-east-1: check the access key or profile, and that the region is enabled for the account"],
    [awsError("UnrecognizedClientException", "The security token included in the request is invalid.", 400), "ERR_CREDENTIALS", "AWS rejected the credentials (UnrecognizedClientException)"],
    [Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }), "ERR_CREDENTIALS", "no AWS credentials found while reading stack AegisBtStorage (Could not load credentials from any providers): set AWS_PROFILE or --aws-profile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"],
    [new Error("Region is missing"), "ERR_CONFIG", "no AWS region: pass --region or set AWS_REGION"],
    [
      awsError("AccessDenied", "User: arn:aws:iam::1:user/x is not authorized to perform: cloudformation:DescribeStacks", 403),
      "ERR_AWS",
      'access denied while reading stack AegisBtStorage in us-east-1: User: arn:aws:iam::1:user/x is not authorized to perform: cloudformation:DescribeStacks; check the IAM policy of these credentials (docs/remote.md, "IAM for users")',
    ],
    [awsError("Unknown", "UnknownError", 403), "ERR_AWS", 'access denied while reading stack AegisBtStorage in us-east-1: HTTP 403, no error code; check the IAM policy of these credentials (docs/remote.md, "IAM for users")'],
    [Object.assign(new Error("Token is expired. To refresh this SSO session run 'aws sso login' with the corresponding profile."), { name: "TokenProviderError" }), "ERR_CREDENTIALS", "AWS credentials have expired while reading stack AegisBtStorage (Token is expired."],
    [awsError("InvalidSignatureException", "Credential should be scoped to a valid region, not 'us-east-9'.", 400), "ERR_CONFIG", "reading stack AegisBtStorage went to the wrong region (us-east-1) (InvalidSignatureException): pass --region <its region> (or set AWS_REGION)"],
    [awsError("IllegalLocationConstraintException", "The ap-east-1 location constraint is incompatible for the region specific endpoint this request was sent to.", 400), "ERR_CONFIG", "reading stack AegisBtStorage went to the wrong region (us-east-1); the resource is in ap-east-1 (IllegalLocationConstraintException): pass --region ap-east-1 (or set AWS_REGION)"],
    [awsError("InvalidToken", "The provided token is malformed or otherwise invalid.", 400), "ERR_CREDENTIALS", "AWS rejected the credentials (InvalidToken)"],
    [awsError("NoSuchBucket", "The specified bucket does not exist", 404), "ERR_NOT_FOUND", "bucket (unnamed) does not exist (region us-east-1): check --bucket or the stack's BucketName"],
    [
      Object.assign(new SyntaxError('Unexpected token \'<\', "<html><hea"... is not valid JSON\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.'), { $metadata: { httpStatusCode: 503 } }),
      "ERR_ENDPOINT",
      "the endpoint answered reading stack AegisBtStorage with an HTML page (HTTP 503), not an AWS response: check --endpoint-url and AWS_ENDPOINT_URL (or a proxy in between); --verbose shows the response",
    ],
    [
      Object.assign(new Error("@aws-sdk XML parse error: char '<' is not expected.:1:1"), { $metadata: { httpStatusCode: 200 } }),
      "ERR_ENDPOINT",
      "the endpoint answered reading stack AegisBtStorage with a body the AWS SDK cannot read (HTTP 200), not an AWS response",
    ],
    [awsError("ValidationException", "UnknownError", 400), "ERR_AWS", "reading stack AegisBtStorage in us-east-1 failed: ValidationException (HTTP 400)"],
    [awsError("ThrottlingException", "Rate exceeded"), "ERR_THROTTLED", "AWS kept throttling reading stack AegisBtStorage (ThrottlingException) after retries: try again in a minute"],
    [awsError("UnknownError", "UnknownError", 503, "server"), "ERR_THROTTLED", "(HTTP 503)"],
    [Object.assign(new Error("getaddrinfo ENOTFOUND cloudformation.us-east-9.amazonaws.com"), { code: "ENOTFOUND", hostname: "cloudformation.us-east-9.amazonaws.com" }), "ERR_AWS", "cannot reach AWS while reading stack AegisBtStorage (ENOTFOUND cloudformation.us-east-9.amazonaws.com): check the network, --region or --endpoint-url"],
    [Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }), "ERR_AWS", "cannot reach AWS while reading stack AegisBtStorage (ECONNREFUSED)"],
    [awsError("ClusterNotFoundException", "Cluster not found."), "ERR_AWS", "reading stack AegisBtStorage in us-east-1 failed: ClusterNotFoundException: Cluster not found."],
  ])("%#: %s", (err, code, message) => {
    const e = describeAwsError(err, ctx);
    expect(e.code).toBe(code);
    expect(e.message).toContain(message);
    expect(e.message).not.toContain("\n");
    expect(e.cause).toBe(err);
  });

  it("names the bucket and the permission it was given", () => {
    const s3ctx = { action: "uploading s3://b/configs/r/x", region: "eu-west-1", bucket: "b", permission: "s3:PutObject on arn:aws:s3:::b/configs/r/x" };
    expect(describeAwsError(awsError("AccessDenied", "Access Denied", 403), s3ctx).message).toBe(
      'access denied while uploading s3://b/configs/r/x in eu-west-1: Access Denied; these credentials need s3:PutObject on arn:aws:s3:::b/configs/r/x (docs/remote.md, "IAM for users")',
    );
    expect(describeAwsError(awsError("NoSuchBucket", "The specified bucket does not exist", 404), s3ctx).message).toBe(
      "bucket b does not exist (region eu-west-1): check --bucket or the stack's BucketName",
    );
    const redirect = Object.assign(awsError("PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint.", 301), { Endpoint: "b.s3.dualstack.us-west-2.amazonaws.com" });
    expect(describeAwsError(redirect, s3ctx).message).toBe("bucket b is in us-west-2, not eu-west-1 (PermanentRedirect): pass --region us-west-2 (or set AWS_REGION)");
    const bare = Object.assign(awsError("Unknown", "UnknownError", 301), { $response: { statusCode: 301, headers: {} } });
    expect(describeAwsError(bare, s3ctx).message).toBe("bucket b is in another region, not eu-west-1 (HTTP 301): pass --region <its region> (or set AWS_REGION)");
  });

  it("tells an HTML answer from AWS's own, whatever its status", () => {
    const page = (status: number) => Object.assign(awsError("Unknown", "UnknownError", status), { $response: { statusCode: status, headers: { "Content-Type": "text/html; charset=utf-8" } } });
    expect(foreignResponse(page(503))).toBe("an HTML page (HTTP 503, text/html; charset=utf-8)");
    expect(isThrottling(page(503))).toBe(false);
    expect(describeAwsError(page(404), ctx).code).toBe("ERR_ENDPOINT");
    expect(foreignResponse(awsError("AccessDenied", "Access Denied", 403))).toBeUndefined();
    expect(foreignResponse(new SyntaxError("Unexpected token '<'"))).toBeUndefined();
  });

  it("passes launcher errors through", () => {
    const e = new ConfigError("x");
    expect(describeAwsError(e, ctx)).toBe(e);
  });

  it.each([
    ["ThrottlingException", 400, true],
    ["TooManyRequestsException", 400, true],
    ["RequestLimitExceeded", 400, true],
    ["SlowDown", 503, true],
    ["Whatever", 429, true],
    ["Whatever", 503, true],
    ["InvalidParameterException", 400, false],
    ["ServerException", 500, false],
  ])("isThrottling(%s, %i) = %s", (name, status, expected) => {
    expect(isThrottling(awsError(name, name, status))).toBe(expected);
  });
});

describe("errorDetails (--verbose)", () => {
  it("walks the cause chain: the launcher's line, then the SDK error with its response and fields", () => {
    const sdk = Object.assign(awsError("NoSuchBucket", "The specified bucket does not exist", 404), {
      Code: "NoSuchBucket",
      BucketName: "b",
      RequestId: "R1",
      $metadata: { httpStatusCode: 404, requestId: "R1", attempts: 1 },
      $response: { statusCode: 404, headers: { "x-amz-request-id": "R1", "content-type": "application/xml" } },
    });
    const err = describeAwsError(sdk, { action: "checking bucket b", bucket: "b" });
    expect(errorDetails(err)).toEqual([
      "error: AwsError [ERR_NOT_FOUND]: bucket b does not exist: check --bucket or the stack's BucketName",
      "caused by: NoSuchBucket: The specified bucket does not exist",
      "response: HTTP 404, request id R1, 1 attempt",
      "  content-type: application/xml",
      "  x-amz-request-id: R1",
      "fields: Code=NoSuchBucket BucketName=b RequestId=R1",
    ]);
  });

  it("shows the stack of an unexpected error (a bug), not of the launcher's own", () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'taskArn')");
    const lines = errorDetails(new InputError("wrapped", { cause: bug }));
    expect(lines.slice(0, 2)).toEqual(["error: InputError [ERR_INPUT]: wrapped", "caused by: TypeError: Cannot read properties of undefined (reading 'taskArn')"]);
    expect(lines[2]).toMatch(/^ {2}at .*errors\.test\.ts/);
    expect(errorDetails(new AwsError("x", "ERR_AWS", undefined))).toEqual(["error: AwsError [ERR_AWS]: x"]);
  });
});

describe("userMessage", () => {
  it("is one line for every kind of failure", () => {
    expect(userMessage(new ScenarioError("s.yaml: strategy.legs[0].delta.target: expected a number in (0, 1), got 1.3 (line 5, column 94)", "strategy.legs[0].delta.target", 5, 94))).toBe(
      "s.yaml: strategy.legs[0].delta.target: expected a number in (0, 1), got 1.3 (line 5, column 94)",
    );
    expect(userMessage(awsError("ExpiredToken", "expired\nreally", 403))).toMatch(/^AWS credentials have expired \(ExpiredToken\) while an AWS call/);
    expect(userMessage(new Error("two\n  lines"))).toBe("two lines");
    expect(userMessage(Object.assign(new Error("@aws-sdk XML parse error: mismatched tags <hr> and </body>."), { $metadata: { httpStatusCode: 502 } }))).toBe(
      "the endpoint answered an AWS call with an HTML page (HTTP 502), not an AWS response: check --endpoint-url and AWS_ENDPOINT_URL (or a proxy in between); --verbose shows the response",
    );
    expect(userMessage("text")).toBe("text");
  });
});
