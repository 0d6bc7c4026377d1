import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeStacksCommand, type DescribeStacksCommandOutput, type StackStatus } from "@aws-sdk/client-cloudformation";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it, vi } from "vitest";
import { loadConfig, parseConfigFile, requireBatchConfig, requireBucket, requireLaunchConfig } from "../src/config.ts";
import { awsError, clients } from "./fixtures.ts";

const STORAGE = {
  BucketName: "aegis-bt-data",
  RepositoryUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/aegis-bt",
  RepositoryName: "aegis-bt",
};
const COMPUTE = {
  ClusterArn: "arn:aws:ecs:us-east-1:123456789012:cluster/aegis-bt",
  TaskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/aegis-bt:3",
  S3TaskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/aegis-bt-s3:3",
  TaskFamily: "aegis-bt",
  ContainerName: "aegis-bt",
  SubnetIds: "subnet-a, subnet-b",
  SecurityGroupIds: "sg-1",
  AssignPublicIp: "ENABLED",
  LogGroupName: "/aegis-bt",
  LogStreamPrefix: "aegis",
  EcsInfrastructureRoleArn: "arn:aws:iam::123456789012:role/infra",
  DatasetVolumeName: "dataset",
  // Not ours: ignored.
  ExportsOutputRefSomething: "x",
};

