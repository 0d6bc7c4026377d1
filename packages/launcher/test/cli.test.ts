import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchClient } from "@aws-sdk/client-batch";
import { CloudFormationClient, DescribeStacksCommand, type DescribeStacksCommandOutput } from "@aws-sdk/client-cloudformation";
import { CloudWatchLogsClient, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { EC2Client } from "@aws-sdk/client-ec2";
import { DescribeTasksCommand, ECSClient, RunTaskCommand } from "@aws-sdk/client-ecs";
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli } from "../src/cli.ts";
import { SCENARIO, SWEEP_SCENARIO, TASK_ARN, task } from "./fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "aegis-launch-cli-"));
const file = join(dir, "s.yaml");
writeFileSync(file, SCENARIO);
const sweepFile = join(dir, "sweep.yaml");
writeFileSync(sweepFile, SWEEP_SCENARIO);

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(["node", "aegis-launch", ...args], { out: (l) => out.push(l), err: (l) => err.push(l), env: {} });
  return { code, out, err };
}

// Class-level mocks: they also catch the clients the CLI builds itself.
const mocks = [mockClient(S3Client), mockClient(ECSClient), mockClient(CloudFormationClient), mockClient(CloudWatchLogsClient), mockClient(BatchClient), mockClient(EC2Client), mockClient(SFNClient)];
afterEach(() => mocks.forEach((m) => m.reset()));

