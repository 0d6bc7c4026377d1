// The import benchmark, run on request only (it writes ~60 MB and takes a while on a busy machine):
//   AEGIS_BENCH=1 npx vitest run test/orats-bench.test.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { benchImport } from "../bench/import-bench.js";

it.runIf(process.env.AEGIS_BENCH)("imports synthetic ORATS files at a useful rate", async () => {
  const dir = mkdtempSync(join(tmpdir(), "aegis-orats-bench-"));
  try {
    const r = await benchImport(dir);
    console.log(
      `import-orats: ${r.rows} rows, ${(r.inputBytes / 1e6).toFixed(1)} MB in ${r.seconds.toFixed(2)} s = ${r.rowsPerSecond} rows/s`,
    );
    expect(r.rows).toBe(180_000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
