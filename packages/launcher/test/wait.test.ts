import { mkdtempSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetLogEventsCommand, type GetLogEventsCommandInput } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeTasksCommand, RunTaskCommand, type RunTaskCommandInput, type Task } from "@aws-sdk/client-ecs";
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type PutObjectCommandInput } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { RunFailedError } from "../src/errors.ts";
import { launch, type PreparedRun } from "../src/submit.ts";
import { classifyStop, runToCompletion, type RunEvent } from "../src/wait.ts";
import { awsError, clients, CONFIG, fakeClock, plan, RUN_ID, SCENARIO, task } from "./fixtures.ts";

const arn = (n: number) => `arn:aws:ecs:us-east-1:123456789012:task/aegis-bt/task${n}`;

/**
 * Mocked AWS for one run: each RunTask starts task<n>; `lifecycles[n-1]` is what DescribeTasks says
 * about it, poll by poll (the last entry repeats). `_SUCCESS` exists when `success`.
 */
function harness(lifecycles: Task[][], opts: { success?: boolean; logs?: Record<string, string[]> } = {}) {
  const c = clients();
  const ecs = mockClient(c.ecs);
  const s3 = mockClient(c.s3);
  const logs = mockClient(c.logs);
  let started = 0;
  const polls = new Map<string, number>();
  ecs.on(RunTaskCommand).callsFake(() => {
    started++;
    return { tasks: [{ taskArn: arn(started), lastStatus: "PROVISIONING" }], failures: [] };
  });
  ecs.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => {
    const id = input.tasks[0] as string;
    const n = Number(id.slice(id.lastIndexOf("task") + 4));
    const seq = lifecycles[n - 1] ?? [];
    const i = polls.get(id) ?? 0;
    polls.set(id, i + 1);
    const t = seq[Math.min(i, seq.length - 1)] as Task;
    return { tasks: [{ ...t, taskArn: id }], failures: [] };
  });
  if (opts.success) s3.on(HeadObjectCommand, { Key: `results/${RUN_ID}/_SUCCESS` }).resolves({});
  else s3.on(HeadObjectCommand).rejects(awsError("NotFound", "NotFound", 404));
  s3.on(PutObjectCommand).resolves({});
  const streams = opts.logs ?? {};
  logs.on(GetLogEventsCommand).callsFake((input: GetLogEventsCommandInput) => {
    const lines = streams[input.logStreamName as string];
    if (!lines) throw awsError("ResourceNotFoundException", "The specified log stream does not exist.");
    const events = lines.map((message, i) => ({ timestamp: i, message: `${message}\n` }));
    if (!input.startFromHead) return { events: events.slice(-(input.limit ?? 10000)), nextForwardToken: "f/end", nextBackwardToken: "b/0" };
    if (input.nextToken === "f/end") return { events: [], nextForwardToken: "f/end" };
    return { events, nextForwardToken: "f/end" };
  });
  return { c, ecs, s3, logs };
}

const at = (s: string) => new Date(`2026-11-21T${s}Z`);
const running = task({ lastStatus: "RUNNING", startedAt: at("13:46:00") });
const stopped = (over: Partial<Task>, exitCode?: number) =>
  task({ lastStatus: "STOPPED", pullStartedAt: at("13:45:30"), startedAt: at("13:46:00"), stoppedAt: at("13:56:00"), ...over }, exitCode);
