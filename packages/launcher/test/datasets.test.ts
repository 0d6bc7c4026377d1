// Datasets in S3 against moto: upload (checked locally first, verified after, manifest last,
// resumable), list (incomplete without a manifest), rm (manifest first, confirmation), through the
// library and the CLI.
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../src/cli.ts";
import { destroyClients, type AwsClients } from "../src/clients.ts";
import { uploadDataset, type DatasetUploadEvent } from "../src/dataset-upload.ts";
import { listDatasets, removeDataset } from "../src/datasets.ts";
import { InputError } from "../src/errors.ts";
import { MIN_PART_SIZE, Limiter, digestFile, putFile } from "../src/s3-objects.ts";
import { CREDENTIALS, Moto, REGION, outputsStack } from "./moto.ts";

const BUCKET = "aegis-datasets-test";
const ENV = { AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, AWS_REGION: REGION, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };

let moto: Moto;
let aws: AwsClients;
const extra: AwsClients[] = [];
const saved: Record<string, string | undefined> = {};
const root = mkdtempSync(join(tmpdir(), "aegis-datasets-"));

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
  rmSync(root, { recursive: true, force: true });
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

beforeEach(async () => {
  await moto.reset();
  await aws.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await outputsStack(aws, "AegisBtStorage", { BucketName: BUCKET, RepositoryUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/aegis-bt", RepositoryName: "aegis-bt" });
});

afterEach(() => {
  for (const c of extra.splice(0)) destroyClients(c);
});

/** Another set of clients on moto, destroyed after the test (for middleware that must not leak). */
function clients(): AwsClients {
  const c = moto.clients();
  extra.push(c);
  return c;
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
let counter = 0;

/**
 * A dataset directory: `files` (path → bytes) under a manifest that lists them as partitions
 * `<TICKER>/<YEAR>.arrow` (rows and dates made up; upload reads only paths, sizes and sha256s).
 */
function dataset(name: string, files: Record<string, Buffer>, opts: { manifestName?: string } = {}): string {
  const dir = join(root, `${name}-${counter++}`);
  const partitions = Object.entries(files).map(([path, bytes]) => {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, bytes);
    const [ticker, year] = [path.split("/")[0] as string, Number(/(\d{4})\.arrow$/.exec(path)?.[1] ?? 2020)];
    return { path, ticker, year, firstTradeDate: `${year}-01-02`, lastTradeDate: `${year}-12-31`, rows: bytes.length % 1000, bytes: bytes.length, sha256: sha256(bytes) };
  });
  const manifest = {
    schemaVersion: 1,
    name: opts.manifestName ?? name,
    createdBy: "datasets.test",
    source: { kind: "synthetic", generator: "test", profile: "spx-like", seed: 1, start: "2020-01-02", end: "2021-12-31" },
    tickers: [...new Set(partitions.map((p) => p.ticker))].sort(),
    partitions,
  };
  writeFileSync(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return dir;
}

function small(): Record<string, Buffer> {
  return { "SPX/2020.arrow": randomBytes(3000), "SPX/2021.arrow": randomBytes(2500), "NDX/2021.arrow": randomBytes(1700), "RUT/2021.arrow": randomBytes(999) };
}

async function keys(prefix = "datasets/"): Promise<string[]> {
  const res = await aws.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (res.Contents ?? []).map((o) => o.Key as string).sort();
}

async function body(key: string): Promise<Buffer> {
  const res = await aws.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from((await res.Body?.transformToByteArray()) ?? []);
}

/** The S3 writes a client makes, in order: `PutObject key`, `CompleteMultipartUpload key`, `DeleteObject key`, `DeleteObjects n`. */
function record(s3: S3Client): string[] {
  const seen: string[] = [];
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Key?: string; Delete?: { Objects?: { Key?: string }[] } };
      const name = context.commandName?.replace(/Command$/, "");
      if (name === "PutObject" || name === "CompleteMultipartUpload" || name === "DeleteObject") seen.push(`${name} ${input.Key}`);
      if (name === "DeleteObjects") seen.push(`DeleteObjects ${(input.Delete?.Objects ?? []).map((o) => o.Key).join(",")}`);
      return next(args);
    },
    { step: "initialize", name: "recordWrites" },
  );
  return seen;
}

