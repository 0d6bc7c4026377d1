// The real `aegis-bt` binary against S3 (moto, a fault-injecting proxy in front of it, and a
// misconfigured endpoint): a results prefix is checked before the backtest, its old `_SUCCESS` goes
// first, a half-failed upload never leaves a `_SUCCESS`, and AWS's answers become one line each.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { generateDataset } from "@aegis-bt/data-tools";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { defaultBinary } from "../src/local-target.ts";
import { FakeEndpoint, HTML, HTML_PAGE, XML, s3Error } from "./fake-endpoint.ts";
import { CREDENTIALS, Moto, REGION } from "./moto.ts";

const BINARY = defaultBinary(process.env);
const BUCKET = "aegis-results";
const DATASET = "binary-s3";
const SCENARIO = `name: binary-s3
data: { dataset: ${DATASET}, tickers: [SPX], start: 2023-11-01, end: 2023-12-29 }
strategy:
  legs:
    - { right: put, side: short, dte: { target: 30, min: 20, max: 45 }, delta: { target: 0.30, min: 0.2, max: 0.4 } }
  entry: { every_trading_days: 5 }
`;

interface Seen {
  method: string;
  path: string;
  /** The body of a POST (S3's multi-object delete names its keys there). */
  body: string;
}

/** Forwards every request to moto, except those `fail` answers itself; records what it saw. */
class Proxy {
  readonly seen: Seen[] = [];
  fail: (r: Seen) => { status: number; body: string } | undefined = () => undefined;
  private readonly server: Server;
  url = "";

  constructor(private readonly target: string) {
    this.server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        const seen = { method: req.method ?? "?", path: req.url ?? "/", body: req.method === "POST" ? body.toString() : "" };
        this.seen.push(seen);
        const failure = this.fail(seen);
        if (failure) {
          res.writeHead(failure.status, XML);
          res.end(failure.body);
          return;
        }
        const to = new URL(this.target);
        const out = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
          res.writeHead(up.statusCode ?? 500, up.headers);
          up.pipe(res);
        });
        out.end(body);
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

interface Run {
  code: number | null;
  stderr: string;
}

function runBinary(args: string[], endpoint: string, extra: Record<string, string> = {}): Promise<Run> {
  const env = {
    PATH: process.env.PATH ?? "",
    AWS_ENDPOINT_URL: endpoint,
    AWS_ALLOW_HTTP: "true",
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AEGIS_VERIFY_CACHE: "off",
    AEGIS_SCRATCH_DIR: scratch,
    ...extra,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(BINARY, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stderr }));
  });
}

let moto: Moto;
let proxy: Proxy;
let data: string;
let scenarioFile: string;
let scratch: string;

async function keys(prefix: string): Promise<string[]> {
  const r = await moto.clients().s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (r.Contents ?? []).map((o) => o.Key ?? "").sort();
}

const run = (out: string, extra: string[] = []) =>
  runBinary(["run", "--scenario", scenarioFile, "--data", data, "--out", out, ...extra], proxy.url);

beforeAll(async () => {
  moto = await Moto.start();
  proxy = new Proxy(moto.endpoint);
  await proxy.start();
  const dir = mkdtempSync(join(tmpdir(), "aegis-binary-s3-"));
  data = join(dir, "data");
  scratch = join(dir, "scratch");
  scenarioFile = join(dir, "scenario.yaml");
  writeFileSync(scenarioFile, SCENARIO);
  await generateDataset({ profile: "spx-like", tickers: ["SPX"], start: "2023-10-02", end: "2023-12-29", seed: 5, out: join(data, DATASET), name: DATASET });
}, 300_000);

afterAll(async () => {
  await proxy?.stop();
  await moto?.stop();
  if (data) rmSync(join(data, ".."), { recursive: true, force: true });
});

beforeEach(async () => {
  await moto.reset();
  await moto.clients().s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  proxy.seen.length = 0;
  proxy.fail = () => undefined;
});