const exited0 = stopped({ stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited" }, 0);
const spot = stopped({ stopCode: "SpotInterruption", stoppedReason: "Your Spot Task was interrupted." });
const failedToStart = stopped({ stopCode: "TaskFailedToStart", stoppedReason: "CannotPullContainerError: pull image manifest has been retried 5 time(s)" });

function collect() {
  const events: RunEvent[] = [];
  const lines: string[] = [];
  const records: unknown[] = [];
  return {
    events,
    lines,
    records,
    opts: {
      onEvent: (e: RunEvent) => events.push(e),
      onLog: (l: string) => lines.push(l),
      onAttempts: async (a: unknown[]) => {
        records.push(a);
      },
    },
  };
}

const stream = (n: number) => `aegis/aegis-bt/task${n}`;

describe("runToCompletion", () => {
  it("waits through the task's states, streams its log, and succeeds with _SUCCESS", async () => {
    const h = harness([[task({ lastStatus: "PROVISIONING" }), task({ lastStatus: "PENDING" }), running, running, exited0]], {
      success: true,
      logs: { [stream(1)]: ['{"level":"info","msg":"resolved data root","path":"s3-sync"}', '{"level":"info","msg":"done"}'] },
    });
    const clock = fakeClock();
    const k = collect();
    const out = await runToCompletion({ ecs: h.c.ecs, s3: h.c.s3, logs: h.c.logs, clock }, { plan: plan(), ...k.opts });
    expect(out.task.lastStatus).toBe("STOPPED");
    expect(out.attempts).toHaveLength(1);
    expect(out.attempts[0]).toMatchObject({ attempt: 1, clientToken: `${RUN_ID}-a1`, taskArn: arn(1), exitCode: 0, stoppedAt: "2026-11-21T13:56:00.000Z" });
    expect(k.events.filter((e) => e.type === "status").map((e) => (e as { status: string }).status)).toEqual(["PROVISIONING", "PENDING", "RUNNING", "STOPPED"]);
    expect(k.lines).toEqual(['{"level":"info","msg":"resolved data root","path":"s3-sync"}', '{"level":"info","msg":"done"}']);
    // Polls back off exponentially (equal jitter at random() = 0.5), capped.
    expect(clock.sleeps).toEqual([1500, 3000, 6000, 12000]);
    expect(h.ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
    expect(h.s3.commandCalls(HeadObjectCommand)[0]?.args[0].input).toMatchObject({ Bucket: CONFIG.bucket, Key: `results/${RUN_ID}/_SUCCESS` });
  });

  it("caps the poll interval", async () => {
    const h = harness([[...Array.from({ length: 12 }, () => running), exited0]], { success: true });
    const clock = fakeClock();
    await runToCompletion({ ecs: h.c.ecs, s3: h.c.s3, clock }, { plan: plan(), poll: { baseMs: 1000, maxMs: 8000 } });
    expect(Math.max(...clock.sleeps)).toBeLessThanOrEqual(8000);
    expect(clock.sleeps.slice(-3)).toEqual([6000, 6000, 6000]);
  });

  it("retries a Spot interruption with a new clientToken and succeeds", async () => {
    const h = harness([[running, spot], [running, exited0]], { success: true });
    const k = collect();
    const out = await runToCompletion({ ecs: h.c.ecs, s3: h.c.s3, clock: fakeClock() }, { plan: plan({ spot: true }), ...k.opts });
    const calls = h.ecs.commandCalls(RunTaskCommand).map((c) => c.args[0].input as RunTaskCommandInput);
    expect(calls.map((c) => c.clientToken)).toEqual([`${RUN_ID}-a1`, `${RUN_ID}-a2`]);
    expect(calls.every((c) => c.capacityProviderStrategy?.[0]?.capacityProvider === "FARGATE_SPOT" && c.launchType === undefined)).toBe(true);
    expect(calls[0]?.startedBy).toBe(calls[1]?.startedBy);
    expect(out.task.taskArn).toBe(arn(2));
    expect(out.attempts.map((a) => [a.attempt, a.stopCode])).toEqual([
      [1, "SpotInterruption"],
      [2, "EssentialContainerExited"],
    ]);
    expect(k.events.find((e) => e.type === "retrying")).toMatchObject({ attempt: 1, reason: "Spot interruption: Your Spot Task was interrupted." });
    // The launch record was kept current after every change.
    expect(k.records.at(-1)).toEqual(out.attempts);
  });

  it("treats a stop reason that mentions Spot as an interruption", () => {
    expect(classifyStop(stopped({ stoppedReason: "Spot capacity reclaimed" }), "aegis-bt")).toMatchObject({ kind: "retry" });
  });

  it("gives up on TaskFailedToStart after the bound, with the reason", async () => {
    const h = harness([[failedToStart], [failedToStart], [failedToStart]], { logs: {} });
    const clock = fakeClock();
    const err = await runToCompletion({ ecs: h.c.ecs, s3: h.c.s3, logs: h.c.logs, clock }, { plan: plan() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunFailedError);
    expect((err as RunFailedError).message).toBe(
      `run ${RUN_ID} failed: gave up after 3 attempts: TaskFailedToStart: CannotPullContainerError: pull image manifest has been retried 5 time(s)`,
    );
    expect((err as RunFailedError).details).toMatchObject({ stopCode: "TaskFailedToStart", attempts: 3, logTail: [] });
    expect(h.ecs.commandCalls(RunTaskCommand).map((c) => c.args[0].input.clientToken)).toEqual([1, 2, 3].map((a) => `${RUN_ID}-a${a}`));
    // Between attempts: 10 s then 20 s (equal jitter at 0.5: 7.5 s, 15 s).
    expect(clock.sleeps.filter((ms) => ms >= 7500)).toEqual([7500, 15000]);
  });

  it("fails a non-zero exit with the exit code and the last 50 log lines", async () => {
    const lines = Array.from({ length: 80 }, (_, i) => `{"level":"info","line":${i}}`);
    const h = harness([[running, stopped({ stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited" }, 2)]], {
      logs: { [stream(1)]: [...lines, '{"level":"error","msg":"dataset synthetic-spx-7y: manifest sha256 mismatch"}'] },
    });
    const err = (await runToCompletion({ ecs: h.c.ecs, s3: h.c.s3, logs: h.c.logs, clock: fakeClock() }, { plan: plan() }).catch(
      (e: unknown) => e,
    )) as RunFailedError;
    expect(err).toBeInstanceOf(RunFailedError);
    expect(err.message).toBe(`run ${RUN_ID} failed: exit code 2, EssentialContainerExited, Essential container in task exited`);
    expect(err.details.exitCode).toBe(2);
    expect(err.details.logTail).toHaveLength(50);
    expect(err.details.logTail.at(-1)).toBe('{"level":"error","msg":"dataset synthetic-spx-7y: manifest sha256 mismatch"}');
    const tailCall = h.logs.commandCalls(GetLogEventsCommand).find((c) => c.args[0].input.startFromHead === false);
    expect(tailCall?.args[0].input).toMatchObject({ logGroupName: "/aegis-bt/runs", logStreamName: stream(1), limit: 50 });
    // Not retried: a failing container fails the same way again.
    expect(h.ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
  });

  it("reports an out-of-memory kill", () => {
    const t = stopped({ stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited" }, 137);
    t.containers = [{ name: "aegis-bt", exitCode: 137, reason: "OutOfMemoryError: Container killed due to memory usage" }];
    expect(classifyStop(t, "aegis-bt")).toEqual({
      kind: "failed",
      exitCode: 137,
      stopCode: "EssentialContainerExited",
      reason: "exit code 137, EssentialContainerExited, Essential container in task exited; OutOfMemoryError: Container killed due to memory usage",
    });
  });

  it("backs off throttled RunTask and DescribeTasks calls and carries on", async () => {
    const h = harness([[running, exited0]], { success: true });
    h.ecs
      .on(RunTaskCommand)
      .rejectsOnce(awsError("ThrottlingException", "Rate exceeded"))
      .resolves({ tasks: [{ taskArn: arn(1) }], failures: [] });
    let describes = 0;
    h.ecs.on(DescribeTasksCommand).callsFake(() => {
      describes++;
      if (describes <= 2) throw awsError("ThrottlingException", "Rate exceeded");
      if (describes === 3) throw awsError("TooManyRequestsException", "slow down", 429);
      return { tasks: [describes === 4 ? running : exited0].map((t) => ({ ...t, taskArn: arn(1) })), failures: [] };
    });
    const clock = fakeClock();
    const out = await runToCompletion({ ecs: h.c.ecs, s3: h.c.s3, clock }, { plan: plan() });
    expect(out.task.lastStatus).toBe("STOPPED");
    expect(h.ecs.commandCalls(RunTaskCommand).map((c) => c.args[0].input.clientToken)).toEqual([`${RUN_ID}-a1`, `${RUN_ID}-a1`]);
    expect(describes).toBe(5);
    // RunTask: 250 ms base; DescribeTasks: 1 s, 2 s, 4 s base; one poll wait of 2 s base.
    expect(clock.sleeps).toEqual([188, 750, 1500, 3000, 1500]);
  });

  it("tolerates a task DescribeTasks does not know yet, but not forever", async () => {
    const h = harness([[running, exited0]], { success: true });
    let n = 0;
    h.ecs.on(DescribeTasksCommand).callsFake(() => {
      n++;
      return n <= 2 ? { tasks: [], failures: [{ arn: arn(1), reason: "MISSING" }] } : { tasks: [{ ...exited0, taskArn: arn(1) }], failures: [] };
    });
    await expect(runToCompletion({ ecs: h.c.ecs, s3: h.c.s3, clock: fakeClock() }, { plan: plan() })).resolves.toBeDefined();
    h.ecs.on(DescribeTasksCommand).resolves({ tasks: [], failures: [{ arn: arn(1), reason: "MISSING" }] });
    await expect(runToCompletion({ ecs: h.c.ecs, s3: h.c.s3, clock: fakeClock() }, { plan: plan() })).rejects.toThrow(/is not known to ECS/);
  });

  it("never treats an exit 0 without _SUCCESS as a finished run, and does not fetch it", async () => {
    const h = harness([[running, exited0]], { success: false, logs: { [stream(1)]: ["last words"] } });
    const out = mkdtempSync(join(tmpdir(), "aegis-launch-nofetch-"));
    const dest = join(out, "results");
    const run: PreparedRun = {
      runId: RUN_ID,
      scenarioText: SCENARIO,
      beside: [],
      scenario: { name: "spx-short-put-45d", dataset: "synthetic-spx-7y", tickers: ["SPX"], start: "2017-01-03", end: "2023-12-29" },
      profile: "orats-7y",
      size: plan().size,
      spot: false,
      dataset: "synthetic-spx-7y",
    };
    const err = (await launch({ ecs: h.c.ecs, s3: h.c.s3, logs: h.c.logs, clock: fakeClock() }, run, plan(), { wait: true, fetchTo: dest }).catch(
      (e: unknown) => e,
    )) as RunFailedError;
    expect(err).toBeInstanceOf(RunFailedError);
    expect(err.message).toBe(
      `run ${RUN_ID}: the task exited 0 but s3://${CONFIG.bucket}/results/${RUN_ID}/_SUCCESS is missing: the run is not complete and was not fetched`,
    );
    expect(err.details.logTail).toEqual(["last words"]);
    expect(h.s3.commandCalls(ListObjectsV2Command)).toHaveLength(0);
    expect(h.s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(existsSync(dest)).toBe(false);
    // The write check came first (put and deleted), then the scenario, and the launch record followed the attempt.
    const writes = h.s3.calls().flatMap((c) => {
      const command = c.args[0];
      const key = (command.input as { Key?: string }).Key;
      return command instanceof PutObjectCommand ? [`put ${key}`] : command instanceof DeleteObjectCommand ? [`delete ${key}`] : [];
    });
    expect(writes.slice(0, 3)).toEqual([`put configs/${RUN_ID}/.aegis-write-check`, `delete configs/${RUN_ID}/.aegis-write-check`, `put configs/${RUN_ID}/scenario.yaml`]);
    const puts = h.s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input as PutObjectCommandInput);
    expect(puts[1]).toMatchObject({ Key: `configs/${RUN_ID}/scenario.yaml`, Body: SCENARIO });
    const record = JSON.parse(String(puts.at(-1)?.Body)) as { attempts: { exitCode?: number }[]; target: string };
    expect(puts.at(-1)?.Key).toBe(`configs/${RUN_ID}/launch.json`);
    expect(record.target).toBe("fargate");
    expect(record.attempts[0]?.exitCode).toBe(0);
  });

  it("lets _SUCCESS decide when the task reports no exit code", async () => {
    const noCode = stopped({ stopCode: "UserInitiated", stoppedReason: "stopped by the executor" });
    const ok = harness([[running, noCode]], { success: true, logs: {} });
    await expect(runToCompletion({ ecs: ok.c.ecs, s3: ok.c.s3, clock: fakeClock() }, { plan: plan() })).resolves.toMatchObject({ runId: RUN_ID });
    const missing = harness([[running, noCode]], { success: false, logs: {} });
    const err = (await runToCompletion({ ecs: missing.c.ecs, s3: missing.c.s3, clock: fakeClock() }, { plan: plan() }).catch((e: unknown) => e)) as RunFailedError;
    expect(err).toBeInstanceOf(RunFailedError);
    expect(err.message).toBe(
      `run ${RUN_ID}: the task stopped (no exit code, UserInitiated, stopped by the executor) but s3://${CONFIG.bucket}/results/${RUN_ID}/_SUCCESS is missing: the run is not complete and was not fetched`,
    );
  });

  it("reports RunTask failures[] and records them", async () => {
    const h = harness([]);
    h.ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [{ arn: CONFIG.cluster, reason: "Capacity is unavailable at this time" }] });
    const k = collect();
    await expect(runToCompletion({ ecs: h.c.ecs, s3: h.c.s3, clock: fakeClock() }, { plan: plan(), ...k.opts })).rejects.toThrow(
      `RunTask started no task: Capacity is unavailable at this time (${CONFIG.cluster})`,
    );
    expect(k.records.at(-1)).toEqual([{ attempt: 1, clientToken: `${RUN_ID}-a1`, failures: [{ arn: CONFIG.cluster, reason: "Capacity is unavailable at this time" }] }]);
  });

  it("launch without --wait records RunTask failures in the launch record too", async () => {
    const h = harness([]);
    h.ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: "RESOURCE:ENI" }] });
    const run: PreparedRun = {
      runId: RUN_ID,
      scenarioText: SCENARIO,
      beside: [],
      scenario: { name: "spx-short-put-45d", dataset: "synthetic-spx-7y", tickers: ["SPX"], start: "2017-01-03", end: "2023-12-29" },
      profile: "orats-7y",
      size: plan().size,
      spot: false,
      dataset: "synthetic-spx-7y",
    };
    await expect(launch({ ecs: h.c.ecs, s3: h.c.s3, clock: fakeClock() }, run, plan())).rejects.toThrow("RunTask started no task: RESOURCE:ENI");
    const last = h.s3.commandCalls(PutObjectCommand).at(-1)?.args[0].input as PutObjectCommandInput;
    expect(last.Key).toBe(`configs/${RUN_ID}/launch.json`);
    expect(JSON.parse(String(last.Body)).attempts).toEqual([{ attempt: 1, clientToken: `${RUN_ID}-a1`, failures: [{ reason: "RESOURCE:ENI" }] }]);
  });

  it("stops waiting when aborted", async () => {
    const h = harness([[running]]);
    const controller = new AbortController();
    const clock = fakeClock();
    const sleep = clock.sleep;
    clock.sleep = async (ms: number) => {
      await sleep(ms);
      if (clock.sleeps.length === 3) controller.abort();
    };
    await expect(runToCompletion({ ecs: h.c.ecs, s3: h.c.s3, clock }, { plan: plan(), signal: controller.signal })).rejects.toThrow(/abort/i);
  });
});

describe("classifyStop", () => {
  it.each([
    [exited0, { kind: "exited" }],
    [spot, { kind: "retry", stopCode: "SpotInterruption", reason: "Spot interruption: Your Spot Task was interrupted." }],
    [failedToStart, { kind: "retry", stopCode: "TaskFailedToStart" }],
    [stopped({ stopCode: "UserInitiated", stoppedReason: "Task stopped by user" }), { kind: "exited", unknownExit: true, reason: "no exit code, UserInitiated, Task stopped by user" }],
    [stopped({}, 1), { kind: "failed", exitCode: 1, reason: "exit code 1" }],
  ])("%#", (t, expected) => {
    expect(classifyStop(t, "aegis-bt")).toMatchObject(expected);
  });
});
