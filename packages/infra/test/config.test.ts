import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../src/config.js";
import { cdkJsonContext } from "./helpers.js";

const from = (ctx: Record<string, unknown>) => (key: string) => ctx[key];

describe("configuration from CDK context", () => {
  it("defaults to the contract: stack names, 16 vCPU / 120 GB / 50 GiB, a new VPC, the image asset", () => {
    const config = parseConfig(from({}));
    expect(config).toEqual({
      stackNames: { storage: "AegisBtStorage", compute: "AegisBtCompute" },
      storage: { resultsExpirationDays: 365 },
      network: { kind: "new" },
      size: { cpu: 16384, memoryMiB: 122880, ephemeralStorageGiB: 50 },
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

  it("imports a VPC by id with its subnets", () => {
    const config = parseConfig(
      from({
        "aegis:vpcId": "vpc-0abc",
        "aegis:subnetIds": "subnet-01, subnet-02",
        "aegis:assignPublicIp": "false",
        "aegis:vpcCidr": "10.0.0.0/16",
      }),
    );
    expect(config.network).toEqual({
      kind: "imported",
      vpcId: "vpc-0abc",
      subnetIds: ["subnet-01", "subnet-02"],
      assignPublicIp: false,
      vpcCidrBlock: "10.0.0.0/16",
    });
    expect(parseConfig(from({ "aegis:vpcId": "vpc-1", "aegis:subnetIds": ["subnet-1"] })).network).toMatchObject({
      assignPublicIp: true,
    });
  });

  it.each([
    [{ "aegis:vpcId": "vpc-1" }, /needs aegis:subnetIds/],
    [{ "aegis:subnetIds": "subnet-1" }, /aegis:subnetIds needs aegis:vpcId/],
    [{ "aegis:vpcId": "my-vpc", "aegis:subnetIds": "subnet-1" }, /must look like vpc-/],
    [{ "aegis:vpcId": "vpc-1", "aegis:subnetIds": "subnet-1,sg-2" }, /not subnet ids: sg-2/],
    [{ "aegis:vpcId": "vpc-1", "aegis:subnetIds": "subnet-1", "aegis:assignPublicIp": "maybe" }, /true\/false/],
    [{ "aegis:s3FilesAccessPointArn": "arn:aws:s3files:us-east-1:1:access-point/ap-1" }, /needs aegis:s3FilesFileSystemArn/],
    [
      { "aegis:vpcId": "vpc-1", "aegis:subnetIds": "subnet-1", "aegis:s3FilesFileSystemArn": "arn:aws:s3files:us-east-1:1:file-system/fs-1" },
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
