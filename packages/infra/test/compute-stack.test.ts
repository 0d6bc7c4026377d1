import { Aws, Stack, type CfnElement } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as iam from "aws-cdk-lib/aws-iam";
import * as s3 from "aws-cdk-lib/aws-s3";
import { describe, expect, it } from "vitest";
import type { ComputeStack } from "../src/compute/compute-stack.js";
import { dataBucketName } from "../src/contract.js";
import { buildApp } from "./helpers.js";

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string }>;

const built = buildApp();
const stack = built.compute;
const template = Template.fromStack(stack);

function logicalId(s: ComputeStack, construct: { node: { defaultChild?: unknown } }): string {
  return s.getLogicalId(construct.node.defaultChild as CfnElement);
}

/** A resource's properties, by construct. */
function properties(s: ComputeStack, t: Template, construct: { node: { defaultChild?: unknown } }): Record<string, unknown> {
  const resource = (t.toJSON().Resources as Resources)[logicalId(s, construct)];
  expect(resource, construct.node.toString()).toBeDefined();
  return resource?.Properties ?? {};
}

/** Every statement that grants the task role anything, from inline, managed or attached policies. */
function taskRoleStatements(s: ComputeStack, t: Template): Array<Record<string, unknown>> {
  const roleId = logicalId(s, s.task.taskRole);
  const resources = t.toJSON().Resources as Resources;
  const role = resources[roleId];
  expect(role?.Type).toBe("AWS::IAM::Role");
  expect(role?.Properties?.ManagedPolicyArns).toBeUndefined();
  expect(role?.Properties?.Policies).toBeUndefined();
  const statements: Array<Record<string, unknown>> = [];
  for (const r of Object.values(resources)) {
    if (r.Type !== "AWS::IAM::Policy" && r.Type !== "AWS::IAM::ManagedPolicy") continue;
    const roles = (r.Properties?.Roles ?? []) as unknown[];
    if (!roles.some((x) => JSON.stringify(x) === JSON.stringify({ Ref: roleId }))) continue;
    const doc = r.Properties?.PolicyDocument as { Statement: Array<Record<string, unknown>> };
    statements.push(...doc.Statement);
  }
  return statements;
}

/** (effect, action, resource, condition) tuples: one per action and resource. */
function grants(statements: Array<Record<string, unknown>>): string[] {
  const out: string[] = [];
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
  for (const st of statements) {
    expect(st).not.toHaveProperty("NotAction");
    expect(st).not.toHaveProperty("NotResource");
    for (const action of list(st.Action)) {
      for (const resource of list(st.Resource)) {
        out.push(JSON.stringify([st.Effect, action, Stack.of(stack).resolve(resource), st.Condition ?? null]));
      }
    }
  }
  return out.sort();
}

const bucketArn = {
  "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":s3:::aegis-bt-data-", { Ref: "AWS::AccountId" }, "-", { Ref: "AWS::Region" }]],
};
const objectArn = (prefix: string) => ({
  "Fn::Join": [
    "",
    ["arn:", { Ref: "AWS::Partition" }, ":s3:::aegis-bt-data-", { Ref: "AWS::AccountId" }, "-", { Ref: "AWS::Region" }, `/${prefix}*`],
  ],
});
const EXPECTED_TASK_GRANTS = [
  ["Allow", "s3:GetObject", objectArn("configs/"), null],
  ["Allow", "s3:GetObject", objectArn("datasets/"), null],
  ["Allow", "s3:ListBucket", bucketArn, { StringLike: { "s3:prefix": ["configs/*", "datasets/*", "results/*"] } }],
  ["Allow", "s3:PutObject", objectArn("results/"), null],
  ["Allow", "s3:AbortMultipartUpload", objectArn("results/"), null],
  ["Allow", "s3:DeleteObject", objectArn("results/"), null],
].map((g) => JSON.stringify(g));