describe("aegis-launch", () => {
  it("prints help and exits 0", async () => {
    const r = await cli("--help");
    expect(r.code).toBe(0);
    expect(r.out.join("\n")).toMatch(/Usage: aegis-launch \[options\] \[command\]/);
    expect(r.out.join("\n")).toMatch(/submit \[options\] <scenario>/);
    expect(r.out.join("\n")).toMatch(/sweep \[options\] <scenario> +Run a scenario's sweep: split its points over K/);
  });

  it("explains sweep in its own help: lanes, shards, resuming, examples", async () => {
    const r = await cli("sweep", "--help");
    expect(r.code).toBe(0);
    const help = r.out.join("\n");
    for (const text of ["--shards <K>", "--lane <lane>", '"fargate", "batch"', "--attempts <n>", "--run <id>", "--target <where>", "--job-queue <arn>", "results/<run>/shards/<iiii>/", "aegis-launch sweep sweep.yaml --shards 8 --lane batch --wait"]) {
      expect(help).toContain(text);
    }
    // The sweep's own options come first, before the size options it shares with submit.
    expect(help.indexOf("--shards <K>")).toBeLessThan(help.indexOf("--profile <name>"));
  });

  it("refuses bad sweep arguments in one line, before any AWS call", async () => {
    const cases: [string[], string][] = [
      [["sweep", sweepFile], "error: required option '--shards <K>' not specified"],
      [["sweep", sweepFile, "--shards", "two"], "error: option '--shards <K>' argument 'two' is invalid. expected a positive whole number"],
      [["sweep", sweepFile, "--shards", "0"], "error: option '--shards <K>' argument '0' is invalid. expected a positive whole number"],
      [["sweep", sweepFile, "--shards", "2", "--lane", "ec2"], "error: option '--lane <lane>' argument 'ec2' is invalid. Allowed choices are fargate, batch."],
      [["sweep", sweepFile, "--shards", "7"], "aegis-launch: error: --shards 7 is more than the sweep's 6 points: every shard must run at least one; use --shards 6 or fewer"],
      [["sweep", file, "--shards", "2"], `aegis-launch: error: ${file}: the scenario has no sweep: section, so there is nothing to shard; run it with aegis-launch submit, or add one (docs/scenario.md#sweep)`],
      [["sweep", sweepFile, "--shards", "2", "--lane", "batch", "--spot"], "aegis-launch: error: --spot applies to the Fargate lane; on --lane batch the job queue's compute environment decides (Fargate Spot in the stack)"],
      [["sweep", sweepFile, "--shards", "2", "--target", "local", "--spot"], "aegis-launch: error: --spot applies to Fargate, not --target local"],
      [["sweep", sweepFile, "--shards", "2", "--parallel", "2"], "aegis-launch: error: --parallel applies to --target local; on AWS every shard has its own task or job"],
      [["sweep", sweepFile, "--shards", "2", "--run", "a/b"], 'aegis-launch: error: "a/b" is not a run id (letters, digits, ".", "_", "-"; e.g. spx-short-put-45d-20261121-134501-1a2b3c)'],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.err[0], args.join(" ")).toBe(message);
    }
    expect(mocks.every((m) => m.calls().length === 0)).toBe(true);
  });

  it("refuses a bad --scratch-dir or $AEGIS_SCRATCH_DIR in one line, before any AWS call", async () => {
    const aFile = join(dir, "not-a-dir");
    writeFileSync(aFile, "x");
    const cases: [string[], Record<string, string>, string][] = [
      [["submit", file, "--scratch-dir", join(dir, "s")], {}, "aegis-launch: error: --scratch-dir applies to --target local; on Fargate the task definition sets AEGIS_SCRATCH_DIR"],
      [["submit", file, "--target", "local", "--scratch-dir", ""], {}, "aegis-launch: error: --scratch-dir is empty: name a directory for scratch files, or leave it unset for the default"],
      [["submit", file, "--target", "local", "--scratch-dir", aFile], {}, `aegis-launch: error: --scratch-dir ${aFile}: it is not a directory: name a directory for scratch files`],
      [["submit", file, "--target", "local", "--dry-run"], { AEGIS_SCRATCH_DIR: join(aFile, "x") }, `aegis-launch: error: AEGIS_SCRATCH_DIR ${join(aFile, "x")}: ${aFile} is not a directory: name a directory for scratch files`],
      [["sweep", sweepFile, "--shards", "2", "--scratch-dir", aFile], {}, `aegis-launch: error: --scratch-dir ${aFile}: it is not a directory: name a directory for scratch files`],
      [["sweep", sweepFile, "--shards", "2", "--lane", "batch"], { AEGIS_SCRATCH_DIR: aFile }, `aegis-launch: error: AEGIS_SCRATCH_DIR ${aFile}: it is not a directory: name a directory for scratch files`],
      [["sweep", sweepFile, "--shards", "2", "--scratch-dir"], {}, "error: option '--scratch-dir <dir>' argument missing"],
    ];
    for (const [args, env, message] of cases) {
      const err: string[] = [];
      const code = await runCli(["node", "aegis-launch", ...args], { out: () => undefined, err: (l) => err.push(l), env });
      expect(code, args.join(" ")).toBe(1);
      expect(err[0], args.join(" ")).toBe(message);
    }
    expect(mocks.every((m) => m.calls().length === 0)).toBe(true);
  });

  it("turns a usage mistake into exit 1 and commander's one line", async () => {
    const r = await cli("submit", file, "--bogus");
    expect(r.code).toBe(1);
    expect(r.err[0]).toBe("error: unknown option '--bogus'");
  });

  it("refuses a non-numeric size", async () => {
    const r = await cli("submit", file, "--cpu", "lots");
    expect(r.code).toBe(1);
    expect(r.err[0]).toBe("error: option '--cpu <vCPU>' argument 'lots' is invalid. expected a positive number");
  });

  it("refuses a missing scenario file in one line, before any AWS call", async () => {
    const r = await cli("submit", join(dir, "missing.yaml"));
    expect(r).toMatchObject({ code: 1, err: [`aegis-launch: error: ${join(dir, "missing.yaml")}: cannot read the scenario (ENOENT)`] });
    expect(mocks.every((m) => m.calls().length === 0)).toBe(true);
  });

  it("estimates cost without AWS, printing its assumptions", async () => {
    const r = await cli("cost", file, "--spot", "--profile", "synthetic");
    expect(r.code).toBe(0);
    expect(r.out[0]).toBe("size        8 vCPU / 60 GB / 21 GiB ephemeral, Fargate Spot");
    expect(r.out.join("\n")).toMatch(/assumptions\n {2}prices {4}us-east-1 Linux\/x86_64, as of 2024-12-01/);
    const json = await cli("cost", file, "--json", "--cpu", "4", "--memory", "30", "--ephemeral", "21");
    expect(JSON.parse(json.out.join("\n")).size).toEqual({ vcpu: 4, memoryGb: 30, ephemeralGiB: 21 });
    expect(mocks.every((m) => m.calls().length === 0)).toBe(true);
  });

  it("submit --wait fails a run with its exit code, stop reason and log tail, exit 1", async () => {
    const [s3, ecs, cfn, logs] = mocks as [ReturnType<typeof mockClient>, ReturnType<typeof mockClient>, ReturnType<typeof mockClient>, ReturnType<typeof mockClient>];
    const outputs = (o: Record<string, string>): Partial<DescribeStacksCommandOutput> => ({ Stacks: [{ StackName: "x", StackStatus: "CREATE_COMPLETE" as const, CreationTime: new Date(), Outputs: Object.entries(o).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }] });
    cfn.on(DescribeStacksCommand, { StackName: "AegisBtStorage" }).resolves(outputs({ BucketName: "b" }));
    cfn.on(DescribeStacksCommand, { StackName: "AegisBtCompute" }).resolves(
      outputs({ ClusterArn: "c", TaskDefinitionArn: "td", ContainerName: "aegis-bt", SubnetIds: "subnet-1", LogGroupName: "g", LogStreamPrefix: "p" }),
    );
    s3.on(ListObjectsV2Command).resolves({ Name: "b" });
    s3.on(HeadObjectCommand).resolves({});
    s3.on(PutObjectCommand).resolves({});
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN }], failures: [] });
    ecs.on(DescribeTasksCommand).resolves({
      tasks: [task({ lastStatus: "STOPPED", stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited" }, 3)],
    });
    logs.on(GetLogEventsCommand).callsFake((i: { startFromHead?: boolean; nextToken?: string }) =>
      i.startFromHead === false
        ? { events: [{ message: "line a" }, { message: '{"level":"error","msg":"boom"}' }] }
        : { events: i.nextToken ? [] : [{ message: "line a" }, { message: '{"level":"error","msg":"boom"}' }], nextForwardToken: "t" },
    );
    const r = await cli("submit", file, "--wait", "--region", "us-east-1");
    expect(r.code).toBe(1);
    expect(r.out).toEqual(["line a", '{"level":"error","msg":"boom"}']);
    expect(r.err.slice(-5)).toEqual([
      "--- last 2 log lines ---",
      "line a",
      '{"level":"error","msg":"boom"}',
      "---",
      expect.stringMatching(/^aegis-launch: error: run spx-short-put-45d-\d{8}-\d{6}-[0-9a-f]{6} failed: exit code 3, EssentialContainerExited, Essential container in task exited$/),
    ]);
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
  });

  it("reads AEGIS_S3_TASK_DEFINITION from the CLI's environment (io.env), never from process.env behind it", async () => {
    const [s3, , cfn] = mocks as [ReturnType<typeof mockClient>, ReturnType<typeof mockClient>, ReturnType<typeof mockClient>];
    const outputs = (o: Record<string, string>): Partial<DescribeStacksCommandOutput> => ({ Stacks: [{ StackName: "x", StackStatus: "CREATE_COMPLETE" as const, CreationTime: new Date(), Outputs: Object.entries(o).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }] });
    cfn.on(DescribeStacksCommand, { StackName: "AegisBtStorage" }).resolves(outputs({ BucketName: "b" }));
    cfn.on(DescribeStacksCommand, { StackName: "AegisBtCompute" }).resolves(outputs({ ClusterArn: "c", TaskDefinitionArn: "td", S3TaskDefinitionArn: "stack-s3-td", ContainerName: "aegis-bt", SubnetIds: "subnet-1" }));
    s3.on(ListObjectsV2Command).resolves({ Name: "b" });
    s3.on(HeadObjectCommand).resolves({});
    const dry = async (env: Record<string, string>) => {
      const out: string[] = [];
      const code = await runCli(["node", "aegis-launch", "submit", file, "--dry-run", "--no-snapshot", "--region", "us-east-1"], { out: (l) => out.push(l), err: () => undefined, env });
      expect(code).toBe(0);
      return (JSON.parse(out.join("\n")) as { runTask: { taskDefinition: string } }).runTask.taskDefinition;
    };
    expect(await dry({ AEGIS_S3_TASK_DEFINITION: "env-s3-td" })).toBe("env-s3-td");
    vi.stubEnv("AEGIS_S3_TASK_DEFINITION", "process-s3-td");
    try {
      expect(await dry({})).toBe("stack-s3-td");
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
