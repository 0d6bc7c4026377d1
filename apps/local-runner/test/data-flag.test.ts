// One meaning of `--data` everywhere: the aegis-bt binary, the addon (runBacktest) and aegis-local
// read the same dataset from a data root or from the dataset directory itself and write the same
// bytes; a directory the user names is never written to; synthetic datasets are generated only
// into the cache, saying so first; bad `--data` fails with one line naming the path.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { runBacktest } from "@aegis-bt/engine";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureScenarioData } from "../src/scenario-file.js";
import { ensureDataset, type GenerateNotice } from "../src/synthetic.js";
import { tempDirs } from "./temp-dirs.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const BINARY = join(ROOT, "target/release/aegis-bt");
const CLI = join(ROOT, "apps/local-runner/bin/aegis-local.js");
const DATASET = "synthetic-spx-1y";
const RESULT_FILES = ["summary.json", "equity.arrow", "trades.arrow"];

const tmp = tempDirs("aegis-data-");

/** A one-year short put on `dataset` (SPX unless `tickers` says otherwise), as a YAML file; with `sweep`, a two-point sweep. */
function scenarioFile(dataset = DATASET, tickers = ["SPX"], sweep = false): string {
  const file = join(tmp("scenario"), "scenario.yaml");
  writeFileSync(
    file,
    [
      "name: data-flag",
      `data: { dataset: ${dataset}, tickers: [${tickers.join(", ")}], start: 2023-01-03, end: 2023-12-29 }`,
      "capital: 1000000",
      "strategy:",
      "  legs:",
      "    - { right: put, side: short, qty: 1, dte: { target: 45, min: 30, max: 60 }, delta: { target: 0.3, min: 0.05, max: 0.45 } }",
      "  entry: { every_trading_days: 5, max_open: 3 }",
      "  exit: { profit_target: 0.5, stop_loss: 2, dte_exit: 21 }",
      "  sizing: { contracts: 1 }",
      "costs: { commission_per_contract: 0.65, slippage: { spread_fraction: 0.5 } }",
      ...(sweep ? ['sweep: { grid: { "strategy.exit.profit_target": [0.25, 0.5] } }'] : []),
      "",
    ].join("\n"),
  );
  return file;
}

/** `aegis-local …` with the cache at `cache` (never the user's own). */
function local(args: string[], cache: string): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, CI: "1", AEGIS_DATA_ROOT: cache } });
}

function binary(args: string[]): SpawnSyncReturns<string> {
  const { AEGIS_DATA_ROOT: _, ...env } = process.env;
  return spawnSync(BINARY, args, { encoding: "utf8", env });
}

/** Every path under `dir` with its size and modification time: any write shows. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const s = statSync(p);
      out[relative(dir, p)] = `${s.size}@${s.mtimeMs}`;
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** The one error line of a failed command, without its program prefix. */
function errorLine(r: SpawnSyncReturns<string>, who: string): string {
  expect(r.status, `${who}: ${r.stderr}`).not.toBe(0);
  const lines = r.stderr.split("\n").filter((l) => l.includes("error:"));
  expect(lines, `${who}: ${r.stderr}`).toHaveLength(1);
  expect(r.stderr, who).not.toMatch(/\n\s+at |panicked|RUST_BACKTRACE/);
  return lines[0]!.replace(/^[\w-]+: error: /, "");
}

let data: string; // a data root holding DATASET, made once
let scenario: string;
let sweepScenario: string;
/** The scenario file `run` or `sweep` takes. */
const scenarioFor = (cmd: string) => (cmd === "sweep" ? sweepScenario : scenario);
let emptyCache: string;

beforeAll(async () => {
  data = tmp("root");
  await ensureDataset(data, DATASET, ["SPX"]);
  scenario = scenarioFile();
  sweepScenario = scenarioFile(DATASET, ["SPX"], true);
  emptyCache = tmp("cache");
}, 300_000);

