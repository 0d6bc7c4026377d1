// cdk-nag's AWS Solutions pack. cdk-nag 3 is a CDK policy-validation plugin (`Validations.of(app)
// .addPlugins(...)`) and acknowledgments are CDK's `Validations.of(construct).acknowledge(...)`: the
// v2 `Aspects` + `NagSuppressions` + annotation API no longer exists.
import { App, Stack, Validations } from "aws-cdk-lib";
import * as s3 from "aws-cdk-lib/aws-s3";
import nag from "cdk-nag";
import type { IConstruct } from "constructs";
import { describe, expect, it } from "vitest";
import { buildApp } from "./helpers.js";

function findings(app: App): string[] {
  const report = new nag.AwsSolutionsChecks(undefined, { verbose: true }).validateScope(app);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath ?? "?"}: ${v.description}`),
  );
}

interface Acknowledged {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
  readonly construct: IConstruct;
}

function acknowledgments(app: App): Acknowledged[] {
  const out: Acknowledged[] = [];
  for (const construct of app.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [key, reason] of Object.entries(entry.data as Record<string, string>)) {
        // CDK stores acknowledged rule ids with an `Annotation::` prefix; cdk-nag strips it.
        const id = key.replace(/^annotation::(?=AwsSolutions-)/i, "");
        out.push({ path: construct.node.path, id, reason, construct });
      }
    }
  }
  return out;
}

const VARIANTS: Record<string, Record<string, unknown>> = {
  default: {},
  "imported VPC, S3 Files, repository image": {
    "aegis:vpcId": "vpc-0123456789abcdef0",
    "aegis:subnetIds": "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
    "aegis:vpcCidr": "10.0.0.0/16",
    "aegis:s3FilesFileSystemArn": "arn:aws:s3files:eu-west-1:123456789012:file-system/fs-0123456789abcdef0",
    "aegis:imageTag": "3f2a9c1e",
  },
};

describe("cdk-nag AwsSolutionsChecks", () => {
  it.each(Object.entries(VARIANTS))("reports no unacknowledged finding (%s)", (_, context) => {
    const { app } = buildApp(context);
    Validations.of(app).addPlugins(new nag.AwsSolutionsChecks(app, { verbose: true }));
    // The plugin runs inside synth and throws with its report on any finding.
    expect(() => app.synth()).not.toThrow();
    expect(findings(app)).toEqual([]);
  });

  it("fails synthesis on a finding (the plugin is live)", () => {
    const app = new App();
    new s3.Bucket(new Stack(app, "Careless"), "Bucket");
    Validations.of(app).addPlugins(new nag.AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });

  it("acknowledges only specific findings on specific resources, each with a reason", () => {
    const { app } = buildApp(VARIANTS["imported VPC, S3 Files, repository image"]);
    const acks = acknowledgments(app);
    for (const ack of acks) {
      // Never a blanket acknowledgment on an app or a stack.
      expect(Stack.isStack(ack.construct), ack.path).toBe(false);
      expect(ack.construct.node.scope, ack.path).toBeDefined();
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThan(60);
      // A wildcard-permission finding is acknowledged one finding at a time.
      if (ack.id.includes("IAM5")) expect(ack.id).toMatch(/^AwsSolutions-IAM5\[Resource::.+\]$/);
    }
    expect(acks.map((a) => `${a.path} ${a.id.replace(/<[^>]+>/g, "<>")}`).sort()).toEqual(
      [
        "AegisBtCompute/Backtest/TaskDefinition AwsSolutions-ECS2",
        "AegisBtCompute/Backtest/S3TaskDefinition AwsSolutions-ECS2",
        "AegisBtCompute/Backtest/TaskDefinition/ExecutionRole AwsSolutions-IAM5[Resource::*]",
        "AegisBtCompute/Backtest/TaskRole AwsSolutions-IAM5[Resource::arn:<>:s3:::aegis-bt-data-<>-<>/configs/*]",
        "AegisBtCompute/Backtest/TaskRole AwsSolutions-IAM5[Resource::arn:<>:s3:::aegis-bt-data-<>-<>/datasets/*]",
        "AegisBtCompute/Backtest/TaskRole AwsSolutions-IAM5[Resource::arn:<>:s3:::aegis-bt-data-<>-<>/results/*]",
        "AegisBtCompute/DatasetSnapshot/PullTaskDefinition AwsSolutions-ECS2",
        "AegisBtCompute/DatasetSnapshot/Role AwsSolutions-IAM5[Resource::*]",
        "AegisBtCompute/DatasetSnapshot/Role AwsSolutions-IAM5[Resource::arn:<>:ec2:<>::snapshot/*]",
        "AegisBtCompute/DatasetSnapshot/Role AwsSolutions-IAM5[Resource::arn:<>:ec2:<>:<>:volume/*]",
        "AegisBtCompute/EcsInfrastructure/Role AwsSolutions-IAM4[Policy::arn:<>:iam::aws:policy/service-role/AmazonECSInfrastructureRolePolicyForVolumes]",
        "AegisBtCompute/Network/Vpc Annotation::@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones",
        "AegisBtCompute/Network/subnet-0123456789abcdef0 Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId",
        "AegisBtCompute/Network/subnet-0123456789abcdef1 Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId",
        "AegisBtStorage/Data/AccessLogs AwsSolutions-S1",
      ].sort(),
    );
  });
});