describe("AegisBtCompute", () => {
  it("is stateless: nothing is retained", () => {
    for (const [id, r] of Object.entries(template.toJSON().Resources as Resources)) {
      expect(r.DeletionPolicy ?? "Delete", id).toBe("Delete");
    }
  });

  it("builds a VPC with public subnets and no NAT gateway, plus a free S3 gateway endpoint", () => {
    template.resourceCountIs("AWS::EC2::VPC", 1);
    template.resourceCountIs("AWS::EC2::NatGateway", 0);
    template.resourceCountIs("AWS::EC2::EIP", 0);
    template.resourceCountIs("AWS::EC2::InternetGateway", 1);
    template.hasResourceProperties("AWS::EC2::VPCEndpoint", { VpcEndpointType: "Gateway" });
    template.hasResourceProperties("AWS::EC2::FlowLog", { TrafficType: "REJECT" });
    const subnets = template.findResources("AWS::EC2::Subnet");
    expect(Object.keys(subnets).length).toBeGreaterThanOrEqual(2);
  });

  it("gives tasks a security group with no ingress and HTTPS egress only", () => {
    template.hasResourceProperties("AWS::EC2::SecurityGroup", {
      SecurityGroupEgress: [{ CidrIp: "0.0.0.0/0", IpProtocol: "tcp", FromPort: 443, ToPort: 443, Description: Match.anyValue() }],
      SecurityGroupIngress: Match.absent(),
    });
    template.resourceCountIs("AWS::EC2::SecurityGroupIngress", 0);
    template.resourceCountIs("AWS::EC2::SecurityGroupEgress", 0);
  });

  it("has a cluster with FARGATE and FARGATE_SPOT capacity providers and Container Insights", () => {
    template.hasResourceProperties("AWS::ECS::Cluster", {
      ClusterSettings: [{ Name: "containerInsights", Value: "enabled" }],
    });
    template.hasResourceProperties("AWS::ECS::ClusterCapacityProviderAssociations", {
      CapacityProviders: ["FARGATE", "FARGATE_SPOT"],
    });
  });

  it("defines two task definitions of 16 vCPU / 120 GB / 50 GiB on Linux x86_64: with the dataset volume and without", () => {
    const common = {
      Cpu: "16384",
      Memory: "122880",
      EphemeralStorage: { SizeInGiB: 50 },
      NetworkMode: "awsvpc",
      RequiresCompatibilities: ["FARGATE"],
      RuntimePlatform: { OperatingSystemFamily: "LINUX", CpuArchitecture: "X86_64" },
      TaskRoleArn: { "Fn::GetAtt": [logicalId(stack, stack.task.taskRole), "Arn"] },
      ExecutionRoleArn: { "Fn::GetAtt": [logicalId(stack, stack.task.executionRole as iam.Role), "Arn"] },
    };
    // Snapshot runs: the volume RunTask fills from a snapshot (the resource and family of before the split).
    expect(properties(stack, template, stack.task.taskDefinition)).toMatchObject({
      ...common,
      Family: "aegis-bt-rust",
      Volumes: [{ Name: "dataset", ConfiguredAtLaunch: true }],
    });
    expect(logicalId(stack, stack.task.taskDefinition)).toBe("BacktestTaskDefinitionC916CEB1");
    // S3 Files and S3 sync runs: no volume at all, so RunTask needs no volume configuration.
    const s3 = properties(stack, template, stack.task.s3TaskDefinition);
    expect(s3).toMatchObject({ ...common, Family: "aegis-bt-rust-s3" });
    expect(s3.Volumes).toBeUndefined();
  });

  it("runs the same aegis-bt container in both: entry point, command, stop timeout, memory reservation, environment", () => {
    const container = {
      Name: "aegis-bt",
      Essential: true,
      EntryPoint: ["aegis-bt"],
      Command: ["run"],
      StopTimeout: 120,
      MemoryReservation: 121856,
      Environment: [
        {
          Name: "AEGIS_DATASET_URI",
          Value: { "Fn::Join": ["", ["s3://aegis-bt-data-", { Ref: "AWS::AccountId" }, "-", { Ref: "AWS::Region" }, "/datasets/"]] },
        },
        { Name: "AEGIS_S3FILES_MOUNT", Value: "/mnt/s3files" },
        { Name: "AEGIS_EBS_MOUNT", Value: "/mnt/data" },
        { Name: "AEGIS_SCRATCH_DIR", Value: "/tmp/aegis-scratch" },
      ],
    };
    const [snapshot, plain] = [stack.task.taskDefinition, stack.task.s3TaskDefinition].map(
      (td) => properties(stack, template, td).ContainerDefinitions as Array<Record<string, unknown>>,
    );
    expect(snapshot).toHaveLength(1);
    expect(plain).toHaveLength(1);
    expect(snapshot![0]).toMatchObject({ ...container, MountPoints: [{ SourceVolume: "dataset", ContainerPath: "/mnt/data", ReadOnly: true }] });
    expect(snapshot![0]!.Memory).toBeUndefined();
    expect(plain![0]).toMatchObject(container);
    expect(plain![0]!.MountPoints).toBeUndefined();
    // Apart from the dataset mount, the two containers are the same.
    const { MountPoints: _, ...rest } = snapshot![0]!;
    expect(plain![0]).toEqual(rest);
  });

  it("logs with awslogs to /ecs/aegis-bt-rust, kept a month", () => {
    const logGroupId = logicalId(stack, stack.task.logGroup);
    template.hasResourceProperties("AWS::Logs::LogGroup", { LogGroupName: "/ecs/aegis-bt-rust", RetentionInDays: 30 });
    for (const td of [stack.task.taskDefinition, stack.task.s3TaskDefinition]) {
      expect(properties(stack, template, td).ContainerDefinitions).toEqual([
        expect.objectContaining({
          LogConfiguration: {
            LogDriver: "awslogs",
            Options: {
              "awslogs-group": { Ref: logGroupId },
              "awslogs-stream-prefix": "aegis-bt",
              "awslogs-region": { Ref: "AWS::Region" },
            },
          },
        }),
      ]);
    }
  });

  it("builds the image from the repository root's Dockerfile by default", () => {
    const td = Object.values(template.findResources("AWS::ECS::TaskDefinition"))[0] as { Properties: { ContainerDefinitions: Array<{ Image: unknown }> } };
    expect(JSON.stringify(td.Properties.ContainerDefinitions[0]?.Image)).toMatch(/container-assets-\$\{AWS::AccountId\}-\$\{AWS::Region\}:[0-9a-f]{64}/);
  });

  it("grants the task role exactly: GetObject on configs/* and datasets/*, PutObject on results/*, prefix-limited listing", () => {
    expect(grants(taskRoleStatements(stack, template))).toEqual([...EXPECTED_TASK_GRANTS].sort());
  });

  it.each([
    ["GetObject on the whole bucket", ["s3:GetObject"], "*"],
    ["DeleteObject on configs/*", ["s3:DeleteObject"], "configs/*"],
    ["s3:GetObject* on datasets/*", ["s3:GetObject*"], "datasets/*"],
  ])("fails the task-role check for a broader grant: %s", (_, actions, key) => {
    const wider = buildApp().compute;
    const bucket = s3.Bucket.fromBucketName(wider, "SameBucket", dataBucketName(Aws.ACCOUNT_ID, Aws.REGION));
    wider.task.taskRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: [bucket.arnForObjects(key)] }));
    expect(grants(taskRoleStatements(wider, Template.fromStack(wider)))).not.toEqual([...EXPECTED_TASK_GRANTS].sort());
  });

  it("lets only ECS tasks of this account assume the task role", () => {
    template.hasResourceProperties("AWS::IAM::Role", {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: "sts:AssumeRole",
            Effect: "Allow",
            Principal: { Service: "ecs-tasks.amazonaws.com" },
            Condition: {
              ArnLike: { "aws:SourceArn": Match.anyValue() },
              StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
            },
          },
        ],
      },
    });
  });

  it("has an ECS infrastructure role for EBS volumes", () => {
    template.hasResourceProperties("AWS::IAM::Role", {
      AssumeRolePolicyDocument: {
        Statement: [{ Action: "sts:AssumeRole", Effect: "Allow", Principal: { Service: "ecs.amazonaws.com" } }],
      },
      ManagedPolicyArns: [
        {
          "Fn::Join": [
            "",
            ["arn:", { Ref: "AWS::Partition" }, ":iam::aws:policy/service-role/AmazonECSInfrastructureRolePolicyForVolumes"],
          ],
        },
      ],
    });
  });

  it("has the outputs of docs/remote.md, and only those", () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        "AssignPublicIp",
        "BatchLogStreamPrefix",
        "ClusterArn",
        "ContainerName",
        "DatasetPullTaskDefinitionArn",
        "DatasetSnapshotStateMachineArn",
        "DatasetVolumeName",
        "EcsInfrastructureRoleArn",
        "JobDefinitionArn",
        "JobQueueArn",
        "LogGroupName",
        "LogStreamPrefix",
        "SecurityGroupIds",
        "S3TaskDefinitionArn",
        "SubnetIds",
        "TaskDefinitionArn",
        "TaskFamily",
      ].sort(),
    );
    template.hasOutput("ClusterArn", { Value: { "Fn::GetAtt": [logicalId(stack, stack.cluster), "Arn"] } });
    template.hasOutput("TaskDefinitionArn", { Value: { Ref: logicalId(stack, stack.task.taskDefinition) } });
    template.hasOutput("S3TaskDefinitionArn", { Value: { Ref: logicalId(stack, stack.task.s3TaskDefinition) } });
    template.hasOutput("TaskFamily", { Value: "aegis-bt-rust" });
    template.hasOutput("ContainerName", { Value: "aegis-bt" });
    template.hasOutput("SubnetIds", { Value: { "Fn::Join": [",", Match.anyValue()] } });
    template.hasOutput("SecurityGroupIds", { Value: { "Fn::GetAtt": [logicalId(stack, stack.network.securityGroup), "GroupId"] } });
    template.hasOutput("AssignPublicIp", { Value: "ENABLED" });
    template.hasOutput("LogGroupName", { Value: { Ref: logicalId(stack, stack.task.logGroup) } });
    template.hasOutput("LogStreamPrefix", { Value: "aegis-bt" });
    template.hasOutput("EcsInfrastructureRoleArn", { Value: { "Fn::GetAtt": [logicalId(stack, stack.infrastructureRole.role), "Arn"] } });
    template.hasOutput("DatasetVolumeName", { Value: "dataset" });
    template.hasOutput("DatasetPullTaskDefinitionArn", { Value: { Ref: logicalId(stack, stack.datasetSnapshot.pullTaskDefinition) } });
    template.hasOutput("DatasetSnapshotStateMachineArn", { Value: { Ref: logicalId(stack, stack.datasetSnapshot.stateMachine) } });
    template.hasOutput("JobQueueArn", { Value: { "Fn::GetAtt": [logicalId(stack, stack.batch.jobQueue), "JobQueueArn"] } });
    template.hasOutput("JobDefinitionArn", { Value: { Ref: logicalId(stack, stack.batch.jobDefinition) } });
    template.hasOutput("BatchLogStreamPrefix", { Value: "aegis-bt-batch" });
  });

  it("refuses an invalid task size at synth time", () => {
    expect(() => buildApp({ "aegis:vcpu": 16, "aegis:memoryGb": 122 })).toThrow(/nearest valid sizes: 16 vCPU \/ 120 GB/);
  });
});