/** Makes a client fail every PutObject and CompleteMultipartUpload after the first `ok`. */
function failAfter(s3: S3Client, ok: number): void {
  let writes = 0;
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      if ((context.commandName === "PutObjectCommand" || context.commandName === "CompleteMultipartUploadCommand") && writes++ >= ok) {
        throw Object.assign(new Error("the network went away (injected)"), { name: "InjectedFault" });
      }
      return next(args);
    },
    { step: "initialize", name: "injectFault" },
  );
}

async function cli(io: { interactive?: boolean; answer?: string } = {}, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const asked: string[] = [];
  const code = await runCli(["node", "aegis-launch", ...args, "--endpoint-url", moto.endpoint], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: {},
    ...(io.interactive !== undefined && { interactive: io.interactive }),
    ask: async (q) => {
      asked.push(q);
      return io.answer ?? "";
    },
  });
  return { code, out, err, asked };
}

describe("dataset upload, list, rm", () => {
  it("round-trips through the CLI: every object verified and tagged with its sha256, listed with its manifest's figures, removed", async () => {
    const files = small();
    const dir = dataset("spx-small", files);
    const up = await cli({}, "dataset", "upload", dir);
    expect(up.code, up.err.join("\n")).toBe(0);
    expect(up.out[0]).toBe("dataset   spx-small");
    expect(up.out[1]).toBe(`uri       s3://${BUCKET}/datasets/spx-small/`);
    expect(up.out[3]).toBe("objects   4 files (8.01 KiB): 4 uploaded (8.01 KiB), 0 skipped (already there with the right sha256)");
    expect(up.err[0]).toMatch(/^checking 4 files \(8\.01 KiB\) against .*manifest\.json$/);
    expect(await keys()).toEqual(["manifest.json", "NDX/2021.arrow", "RUT/2021.arrow", "SPX/2020.arrow", "SPX/2021.arrow"].map((k) => `datasets/spx-small/${k}`).sort());
    for (const [path, bytes] of Object.entries(files)) {
      expect((await body(`datasets/spx-small/${path}`)).equals(bytes)).toBe(true);
      const head = await aws.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `datasets/spx-small/${path}`, ChecksumMode: "ENABLED" }));
      expect(head.Metadata?.sha256).toBe(sha256(bytes));
      expect(head.ChecksumSHA256).toBe(createHash("sha256").update(bytes).digest("base64"));
    }

    const list = await cli({}, "dataset", "list");
    expect(list.code, list.err.join("\n")).toBe(0);
    // SNAPSHOTS: the completed EBS snapshots of the current manifest (moto's EC2 has none).
    expect(list.out[0]).toMatch(/^NAME\s+SIZE\s+ROWS\s+TICKERS\s+SPAN\s+SNAPSHOTS\s+STATE$/);
    const rows = Object.values(files).reduce((n, b) => n + (b.length % 1000), 0);
    expect(list.out[1]).toMatch(new RegExp(`^spx-small\\s+9\\.\\d\\d KiB\\s+${rows.toLocaleString("en-US")}\\s+NDX, RUT, SPX\\s+2020-01-02 … 2021-12-31\\s+0\\s+complete$`));
    const json = await cli({}, "dataset", "list", "--json");
    const [listed] = JSON.parse(json.out.join("\n")) as { name: string; complete: boolean; manifestSha256: string; summary: { partitions: number } }[];
    expect(listed).toMatchObject({ name: "spx-small", complete: true, summary: { partitions: 4 }, snapshots: 0 });
    expect(listed?.manifestSha256).toBe(sha256(await body("datasets/spx-small/manifest.json")));

    const rm = await cli({}, "dataset", "rm", "spx-small", "--yes");
    expect(rm.code, rm.err.join("\n")).toBe(0);
    expect(rm.out).toEqual([`deleted s3://${BUCKET}/datasets/spx-small/: 5 objects, ${list.out[1]?.split(/\s{2,}/)[1]} (the manifest first)`]);
    expect(await keys()).toEqual([]);
    expect((await cli({}, "dataset", "list")).out).toEqual([`no datasets in s3://${BUCKET}/datasets/`]);
  });

  it("uploads large files in parallel parts and verifies S3's composite checksum; the same upload again skips everything", async () => {
    const files = { "SPX/2020.arrow": randomBytes(2 * MIN_PART_SIZE + 12345), "SPX/2021.arrow": randomBytes(MIN_PART_SIZE + 1), "SPX/2022.arrow": randomBytes(100) };
    const dir = dataset("spx-parts", files);
    const progress: number[] = [];
    const r = await uploadDataset(aws.s3, { bucket: BUCKET, dir, partSize: MIN_PART_SIZE, concurrency: 3, onProgress: (p) => p.phase === "upload" && progress.push(p.bytes) });
    expect(r).toMatchObject({ name: "spx-parts", files: 3, uploaded: 3, skipped: 0, removed: 0, manifestWasThere: false });
    expect(progress.at(-1)).toBe(r.bytes);
    for (const [path, bytes] of Object.entries(files)) expect((await body(`datasets/spx-parts/${path}`)).equals(bytes)).toBe(true);
    const big = await aws.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "datasets/spx-parts/SPX/2020.arrow", PartNumber: 1 }));
    expect(big.PartsCount).toBe(3);

    const again = await uploadDataset(aws.s3, { bucket: BUCKET, dir, partSize: MIN_PART_SIZE });
    expect(again).toMatchObject({ uploaded: 0, skipped: 3, manifestWasThere: true, uploadedBytes: 0 });
  });

  it("resumes: objects already there with the right checksum are skipped, one with other bytes of the same size is uploaded again", async () => {
    const files = small();
    const dir = dataset("resume", files);
    // Two objects as an earlier upload left them, one with wrong bytes (claiming the right sha256).
    const limiter = new Limiter(2);
    for (const path of ["SPX/2020.arrow", "NDX/2021.arrow"]) {
      const file = join(dir, path);
      const bytes = files[path] as Buffer;
      await putFile(aws.s3, { bucket: BUCKET, key: `datasets/resume/${path}`, file, digest: await digestFile(file, bytes.length, MIN_PART_SIZE), limiter });
    }
    const wrong = randomBytes((files["RUT/2021.arrow"] as Buffer).length);
    await aws.s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: "datasets/resume/RUT/2021.arrow", Body: wrong, ChecksumAlgorithm: "SHA256", Metadata: { sha256: sha256(files["RUT/2021.arrow"] as Buffer) } }),
    );
    const up = await cli({}, "dataset", "upload", dir);
    expect(up.code, up.err.join("\n")).toBe(0);
    expect(up.err).toContain(`2 objects already in s3://${BUCKET}/datasets/resume/ with the right sha256: skipped; uploading 2 files (${(((files["SPX/2021.arrow"] as Buffer).length + wrong.length) / 1024).toFixed(2)} KiB)`);
    expect(up.out[3]).toMatch(/: 2 uploaded \(.*\), 2 skipped \(already there with the right sha256\)$/);
    expect((await body("datasets/resume/RUT/2021.arrow")).equals(files["RUT/2021.arrow"] as Buffer)).toBe(true);
  });

  it("an interrupted upload leaves the dataset incomplete (listed so, no manifest); running it again completes it, skipping what is there", async () => {
    const files = { ...small(), "VIX/2021.arrow": randomBytes(1234), "VIX/2022.arrow": randomBytes(4321) };
    const dir = dataset("interrupted", files);
    const faulty = clients();
    failAfter(faulty.s3, 3);
    const err = await uploadDataset(faulty.s3, { bucket: BUCKET, dir, concurrency: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^uploading s3:\/\/aegis-datasets-test\/datasets\/interrupted\/.* failed: InjectedFault: the network went away \(injected\)$/);
    expect(await keys()).toHaveLength(3);
    expect(await keys()).not.toContain("datasets/interrupted/manifest.json");
    const [listed] = await listDatasets(aws.s3, BUCKET);
    expect(listed).toMatchObject({ name: "interrupted", complete: false, objects: 3 });
    expect((await cli({}, "dataset", "list")).out[1]).toMatch(/^interrupted\s+.*\s+-\s+-\s+-\s+incomplete \(no manifest\.json; 3 objects\)$/);

    const events: DatasetUploadEvent[] = [];
    const r = await uploadDataset(aws.s3, { bucket: BUCKET, dir, onEvent: (e) => events.push(e) });
    expect(r).toMatchObject({ files: 6, skipped: 3, uploaded: 3 });
    expect(events.find((e) => e.type === "plan")).toMatchObject({ skipped: 3, upload: 3 });
    expect((await listDatasets(aws.s3, BUCKET))[0]).toMatchObject({ name: "interrupted", complete: true, objects: 7 });
  });

  it("a part that fails stops its upload's other parts and aborts the multipart upload; nothing of that file is left", async () => {
    const files = { "SPX/2020.arrow": randomBytes(3 * MIN_PART_SIZE + 5) };
    const dir = dataset("part-fails", files);
    const c = clients();
    let parts = 0;
    const aborted: string[] = [];
    c.s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "UploadPartCommand" && (args.input as { PartNumber?: number }).PartNumber === 2) {
          parts++;
          throw Object.assign(new Error("part 2 lost (injected)"), { name: "InjectedFault" });
        }
        if (context.commandName === "AbortMultipartUploadCommand") aborted.push((args.input as { Key?: string }).Key as string);
        return next(args);
      },
      { step: "initialize", name: "failPart" },
    );
    const err = await uploadDataset(c.s3, { bucket: BUCKET, dir, partSize: MIN_PART_SIZE, concurrency: 2 }).catch((e: unknown) => e);
    expect((err as Error).message).toBe(`uploading part 2 of 4 of s3://${BUCKET}/datasets/part-fails/SPX/2020.arrow failed: InjectedFault: part 2 lost (injected)`);
    expect(parts).toBe(1);
    expect(aborted).toEqual(["datasets/part-fails/SPX/2020.arrow"]);
    expect(await keys()).toEqual([]);
    expect((await aws.s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads ?? []).toEqual([]);
    expect(await uploadDataset(aws.s3, { bucket: BUCKET, dir, partSize: MIN_PART_SIZE })).toMatchObject({ uploaded: 1, skipped: 0 });
  });

  it("puts the manifest last, after every other object is written and verified", async () => {
    const files = { ...small(), "SPX/2022.arrow": randomBytes(MIN_PART_SIZE + 10) };
    const dir = dataset("ordered", files);
    const c = clients();
    const writes = record(c.s3);
    await uploadDataset(c.s3, { bucket: BUCKET, dir, concurrency: 4, partSize: MIN_PART_SIZE });
    expect(writes).toHaveLength(6);
    expect(writes.at(-1)).toBe("PutObject datasets/ordered/manifest.json");
    expect(writes.slice(0, -1).sort()).toEqual(
      ["CompleteMultipartUpload datasets/ordered/SPX/2022.arrow", ...["NDX/2021.arrow", "RUT/2021.arrow", "SPX/2020.arrow", "SPX/2021.arrow"].map((p) => `PutObject datasets/ordered/${p}`)].sort(),
    );
  });

  it("refuses another manifest under the same name, naming both sha256s; --overwrite deletes the old manifest first and the old files after", async () => {
    const first = dataset("same-name", small());
    await uploadDataset(aws.s3, { bucket: BUCKET, dir: first });
    const before = await body("datasets/same-name/manifest.json");
    const second = dataset("other", { "SPX/2020.arrow": randomBytes(3000), "SPX/2023.arrow": randomBytes(10) }, { manifestName: "same-name" });
    const secondSha = sha256(Buffer.from(await import("node:fs").then((fs) => fs.readFileSync(join(second, "manifest.json")))));

    const refused = await cli({}, "dataset", "upload", second);
    expect(refused.code).toBe(1);
    expect(refused.err).toEqual([
      `aegis-launch: error: dataset same-name already exists in s3://${BUCKET}/datasets/same-name/ with another manifest (sha256 ${sha256(before)}; ${join(second, "manifest.json")} has sha256 ${secondSha}): pass --overwrite to replace it, or --name to upload it under another name`,
    ]);
    expect((await body("datasets/same-name/manifest.json")).equals(before)).toBe(true);

    const c = clients();
    const writes = record(c.s3);
    const events: DatasetUploadEvent[] = [];
    const r = await uploadDataset(c.s3, { bucket: BUCKET, dir: second, overwrite: true, onEvent: (e) => events.push(e) });
    expect(r).toMatchObject({ replaced: sha256(before), manifestSha256: secondSha, uploaded: 2, skipped: 0, removed: 3 });
    expect(writes[0]).toBe("DeleteObject datasets/same-name/manifest.json");
    expect(writes.at(-1)).toBe("PutObject datasets/same-name/manifest.json");
    expect(writes.at(-2)).toBe(`DeleteObjects ${["NDX/2021.arrow", "RUT/2021.arrow", "SPX/2021.arrow"].map((p) => `datasets/same-name/${p}`).join(",")}`);
    expect(events.map((e) => e.type)).toEqual(["checking", "replacing", "plan", "removed"]);
    expect(await keys()).toEqual(["manifest.json", "SPX/2020.arrow", "SPX/2023.arrow"].map((k) => `datasets/same-name/${k}`).sort());
    const [listed] = await listDatasets(aws.s3, BUCKET);
    expect(listed).toMatchObject({ name: "same-name", complete: true, manifestSha256: secondSha, summary: { partitions: 2, tickers: ["SPX"], first: "2020-01-02", last: "2023-12-31" } });

    // --name puts it beside the other instead.
    const beside = await cli({}, "dataset", "upload", first, "--name", "first-again");
    expect(beside.code, beside.err.join("\n")).toBe(0);
    expect((await listDatasets(aws.s3, BUCKET)).map((d) => d.name)).toEqual(["first-again", "same-name"]);
  });

  it("refuses a missing, resized or corrupt local file before anything is uploaded, naming the file and the manifest's field", async () => {
    const files = small();
    const cases: [string, (dir: string) => void, (dir: string) => RegExp][] = [
      ["missing", (dir) => rmSync(join(dir, "NDX/2021.arrow")), (dir) => new RegExp(`^${esc(join(dir, "NDX/2021.arrow"))}: missing \\(manifest\\.json names it in partitions\\[\\d\\]\\); nothing was uploaded$`)],
      [
        "resized",
        (dir) => writeFileSync(join(dir, "SPX/2021.arrow"), randomBytes(10)),
        (dir) => new RegExp(`^${esc(join(dir, "SPX/2021.arrow"))}: 10 bytes, but manifest\\.json's partitions\\[\\d\\]\\.bytes says 2500; nothing was uploaded$`),
      ],
      [
        "corrupt",
        (dir) => writeFileSync(join(dir, "RUT/2021.arrow"), randomBytes(999)),
        (dir) => new RegExp(`^${esc(join(dir, "RUT/2021.arrow"))}: sha256 [0-9a-f]{64}, but manifest\\.json's partitions\\[\\d\\]\\.sha256 says ${sha256(files["RUT/2021.arrow"] as Buffer)}; nothing was uploaded$`),
      ],
    ];
    for (const [what, spoil, message] of cases) {
      const dir = dataset(`spoiled-${what}`, files);
      spoil(dir);
      const c = clients();
      const writes = record(c.s3);
      const err = await uploadDataset(c.s3, { bucket: BUCKET, dir }).catch((e: unknown) => e);
      expect(err, what).toBeInstanceOf(InputError);
      expect((err as Error).message, what).toMatch(message(dir));
      expect(writes, what).toEqual([]);
    }
    // Two problems: the first named, the other counted.
    const dir = dataset("two-problems", files);
    rmSync(join(dir, "SPX/2020.arrow"));
    rmSync(join(dir, "SPX/2021.arrow"));
    const r = await cli({}, "dataset", "upload", dir);
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/SPX\/2020\.arrow: missing \(manifest\.json names it in partitions\[\d\]\) \(and 1 more problem; aegis-data validate .* lists them\); nothing was uploaded$/);
    expect(await keys()).toEqual([]);
  });

  it("refuses a manifest entry it cannot trust, naming the file and the field", async () => {
    const dir = dataset("bad-entry", small());
    const path = join(dir, "manifest.json");
    const manifest = JSON.parse(await import("node:fs").then((fs) => fs.readFileSync(path, "utf8"))) as { partitions: { path: string; sha256: string }[] };
    const cases: [(m: typeof manifest) => void, string][] = [
      [(m) => ((m.partitions[1] as { sha256: string }).sha256 = "abc"), `${path}: partitions[1].sha256: expected 64 lower-case hex digits, got "abc"`],
      [(m) => ((m.partitions[2] as { path: string }).path = "../escape.arrow"), `${path}: partitions[2].path: "../escape.arrow" has an empty, . or .. part`],
      [(m) => ((m.partitions[3] as { path: string }).path = (m.partitions[0] as { path: string }).path), `${path}: partitions[3].path: ${manifest.partitions[0]?.path} is named by partitions[0] too`],
    ];
    for (const [spoil, message] of cases) {
      const m = structuredClone(manifest);
      spoil(m);
      writeFileSync(path, JSON.stringify(m));
      const r = await cli({}, "dataset", "upload", dir);
      expect(r.err).toEqual([`aegis-launch: error: ${message}`]);
    }
    writeFileSync(path, "{ not json");
    expect((await cli({}, "dataset", "upload", dir)).err[0]).toMatch(new RegExp(`^aegis-launch: error: ${esc(path)}: not valid JSON \\(`));
    writeFileSync(path, JSON.stringify(manifest));
    expect((await cli({}, "dataset", "upload", dir, "--part-size", "4")).err).toEqual(["aegis-launch: error: --part-size 4: S3's parts are at least 5 MiB"]);
    expect((await cli({}, "dataset", "upload", dir, "--name", "a/b")).err).toEqual([`aegis-launch: error: --name "a/b" is not a dataset name: use letters, digits, '.', '_' and '-' (no '..', at most 128)`]);
    const r = await cli({}, "dataset", "upload", join(root, "nowhere"));
    expect(r.err).toEqual([`aegis-launch: error: ${join(root, "nowhere", "manifest.json")}: cannot read the dataset manifest (ENOENT); is ${join(root, "nowhere")} a dataset directory?`]);
    expect(await keys()).toEqual([]);
  });

  it("dataset rm asks on a terminal, refuses without one unless --yes, and deletes the manifest first", async () => {
    await uploadDataset(aws.s3, { bucket: BUCKET, dir: dataset("doomed", small()) });
    const all = await keys();

    const piped = await cli({ interactive: false }, "dataset", "rm", "doomed");
    expect(piped.code).toBe(1);
    expect(piped.err[0]).toMatch(/^aegis-launch: error: not deleting dataset doomed without confirmation: stdin is not a terminal; pass --yes to delete s3:\/\/aegis-datasets-test\/datasets\/doomed\/ \(5 objects, [\d.]+ KiB\)$/);
    expect(piped.asked).toEqual([]);

    const no = await cli({ interactive: true, answer: "n" }, "dataset", "rm", "doomed");
    expect(no.code).toBe(1);
    expect(no.asked).toHaveLength(1);
    expect(no.asked[0]).toMatch(/^delete dataset doomed: s3:\/\/aegis-datasets-test\/datasets\/doomed\/ \(5 objects, [\d.]+ KiB\)\? \[y\/N\] $/);
    expect(no.err).toEqual(["aegis-launch: error: not confirmed: dataset doomed is untouched"]);
    expect(await keys()).toEqual(all);

    const yes = await cli({ interactive: true, answer: "yes" }, "dataset", "rm", "doomed");
    expect(yes.code, yes.err.join("\n")).toBe(0);
    expect(await keys()).toEqual([]);

    const missing = await cli({}, "dataset", "rm", "doomed", "--yes");
    expect(missing.err).toEqual([`aegis-launch: error: no dataset doomed: nothing under s3://${BUCKET}/datasets/doomed/`]);
    expect((await cli({}, "dataset", "rm", "../x", "--yes")).err).toEqual(['aegis-launch: error: "../x" is not a dataset name']);

    // The manifest goes first, then the rest in one DeleteObjects batch; an incomplete one goes too.
    await uploadDataset(aws.s3, { bucket: BUCKET, dir: dataset("doomed", small()) });
    const c = clients();
    const writes = record(c.s3);
    const r = await removeDataset(c.s3, BUCKET, "doomed");
    expect(r).toMatchObject({ deleted: 5, hadManifest: true });
    expect(writes).toEqual(["DeleteObject datasets/doomed/manifest.json", `DeleteObjects ${["NDX/2021.arrow", "RUT/2021.arrow", "SPX/2020.arrow", "SPX/2021.arrow"].map((p) => `datasets/doomed/${p}`).join(",")}`]);
    await aws.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "datasets/half/SPX/2020.arrow", Body: "x" }));
    expect(await removeDataset(aws.s3, BUCKET, "half")).toMatchObject({ deleted: 1, hadManifest: false });
  });

  it("lists an unreadable manifest as such, beside the others", async () => {
    await uploadDataset(aws.s3, { bucket: BUCKET, dir: dataset("good", small()) });
    await aws.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "datasets/broken/manifest.json", Body: '{"name":"broken","tickers":[],"partitions":[{"path":"a"}]}' }));
    const r = await cli({}, "dataset", "list");
    expect(r.code).toBe(0);
    expect(r.out[1]).toMatch(/^broken\s+\d+ B\s+-\s+-\s+-\s+-\s+unreadable manifest: s3:\/\/aegis-datasets-test\/datasets\/broken\/manifest\.json: partitions\[0\]\.bytes: expected a byte count, got undefined$/);
    expect(r.out[2]).toMatch(/^good\s+.*complete$/);
  });
});

