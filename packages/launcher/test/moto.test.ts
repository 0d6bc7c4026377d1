// Integration: the launcher against moto server with real SDK clients, through the CLI.
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchClient, SubmitJobCommand } from "@aws-sdk/client-batch";
import { CreateClusterCommand, DescribeTasksCommand, ECSClient, ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand } from "@aws-sdk/client-ecs";
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { runCli } from "../src/cli.ts";
import { destroyClients, type AwsClients } from "../src/clients.ts";
import { startedBy } from "../src/run-id.ts";
import { CREDENTIALS, Moto, REGION, outputsStack } from "./moto.ts";
import { SCENARIO, SWEEP_SCENARIO } from "./fixtures.ts";

const BUCKET = "aegis-bt-test";
const DATASET = "synthetic-spx-7y";

let moto: Moto;
let aws: AwsClients;
const saved: Record<string, string | undefined> = {};
const ENV = { AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, AWS_REGION: REGION, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };

beforeAll(async () => {
  // The CLI builds its own clients from the default credential chain: give it dummy keys.
  for (const [k, v] of Object.entries(ENV)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  moto = await Moto.start();
  aws = moto.clients();
});

afterAll(async () => {
  if (aws) destroyClients(aws);
  await moto?.stop();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

let subnet: string;
let securityGroup: string;
/** The two task definitions of the compute stack: with the dataset volume (snapshot runs) and without. */
let snapshotTaskDefinition: string;
let s3TaskDefinition: string;

async function deploy(): Promise<void> {
  await aws.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await aws.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `datasets/${DATASET}/manifest.json`, Body: JSON.stringify({ name: DATASET }) }));
  const cluster = await aws.ecs.send(new CreateClusterCommand({ clusterName: "aegis-bt" }));
  const register = async (family: string, withDatasetVolume: boolean) => {
    const td = await aws.ecs.send(
      new RegisterTaskDefinitionCommand({
        family,
        networkMode: "awsvpc",
        requiresCompatibilities: ["FARGATE"],
        cpu: "16384",
        memory: "122880",
        ephemeralStorage: { sizeInGiB: 50 },
        containerDefinitions: [
          {
            name: "aegis-bt",
            image: "aegis-bt:latest",
            memoryReservation: 1024,
            essential: true,
            ...(withDatasetVolume && { mountPoints: [{ sourceVolume: "dataset", containerPath: "/mnt/data", readOnly: true }] }),
          },
        ],
        ...(withDatasetVolume && { volumes: [{ name: "dataset", configuredAtLaunch: true }] }),
      }),
    );
    return td.taskDefinition?.taskDefinitionArn as string;
  };
  snapshotTaskDefinition = await register("aegis-bt", true);
  s3TaskDefinition = await register("aegis-bt-s3", false);
  ({ subnet, securityGroup } = await moto.defaultNetwork());
  expect(subnet).toMatch(/^subnet-/);
  await outputsStack(aws, "AegisBtStorage", { BucketName: BUCKET, RepositoryUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/aegis-bt", RepositoryName: "aegis-bt" });
  await outputsStack(aws, "AegisBtCompute", {
    ClusterArn: cluster.cluster?.clusterArn as string,
    TaskDefinitionArn: snapshotTaskDefinition,
    S3TaskDefinitionArn: s3TaskDefinition,
    TaskFamily: "aegis-bt",
    ContainerName: "aegis-bt",
    SubnetIds: subnet,
    SecurityGroupIds: securityGroup,
    AssignPublicIp: "DISABLED",
    LogGroupName: "/aegis-bt/runs",
    LogStreamPrefix: "aegis",
    EcsInfrastructureRoleArn: "arn:aws:iam::123456789012:role/aegis-ecs-infrastructure",
    DatasetVolumeName: "dataset",
  });
}

beforeEach(async () => {
  await moto.reset();
  await deploy();
});

const dir = mkdtempSync(join(tmpdir(), "aegis-launch-moto-"));
const scenarioFile = join(dir, "short-put.yaml");
writeFileSync(scenarioFile, SCENARIO);

async function cli(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(["node", "aegis-launch", ...args, "--endpoint-url", moto.endpoint], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: {},
  });
  return { code, out, err };
}

async function keys(prefix: string): Promise<string[]> {
  const res = await aws.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (res.Contents ?? []).map((o) => o.Key as string);
}

async function tasks(by?: string) {
  const list = await aws.ecs.send(new ListTasksCommand({ cluster: "aegis-bt", ...(by && { startedBy: by }) }));
  if (!list.taskArns?.length) return [];
  return (await aws.ecs.send(new DescribeTasksCommand({ cluster: "aegis-bt", tasks: list.taskArns, include: ["TAGS"] }))).tasks ?? [];
}

describe("aegis-launch against moto", () => {
  it("submit starts the task with our overrides, environment, tags and startedBy, and uploads the scenario", async () => {
    const r = await cli("submit", scenarioFile, "--profile", "synthetic");
    // moto's EC2 holds no snapshot of the dataset: the run reads S3, and says so.
    expect(r.err).toEqual([`no EBS snapshot of ${DATASET}: the task reads the dataset from S3 Files, or syncs the partitions it needs from S3 (aegis-launch dataset snapshot ${DATASET} makes one)`]);
    expect(r.code).toBe(0);
    const runId = (r.out[0] ?? "").replace(/^run\s+/, "");
    expect(runId).toMatch(/^spx-short-put-45d-\d{8}-\d{6}-[0-9a-f]{6}$/);
    expect(r.out[4]).toBe(`follow    aegis-launch logs ${runId} --follow`);

    const [t, ...more] = await tasks(startedBy(runId));
    expect(more).toEqual([]);
    // No snapshot: the task definition without the dataset volume.
    expect(t?.taskDefinitionArn).toBe(s3TaskDefinition);
    expect(t?.launchType).toBe("FARGATE");
    expect(t?.startedBy).toBe(startedBy(runId));
    expect(t?.overrides).toEqual({
      cpu: "8192",
      memory: "61440",
      ephemeralStorage: { sizeInGiB: 21 },
      containerOverrides: [
        {
          name: "aegis-bt",
          environment: [
            { name: "AEGIS_RUN_ID", value: runId },
            { name: "AEGIS_CONFIG_URI", value: `s3://${BUCKET}/configs/${runId}/scenario.yaml` },
            { name: "AEGIS_RESULTS_URI", value: `s3://${BUCKET}/results/${runId}/` },
            { name: "AEGIS_DATASET_URI", value: `s3://${BUCKET}/datasets/` },
            { name: "AEGIS_DATASET", value: DATASET },
          ],
        },
      ],
    });
    expect(t?.tags).toEqual(
      expect.arrayContaining([
        { key: "aegis:run", value: runId },
        { key: "aegis:scenario", value: "spx-short-put-45d" },
      ]),
    );
    expect(t?.attachments?.[0]?.details).toEqual(expect.arrayContaining([{ name: "subnetId", value: subnet }]));

    expect((await keys(`configs/${runId}/`)).sort()).toEqual([`configs/${runId}/launch.json`, `configs/${runId}/scenario.yaml`]);
    const uploaded = await aws.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `configs/${runId}/scenario.yaml` }));
    expect(await uploaded.Body?.transformToString()).toBe(SCENARIO);
    const record = JSON.parse((await (await aws.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `configs/${runId}/launch.json` }))).Body?.transformToString()) ?? "{}");
    expect(record).toMatchObject({ runId, target: "fargate", profile: "synthetic", spot: false, attempts: [{ attempt: 1, clientToken: `${runId}-a1`, taskArn: t?.taskArn }] });

    const status = await cli("status", runId);
    expect(status.out[0]).toMatch(new RegExp(`^${runId}\\s+running\\s+task [0-9a-f-]+ `));
    const all = await cli("status", "--json");
    expect(JSON.parse(all.out.join("\n"))).toEqual([expect.objectContaining({ runId, state: "running" })]);
  });

  it("--dry-run prints the exact request and sends nothing, not even the upload", async () => {
    const r = await cli("submit", scenarioFile, "--dry-run", "--cpu", "16", "--memory", "112", "--snapshot", "snap-0123456789abcdef0");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out.join("\n"));
    expect(doc.upload).toMatchObject({ bucket: BUCKET, key: `configs/${doc.runId}/scenario.yaml`, uri: `s3://${BUCKET}/configs/${doc.runId}/scenario.yaml` });
    expect(doc.checks).toEqual({
      checked: [
        `bucket ${BUCKET} exists in us-east-1 and these credentials may list it (ListObjectsV2)`,
        `dataset ${DATASET}: s3://${BUCKET}/datasets/${DATASET}/manifest.json exists`,
      ],
      atLaunch: [`put and delete s3://${BUCKET}/configs/${doc.runId}/.aegis-write-check (s3:PutObject, s3:DeleteObject)`],
    });
    expect(doc.runTask).toMatchObject({
      cluster: "arn:aws:ecs:us-east-1:123456789012:cluster/aegis-bt",
      taskDefinition: snapshotTaskDefinition,
      launchType: "FARGATE",
      count: 1,
      clientToken: `${doc.runId}-a1`,
      overrides: { cpu: "16384", memory: "114688", ephemeralStorage: { sizeInGiB: 50 } },
      networkConfiguration: { awsvpcConfiguration: { subnets: [subnet], securityGroups: [securityGroup], assignPublicIp: "DISABLED" } },
      volumeConfigurations: [{ name: "dataset", managedEBSVolume: { snapshotId: "snap-0123456789abcdef0", volumeType: "gp3" } }],
    });
    expect(await keys("configs/")).toEqual([]);
    expect(await tasks()).toEqual([]);
  });

  it("starts a snapshot run from the task definition with the dataset volume, and any other from the one without", async () => {
    const started = async (...args: string[]) => {
      const r = await cli("submit", scenarioFile, "--profile", "synthetic", ...args);
      expect(r.code, r.err.join("\n")).toBe(0);
      // Runs submitted within one second share a run id: follow the task this submit printed.
      const taskArn = r.out.find((l) => l.startsWith("task "))?.replace(/^task\s+/, "");
      const found = (await tasks()).filter((t) => t.taskArn === taskArn);
      expect(found).toHaveLength(1);
      return found[0]?.taskDefinitionArn;
    };
    // moto ignores volumeConfigurations and crashes on FARGATE_SPOT (DESIGN.md, "The local AWS for
    // tests"): the unit tests assert those requests.
    expect(await started("--snapshot", "snap-0123456789abcdef0")).toBe(snapshotTaskDefinition);
    expect(await started()).toBe(s3TaskDefinition);
    // --task-definition alone names the task definition of every run.
    expect(await started("--task-definition", snapshotTaskDefinition)).toBe(snapshotTaskDefinition);
  });

  it("refuses bad input with one line before launching anything", async () => {
    const cases: [string[], RegExp][] = [
      [["submit", scenarioFile, "--dataset", "orats-spx-7y"], /^aegis-launch: error: unknown dataset orats-spx-7y: s3:\/\/aegis-bt-test\/datasets\/orats-spx-7y\/manifest.json does not exist/],
      [["submit", scenarioFile, "--compute-stack", "NoSuchStack"], /^aegis-launch: error: stack NoSuchStack does not exist in us-east-1: deploy it/],
      [["submit", scenarioFile, "--bucket", "no-such-bucket"], /^aegis-launch: error: bucket no-such-bucket does not exist \(region us-east-1\)/],
      [["submit", scenarioFile, "--cpu", "16", "--memory", "122"], /^aegis-launch: error: 16 vCPU \/ 122 GB is not a Fargate size: 16 vCPU allows 32–120 GB in 8 GB steps; nearest: 16 vCPU \/ 120 GB$/],
      [["submit", scenarioFile, "--snapshot", "snap-xyz"], /^aegis-launch: error: "snap-xyz" is not an EBS snapshot id/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.err, args.join(" ")).toHaveLength(1);
      expect(r.err[0]).toMatch(message);
    }
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, SCENARIO.replace("target: 0.30", "target: 1.3"));
    const r = await cli("submit", bad);
    expect(r.err).toEqual([`aegis-launch: error: ${bad}: strategy.legs[0].delta.target: expected a number in (0, 1), got 1.3 (line 6, column 98)`]);
    expect(await keys("configs/")).toEqual([]);
    expect(await tasks()).toEqual([]);
  });

  it("leaves no write check object behind", async () => {
    const r = await cli("submit", scenarioFile, "--profile", "synthetic");
    expect(r.code, r.err.join("\n")).toBe(0);
    const runId = (r.out[0] ?? "").replace(/^run\s+/, "");
    expect((await keys("")).filter((k) => k.includes(".aegis-write-check"))).toEqual([]);
    expect((await keys(`configs/${runId}/`)).sort()).toEqual([`configs/${runId}/launch.json`, `configs/${runId}/scenario.yaml`]);
  });

  it("fetch refuses a run without _SUCCESS, then downloads it once it has one", async () => {
    const submitted = await cli("submit", scenarioFile);
    const runId = (submitted.out[0] ?? "").replace(/^run\s+/, "");
    const out = join(dir, `fetch-${runId}`);
    const refused = await cli("fetch", runId, "--out", out);
    expect(refused.code).toBe(1);
    expect(refused.err[0]).toBe(`aegis-launch: error: no results for run ${runId}: s3://${BUCKET}/results/${runId}/ is empty`);
    const put = (name: string, body: string) => aws.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `results/${runId}/${name}`, Body: body }));
    await put("summary.json", "{}");
    await put("run.json", JSON.stringify({ wall_seconds: 30 }));
    expect((await cli("fetch", runId, "--out", out)).err[0]).toMatch(/has no _SUCCESS .* pass --partial/);
    expect(existsSync(out)).toBe(false);
    expect((await cli("status", runId)).out[0]).toMatch(/running/);
    await put("_SUCCESS", "");
    const [t] = await tasks(startedBy(runId));
    await aws.ecs.send(new StopTaskCommand({ cluster: "aegis-bt", task: t?.taskArn, reason: "done" }));
    const fetched = await cli("fetch", runId, "--out", out);
    expect(fetched.code).toBe(0);
    expect(fetched.out[0]).toBe(`${out}: 3 files, 21 bytes`);
    expect(existsSync(join(out, "_SUCCESS"))).toBe(true);
    const runJson = JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
    expect(runJson.wall_seconds).toBe(30);
    expect(runJson.cost).toMatchObject({ currency: "USD", size: { vcpu: 16, memoryGb: 120, ephemeralGiB: 50 } });
    expect((await cli("status", runId)).out[0]).toMatch(new RegExp(`^${runId}\\s+succeeded`));
  });

  it("--target local runs the binary with the container's environment and the same S3 exchange", async () => {
    // A stand-in for aegis-bt's S3 contract: read AEGIS_CONFIG_URI, write results with _SUCCESS last.
    const sdk = createRequire(import.meta.url).resolve("@aws-sdk/client-s3");
    const binary = join(dir, "aegis-bt");
    writeFileSync(
      binary,
      `#!${process.execPath}
const { S3Client, GetObjectCommand, PutObjectCommand } = require(${JSON.stringify(sdk)});
const e = process.env;
const log = (o) => console.log(JSON.stringify({ level: "info", ...o }));
log({ msg: "env", keys: Object.keys(e).sort(), argv: process.argv.slice(2) });
const s3 = new S3Client({ region: e.AWS_REGION, endpoint: e.AWS_ENDPOINT_URL, forcePathStyle: true });
const parse = (uri) => { const m = /^s3:\\/\\/([^/]+)\\/(.*)$/.exec(uri); return { Bucket: m[1], Key: m[2] }; };
(async () => {
  const cfg = parse(e.AEGIS_CONFIG_URI);
  const text = await (await s3.send(new GetObjectCommand(cfg))).Body.transformToString();
  const out = parse(e.AEGIS_RESULTS_URI);
  const put = (name, body) => s3.send(new PutObjectCommand({ Bucket: out.Bucket, Key: out.Key + name, Body: body }));
  await put("summary.json", JSON.stringify({ scenario_bytes: text.length, dataset: e.AEGIS_DATASET }));
  await put("run.json", JSON.stringify({ data_path: "s3-sync", wall_seconds: 1 }));
  await put("_SUCCESS", "");
  log({ msg: "done" });
})().catch((err) => { console.error(String(err)); process.exit(1); });
`,
    );
    chmodSync(binary, 0o755);
    const out = join(dir, "local-results");
    const dry = await cli("submit", scenarioFile, "--target", "local", "--binary", binary, "--dry-run");
    expect(JSON.parse(dry.out.join("\n")).local).toMatchObject({
      binary,
      args: ["run"],
      env: { AEGIS_DATASET: DATASET, AWS_ENDPOINT_URL: moto.endpoint, AWS_ALLOW_HTTP: "true", AWS_SECRET_ACCESS_KEY: "***" },
    });
    expect(await keys("configs/")).toEqual([]);
    const r = await cli("submit", scenarioFile, "--target", "local", "--binary", binary, "--out", out);
    expect(r.code, r.err.join("\n")).toBe(0);
    const env = JSON.parse(r.out[0] ?? "{}");
    expect(env.argv).toEqual(["run"]);
    expect(env.keys).toEqual([
      "AEGIS_CONFIG_URI",
      "AEGIS_DATASET",
      "AEGIS_DATASET_URI",
      "AEGIS_RESULTS_URI",
      "AEGIS_RUN_ID",
      "AWS_ACCESS_KEY_ID",
      "AWS_ALLOW_HTTP",
      "AWS_ENDPOINT_URL",
      "AWS_REGION",
      "AWS_SECRET_ACCESS_KEY",
    ]);
    expect(JSON.parse(readFileSync(join(out, "summary.json"), "utf8"))).toEqual({ scenario_bytes: SCENARIO.length, dataset: DATASET });
    expect(existsSync(join(out, "_SUCCESS"))).toBe(true);
    expect(await tasks()).toEqual([]);
  });
});

