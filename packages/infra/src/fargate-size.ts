// AWS Fargate's task size table (Linux), as a pure function: a wrong size is refused at synth time
// with the valid range for its CPU and the nearest valid sizes, never at RunTask time.

/** A Fargate task size in the units CloudFormation takes: CPU units (1024 = 1 vCPU) and MiB. */
export interface FargateSize {
  readonly cpu: number;
  readonly memoryMiB: number;
  /** Ephemeral storage in GiB; undefined means Fargate's default (20 GiB). */
  readonly ephemeralStorageGiB?: number;
}

interface CpuRow {
  readonly cpu: number;
  readonly memoriesMiB: readonly number[];
  readonly rule: string;
}

const GIB = 1024;

function steps(minGb: number, maxGb: number, stepGb: number): number[] {
  const out: number[] = [];
  for (let gb = minGb; gb <= maxGb; gb += stepGb) out.push(gb * GIB);
  return out;
}

const TABLE: readonly CpuRow[] = [
  { cpu: 256, memoriesMiB: [512, 1024, 2048], rule: "0.5, 1 or 2 GB" },
  { cpu: 512, memoriesMiB: steps(1, 4, 1), rule: "1–4 GB in 1 GB steps" },
  { cpu: 1024, memoriesMiB: steps(2, 8, 1), rule: "2–8 GB in 1 GB steps" },
  { cpu: 2048, memoriesMiB: steps(4, 16, 1), rule: "4–16 GB in 1 GB steps" },
  { cpu: 4096, memoriesMiB: steps(8, 30, 1), rule: "8–30 GB in 1 GB steps" },
  { cpu: 8192, memoriesMiB: steps(16, 60, 4), rule: "16–60 GB in 4 GB steps" },
  { cpu: 16384, memoriesMiB: steps(32, 120, 8), rule: "32–120 GB in 8 GB steps" },
];

export const EPHEMERAL_STORAGE_GIB = { min: 21, max: 200 } as const;

/** The CPU values Fargate accepts, in CPU units. */
export const FARGATE_CPU_UNITS: readonly number[] = TABLE.map((r) => r.cpu);

/** The memory values (MiB) Fargate accepts for a CPU value; empty for an invalid CPU. */
export function fargateMemoryOptions(cpu: number): readonly number[] {
  return TABLE.find((r) => r.cpu === cpu)?.memoriesMiB ?? [];
}

export class FargateSizeError extends Error {
  override readonly name = "FargateSizeError";
}

/** `16 vCPU`, `0.25 vCPU`. */
export function formatCpu(cpu: number): string {
  return `${cpu / 1024} vCPU`;
}

/** `120 GB`, `0.5 GB` (Fargate's table says GB and means GiB). */
export function formatMemory(memoryMiB: number): string {
  return `${Math.round((memoryMiB / GIB) * 1000) / 1000} GB`;
}

function formatSize(cpu: number, memoryMiB: number): string {
  return `${formatCpu(cpu)} / ${formatMemory(memoryMiB)}`;
}

function nearestBelowAbove(values: readonly number[], target: number): number[] {
  const below = values.filter((v) => v < target).at(-1);
  const above = values.find((v) => v > target);
  return [below, above].filter((v): v is number => v !== undefined);
}

function nearestMemory(values: readonly number[], target: number): number {
  let best = values[0] ?? 0;
  for (const v of values) if (Math.abs(v - target) < Math.abs(best - target)) best = v;
  return best;
}

function nearestSizes(cpu: number, memoryMiB: number): string[] {
  const row = TABLE.find((r) => r.cpu === cpu);
  const sizes: string[] = [];
  if (row) {
    // Same CPU, the valid memories either side.
    for (const m of nearestBelowAbove(row.memoriesMiB, memoryMiB)) sizes.push(formatSize(cpu, m));
    // Same memory, the nearest CPUs that allow it.
    const cpusWithMemory = TABLE.filter((r) => r.memoriesMiB.includes(memoryMiB)).map((r) => r.cpu);
    for (const c of nearestBelowAbove(cpusWithMemory, cpu)) sizes.push(formatSize(c, memoryMiB));
  } else {
    for (const c of nearestBelowAbove(FARGATE_CPU_UNITS, cpu)) {
      sizes.push(formatSize(c, nearestMemory(fargateMemoryOptions(c), memoryMiB)));
    }
  }
  return sizes;
}

/** Every problem with a size, as messages naming the valid range and the nearest valid sizes. */
export function fargateSizeProblems(size: FargateSize): string[] {
  const problems: string[] = [];
  const { cpu, memoryMiB, ephemeralStorageGiB } = size;
  const row = TABLE.find((r) => r.cpu === cpu);
  if (!Number.isFinite(cpu) || !Number.isFinite(memoryMiB)) {
    problems.push(`CPU and memory must be numbers, got cpu=${cpu}, memory=${memoryMiB} MiB`);
  } else if (!row) {
    problems.push(
      `${formatCpu(cpu)} (${cpu} CPU units) is not a Fargate CPU value; valid: ` +
        `${TABLE.map((r) => formatCpu(r.cpu)).join(", ")}; nearest valid sizes: ${nearestSizes(cpu, memoryMiB).join(", ")}`,
    );
  } else if (!row.memoriesMiB.includes(memoryMiB)) {
    problems.push(
      `${formatSize(cpu, memoryMiB)} (${memoryMiB} MiB) is not a valid Fargate size: ${formatCpu(cpu)} allows ` +
        `${row.rule}; nearest valid sizes: ${nearestSizes(cpu, memoryMiB).join(", ")}`,
    );
  }
  if (ephemeralStorageGiB !== undefined) {
    const { min, max } = EPHEMERAL_STORAGE_GIB;
    if (!Number.isInteger(ephemeralStorageGiB) || ephemeralStorageGiB < min || ephemeralStorageGiB > max) {
      const nearest = Math.min(max, Math.max(min, Math.round(ephemeralStorageGiB)));
      problems.push(
        `ephemeral storage ${ephemeralStorageGiB} GiB is not valid: Fargate allows whole GiB from ${min} to ${max}; ` +
          `nearest valid: ${Number.isFinite(nearest) ? nearest : min} GiB`,
      );
    }
  }
  return problems;
}

/** Returns the size unchanged when Fargate accepts it; throws a `FargateSizeError` naming every problem otherwise. */
export function validateFargateSize(size: FargateSize): FargateSize {
  const problems = fargateSizeProblems(size);
  if (problems.length > 0) throw new FargateSizeError(`invalid Fargate task size: ${problems.join("; ")}`);
  return size;
}

/** A size from the units people write (`16` vCPU, `120` GB, `50` GiB), not yet validated. */
export function fargateSize(vcpu: number, memoryGb: number, ephemeralStorageGiB?: number): FargateSize {
  return {
    cpu: Math.round(vcpu * 1024),
    memoryMiB: Math.round(memoryGb * GIB),
    ...(ephemeralStorageGiB === undefined ? {} : { ephemeralStorageGiB }),
  };
}

/** The `orats-7y` profile (DESIGN.md, "Remote contract"): 16 vCPU / 120 GB / 50 GiB ephemeral. */
export const DEFAULT_TASK_SIZE: FargateSize = fargateSize(16, 120, 50);
