// Hostile input from JavaScript: each call runs in a child process, so a crash (an abort, a panic
// across the boundary, an uncaught exception) fails the test instead of killing the runner. Every
// failure must be one of the typed errors with its stable code; the process must live on.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { writeTinyDataset } from "./fixture.js";

const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const BINDING = fileURLToPath(new URL("../binding.js", import.meta.url));

const SCENARIO = `name: tiny-run
data: { dataset: tiny, tickers: [SPX], start: 2023-01-03, end: 2023-01-05 }
strategy:
  legs:
    - { right: put, side: short, dte: { target: 30, min: 20, max: 40 }, delta: { target: 0.30, min: 0.25, max: 0.35 } }
`;

const SWEEP = `${SCENARIO}sweep:
  grid:
    costs.commission_per_contract: [0.5, 1.0, 1.5]
`;

interface Outcome {
  /** What the call returned, or null when it threw. */
  value: unknown;
  /** The error it threw: its class name, code and message. */
  error: { name: string; code?: string; message: string; sameObject?: boolean } | null;
  uncaught: number;
}

/**
 * Runs `body` (an async function body with `engine`, `binding`, `data`, `scenario` and `sweep` in
 * scope, returning a JSON-able value) in a child Node process and reports what happened.
 */
function inChild(body: string, env: Record<string, string> = {}): Outcome {
  const data = writeTinyDataset();
  const script = `
    import * as engine from ${JSON.stringify(DIST)};
    import * as binding from ${JSON.stringify(BINDING)};
    let uncaught = 0;
    process.on("uncaughtException", () => { uncaught++; });
    process.on("unhandledRejection", () => { uncaught++; });
    const data = ${JSON.stringify(data)};
    const scenario = ${JSON.stringify(SCENARIO)};
    const sweep = ${JSON.stringify(SWEEP)};
    let value = null, error = null;
    try {
      value = await (async () => { ${body} })();
    } catch (e) {
      error = { name: e?.constructor?.name, code: e?.code, message: String(e?.message ?? e), sameObject: e?.marker === "mine" };
    }
    await new Promise((r) => setTimeout(r, 50));
    process.stdout.write(JSON.stringify({ value: value ?? null, error, uncaught }));
  `;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
    env: { ...process.env, AEGIS_VERIFY_CACHE: "off", ...env },
    timeout: 60_000,
  });
  if (r.status !== 0 || r.signal) {
    throw new Error(`the child process died: status ${r.status}, signal ${r.signal}\n${r.stderr}`);
  }
  return JSON.parse(r.stdout) as Outcome;
}

function expectInvalid(body: string, message: RegExp): void {
  const o = inChild(body);
  expect(o.error, JSON.stringify(o)).toMatchObject({ name: "InvalidArgumentError", code: "ERR_INVALID_ARG" });
  expect(o.error?.message).toMatch(message);
  expect(o.uncaught).toBe(0);
}