describe("AegisBtCompute variants", () => {
  it("places tasks in an imported VPC's subnets without creating a VPC", () => {
    const s = buildApp({
      "aegis:vpcId": "vpc-0123456789abcdef0",
      "aegis:subnetIds": "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
      "aegis:assignPublicIp": "false",
    }).compute;
    const t = Template.fromStack(s);
    t.resourceCountIs("AWS::EC2::VPC", 0);
    t.resourceCountIs("AWS::EC2::Subnet", 0);
    t.hasResourceProperties("AWS::EC2::SecurityGroup", { VpcId: "vpc-0123456789abcdef0" });
    t.hasOutput("SubnetIds", { Value: "subnet-0123456789abcdef0,subnet-0123456789abcdef1" });
    t.hasOutput("AssignPublicIp", { Value: "DISABLED" });
  });

  it("mounts an S3 Files file system read-only at /mnt/s3files when one is given", () => {
    const fs = "arn:aws:s3files:eu-west-1:123456789012:file-system/fs-0123456789abcdef0";
    const s = buildApp({ "aegis:s3FilesFileSystemArn": fs }).compute;
    const t = Template.fromStack(s);
    const s3files = { SourceVolume: "s3files", ContainerPath: "/mnt/s3files", ReadOnly: true };
    expect(properties(s, t, s.task.taskDefinition)).toMatchObject({
      Volumes: [
        { Name: "dataset", ConfiguredAtLaunch: true },
        { Name: "s3files", S3FilesVolumeConfiguration: { FileSystemArn: fs } },
      ],
      ContainerDefinitions: [{ MountPoints: [{ SourceVolume: "dataset", ContainerPath: "/mnt/data", ReadOnly: true }, s3files] }],
    });
    expect(properties(s, t, s.task.s3TaskDefinition)).toMatchObject({
      Volumes: [{ Name: "s3files", S3FilesVolumeConfiguration: { FileSystemArn: fs } }],
      ContainerDefinitions: [{ MountPoints: [s3files] }],
    });
    expect(grants(taskRoleStatements(s, t))).toEqual(
      [...EXPECTED_TASK_GRANTS, JSON.stringify(["Allow", "s3files:ClientMount", fs, null])].sort(),
    );
    t.hasResourceProperties("AWS::EC2::SecurityGroup", {
      SecurityGroupEgress: Match.arrayWith([Match.objectLike({ IpProtocol: "tcp", FromPort: 2049, ToPort: 2049 })]),
    });
  });

  it("runs a tagged image from the aegis-bt repository when a tag is given", () => {
    const s = buildApp({ "aegis:imageTag": "3f2a9c1e" }).compute;
    const t = Template.fromStack(s);
    const td = Object.values(t.findResources("AWS::ECS::TaskDefinition"))[0] as { Properties: { ContainerDefinitions: Array<{ Image: unknown }> } };
    const image = JSON.stringify(td.Properties.ContainerDefinitions[0]?.Image);
    expect(image).toContain("/aegis-bt:3f2a9c1e");
    expect(image).not.toContain("container-assets");
    t.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            Resource: Match.objectLike({ "Fn::Join": ["", Match.arrayWith([":repository/aegis-bt"])] }),
          }),
        ]),
      },
    });
  });

  it("passes the git sha to the image build", () => {
    const a = Template.fromStack(buildApp({ "aegis:gitSha": "aaaa" }).compute).toJSON();
    const b = Template.fromStack(buildApp({ "aegis:gitSha": "bbbb" }).compute).toJSON();
    // The build arg is part of the asset hash, so the image tag differs.
    expect(JSON.stringify(a)).not.toEqual(JSON.stringify(b));
  });
});