describe("cost --snapshot-of a dataset in the bucket", () => {
  it("estimates from the manifest's bytes in S3, and refuses an unfinished or unknown dataset", async () => {
    const files = small();
    await uploadDataset(aws.s3, { bucket: BUCKET, dir: dataset("spx-cost", files) });
    const r = await cli({}, "cost", "--snapshot-of", "spx-cost", "--json");
    expect(r.code, r.err.join("\n")).toBe(0);
    const bytes = Object.values(files).reduce((n, b) => n + b.length, 0);
    const doc = JSON.parse(r.out.join("\n"));
    // 8,199 bytes: a 2 GiB volume (⌈8,199 × 1.2 / 2³⁰⌉ + 1); 8,199 / 2³⁰ GiB × $0.05 a month.
    expect(doc).toMatchObject({ kind: "snapshot", dataset: "spx-cost", manifestSource: `s3://${BUCKET}/datasets/spx-cost/manifest.json`, bytes, volumeGiB: 2, months: 1 });
    expect(doc.storage.usdPerMonth).toBeCloseTo((bytes / 2 ** 30) * 0.05, 15);

    await aws.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "datasets/half/SPX/2020.arrow", Body: "x" }));
    expect((await cli({}, "cost", "--snapshot-of", "half")).err).toEqual([`aegis-launch: error: dataset half has no s3://${BUCKET}/datasets/half/manifest.json (an unfinished upload): nothing to snapshot yet`]);
    expect((await cli({}, "cost", "--snapshot-of", "nothing")).err).toEqual([`aegis-launch: error: no dataset nothing in s3://${BUCKET}/datasets/ (nor a local directory nothing with a manifest.json)`]);
  });
});

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
