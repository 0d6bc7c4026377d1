// End to end on a local AWS: the scenario goes to moto's S3, `aegis-launch submit --wait` sends
// the RunTask to moto's ECS, and a test executor plays the container — it reads the task's
// overrides back from DescribeTasks, runs the real `aegis-bt` binary with exactly that
// environment (no mounts, so it syncs the dataset from S3), then stops the task. The results land
// in moto's S3, are fetched, and must be byte-identical to the in-process addon run of the same
// scenario on the same data. `--target local` takes the same S3 exchange without ECS.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as delay } from "node:timers/promises";
import { CreateClusterCommand, DescribeTasksCommand, ListTasksCommand, RegisterTaskDefinitionCommand, StopTaskCommand } from "@aws-sdk/client-ecs";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { generateDataset } from "@aegis-bt/data-tools";
import { runBacktest } from "@aegis-bt/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../src/cli.ts";
import { destroyClients, type AwsClients } from "../src/clients.ts";
import { uploadDataset } from "../src/dataset-upload.ts";
import { CREDENTIALS, Moto, REGION, outputsStack } from "./moto.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const BINARY = process.env.AEGIS_BT_BINARY ?? join(ROOT, "target/release/aegis-bt");
const BUCKET = "aegis-bt-e2e";
const DATASET = "e2e-spx";
const SCENARIO = `name: e2e-short-put
data: { dataset: ${DATASET}, tickers: [SPX], start: 2023-07-03, end: 2023-12-29 }
capital: 1000000
strategy:
  template: { put_vertical: { dte: { target: 30, min: 20, max: 45 }, delta: { target: 0.25 }, width: 50, kind: credit } }
  entry: { every_trading_days: 5, max_open: 3 }
  exit: { profit_target: 0.5, stop_loss: 2.0, dte_exit: 10 }
  sizing: { contracts: 2 }
`;
const ENV = {
  AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  AWS_REGION: REGION,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

let moto: Moto;
let aws: AwsClients;
let localData: string;
const work = mkdtempSync(join(tmpdir(), "aegis-e2e-"));
const scenarioFile = join(work, "scenario.yaml");
writeFileSync(scenarioFile, SCENARIO);
const saved: Record<string, string | undefined> = {};

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

beforeAll(async () => {
  for (const [k, v] of Object.entries(ENV)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  localData = join(work, "data");
  await generateDataset({ profile: "spx-like", tickers: ["SPX"], start: "2023-06-01", end: "2023-12-29", seed: 3, out: join(localData, DATASET), name: DATASET });
  moto = await Moto.start();
  aws = moto.clients();
  await aws.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  // The dataset goes up as users put it there: what the binary syncs back is exactly what upload wrote.
  await uploadDataset(aws.s3, { bucket: BUCKET, dir: join(localData, DATASET) });
  const cluster = await aws.ecs.send(new CreateClusterCommand({ clusterName: "aegis-bt" }));
  const td = await aws.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: "aegis-bt-rust",
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      cpu: "16384",
      memory: "122880",
      ephemeralStorage: { sizeInGiB: 50 },
      containerDefinitions: [{ name: "aegis-bt", image: "aegis-bt:test", memoryReservation: 1024, essential: true, entryPoint: ["aegis-bt"], command: ["run"] }],
    }),
  );
  const { subnet, securityGroup: group } = await moto.defaultNetwork();
  await outputsStack(aws, "AegisBtStorage", { BucketName: BUCKET, RepositoryUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/aegis-bt", RepositoryName: "aegis-bt" });
  await outputsStack(aws, "AegisBtCompute", {
    ClusterArn: cluster.cluster?.clusterArn as string,
    TaskDefinitionArn: td.taskDefinition?.taskDefinitionArn as string,
    TaskFamily: "aegis-bt-rust",
    ContainerName: "aegis-bt",
    SubnetIds: subnet,
    SecurityGroupIds: group,
    AssignPublicIp: "ENABLED",
    LogGroupName: "/ecs/aegis-bt-rust",
    LogStreamPrefix: "aegis",
    EcsInfrastructureRoleArn: "arn:aws:iam::123456789012:role/aegis-ecs-infrastructure",
    DatasetVolumeName: "dataset",
  });
}, 300_000);

afterAll(async () => {
  if (aws) destroyClients(aws);
  await moto?.stop();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

/** The container's environment as moto reports it, plus what the real task would have from AWS. */
function containerEnv(task: { overrides?: { containerOverrides?: { environment?: { name?: string; value?: string }[] }[] } }) {
  const env: Record<string, string> = {};
  for (const e of task.overrides?.containerOverrides?.[0]?.environment ?? []) env[e.name as string] = e.value as string;
  return {
    ...env,
    ...ENV,
    AWS_ENDPOINT_URL: moto.endpoint,
    // No S3 Files or EBS mount here: the binary must fall back to syncing from S3.
    AEGIS_S3FILES_MOUNT: join(work, "no-s3files"),
    AEGIS_EBS_MOUNT: join(work, "no-ebs"),
    AEGIS_SCRATCH_DIR: join(work, "scratch", String(Date.now())),
    PATH: process.env.PATH ?? "",
  };
}

/** Plays the container for every task moto starts, until `stop` is set. */
function executor() {
  const handled = new Set<string>();
  const runs: { status: number | null; stdout: string; stderr: string; env: Record<string, string> }[] = [];
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      const list = await aws.ecs.send(new ListTasksCommand({ cluster: "aegis-bt" }));
      const arns = (list.taskArns ?? []).filter((a) => !handled.has(a));
      if (arns.length > 0) {
        const described = await aws.ecs.send(new DescribeTasksCommand({ cluster: "aegis-bt", tasks: arns }));
        for (const task of described.tasks ?? []) {
          handled.add(task.taskArn as string);
          if (task.lastStatus === "STOPPED") continue;
          const env = containerEnv(task);
          const child = spawn(BINARY, ["run"], { env });
          let stdout = "";
          let stderr = "";
          child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
          child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
          const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
          runs.push({ status, stdout, stderr, env });
          await aws.ecs.send(
            new StopTaskCommand({ cluster: "aegis-bt", task: task.taskArn, reason: status === 0 ? "Essential container in task exited" : `container exited ${status}` }),
          );
        }
      }
      await delay(250);
    }
  })();
  return { runs, done: async () => ((stop = true), await loop) };
}

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(["node", "aegis-launch", ...args, "--endpoint-url", moto.endpoint], { out: (l) => out.push(l), err: (l) => err.push(l), env: {} });
  return { code, out, err };
}

