import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { StorageStack } from "../src/storage/storage-stack.js";
import { buildApp, cdkJsonContext } from "./helpers.js";

const built = buildApp();
const template = Template.fromStack(built.storage);

function lifecycleRules(t: Template, logicalId: string): Array<Record<string, unknown>> {
  const bucket = t.toJSON().Resources[logicalId] as { Properties: { LifecycleConfiguration: { Rules: Array<Record<string, unknown>> } } };
  return bucket.Properties.LifecycleConfiguration.Rules;
}

describe("AegisBtStorage", () => {
  it("keeps the stateful resources' logical IDs and retains them", () => {
    const resources = template.toJSON().Resources as Record<string, { Type: string; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;
    expect(resources.DataBucket?.Type).toBe("AWS::S3::Bucket");
    expect(resources.AccessLogsBucket?.Type).toBe("AWS::S3::Bucket");
    expect(resources.ImageRepository?.Type).toBe("AWS::ECR::Repository");
    for (const id of ["DataBucket", "AccessLogsBucket", "ImageRepository"]) {
      expect(resources[id]).toMatchObject({ DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" });
    }
    template.resourceCountIs("AWS::S3::Bucket", 2);
    template.resourceCountIs("AWS::ECR::Repository", 1);
  });

  it("has termination protection on", () => {
    expect(built.storage.terminationProtection).toBe(true);
    expect(built.compute.terminationProtection).toBe(false);
  });

  it("names the data bucket per account and region", () => {
    template.hasResourceProperties("AWS::S3::Bucket", {
      BucketName: { "Fn::Join": ["", ["aegis-bt-data-", { Ref: "AWS::AccountId" }, "-", { Ref: "AWS::Region" }]] },
    });
  });

  it("encrypts, blocks public access, versions and logs the data bucket", () => {
    template.hasResourceProperties("AWS::S3::Bucket", {
      BucketName: Match.anyValue(),
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: "Enabled" },
      LoggingConfiguration: { DestinationBucketName: { Ref: "AccessLogsBucket" }, LogFilePrefix: "data-bucket/" },
    });
    template.hasResourceProperties("AWS::S3::Bucket", {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] },
      PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicAcls: true, RestrictPublicBuckets: true }),
      LoggingConfiguration: Match.absent(),
    });
  });

  it.each(["DataBucket", "AccessLogsBucket"])("denies non-TLS requests to %s", (bucket) => {
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      Bucket: { Ref: bucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Action: "s3:*",
            Principal: { AWS: "*" },
            Condition: { Bool: { "aws:SecureTransport": "false" } },
            Resource: [
              { "Fn::GetAtt": [bucket, "Arn"] },
              { "Fn::Join": ["", [{ "Fn::GetAtt": [bucket, "Arn"] }, "/*"]] },
            ],
          }),
        ]),
      },
    });
  });

  it("tiers and expires results/, expires configs/, aborts stale uploads, trims old versions", () => {
    expect(lifecycleRules(template, "DataBucket")).toEqual([
      {
        Id: "results",
        Prefix: "results/",
        Status: "Enabled",
        Transitions: [{ StorageClass: "STANDARD_IA", TransitionInDays: 30 }],
        ExpirationInDays: 365,
      },
      { Id: "configs", Prefix: "configs/", Status: "Enabled", ExpirationInDays: 90 },
      {
        Id: "housekeeping",
        Status: "Enabled",
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        NoncurrentVersionExpiration: { NoncurrentDays: 30 },
        ExpiredObjectDeleteMarker: true,
      },
    ]);
  });

  it("takes the results expiration from context, and drops the transition when results expire first", () => {
    const long = Template.fromStack(buildApp({ "aegis:resultsExpirationDays": "730" }).storage);
    expect(lifecycleRules(long, "DataBucket")[0]).toMatchObject({ ExpirationInDays: 730, Transitions: [{ TransitionInDays: 30 }] });
    const short = new StorageStack(new App({ context: cdkJsonContext() }), "Short", { resultsExpirationDays: 14 });
    const rule = lifecycleRules(Template.fromStack(short), "DataBucket")[0];
    expect(rule).toMatchObject({ Prefix: "results/", ExpirationInDays: 14 });
    expect(rule).not.toHaveProperty("Transitions");
    expect(() => new StorageStack(new App(), "Bad", { resultsExpirationDays: 0 })).toThrow(/resultsExpirationDays/);
  });

  it("lets only the S3 logging service write access logs, for the data bucket only", () => {
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      Bucket: { Ref: "AccessLogsBucket" },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Allow",
            Action: "s3:PutObject",
            Principal: { Service: "logging.s3.amazonaws.com" },
            Condition: {
              ArnLike: { "aws:SourceArn": { "Fn::GetAtt": ["DataBucket", "Arn"] } },
              StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
            },
          }),
        ]),
      },
    });
  });

  it("scans images on push, keeps tags immutable and expires old images", () => {
    template.hasResourceProperties("AWS::ECR::Repository", {
      RepositoryName: "aegis-bt",
      ImageScanningConfiguration: { ScanOnPush: true },
      ImageTagMutability: "IMMUTABLE",
    });
    const repo = template.toJSON().Resources.ImageRepository as { Properties: { LifecyclePolicy: { LifecyclePolicyText: string } } };
    const policy = JSON.parse(repo.Properties.LifecyclePolicy.LifecyclePolicyText) as { rules: unknown[] };
    expect(policy.rules).toEqual([
      {
        rulePriority: 1,
        description: "expire untagged images after 7 days",
        selection: { tagStatus: "untagged", countType: "sinceImagePushed", countNumber: 7, countUnit: "days" },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
        description: "keep the last 30 images",
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 30 },
        action: { type: "expire" },
      },
    ]);
  });

  it("has the outputs of docs/remote.md, and only those", () => {
    expect(Object.keys(template.toJSON().Outputs as object).sort()).toEqual(["BucketName", "RepositoryName", "RepositoryUri"]);
    template.hasOutput("BucketName", { Value: { Ref: "DataBucket" } });
    template.hasOutput("RepositoryName", { Value: { Ref: "ImageRepository" } });
    template.hasOutput("RepositoryUri", { Value: { "Fn::Join": Match.anyValue() } });
  });
});
