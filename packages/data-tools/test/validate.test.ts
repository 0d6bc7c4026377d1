// `aegis-data validate` (through the engine's verifier) catches each kind of corruption and names
// the file; the CLI exits non-zero. Each case corrupts a fresh copy of one small generated dataset.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tableFromIPC, tableToIPC, type Table } from "apache-arrow";
import { beforeAll, describe, expect, it } from "vitest";
import { validate } from "../src/datasets.js";
import { readManifest, sha256File, writeManifest } from "../src/manifest.js";
import { generateDataset } from "../src/synth/index.js";

const CLI = new URL("../bin/aegis-data.js", import.meta.url).pathname;
let pristine: string;
const PART = "SPX/2023.arrow";

beforeAll(async () => {
  pristine = mkdtempSync(join(tmpdir(), "aegis-validate-"));
  await generateDataset({ profile: "spx-like", tickers: ["SPX"], start: "2023-03-01", end: "2023-03-31", seed: 5, out: pristine });
});

function copy(): string {
  const dir = mkdtempSync(join(tmpdir(), "aegis-corrupt-"));
  cpSync(pristine, dir, { recursive: true });
  return dir;
}

/** Rewrites a partition after `edit` changed values in place, and makes the manifest agree with the
 * new bytes so that only the content problem remains. */
async function rewrite(dir: string, edit: (t: Table) => void): Promise<void> {
  const path = join(dir, PART);
  const table = tableFromIPC(readFileSync(path));
  edit(table);
  writeFileSync(path, tableToIPC(table, "file"));
  const m = readManifest(dir);
  const p = m.partitions.find((x) => x.path === PART)!;
  p.sha256 = await sha256File(path);
  p.bytes = readFileSync(path).byteLength;
  writeManifest(dir, m);
}

const values = (t: Table, column: string) => t.getChild(column)!.data[0]!.values as Float64Array | Int32Array;

async function kinds(dir: string) {
  const r = await validate(dir);
  return r.problems.map((p) => `${p.file} ${p.kind}`);
}

describe("validate", () => {
  it("passes a freshly generated dataset", async () => {
    const r = await validate(pristine);
    expect(r.ok).toBe(true);
    expect(r.rowsChecked).toBe(readManifest(pristine).partitions.reduce((n, p) => n + p.rows, 0));
  });

  it("catches a corrupted byte", async () => {
    const dir = copy();
    const path = join(dir, PART);
    const bytes = readFileSync(path);
    const at = bytes.length >> 1;
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0x01, at);
    writeFileSync(path, bytes);
    expect(await kinds(dir)).toContain(`${PART} checksum`);
  });

  it("catches a truncated partition", async () => {
    const dir = copy();
    truncateSync(join(dir, PART), 1000);
    expect(await kinds(dir)).toEqual(expect.arrayContaining([`${PART} size`, `${PART} checksum`, `${PART} unreadable`]));
  });

  it("catches a missing and an extra partition", async () => {
    const dir = copy();
    cpSync(join(dir, PART), join(dir, "SPX/2019.arrow"));
    rmSync(join(dir, PART));
    expect(await kinds(dir)).toEqual([`SPX/2019.arrow extra`, `${PART} missing`]);
  });

  it("catches a row count or date range that disagrees with the manifest", async () => {
    const dir = copy();
    const m = readManifest(dir);
    m.partitions[0]!.rows += 1;
    m.partitions[0]!.lastTradeDate = "2023-12-29";
    writeManifest(dir, m);
    expect(await kinds(dir)).toEqual(expect.arrayContaining([`${PART} rows`, `${PART} dates`]));
  });

  it("catches a manifest that is not JSON", async () => {
    const dir = copy();
    writeFileSync(join(dir, "manifest.json"), "{ not json");
    expect(await kinds(dir)).toEqual(["manifest.json manifest"]);
  });

  const contentCases: [string, (t: Table) => void][] = [
    ["order", (t) => values(t, "strike").reverse()],
    ["duplicate", (t) => { const k = values(t, "strike"); k[1] = k[0]!; }],
    ["quote", (t) => { values(t, "cBidPx")[3] = values(t, "cAskPx")[3]! + 1; }],
    ["quote", (t) => { values(t, "pBidPx")[3] = -0.05; }],
    ["dates", (t) => { values(t, "expirDate")[0] = values(t, "tradeDate")[0]!; }],
    ["dates", (t) => { values(t, "tradeDate").fill(values(t, "tradeDate")[0]! - 365 * 2); }],
    ["value", (t) => { values(t, "stkPx")[2] = Number.NaN; }],
  ];
  it.each(contentCases)("catches a row-level %s problem", async (kind, edit) => {
    const dir = copy();
    await rewrite(dir, edit);
    const report = await validate(dir);
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.kind)).toContain(kind);
    expect(report.problems.every((p) => p.file === PART)).toBe(true);
  });

  it("exits non-zero from the CLI and names the file", () => {
    const dir = copy();
    rmSync(join(dir, PART));
    const r = spawnSync(process.execPath, [CLI, "validate", dir], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(join(dir, PART));
    expect(r.stderr).toContain("[missing]");
    expect(r.stdout).toMatch(/^FAILED: /);
    const ok = spawnSync(process.execPath, [CLI, "validate", pristine], { encoding: "utf8" });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^ok: 1 partitions/);
  });

  it("reports a partition with flipped header bytes as a problem of that file, never a crash", () => {
    // These bytes used to make the Arrow reader panic and abort the whole process (SIGABRT).
    for (const at of [40, 200, 400, 900, 1500]) {
      const dir = copy();
      const file = join(dir, PART);
      const bytes = readFileSync(file);
      bytes[at] = (bytes[at] ?? 0) ^ 0xff;
      writeFileSync(file, bytes);
      const r = spawnSync(process.execPath, [CLI, "validate", dir], { encoding: "utf8" });
      expect(r.signal, `byte ${at}: ${r.stderr}`).toBeNull();
      expect(r.status, `byte ${at}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toContain(join(dir, PART));
    }
  });
});
