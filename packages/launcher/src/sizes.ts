// AWS Fargate task sizes (Linux): the table every size is checked against, and the run profiles.
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
import { LaunchError } from "./errors.js";

/** A task size in the units people use: vCPU, GB of memory, GiB of ephemeral storage. */
export interface TaskSize {
  vcpu: number;
  memoryGb: number;
  ephemeralGiB: number;
}

/** One row of the Fargate table: the memory a vCPU count allows. */
export interface CpuRow {
  vcpu: number;
  /** Allowed memory in GB, ascending. */
  memoryGb: readonly number[];
  /** How the row reads in messages: "16 vCPU allows 32–120 GB in 8 GB steps". */
  rule: string;
}

function range(min: number, max: number, step: number): number[] {
  const out: number[] = [];
  for (let v = min; v <= max; v += step) out.push(v);
  return out;
}

function row(vcpu: number, memoryGb: number[], step?: number): CpuRow {
  const first = memoryGb[0] as number;
  const last = memoryGb[memoryGb.length - 1] as number;
  const rule =
    step === undefined
      ? `${vcpu} vCPU allows ${memoryGb.slice(0, -1).join(", ")} or ${last} GB`
      : `${vcpu} vCPU allows ${first}–${last} GB in ${step} GB steps`;
  return { vcpu, memoryGb, rule };
}

/** AWS's Fargate CPU/memory combinations (Linux, platform 1.4.0). */
export const FARGATE_TABLE: readonly CpuRow[] = [
  row(0.25, [0.5, 1, 2]),
  row(0.5, range(1, 4, 1), 1),
  row(1, range(2, 8, 1), 1),
  row(2, range(4, 16, 1), 1),
  row(4, range(8, 30, 1), 1),
  row(8, range(16, 60, 4), 4),
  row(16, range(32, 120, 8), 8),
];

/** Ephemeral storage a task may ask for, in whole GiB (20 GiB is the default when none is given). */
export const EPHEMERAL_GIB = { min: 21, max: 200 } as const;

/** The run profiles of docs/remote.md. */
export const PROFILES = {
  "orats-7y": { vcpu: 16, memoryGb: 120, ephemeralGiB: 50 },
  synthetic: { vcpu: 8, memoryGb: 60, ephemeralGiB: 21 },
} as const satisfies Record<string, TaskSize>;

export type ProfileName = keyof typeof PROFILES;

/** The profile used when neither the flags nor the scenario name one: the task definition's own size. */
export const DEFAULT_PROFILE: ProfileName = "orats-7y";

/** A size that is not on AWS's table; `nearest` holds the closest sizes that are. */
export class SizeError extends LaunchError {
  constructor(
    message: string,
    readonly nearest: TaskSize[],
  ) {
    super(message, "ERR_SIZE");
  }
}

export function formatSize(s: Pick<TaskSize, "vcpu" | "memoryGb">): string {
  return `${s.vcpu} vCPU / ${s.memoryGb} GB`;
}

function rowOf(vcpu: number): CpuRow | undefined {
  return FARGATE_TABLE.find((r) => r.vcpu === vcpu);
}

/** The allowed memory values in `row` closest to `gb`: one, or the two either side. */
function nearestInRow(r: CpuRow, gb: number): number[] {
  const below = r.memoryGb.filter((m) => m <= gb).at(-1);
  const above = r.memoryGb.find((m) => m >= gb);
  if (below === undefined) return [above as number];
  if (above === undefined) return [below];
  return below === above ? [below] : [below, above];
}

/** The closest valid CPU/memory sizes to a request that is not on the table. */
export function nearestSizes(vcpu: number, memoryGb: number): { vcpu: number; memoryGb: number }[] {
  const out: { vcpu: number; memoryGb: number }[] = [];
  const push = (v: number, m: number) => {
    if (!out.some((s) => s.vcpu === v && s.memoryGb === m)) out.push({ vcpu: v, memoryGb: m });
  };
  const r = rowOf(vcpu);
  if (r === undefined) {
    // An unknown vCPU count: the table's neighbours, each with the memory closest to the request.
    const lower = FARGATE_TABLE.filter((x) => x.vcpu < vcpu).at(-1);
    const upper = FARGATE_TABLE.find((x) => x.vcpu > vcpu);
    for (const x of [lower, upper]) {
      if (x === undefined) continue;
      const m = nearestInRow(x, memoryGb);
      push(x.vcpu, m.length === 1 ? (m[0] as number) : closest(m, memoryGb));
    }
    return out;
  }
  for (const m of nearestInRow(r, memoryGb)) push(vcpu, m);
  const min = r.memoryGb[0] as number;
  const max = r.memoryGb.at(-1) as number;
  if (memoryGb > max) {
    // More memory than this vCPU count allows: the smallest larger vCPU count that holds it.
    const bigger = FARGATE_TABLE.find((x) => x.vcpu > vcpu && (x.memoryGb.at(-1) as number) >= memoryGb);
    if (bigger) push(bigger.vcpu, bigger.memoryGb.find((m) => m >= memoryGb) as number);
  } else if (memoryGb < min) {
    // Less memory than this vCPU count needs: the largest smaller vCPU count that allows it.
    const smaller = FARGATE_TABLE.filter((x) => x.vcpu < vcpu && (x.memoryGb[0] as number) <= memoryGb).at(-1);
    if (smaller) push(smaller.vcpu, smaller.memoryGb.filter((m) => m <= memoryGb).at(-1) as number);
  }
  return out;
}

