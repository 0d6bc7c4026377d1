import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { RunFailedError } from "../src/errors.ts";
import { awsEnvironment, defaultBinary, localEnvironment, REPO_ROOT, runLocalBinary } from "../src/local-target.ts";
import { containerEnvironment } from "../src/runtask.ts";
import { launchLocal, prepareRun } from "../src/submit.ts";
import { SCENARIO } from "./fixtures.ts";

/** A stand-in for aegis-bt: prints its arguments and environment as JSON lines, exits with $FAKE_EXIT. */
function fakeBinary(): string {
  const dir = mkdtempSync(join(tmpdir(), "aegis-launch-bin-"));
  const file = join(dir, "aegis-bt");
  writeFileSync(
    file,
    `#!${process.execPath}
console.log(JSON.stringify({ level: "info", argv: process.argv.slice(2) }));
console.log(JSON.stringify({ level: "info", env: process.env }));
for (let i = 0; i < 60; i++) console.log(JSON.stringify({ level: "info", line: i }));
console.error("oops on stderr");
process.exit(Number(process.env.FAKE_EXIT ?? 0));
`,
  );
  chmodSync(file, 0o755);
  return file;
}

const s3WithEndpoint = () =>
  new S3Client({ region: "us-east-1", endpoint: "http://127.0.0.1:4566", forcePathStyle: true, credentials: { accessKeyId: "AKID", secretAccessKey: "SECRET", sessionToken: "TOKEN" } });

describe("the local target's environment", () => {
  it("finds the binary in $AEGIS_BT_BINARY or the repo's release build", () => {
    expect(defaultBinary({ AEGIS_BT_BINARY: "/opt/aegis-bt" })).toBe("/opt/aegis-bt");
    expect(defaultBinary({})).toBe(join(REPO_ROOT, "target", "release", "aegis-bt"));
    expect(defaultBinary({ AEGIS_BT_BINARY: "" }, "/repo")).toBe("/repo/target/release/aegis-bt");
  });

  it("passes the S3 client's endpoint, region and credentials as AWS_*", async () => {
    expect(await awsEnvironment(s3WithEndpoint())).toEqual({
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL: "http://127.0.0.1:4566",
      AWS_ALLOW_HTTP: "true",
      AWS_ACCESS_KEY_ID: "AKID",
      AWS_SECRET_ACCESS_KEY: "SECRET",
      AWS_SESSION_TOKEN: "TOKEN",
    });
    const real = new S3Client({ region: "eu-west-1", credentials: { accessKeyId: "A", secretAccessKey: "S" } });
    expect(await awsEnvironment(real)).toEqual({ AWS_REGION: "eu-west-1", AWS_ACCESS_KEY_ID: "A", AWS_SECRET_ACCESS_KEY: "S" });
  });

  it("is the container's environment plus AWS_*, nothing inherited", async () => {
    const env = localEnvironment(containerEnvironment("b", "r", "d"), await awsEnvironment(s3WithEndpoint()));
    expect(Object.keys(env).sort()).toEqual(
      [
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
        "AWS_SESSION_TOKEN",
      ].sort(),
    );
  });
});

describe("runLocalBinary", () => {
  it("runs `aegis-bt run` with exactly the given environment and streams its lines", async () => {
    const binary = fakeBinary();
    const lines: [string, string][] = [];
    const env = { AEGIS_RUN_ID: "r", AWS_REGION: "us-east-1" };
    const r = await runLocalBinary({ binary, env, onLine: (l, s) => lines.push([s, l]) });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(lines[0]?.[1] ?? "")).toEqual({ level: "info", argv: ["run"] });
    expect(JSON.parse(lines[1]?.[1] ?? "").env).toEqual(env);
    expect(lines.find(([s]) => s === "stderr")?.[1]).toBe("oops on stderr");
    expect(r.tail).toHaveLength(50);
    expect(r.tail.at(-1)).toBe("oops on stderr");
  });

  it("reports a non-zero exit without throwing", async () => {
    const r = await runLocalBinary({ binary: fakeBinary(), env: { FAKE_EXIT: "3" } });
    expect(r.exitCode).toBe(3);
  });
});

describe("launchLocal", () => {
  const run = prepareRun({ scenarioText: SCENARIO, source: "s.yaml", profile: "synthetic", now: new Date("2026-11-21T13:45:01Z") });

  it("refuses a missing binary before uploading anything", async () => {
    const s3 = s3WithEndpoint();
    const mock = mockClient(s3);
    await expect(launchLocal(s3, run, { binary: "/nonexistent/aegis-bt", bucket: "b" })).rejects.toThrow(
      "no executable aegis-bt at /nonexistent/aegis-bt: build it (with its S3 feature), or pass --binary / set AEGIS_BT_BINARY",
    );
    expect(mock.calls()).toHaveLength(0);
  });

  it("hands the binary its scratch directory as AEGIS_SCRATCH_DIR, and nothing when there is none", async () => {
    const envOf = async (opts: { scratchDir?: string }) => {
      const s3 = s3WithEndpoint();
      mockClient(s3).on(PutObjectCommand).resolves({});
      const lines: string[] = [];
      await launchLocal(s3, run, { binary: fakeBinary(), bucket: "b", extraEnv: { FAKE_EXIT: "1" }, onLine: (l) => lines.push(l), ...opts }).catch(() => undefined);
      return (JSON.parse(lines[1] ?? "{}") as { env: Record<string, string> }).env;
    };
    expect((await envOf({ scratchDir: "/data/aegis-scratch" })).AEGIS_SCRATCH_DIR).toBe("/data/aegis-scratch");
    expect(await envOf({})).not.toHaveProperty("AEGIS_SCRATCH_DIR");
  });

  it("uploads the scenario, runs the binary and fails with its exit code and output tail", async () => {
    const s3 = s3WithEndpoint();
    const mock = mockClient(s3);
    mock.on(PutObjectCommand).resolves({});
    const err = (await launchLocal(s3, run, { binary: fakeBinary(), bucket: "b", extraEnv: { FAKE_EXIT: "2" } }).catch((e: unknown) => e)) as RunFailedError;
    expect(err).toBeInstanceOf(RunFailedError);
    expect(err.message).toMatch(new RegExp(`^run ${run.runId} failed: .*aegis-bt ended with exit code 2$`));
    expect(err.details.exitCode).toBe(2);
    expect(err.details.logTail.at(-1)).toBe("oops on stderr");
    const keys = mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
    // Both prefixes the run writes to are checked (the binary uploads results with these credentials) before the scenario goes up.
    expect(keys).toEqual([
      `configs/${run.runId}/.aegis-write-check`,
      `results/${run.runId}/.aegis-write-check`,
      `configs/${run.runId}/scenario.yaml`,
      `configs/${run.runId}/launch.json`,
      `configs/${run.runId}/launch.json`,
    ]);
    expect(mock.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input.Key)).toEqual([`configs/${run.runId}/.aegis-write-check`, `results/${run.runId}/.aegis-write-check`]);
    const record = JSON.parse(String(mock.commandCalls(PutObjectCommand).at(-1)?.args[0].input.Body)) as { target: string; attempts: { exitCode: number }[] };
    expect(record.target).toBe("local");
    expect(record.attempts[0]?.exitCode).toBe(2);
  });
});
