#!/usr/bin/env node
// `npm run bench` (dataset upload): `aegis-launch dataset upload`'s throughput against moto server on
// 127.0.0.1 — a two-year spx-like dataset through uploadDataset by concurrency (the local check, the
// upload, MiB/s), and the resume of a complete upload (every object checked, none sent).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as delay } from "node:timers/promises";
import { fmt, machine, root, writeSection } from "./bench-doc.mjs";

const { generateDataset } = await import(join(root, "packages/data-tools/dist/index.js"));
const launcher = await import(join(root, "packages/launcher/dist/index.js"));
const { CreateBucketCommand } = await import("@aws-sdk/client-s3");

const log = (m) => console.error(`[bench-upload] ${m}`);
const MIB = 2 ** 20;
const port = await new Promise((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const endpoint = `http://127.0.0.1:${port}`;
const moto = spawn("moto_server", ["-p", String(port), "-H", "127.0.0.1"], { stdio: "ignore" });
const work = mkdtempSync(join(tmpdir(), "aegis-bench-upload-"));
try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) break;
    } catch {
      // not up yet
    }
    if (i > 300) throw new Error("moto_server did not start");
    await delay(200);
  }
  const aws = launcher.createClients({ region: "us-east-1", endpoint, credentials: { accessKeyId: "bench", secretAccessKey: "bench" } });
  await aws.s3.send(new CreateBucketCommand({ Bucket: "bench" }));
  log("generating a two-year spx-like SPX dataset…");
  const dir = join(work, "bench-spx-2y");
  await generateDataset({ profile: "spx-like", tickers: ["SPX"], start: "2022-01-03", end: "2023-12-29", seed: 1, out: dir, name: "bench-spx-2y" });

  const rows = [];
  const load = loadavg()[0];
  let resume;
  for (const concurrency of [1, 4, 8]) {
    let best;
    for (let r = 0; r < 2; r++) {
      const name = `bench-c${concurrency}-r${r}`;
      let checked;
      const t0 = performance.now();
      const result = await launcher.uploadDataset(aws.s3, {
        bucket: "bench",
        dir,
        name,
        concurrency,
        onEvent: (e) => {
          if (e.type === "plan") checked = performance.now();
        },
      });
      const t1 = performance.now();
      const run = { bytes: result.uploadedBytes, files: result.files, check: (checked - t0) / 1000, upload: (t1 - checked) / 1000 };
      if (!best || run.upload < best.upload) best = run;
      if (concurrency === 8 && r === 1) {
        const s0 = performance.now();
        const again = await launcher.uploadDataset(aws.s3, { bucket: "bench", dir, name, concurrency });
        resume = { seconds: (performance.now() - s0) / 1000, skipped: again.skipped };
      }
      await launcher.removeDataset(aws.s3, "bench", name);
    }
    log(`concurrency ${concurrency}: ${fmt(best.bytes / MIB / best.upload, 1)} MiB/s`);
    rows.push({ concurrency, ...best });
  }
  launcher.destroyClients(aws);

  const size = rows[0].bytes;
  const table = rows
    .map((r) => `| ${r.concurrency} | ${r.files} files, ${fmt(size / MIB, 1)} MiB | ${fmt(r.check, 2)} s (${fmt(size / MIB / r.check, 0)} MiB/s) | ${fmt(r.upload, 2)} s | **${fmt(size / MIB / r.upload, 1)} MiB/s** |`)
    .join("\n");
  writeSection(
    "upload",
    `### Dataset upload (against moto server on 127.0.0.1)

Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench\` (\`scripts/bench-upload.mjs\`) on ${machine()}.
\`uploadDataset\` (what \`aegis-launch dataset upload\` runs) of a two-year spx-like SPX dataset (one
partition a year, 16 MiB parts, so each partition is a multipart upload; best of 2 per concurrency):
the local check (every file hashed against the manifest, the part digests taken in the same read),
then the upload (checksummed parts, every object read back with HeadObject, the manifest last).
moto is one Python process on the same machine, so this measures the launcher's overhead against a
slow local S3, not AWS; the machine is shared (load average ${fmt(load, 1)} on its ${cpus().length} cores when the runs began).

| requests in flight | dataset | local check | upload | upload rate |
|---|---|---|---|---|
${table}

Running the same upload again over the complete dataset (concurrency 8): ${fmt(resume.seconds, 2)} s, ${resume.skipped} objects
checked with HeadObject and skipped, nothing sent (the local check included).`,
  );
} finally {
  moto.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
}
