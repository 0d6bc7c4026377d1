import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GENERATOR_VERSION } from "@aegis-bt/data-tools";
import { describe, expect, it } from "vitest";
import { ensureDataset, syntheticSpec, type GenerateNotice } from "../src/synthetic.js";
import { tempDirs } from "./temp-dirs.js";

const tmp = tempDirs("aegis-cache-");

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

describe("the cache", () => {
  const NAME = "synthetic-spx-1y";
  const cache = () => join(tmp(), "datasets");
  const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { name: string; tickers: string[] };

  it("generates a missing synthetic dataset into <cache>/<name>, announced first, and reuses it", async () => {
    const c = cache();
    const notices: GenerateNotice[] = [];
    const first = await ensureDataset(c, NAME, ["SPX"], { onGenerateStart: (n) => notices.push(n) });
    expect(first).toMatchObject({ dir: join(c, NAME), generated: true });
    expect(notices).toEqual([
      { name: NAME, lookedIn: c, into: join(c, NAME), tickers: ["SPX"], missingTickers: [], message: `dataset ${NAME} not found under ${c}; generating it into ${join(c, NAME)}` },
    ]);
    expect(readdirSync(c)).toEqual([NAME]);
    expect(manifestOf(join(c, NAME))).toMatchObject({ name: NAME, tickers: ["SPX"] });
    expect(await ensureDataset(c, NAME, ["SPX"], { onGenerateStart: (n) => notices.push(n) })).toEqual({ dir: join(c, NAME), generated: false });
    expect(notices).toHaveLength(1);
  });

  it("regenerates a cached synthetic dataset that lacks a ticker, keeping the old ticker's bytes", async () => {
    const c = cache();
    await ensureDataset(c, NAME, ["SPX"]);
    const spx = readFileSync(join(c, NAME, "SPX", "2023.arrow"));
    const notices: GenerateNotice[] = [];
    await ensureDataset(c, NAME, ["QQQ"], { onGenerateStart: (n) => notices.push(n) });
    expect(notices.map((n) => n.message)).toEqual([`dataset ${NAME} in ${join(c, NAME)} has no QQQ; regenerating it with QQQ, SPX`]);
    expect(manifestOf(join(c, NAME)).tickers).toEqual(["QQQ", "SPX"]);
    expect(readFileSync(join(c, NAME, "SPX", "2023.arrow")).equals(spx)).toBe(true);
    expect(readdirSync(c)).toEqual([NAME]);
  });

  it("regenerates a cached synthetic dataset made by another generator version, saying so", async () => {
    const c = cache();
    const name = "synthetic-equity-1y";
    await ensureDataset(c, name, ["AAA"]);
    const dir = join(c, name);
    const partition = readFileSync(join(dir, "AAA", "2023.arrow"));
    // What aegis-synth/1 left: the same partitions, no events.arrow, no events in the manifest.
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    manifest.source.generator = "aegis-synth/1";
    delete manifest.events;
    writeFileSync(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    rmSync(join(dir, "events.arrow"));

    const notices: GenerateNotice[] = [];
    expect(await ensureDataset(c, name, ["AAA"], { onGenerateStart: (n) => notices.push(n) })).toMatchObject({ dir, generated: true });
    expect(notices).toEqual([
      {
        name,
        lookedIn: c,
        into: dir,
        tickers: ["AAA"],
        missingTickers: [],
        outdatedGenerator: "aegis-synth/1",
        message: `dataset ${name} in ${dir} was made by aegis-synth/1, not ${GENERATOR_VERSION}; regenerating it with AAA`,
      },
    ]);
    const now = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    expect(now.source.generator).toBe(GENERATOR_VERSION);
    expect(now.events).toMatchObject({ path: "events.arrow" });
    expect(existsSync(join(dir, "events.arrow"))).toBe(true);
    expect(readFileSync(join(dir, "AAA", "2023.arrow")).equals(partition)).toBe(true);
    expect(readdirSync(c)).toEqual([name]);

    // Current now: reused as it is. A missing ticker and an old generator are both named.
    expect(await ensureDataset(c, name, ["AAA"], { onGenerateStart: (n) => notices.push(n) })).toEqual({ dir, generated: false });
    expect(notices).toHaveLength(1);
    now.source.generator = "aegis-synth/0";
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(now));
    await ensureDataset(c, name, ["BBB"], { onGenerateStart: (n) => notices.push(n) });
    expect(notices[1]!.message).toBe(`dataset ${name} in ${dir} has no BBB and was made by aegis-synth/0, not ${GENERATOR_VERSION}; regenerating it with AAA, BBB`);
  });

  it("never replaces a dataset it did not generate, nor one in the cache's own manifest", async () => {
    const c = cache();
    mkdirSync(join(c, NAME), { recursive: true });
    const imported = JSON.stringify({ name: NAME, tickers: ["SPX"], source: { kind: "orats" } });
    writeFileSync(join(c, NAME, "manifest.json"), imported);
    expect(await ensureDataset(c, NAME, ["QQQ"])).toEqual({ dir: join(c, NAME), generated: false });
    expect(readFileSync(join(c, NAME, "manifest.json"), "utf8")).toBe(imported);

    const itself = tmp("itself");
    writeFileSync(join(itself, "manifest.json"), JSON.stringify({ name: NAME, tickers: ["SPX"], source: { kind: "synthetic" } }));
    expect(await ensureDataset(itself, NAME, ["QQQ"])).toEqual({ dir: itself, generated: false });
    expect(readdirSync(itself)).toEqual(["manifest.json"]);
  });

  it("refuses a directory in the way and a non-synthetic name, saying where it looked", async () => {
    const c = cache();
    mkdirSync(join(c, NAME), { recursive: true });
    writeFileSync(join(c, NAME, "notes.txt"), "mine");
    await expect(ensureDataset(c, NAME, ["SPX"])).rejects.toThrow(
      `${join(c, NAME)} is in the way: it is not an empty directory and holds no manifest.json; remove it and run again`,
    );
    expect(readdirSync(join(c, NAME))).toEqual(["notes.txt"]);
    await expect(ensureDataset(c, "orats-spx", ["SPX"])).rejects.toThrow(`dataset orats-spx not found under ${c} (it holds no datasets); import it with`);
  });

  it("refuses a cache path that is a file, naming it", async () => {
    const file = join(tmp("file"), "datasets");
    writeFileSync(file, "not a directory");
    await expect(ensureDataset(file, NAME, ["SPX"])).rejects.toThrow(`the dataset cache ${file}: not a directory (set AEGIS_DATA_ROOT to a directory)`);
    expect(readFileSync(file, "utf8")).toBe("not a directory");
  });

  it("replaces an empty directory at the dataset's place", async () => {
    const c = cache();
    mkdirSync(join(c, NAME), { recursive: true });
    expect(await ensureDataset(c, NAME, ["SPX"])).toMatchObject({ generated: true });
    expect(manifestOf(join(c, NAME)).name).toBe(NAME);
  });

  it("leaves nothing under the dataset's name when generation is aborted, and clears abandoned work", async () => {
    const c = cache();
    mkdirSync(c, { recursive: true });
    const gone = spawnSync("true").pid; // a process that has exited
    const abandoned = join(c, `.${NAME}.partial-${gone}-abcdef`);
    mkdirSync(join(abandoned, "SPX"), { recursive: true });
    writeFileSync(join(abandoned, "SPX", "2023.arrow"), "half");
    const ours = join(c, `.${NAME}.partial-${process.pid}-keep`);
    mkdirSync(ours);

    const controller = new AbortController();
    await expect(ensureDataset(c, NAME, ["SPX"], { signal: controller.signal, onProgress: () => controller.abort() })).rejects.toMatchObject({ name: "AbortError" });
    expect(readdirSync(c).sort()).toEqual([`.${NAME}.partial-${process.pid}-keep`]);
    expect(existsSync(join(c, NAME))).toBe(false);
  });
});
