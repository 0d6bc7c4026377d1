import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../src/config.js";
import { cdkJsonContext } from "./helpers.js";

const from = (ctx: Record<string, unknown>) => (key: string) => ctx[key];

describe("configuration from CDK context", () => {
  it("defaults to the contract: stack names, 16 vCPU / 120 GB / 50 GiB, 256 Batch vCPUs, a new VPC, the image asset", () => {
    const config = parseConfig(from({}));
    expect(config).toEqual({
      stackNames: { storage: "AegisBtStorage", compute: "AegisBtCompute" },
      storage: { resultsExpirationDays: 365 },
      network: { kind: "new" },
      size: { cpu: 16384, memoryMiB: 122880, ephemeralStorageGiB: 50 },
      batchMaxVcpus: 256,
      image: { kind: "asset" },
    });
    // cdk.json's defaults say the same.
    expect(parseConfig(from(cdkJsonContext()))).toEqual(config);
  });

  it("takes the environment's account and region when the CDK CLI provides them", () => {
    expect(parseConfig(from({}), { account: "123456789012", region: "eu-west-1" }).env).toEqual({
      account: "123456789012",
      region: "eu-west-1",
    });
    expect(parseConfig(from({}), { account: "", region: undefined }).env).toBeUndefined();
  });

  it("reads strings from -c flags and numbers from cdk.json alike", () => {
    const config = parseConfig(
      from({ "aegis:vcpu": "8", "aegis:memoryGb": 60, "aegis:ephemeralStorageGib": "100", "aegis:resultsExpirationDays": "30" }),
    );
    expect(config.size).toEqual({ cpu: 8192, memoryMiB: 61440, ephemeralStorageGiB: 100 });
    expect(config.storage.resultsExpirationDays).toBe(30);
  });

  it("refuses an invalid Fargate size with the nearest valid ones", () => {
    expect(() => parseConfig(from({ "aegis:memoryGb": "122" }))).toThrow(ConfigError);
    expect(() => parseConfig(from({ "aegis:memoryGb": "122" }))).toThrow(/aegis:vcpu\/aegis:memoryGb.*nearest valid sizes: 16 vCPU \/ 120 GB/);
    expect(() => parseConfig(from({ "aegis:vcpu": "lots" }))).toThrow(/aegis:vcpu must be a number/);
  });

  it("takes the Batch vCPU ceiling from context", () => {
    expect(parseConfig(from({ "aegis:batchMaxVcpus": "1024" })).batchMaxVcpus).toBe(1024);
    expect(parseConfig(from({ "aegis:batchMaxVcpus": 64 })).batchMaxVcpus).toBe(64);
    // Exactly one job at a time is allowed; a quarter-vCPU job needs a whole vCPU.
    expect(parseConfig(from({ "aegis:batchMaxVcpus": "16" })).batchMaxVcpus).toBe(16);
    expect(parseConfig(from({ "aegis:vcpu": "0.25", "aegis:memoryGb": "1", "aegis:batchMaxVcpus": "1" })).batchMaxVcpus).toBe(1);
  });

  it.each([
    [{ "aegis:batchMaxVcpus": "8" }, /aegis:batchMaxVcpus must be a whole number of vCPUs ≥ 16 \(one job's aegis:vcpu\), got 8$/],
    [{ "aegis:batchMaxVcpus": "0" }, /≥ 16 .*got 0$/],
    [{ "aegis:batchMaxVcpus": "100.5" }, /whole number .*got 100\.5$/],
    [{ "aegis:vcpu": "8", "aegis:memoryGb": "60", "aegis:batchMaxVcpus": "4" }, /≥ 8 .*got 4$/],
    [{ "aegis:batchMaxVcpus": "many" }, /aegis:batchMaxVcpus must be a number/],
  ])("refuses a Batch vCPU ceiling below one job %j", (ctx, message) => {
    expect(() => parseConfig(from(ctx))).toThrow(ConfigError);
    expect(() => parseConfig(from(ctx))).toThrow(message);
  });

  it("imports a VPC by id with its subnets", () => {
    const config = parseConfig(
      from({
        "aegis:vpcId": "vpc-0abc",
        "aegis:subnetIds": "subnet-0123456789abcdef0, subnet-89abcdef",
        "aegis:assignPublicIp": "false",
        "aegis:vpcCidr": "10.0.0.0/16",
      }),
    );
    expect(config.network).toEqual({
      kind: "imported",
      vpcId: "vpc-0abc",
      subnetIds: ["subnet-0123456789abcdef0", "subnet-89abcdef"],
      assignPublicIp: false,
      vpcCidrBlock: "10.0.0.0/16",
    });
    expect(parseConfig(from({ "aegis:vpcId": "vpc-1", "aegis:subnetIds": ["subnet-89abcdef"] })).network).toMatchObject({
      assignPublicIp: true,
    });
  });

  it.each([
    [{ "aegis:vpcId": "vpc-1" }, /needs aegis:subnetIds/],
    [{ "aegis:subnetIds": "subnet-1" }, /aegis:subnetIds needs aegis:vpcId/],
    [{ "aegis:vpcId": "my-vpc", "aegis:subnetIds": "subnet-1" }, /must look like vpc-/],
    [{ "aegis:vpcId": "vpc-1", "aegis:subnetIds": "subnet-89abcdef,sg-2" }, /not subnet ids .*: sg-2$/],
    // AWS's own format: 8 or 17 hex digits.
    [{ "aegis:vpcId": "vpc-1", "aegis:subnetIds": "subnet-0aaa,subnet-89abcdef" }, /not subnet ids .*: subnet-0aaa$/],
    [{ "aegis:vpcId": "vpc-1", "aegis:subnetIds": "subnet-89abcdef", "aegis:assignPublicIp": "maybe" }, /true\/false/],
    [{ "aegis:s3FilesAccessPointArn": "arn:aws:s3files:us-east-1:1:access-point/ap-1" }, /needs aegis:s3FilesFileSystemArn/],
    [
      { "aegis:vpcId": "vpc-1", "aegis:subnetIds": "subnet-89abcdef", "aegis:s3FilesFileSystemArn": "arn:aws:s3files:us-east-1:1:file-system/fs-1" },
      /needs aegis:vpcCidr/,
    ],
  ])("refuses inconsistent network options %j", (ctx, message) => {
    expect(() => parseConfig(from(ctx))).toThrow(message);
  });

  it("switches the image to a repository tag, and passes the git sha to the asset build", () => {
    expect(parseConfig(from({ "aegis:imageTag": "3f2a9c1" })).image).toEqual({ kind: "repository", tag: "3f2a9c1" });
    expect(parseConfig(from({ "aegis:gitSha": "3f2a9c1" })).image).toEqual({ kind: "asset", gitSha: "3f2a9c1" });
  });

  it("mounts S3 Files when a file system is given", () => {
    const fs = "arn:aws:s3files:us-east-1:123456789012:file-system/fs-0123";
    const ap = "arn:aws:s3files:us-east-1:123456789012:access-point/fsap-0123";
    expect(parseConfig(from({ "aegis:s3FilesFileSystemArn": fs, "aegis:s3FilesAccessPointArn": ap })).s3Files).toEqual({
      fileSystemArn: fs,
      accessPointArn: ap,
    });
    expect(parseConfig(from({})).s3Files).toBeUndefined();
  });
});
