// What an EBS snapshot of a dataset costs (docs/remote.md "The dataset snapshot state machine"):
// the snapshot's storage a month from the dataset's size (its manifest), and the one-off pull — the
// pull task on Fargate and the gp3 volume it fills, which lives until the snapshot is complete. Pure.
import { billedSeconds, duration, hourlyRate, money, RUNTIME_ASSUMPTIONS, taskCost } from "./cost.js";
import { checkVolumeSize, defaultVolumeGiB, GIB, PULL_VOLUME_THROUGHPUT, VOLUME_EXTRA_GIB, VOLUME_HEADROOM } from "./dataset-snapshot.js";
import { InputError } from "./errors.js";
import { EBS_PRICES, PRICE_LIST } from "./prices.js";
import { formatSize, type TaskSize } from "./sizes.js";

/**
 * The pull task's size, as the compute stack defines it (DATASET_PULL_SIZE in
 * packages/infra/src/compute/dataset-snapshot.ts), on Fargate on demand with the default 20 GiB of
 * ephemeral storage; and its volume's provisioned throughput while it is filled.
 */
export const PULL_TASK = {
  size: { vcpu: 4, memoryGb: 8, ephemeralGiB: 20 } satisfies TaskSize,
  volumeThroughputMibps: PULL_VOLUME_THROUGHPUT,
} as const;

/**
 * Guesses, printed with every estimate:
 * - `pullBytesPerSecond`: the pull copies the dataset from S3 and hashes it at ~100 MB/s (the S3
 *   sync figure of a run's estimate).
 * - `snapshotBytesPerSecond`: how fast EBS completes a first snapshot of the volume. AWS publishes
 *   no figure; 100 MB/s is a guess, and it only moves the volume's small share of the cost.
 * - `startupSeconds`: provisioning, image pull and container start of the pull task.
 * The volume is `dataset snapshot`'s ({@link defaultVolumeGiB} unless `--size`).
 */
export const SNAPSHOT_ASSUMPTIONS = {
  pullBytesPerSecond: RUNTIME_ASSUMPTIONS.s3BytesPerSecond,
  snapshotBytesPerSecond: 100_000_000,
  startupSeconds: RUNTIME_ASSUMPTIONS.startupSeconds,
} as const;

export type SnapshotAssumptions = { [K in keyof typeof SNAPSHOT_ASSUMPTIONS]: number };

export interface SnapshotEstimateInput {
  dataset: string;
  /** Where the manifest was read: a local file or an s3:// URI. */
  manifestSource: string;
  /** The files the manifest names and the manifest itself. */
  bytes: number;
  /** The gp3 volume pulled into (`dataset snapshot --size`); default `dataset snapshot`'s, {@link defaultVolumeGiB}. */
  volumeGiB?: number;
  /** Months the snapshot is kept (default 1). */
  months?: number;
  assumptions?: SnapshotAssumptions;
}

export interface SnapshotEstimate {
  dataset: string;
  manifestSource: string;
  bytes: number;
  /** What the snapshot holds, in GiB (EBS's GB-month is of binary gigabytes). */
  snapshotGiB: number;
  volumeGiB: number;
  months: number;
  storage: { usdPerMonth: number; usd: number };
  pull: {
    size: TaskSize;
    /** The task: start-up + copy and hash. */
    taskSeconds: number;
    taskBilledSeconds: number;
    taskUsd: number;
    /** The volume: from the task's start until DeleteVolume after the snapshot completes. */
    volumeSeconds: number;
    volumeUsd: number;
    usd: number;
  };
  /** The one-off pull and the months of storage. */
  totalUsd: number;
  /** What a run's volume restored from the snapshot costs an hour (gp3 of `volumeGiB`, the baseline throughput). */
  runVolumeUsdPerHour: number;
  prices: { region: string; dated: string; currency: string };
  assumptions: SnapshotAssumptions;
}

function positive(value: number, what: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new InputError(`${what} must be a number > 0, got ${value}`);
  return value;
}

/**
 * The snapshot's storage for `months` (GiB × the snapshot GB-month price) and the one-off pull: the
 * pull task's Fargate time, and its gp3 volume (size and the throughput above gp3's baseline) for the
 * pull and the snapshot's completion, prorated over a 730-hour month.
 */