function closest(values: number[], target: number): number {
  return values.reduce((best, v) => (Math.abs(v - target) < Math.abs(best - target) ? v : best));
}

function validNumber(v: number): boolean {
  return typeof v === "number" && Number.isFinite(v) && v > 0;
}

/**
 * Checks a size against AWS's Fargate table and returns it. Throws {@link SizeError} naming the
 * allowed range and the nearest valid sizes, e.g. for 16 vCPU / 122 GB: "16 vCPU / 122 GB is not a
 * Fargate size: 16 vCPU allows 32–120 GB in 8 GB steps; nearest: 16 vCPU / 120 GB".
 */
export function checkSize(size: TaskSize): TaskSize {
  const { vcpu, memoryGb, ephemeralGiB } = size;
  if (!validNumber(vcpu) || !validNumber(memoryGb)) {
    throw new SizeError(`${formatSize(size)} is not a size: vCPU and memory must be positive numbers`, []);
  }
  const r = rowOf(vcpu);
  if (r === undefined || !r.memoryGb.includes(memoryGb)) {
    const nearest = nearestSizes(vcpu, memoryGb).map((s) => ({ ...s, ephemeralGiB: clampEphemeral(ephemeralGiB) }));
    const rule =
      r === undefined
        ? `Fargate allows ${FARGATE_TABLE.map((x) => x.vcpu).join(", ")} vCPU`
        : r.rule;
    throw new SizeError(
      `${formatSize(size)} is not a Fargate size: ${rule}; nearest: ${nearest.map(formatSize).join(" or ")}`,
      nearest,
    );
  }
  if (!Number.isInteger(ephemeralGiB) || ephemeralGiB < EPHEMERAL_GIB.min || ephemeralGiB > EPHEMERAL_GIB.max) {
    const fixed = clampEphemeral(ephemeralGiB);
    throw new SizeError(
      `ephemeral storage of ${ephemeralGiB} GiB is not a Fargate size: Fargate allows ${EPHEMERAL_GIB.min}–${EPHEMERAL_GIB.max} GiB in whole GiB; nearest: ${fixed} GiB`,
      [{ vcpu, memoryGb, ephemeralGiB: fixed }],
    );
  }
  return { vcpu, memoryGb, ephemeralGiB };
}

function clampEphemeral(gib: number): number {
  if (!Number.isFinite(gib)) return EPHEMERAL_GIB.min;
  return Math.min(EPHEMERAL_GIB.max, Math.max(EPHEMERAL_GIB.min, Math.round(gib)));
}

export function isProfileName(name: string): name is ProfileName {
  return Object.prototype.hasOwnProperty.call(PROFILES, name);
}

export interface SizeRequest {
  /** A profile from the flags; wins over the scenario's. */
  profile?: string;
  /** The scenario's `resources.profile`. */
  scenarioProfile?: string;
  vcpu?: number;
  memoryGb?: number;
  ephemeralGiB?: number;
}

/**
 * The task size of a run: the profile (flag, else the scenario's `resources.profile`, else
 * {@link DEFAULT_PROFILE}) with explicit vCPU / memory / ephemeral values on top, checked against
 * the Fargate table.
 */
export function resolveSize(req: SizeRequest): { profile: ProfileName; size: TaskSize } {
  const name = req.profile ?? req.scenarioProfile ?? DEFAULT_PROFILE;
  if (!isProfileName(name)) {
    const from = req.profile !== undefined ? "--profile" : "the scenario's resources.profile";
    throw new SizeError(`unknown profile "${name}" (from ${from}): use ${Object.keys(PROFILES).join(" or ")}`, []);
  }
  const base = PROFILES[name];
  const size = checkSize({
    vcpu: req.vcpu ?? base.vcpu,
    memoryGb: req.memoryGb ?? base.memoryGb,
    ephemeralGiB: req.ephemeralGiB ?? base.ephemeralGiB,
  });
  return { profile: name, size };
}

/** The RunTask task-level overrides for a size: CPU units and MiB as strings, ephemeral GiB. */
export function sizeOverrides(size: TaskSize): { cpu: string; memory: string; ephemeralStorage: { sizeInGiB: number } } {
  return {
    cpu: String(Math.round(size.vcpu * 1024)),
    memory: String(Math.round(size.memoryGb * 1024)),
    ephemeralStorage: { sizeInGiB: size.ephemeralGiB },
  };
}

/**
 * The AWS Batch `resourceRequirements` override for a size (Fargate jobs: vCPU, and memory in MiB).
 * Batch cannot override ephemeral storage per job: the job definition's applies.
 */
export function batchResourceRequirements(size: TaskSize): { type: "VCPU" | "MEMORY"; value: string }[] {
  return [
    { type: "VCPU", value: String(size.vcpu) },
    { type: "MEMORY", value: String(Math.round(size.memoryGb * 1024)) },
  ];
}
