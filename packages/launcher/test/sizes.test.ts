import { describe, expect, it } from "vitest";
import { checkSize, FARGATE_TABLE, nearestSizes, PROFILES, resolveSize, SizeError, sizeOverrides } from "../src/sizes.ts";

function refusal(fn: () => unknown): SizeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SizeError) return err;
    throw err;
  }
  throw new Error("expected a SizeError");
}

describe("the Fargate table", () => {
  it.each([
    [0.25, [0.5, 1, 2]],
    [0.5, [1, 2, 3, 4]],
    [1, [2, 3, 4, 5, 6, 7, 8]],
    [2, [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]],
    [4, Array.from({ length: 23 }, (_, i) => 8 + i)],
    [8, [16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60]],
    [16, [32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120]],
  ])("%s vCPU allows exactly %j GB", (vcpu, memory) => {
    expect(FARGATE_TABLE.find((r) => r.vcpu === vcpu)?.memoryGb).toEqual(memory);
  });

  it("has nothing else", () => {
    expect(FARGATE_TABLE.map((r) => r.vcpu)).toEqual([0.25, 0.5, 1, 2, 4, 8, 16]);
  });
});

describe("checkSize", () => {
  const valid: [number, number, number][] = [
    [0.25, 0.5, 21],
    [0.25, 2, 21],
    [0.5, 4, 21],
    [1, 2, 21],
    [2, 16, 30],
    [4, 30, 21],
    [4, 17, 21],
    [8, 16, 21],
    [8, 60, 21],
    [16, 32, 100],
    [16, 120, 200],
  ];
  it.each(valid)("accepts %s vCPU / %s GB / %s GiB", (vcpu, memoryGb, ephemeralGiB) => {
    expect(checkSize({ vcpu, memoryGb, ephemeralGiB })).toEqual({ vcpu, memoryGb, ephemeralGiB });
  });

  const invalid: [number, number, number, string][] = [
    [16, 122, 50, "16 vCPU / 122 GB is not a Fargate size: 16 vCPU allows 32–120 GB in 8 GB steps; nearest: 16 vCPU / 120 GB"],
    [16, 100, 50, "16 vCPU allows 32–120 GB in 8 GB steps; nearest: 16 vCPU / 96 GB or 16 vCPU / 104 GB"],
    [16, 24, 50, "16 vCPU allows 32–120 GB in 8 GB steps; nearest: 16 vCPU / 32 GB or 8 vCPU / 24 GB"],
    [8, 62, 21, "8 vCPU allows 16–60 GB in 4 GB steps; nearest: 8 vCPU / 60 GB or 16 vCPU / 64 GB"],
    [8, 18, 21, "8 vCPU allows 16–60 GB in 4 GB steps; nearest: 8 vCPU / 16 GB or 8 vCPU / 20 GB"],
    [4, 31, 21, "4 vCPU allows 8–30 GB in 1 GB steps; nearest: 4 vCPU / 30 GB or 8 vCPU / 32 GB"],
    [4, 5, 21, "4 vCPU allows 8–30 GB in 1 GB steps; nearest: 4 vCPU / 8 GB or 2 vCPU / 5 GB"],
    [4, 8.5, 21, "nearest: 4 vCPU / 8 GB or 4 vCPU / 9 GB"],
    [0.25, 3, 21, "0.25 vCPU allows 0.5, 1 or 2 GB; nearest: 0.25 vCPU / 2 GB or 0.5 vCPU / 3 GB"],
    [0.25, 1.5, 21, "nearest: 0.25 vCPU / 1 GB or 0.25 vCPU / 2 GB"],
    [3, 10, 21, "Fargate allows 0.25, 0.5, 1, 2, 4, 8, 16 vCPU; nearest: 2 vCPU / 10 GB or 4 vCPU / 10 GB"],
    [32, 120, 21, "nearest: 16 vCPU / 120 GB"],
    [16, 120, 20, "ephemeral storage of 20 GiB is not a Fargate size: Fargate allows 21–200 GiB in whole GiB; nearest: 21 GiB"],
    [16, 120, 201, "nearest: 200 GiB"],
    [16, 120, 50.5, "nearest: 51 GiB"],
  ];
  it.each(invalid)("refuses %s vCPU / %s GB / %s GiB", (vcpu, memoryGb, ephemeralGiB, message) => {
    const err = refusal(() => checkSize({ vcpu, memoryGb, ephemeralGiB }));
    expect(err.message).toContain(message);
    expect(err.code).toBe("ERR_SIZE");
    for (const s of err.nearest) expect(() => checkSize(s)).not.toThrow();
  });

  it("refuses non-numbers", () => {
    expect(refusal(() => checkSize({ vcpu: Number.NaN, memoryGb: 1, ephemeralGiB: 21 })).message).toMatch(/positive numbers/);
    expect(refusal(() => checkSize({ vcpu: 1, memoryGb: -2, ephemeralGiB: 21 })).message).toMatch(/positive numbers/);
  });

  it("suggests only valid sizes for every off-table request", () => {
    for (const vcpu of [0.1, 0.25, 0.75, 1, 3, 4, 6, 8, 12, 16, 20]) {
      for (let mem = 0.25; mem <= 130; mem += 0.75) {
        const near = nearestSizes(vcpu, mem);
        expect(near.length).toBeGreaterThan(0);
        for (const s of near) expect(() => checkSize({ ...s, ephemeralGiB: 21 })).not.toThrow();
      }
    }
  });
});

