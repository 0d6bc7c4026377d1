import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tableFromIPC } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { ChainBatch, type ChainRow } from "../src/chain-batch.js";
import { daysFromYmd } from "../src/dates.js";
import { sha256File } from "../src/manifest.js";
import { PartitionWriter } from "../src/partition-writer.js";
import { COLUMN_NAMES, FLOAT_COLUMNS, INT_COLUMNS } from "../src/schema.js";

function row(tradeDate: number, expirDate: number, strike: number): ChainRow {
  const r: Record<string, number> = { tradeDate, expirDate, strike };
  for (const c of FLOAT_COLUMNS) r[c] = strike / 100;
  for (const c of INT_COLUMNS) r[c] = 7;
  return r as ChainRow;
}

describe("PartitionWriter", () => {
  const d1 = daysFromYmd(2023, 1, 3);
  const d2 = daysFromYmd(2023, 1, 4);
  const e = daysFromYmd(2023, 2, 17);

  it("writes sorted day batches that read back with the ORATS schema and the recorded hash", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aegis-pw-"));
    const w = new PartitionWriter(dir, "SPX", 2023);
    for (const d of [d1, d2]) {
      const b = new ChainBatch(2);
      for (const k of [3900, 4000, 4100]) b.push(row(d, e, k));
      await w.write(b);
    }
    const info = await w.close();
    expect(info).toMatchObject({ path: "SPX/2023.arrow", rows: 6, firstTradeDate: "2023-01-03", lastTradeDate: "2023-01-04" });
    const file = join(dir, "SPX/2023.arrow");
    expect(info.sha256).toBe(await sha256File(file));
    expect(info.bytes).toBe(readFileSync(file).byteLength);
    const table = tableFromIPC(readFileSync(file));
    expect(table.schema.fields.map((f) => f.name)).toEqual([...COLUMN_NAMES]);
    expect(table.batches.length).toBe(2);
    expect(table.getChild("ticker")!.get(5)).toBe("SPX");
    expect(table.getChild("strike")!.toArray()).toEqual(new Float64Array([3900, 4000, 4100, 3900, 4000, 4100]));
    expect(table.getChild("cOi")!.get(0)).toBe(7);
  });

  it("refuses rows out of order and a day split across batches", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aegis-pw-"));
    const w = new PartitionWriter(dir, "SPX", 2023);
    const bad = new ChainBatch();
    bad.push(row(d1, e, 4000));
    bad.push(row(d1, e, 3900));
    await expect(w.write(bad)).rejects.toThrow(/out of order.*strike 3900/);
    const ok = new ChainBatch();
    ok.push(row(d1, e, 4000));
    await w.write(ok);
    const split = new ChainBatch();
    split.push(row(d1, e, 4100));
    await expect(w.write(split)).rejects.toThrow(/spans two record batches/);
    await w.abort();
  });
});