describe("aegis-bt run into S3", () => {
  it("removes the old _SUCCESS first, so a re-run that fails half-way leaves none", async () => {
    const out = `s3://${BUCKET}/results/r1/`;
    const first = await run(out);
    expect(first.code, first.stderr).toBe(0);
    expect(await keys("results/r1/")).toEqual(
      ["_SUCCESS", "equity.arrow", "market.arrow", "positions.arrow", "run.json", "strategies.arrow", "summary.json", "trades.arrow"].map((k) => `results/r1/${k}`),
    );
    // A stale report from an earlier run, which this run does not write.
    await moto.clients().s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "results/r1/report.html", Body: "old" }));

    proxy.seen.length = 0;
    proxy.fail = (r) => (r.method === "PUT" && r.path.endsWith("/trades.arrow") ? { status: 403, body: s3Error("AccessDenied", "Access Denied") } : undefined);
    const second = await run(out);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/access denied \(AccessDenied\)/);
    expect(await keys("results/r1/")).not.toContain("results/r1/_SUCCESS");
    const firstWrite = proxy.seen.findIndex((r) => r.method === "PUT" && r.path.includes("/results/r1/") && !r.path.includes(".aegis-write-check"));
    // object_store deletes through S3's multi-object delete: the key is in the POST body.
    const removal = proxy.seen.findIndex((r) => (r.method === "DELETE" && r.path.endsWith("/results/r1/_SUCCESS")) || r.body.includes("results/r1/_SUCCESS"));
    expect(removal).toBeGreaterThanOrEqual(0);
    expect(removal).toBeLessThan(firstWrite);

    proxy.fail = () => undefined;
    const third = await run(out);
    expect(third.code, third.stderr).toBe(0);
    // The stale report is gone: _SUCCESS vouches only for this run's files.
    expect(await keys("results/r1/")).toEqual(
      ["_SUCCESS", "equity.arrow", "market.arrow", "positions.arrow", "run.json", "strategies.arrow", "summary.json", "trades.arrow"].map((k) => `results/r1/${k}`),
    );
    const puts = proxy.seen.filter((r) => r.method === "PUT" && !r.path.includes(".aegis-write-check"));
    expect(puts.at(-1)?.path).toMatch(/\/results\/r1\/_SUCCESS$/);
  });

  it("finds a missing bucket before the backtest starts, in one line", async () => {
    const r = await run("s3://no-such-bucket/results/r2/");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("bucket no-such-bucket does not exist");
    expect(r.stderr).not.toContain('"event":"progress"');
    expect(r.stderr).not.toContain('"event":"data_root"');
    expect(r.stderr.trim().split("\n").filter((l) => l.startsWith("aegis-bt: error:"))).toHaveLength(1);
  });
});

describe("aegis-bt's one-line AWS errors", () => {
  let fake: FakeEndpoint;
  beforeAll(async () => {
    fake = await FakeEndpoint.start();
  });
  afterAll(async () => {
    await fake.stop();
  });

  const cases: [string, { status: number; headers: Record<string, string>; body: string }, RegExp][] = [
    ["invalid keys", { status: 403, headers: XML, body: s3Error("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.") }, /AWS rejected the credentials \(InvalidAccessKeyId\): check AWS_ACCESS_KEY_ID/],
    ["a bad signature", { status: 403, headers: XML, body: s3Error("SignatureDoesNotMatch", "The request signature we calculated does not match") }, /AWS rejected the credentials \(SignatureDoesNotMatch\)/],
    ["expired credentials", { status: 400, headers: XML, body: s3Error("ExpiredToken", "The provided token has expired.") }, /the AWS credentials have expired/],
    // The client reports S3's 301 without its body, so the region it names cannot be read back.
    ["a wrong region", { status: 301, headers: XML, body: s3Error("PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint.", { Endpoint: "b.s3.eu-west-1.amazonaws.com", Bucket: "b", Region: "eu-west-1" }) }, /bucket b is not in region "us-east-1" \(S3 redirected the request\): set AWS_REGION to the bucket's region/],
    ["a wrong region in the signature", { status: 400, headers: XML, body: s3Error("AuthorizationHeaderMalformed", "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'ap-south-1'") }, /it is in ap-south-1 \(set AWS_REGION=ap-south-1\)/],
    ["no such bucket", { status: 404, headers: XML, body: s3Error("NoSuchBucket", "The specified bucket does not exist", { BucketName: "b" }) }, /bucket b does not exist/],
    ["access denied", { status: 403, headers: XML, body: s3Error("AccessDenied", "Access Denied") }, /access denied \(AccessDenied\): the role needs s3:GetObject, s3:PutObject and s3:DeleteObject/],
    ["an HTML page", { status: 403, headers: HTML, body: HTML_PAGE.replace("502 Bad Gateway", "403 Forbidden") }, /answered with an HTML page, not S3: check AWS_ENDPOINT_URL/],
  ];

  it.each(cases)("says what to fix for %s, and --verbose adds the raw response", async (_name, reply, line) => {
    fake.reply = reply;
    const args = ["run", "--scenario", scenarioFile, "--data", data, "--out", "s3://b/results/x/"];
    const r = await runBinary(args, fake.url);
    expect(r.code).toBe(2);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("aegis-bt: error:"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(line);
    expect(r.stderr).not.toContain("<Error>");
    expect(r.stderr).not.toMatch(/<html/i);
    const verbose = await runBinary(["--verbose", ...args], fake.url);
    expect(verbose.stderr).toMatch(line);
    expect(verbose.stderr).toContain("raw error:");
  });
});
