// A sweep shard interrupted the way Fargate Spot interrupts it, against moto's S3 and the real
// binary: SIGTERM once its first group of points is done → exit 75 with the finished points under
// `results/<run>/shards/<iiii>/checkpoint/`; the same command again (a retried task, another
// machine: nothing local is reused) resumes from S3, writes the shard byte for byte as an
// uninterrupted run does, and removes the checkpoint. The merge of the shards then equals the
// whole sweep run unsharded in-process.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { generateDataset } from "@aegis-bt/data-tools";
import { mergeSweepShards, runSweep } from "@aegis-bt/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { destroyClients, type AwsClients } from "../src/clients.ts";
import { CREDENTIALS, Moto, REGION } from "./moto.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const BINARY = process.env.AEGIS_BT_BINARY ?? join(ROOT, "target/release/aegis-bt");
const BUCKET = "aegis-bt-resume";
const DATASET = "resume-spx";
const deltas = Array.from({ length: 16 }, (_, i) => Number((0.1 + i * 0.02).toFixed(2)));
const SCENARIO = `name: resume-sweep
data: { dataset: ${DATASET}, tickers: [SPX], start: 2022-01-03, end: 2023-12-29 }
capital: 1000000
strategy:
  legs:
    - { right: put, side: short, dte: { target: 30, min: 20, max: 45 }, delta: { target: 0.25, min: 0.05, max: 0.6 } }
  entry: { every_trading_days: 2, max_open: 4 }
  exit: { profit_target: 0.5, stop_loss: 2.0, dte_exit: 10 }
cscv: { partitions: 8 }
sweep:
  grid:
    strategy.legs[0].delta.target: [${deltas.join(", ")}]
    strategy.exit.profit_target: [0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8]
`;

let moto: Moto;
let aws: AwsClients;
const work = mkdtempSync(join(tmpdir(), "aegis-resume-"));
const data = join(work, "data");
const scenarioFile = join(work, "sweep.yaml");
writeFileSync(scenarioFile, SCENARIO);

interface Ran {
  code: number | null;
  stderr: string;
}

function sweep(out: string, shard: string, onStart?: (child: ReturnType<typeof spawn>) => void): Promise<Ran> {
  const env = {
    PATH: process.env.PATH,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL: moto.endpoint,
    AEGIS_VERIFY_CACHE: "off",
    // A task's scratch: each attempt gets a fresh one, as on another machine.
    AEGIS_SCRATCH_DIR: mkdtempSync(join(work, "scratch-")),
  };
  const args = ["sweep", "--scenario", scenarioFile, "--data", data, "--out", out, "--shard", shard, "--threads", "1", "--checkpoint-seconds", "0"];
  const child = spawn(BINARY, args, { env });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  onStart?.(child);
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stderr })));
}

async function keys(prefix: string): Promise<string[]> {
  const r = await aws.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (r.Contents ?? []).map((o) => o.Key!).sort();
}

async function object(key: string): Promise<Buffer> {
  const r = await aws.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await r.Body!.transformToByteArray());
}

beforeAll(async () => {
  await generateDataset({ profile: "spx-like", tickers: ["SPX"], start: "2021-12-01", end: "2023-12-29", seed: 11, out: join(data, DATASET), name: DATASET });
  moto = await Moto.start();
  aws = moto.clients();
  await aws.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
}, 180_000);

afterAll(async () => {
  destroyClients(aws);
  await moto?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("a sweep shard stopped by SIGTERM", () => {
  it("keeps its finished points in S3, exits 75, and the retry resumes to the uninterrupted bytes", async () => {
    const run = "results/resume/";
    const out = `s3://${BUCKET}/${run}`;
    const checkpoint = `${run}shards/0000/checkpoint/`;
    // Stopped as soon as its first group of 16 points is done (of the shard's 96, run one group at
    // a time): the group running then finishes in the grace, the rest never start.
    const stopped = await sweep(out, "0/2", (child) => {
      let sent = false;
      child.stderr!.on("data", (d: Buffer) => {
        const done = [...d.toString().matchAll(/"points_done":(\d+)/g)].map((m) => Number(m[1]));
        if (!sent && done.some((n) => n >= 16)) {
          sent = true;
          child.kill("SIGTERM");
        }
      });
    });
    expect(stopped.code, stopped.stderr).toBe(75);
    expect(stopped.stderr).toContain(`kept in s3://${BUCKET}/${checkpoint}`);
    expect(stopped.stderr).toContain("run the same command again to resume");
    expect(await keys(`${run}shards/0000/_SUCCESS`)).toEqual([]);
    const index = JSON.parse((await object(`${checkpoint}checkpoint.json`)).toString()) as { chunks: Array<{ points: number[] }> };
    const kept = index.chunks.flatMap((c) => c.points).length;
    expect(kept).toBeGreaterThanOrEqual(16);
    expect(kept).toBeLessThan(96);

    const retried = await sweep(out, "0/2");
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stderr).toContain(`resuming: ${kept} of 96 point(s) kept from the checkpoint`);
    expect(await keys(checkpoint)).toEqual([]);
    const info = JSON.parse((await object(`${run}shards/0000/sweep.json`)).toString()) as { resumed_points?: number };
    expect(info.resumed_points).toBe(kept);

    const other = await sweep(out, "1/2");
    expect(other.code, other.stderr).toBe(0);

    // The same shards uninterrupted, and the whole sweep in-process: the same bytes.
    const plain = `s3://${BUCKET}/results/plain/`;
    for (const shard of ["0/2", "1/2"]) expect((await sweep(plain, shard)).code).toBe(0);
    for (const s of ["0000", "0001"]) {
      for (const f of ["sweep.arrow", "returns.arrow", "entries.arrow", "benchmark.arrow"]) {
        expect((await object(`${run}shards/${s}/${f}`)).equals(await object(`results/plain/shards/${s}/${f}`)), `${s}/${f}`).toBe(true);
      }
    }
    const whole = await runSweep(SCENARIO, { data, out: join(work, "whole"), checkpoint: false });
    const merged = join(work, "merged");
    const shardDirs = ["0000", "0001"].map((s) => join(work, "fetched", s));
    for (const [i, s] of ["0000", "0001"].entries()) {
      for (const k of await keys(`${run}shards/${s}/`)) {
        const name = k.slice(`${run}shards/${s}/`.length);
        const dir = shardDirs[i]!;
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, name), await object(k));
      }
    }
    await mergeSweepShards(shardDirs, { out: merged });
    for (const f of ["sweep.arrow", "returns.arrow", "cscv.json"]) {
      expect(readFileSync(join(merged, f)).equals(readFileSync(join(work, "whole", f))), f).toBe(true);
    }
    expect(whole.info.points_total).toBe(192);
  }, 600_000);
});