async function cliWithEnv(env: Record<string, string>, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(["node", "aegis-launch", ...args, "--endpoint-url", moto.endpoint], { out: (l) => out.push(l), err: (l) => err.push(l), env });
  return { code, out, err };
}

/** Every file under `dir`, relative, sorted ([] when there is no `dir`). */
function tree(dir: string): string[] {
  return existsSync(dir) ? filesUnder(dir).map((f) => relative(dir, f)).sort() : [];
}

async function addonRun() {
  return runBacktest(SCENARIO, { data: localData, source: "scenario.yaml" });
}

describe("the Fargate lane against moto", () => {
  it("submit --wait: RunTask, the container's S3 exchange, fetch — byte-identical to the addon", async () => {
    const exec = executor();
    const out = join(work, "fetched");
    let result;
    try {
      result = await cli("submit", scenarioFile, "--wait", "--out", out);
    } finally {
      await exec.done();
    }
    expect(result.code, [...result.err, ...exec.runs.map((r) => r.stderr + r.stdout)].join("\n")).toBe(0);
    expect(exec.runs).toHaveLength(1);
    const [run] = exec.runs;
    expect(run?.status, run?.stderr).toBe(0);
    expect(run?.env.AEGIS_CONFIG_URI).toMatch(new RegExp(`^s3://${BUCKET}/configs/e2e-short-put-`));
    expect(run?.env.AEGIS_RESULTS_URI).toMatch(new RegExp(`^s3://${BUCKET}/results/e2e-short-put-`));
    // The container logged JSON lines on stdout: the data root it chose and the sync it did.
    const events = (run?.stdout ?? "").trim().split("\n").map((l) => JSON.parse(l) as { event: string; path?: string; stats?: { downloaded: number } });
    expect(events.find((e) => e.event === "data_root")?.path).toBe("s3-sync");
    // The one partition, and the dataset's series.arrow (synthetic spx-like data carries a VIX).
    expect(events.find((e) => e.event === "sync_done")?.stats?.downloaded).toBe(2);

    const local = await addonRun();
    expect(readFileSync(join(out, "summary.json"), "utf8")).toBe(local.files.summaryJson);
    expect(readFileSync(join(out, "equity.arrow")).equals(Buffer.from(local.files.equityArrow))).toBe(true);
    expect(readFileSync(join(out, "trades.arrow")).equals(Buffer.from(local.files.tradesArrow))).toBe(true);
    expect(readFileSync(join(out, "_SUCCESS"), "utf8")).toBe("");
    const runJson = JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
    expect(runJson).toMatchObject({ entry_point: "binary", data_path: "s3-sync", dataset: DATASET });
    expect(local.summary.diagnostics.positions_opened).toBeGreaterThan(0);
  });

  it("--target local runs the binary with the container's environment and gives the same bytes", async () => {
    const out = join(work, "fetched-local");
    const result = await cli("submit", scenarioFile, "--target", "local", "--binary", BINARY, "--wait", "--out", out);
    expect(result.code, result.err.join("\n")).toBe(0);
    const local = await addonRun();
    expect(readFileSync(join(out, "summary.json"), "utf8")).toBe(local.files.summaryJson);
    expect(readFileSync(join(out, "trades.arrow")).equals(Buffer.from(local.files.tradesArrow))).toBe(true);
  });

  it("uploads a dates file beside the scenario, where the container reads it: the same bytes as the addon", async () => {
    // Enter only on the Mondays listed in a CSV beside the scenario (in a directory of its own).
    const dir = mkdtempSync(join(work, "beside-"));
    mkdirSync(join(dir, "calendars"));
    writeFileSync(join(dir, "calendars", "mondays.csv"), "date,ticker\n2023-07-10,SPX\n2023-08-07,\n2023-09-11,SPX\n2023-10-02,QQQ\n");
    const text = SCENARIO.replace("every_trading_days: 5, max_open: 3 }", "max_open: 3, signals: [ { dates: { file: calendars/mondays.csv } } ] }");
    const file = join(dir, "scenario.yaml");
    writeFileSync(file, text);
    const out = join(work, "fetched-dates");
    const result = await cli("submit", file, "--target", "local", "--binary", BINARY, "--wait", "--out", out);
    expect(result.code, result.err.join("\n")).toBe(0);
    const local = await runBacktest(text, { data: localData, source: file });
    expect(local.summary.diagnostics.positions_opened).toBe(3);
    expect(readFileSync(join(out, "summary.json"), "utf8")).toBe(local.files.summaryJson);
    expect(readFileSync(join(out, "trades.arrow")).equals(Buffer.from(local.files.tradesArrow))).toBe(true);
    // Without the file beside it, nothing is uploaded and the error names the file.
    const lonely = join(mkdtempSync(join(work, "lonely-")), "scenario.yaml");
    writeFileSync(lonely, text);
    const refused = await cli("submit", lonely, "--target", "local", "--binary", BINARY, "--dry-run");
    expect(refused.code).not.toBe(0);
    expect(refused.err.join("\n")).toContain("its dates file calendars/mondays.csv cannot be read beside it");
  });

  it("--target local hands the binary AEGIS_SCRATCH_DIR, and --scratch-dir over it", async () => {
    const fromEnv = join(work, "scratch-env");
    const fromFlag = join(work, "scratch-flag", "nested");
    const dry = await cliWithEnv({ AEGIS_SCRATCH_DIR: fromEnv }, "submit", scenarioFile, "--target", "local", "--binary", BINARY, "--dry-run");
    expect(dry.code, dry.err.join("\n")).toBe(0);
    expect(JSON.parse(dry.out.join("\n")).local.env.AEGIS_SCRATCH_DIR).toBe(fromEnv);
    expect(existsSync(fromEnv)).toBe(false);

    const r = await cliWithEnv({ AEGIS_SCRATCH_DIR: fromEnv }, "submit", scenarioFile, "--target", "local", "--binary", BINARY, "--out", join(work, "fetched-scratch"));
    expect(r.code, r.err.join("\n")).toBe(0);
    // The binary synced the dataset into the directory it was given (it has no mount here).
    const synced = tree(fromEnv);
    expect(synced).toContain(`${DATASET}/manifest.json`);
    expect(synced.some((f) => f.startsWith(`${DATASET}/SPX/`) && f.endsWith(".arrow"))).toBe(true);
    const local = await addonRun();
    expect(readFileSync(join(work, "fetched-scratch", "summary.json"), "utf8")).toBe(local.files.summaryJson);

    const flagged = await cliWithEnv({ AEGIS_SCRATCH_DIR: fromEnv }, "submit", scenarioFile, "--target", "local", "--binary", BINARY, "--scratch-dir", fromFlag, "--no-fetch");
    expect(flagged.code, flagged.err.join("\n")).toBe(0);
    expect(tree(fromFlag)).toContain(`${DATASET}/manifest.json`);
    expect(tree(fromEnv)).toEqual(synced);
  });
});
