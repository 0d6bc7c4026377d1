// Running a sweep's shards to the end on a lane: start the unfinished ones, follow them, retry
// only the shards that failed (bounded, per shard), and count a shard done only by its `_SUCCESS`.
import type { S3Client } from "@aws-sdk/client-s3";
import { backoffDelay, systemClock, type BackoffPolicy, type Clock } from "./backoff.js";
import type { FailedShard } from "./errors.js";
import { keys, finishedShards, objectExists, type AttemptRecord } from "./s3.js";
import type { SweepLane } from "./sweep-lanes.js";
import { pointsIn, type Shard } from "./sweep-plan.js";
import { sweepProgress, type SweepProgress } from "./sweep-progress.js";
import { DEFAULT_POLL, DEFAULT_RETRY_DELAY } from "./wait.js";

/** Attempts per shard in one launch, the first included. */
export const DEFAULT_SHARD_ATTEMPTS = 3;
/** `aegis-bt sweep`'s exit status when it stopped on SIGTERM with its checkpoint written: retried. */
export const EXIT_STOPPED_RESUMABLE = 75;

export type SweepEvent =
  | { type: "started"; shards: number[]; ids: string[] }
  | { type: "following"; shards: number[] }
  | { type: "shard-done"; shard: number }
  | { type: "retrying"; shard: number; attempt: number; reason: string; delayMs: number }
  | { type: "gave-up"; shard: number; attempts: number; reason: string }
  | { type: "merging" }
  | { type: "warning"; message: string };

export interface RunShardsOptions {
  runId: string;
  bucket: string;
  /** All K shards of the sweep. */
  shards: readonly Shard[];
  lane: SweepLane;
  /** Attempts recorded by earlier launches of this run: numbering goes on from them, and one still running is followed. */
  history?: readonly AttemptRecord[];
  /** Follow the shards to the end; without it, start the unfinished ones and return. */
  wait: boolean;
  /** Attempts per shard in this launch (default {@link DEFAULT_SHARD_ATTEMPTS}). */
  maxAttempts?: number;
  poll?: BackoffPolicy;
  retryDelay?: BackoffPolicy;
  /** Called whenever the attempts change (to keep `configs/<run>/launch.json` current). */
  onAttempts?: (attempts: AttemptRecord[]) => Promise<void>;
  onProgress?: (progress: SweepProgress) => void;
  onEvent?: (event: SweepEvent) => void;
  signal?: AbortSignal;
}

export interface RunShardsOutcome {
  /** Shards with `_SUCCESS`. */
  done: Set<number>;
  /** Every attempt of the run, earlier launches' included. */
  attempts: AttemptRecord[];
  /** Attempts started by this launch. */
  started: AttemptRecord[];
  /** Shards that failed for good (with `wait`), or that the service refused to start (without). */
  failed: FailedShard[];
}

function ended(a: AttemptRecord): boolean {
  return a.stoppedAt !== undefined || a.failures !== undefined || ["STOPPED", "SUCCEEDED", "FAILED"].includes(a.lastStatus ?? "");
}

/**
 * Starts the shards that have no `_SUCCESS` (following instead any earlier attempt still running)
 * and, with `wait`, polls until every shard is done or has failed `maxAttempts` times in this
 * launch. A shard is done only when `results/<run>/shards/<iiii>/_SUCCESS` exists; an attempt that
 * ended without it is a failure, retried after a backoff. Failures are returned, not thrown.
 */
