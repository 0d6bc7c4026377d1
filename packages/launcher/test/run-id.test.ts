import { describe, expect, it } from "vitest";
import { batchJobName, checkRunId, clientToken, makeRunId, MAX_JOB_NAME, runIdTime, slugify, startedBy, sweepRunId } from "../src/run-id.ts";
import { SCENARIO } from "./fixtures.ts";

const NOW = new Date("2026-11-21T13:45:01.789Z");

describe("run ids", () => {
  it("are the scenario name, the UTC time and a hash of the text", () => {
    const id = makeRunId("spx-short-put-45d", SCENARIO, NOW);
    expect(id).toMatch(/^spx-short-put-45d-20261121-134501-[0-9a-f]{6}$/);
    expect(makeRunId("spx-short-put-45d", SCENARIO, NOW)).toBe(id);
    expect(makeRunId("spx-short-put-45d", `${SCENARIO}# edited\n`, NOW)).not.toBe(id);
    expect(makeRunId("spx-short-put-45d", SCENARIO, new Date("2026-11-21T13:45:02Z"))).not.toBe(id);
  });

  it("use UTC whatever the local zone", () => {
    expect(makeRunId("x", "t", new Date("2026-12-31T23:59:59-05:00"))).toMatch(/^x-20270101-045959-/);
  });

  it.each([
    ["SPX Short Put (45d)!", "spx-short-put-45d"],
    ["  --weird__name--  ", "weird-name"],
    ["Überstrangle", "uberstrangle"],
    ["???", "run"],
    ["a".repeat(80), "a".repeat(32)],
    [`${"a".repeat(31)}-b`, "a".repeat(31)],
  ])("slugify(%j) = %j", (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  it("read back their time", () => {
    expect(runIdTime(makeRunId("x", "t", NOW))?.toISOString()).toBe("2026-11-21T13:45:01.000Z");
    expect(runIdTime("hand-made")).toBeUndefined();
  });

  it("are checked when typed in", () => {
    expect(checkRunId("spx-20261121-134501-1a2b3c")).toBe("spx-20261121-134501-1a2b3c");
    for (const bad of ["../etc", "a/b", "", "-x", "a..b", "a b"]) expect(() => checkRunId(bad)).toThrow(/is not a run id/);
  });
});

describe("clientToken", () => {
  const id = makeRunId("spx-short-put-45d", SCENARIO, NOW);

  it("is deterministic per run and attempt, and different across attempts", () => {
    expect(clientToken(id)).toBe(`${id}-a1`);
    expect(clientToken(id, 1)).toBe(clientToken(id));
    expect(clientToken(id, 2)).toBe(`${id}-a2`);
    expect(new Set([1, 2, 3].map((a) => clientToken(id, a))).size).toBe(3);
  });

  it("stays within 64 characters, keeping long ids apart", () => {
    const a = `${"x".repeat(70)}-1`;
    const b = `${"x".repeat(70)}-2`;
    for (const attempt of [1, 9, 10, 123]) {
      expect(clientToken(a, attempt).length).toBeLessThanOrEqual(64);
      expect(clientToken(a, attempt)).toMatch(new RegExp(`-a${attempt}$`));
    }
    expect(clientToken(a)).not.toBe(clientToken(b));
    expect(clientToken(a)).toBe(clientToken(a));
    expect(clientToken(makeRunId("z".repeat(99), SCENARIO, NOW), 3).length).toBeLessThanOrEqual(64);
  });

  it("refuses attempt 0", () => {
    expect(() => clientToken(id, 0)).toThrow(/positive integer/);
  });
});

describe("startedBy", () => {
  it("is the run id when it fits in 36 characters", () => {
    expect(startedBy("short-20261121-134501-1a2b3c")).toBe("short-20261121-134501-1a2b3c");
  });

  it("is a prefix and a hash otherwise, at most 36 characters of [A-Za-z0-9_/-]", () => {
    const id = makeRunId("spx-short-put-45d", SCENARIO, NOW);
    const other = makeRunId("spx-short-put-45d", SCENARIO, new Date("2026-11-21T13:45:02Z"));
    expect(id.length).toBeGreaterThan(36);
    expect(startedBy(id).length).toBeLessThanOrEqual(36);
    expect(startedBy(id)).toMatch(/^spx-short-put-45d-[a-z0-9-]*-[0-9a-f]{8}$/);
    expect(startedBy(id)).toBe(startedBy(id));
    expect(startedBy(id)).not.toBe(startedBy(other));
    expect(startedBy("a.b.c")).toBe("a_b_c");
  });
});

describe("sweep run ids", () => {
  it("are the same for the same sweep, so a second launch finds the first one's shards", () => {
    const id = sweepRunId("SPX put sweep", SCENARIO, 3);
    expect(id).toMatch(/^spx-put-sweep-sweep-[0-9a-f]{10}$/);
    expect(checkRunId(id)).toBe(id);
    expect(sweepRunId("SPX put sweep", SCENARIO, 3)).toBe(id);
    expect(sweepRunId("SPX put sweep", SCENARIO, 3, undefined)).toBe(id);
  });

  it("change with the scenario text, K and the dataset override, and carry no time", () => {
    const id = sweepRunId("s", SCENARIO, 3);
    expect(sweepRunId("s", `${SCENARIO}# edited\n`, 3)).not.toBe(id);
    expect(sweepRunId("s", SCENARIO, 4)).not.toBe(id);
    expect(sweepRunId("s", SCENARIO, 3, "orats-spx-7y")).not.toBe(id);
    expect(sweepRunId("s", SCENARIO, 3, "orats-spx-7y")).not.toBe(sweepRunId("s", SCENARIO, 3, "other"));
    expect(runIdTime(id)).toBeUndefined();
  });
});

describe("shard clientTokens and Batch job names", () => {
  it("give each shard and attempt its own RunTask token", () => {
    expect(clientToken("run-1", 1, 3)).toBe("run-1-s0003-a1");
    expect(clientToken("run-1", 2, 3)).toBe("run-1-s0003-a2");
    expect(clientToken("run-1", 1, 4)).not.toBe(clientToken("run-1", 1, 3));
    const long = `${"x".repeat(90)}-sweep-0123456789`;
    expect(clientToken(long, 3, 9999).length).toBeLessThanOrEqual(64);
    expect(clientToken(long, 3, 9999)).toMatch(/-s9999-a3$/);
  });

  it("make Batch job names of letters, digits, - and _ within 128 characters", () => {
    expect(batchJobName("spx.sweep-1", "a1")).toBe("spx_sweep-1-a1");
    const name = batchJobName("r".repeat(128), "s0003-a2");
    expect(name.length).toBeLessThanOrEqual(MAX_JOB_NAME);
    expect(name).toMatch(/^[A-Za-z0-9_-]+-s0003-a2$/);
  });
});
