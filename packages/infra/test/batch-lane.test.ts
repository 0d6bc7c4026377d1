import { App, type CfnElement } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as iam from "aws-cdk-lib/aws-iam";
import { describe, expect, it } from "vitest";
import { ComputeStack } from "../src/compute/compute-stack.js";
import { buildApp, cdkJsonContext } from "./helpers.js";

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

const stack = buildApp().compute;
const template = Template.fromStack(stack);

function logicalId(construct: { node: { defaultChild?: unknown } }, s: ComputeStack = stack): string {
  return s.getLogicalId(construct.node.defaultChild as CfnElement);
}

function only(t: Template, type: string): Record<string, unknown> {
  const found = Object.values(t.findResources(type)) as Array<{ Properties: Record<string, unknown> }>;
  expect(found).toHaveLength(1);
  return found[0]!.Properties;
}

/** The properties of one resource of the default stack's template, by construct. */
function properties(construct: { node: { defaultChild?: unknown } }): Record<string, unknown> {
  return (template.toJSON().Resources as Resources)[logicalId(construct)]!.Properties;
}

const jobContainer = (t: Template) => only(t, "AWS::Batch::JobDefinition").ContainerProperties as Record<string, unknown>;
/** The run task definitions (snapshot runs, S3 runs): the same container apart from the dataset volume. */
const runTaskDefinitions = () => [properties(stack.task.taskDefinition), properties(stack.task.s3TaskDefinition)];
const taskContainer = () => (properties(stack.task.taskDefinition).ContainerDefinitions as Array<Record<string, unknown>>)[0]!;