function stack(name: string, outputs: Record<string, string>, status: StackStatus = "CREATE_COMPLETE"): Partial<DescribeStacksCommandOutput> {
  return {
    Stacks: [
      {
        StackName: name,
        StackStatus: status,
        CreationTime: new Date(),
        Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  };
}

function mocked(storage: Record<string, string> = STORAGE, compute: Record<string, string> = COMPUTE) {
  const { cloudFormation } = clients();
  const mock = mockClient(cloudFormation);
  mock.on(DescribeStacksCommand, { StackName: "AegisBtStorage" }).resolves(stack("AegisBtStorage", storage));
  mock.on(DescribeStacksCommand, { StackName: "AegisBtCompute" }).resolves(stack("AegisBtCompute", compute));
  return { cloudFormation, mock };
}

describe("configuration from the stacks' outputs", () => {
  it("reads both stacks by name into a typed LaunchConfig", async () => {
    const { cloudFormation, mock } = mocked();
    const values = await loadConfig({ cloudFormation, env: {} });
    expect(requireLaunchConfig(values)).toEqual({
      bucket: "aegis-bt-data",
      repositoryUri: STORAGE.RepositoryUri,
      repositoryName: "aegis-bt",
      cluster: COMPUTE.ClusterArn,
      taskDefinition: COMPUTE.TaskDefinitionArn,
      s3TaskDefinition: COMPUTE.S3TaskDefinitionArn,
      taskFamily: "aegis-bt",
      containerName: "aegis-bt",
      subnets: ["subnet-a", "subnet-b"],
      securityGroups: ["sg-1"],
      assignPublicIp: "ENABLED",
      propagateTags: "TASK_DEFINITION",
      logGroupName: "/aegis-bt",
      logStreamPrefix: "aegis",
      ecsInfrastructureRoleArn: COMPUTE.EcsInfrastructureRoleArn,
      datasetVolumeName: "dataset",
    });
    expect(values.source).toBe("stacks AegisBtStorage, AegisBtCompute");
    expect(mock.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input.StackName)).toEqual(["AegisBtStorage", "AegisBtCompute"]);
  });

  it("lets flags win over outputs", async () => {
    const { cloudFormation } = mocked();
    const values = await loadConfig({ cloudFormation, overrides: { bucket: "other", subnets: ["subnet-z"], assignPublicIp: "DISABLED" } });
    expect(values).toMatchObject({ bucket: "other", subnets: ["subnet-z"], assignPublicIp: "DISABLED", cluster: COMPUTE.ClusterArn });
  });

  describe("the two task definitions (docs/remote.md, \"Two task definitions\")", () => {
    const OTHER_S3 = "arn:aws:ecs:us-east-1:123456789012:task-definition/my-s3:1";

    it("reads S3TaskDefinitionArn beside TaskDefinitionArn", async () => {
      const { cloudFormation } = mocked();
      expect(await loadConfig({ cloudFormation, env: {} })).toMatchObject({
        taskDefinition: COMPUTE.TaskDefinitionArn,
        s3TaskDefinition: COMPUTE.S3TaskDefinitionArn,
      });
    });

    it("leaves it unset for a stack deployed before the split", async () => {
      const { S3TaskDefinitionArn: _, ...before } = COMPUTE;
      const { cloudFormation } = mocked(STORAGE, before);
      const config = requireLaunchConfig(await loadConfig({ cloudFormation, env: {} }));
      expect(config.taskDefinition).toBe(COMPUTE.TaskDefinitionArn);
      expect(config).not.toHaveProperty("s3TaskDefinition");
    });

    it("takes AEGIS_S3_TASK_DEFINITION over the stack's (blank counts as unset)", async () => {
      const { cloudFormation } = mocked();
      expect((await loadConfig({ cloudFormation, env: { AEGIS_S3_TASK_DEFINITION: ` ${OTHER_S3} ` } })).s3TaskDefinition).toBe(OTHER_S3);
      expect((await loadConfig({ cloudFormation, env: { AEGIS_S3_TASK_DEFINITION: " " } })).s3TaskDefinition).toBe(COMPUTE.S3TaskDefinitionArn);
    });

    it("reads the environment from process.env by default", async () => {
      const { cloudFormation } = mocked();
      vi.stubEnv("AEGIS_S3_TASK_DEFINITION", OTHER_S3);
      try {
        expect((await loadConfig({ cloudFormation })).s3TaskDefinition).toBe(OTHER_S3);
      } finally {
        vi.unstubAllEnvs();
      }
    });

    it("uses --task-definition alone for every run, unless the S3 one is named too", async () => {
      const { cloudFormation } = mocked();
      const alone = await loadConfig({ cloudFormation, env: {}, overrides: { taskDefinition: "mine:4" } });
      expect(alone.taskDefinition).toBe("mine:4");
      expect(alone).not.toHaveProperty("s3TaskDefinition");
      const both = await loadConfig({ cloudFormation, env: { AEGIS_S3_TASK_DEFINITION: OTHER_S3 }, overrides: { taskDefinition: "mine:4" } });
      expect(both).toMatchObject({ taskDefinition: "mine:4", s3TaskDefinition: OTHER_S3 });
      const code = await loadConfig({ cloudFormation, env: {}, overrides: { taskDefinition: "mine:4", s3TaskDefinition: "mine-s3:4" } });
      expect(code).toMatchObject({ taskDefinition: "mine:4", s3TaskDefinition: "mine-s3:4" });
    });

    it("reads S3TaskDefinitionArn from a config file", async () => {
      const file = join(mkdtempSync(join(tmpdir(), "aegis-launch-config-")), "outputs.json");
      writeFileSync(file, JSON.stringify({ ...STORAGE, ...COMPUTE }));
      expect(await loadConfig({ file, env: {} })).toMatchObject({
        taskDefinition: COMPUTE.TaskDefinitionArn,
        s3TaskDefinition: COMPUTE.S3TaskDefinitionArn,
      });
    });
  });

  it("reads renamed stacks, and only the ones asked for", async () => {
    const { cloudFormation } = clients();
    const mock = mockClient(cloudFormation);
    mock.on(DescribeStacksCommand, { StackName: "MyStorage" }).resolves(stack("MyStorage", STORAGE));
    const values = await loadConfig({ cloudFormation, storageStack: "MyStorage", stacks: ["storage"] });
    expect(requireBucket(values)).toBe("aegis-bt-data");
    expect(values.source).toBe("stack MyStorage");
    expect(mock.commandCalls(DescribeStacksCommand)).toHaveLength(1);
  });

  it("takes each output only from its own stack", async () => {
    const { cloudFormation } = mocked({ ...STORAGE, ClusterArn: "wrong" }, COMPUTE);
    expect((await loadConfig({ cloudFormation })).cluster).toBe(COMPUTE.ClusterArn);
  });

  it("says which stack is missing, and where", async () => {
    const { cloudFormation } = clients();
    mockClient(cloudFormation)
      .on(DescribeStacksCommand)
      .rejects(awsError("ValidationError", "Stack with id AegisBtCompute does not exist"));
    await expect(loadConfig({ cloudFormation, region: "eu-west-1", stacks: ["compute"] })).rejects.toThrow(
      "stack AegisBtCompute does not exist in eu-west-1: deploy it (cdk deploy), check --region, name another stack, or pass --config <file>",
    );
  });

  it("refuses a stack that failed or is being deleted", async () => {
    const { cloudFormation } = clients();
    mockClient(cloudFormation).on(DescribeStacksCommand).resolves(stack("AegisBtStorage", STORAGE, "ROLLBACK_COMPLETE"));
    await expect(loadConfig({ cloudFormation, stacks: ["storage"] })).rejects.toThrow(/AegisBtStorage is ROLLBACK_COMPLETE/);
  });

  it("maps expired credentials to one line", async () => {
    const { cloudFormation } = clients();
    mockClient(cloudFormation).on(DescribeStacksCommand).rejects(awsError("ExpiredToken", "The security token included in the request is expired", 403));
    await expect(loadConfig({ cloudFormation })).rejects.toThrow(
      "AWS credentials have expired (ExpiredToken) while reading stack AegisBtStorage: refresh them (e.g. aws sso login) and try again",
    );
  });

  it("names every missing output and its flag", async () => {
    const { ClusterArn: _c, SubnetIds: _s, ...rest } = COMPUTE;
    const { cloudFormation } = mocked(STORAGE, rest);
    const values = await loadConfig({ cloudFormation });
    expect(() => requireLaunchConfig(values)).toThrow(
      "stacks AegisBtStorage, AegisBtCompute lack ClusterArn (or --cluster), SubnetIds (or --subnets), needed to launch a task",
    );
  });

  it("reads the Batch lane's job queue, job definition and log prefix; flags win", async () => {
    const batch = { JobQueueArn: "arn:aws:batch:us-east-1:123456789012:job-queue/aegis-bt", JobDefinitionArn: "arn:aws:batch:us-east-1:123456789012:job-definition/aegis-bt:2", BatchLogStreamPrefix: "aegis-bt-batch" };
    const { cloudFormation } = mocked(STORAGE, { ...COMPUTE, ...batch });
    expect(requireBatchConfig(await loadConfig({ cloudFormation }))).toEqual({
      bucket: "aegis-bt-data",
      jobQueue: batch.JobQueueArn,
      jobDefinition: batch.JobDefinitionArn,
      logGroupName: "/aegis-bt",
      batchLogStreamPrefix: "aegis-bt-batch",
    });
    const flagged = await loadConfig({ cloudFormation, overrides: { jobQueue: "q2", jobDefinition: "jd:9" } });
    expect(requireBatchConfig(flagged)).toMatchObject({ jobQueue: "q2", jobDefinition: "jd:9" });
    const { cloudFormation: without } = mocked();
    await expect(loadConfig({ cloudFormation: without }).then(requireBatchConfig)).rejects.toThrow(
      "stacks AegisBtStorage, AegisBtCompute lack JobQueueArn (or --job-queue), JobDefinitionArn (or --job-definition), needed to submit a sweep to AWS Batch",
    );
  });

  it("refuses a bad AssignPublicIp", async () => {
    const { cloudFormation } = mocked(STORAGE, { ...COMPUTE, AssignPublicIp: "maybe" });
    await expect(loadConfig({ cloudFormation })).rejects.toThrow('stack AegisBtCompute: AssignPublicIp must be ENABLED or DISABLED, got "maybe"');
  });
});

describe("configuration from a file", () => {
  const dir = mkdtempSync(join(tmpdir(), "aegis-launch-config-"));

  it("reads cdk's --outputs-file shape (keyed by stack) without calling AWS", async () => {
    const file = join(dir, "outputs.json");
    writeFileSync(file, JSON.stringify({ AegisBtStorage: STORAGE, AegisBtCompute: { ...COMPUTE, PropagateTags: "NONE" } }));
    const { cloudFormation } = clients();
    const mock = mockClient(cloudFormation);
    const values = await loadConfig({ cloudFormation, file, overrides: { cluster: "flag-cluster" } });
    expect(mock.calls()).toHaveLength(0);
    expect(requireLaunchConfig(values)).toMatchObject({ bucket: "aegis-bt-data", cluster: "flag-cluster", propagateTags: "NONE", subnets: ["subnet-a", "subnet-b"] });
    expect(values.source).toBe(`file ${file}`);
  });

  it("reads a flat object, lists as arrays too", () => {
    expect(parseConfigFile(JSON.stringify({ BucketName: "b", SubnetIds: ["s1", "s2"] }), "f.json")).toEqual({ BucketName: "b", SubnetIds: "s1,s2" });
  });

  it("says what is wrong with a bad file", async () => {
    expect(() => parseConfigFile("{", "f.json")).toThrow(/^f.json: not JSON/);
    expect(() => parseConfigFile("[]", "f.json")).toThrow("f.json: expected a JSON object of stack outputs");
    expect(() => parseConfigFile('{"BucketName": 3}', "f.json")).toThrow("f.json: BucketName must be a string");
    await expect(loadConfig({ file: join(dir, "missing.json") })).rejects.toThrow(/missing.json: cannot read the config file \(ENOENT\)/);
    const partial = join(dir, "partial.json");
    writeFileSync(partial, JSON.stringify({ ClusterArn: "c" }));
    expect(() => requireBucket({ source: `file ${partial}` })).toThrow(`file ${partial} lacks BucketName (or --bucket), needed to reach the run's files`);
  });
});
