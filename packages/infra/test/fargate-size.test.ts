import { describe, expect, it } from "vitest";
import {
  DEFAULT_TASK_SIZE,
  FargateSizeError,
  fargateMemoryOptions,
  fargateSize,
  fargateSizeProblems,
  validateFargateSize,
} from "../src/fargate-size.js";

const GB = 1024;

describe("Fargate task sizes", () => {
  it("accepts the default orats-7y size and the synthetic profile", () => {
    expect(DEFAULT_TASK_SIZE).toEqual({ cpu: 16384, memoryMiB: 122880, ephemeralStorageGiB: 50 });
    expect(validateFargateSize(DEFAULT_TASK_SIZE)).toBe(DEFAULT_TASK_SIZE);
    expect(() => validateFargateSize(fargateSize(8, 60))).not.toThrow();
  });

  it.each([
    [0.25, [0.5, 1, 2]],
    [0.5, [1, 2, 3, 4]],
    [1, [2, 3, 4, 5, 6, 7, 8]],
    [2, [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]],
    [4, Array.from({ length: 23 }, (_, i) => 8 + i)],
    [8, [16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60]],
    [16, [32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120]],
  ])("%s vCPU allows exactly %j GB", (vcpu, gbs) => {
    expect(fargateMemoryOptions(vcpu * 1024)).toEqual(gbs.map((g) => g * GB));
    for (const gb of gbs) expect(fargateSizeProblems(fargateSize(vcpu, gb))).toEqual([]);
  });

  it("refuses 16 vCPU / 122 GB, naming the range and the nearest valid size", () => {
    const attempt = () => validateFargateSize(fargateSize(16, 122, 50));
    expect(attempt).toThrow(FargateSizeError);
    expect(attempt).toThrow(/16 vCPU \/ 122 GB/);
    expect(attempt).toThrow(/16 vCPU allows 32–120 GB in 8 GB steps/);
    expect(attempt).toThrow(/nearest valid sizes: 16 vCPU \/ 120 GB$/);
  });

  it("names the neighbours on both sides and the nearest CPUs that allow the memory", () => {
    expect(fargateSizeProblems(fargateSize(8, 62))).toEqual([
      "8 vCPU / 62 GB (63488 MiB) is not a valid Fargate size: 8 vCPU allows 16–60 GB in 4 GB steps; nearest valid sizes: 8 vCPU / 60 GB",
    ]);
    // 8 vCPU / 18 GB: between 16 and 20 GB; 4 vCPU allows 18 GB.
    expect(fargateSizeProblems(fargateSize(8, 18))[0]).toMatch(
      /nearest valid sizes: 8 vCPU \/ 16 GB, 8 vCPU \/ 20 GB, 4 vCPU \/ 18 GB$/,
    );
    // 4 vCPU / 40 GB: above 4 vCPU's range; 8 vCPU allows 40 GB.
    expect(fargateSizeProblems(fargateSize(4, 40))[0]).toMatch(/4 vCPU allows 8–30 GB in 1 GB steps; nearest valid sizes: 4 vCPU \/ 30 GB, 8 vCPU \/ 40 GB$/);
    // 0.25 vCPU / 4 GB: 0.5 vCPU allows 4 GB.
    expect(fargateSizeProblems(fargateSize(0.25, 4))[0]).toMatch(/0\.25 vCPU allows 0\.5, 1 or 2 GB; nearest valid sizes: 0\.25 vCPU \/ 2 GB, 0\.5 vCPU \/ 4 GB$/);
  });

  it("refuses a CPU value Fargate does not have and suggests the CPUs either side", () => {
    const [message] = fargateSizeProblems(fargateSize(3, 12));
    expect(message).toMatch(/^3 vCPU \(3072 CPU units\) is not a Fargate CPU value; valid: 0\.25 vCPU, 0\.5 vCPU, 1 vCPU, 2 vCPU, 4 vCPU, 8 vCPU, 16 vCPU/);
    expect(message).toMatch(/nearest valid sizes: 2 vCPU \/ 12 GB, 4 vCPU \/ 12 GB$/);
    expect(fargateSizeProblems(fargateSize(32, 240))[0]).toMatch(/nearest valid sizes: 16 vCPU \/ 120 GB$/);
  });

  it.each([
    [20, 21],
    [201, 200],
    [50.5, 51],
  ])("refuses %s GiB of ephemeral storage (nearest valid %s GiB)", (gib, nearest) => {
    const problems = fargateSizeProblems(fargateSize(16, 120, gib));
    expect(problems).toEqual([
      `ephemeral storage ${gib} GiB is not valid: Fargate allows whole GiB from 21 to 200; nearest valid: ${nearest} GiB`,
    ]);
  });

  it("accepts ephemeral storage at both ends and leaves it unset for Fargate's default", () => {
    expect(fargateSizeProblems(fargateSize(1, 2, 21))).toEqual([]);
    expect(fargateSizeProblems(fargateSize(1, 2, 200))).toEqual([]);
    expect(fargateSize(1, 2)).toEqual({ cpu: 1024, memoryMiB: 2048 });
    expect(fargateSizeProblems(fargateSize(1, 2))).toEqual([]);
  });

  it("reports every problem at once", () => {
    expect(() => validateFargateSize(fargateSize(16, 122, 10))).toThrow(/122 GB.*; ephemeral storage 10 GiB/);
  });
});