describe("--data D, as a root or as the dataset directory itself", () => {
  it.each([
    ["a data root", () => data],
    ["the dataset directory itself", () => join(data, DATASET)],
  ])("%s: the binary, the addon and aegis-local write byte-identical results and nothing into D", async (_, dir) => {
    const D = dir();
    const before = snapshot(data);
    const viaBinary = join(tmp("binary"), "out");
    const b = binary(["run", "--scenario", scenario, "--data", D, "--out", viaBinary, "--quiet"]);
    expect(b.status, b.stderr).toBe(0);
    const viaAddon = join(tmp("addon"), "out");
    const a = await runBacktest(readFileSync(scenario, "utf8"), { data: D, out: viaAddon, source: scenario });
    expect(a.summary.diagnostics.positions_opened).toBeGreaterThan(0);
    const viaLocal = join(tmp("local"), "out");
    const l = local(["run", scenario, "--data", D, "--out", viaLocal, "--no-report"], emptyCache);
    expect(l.status, l.stderr).toBe(0);
    expect(l.stderr).not.toMatch(/generat/);

    for (const f of RESULT_FILES) {
      const expected = readFileSync(join(viaBinary, f));
      expect(readFileSync(join(viaAddon, f)).equals(expected), `addon ${f}`).toBe(true);
      expect(readFileSync(join(viaLocal, f)).equals(expected), `aegis-local ${f}`).toBe(true);
    }
    for (const out of [viaBinary, viaAddon, viaLocal]) {
      expect(JSON.parse(readFileSync(join(out, "run.json"), "utf8")).data_dir).toMatch(new RegExp(`${DATASET}$`));
    }
    expect(snapshot(data)).toEqual(before);
    expect(readdirSync(emptyCache)).toEqual([]);
  });

  it("sweep: aegis-local on the dataset directory writes what aegis-bt writes from the root", () => {
    const viaBinary = join(tmp("binary"), "out");
    const b = binary(["sweep", "--scenario", sweepScenario, "--data", data, "--out", viaBinary, "--quiet"]);
    expect(b.status, b.stderr).toBe(0);
    const viaLocal = join(tmp("local"), "out");
    const l = local(["sweep", sweepScenario, "--data", join(data, DATASET), "--out", viaLocal, "--no-report"], emptyCache);
    expect(l.status, l.stderr).toBe(0);
    for (const f of ["sweep.arrow", "returns.arrow"]) expect(readFileSync(join(viaLocal, f)).equals(readFileSync(join(viaBinary, f))), f).toBe(true);
  });

  it("a root and the dataset directory give the same bytes", () => {
    const outs = [data, join(data, DATASET)].map((D) => {
      const out = join(tmp("both"), "out");
      const r = local(["run", scenario, "--data", D, "--out", out, "--no-report"], emptyCache);
      expect(r.status, r.stderr).toBe(0);
      return out;
    });
    for (const f of RESULT_FILES) expect(readFileSync(join(outs[0]!, f)).equals(readFileSync(join(outs[1]!, f))), f).toBe(true);
  });
});

describe("a --data directory without the dataset", () => {
  /** Directories that do not hold DATASET, each with something in it to guard. */
  function places(): Record<string, string> {
    const empty = tmp("empty");
    const others = tmp("others");
    mkdirSync(join(others, "orats-spx"));
    writeFileSync(join(others, "orats-spx", "manifest.json"), JSON.stringify({ name: "orats-spx" }));
    writeFileSync(join(others, "notes.txt"), "mine\n");
    // Its manifest is enough: the engine stops at the name.
    const another = join(tmp("another"), "mine");
    mkdirSync(another);
    const m = JSON.parse(readFileSync(join(data, DATASET, "manifest.json"), "utf8")) as { name: string };
    writeFileSync(join(another, "manifest.json"), JSON.stringify({ ...m, name: "mine" }));
    return { "an empty directory": empty, "a root of other datasets": others, "another dataset's directory": another };
  }

  it("is never written to, by run or sweep, and nothing is generated anywhere", () => {
    for (const [what, D] of Object.entries(places())) {
      const before = snapshot(D);
      for (const cmd of ["run", "sweep"]) {
        const out = join(tmp("o"), "out");
        const r = local([cmd, scenarioFor(cmd), "--data", D, "--out", out], emptyCache);
        expect(r.status, `${what} ${cmd}: ${r.stderr}`).toBe(1);
        expect(r.stderr, what).not.toMatch(/generating/);
        expect(existsSync(out), `${what} ${cmd}: nothing written to --out`).toBe(false);
      }
      expect(snapshot(D), what).toEqual(before);
    }
    expect(readdirSync(emptyCache)).toEqual([]);
  });

  it("fails as the binary does, and for a synthetic name says where aegis-local generates instead", () => {
    const p = places();
    const cases: [string, string, RegExp][] = [
      ["an empty directory", p["an empty directory"]!, /^dataset synthetic-spx-1y not found under (\S+) \(it holds no datasets\)$/],
      ["a root of other datasets", p["a root of other datasets"]!, /^dataset synthetic-spx-1y not found under (\S+) \(it holds orats-spx\)$/],
    ];
    for (const [what, D, message] of cases) {
      const l = errorLine(local(["run", scenario, "--data", D, "--out", join(tmp("o"), "out")], emptyCache), `aegis-local, ${what}`);
      const b = errorLine(binary(["run", "--scenario", scenario, "--data", D, "--out", join(tmp("o"), "out"), "--quiet"]), `aegis-bt, ${what}`);
      expect(b).toMatch(message);
      expect(message.exec(b)?.[1]).toBe(D);
      expect(l.startsWith(`${b}; `), `${what}: ${l}`).toBe(true);
      expect(l).toContain(`aegis-local generates synthetic datasets only into its cache (${emptyCache}): drop --data to use it`);
    }
    // Another dataset's directory: the engine's own words, exactly.
    const D = p["another dataset's directory"]!;
    const l = errorLine(local(["run", scenario, "--data", D, "--out", join(tmp("o"), "out")], emptyCache), "aegis-local");
    const b = errorLine(binary(["run", "--scenario", scenario, "--data", D, "--out", join(tmp("o"), "out"), "--quiet"]), "aegis-bt");
    expect(l).toBe(`dataset synthetic-spx-1y not found: ${D} holds dataset mine`);
    expect(l).toBe(b);
  });
});

