import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  AbortError,
  DatasetError,
  InvalidArgumentError,
  datasetInfo,
  engineVersion,
  scanCount,
  verifyDataset,
} from "../src/index.js";
import { writeTinyDataset } from "./fixture.js";

describe("@aegis-bt/engine", () => {
  it("reports the engine version from the Cargo workspace", () => {
    const cargo = readFileSync(new URL("../../../Cargo.toml", import.meta.url), "utf8");
    const version = /\[workspace\.package\][^[]*?version = "([^"]+)"/.exec(cargo)?.[1];
    expect(engineVersion()).toBe(version);
  });

  it("summarizes a dataset from its manifest", async () => {
    const dir = writeTinyDataset();
    const info = await datasetInfo(dir);
    expect(info).toMatchObject({
      name: "tiny",
      tickers: ["SPX"],
      firstTradeDate: "2023-01-03",
      lastTradeDate: "2023-01-05",
      partitions: 1,
      rows: 30,
      source: { kind: "synthetic", seed: 0 },
    });
    expect(info.perTicker).toEqual([
      { ticker: "SPX", firstTradeDate: "2023-01-03", lastTradeDate: "2023-01-05", partitions: 1, rows: 30 },
    ]);
  });

  it("rejects with a typed error naming the file when the manifest is missing or broken", async () => {
    const missing = datasetInfo("/nonexistent/aegis-dataset");
    await expect(missing).rejects.toBeInstanceOf(DatasetError);
    await expect(missing).rejects.toMatchObject({ code: "ERR_DATA_IO", message: expect.stringContaining("/nonexistent/aegis-dataset") });

    const dir = writeTinyDataset();
    writeFileSync(join(dir, "manifest.json"), '{ "schemaVersion": 1,\n  "name": }');
    await expect(datasetInfo(dir)).rejects.toMatchObject({
      name: "DatasetError",
      code: "ERR_DATA_MANIFEST",
      message: expect.stringMatching(/manifest\.json: invalid manifest: .*line 2/),
    });
  });

  it("verifies a dataset and names the corrupted file", async () => {
    const dir = writeTinyDataset();
    const good = await verifyDataset(dir);
    expect(good).toMatchObject({ ok: true, partitionsChecked: 1, rowsChecked: 30, problems: [] });

    const path = join(dir, "SPX/2023.arrow");
    const bytes = readFileSync(path);
    const at = bytes.length >> 1;
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
    writeFileSync(path, bytes);
    const bad = await verifyDataset(dir, { contents: false });
    expect(bad.ok).toBe(false);
    expect(bad.problems).toContainEqual(expect.objectContaining({ file: "SPX/2023.arrow", kind: "checksum" }));

    rmSync(path);
    expect((await verifyDataset(dir)).problems).toEqual([
      expect.objectContaining({ file: "SPX/2023.arrow", kind: "missing" }),
    ]);
  });

  it("counts contracts in DTE and delta windows by scanning the memory-mapped columns", async () => {
    const dir = writeTinyDataset();
    // Puts: |put delta| = 1 − call delta ∈ {0.1, 0.3, 0.5, 0.7, 0.9}. Window [0.25, 0.55] keeps strikes
    // 95 and 100 (0.3, 0.5). DTE 20..40 keeps the Feb expiry only (30, 29, 28 days): 2 × 3 days = 6.
    const r = await scanCount(dir, { right: "put", minDte: 20, maxDte: 40, minAbsDelta: 0.25, maxAbsDelta: 0.55 });
    expect(r).toMatchObject({ rowsScanned: 30, rowsMatched: 6, days: 3, partitions: 1 });
    // Calls 0.05..0.35 (strikes 105, 110), any expiry, from 2023-01-04 on: 2 × 2 expiries × 2 days.
    const c = await scanCount(dir, {
      right: "call",
      minDte: 0,
      maxDte: 365,
      minAbsDelta: 0.05,
      maxAbsDelta: 0.35,
      start: "2023-01-04",
    });
    expect(c.rowsMatched).toBe(8);
  });

  it("refuses bad arguments and unknown tickers with typed errors", async () => {
    const dir = writeTinyDataset();
    const req = { right: "straddle", minDte: 0, maxDte: 10, minAbsDelta: 0, maxAbsDelta: 1 };
    await expect(scanCount(dir, req)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(scanCount(dir, { ...req, right: "put", tickers: ["RUT"] })).rejects.toMatchObject({
      code: "ERR_DATA_SELECTION",
      message: "dataset tiny: ticker RUT is not in the dataset (it has SPX)",
    });
  });

  it("runs off the event loop and honours an AbortSignal", async () => {
    const dir = writeTinyDataset(Array.from({ length: 200 }, (_, i) => new Date(Date.UTC(2023, 0, 3) + i * 86_400_000).toISOString().slice(0, 10)).filter((d) => d < "2023-02-01"));
    let settled = false;
    const pending = verifyDataset(dir).then((r) => {
      settled = true;
      return r;
    });
    expect(settled).toBe(false); // returned a promise; the work is on the thread pool
    expect((await pending).ok).toBe(true);

    const controller = new AbortController();
    controller.abort();
    await expect(verifyDataset(dir, { signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
  });
});
