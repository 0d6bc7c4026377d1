#!/usr/bin/env node
// `npm run bench` (remote part): the Fargate lane's two throughput figures against moto server on
// 127.0.0.1 — the binary's S3 sync fallback (MB/s by parallelism) and RunTask submission of 100
// tasks in calls of 10 with back-off (tasks/s, throttling never surfaced).
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as delay } from "node:timers/promises";
import { fmt, machine, root, writeSection } from "./bench-doc.mjs";

const { generateDataset } = await import(join(root, "packages/data-tools/dist/index.js"));
const launcher = await import(join(root, "packages/launcher/dist/index.js"));
const { CreateBucketCommand, PutObjectCommand } = await import("@aws-sdk/client-s3");
const { CreateClusterCommand, RegisterTaskDefinitionCommand } = await import("@aws-sdk/client-ecs");

const binary = join(root, "target", "release", "aegis-bt");
const log = (m) => console.error(`[bench-remote] ${m}`);
const port = await new Promise((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const endpoint = `http://127.0.0.1:${port}`;
const moto = spawn("moto_server", ["-p", String(port), "-H", "127.0.0.1"], { stdio: "ignore" });
const credentials = { accessKeyId: "bench", secretAccessKey: "bench" };
try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) break;
    } catch {
      // not up yet
    }
    if (i > 300) throw new Error("moto_server did not start");
    await delay(200);
  }
  const aws = launcher.createClients({ region: "us-east-1", endpoint, credentials });

  log("generating and uploading a two-year, eight-ticker equity-like dataset…");
  const work = mkdtempSync(join(tmpdir(), "aegis-bench-remote-"));
  const ds = join(work, "bench-eq-2y");
  const tickers = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG", "HHH"];
  await generateDataset({ profile: "equity-like", tickers, start: "2022-01-03", end: "2023-12-29", seed: 1, out: ds, name: "bench-eq-2y" });
  await aws.s3.send(new CreateBucketCommand({ Bucket: "bench" }));
  const files = readdirSync(ds, { recursive: true }).map(String).filter((f) => statSync(join(ds, f)).isFile());
  for (const f of files) await aws.s3.send(new PutObjectCommand({ Bucket: "bench", Key: `datasets/bench-eq-2y/${relative(ds, join(ds, f))}`, Body: readFileSync(join(ds, f)) }));
  const bytes = files.filter((f) => f.endsWith(".arrow")).reduce((n, f) => n + statSync(join(ds, f)).size, 0);
  const scenario = join(work, "scenario.yaml");
  const text = `name: bench\ndata: { dataset: bench-eq-2y, tickers: [${tickers.join(", ")}], start: 2022-01-03, end: 2023-12-29 }\nstrategy:\n  template: { short_put: { dte: { target: 30 }, delta: { target: 0.3 } } }\n`;
  (await import("node:fs")).writeFileSync(scenario, text);

  const syncs = [];
  for (const parallelism of [1, 4, 8]) {
    const best = [];
    for (let r = 0; r < 3; r++) {
      const scratch = mkdtempSync(join(work, "scratch-"));
      const out = execFileSync(binary, ["run", "--scenario", scenario, "--out", join(work, "out"), "--quiet"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          PATH: process.env.PATH,
          AWS_ENDPOINT_URL: endpoint,
          AWS_ACCESS_KEY_ID: "bench",
          AWS_SECRET_ACCESS_KEY: "bench",
          AWS_REGION: "us-east-1",
          AEGIS_RUN_ID: "bench",
          AEGIS_DATASET_URI: "s3://bench/datasets/",
          AEGIS_S3FILES_MOUNT: join(work, "none"),
          AEGIS_EBS_MOUNT: join(work, "none"),
          AEGIS_SCRATCH_DIR: scratch,
          AEGIS_SYNC_PARALLELISM: String(parallelism),
        },
      });
      const done = out.trim().split("\n").map((l) => JSON.parse(l)).find((e) => e.event === "sync_done");
      best.push(done.stats);
      rmSync(scratch, { recursive: true, force: true });
    }
    const s = best.reduce((a, b) => (a.seconds <= b.seconds ? a : b));
    syncs.push({ parallelism, ...s });
    log(`sync ×${parallelism}: ${fmt(s.bytes / 2 ** 20 / s.seconds, 1)} MiB/s`);
  }

  log("submitting 100 tasks to moto's ECS…");
  const cluster = await aws.ecs.send(new CreateClusterCommand({ clusterName: "bench" }));
  const td = await aws.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: "bench",
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "1024",
      memory: "2048",
      containerDefinitions: [{ name: "aegis-bt", image: "aegis-bt:bench", memoryReservation: 512 }],
    }),
  );
  // moto's default VPC: its first subnet and security group (RunTask needs both).
  const ec2 = async (action) =>
    (
      await fetch(`${endpoint}/`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: "AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0",
        },
        body: `Action=${action}&Version=2016-11-15`,
      })
    ).text();
  const subnet = /<subnetId>([^<]+)<\/subnetId>/.exec(await ec2("DescribeSubnets"))?.[1];
  const group = /<groupId>([^<]+)<\/groupId>/.exec(await ec2("DescribeSecurityGroups"))?.[1];
  const requests = Array.from({ length: 10 }, (_, i) => ({
    cluster: cluster.cluster.clusterArn,
    taskDefinition: td.taskDefinition.taskDefinitionArn,
    count: 10,
    launchType: "FARGATE",
    clientToken: `bench-${i}`,
    startedBy: `bench-${i}`,
    networkConfiguration: { awsvpcConfiguration: { subnets: [subnet], securityGroups: [group], assignPublicIp: "DISABLED" } },
  }));
  const t0 = performance.now();
  const results = await launcher.submitMany(aws.ecs, requests);
  const seconds = (performance.now() - t0) / 1e3;
  const started = results.reduce((n, r) => n + (r.tasks?.length ?? 0), 0);
  const errors = results.filter((r) => r.error).length;
  for (const r of results.filter((x) => x.error)) log(`RunTask error: ${r.error.message}`);
  launcher.destroyClients(aws);
  rmSync(work, { recursive: true, force: true });

  writeSection(
    "remote",
    `### Remote lane (against moto server on 127.0.0.1)

Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench\` (\`scripts/bench-remote.mjs\`) on ${machine()}.
moto is a single Python process, so these figures measure moto more than the client: the sync is
bound by moto's throughput whatever the parallelism (against S3, parallel GETs are what scale), and
the RunTask figure shows that 100 tasks go through in calls of 10 with nothing surfaced.

**S3 sync fallback** — \`aegis-bt run\` with no mounted dataset syncs the partitions it needs from
\`s3://…/datasets/bench-eq-2y/\` (${files.length - 1} partitions, ${fmt(bytes / 2 ** 20, 1)} MiB), checking each sha256; best of 3.

| parallelism (\`AEGIS_SYNC_PARALLELISM\`) | partitions | MiB | seconds | MiB/s |
|---|---|---|---|---|
${syncs.map((s) => `| ${s.parallelism} | ${s.downloaded} | ${fmt(s.bytes / 2 ** 20, 1)} | ${fmt(s.seconds, 2)} | **${fmt(s.bytes / 2 ** 20 / s.seconds, 1)}** |`).join("\n")}

**RunTask** — \`submitMany\` (packages/launcher) sends 100 tasks as 10 calls of 10, at most 20 calls
a second, backing off throttled calls: ${started} tasks started in ${fmt(seconds, 2)} s
(**${fmt(started / seconds, 1)} tasks/s**), ${errors} error(s) surfaced.`,
  );
} finally {
  moto.kill("SIGTERM");
}
