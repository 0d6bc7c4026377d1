// A dataset snapshot's cost before it is made, by hand: EBS snapshot storage a month from the
// dataset's size, and the one-off pull (the task on Fargate, the gp3 volume it fills); and
// `aegis-launch cost --snapshot-of` on a local dataset (the bucket's: datasets.test.ts, on moto).
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli.ts";
import { defaultVolumeGiB } from "../src/dataset-snapshot.ts";
import { estimateSnapshotCost, formatSnapshotEstimate, PULL_TASK } from "../src/snapshot-cost.ts";

const GIB = 2 ** 30;

describe("a dataset snapshot's cost, by hand", () => {
  it("10 GiB kept 3 months: 3 × $0.50 of storage and a ~$0.0127 pull", () => {
    const e = estimateSnapshotCost({ dataset: "orats-spx-7y", manifestSource: "m.json", bytes: 10 * GIB, months: 3 });
    // The volume: 10 GiB × 1.2 = 12 GiB, + 1 GiB for the file system = 13 GiB.
    expect(e.volumeGiB).toBe(13);
    expect(e.snapshotGiB).toBe(10);
    // 10 GiB × $0.05 a GB-month.
    expect(e.storage.usdPerMonth).toBeCloseTo(0.5, 12);
    expect(e.storage.usd).toBeCloseTo(1.5, 12);
    // The task: 90 s + 10,737,418,240 B / 100 MB/s = 197.374 s → 198 s billed at 4 × 0.04048 + 8 × 0.004445 = 0.19748 $/h.
    expect(e.pull.taskSeconds).toBeCloseTo(197.3741824, 9);
    expect(e.pull.taskBilledSeconds).toBe(198);
    expect(e.pull.taskUsd).toBeCloseTo((0.19748 * 198) / 3600, 12);
    // The volume lives for the pull and the snapshot's completion: ⌈197.374 + 107.374⌉ = 305 s, at
    // 13 × $0.08 + (500 − 125) × $0.04 = $16.04 a month of 730 h.
    expect(e.pull.volumeSeconds).toBe(305);
    expect(e.pull.volumeUsd).toBeCloseTo((16.04 * 305) / (730 * 3600), 12);
    expect(e.totalUsd).toBeCloseTo(1.5127229677321157, 12);
    // A run's volume restored from it: 13 GiB × $0.08 / 730 h.
    expect(e.runVolumeUsdPerHour).toBeCloseTo(0.0014246575342465753, 12);
    expect(e.prices).toEqual({ region: "us-east-1", dated: "2024-12-01", currency: "USD" });
    expect(PULL_TASK.size).toEqual({ vcpu: 4, memoryGb: 8, ephemeralGiB: 20 });
  });

  it("takes the volume's size, and prints what it assumed", () => {
    const e = estimateSnapshotCost({ dataset: "d", manifestSource: "s3://b/datasets/d/manifest.json", bytes: 874_077_520, volumeGiB: 5 });
    expect(defaultVolumeGiB(874_077_520)).toBe(2);
    expect(e.months).toBe(1);
    const lines = formatSnapshotEstimate(e);
    expect(lines[0]).toBe("dataset     d: 874,077,520 bytes = 0.81 GiB (s3://b/datasets/d/manifest.json)");
    expect(lines[1]).toBe("snapshot    $0.04 a month  (0.81 GiB × $0.05 GB-month, standard tier)");
    expect(lines.join("\n")).toContain("us-east-1, AWS's price list of 2024-12-01");
    expect(lines.at(-1)).toBe("  volume    5 GiB");
  });

  it("refuses a dataset of no bytes, a volume too small for it, and months that are not positive", () => {
    const base = { dataset: "d", manifestSource: "m.json" };
    expect(() => estimateSnapshotCost({ ...base, bytes: 0 })).toThrow("m.json: the dataset d names no bytes to snapshot (0)");
    expect(() => estimateSnapshotCost({ ...base, bytes: 10 * GIB, volumeGiB: 9 })).toThrow("--size 9 GiB cannot hold dataset d: its files are 10.00 GiB (the default, 13 GiB, adds headroom for the file system)");
    expect(() => estimateSnapshotCost({ ...base, bytes: GIB, months: 0 })).toThrow("--months must be a number > 0, got 0");
    expect(() => estimateSnapshotCost({ ...base, bytes: GIB, volumeGiB: 2.5 })).toThrow("--size 2.5: a volume size is a whole number of GiB, at least 1");
  });
});

