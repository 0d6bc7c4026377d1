import { RunTaskCommand } from "@aws-sdk/client-ecs";
import { SubmitJobCommand } from "@aws-sdk/client-batch";
import { DeleteObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import type { ConfigValues } from "../src/config.ts";
import { InputError } from "../src/errors.ts";
import type { LaunchRecord } from "../src/s3.ts";
import { launchSweep, planSweep, prepareSweep, sweepDryRun, sweepRecord } from "../src/sweep.ts";
import { clients, CONFIG, fakeClock, memoryS3, SCENARIO, SWEEP_SCENARIO } from "./fixtures.ts";

const VALUES: ConfigValues = { ...CONFIG, jobQueue: "arn:aws:batch:us-east-1:123456789012:job-queue/aegis-bt", jobDefinition: "aegis-bt-sweep:2", source: "test" };
const prepare = (over: Partial<Parameters<typeof prepareSweep>[0]> = {}) => prepareSweep({ scenarioText: SWEEP_SCENARIO, source: "sweep.yaml", shards: 3, ...over });

describe("prepareSweep", () => {
  it("expands the sweep through the engine and splits its points over K shards", async () => {
    const s = await prepare({ profile: "synthetic" });
    expect(s.points).toBe(6);
    expect(s.paths).toEqual(["strategy.exit.profit_target", "strategy.legs[0].delta.target"]);
    expect(s.shards.map((x) => [x.first, x.end])).toEqual([
      [0, 2],
      [2, 4],
      [4, 6],
    ]);
    expect(s).toMatchObject({ lane: "fargate", profile: "synthetic", size: { vcpu: 8, memoryGb: 60, ephemeralGiB: 21 }, dataset: "synthetic-spx-7y", spot: false });
    expect(s.runId).toMatch(/^spx-short-put-45d-sweep-[0-9a-f]{10}$/);
  });

  it("gives the same sweep the same run id, and another K or dataset another", async () => {
    expect((await prepare()).runId).toBe((await prepare()).runId);
    expect((await prepare({ shards: 2 })).runId).not.toBe((await prepare()).runId);
    expect((await prepare({ dataset: "orats-spx-7y" })).runId).not.toBe((await prepare()).runId);
    // The size is not part of it: the same points give the same results on any size.
    expect((await prepare({ profile: "synthetic" })).runId).toBe((await prepare()).runId);
    expect((await prepare({ runId: "my-sweep" })).runId).toBe("my-sweep");
  });

  it("refuses a scenario without sweep:, a K the points cannot fill, and what a lane cannot do", async () => {
    await expect(prepareSweep({ scenarioText: SCENARIO, source: "run.yaml", shards: 2 })).rejects.toThrow(
      "run.yaml: the scenario has no sweep: section, so there is nothing to shard; run it with aegis-launch submit, or add one (docs/scenario.md#sweep)",
    );
    await expect(prepare({ shards: 7 })).rejects.toThrow("--shards 7 is more than the sweep's 6 points");
    await expect(prepare({ shards: 0 })).rejects.toThrow(InputError);
    await expect(prepare({ lane: "batch", spot: true })).rejects.toThrow(/^--spot applies to the Fargate lane/);
    await expect(prepare({ lane: "batch", ephemeralGiB: 30 })).rejects.toThrow(/^--ephemeral cannot be set per job on --lane batch/);
    await expect(prepare({ runId: "../x" })).rejects.toThrow(/is not a run id/);
  });

  it("names the field, line and column of a bad point's scenario", async () => {
    await expect(prepareSweep({ scenarioText: SWEEP_SCENARIO.replace("[0.26, 0.3]", "[0.26, 1.3]"), source: "sweep.yaml", shards: 2 })).rejects.toThrow(/strategy\.legs\[0\]\.delta\.target/);
  });
});

describe("planSweep and --dry-run", () => {
  it("prints one RunTask per unfinished shard, numbering attempts after the recorded ones", async () => {
    const s = await prepare();
    const target = planSweep(s, VALUES);
    const dry = sweepDryRun(s, target, { done: new Set([1]), merged: false, history: [{ shard: 0, attempt: 1, taskArn: "t" }] });
    expect(dry).toMatchObject({ runId: s.runId, points: 6, shards: 3, lane: "fargate", merged: false, done: [1] });
    expect(dry.runTask?.map((r) => r.clientToken)).toEqual([`${s.runId}-s0000-a2`, `${s.runId}-s0002-a1`]);
    expect(dry.runTask?.[1]?.overrides?.containerOverrides?.[0]).toMatchObject({ command: ["sweep"], environment: expect.arrayContaining([{ name: "AEGIS_SHARD", value: "2/3" }]) });
    expect(dry.upload).toEqual({ bucket: CONFIG.bucket, key: `configs/${s.runId}/scenario.yaml`, uri: `s3://${CONFIG.bucket}/configs/${s.runId}/scenario.yaml`, bytes: Buffer.byteLength(SWEEP_SCENARIO) });
  });

  it("prints the SubmitJob on the Batch lane, and nothing to send once merged", async () => {
    const s = await prepare({ lane: "batch" });
    const target = planSweep(s, VALUES);
    expect(sweepDryRun(s, target, { done: new Set(), merged: false }).submitJob).toEqual([
      expect.objectContaining({ jobQueue: VALUES.jobQueue, jobDefinition: "aegis-bt-sweep:2", arrayProperties: { size: 3 } }),
    ]);
    expect(sweepDryRun(s, target, { done: new Set([0, 1, 2]), merged: true }).submitJob).toEqual([]);
    expect(() => planSweep(s, { ...VALUES, jobQueue: undefined, source: "stacks A, B" })).toThrow("stacks A, B lack JobQueueArn (or --job-queue)");
  });
});

describe("launchSweep", () => {
  const fargate = async () => {
    const s = await prepare();
    return { s, target: planSweep(s, VALUES) };
  };

  it("does nothing but say so when the sweep is merged already", async () => {
    const { s, target } = await fargate();
    const { s3, mock } = memoryS3(new Map([[`results/${s.runId}/_SUCCESS`, Buffer.alloc(0)]]));
    const { ecs } = clients();
    const ecsMock = mockClient(ecs);
    const r = await launchSweep({ s3, ecs, clock: fakeClock() }, s, target);
    expect(r.state).toBe("already-merged");
    expect(ecsMock.calls()).toHaveLength(0);
    expect(mock.calls().map((c) => c.args[0].constructor.name)).toEqual(["HeadObjectCommand"]);
  });

  it("without wait, uploads the scenario, starts the unfinished shards and records them", async () => {
    const { s, target } = await fargate();
    const { s3, objects, mock } = memoryS3(new Map([[`results/${s.runId}/shards/0001/_SUCCESS`, Buffer.alloc(0)]]));
    const { ecs } = clients();
    const ecsMock = mockClient(ecs);
    let n = 0;
    ecsMock.on(RunTaskCommand).callsFake(() => ({ tasks: [{ taskArn: `arn:aws:ecs:us-east-1:1:task/c/t${++n}` }], failures: [] }));
    const r = await launchSweep({ s3, ecs, clock: fakeClock() }, s, target);
    expect(r).toMatchObject({ state: "started", skipped: [1] });
    expect(ecsMock.commandCalls(RunTaskCommand).map((c) => c.args[0].input.clientToken)).toEqual([`${s.runId}-s0000-a1`, `${s.runId}-s0002-a1`]);
    expect(objects.get(`configs/${s.runId}/scenario.yaml`)?.toString()).toBe(SWEEP_SCENARIO);
    // Before the first write of the launch: a check object put and deleted under each prefix it writes to.
    const writes = mock.calls().flatMap((c) => {
      const command = c.args[0];
      const key = (command.input as { Key?: string }).Key;
      return command instanceof PutObjectCommand ? [`put ${key}`] : command instanceof DeleteObjectCommand ? [`delete ${key}`] : [];
    });
    expect(writes.slice(0, 5)).toEqual([
      `put configs/${s.runId}/.aegis-write-check`,
      `delete configs/${s.runId}/.aegis-write-check`,
      `put results/${s.runId}/.aegis-write-check`,
      `delete results/${s.runId}/.aegis-write-check`,
      `put configs/${s.runId}/scenario.yaml`,
    ]);
    expect([...objects.keys()].filter((k) => k.endsWith(".aegis-write-check"))).toEqual([]);
    const record = JSON.parse(objects.get(`configs/${s.runId}/launch.json`)?.toString() ?? "{}") as LaunchRecord;
    expect(record).toMatchObject({ runId: s.runId, target: "fargate", cluster: CONFIG.cluster, sweep: { shards: 3, points: 6 } });
    expect(record.attempts.map((a) => [a.shard, a.attempt, a.taskArn])).toEqual([
      [0, 1, "arn:aws:ecs:us-east-1:1:task/c/t1"],
      [2, 1, "arn:aws:ecs:us-east-1:1:task/c/t2"],
    ]);
  });

  it("refuses a run id that holds another scenario or another K, before sending anything", async () => {
    const { s, target } = await fargate();
    const { s3 } = memoryS3(new Map([[`configs/${s.runId}/scenario.yaml`, Buffer.from("name: other\n")]]));
    const { ecs, batch } = clients();
    await expect(launchSweep({ s3, ecs, clock: fakeClock() }, s, target)).rejects.toThrow(`run ${s.runId} was launched with another scenario`);
    const earlier = { ...sweepRecord(await prepare({ shards: 2, runId: s.runId }), "fargate", new Date(), undefined) };
    expect(() => sweepRecord(s, "fargate", new Date(), earlier)).toThrow(`run ${s.runId} is a sweep of 2 shards, not a sweep of 3 shards`);
    const bm = mockClient(batch);
    const b = await prepare({ lane: "batch" });
    const { s3: s3b, objects } = memoryS3(new Map([[`configs/${b.runId}/launch.json`, Buffer.from(JSON.stringify(earlier))]]));
    await expect(launchSweep({ s3: s3b, batch, clock: fakeClock() }, b, planSweep(b, VALUES))).rejects.toThrow("is a sweep of 2 shards");
    expect(bm.commandCalls(SubmitJobCommand)).toHaveLength(0);
    expect([...objects.keys()]).toEqual([`configs/${b.runId}/launch.json`]);
  });
});