export async function runShards(deps: { s3: S3Client; clock?: Clock }, opts: RunShardsOptions): Promise<RunShardsOutcome> {
  const clock = deps.clock ?? systemClock;
  const { runId, bucket, shards, lane } = opts;
  const maxAttempts = opts.maxAttempts ?? DEFAULT_SHARD_ATTEMPTS;
  const attempts: AttemptRecord[] = (opts.history ?? []).map((a) => ({ ...a }));
  const started: AttemptRecord[] = [];
  const tries = new Map<number, number>();
  const retryAt = new Map<number, number>();
  const failed = new Map<number, FailedShard>();
  let inflight: AttemptRecord[] = [];

  const save = async () => {
    try {
      await opts.onAttempts?.(attempts.map((a) => ({ ...a })));
    } catch (err) {
      opts.onEvent?.({ type: "warning", message: `could not update the launch record: ${(err as Error).message}` });
    }
  };
  let done = await finishedShards(deps.s3, bucket, runId);
  const baseline = { startedAt: clock.now(), pointsDone: pointsIn(shards, done) };
  const report = () => opts.onProgress?.(sweepProgress(shards, done, baseline, clock.now()));
  const markDone = (shard: number) => {
    if (done.has(shard)) return;
    done.add(shard);
    opts.onEvent?.({ type: "shard-done", shard });
  };
  const attemptFailed = (shard: number, reason: string, exitCode?: number, logTail?: string[]) => {
    const n = tries.get(shard) ?? 0;
    // A known non-zero exit is the shard's own failure (bad data, a bug): another attempt would fail
    // the same way and bill again, so only losses without an exit code (Spot, start failures, lost
    // hosts) are retried — the rule the Batch job definition's evaluateOnExit applies too — and exit
    // 75: the shard stopped on SIGTERM (a Spot notice) with its checkpoint written, and resumes.
    const retryable = exitCode === undefined || exitCode === 0 || exitCode === EXIT_STOPPED_RESUMABLE;
    if (opts.wait && retryable && n < maxAttempts) {
      const delayMs = backoffDelay(n - 1, opts.retryDelay ?? DEFAULT_RETRY_DELAY, clock.random);
      retryAt.set(shard, clock.now() + delayMs);
      opts.onEvent?.({ type: "retrying", shard, attempt: n, reason, delayMs });
      return;
    }
    failed.set(shard, { shard, attempts: n, reason, ...(exitCode !== undefined && { exitCode }), ...(logTail && logTail.length > 0 && { logTail }) });
    if (opts.wait) opts.onEvent?.({ type: "gave-up", shard, attempts: n, reason });
  };

  // An earlier launch's attempt that is still running is followed, not started a second time.
  const earlier = shards
    .filter((s) => !done.has(s.index))
    .map((s) => attempts.findLast((a) => a.shard === s.index))
    .filter((a): a is AttemptRecord => a !== undefined && lane.owns(a) && !ended(a));
  if (earlier.length > 0) {
    const states = await lane.poll(earlier);
    earlier.forEach((a, i) => {
      const st = states[i];
      if (!st) return;
      Object.assign(a, st.fields);
      if (st.live) inflight.push(a);
    });
    if (inflight.length > 0) opts.onEvent?.({ type: "following", shards: inflight.map((a) => a.shard as number) });
    await save();
  }

  const due = () =>
    shards
      .map((s) => s.index)
      .filter((i) => !done.has(i) && !failed.has(i) && !inflight.some((a) => a.shard === i) && (retryAt.get(i) ?? 0) <= clock.now());

  for (let step = 0; ; step++) {
    const toStart = due();
    if (toStart.length > 0) {
      const starts = toStart.map((shard) => ({ shard, attempt: attempts.filter((a) => a.shard === shard).length + 1 }));
      for (const s of toStart) tries.set(s, (tries.get(s) ?? 0) + 1);
      const res = await lane.start(starts);
      attempts.push(...res.started, ...res.refused.map((r) => r.record));
      started.push(...res.started, ...res.refused.map((r) => r.record));
      inflight.push(...res.started);
      await save();
      if (res.error) throw res.error;
      if (res.started.length > 0) {
        opts.onEvent?.({
          type: "started",
          shards: res.started.map((a) => a.shard as number),
          ids: [...new Set(res.started.map((a) => a.arrayJobId ?? a.jobId ?? a.taskArn ?? ""))],
        });
      }
      for (const r of res.refused) attemptFailed(r.record.shard as number, r.reason);
      step = 0;
    }
    if (!opts.wait) break;
    report();
    if (shards.every((s) => done.has(s.index) || failed.has(s.index))) break;

    const waiting = [...retryAt.entries()].filter(([s]) => !done.has(s) && !failed.has(s) && !inflight.some((a) => a.shard === s));
    const delay =
      inflight.length > 0 || waiting.length === 0
        ? backoffDelay(step, opts.poll ?? DEFAULT_POLL, clock.random)
        : Math.max(0, Math.min(...waiting.map(([, t]) => t)) - clock.now());
    await clock.sleep(delay, opts.signal);

    const now = await finishedShards(deps.s3, bucket, runId);
    for (const s of [...now].sort((a, b) => a - b)) markDone(s);
    done = new Set([...done, ...now]);
    // A shard with `_SUCCESS` needs nothing more from its task or job, which stops on its own.
    inflight = inflight.filter((a) => !done.has(a.shard as number));
    if (inflight.length === 0) continue;
    const states = await lane.poll(inflight);
    const still: AttemptRecord[] = [];
    for (const [i, a] of inflight.entries()) {
      const st = states[i];
      if (!st) continue;
      Object.assign(a, st.fields);
      if (st.live) {
        still.push(a);
        continue;
      }
      const shard = a.shard as number;
      // It may have written `_SUCCESS` between the listing and the poll: look once more.
      if (await objectExists(deps.s3, bucket, keys.shardSuccess(runId, shard))) {
        markDone(shard);
        continue;
      }
      attemptFailed(shard, st.reason, st.exitCode, st.logTail);
    }
    inflight = still;
    await save();
  }
  if (opts.wait) report();
  return { done, attempts, started, failed: [...failed.values()].sort((a, b) => a.shard - b.shard) };
}