describe("aegis-launch cost --snapshot-of a local dataset", () => {
  const mocks = [mockClient(S3Client), mockClient(CloudFormationClient)];
  const root = mkdtempSync(join(tmpdir(), "aegis-snapshot-cost-"));
  const dir = join(root, "spx");
  mkdirSync(dir);
  const entry = (path: string, year: number, bytes: number) => ({ path, ticker: "SPX", year, firstTradeDate: `${year}-01-03`, lastTradeDate: `${year}-12-29`, rows: 10, bytes, sha256: "a".repeat(64) });
  writeFileSync(
    join(dir, "manifest.json"),
    JSON.stringify({ schemaVersion: 1, name: "spx", createdBy: "test", source: { kind: "synthetic" }, tickers: ["SPX"], partitions: [entry("SPX/2022.arrow", 2022, 6 * GIB), entry("SPX/2023.arrow", 2023, 4 * GIB)] }),
  );
  const cli = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(["node", "aegis-launch", ...args], { out: (l) => out.push(l), err: (l) => err.push(l), env: {} });
    return { code, out, err };
  };

  it("reads the manifest from a directory or under --data, with no AWS call", async () => {
    const r = await cli("cost", "--snapshot-of", dir, "--months", "3", "--json");
    expect(r.code, r.err.join("\n")).toBe(0);
    const doc = JSON.parse(r.out.join("\n"));
    expect(doc).toMatchObject({ kind: "snapshot", dataset: "spx", manifestSource: join(dir, "manifest.json"), bytes: 10 * GIB, volumeGiB: 13, months: 3 });
    expect(doc.totalUsd).toBeCloseTo(1.5127229677321157, 12);
    const text = await cli("cost", "--snapshot-of", "spx", "--data", root, "--size", "20");
    expect(text.out[0]).toBe(`dataset     spx: 10,737,418,240 bytes = 10.00 GiB (${join(dir, "manifest.json")})`);
    expect(text.out).toContain("total       $0.51 for the pull and 1 month of storage");
    expect(mocks.every((m) => m.calls().length === 0)).toBe(true);
  });

  it("refuses flags of the other modes, both modes at once, and a dataset not there", async () => {
    const cases: [string[], string][] = [
      [["cost", "--snapshot-of", dir, "--spot"], "aegis-launch: error: --spot does not apply to --snapshot-of (the pull task has the compute stack's size; --size is the volume's GiB)"],
      [["cost", "--snapshot-of", dir, "--shards", "2", "--cpu", "4"], "aegis-launch: error: --shards, --cpu do not apply to --snapshot-of (the pull task has the compute stack's size; --size is the volume's GiB)"],
      [["cost", "s.yaml", "--snapshot-of", dir], "aegis-launch: error: give a scenario or --snapshot-of <dataset>, not both"],
      [["cost", "--snapshot-of", "other", "--data", root], `aegis-launch: error: ${root}: no dataset other there (neither ${join(root, "other", "manifest.json")} nor ${join(root, "manifest.json")})`],
      [["cost", "--snapshot-of", dir, "--size", "9"], "aegis-launch: error: --size 9 GiB cannot hold dataset spx: its files are 10.00 GiB (the default, 13 GiB, adds headroom for the file system)"],
      [["cost", "--snapshot-of", dir, "--months", "0"], "error: option '--months <n>' argument '0' is invalid. expected a positive number"],
      [["cost", "--snapshot-of", "a/b"], 'aegis-launch: error: "a/b" is not a dataset name'],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.err[0], args.join(" ")).toBe(message);
    }
    expect(mocks.every((m) => m.calls().length === 0)).toBe(true);
  });
});
