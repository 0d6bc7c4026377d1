import { RunTaskCommand, type RunTaskCommandInput } from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import {
  buildRunTaskRequest,
  checkSnapshotId,
  containerEnvironment,
  formatFailures,
  MAX_OVERRIDES_BYTES,
  overridesBytes,
  RateLimiter,
  runOneTask,
  submitMany,
  tagValue,
  taskDefinitionFor,
} from "../src/runtask.ts";
import { awsError, clients, CONFIG, fakeClock, plan, RUN_ID, TASK_ARN } from "./fixtures.ts";

const BUCKET = CONFIG.bucket;

describe("buildRunTaskRequest", () => {
  it("builds the on-demand request of docs/remote.md", () => {
    expect(buildRunTaskRequest(plan())).toEqual({
      cluster: CONFIG.cluster,
      taskDefinition: CONFIG.s3TaskDefinition,
      count: 1,
      launchType: "FARGATE",
      networkConfiguration: {
        awsvpcConfiguration: { subnets: ["subnet-0a1b2c3d", "subnet-4e5f6a7b"], securityGroups: ["sg-0123abcd"], assignPublicIp: "DISABLED" },
      },
      overrides: {
        cpu: "16384",
        memory: "122880",
        ephemeralStorage: { sizeInGiB: 50 },
        containerOverrides: [
          {
            name: "aegis-bt",
            environment: [
              { name: "AEGIS_RUN_ID", value: RUN_ID },
              { name: "AEGIS_CONFIG_URI", value: `s3://${BUCKET}/configs/${RUN_ID}/scenario.yaml` },
              { name: "AEGIS_RESULTS_URI", value: `s3://${BUCKET}/results/${RUN_ID}/` },
              { name: "AEGIS_DATASET_URI", value: `s3://${BUCKET}/datasets/` },
              { name: "AEGIS_DATASET", value: "synthetic-spx-7y" },
            ],
          },
        ],
      },
      clientToken: `${RUN_ID}-a1`,
      startedBy: "spx-short-put-45d-20261121-418327b0",
      tags: [
        { key: "aegis:run", value: RUN_ID },
        { key: "aegis:scenario", value: "spx-short-put-45d" },
      ],
      propagateTags: "TASK_DEFINITION",
      enableExecuteCommand: false,
    });
  });

  it("uses FARGATE_SPOT through capacityProviderStrategy, never together with launchType", () => {
    const spot = buildRunTaskRequest(plan({ spot: true }));
    expect(spot.capacityProviderStrategy).toEqual([{ capacityProvider: "FARGATE_SPOT", weight: 1 }]);
    expect(spot).not.toHaveProperty("launchType");
    const onDemand = buildRunTaskRequest(plan({ spot: false }));
    expect(onDemand.launchType).toBe("FARGATE");
    expect(onDemand).not.toHaveProperty("capacityProviderStrategy");
    // Otherwise identical.
    const { capacityProviderStrategy: _c, ...restSpot } = spot;
    const { launchType: _l, ...restOnDemand } = onDemand;
    expect(restSpot).toEqual(restOnDemand);
  });

  it("attaches a snapshot as a managed gp3/ext4 EBS volume deleted on termination", () => {
    const r = buildRunTaskRequest(plan({ snapshot: { snapshotId: "snap-0123456789abcdef0" } }));
    expect(r.volumeConfigurations).toEqual([
      {
        name: "dataset",
        managedEBSVolume: {
          snapshotId: "snap-0123456789abcdef0",
          roleArn: CONFIG.ecsInfrastructureRoleArn,
          volumeType: "gp3",
          filesystemType: "ext4",
          terminationPolicy: { deleteOnTermination: true },
        },
      },
    ]);
    const sized = buildRunTaskRequest(plan({ snapshot: { snapshotId: "snap-0123abcd", sizeInGiB: 400 } }));
    expect(sized.volumeConfigurations?.[0]?.managedEBSVolume?.sizeInGiB).toBe(400);
    expect(buildRunTaskRequest(plan())).not.toHaveProperty("volumeConfigurations");
  });

  describe("picks the task definition by the run's data path (docs/remote.md, \"Two task definitions\")", () => {
    const SNAPSHOT = { snapshotId: "snap-0123456789abcdef0" };
    const shard = { index: 1, count: 4 };
    it.each([
      ["an EBS snapshot", { snapshot: SNAPSHOT }, undefined],
      ["an EBS snapshot, on Spot", { snapshot: SNAPSHOT, spot: true }, undefined],
      ["an EBS snapshot, a sweep shard", { snapshot: SNAPSHOT }, shard],
    ])("%s: the task definition with the dataset volume, and its volume configuration", (_, over, s) => {
      const r = buildRunTaskRequest(plan(over), 1, s);
      expect(r.taskDefinition).toBe(CONFIG.taskDefinition);
      expect(r.volumeConfigurations).toEqual([
        {
          name: CONFIG.datasetVolumeName,
          managedEBSVolume: expect.objectContaining({ snapshotId: SNAPSHOT.snapshotId, roleArn: CONFIG.ecsInfrastructureRoleArn }),
        },
      ]);
    });

    // S3 Files mount and S3 sync are one request: the binary chooses between them inside the task.
    it.each([
      ["the S3 Files mount or the S3 sync", {}, undefined],
      ["the S3 Files mount or the S3 sync, on Spot", { spot: true }, undefined],
      ["the S3 Files mount or the S3 sync, a sweep shard", {}, shard],
    ])("%s: the task definition without it, and no volume configuration", (_, over, s) => {
      const r = buildRunTaskRequest(plan(over), 1, s);
      expect(r.taskDefinition).toBe(CONFIG.s3TaskDefinition);
      expect(r.taskDefinition).not.toBe(CONFIG.taskDefinition);
      expect(r).not.toHaveProperty("volumeConfigurations");
    });

    it("keeps the one task definition of a stack deployed before the split for every run", () => {
      const { s3TaskDefinition: _, ...config } = CONFIG;
      const s3 = buildRunTaskRequest(plan({ config }));
      expect(s3.taskDefinition).toBe(CONFIG.taskDefinition);
      expect(s3).not.toHaveProperty("volumeConfigurations");
      const snap = buildRunTaskRequest(plan({ config, snapshot: SNAPSHOT }));
      expect(snap.taskDefinition).toBe(CONFIG.taskDefinition);
      expect(snap.volumeConfigurations).toHaveLength(1);
    });

    it("says which task definition a run needs", () => {
      expect(taskDefinitionFor(CONFIG, true)).toBe(CONFIG.taskDefinition);
      expect(taskDefinitionFor(CONFIG, false)).toBe(CONFIG.s3TaskDefinition);
      expect(taskDefinitionFor({ ...CONFIG, s3TaskDefinition: undefined }, false)).toBe(CONFIG.taskDefinition);
    });
  });

  it("refuses a snapshot without the infrastructure role or the volume name", () => {
    const config = { ...CONFIG, ecsInfrastructureRoleArn: undefined };
    expect(() => buildRunTaskRequest(plan({ config, snapshot: { snapshotId: "snap-0123abcd" } }))).toThrow(
      /--snapshot needs the compute stack's EcsInfrastructureRoleArn and DatasetVolumeName/,
    );
  });

  it("checks the snapshot id's form only", () => {
    expect(checkSnapshotId("snap-0123abcd")).toBe("snap-0123abcd");
    expect(checkSnapshotId("snap-0123456789abcdef0")).toBe("snap-0123456789abcdef0");
    for (const bad of ["snap-0123abc", "snap-0123456789abcdef01", "snap-0123ABCD", "vol-0123abcd", "snap_0123abcd"]) {
      expect(() => checkSnapshotId(bad)).toThrow(/not an EBS snapshot id .*only the form is checked/);
    }
  });

  it("is deterministic, and each attempt has its own clientToken", () => {
    expect(buildRunTaskRequest(plan(), 1)).toEqual(buildRunTaskRequest(plan(), 1));
    const tokens = [1, 2, 3].map((a) => buildRunTaskRequest(plan(), a).clientToken);
    expect(tokens).toEqual([`${RUN_ID}-a1`, `${RUN_ID}-a2`, `${RUN_ID}-a3`]);
    for (const a of [1, 2, 3]) {
      const r = buildRunTaskRequest(plan(), a);
      expect(r.clientToken?.length).toBeLessThanOrEqual(64);
      expect(r.startedBy?.length).toBeLessThanOrEqual(36);
      expect(r.startedBy).toBe(buildRunTaskRequest(plan(), 1).startedBy);
    }
  });

  it("keeps overrides under 8 KiB and refuses when they would not be", () => {
    const r = buildRunTaskRequest(plan({ snapshot: { snapshotId: "snap-0123abcd" } }));
    expect(overridesBytes(r.overrides)).toBeLessThan(1024);
    const huge = plan({ dataset: "d".repeat(MAX_OVERRIDES_BYTES) });
    expect(() => buildRunTaskRequest(huge)).toThrow(/overrides would be \d+ bytes; ECS allows 8192 \(8 KiB\)/);
  });

  it("leaves out an empty security group list (the VPC's default group applies)", () => {
    const r = buildRunTaskRequest(plan({ config: { ...CONFIG, securityGroups: [], assignPublicIp: "ENABLED", propagateTags: "NONE" } }));
    expect(r.networkConfiguration?.awsvpcConfiguration).toEqual({ subnets: CONFIG.subnets, assignPublicIp: "ENABLED" });
    expect(r.propagateTags).toBe("NONE");
  });

  it("makes tag values ECS accepts", () => {
    expect(tagValue("spx short put (45d) #1")).toBe("spx short put _45d_ _1");
    expect(tagValue("x".repeat(300))).toHaveLength(256);
    expect(tagValue("")).toBe("_");
  });

  it("puts S3 URIs in the environment, never the scenario", () => {
    expect(containerEnvironment("b", "r", "d")).toEqual({
      AEGIS_RUN_ID: "r",
      AEGIS_CONFIG_URI: "s3://b/configs/r/scenario.yaml",
      AEGIS_RESULTS_URI: "s3://b/results/r/",
      AEGIS_DATASET_URI: "s3://b/datasets/",
      AEGIS_DATASET: "d",
    });
  });
});