export function estimateSnapshotCost(input: SnapshotEstimateInput): SnapshotEstimate {
  if (!Number.isSafeInteger(input.bytes) || input.bytes <= 0) {
    throw new InputError(`${input.manifestSource}: the dataset ${input.dataset} names no bytes to snapshot (${input.bytes})`);
  }
  const a = input.assumptions ?? { ...SNAPSHOT_ASSUMPTIONS };
  const e = EBS_PRICES;
  const months = positive(input.months ?? 1, "--months");
  const snapshotGiB = input.bytes / GIB;
  const volumeGiB = checkVolumeSize(input.volumeGiB ?? defaultVolumeGiB(input.bytes), input.bytes, input.dataset, input.volumeGiB !== undefined);
  const usdPerMonth = snapshotGiB * e.snapshotGbMonth;
  const taskSeconds = a.startupSeconds + input.bytes / a.pullBytesPerSecond;
  const taskBilled = billedSeconds(taskSeconds);
  const taskUsd = taskCost(PULL_TASK.size, taskSeconds, false);
  // EBS bills a volume per second, a minute at least.
  const volumeSeconds = Math.max(60, Math.ceil(taskSeconds + input.bytes / a.snapshotBytesPerSecond));
  const extraMibps = Math.max(0, PULL_TASK.volumeThroughputMibps - e.gp3IncludedMibps);
  const volumeMonthly = volumeGiB * e.gp3GbMonth + extraMibps * e.gp3MibpsMonth;
  const volumeUsd = (volumeMonthly * volumeSeconds) / (e.hoursPerMonth * 3600);
  return {
    dataset: input.dataset,
    manifestSource: input.manifestSource,
    bytes: input.bytes,
    snapshotGiB,
    volumeGiB,
    months,
    storage: { usdPerMonth, usd: usdPerMonth * months },
    pull: { size: PULL_TASK.size, taskSeconds, taskBilledSeconds: taskBilled, taskUsd, volumeSeconds, volumeUsd, usd: taskUsd + volumeUsd },
    totalUsd: taskUsd + volumeUsd + usdPerMonth * months,
    runVolumeUsdPerHour: (volumeGiB * e.gp3GbMonth) / e.hoursPerMonth,
    prices: { region: PRICE_LIST.region, dated: PRICE_LIST.dated, currency: PRICE_LIST.currency },
    assumptions: a,
  };
}

/** The estimate as `aegis-launch cost --snapshot-of` prints it. */
export function formatSnapshotEstimate(s: SnapshotEstimate): string[] {
  const e = EBS_PRICES;
  const a = s.assumptions;
  const rate = hourlyRate(s.pull.size, false).total;
  const extra = Math.max(0, PULL_TASK.volumeThroughputMibps - e.gp3IncludedMibps);
  return [
    `dataset     ${s.dataset}: ${s.bytes.toLocaleString("en-US")} bytes = ${s.snapshotGiB.toFixed(2)} GiB (${s.manifestSource})`,
    `snapshot    ${money(s.storage.usdPerMonth)} a month  (${s.snapshotGiB.toFixed(2)} GiB × $${e.snapshotGbMonth} GB-month, standard tier)${s.months !== 1 ? `; ${s.months} months ${money(s.storage.usd)}` : ""}`,
    `pull, once  ${money(s.pull.usd)}: task ${money(s.pull.taskUsd)} (${formatSize(s.pull.size)} on demand, ~${duration(s.pull.taskSeconds)}, ${money(rate)}/h) + volume ${money(s.pull.volumeUsd)} (${s.volumeGiB} GiB gp3 at ${PULL_TASK.volumeThroughputMibps} MiB/s for ~${duration(s.pull.volumeSeconds)}: $${e.gp3GbMonth} GB-month + ${extra} × $${e.gp3MibpsMonth} MiB/s-month over ${e.hoursPerMonth} h)`,
    `total       ${money(s.totalUsd)} for the pull and ${s.months} month${s.months === 1 ? "" : "s"} of storage`,
    `each run    its volume from the snapshot: ${money(s.runVolumeUsdPerHour)} an hour (${s.volumeGiB} GiB gp3), beside its Fargate task`,
    "",
    "assumptions",
    `  prices    ${s.prices.region}, AWS's price list of ${s.prices.dated}`,
    `  pull      ${a.startupSeconds} s start-up, then S3 → volume with the sha256 checks at ${a.pullBytesPerSecond / 1e6} MB/s`,
    `  snapshot  completes at ${a.snapshotBytesPerSecond / 1e6} MB/s (AWS publishes no figure); it bills the blocks written, about the dataset's size`,
    `  volume    ${s.volumeGiB} GiB${s.volumeGiB === defaultVolumeGiB(s.bytes) ? ` (dataset snapshot's default: the dataset × ${VOLUME_HEADROOM} + ${VOLUME_EXTRA_GIB} GiB; --size as for dataset snapshot)` : ""}`,
  ];
}