describe("bad --data", () => {
  const file = join(tmp("file"), "scenario.yaml");
  writeFileSync(file, "x");

  it.each([
    ["a path that does not exist", () => join(tmpdir(), "aegis-no-such-dir", "data"), (D: string) => `--data ${D}: no such directory`],
    ["a path under a file", () => join(file, "data"), (D: string) => `--data ${D}: no such directory`],
    ["a file", () => file, (D: string) => `--data ${D}: not a directory (name a data root holding <dataset>/manifest.json, or the dataset directory itself)`],
    ["a manifest file instead of its directory", () => join(data, DATASET, "manifest.json"), (D: string) => `--data ${D}: not a directory (name a data root holding <dataset>/manifest.json, or the dataset directory itself)`],
    ["an empty path", () => "", () => "--data: the path is empty"],
  ])("%s: one line naming it, from run and sweep", (_, path, message) => {
    const D = path();
    for (const cmd of ["run", "sweep"]) {
      expect(errorLine(local([cmd, scenarioFor(cmd), "--data", D, "--out", join(tmp("o"), "out")], emptyCache), cmd)).toBe(message(D));
    }
  });

  it("a dataset directory whose manifest is not JSON: the engine's message naming the file", () => {
    const D = tmp("bad-manifest");
    writeFileSync(join(D, "manifest.json"), "{oops");
    const l = errorLine(local(["run", scenario, "--data", D, "--out", join(tmp("o"), "out")], emptyCache), "aegis-local");
    const b = errorLine(binary(["run", "--scenario", scenario, "--data", D, "--out", join(tmp("o"), "out"), "--quiet"]), "aegis-bt");
    expect(l).toMatch(new RegExp(`^${D}/manifest.json: invalid manifest: `));
    expect(l).toBe(b);
  });

  it("a dataset without the scenario's ticker: the engine's message, nothing regenerated in D", () => {
    const before = snapshot(data);
    const s = scenarioFile(DATASET, ["SPX", "QQQ"]);
    const l = errorLine(local(["run", s, "--data", data, "--out", join(tmp("o"), "out")], emptyCache), "aegis-local");
    expect(l).toBe("dataset synthetic-spx-1y: ticker QQQ is not in the dataset (it has SPX)");
    expect(snapshot(data)).toEqual(before);
  });
});

describe("the cache (no --data)", () => {
  it("generates a missing synthetic dataset there once, saying which, where it looked and where it goes", () => {
    const cache = join(tmp("cache"), "datasets");
    const out = join(tmp("o"), "out");
    const first = local(["run", scenario, "--out", out, "--no-report"], cache);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toContain(`dataset ${DATASET} not found under ${cache}; generating it into ${join(cache, DATASET)}\n`);
    expect(readdirSync(cache)).toEqual([DATASET]);
    // The cache's dataset is the fixture's, byte for byte, so the results are too.
    const viaBinary = join(tmp("binary"), "out");
    expect(binary(["run", "--scenario", scenario, "--data", data, "--out", viaBinary, "--quiet"]).status).toBe(0);
    for (const f of RESULT_FILES) expect(readFileSync(join(out, f)).equals(readFileSync(join(viaBinary, f))), f).toBe(true);
    const again = local(["run", scenario, "--out", join(tmp("o"), "out"), "--no-report"], cache);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/generat/);
  });
});

describe("ensureScenarioData", () => {
  const summary = { dataset: DATASET, tickers: ["SPX"] } as Parameters<typeof ensureScenarioData>[0];

  it("passes the absolute --data on to the engine and names the dataset's directory", async () => {
    await expect(ensureScenarioData(summary, join(data, DATASET))).resolves.toEqual({ root: join(data, DATASET), dataset: { dir: join(data, DATASET), generated: false } });
    await expect(ensureScenarioData(summary, data)).resolves.toEqual({ root: data, dataset: { dir: join(data, DATASET), generated: false } });
  });

  it("never generates into the cache when the cache is itself another dataset's directory", async () => {
    const cache = tmp("cache-dataset");
    writeFileSync(join(cache, "manifest.json"), JSON.stringify({ name: "mine", tickers: ["SPX"] }));
    const notices: GenerateNotice[] = [];
    await expect(ensureDataset(cache, DATASET, ["SPX"], { onGenerateStart: (n) => notices.push(n) })).rejects.toThrow(
      `dataset ${DATASET} not found: ${cache} holds dataset mine`,
    );
    expect(notices).toEqual([]);
    expect(readdirSync(cache)).toEqual(["manifest.json"]);
  });
});
