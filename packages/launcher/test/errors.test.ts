import { describe, expect, it } from "vitest";
import { ScenarioError } from "@aegis-bt/engine";
import { ConfigError, describeAwsError, isThrottling, userMessage } from "../src/errors.ts";
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
    [awsError("AccessDenied", "User: arn:aws:iam::1:user/x is not authorized to perform: cloudformation:DescribeStacks", 403), "ERR_AWS", "access denied while reading stack AegisBtStorage in us-east-1: User: arn:aws:iam::1:user/x is not authorized to perform: cloudformation:DescribeStacks"],
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

describe("userMessage", () => {
  it("is one line for every kind of failure", () => {
    expect(userMessage(new ScenarioError("s.yaml: strategy.legs[0].delta.target: expected a number in (0, 1), got 1.3 (line 5, column 94)", "strategy.legs[0].delta.target", 5, 94))).toBe(
      "s.yaml: strategy.legs[0].delta.target: expected a number in (0, 1), got 1.3 (line 5, column 94)",
    );
    expect(userMessage(awsError("ExpiredToken", "expired\nreally", 403))).toMatch(/^AWS credentials have expired \(ExpiredToken\) while an AWS call/);
    expect(userMessage(new Error("two\n  lines"))).toBe("two lines");
    expect(userMessage("text")).toBe("text");
  });
});