describe("submitMany", () => {
  const request = (i: number): RunTaskCommandInput => buildRunTaskRequest(plan({ runId: `run-${i}` }));

  it("sends every request, keeps the order and reports failures per request", async () => {
    const { ecs } = clients();
    const mock = mockClient(ecs);
    mock.on(RunTaskCommand).callsFake((input: RunTaskCommandInput) =>
      input.clientToken === "run-1-a1"
        ? { tasks: [], failures: [{ arn: "arn:subnet", reason: "RESOURCE:ENI", detail: "no free ENI" }] }
        : { tasks: [{ taskArn: `arn:task/${input.clientToken}` }], failures: [] },
    );
    const res = await submitMany(ecs, [0, 1, 2].map(request), { clock: fakeClock() });
    expect(res.map((r) => r.tasks[0]?.taskArn)).toEqual(["arn:task/run-0-a1", undefined, "arn:task/run-2-a1"]);
    expect(formatFailures(res[1]?.failures ?? [])).toBe("RESOURCE:ENI (arn:subnet: no free ENI)");
    expect(mock.commandCalls(RunTaskCommand)).toHaveLength(3);
  });

  it("backs off on throttling and then succeeds, with the same clientToken", async () => {
    const { ecs } = clients();
    const mock = mockClient(ecs);
    mock
      .on(RunTaskCommand)
      .rejectsOnce(awsError("ThrottlingException", "Rate exceeded"))
      .rejectsOnce(awsError("TooManyRequestsException"))
      .rejectsOnce(awsError("ServiceUnavailable", "slow down", 503, "server"))
      .resolves({ tasks: [{ taskArn: TASK_ARN }], failures: [] });
    const clock = fakeClock();
    const [r] = await submitMany(ecs, [request(0)], { clock, policy: { baseMs: 100, maxMs: 1000 } });
    expect(r?.error).toBeUndefined();
    expect(r?.tasks[0]?.taskArn).toBe(TASK_ARN);
    const calls = mock.commandCalls(RunTaskCommand).map((c) => c.args[0].input.clientToken);
    expect(calls).toEqual(["run-0-a1", "run-0-a1", "run-0-a1", "run-0-a1"]);
    // Equal jitter at random() = 0.5: 75% of 100, 200, 400.
    expect(clock.sleeps).toEqual([75, 150, 300]);
  });

  it("gives up after its attempts with a one-line throttling error, not a crash", async () => {
    const { ecs } = clients();
    mockClient(ecs).on(RunTaskCommand).rejects(awsError("ThrottlingException", "Rate exceeded"));
    const [r] = await submitMany(ecs, [request(0)], { clock: fakeClock(), attempts: 3 });
    expect(r?.error?.code).toBe("ERR_THROTTLED");
    expect(r?.error?.message).toMatch(/AWS kept throttling RunTask on cluster .* \(ThrottlingException\) after retries/);
  });

  it("does not retry a client error", async () => {
    const { ecs } = clients();
    const mock = mockClient(ecs);
    mock.on(RunTaskCommand).rejects(awsError("InvalidParameterException", "No Fargate configuration exists for given values: 16384 CPU, 124928 memory."));
    const [r] = await submitMany(ecs, [request(0)], { clock: fakeClock() });
    expect(mock.commandCalls(RunTaskCommand)).toHaveLength(1);
    expect(r?.error?.message).toMatch(/RunTask on cluster .* failed: InvalidParameterException: No Fargate configuration/);
  });

  it("keeps to 20 calls a second", async () => {
    const { ecs } = clients();
    const clock = fakeClock(0);
    const at: number[] = [];
    mockClient(ecs)
      .on(RunTaskCommand)
      .callsFake(() => {
        at.push(clock.now());
        return { tasks: [{ taskArn: TASK_ARN }], failures: [] };
      });
    const res = await submitMany(ecs, Array.from({ length: 45 }, (_, i) => request(i)), { clock, concurrency: 5 });
    expect(res.every((r) => r.tasks.length === 1)).toBe(true);
    expect(at).toHaveLength(45);
    for (let i = 20; i < at.length; i++) expect((at[i] as number) - (at[i - 20] as number)).toBeGreaterThanOrEqual(1000);
    expect(at.filter((t) => t < 1000)).toHaveLength(20);
  });

  it("refuses more than 10 tasks a call, and launchType with a capacity provider strategy", async () => {
    const { ecs } = clients();
    const mock = mockClient(ecs);
    await expect(submitMany(ecs, [{ ...request(0), count: 11 }])).rejects.toThrow(/1–10 tasks a call; a request asks for 11/);
    await expect(
      submitMany(ecs, [{ ...request(0), capacityProviderStrategy: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }] }]),
    ).rejects.toThrow(/both launchType and capacityProviderStrategy/);
    expect(mock.commandCalls(RunTaskCommand)).toHaveLength(0);
  });

  it("runOneTask reports RunTask failures[] clearly", async () => {
    const { ecs } = clients();
    mockClient(ecs)
      .on(RunTaskCommand)
      .resolves({ tasks: [], failures: [{ arn: CONFIG.cluster, reason: "MISSING" }, { reason: "AGENT", detail: "x" }] });
    await expect(runOneTask(ecs, request(0), { clock: fakeClock() })).rejects.toThrow(
      `RunTask started no task: MISSING (${CONFIG.cluster}); AGENT (x)`,
    );
  });
});

describe("RateLimiter", () => {
  it("waits for the window to free a slot", async () => {
    const clock = fakeClock(0);
    const limiter = new RateLimiter(2, clock);
    await limiter.acquire();
    clock.time = 300;
    await limiter.acquire();
    clock.time = 500;
    await limiter.acquire();
    expect(clock.sleeps).toEqual([500]);
    expect(clock.time).toBe(1000);
  });
});