describe("a missing bucket is found before anything is launched", () => {
  const sweepFile = join(dir, "sweep.yaml");
  writeFileSync(sweepFile, SWEEP_SCENARIO);
  const binary = join(dir, "never-run");
  writeFileSync(binary, `#!${process.execPath}\nrequire("node:fs").writeFileSync(${JSON.stringify(join(dir, "ran"))}, "");\n`);
  chmodSync(binary, 0o755);
  /** Every command the CLI's own clients send, in order. */
  let sent: unknown[] = [];
  beforeEach(() => {
    sent = [];
    for (const client of [S3Client, ECSClient, BatchClient]) {
      const send = client.prototype.send;
      vi.spyOn(client.prototype, "send").mockImplementation(function (this: unknown, command: unknown, ...rest: unknown[]) {
        sent.push(command);
        return (send as (...a: unknown[]) => Promise<unknown>).call(this, command, ...rest);
      });
    }
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const line = "aegis-launch: error: bucket no-such-bucket does not exist (region us-east-1): check --bucket or the stack's BucketName";
  const batchFlags = ["--job-queue", "arn:aws:batch:us-east-1:123456789012:job-queue/aegis-bt", "--job-definition", "arn:aws:batch:us-east-1:123456789012:job-definition/aegis-bt-sweep:1"];
  it.each<[string, string[]]>([
    ["submit on Fargate", ["submit", "SCENARIO", "--wait"]],
    ["submit --target local", ["submit", "SCENARIO", "--target", "local", "--binary", "BINARY"]],
    ["sweep on the Fargate lane", ["sweep", "SWEEP", "--shards", "2", "--wait"]],
    ["sweep on the Batch lane", ["sweep", "SWEEP", "--shards", "2", "--lane", "batch", ...batchFlags]],
    ["sweep --target local", ["sweep", "SWEEP", "--shards", "2", "--target", "local", "--binary", "BINARY"]],
    ["--dry-run", ["sweep", "SWEEP", "--shards", "2", "--dry-run"]],
  ])("%s: one line naming the bucket; only reads were sent, nothing uploaded, started or run", async (_what, args) => {
    const argv = args.map((a) => (a === "SCENARIO" ? scenarioFile : a === "SWEEP" ? sweepFile : a === "BINARY" ? binary : a));
    const r = await cli(...argv, "--bucket", "no-such-bucket");
    expect(r).toEqual({ code: 1, out: [], err: [line] });
    expect(sent.some((c) => c instanceof ListObjectsV2Command)).toBe(true);
    expect(sent.filter((c) => c instanceof PutObjectCommand || c instanceof DeleteObjectCommand || c instanceof RunTaskCommand || c instanceof SubmitJobCommand)).toEqual([]);
    expect(existsSync(join(dir, "ran"))).toBe(false);
    expect(await tasks()).toEqual([]);
    expect((await aws.s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual([BUCKET]);
    expect(await keys("configs/")).toEqual([]);
  });

  it("a sweep's dry run lists the write checks a launch would make", async () => {
    const r = await cli("sweep", sweepFile, "--shards", "2", "--dry-run", "--run", "checks-sweep");
    expect(r.code, r.err.join("\n")).toBe(0);
    expect(JSON.parse(r.out.join("\n")).checks.atLaunch).toEqual([
      `put and delete s3://${BUCKET}/configs/checks-sweep/.aegis-write-check (s3:PutObject, s3:DeleteObject)`,
      `put and delete s3://${BUCKET}/results/checks-sweep/.aegis-write-check (s3:PutObject, s3:DeleteObject)`,
    ]);
    expect(sent.filter((c) => c instanceof PutObjectCommand || c instanceof DeleteObjectCommand || c instanceof RunTaskCommand)).toEqual([]);
  });
});