describe("profiles", () => {
  it("are the documented sizes and valid", () => {
    expect(PROFILES["orats-7y"]).toEqual({ vcpu: 16, memoryGb: 120, ephemeralGiB: 50 });
    expect(PROFILES.synthetic).toEqual({ vcpu: 8, memoryGb: 60, ephemeralGiB: 21 });
    for (const p of Object.values(PROFILES)) expect(() => checkSize(p)).not.toThrow();
  });

  it.each([
    [{}, "orats-7y", { vcpu: 16, memoryGb: 120, ephemeralGiB: 50 }],
    [{ scenarioProfile: "synthetic" }, "synthetic", { vcpu: 8, memoryGb: 60, ephemeralGiB: 21 }],
    [{ scenarioProfile: "synthetic", profile: "orats-7y" }, "orats-7y", { vcpu: 16, memoryGb: 120, ephemeralGiB: 50 }],
    [{ profile: "synthetic", memoryGb: 32 }, "synthetic", { vcpu: 8, memoryGb: 32, ephemeralGiB: 21 }],
    [{ profile: "orats-7y", vcpu: 8, memoryGb: 60, ephemeralGiB: 100 }, "orats-7y", { vcpu: 8, memoryGb: 60, ephemeralGiB: 100 }],
  ])("resolveSize(%j) → %s %j", (req, profile, size) => {
    expect(resolveSize(req)).toEqual({ profile, size });
  });

  it("checks explicit values on top of a profile", () => {
    expect(() => resolveSize({ profile: "orats-7y", vcpu: 8 })).toThrow("8 vCPU / 120 GB is not a Fargate size: 8 vCPU allows 16–60 GB in 4 GB steps; nearest: 8 vCPU / 60 GB or 16 vCPU / 120 GB");
  });

  it("refuses an unknown profile, naming where it came from", () => {
    expect(() => resolveSize({ scenarioProfile: "huge" })).toThrow(`unknown profile "huge" (from the scenario's resources.profile): use orats-7y or synthetic`);
    expect(() => resolveSize({ profile: "huge" })).toThrow(/from --profile/);
  });
});

describe("sizeOverrides", () => {
  it.each([
    [{ vcpu: 16, memoryGb: 120, ephemeralGiB: 50 }, { cpu: "16384", memory: "122880", ephemeralStorage: { sizeInGiB: 50 } }],
    [{ vcpu: 0.25, memoryGb: 0.5, ephemeralGiB: 21 }, { cpu: "256", memory: "512", ephemeralStorage: { sizeInGiB: 21 } }],
    [{ vcpu: 8, memoryGb: 60, ephemeralGiB: 21 }, { cpu: "8192", memory: "61440", ephemeralStorage: { sizeInGiB: 21 } }],
  ])("%j → %j (CPU units and MiB as strings)", (size, expected) => {
    expect(sizeOverrides(size)).toEqual(expected);
  });
});
