// A sweep's progress: shards done of K, points done of N (the finished shards' points), and an
// ETA from the rate of points finished since this launch began. Pure; the bar is the CLI's.
import { pointsIn, type Shard } from "./sweep-plan.js";

export interface SweepProgress {
  shardsDone: number;
  shards: number;
  pointsDone: number;
  points: number;
  /** Seconds left at the rate seen so far; absent until a shard of this launch has finished. */
  etaSeconds?: number;
}

/** Where the rate is measured from: the launch's start and the points already done then. */
export interface ProgressBaseline {
  startedAt: number;
  pointsDone: number;
}

export function sweepProgress(shards: readonly Shard[], done: ReadonlySet<number>, since: ProgressBaseline, now: number): SweepProgress {
  const points = shards.length > 0 ? (shards.at(-1) as Shard).end : 0;
  const pointsDone = pointsIn(shards, done);
  const gained = pointsDone - since.pointsDone;
  const elapsed = (now - since.startedAt) / 1000;
  const eta = gained > 0 && elapsed > 0 ? ((points - pointsDone) * elapsed) / gained : undefined;
  return { shardsDone: done.size, shards: shards.length, pointsDone, points, ...(eta !== undefined && { etaSeconds: Math.round(eta) }) };
}

/** "45 s", "3 min 20 s", "2 h 05 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

/** One line: "2/3 shards, 4/6 points, ETA 1 min 20 s". */
export function formatProgress(p: SweepProgress): string {
  const eta = p.shardsDone === p.shards ? "" : p.etaSeconds !== undefined ? `, ETA ${formatDuration(p.etaSeconds)}` : ", ETA unknown";
  return `${p.shardsDone}/${p.shards} shards, ${p.pointsDone}/${p.points} points${eta}`;
}
