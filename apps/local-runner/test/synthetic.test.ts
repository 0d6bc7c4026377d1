import { describe, expect, it } from "vitest";
import { syntheticSpec } from "../src/synthetic.js";

describe("synthetic dataset names", () => {
  it("map to a generation spec ending on the fixed date", () => {
    expect(syntheticSpec("synthetic-spx-7y")).toEqual({
      name: "synthetic-spx-7y",
      profile: "spx-like",
      years: 7,
      seed: 1,
      start: "2017-01-01",
      end: "2023-12-29",
    });
    expect(syntheticSpec("synthetic-equity-2y-seed42")).toMatchObject({ profile: "equity-like", start: "2022-01-01", seed: 42 });
  });

  it("are recognised strictly", () => {
    for (const name of ["orats", "synthetic-spx", "synthetic-vix-7y", "synthetic-spx-0y", "synthetic-spx-7y-seedx"]) {
      expect(syntheticSpec(name), name).toBeUndefined();
    }
  });
});
