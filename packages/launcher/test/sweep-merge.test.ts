// The merge into results/<run>/ over what an earlier merge left there: real shards from the
// engine, an in-memory bucket. An old _SUCCESS must go before the first merged byte goes up, an
// old file this merge does not make must go too, and the new _SUCCESS must come strictly last, so a
// merge that stops half-way never leaves a _SUCCESS over a mix of two merges.
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { generateDataset } from "@aegis-bt/data-tools";
import { runSweep } from "@aegis-bt/engine";
import { mockClient } from "aws-sdk-client-mock";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { mergeShardsInS3 } from "../src/sweep-merge.ts";
import { launchSweep, planSweep, prepareSweep } from "../src/sweep.ts";
import { awsError, clients, CONFIG, fakeClock, memoryS3 } from "./fixtures.ts";

/** The shard directories each merge was given: where the merge worked. */
const mergedFrom = vi.hoisted(() => [] as string[][]);
vi.mock("@aegis-bt/engine", async (original) => {
  const engine = await original<typeof import("@aegis-bt/engine")>();
  return {
    ...engine,
    mergeSweepShards: (dirs: string[], options?: Parameters<typeof engine.mergeSweepShards>[1]) => {
      mergedFrom.push([...dirs]);
      return engine.mergeSweepShards(dirs, options);
    },
  };
});

const DATASET = "merge-spx";
/** A sweep without `cscv:`, so its merge makes no cscv.json. */
const SCENARIO = `name: merge-put-sweep
data: { dataset: ${DATASET}, tickers: [SPX], start: 2023-07-03, end: 2023-12-29 }
capital: 1000000
strategy:
  legs:
    - { right: put, side: short, qty: 1, dte: { target: 30, min: 20, max: 45 }, delta: { target: 0.25, min: 0.15, max: 0.35 } }
  entry: { every_trading_days: 5, max_open: 3 }
  exit: { profit_target: 0.5, stop_loss: 2.0, dte_exit: 10 }
sweep:
  grid: { "strategy.exit.profit_target": [0.25, 0.5, 0.75] }
`;
const RUN = "merge-sweep";
const BUCKET = "aegis-bt-data";
const PREFIX = `results/${RUN}/`;

const work = mkdtempSync(join(tmpdir(), "aegis-merge-test-"));
/** The shard objects as the containers leave them, and the unsharded sweep's bytes. */
const shards = new Map<string, Buffer>();
let whole: { sweepArrow: Buffer; returnsArrow: Buffer; statsJson: string };

beforeAll(async () => {
  const data = join(work, "data");
  await generateDataset({ profile: "spx-like", tickers: ["SPX"], start: "2023-06-01", end: "2023-12-29", seed: 11, out: join(data, DATASET), name: DATASET });
  for (const index of [0, 1]) {
    const r = await runSweep(SCENARIO, { data, shard: { index, count: 2 }, source: "merge.yaml" });
    const dir = `${PREFIX}shards/000${index}/`;
    shards.set(`${dir}sweep.arrow`, Buffer.from(r.files.sweepArrow));
    shards.set(`${dir}returns.arrow`, Buffer.from(r.files.returnsArrow));
    shards.set(`${dir}entries.arrow`, Buffer.from(r.files.entriesArrow));
    shards.set(`${dir}benchmark.arrow`, Buffer.from(r.files.benchmarkArrow));
    shards.set(`${dir}sweep.json`, Buffer.from(r.files.sweepJson));
    shards.set(`${dir}_SUCCESS`, Buffer.alloc(0));
  }
  const r = await runSweep(SCENARIO, { data, source: "merge.yaml" });
  expect(r.cscv).toBeNull();
  whole = { sweepArrow: Buffer.from(r.files.sweepArrow), returnsArrow: Buffer.from(r.files.returnsArrow), statsJson: r.files.statsJson ?? "" };
}, 120_000);

/** A bucket holding the shards and an earlier merge: its files, its cscv.json and its _SUCCESS. */
function bucketAfterAnEarlierMerge() {
  const objects = new Map(shards);
  objects.set(`${PREFIX}sweep.arrow`, Buffer.from("the earlier merge's sweep.arrow"));
  objects.set(`${PREFIX}returns.arrow`, Buffer.from("the earlier merge's returns.arrow"));
  objects.set(`${PREFIX}sweep.json`, Buffer.from("{}"));
  objects.set(`${PREFIX}cscv.json`, Buffer.from('{"pbo":0.5}'));
  objects.set(`${PREFIX}_SUCCESS`, Buffer.alloc(0));
  return memoryS3(objects);
}

/** The writes into results/<run>/ itself (not its shards), in order. */
function mergeWrites(mock: ReturnType<typeof memoryS3>["mock"]): string[] {
  return mock.calls().flatMap((c) => {
    const command = c.args[0];
    const key = (command.input as { Key?: string }).Key ?? "";
    if (!key.startsWith(PREFIX) || key.startsWith(`${PREFIX}shards/`)) return [];
    const name = key.slice(PREFIX.length);
    return command instanceof PutObjectCommand ? [`put ${name}`] : command instanceof DeleteObjectCommand ? [`delete ${name}`] : [];
  });
}

