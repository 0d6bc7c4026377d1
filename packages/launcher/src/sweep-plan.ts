// Sweep sharding (docs/sweeps.md "Shards"): which points each of K shards runs, the shard
// directory names, and the checks on K. Pure.
import { InputError } from "./errors.js";

/** The most shards a sweep may have: AWS Batch's largest array, and what 4-digit names allow. */
export const MAX_SHARDS = 10_000;

/** One shard of a sweep: points `first … end − 1` of the expansion. */
export interface Shard {
  index: number;
  first: number;
  end: number;
}

/** A shard's directory name under `results/<run>/shards/`: its index zero-padded to 4 digits. */
export function shardName(index: number): string {
  return String(index).padStart(4, "0");
}

/** Points `⌊i·N/K⌋ … ⌊(i+1)·N/K⌋ − 1`: the binary's own split, so sizes differ by at most one. */
export function shardRange(index: number, count: number, points: number): Shard {
  return { index, first: Math.floor((index * points) / count), end: Math.floor(((index + 1) * points) / count) };
}

/** Refuses a shard count the sweep cannot be split into (every shard must hold a point). */
export function checkShardCount(count: number, points: number): number {
  if (!Number.isInteger(count) || count < 1) throw new InputError(`--shards must be a whole number ≥ 1, got ${count}`);
  if (count > points) {
    throw new InputError(`--shards ${count} is more than the sweep's ${points} point${points === 1 ? "" : "s"}: every shard must run at least one; use --shards ${points} or fewer`);
  }
  if (count > MAX_SHARDS) throw new InputError(`--shards ${count} is more than ${MAX_SHARDS} (AWS Batch's largest array job)`);
  return count;
}

/** The K shards of an N-point sweep, in index order. */
export function planShards(count: number, points: number): Shard[] {
  checkShardCount(count, points);
  return Array.from({ length: count }, (_, i) => shardRange(i, count, points));
}

/** How many points the given shards hold together. */
export function pointsIn(shards: readonly Shard[], indices: Iterable<number>): number {
  let n = 0;
  for (const i of indices) {
    const s = shards[i];
    if (s) n += s.end - s.first;
  }
  return n;
}