describe("arguments from JavaScript", () => {
  it("bounds runSweep's threads to whole numbers from 1 to 4 per core", () => {
    for (const threads of ["-1", "0", "1.5", "100000", '"2"', "NaN"]) {
      expectInvalid(`return engine.runSweep(sweep, { data, threads: ${threads} });`, /threads must be a whole number from 1 to \d+/);
    }
    const ok = inChild("const r = await engine.runSweep(sweep, { data, threads: 2 }); return r.info.threads;");
    expect(ok).toMatchObject({ value: 2, error: null });
  });

  it('reads shard as { index, count } or "i/K", and refuses anything else', () => {
    const shard = inChild('const r = await engine.runSweep(sweep, { data, shard: "1/2" }); return r.info.shard;');
    expect(shard.value).toMatchObject({ index: 1, count: 2 });
    const obj = inChild("const r = await engine.runSweep(sweep, { data, shard: { index: 0, count: 3 } }); return r.info.shard;");
    expect(obj.value).toMatchObject({ index: 0, count: 3 });
    for (const bad of ['"2/2"', '"x/2"', '"1"', "{ index: -1, count: 2 }", "{ index: 1 }", "[0, 2]", "7"]) {
      expectInvalid(`return engine.runSweep(sweep, { data, shard: ${bad} });`, /shard: expected \{ index, count \} or "i\/K"/);
    }
  });

  it("takes null or undefined options as the defaults, and refuses other non-objects", () => {
    const info = inChild("return (await engine.datasetInfo(data, null)).name;");
    expect(info).toMatchObject({ value: "tiny", error: null });
    const verify = inChild("return (await engine.verifyDataset(data, undefined)).ok;");
    expect(verify).toMatchObject({ value: true, error: null });
    const merged = inChild("return (await engine.verifyDataset(data, null)).ok;");
    expect(merged).toMatchObject({ value: true, error: null });
    expectInvalid("return engine.datasetInfo(data, 5);", /datasetInfo: options must be an object, got 5/);
    expectInvalid("return engine.runBacktest(scenario, null);", /runBacktest: data \(the data root\): expected a non-empty string, got undefined/);
  });

  it("refuses a non-string path, a bad scenario value and a signal that is not an AbortSignal", () => {
    expectInvalid("return engine.datasetInfo(42);", /datasetInfo: dir: expected a non-empty string, got 42/);
    expectInvalid("return engine.verifyDataset({ dir: data });", /verifyDataset: dir: expected a non-empty string, got an object/);
    expectInvalid("return engine.runBacktest(scenario, { data: 42 });", /runBacktest: data .*got 42/);
    expectInvalid("return engine.runBacktest(42, { data });", /scenario must be YAML\/JSON text or a scenario object, got 42/);
    expectInvalid("return engine.runBacktest(scenario, { data, signal: {} });", /runBacktest: signal must be an AbortSignal, got an object/);
    expectInvalid("return engine.runBacktest(scenario, { data, onProgress: 'x' });", /onProgress: expected a function/);
    expectInvalid("return engine.runBacktest(scenario, { data, verify: 'sometimes' });", /verify: expected "auto", "always" or "never"/);
    expectInvalid("return engine.scanCount(data, { right: 'put', minDte: 'a', maxDte: 9, minAbsDelta: 0, maxAbsDelta: 1 });", /minDte: expected a finite number/);
    expectInvalid("return engine.scanCount(data, { right: 'straddle', minDte: 0, maxDte: 9, minAbsDelta: 0, maxAbsDelta: 1 });", /right: expected "call" or "put"/);
    expectInvalid("return engine.mergeSweepShards('dir');", /mergeSweepShards: dirs must be a non-empty array/);
    expectInvalid("return engine.validateScenario(null);", /validateScenario: scenario must be YAML\/JSON text or a scenario object, got null/);
    expectInvalid("const o = {}; o.self = o; return engine.validateScenario(o);", /cannot be written as JSON/);
  });

  it("rejects with the progress callback's own error when it throws (the call is cancelled), never an uncaught exception", () => {
    // Progress reaches the event loop after the fact: a tiny run may have finished by then, so only
    // the rejection is certain, not how far the engine got.
    const body = `
      const mine = new Error("boom from onProgress"); mine.marker = "mine";
      await engine.runSweep(sweep, { data, threads: 1, onProgress: () => { throw mine; } });`;
    const o = inChild(body);
    expect(o.error).toMatchObject({ message: "boom from onProgress", sameObject: true });
    expect(o.uncaught).toBe(0);
    const run = inChild(`
      const mine = new Error("boom"); mine.marker = "mine";
      await engine.runBacktest(scenario, { data, onProgress: () => { throw mine; } });`);
    expect(run.error).toMatchObject({ message: "boom", sameObject: true });
    expect(run.uncaught).toBe(0);
  });

  it("reports a results directory it cannot write as an OutputError", () => {
    const dir = mkdtempSync(join(tmpdir(), "aegis-out-"));
    const file = join(dir, "a-file");
    writeFileSync(file, "not a directory");
    const o = inChild(`return engine.runBacktest(scenario, { data, out: ${JSON.stringify(join(file, "results"))} });`);
    expect(o.error).toMatchObject({ name: "OutputError", code: "ERR_WRITE" });
    expect(o.error?.message).toContain("a-file/results");
  });

  it("turns a panic inside the engine into an InternalError and keeps the process alive", () => {
    const o = inChild("await binding.__panicForTests().catch((e) => { throw e; });");
    expect(o.error).toMatchObject({ code: "ERR_INTERNAL" });
    expect(o.error?.message).toMatch(/internal error in the aegis-bt engine: deliberate panic/);
    const after = inChild(`try { await binding.__panicForTests(); } catch {} return (await engine.datasetInfo(data)).name;`);
    expect(after).toMatchObject({ value: "tiny", error: null });
  });
});

describe("corrupt partitions from JavaScript", () => {
  it("every byte flip in the head and footer of a partition is a DatasetError or changes nothing, never a crash", () => {
    // The fixture is written by apache-arrow's JS writer (no schema message at the head), unlike the
    // Rust test's arrow-rs file: both layouts are covered.
    const dir = writeTinyDataset();
    const path = join(dir, "SPX/2023.arrow");
    const good = readFileSync(path);
    const footerLen = good.readUInt32LE(good.length - 10);
    const positions = [...Array(Math.min(2048, good.length)).keys(), ...Array.from({ length: footerLen + 10 }, (_, i) => good.length - footerLen - 10 + i)];
    const body = `
      const fs = await import("node:fs");
      const good = fs.readFileSync(${JSON.stringify(path)});
      const reference = await engine.runBacktest(scenario, { data: ${JSON.stringify(dir)}, verify: "never" });
      const tally = { errors: {}, same: 0, scanned: 0, verified: 0 };
      for (const at of ${JSON.stringify(positions)}) {
        const bytes = Buffer.from(good);
        bytes[at] ^= 0xff;
        fs.writeFileSync(${JSON.stringify(path)}, bytes);
        try {
          const r = await engine.runBacktest(scenario, { data: ${JSON.stringify(dir)} });
          if (r.files.summaryJson !== reference.files.summaryJson) throw new Error("byte " + at + " changed the result silently");
          tally.same++;
        } catch (e) {
          if (!(e instanceof engine.DatasetError)) throw e;
          tally.errors[e.code] = (tally.errors[e.code] ?? 0) + 1;
        }
        await engine.scanCount(${JSON.stringify(dir)}, { right: "put", minDte: 0, maxDte: 99, minAbsDelta: 0, maxAbsDelta: 1 })
          .then(() => tally.scanned++, (e) => { if (!(e instanceof engine.DatasetError)) throw e; });
        const report = await engine.verifyDataset(${JSON.stringify(dir)}, { contents: true });
        if (!report.ok) tally.verified++;
      }
      fs.writeFileSync(${JSON.stringify(path)}, good);
      return tally;`;
    const o = inChild(body);
    expect(o.error, JSON.stringify(o.error)).toBeNull();
    const tally = o.value as { errors: Record<string, number>; same: number; verified: number };
    // Every flip changes the file's sha256: a run that verifies refuses each one, and so does verify.
    expect(tally.same).toBe(0);
    expect(Object.values(tally.errors).reduce((a, b) => a + b, 0)).toBe(positions.length);
    expect(tally.verified).toBe(positions.length);
    expect(o.uncaught).toBe(0);
  });
});