describe("mergeShardsInS3 over an earlier merge", () => {
  it("removes the old _SUCCESS first and the old cscv.json, and writes _SUCCESS last", async () => {
    const { s3, mock, objects } = bucketAfterAnEarlierMerge();
    const r = await mergeShardsInS3(s3, BUCKET, RUN, 2, { workDir: work });
    expect(r.files).toEqual(["sweep.arrow", "returns.arrow", "entries.arrow", "benchmark.arrow", "sweep.json", "stats.json", "_SUCCESS"]);
    expect(mergeWrites(mock)).toEqual([
      "delete _SUCCESS",
      "put sweep.arrow",
      "put returns.arrow",
      "put entries.arrow",
      "put benchmark.arrow",
      "put sweep.json",
      "put stats.json",
      "delete cscv.json",
      "delete walk_forward.json",
      "delete walk_forward.arrow",
      "put _SUCCESS",
    ]);
    expect(objects.get(`${PREFIX}stats.json`)?.toString()).toBe(whole.statsJson);
    expect(objects.get(`${PREFIX}sweep.arrow`)?.equals(whole.sweepArrow)).toBe(true);
    expect(objects.get(`${PREFIX}returns.arrow`)?.equals(whole.returnsArrow)).toBe(true);
    expect(objects.has(`${PREFIX}cscv.json`)).toBe(false);
    expect(objects.get(`${PREFIX}_SUCCESS`)).toEqual(Buffer.alloc(0));
  });

  it("a merge that fails half-way leaves no _SUCCESS over the mix", async () => {
    const { s3, mock, objects } = bucketAfterAnEarlierMerge();
    mock.on(PutObjectCommand, { Key: `${PREFIX}returns.arrow` }).rejects(awsError("InternalError", "We encountered an internal error. Please try again.", 500, "server"));
    await expect(mergeShardsInS3(s3, BUCKET, RUN, 2, { workDir: work })).rejects.toThrow(`uploading s3://${BUCKET}/${PREFIX}returns.arrow failed: InternalError`);
    expect(mergeWrites(mock)).toEqual(["delete _SUCCESS", "put sweep.arrow", "put returns.arrow"]);
    // The new sweep.arrow next to the old returns.arrow: without a _SUCCESS, nobody takes it for a sweep.
    expect(objects.get(`${PREFIX}sweep.arrow`)?.equals(whole.sweepArrow)).toBe(true);
    expect(objects.get(`${PREFIX}returns.arrow`)?.toString()).toBe("the earlier merge's returns.arrow");
    expect(objects.has(`${PREFIX}_SUCCESS`)).toBe(false);
  });

  it("shards that do not merge leave the earlier merge as it was, _SUCCESS included", async () => {
    const { s3, mock, objects } = bucketAfterAnEarlierMerge();
    // Shard 1 claims to be shard 0: the engine refuses to merge them.
    objects.set(`${PREFIX}shards/0001/sweep.json`, shards.get(`${PREFIX}shards/0000/sweep.json`) as Buffer);
    objects.set(`${PREFIX}shards/0001/sweep.arrow`, shards.get(`${PREFIX}shards/0000/sweep.arrow`) as Buffer);
    const err = await mergeShardsInS3(s3, BUCKET, RUN, 2, { workDir: work }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "ERR_SHARD", message: expect.stringMatching(/shards\/0001: /) });
    expect(mergeWrites(mock)).toEqual([]);
    expect(objects.has(`${PREFIX}_SUCCESS`)).toBe(true);
    expect(objects.get(`${PREFIX}sweep.arrow`)?.toString()).toBe("the earlier merge's sweep.arrow");
  });
});

describe("where the merge works", () => {
  it("in the scratch directory a launch is given, made if missing and left empty", async () => {
    const sweep = await prepareSweep({ scenarioText: SCENARIO, source: "merge.yaml", shards: 2, runId: RUN });
    const { s3, objects } = memoryS3(new Map(shards));
    const { ecs } = clients();
    const ecsMock = mockClient(ecs);
    const scratch = join(work, "scratch", "for-merges");
    mergedFrom.length = 0;
    const r = await launchSweep({ s3, ecs, clock: fakeClock() }, sweep, planSweep(sweep, { ...CONFIG, source: "test" }), { wait: true, scratchDir: scratch });
    expect(r.state).toBe("merged");
    expect(ecsMock.calls()).toHaveLength(0);
    expect(mergedFrom).toHaveLength(1);
    expect(mergedFrom[0]?.every((d) => d.startsWith(`${scratch}/aegis-merge-`))).toBe(true);
    expect(existsSync(scratch)).toBe(true);
    expect(readdirSync(scratch)).toEqual([]);
    expect(objects.get(`${PREFIX}sweep.arrow`)?.equals(whole.sweepArrow)).toBe(true);
  });

  it("in the system's temporary directory without one", async () => {
    mergedFrom.length = 0;
    const { s3 } = memoryS3(new Map(shards));
    await mergeShardsInS3(s3, BUCKET, RUN, 2);
    expect(mergedFrom[0]?.every((d) => d.startsWith(join(tmpdir(), "aegis-merge-")))).toBe(true);
  });
});
