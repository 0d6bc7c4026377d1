// `aegis-bt dataset pull` (what fills an EBS volume before it is snapshotted), the real binary
// against moto's S3: the dataset `aegis-launch dataset upload` put there comes back byte for byte,
// a second pull keeps every file, and a wrong manifest, a damaged object or a missing dataset are
// refused with the object named — the manifest, written last, never lands beside a bad copy.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { generateDataset } from "@aegis-bt/data-tools";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { destroyClients, type AwsClients } from "../src/clients.ts";
import { uploadDataset } from "../src/dataset-upload.ts";
import { CREDENTIALS, Moto, REGION } from "./moto.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const BINARY = process.env.AEGIS_BT_BINARY ?? join(ROOT, "target/release/aegis-bt");
const BUCKET = "aegis-bt-pull";
const DATASET = "pull-spx";

let moto: Moto;
let aws: AwsClients;
const work = mkdtempSync(join(tmpdir(), "aegis-pull-"));
const local = join(work, "data", DATASET);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Where {
  bucket?: string;
  dataset?: string;
  stamps?: string;
}

function pullFrom(where: Where, out: string, ...extra: string[]): Promise<Ran> {
  const env = {
    PATH: process.env.PATH,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL: moto.endpoint,
    AEGIS_VERIFY_CACHE: where.stamps ?? join(work, "stamps"),
  };
  const args = ["dataset", "pull", "--bucket", where.bucket ?? BUCKET, "--dataset", where.dataset ?? DATASET, "--out", out, ...extra];
  const child = spawn(BINARY, args, { env });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

const pull = (out: string, ...extra: string[]) => pullFrom({}, out, ...extra);

const events = (text: string) =>
  text
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

beforeAll(async () => {
  await generateDataset({ profile: "spx-like", tickers: ["SPX"], start: "2022-10-03", end: "2023-03-31", seed: 5, out: local, name: DATASET });
  moto = await Moto.start();
  aws = moto.clients();
  await aws.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await uploadDataset(aws.s3, { bucket: BUCKET, dir: local });
}, 120_000);

afterAll(async () => {
  destroyClients(aws);
  await moto?.stop();
});

describe("aegis-bt dataset pull", () => {
  it("copies the whole dataset byte for byte, then keeps every file on a second pull", async () => {
    const out = join(work, "volume");
    const manifestSha = sha256(readFileSync(join(local, "manifest.json")));
    const first = await pull(out, "--manifest-sha256", manifestSha);
    expect(first.code, first.stderr).toBe(0);
    const want = filesUnder(local).map((f) => relative(local, f)).sort();
    const got = filesUnder(join(out, DATASET)).map((f) => relative(join(out, DATASET), f)).sort();
    expect(got).toEqual(want);
    for (const f of want) expect(readFileSync(join(out, DATASET, f)).equals(readFileSync(join(local, f))), f).toBe(true);
    const log = events(first.stderr);
    const partitions = want.filter((f) => f !== "manifest.json").length;
    expect(log.filter((e) => e.event === "pull_file")).toHaveLength(partitions);
    expect(log.at(-1)).toMatchObject({ event: "pull_done", dataset: DATASET, stats: { downloaded: partitions, reused: 0 } });

    const again = await pull(out);
    expect(again.code, again.stderr).toBe(0);
    expect(events(again.stderr).at(-1)).toMatchObject({ stats: { downloaded: 0, reused: partitions } });
  }, 120_000);

  it("refuses another manifest than the one asked for, before copying anything", async () => {
    const out = join(work, "other-manifest");
    const r = await pull(out, "--manifest-sha256", "0".repeat(64));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`s3://${BUCKET}/datasets/${DATASET}/manifest.json: the manifest's sha256 is`);
    expect(r.stderr).toContain(`not the expected ${"0".repeat(64)}`);
    expect(existsSync(join(out, DATASET)) && readdirSync(join(out, DATASET)).length > 0).toBe(false);
  }, 60_000);

  it("refuses a malformed --manifest-sha256 and a dataset name that is a path", async () => {
    const bad = await pull(join(work, "bad-flag"), "--manifest-sha256", "abc");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--manifest-sha256: expected 64 hexadecimal digits, got "abc"');
    const path = await pullFrom({ dataset: "../etc" }, join(work, "bad-name"));
    expect(path.code).not.toBe(0);
    expect(path.stderr).toContain("--dataset:");
    expect(existsSync(join(work, "etc"))).toBe(false);
  }, 60_000);

  it("refuses a damaged object naming it, and writes no manifest beside the copy", async () => {
    const bucket = "aegis-bt-pull-damaged";
    await aws.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await uploadDataset(aws.s3, { bucket, dir: local });
    const partition = filesUnder(local).map((f) => relative(local, f)).find((f) => f.endsWith(".arrow"))!;
    await aws.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `datasets/${DATASET}/${partition}`, Body: Buffer.from("not arrow") }));
    const out = join(work, "damaged");
    const r = await pullFrom({ bucket, stamps: "off" }, out);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`s3://${bucket}/datasets/${DATASET}/${partition}: sha256`);
    expect(r.stderr).toContain("does not match the manifest's");
    expect(existsSync(join(out, DATASET, "manifest.json"))).toBe(false);
  }, 120_000);

  it("says a dataset without a manifest was never finished", async () => {
    const r = await pullFrom({ dataset: "nothing-here" }, join(work, "missing"));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("dataset nothing-here not found");
    expect(r.stderr).toContain("none finished");
  }, 60_000);
});