describe("the Batch lane", () => {
  it("has two Fargate compute environments in the tasks' subnets and security group: Spot and on demand", () => {
    template.resourceCountIs("AWS::Batch::ComputeEnvironment", 2);
    const subnets = (stack.network.vpc.publicSubnets as Array<{ node: { defaultChild?: unknown } }>).map((s) => ({ Ref: logicalId(s) }));
    const securityGroupIds = [{ "Fn::GetAtt": [logicalId(stack.network.securityGroup), "GroupId"] }];
    const environment = (type: string) => ({
      Type: "managed",
      State: "ENABLED",
      ComputeResources: { Type: type, MaxvCpus: 256, Subnets: subnets, SecurityGroupIds: securityGroupIds },
    });
    const resources = template.toJSON().Resources as Resources;
    expect(resources[logicalId(stack.batch.spotEnvironment)]?.Properties).toMatchObject(environment("FARGATE_SPOT"));
    expect(resources[logicalId(stack.batch.onDemandEnvironment)]?.Properties).toMatchObject(environment("FARGATE"));
    // No security group of Batch's own: the jobs get the tasks' (no ingress, HTTPS egress).
    template.resourceCountIs("AWS::EC2::SecurityGroup", 1);
  });

  it("queues jobs on Spot first and on demand second", () => {
    expect(only(template, "AWS::Batch::JobQueue")).toEqual({
      ComputeEnvironmentOrder: [
        { ComputeEnvironment: { "Fn::GetAtt": [logicalId(stack.batch.spotEnvironment), "ComputeEnvironmentArn"] }, Order: 1 },
        { ComputeEnvironment: { "Fn::GetAtt": [logicalId(stack.batch.onDemandEnvironment), "ComputeEnvironmentArn"] }, Order: 2 },
      ],
      Priority: 1,
      State: "ENABLED",
    });
  });

  it("defines the aegis-bt-sweep job on Fargate: the task's image and size, running `aegis-bt sweep`", () => {
    template.hasResourceProperties("AWS::Batch::JobDefinition", {
      JobDefinitionName: "aegis-bt-sweep",
      Type: "container",
      PlatformCapabilities: ["FARGATE"],
      PropagateTags: true,
      ContainerProperties: Match.objectLike({
        Command: ["sweep"],
        ResourceRequirements: [
          { Type: "MEMORY", Value: "122880" },
          { Type: "VCPU", Value: "16" },
        ],
        EphemeralStorage: { SizeInGiB: 50 },
        RuntimePlatform: { CpuArchitecture: "X86_64", OperatingSystemFamily: "LINUX" },
        NetworkConfiguration: { AssignPublicIp: "ENABLED" },
        // Batch cannot take the EBS dataset volume: no volumes unless S3 Files is on.
        Volumes: Match.absent(),
        MountPoints: Match.absent(),
      }),
    });
    const job = jobContainer(template);
    for (const taskDefinition of runTaskDefinitions()) {
      const task = (taskDefinition.ContainerDefinitions as Array<Record<string, unknown>>)[0]!;
      expect(task.EntryPoint).toEqual(["aegis-bt"]);
      expect(job.Image).toEqual(task.Image);
    }
  });

  it("gives the job the task's environment, from the same source", () => {
    const job = jobContainer(template);
    expect(job.Environment).toEqual(taskContainer().Environment);
    expect(job.Environment).toEqual([
      {
        Name: "AEGIS_DATASET_URI",
        Value: { "Fn::Join": ["", ["s3://aegis-bt-data-", { Ref: "AWS::AccountId" }, "-", { Ref: "AWS::Region" }, "/datasets/"]] },
      },
      { Name: "AEGIS_S3FILES_MOUNT", Value: "/mnt/s3files" },
      { Name: "AEGIS_EBS_MOUNT", Value: "/mnt/data" },
      { Name: "AEGIS_SCRATCH_DIR", Value: "/tmp/aegis-scratch" },
    ]);
  });

  it("runs jobs with the ECS task's own task and execution roles, and creates no role or policy", () => {
    const taskRole = { "Fn::GetAtt": [logicalId(stack.task.taskRole), "Arn"] };
    const executionRole = { "Fn::GetAtt": [logicalId(stack.task.executionRole as iam.Role), "Arn"] };
    const job = jobContainer(template);
    expect(job.JobRoleArn).toEqual(taskRole);
    expect(job.ExecutionRoleArn).toEqual(executionRole);
    for (const taskDefinition of runTaskDefinitions()) {
      expect(taskDefinition.TaskRoleArn).toEqual(taskRole);
      expect(taskDefinition.ExecutionRoleArn).toEqual(executionRole);
    }
    const iamInBatch = stack.batch.node.findAll().filter((c) => c instanceof iam.CfnRole || c instanceof iam.CfnPolicy);
    expect(iamInBatch.map((c) => c.node.path)).toEqual([]);
  });

  it("retries an attempt stopped with its checkpoint (exit 75), after a Spot interruption or a lost host, three attempts in all, and exits on anything else", () => {
    expect(only(template, "AWS::Batch::JobDefinition").RetryStrategy).toEqual({
      Attempts: 3,
      EvaluateOnExit: [
        { Action: "RETRY", OnExitCode: "75" },
        { Action: "RETRY", OnStatusReason: "Your Spot Task was interrupted*" },
        { Action: "RETRY", OnStatusReason: "ECS is performing maintenance*" },
        { Action: "RETRY", OnStatusReason: "Host EC2*" },
        { Action: "EXIT", OnStatusReason: "*" },
      ],
    });
    expect(only(template, "AWS::Batch::JobDefinition").Timeout).toEqual({ AttemptDurationSeconds: 86400 });
  });

  it("uses only the characters Batch allows in a status-reason pattern, with `*` only at the end", () => {
    const rules = (only(template, "AWS::Batch::JobDefinition").RetryStrategy as { EvaluateOnExit: Array<{ OnStatusReason?: string; OnExitCode?: string }> })
      .EvaluateOnExit;
    for (const { OnStatusReason: pattern, OnExitCode: code } of rules) {
      if (pattern === undefined) expect(code).toMatch(/^[0-9]+$/);
      else expect(pattern).toMatch(/^[A-Za-z0-9.: ]*\*?$/);
    }
    // Batch accepts at most five rules.
    expect(rules.length).toBeLessThanOrEqual(5);
  });

  it("logs to the task's log group under its own stream prefix", () => {
    expect(jobContainer(template).LogConfiguration).toEqual({
      LogDriver: "awslogs",
      Options: {
        "awslogs-group": { Ref: logicalId(stack.task.logGroup) },
        "awslogs-stream-prefix": "aegis-bt-batch",
        "awslogs-region": { Ref: "AWS::Region" },
      },
    });
  });

  it("follows the task size and the vCPU ceiling from context", () => {
    const t = Template.fromStack(
      buildApp({ "aegis:vcpu": "8", "aegis:memoryGb": "60", "aegis:ephemeralStorageGib": "100", "aegis:batchMaxVcpus": "64" }).compute,
    );
    expect(jobContainer(t)).toMatchObject({
      ResourceRequirements: [
        { Type: "MEMORY", Value: "61440" },
        { Type: "VCPU", Value: "8" },
      ],
      EphemeralStorage: { SizeInGiB: 100 },
    });
    for (const ce of Object.values(t.findResources("AWS::Batch::ComputeEnvironment"))) {
      expect(ce.Properties.ComputeResources.MaxvCpus).toBe(64);
    }
  });

  it("runs in an imported VPC's subnets without a public IP when told so", () => {
    const t = Template.fromStack(
      buildApp({
        "aegis:vpcId": "vpc-0123456789abcdef0",
        "aegis:subnetIds": "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
        "aegis:assignPublicIp": "false",
        "aegis:imageTag": "3f2a9c1e",
      }).compute,
    );
    for (const ce of Object.values(t.findResources("AWS::Batch::ComputeEnvironment"))) {
      expect(ce.Properties.ComputeResources.Subnets).toEqual(["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]);
    }
    expect(jobContainer(t).NetworkConfiguration).toEqual({ AssignPublicIp: "DISABLED" });
    expect(JSON.stringify(jobContainer(t).Image)).toContain("/aegis-bt:3f2a9c1e");
  });

  it("mounts the S3 Files file system read-only at /mnt/s3files, like the task", () => {
    const fs = "arn:aws:s3files:eu-west-1:123456789012:file-system/fs-0123456789abcdef0";
    const ap = "arn:aws:s3files:eu-west-1:123456789012:access-point/fsap-0123456789abcdef0";
    const t = Template.fromStack(buildApp({ "aegis:s3FilesFileSystemArn": fs, "aegis:s3FilesAccessPointArn": ap }).compute);
    expect(jobContainer(t)).toMatchObject({
      Volumes: [{ Name: "s3files", S3FilesVolumeConfiguration: { FileSystemArn: fs, AccessPointArn: ap } }],
      MountPoints: [{ SourceVolume: "s3files", ContainerPath: "/mnt/s3files", ReadOnly: true }],
    });
  });

  it("refuses a compute environment smaller than one job", () => {
    const build = (batchMaxVcpus: number) =>
      new ComputeStack(new App({ context: cdkJsonContext() }), "Small", {
        bucketName: "aegis-bt-data-123456789012-eu-west-1",
        repositoryName: "aegis-bt",
        image: { kind: "repository", tag: "3f2a9c1e" },
        batchMaxVcpus,
      });
    expect(() => build(8)).toThrow(/maxVcpus must be a whole number ≥ 16 \(one job's vCPUs\), got 8/);
    expect(() => build(16.5)).toThrow(/got 16\.5/);
    expect(() => build(16)).not.toThrow();
  });
});
