#!/usr/bin/env node
// `npx nx run infra:image-test`: the container image built and run as ECS would run it, against moto.
//
// 1. A Docker engine must answer (`docker info`); CI starts one with the vfs storage driver.
// 2. The base image the Dockerfile names (`debian:bookworm-slim`) is used if Docker has it, else made
//    here: no image registry is reachable from these machines, so it is a minimal bookworm
//    debootstrapped (variant minbase, with ca-certificates) from the mirror apt's sources name, and
//    `docker import`ed under that tag (root and debootstrap needed; cached by the tag afterwards).
// 3. The image is built with `--target prebuilt` around the release binary target/release/aegis-bt
//    (AEGIS_BT_BINARY overrides it), with a build context of only the Dockerfile and the binary; its
//    size is reported.
// 4. moto server on 127.0.0.1 gets the bucket the compute stack names, a small synthetic dataset
//    (uploaded as `aegis-launch dataset upload` does) and the scenarios. The container runs from the
//    synthesized task definitions (cdk synth of this package): their entry point, command,
//    environment, user, read-only root (if set), stop timeout and mount points, overlaid with the
//    launcher's own RunTask overrides (buildRunTaskRequest). What AWS would add to a task stands
//    in for itself: the region, credentials, and the endpoint of moto on the host network. Runs: one
//    backtest from the dataset snapshot's volume (the dataset bind-mounted read-only at /mnt/data),
//    one sweep shard the same way, and one backtest on the task definition without the volume
//    (the S3 sync into the image's scratch directory).
// 5. The results in moto's S3 are compared byte for byte with the in-process addon's for the same
//    scenario and data (run.json and sweep.json field by field, without their times, host and
//    provenance of the entry point). Any difference fails the test with the file named.
//
// On success the figures go to docs/BENCHMARKS.md ("The image"). Exit code 0 = passed, 1 = failed.
import { Buffer } from "node:buffer";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { clearTimeout, setTimeout } from "node:timers";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { createGzip } from "node:zlib";

const PACKAGE = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ROOT = resolve(PACKAGE, "../..");
const BINARY = process.env.AEGIS_BT_BINARY ?? join(ROOT, "target/release/aegis-bt");
const IMAGE = "aegis-bt:image-test";
const REGION = "us-east-1";
const ACCOUNT = "123456789012";
const CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };
const DATASET = "image-test-spx";
const SNAPSHOT_ID = "snap-0123456789abcdef0";
const SHARD = { index: 1, count: 3 };
const CONTAINER_TIMEOUT_MS = 10 * 60_000;

const BACKTEST = `name: image-test-short-put
data: { dataset: ${DATASET}, tickers: [SPX], start: 2023-07-03, end: 2023-12-29 }
capital: 1000000
strategy:
  template: { put_vertical: { dte: { target: 30, min: 20, max: 45 }, delta: { target: 0.25 }, width: 50, kind: credit } }
  entry: { every_trading_days: 5, max_open: 3 }
  exit: { profit_target: 0.5, stop_loss: 2.0, dte_exit: 10 }
  sizing: { contracts: 2 }
`;
const SWEEP = `${BACKTEST.replace("name: image-test-short-put", "name: image-test-put-sweep")}sweep:
  grid: { "strategy.exit.profit_target": [0.25, 0.5, 0.75], "strategy.exit.stop_loss": [1.5, 2.0] }
cscv: { partitions: 4 }
`;
/** Fields of run.json and sweep.json that differ between two runs or entry points by nature. */
const VOLATILE = new Set(["git_sha", "entry_point", "data_path", "host", "started_at", "wall_seconds", "threads", "timings", "verification", "data_dir"]);

// The AWS SDK's notice that later versions will need Node 22 says nothing about this test.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

class Failure extends Error {}
const fail = (message) => {
  throw new Failure(message);
};
const log = (m) => console.error(`[image-test] ${m}`);
const seconds = (t0) => (performance.now() - t0) / 1000;
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

/** A command to its end; its output captured. */
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 2 ** 20, ...opts });
  if (r.error?.code === "ENOENT") return { status: 127, stdout: "", stderr: `${cmd}: not found`, missing: true };
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", missing: false };
}

const tail = (text, n = 25) => text.trim().split("\n").slice(-n).join("\n");

function checkDocker() {
  const r = run("docker", ["info", "--format", "{{.ServerVersion}} {{.Driver}}"]);
  if (r.missing) fail("docker is not installed: install a Docker engine (Debian: apt-get install docker.io) and start it (.ci/run does both)");
  if (r.status !== 0) {
    fail(`no Docker engine answers (docker info: ${tail(r.stderr, 3)}). Start one, e.g. as root: dockerd --storage-driver vfs & (.ci/run does), then run this again`);
  }
  const [version, driver] = r.stdout.trim().split(" ");
  return { version, driver };
}

function imageExists(tag) {
  return run("docker", ["image", "inspect", tag]).status === 0;
}

function imageConfig(tag) {
  const r = run("docker", ["image", "inspect", "--format", "{{json .}}", tag]);
  if (r.status !== 0) fail(`docker image inspect ${tag}: ${tail(r.stderr, 3)}`);
  return JSON.parse(r.stdout);
}

/** The image the Dockerfile's `base` stage starts from. */
function baseImageTag(dockerfile) {
  const from = /^FROM\s+(\S+)\s+AS\s+base\s*$/im.exec(readFileSync(dockerfile, "utf8"));
  if (!from) fail(`${relative(ROOT, dockerfile)}: no \`FROM <image> AS base\` stage`);
  return from[1];
}

/** The mirror apt fetches `suite` from (the machine's own sources; read, never assumed). */
function aptMirror(suite) {
  // --no-release-info: from the sources alone, whether or not `apt-get update` has run.
  const r = run("apt-get", ["indextargets", "--no-release-info", "--format", "$(REPO_URI)", `Release: ${suite}`, "Target-Of: deb", "Identifier: Packages"]);
  if (r.missing) fail("apt-get is not available: the base image is made from Debian packages with debootstrap, on a Debian machine");
  const uri = r.stdout.split("\n").map((l) => l.trim()).find((l) => l !== "");
  if (!uri) fail(`apt knows no deb source for ${suite}: add one to /etc/apt/sources.list.d/ and run apt-get update (debootstrap uses the mirror apt uses)`);
  return uri;
}

/** A minimal Debian of the tag's suite, debootstrapped and imported under `tag`. */
function makeBaseImage(tag) {
  const suite = /^debian:([a-z]+)-slim$/.exec(tag)?.[1];
  if (!suite) fail(`the base image ${tag} is missing, and only debian:<suite>-slim can be made here`);
  if (process.getuid?.() !== 0) fail(`the base image ${tag} is missing; making it (debootstrap) needs root: run this as root once, or load ${tag} into Docker`);
  if (run("debootstrap", ["--version"]).missing) fail(`the base image ${tag} is missing and debootstrap is not installed (apt-get install debootstrap)`);
  const mirror = aptMirror(suite);
  const dir = mkdtempSync(join(tmpdir(), "aegis-base-"));
  const rootfs = join(dir, "rootfs");
  try {
    log(`making ${tag}: debootstrap --variant=minbase --include=ca-certificates ${suite} from apt's mirror…`);
    const t0 = performance.now();
    const boot = run("debootstrap", ["--variant=minbase", "--include=ca-certificates", suite, rootfs, mirror]);
    if (boot.status !== 0) fail(`debootstrap ${suite} failed (exit ${boot.status}):\n${tail(boot.stdout + boot.stderr)}`);
    // What Debian's own -slim images do: apt keeps no package caches (a build's `apt-get update`
    // would otherwise leave ~80 MB of them in its layer), dpkg installs no documentation, manuals
    // or translations, and those are gone from the tree; the host's resolv.conf and hostname go too
    // (Docker provides them at run time).
    const trim = [
      "set -e",
      "cd \"$1\"",
      "cat > etc/apt/apt.conf.d/docker-clean <<'EOF'",
      'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };',
      'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };',
      'Dir::Cache::pkgcache "";',
      'Dir::Cache::srcpkgcache "";',
      "EOF",
      "echo 'Acquire::Languages \"none\";' > etc/apt/apt.conf.d/docker-no-languages",
      "echo 'Acquire::GzipIndexes \"true\";' > etc/apt/apt.conf.d/docker-gzip-indexes",
      "cat > etc/dpkg/dpkg.cfg.d/docker-slim <<'EOF'",
      "path-exclude /usr/share/doc/*",
      "path-include /usr/share/doc/*/copyright",
      "path-exclude /usr/share/groff/*",
      "path-exclude /usr/share/info/*",
      "path-exclude /usr/share/linda/*",
      "path-exclude /usr/share/lintian/overrides/*",
      "path-exclude /usr/share/locale/*",
      "path-exclude /usr/share/man/*",
      "EOF",
      "rm -rf var/cache/apt/archives/*.deb var/cache/apt/*.bin var/lib/apt/lists/* var/log/*.log var/log/apt/* var/cache/debconf/*-old",
      "find usr/share/doc -mindepth 1 ! -name copyright ! -type d -delete",
      "find usr/share/doc -mindepth 1 -type d -empty -delete",
      "rm -rf usr/share/man/* usr/share/info/* usr/share/locale/* usr/share/lintian usr/share/linda usr/share/groff/*",
      "rm -f etc/resolv.conf etc/hostname",
    ].join("\n");
    const trimmed = run("sh", ["-c", trim, "trim", rootfs]);
    if (trimmed.status !== 0) fail(`trimming the debootstrapped tree failed: ${tail(trimmed.stderr)}`);
    const changes = [
      "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      'CMD ["bash"]',
      `LABEL org.opencontainers.image.description="Debian ${suite} (debootstrap minbase + ca-certificates), made locally by packages/infra/scripts/image-test.mjs"`,
    ].flatMap((c) => ["--change", c]);
    const imported = run("bash", [
      "-c",
      'set -o pipefail; root="$1"; tag="$2"; shift 2; tar -C "$root" --numeric-owner --exclude=./dev/* -cf - . | docker import "$@" - "$tag"',
      "import",
      rootfs,
      tag,
      ...changes,
    ]);
    if (imported.status !== 0) fail(`docker import ${tag} failed: ${tail(imported.stderr)}`);
    log(`made ${tag} in ${seconds(t0).toFixed(0)} s`);
    return seconds(t0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Streams a command's output to this process's stderr; rejects on a non-zero exit. */
function stream(cmd, args, env = process.env) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { env, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolvePromise() : reject(new Failure(`${cmd} ${args[0]} exited ${code}`))));
  });
}

/** What `docker save` of the image compresses to with gzip: about what a registry stores and a task pulls. */
function compressedSize(tag) {
  return new Promise((resolvePromise, reject) => {
    const save = spawn("docker", ["save", tag], { stdio: ["ignore", "pipe", "pipe"] });
    const gzip = createGzip({ level: 6 });
    let bytes = 0;
    let err = "";
    save.stderr.on("data", (d) => (err += d));
    gzip.on("data", (d) => (bytes += d.length));
    gzip.on("end", () => resolvePromise(bytes));
    save.on("close", (code) => code !== 0 && reject(new Failure(`docker save ${tag} exited ${code}: ${err}`)));
    save.stdout.pipe(gzip);
  });
}

async function freePort() {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolvePromise(port));
    });
  });
}

async function startMoto() {
  const port = await freePort();
  const output = [];
  const proc = spawn("moto_server", ["-p", String(port), "-H", "127.0.0.1"], { stdio: ["ignore", "pipe", "pipe"] });
  let spawnError;
  proc.on("error", (e) => (spawnError = e));
  proc.stdout.on("data", (d) => output.push(String(d)));
  proc.stderr.on("data", (d) => output.push(String(d)));
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (proc.exitCode !== null || spawnError) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGTERM");
    await Promise.race([exited, delay(5000)]);
    if (proc.exitCode === null) proc.kill("SIGKILL");
  };
  for (const deadline = Date.now() + 60_000; ; ) {
    if (spawnError?.code === "ENOENT") fail("moto_server is not on PATH: python3 -m pip install 'moto[server]' (.ci/run does)");
    if (proc.exitCode !== null) fail(`moto_server exited with ${proc.exitCode}: ${tail(output.join(""))}`);
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) return { endpoint, stop };
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stop();
      fail(`moto_server did not answer on port ${port}: ${tail(output.join(""))}`);
    }
    await delay(200);
  }
}

/** The compute stack's task definitions as `cdk synth` writes them (this package's dist). */
function synthTaskDefinitions(outdir) {
  const r = run(process.execPath, [join(PACKAGE, "dist/bin/synth.js")], { cwd: PACKAGE, env: { ...process.env, CDK_OUTDIR: outdir } });
  if (r.status !== 0) fail(`cdk synth (node dist/bin/synth.js) failed: ${tail(r.stdout + r.stderr)}`);
  const byFamily = new Map();
  for (const file of readdirSync(outdir).filter((f) => f.endsWith(".template.json"))) {
    const template = JSON.parse(readFileSync(join(outdir, file), "utf8"));
    for (const resource of Object.values(template.Resources ?? {})) {
      if (resource.Type === "AWS::ECS::TaskDefinition") byFamily.set(resource.Properties.Family, resource.Properties);
    }
  }
  return byFamily;
}

const PSEUDO = { "AWS::AccountId": ACCOUNT, "AWS::Region": REGION, "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com" };

/** A template value as CloudFormation would resolve it in this account and region. */
function resolveValue(v, where) {
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return String(v);
  if (v && typeof v === "object" && "Ref" in v && v.Ref in PSEUDO) return PSEUDO[v.Ref];
  if (v && typeof v === "object" && Array.isArray(v["Fn::Join"])) {
    const [sep, parts] = v["Fn::Join"];
    return parts.map((p) => resolveValue(p, where)).join(sep);
  }
  return fail(`${where}: cannot resolve ${JSON.stringify(v)} here`);
}

/** S3 objects under a prefix: key (relative) → bytes. */
async function objectsUnder(s3, bucket, prefix) {
  const { ListObjectsV2Command, GetObjectCommand } = await import("@aws-sdk/client-s3");
  const out = new Map();
  let token;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
      out.set(o.Key.slice(prefix.length), Buffer.from(await res.Body.transformToByteArray()));
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** The fields of run.json or sweep.json that the same scenario on the same data must reproduce. */
function stable(json) {
  return Object.fromEntries(Object.entries(json).filter(([k]) => !VOLATILE.has(k)));
}

async function main() {
  const started = performance.now();
  const figures = { load: loadavg()[0] };
  const cleanups = [];
  try {
    // ---- Docker and the base image ----
    const engine = checkDocker();
    log(`Docker engine ${engine.version}, storage driver ${engine.driver}`);
    if (!existsSync(BINARY)) fail(`no binary at ${BINARY}: build it with \`npx nx run engine-rs:build\` (or set AEGIS_BT_BINARY)`);
    const { DOCKERFILE } = await import(join(PACKAGE, "dist/src/image.js"));
    const contract = await import(join(PACKAGE, "dist/src/contract.js"));
    const dockerfile = join(ROOT, DOCKERFILE);
    const base = baseImageTag(dockerfile);
    if (imageExists(base)) {
      log(`base image ${base}: present, not made again`);
      figures.baseMade = null;
    } else {
      figures.baseMade = makeBaseImage(base);
    }
    figures.baseBytes = imageConfig(base).Size;

    // ---- the image ----
    const work = mkdtempSync(join(tmpdir(), "aegis-image-test-"));
    cleanups.push(() => rmSync(work, { recursive: true, force: true }));
    const context = join(work, "context");
    mkdirSync(context);
    copyFileSync(dockerfile, join(context, "Dockerfile"));
    copyFileSync(BINARY, join(context, "aegis-bt"));
    chmodSync(join(context, "aegis-bt"), 0o755);
    figures.binaryBytes = statSync(join(context, "aegis-bt")).size;
    const head = run("git", ["-C", ROOT, "rev-parse", "HEAD"]);
    const gitSha = head.status === 0 ? head.stdout.trim() : "unknown";
    const previous = imageExists(IMAGE) ? imageConfig(IMAGE).Id : null;
    log(`building ${IMAGE} (--target prebuilt) around ${relative(ROOT, BINARY)}…`);
    const t0 = performance.now();
    // The legacy builder: it reads base images from the engine's own store only (BuildKit would
    // fetch the `# syntax` frontend from a registry), and `--target prebuilt` never reaches the
    // Rust stage. Host network for the base stage's apt-get, as for any build on this machine.
    await stream(
      "docker",
      ["build", "--network", "host", "--target", "prebuilt", "--build-arg", `AEGIS_GIT_SHA=${gitSha}`, "-t", IMAGE, "-f", join(context, "Dockerfile"), context],
      { ...process.env, DOCKER_BUILDKIT: "0" },
    );
    figures.build = seconds(t0);
    const image = imageConfig(IMAGE);
    // The image this tag named before, if it changed: vfs keeps every layer as a full copy.
    if (previous && previous !== image.Id) run("docker", ["rmi", previous]);
    figures.imageBytes = image.Size;
    figures.compressedBytes = await compressedSize(IMAGE);
    log(`${IMAGE}: ${mb(figures.imageBytes)} (base ${base} ${mb(figures.baseBytes)}, binary ${mb(figures.binaryBytes)}), ${mb(figures.compressedBytes)} compressed; built in ${figures.build.toFixed(0)} s`);
    const imageUser = image.Config?.User ?? "";

    // ---- the task definitions, moto, the data ----
    const taskDefinitions = synthTaskDefinitions(join(work, "cdk.out"));
    for (const family of [contract.TASK_FAMILY, contract.S3_TASK_FAMILY]) {
      if (!taskDefinitions.has(family)) fail(`the synthesized app has no task definition ${family}`);
    }
    const containerOf = (family) => {
      const c = taskDefinitions.get(family).ContainerDefinitions.find((d) => d.Name === contract.CONTAINER_NAME);
      return c ?? fail(`task definition ${family} has no container ${contract.CONTAINER_NAME}`);
    };
    const datasetUri = (containerOf(contract.TASK_FAMILY).Environment ?? []).find((e) => e.Name === "AEGIS_DATASET_URI");
    const bucket = /^s3:\/\/([^/]+)\//.exec(resolveValue(datasetUri?.Value ?? "", `${contract.TASK_FAMILY} AEGIS_DATASET_URI`))?.[1];
    if (!bucket) fail(`task definition ${contract.TASK_FAMILY}: no AEGIS_DATASET_URI naming the bucket`);

    const { generateDataset } = await import("@aegis-bt/data-tools");
    const engineApi = await import("@aegis-bt/engine");
    const launcher = await import("@aegis-bt/launcher");
    const { CreateBucketCommand, PutObjectCommand } = await import("@aws-sdk/client-s3");

    const dataRoot = join(work, "data");
    log(`generating the synthetic dataset ${DATASET}…`);
    await generateDataset({ profile: "spx-like", tickers: ["SPX"], start: "2023-06-01", end: "2023-12-29", seed: 3, out: join(dataRoot, DATASET), name: DATASET });

    const moto = await startMoto();
    cleanups.push(moto.stop);
    const aws = launcher.createClients({ region: REGION, endpoint: moto.endpoint, credentials: CREDENTIALS, maxAttempts: 2 });
    cleanups.push(() => launcher.destroyClients(aws));
    await aws.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await launcher.uploadDataset(aws.s3, { bucket, dir: join(dataRoot, DATASET) });
    log(`moto on ${moto.endpoint}: bucket ${bucket}, dataset ${DATASET} uploaded`);

    const config = {
      bucket,
      cluster: "aegis-bt",
      taskDefinition: contract.TASK_FAMILY,
      s3TaskDefinition: contract.S3_TASK_FAMILY,
      containerName: contract.CONTAINER_NAME,
      subnets: ["subnet-0123456789abcdef0"],
      securityGroups: [],
      assignPublicIp: "ENABLED",
      propagateTags: "TASK_DEFINITION",
      ecsInfrastructureRoleArn: `arn:aws:iam::${ACCOUNT}:role/aegis-ecs-infrastructure`,
      datasetVolumeName: contract.DATASET_VOLUME_NAME,
    };

    /** `docker run` of the task `request` asks for, as ECS would start it; resolves with its output. */
    const runTask = async (name, request) => {
      const family = request.taskDefinition;
      const taskDefinition = taskDefinitions.get(family) ?? fail(`${name}: RunTask names ${family}, which the app does not define`);
      const container = containerOf(family);
      const override = request.overrides?.containerOverrides?.find((o) => o.name === container.Name) ?? {};
      const env = new Map((container.Environment ?? []).map((e) => [e.Name, resolveValue(e.Value, `${family} ${e.Name}`)]));
      for (const e of override.environment ?? []) env.set(e.name, e.value);
      // What AWS gives every task: its region, the task role's credentials; here also moto's endpoint.
      for (const [k, v] of Object.entries({
        AWS_REGION: REGION,
        AWS_DEFAULT_REGION: REGION,
        AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_ALLOW_HTTP: "true",
      })) {
        if (!env.has(k)) env.set(k, v);
      }
      const user = container.User ?? imageUser;
      if (!user || /^(0|root)(:|$)/.test(user)) fail(`${name}: the container would run as ${user || "root (no USER)"}; ECS runs it as the image's non-root user`);
      const args = ["run", "--rm", "--name", `aegis-image-test-${name}`, "--network", "host", "--user", user];
      if (container.ReadonlyRootFilesystem) args.push("--read-only");
      if (container.StopTimeout) args.push("--stop-timeout", String(container.StopTimeout));
      const volumes = new Map((taskDefinition.Volumes ?? []).map((v) => [v.Name, v]));
      const configured = new Set((request.volumeConfigurations ?? []).map((v) => v.name));
      for (const mount of container.MountPoints ?? []) {
        const volume = volumes.get(mount.SourceVolume) ?? fail(`${family}: mount of an undefined volume ${mount.SourceVolume}`);
        if (!volume.ConfiguredAtLaunch) fail(`${family}: volume ${volume.Name} is not one this test can stand in for`);
        if (!configured.has(volume.Name)) fail(`${name}: ${family}'s volume ${volume.Name} is configured at launch, but RunTask gives it no volume configuration`);
        // The snapshot's volume: a dataset root holding <dataset>/, as `aegis-bt dataset pull` leaves it.
        args.push("--mount", `type=bind,source=${dataRoot},target=${mount.ContainerPath}${mount.ReadOnly ? ",readonly" : ""}`);
      }
      for (const c of configured) {
        if (!(container.MountPoints ?? []).some((m) => m.SourceVolume === c)) fail(`${name}: RunTask configures volume ${c}, which ${family}'s container does not mount`);
      }
      const [entry, ...entryArgs] = container.EntryPoint ?? [];
      if (entry) args.push("--entrypoint", entry);
      for (const [k, v] of env) args.push("--env", `${k}=${v}`);
      args.push(IMAGE, ...entryArgs, ...(override.command ?? container.Command ?? []));
      log(`${name}: ${family}, ${[...env.keys()].filter((k) => k.startsWith("AEGIS_")).join(" ")}; docker run --user ${user}${container.ReadonlyRootFilesystem ? " --read-only" : ""}${configured.size ? ` with ${dataRoot} at ${(container.MountPoints ?? []).map((m) => `${m.ContainerPath}${m.ReadOnly ? " (read-only)" : ""}`).join(", ")}` : ", no volume"}`);
      const t = performance.now();
      const child = spawn("docker", args, { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      const timer = setTimeout(() => run("docker", ["kill", `aegis-image-test-${name}`]), CONTAINER_TIMEOUT_MS);
      const status = await new Promise((r) => child.on("close", r));
      clearTimeout(timer);
      if (status !== 0) fail(`${name}: the container exited ${status}:\n${tail(stdout + stderr, 40)}`);
      const events = stdout
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l));
      log(`${name}: exited 0 in ${seconds(t).toFixed(1)} s`);
      return { events, env: Object.fromEntries(env), seconds: seconds(t) };
    };

    const problems = [];
    const expectSame = (what, actual, expected) => {
      if (actual === undefined) problems.push(`${what}: missing in moto's S3`);
      else if (!actual.equals(Buffer.from(expected))) {
        const e = Buffer.from(expected);
        let at = 0;
        while (at < Math.min(actual.length, e.length) && actual[at] === e[at]) at++;
        problems.push(`${what}: differs from the addon's (${actual.length} bytes against ${e.length}, first at byte ${at})`);
      }
    };
    const expectJson = (what, actualBytes, expectedText, fields) => {
      if (actualBytes === undefined) return problems.push(`${what}: missing in moto's S3`);
      const actual = JSON.parse(actualBytes.toString("utf8"));
      const a = JSON.stringify(stable(actual));
      const e = JSON.stringify(stable(JSON.parse(expectedText)));
      if (a !== e) problems.push(`${what}: differs from the addon's beyond its times and provenance:\n  image: ${a}\n  addon: ${e}`);
      for (const [k, v] of Object.entries(fields)) {
        if (actual[k] !== v) problems.push(`${what}: ${k} is ${JSON.stringify(actual[k])}, expected ${JSON.stringify(v)}`);
      }
    };
    const expectSuccess = (what, files) => {
      if (files.get("_SUCCESS")?.length !== 0) problems.push(`${what}_SUCCESS: ${files.has("_SUCCESS") ? "not empty" : "missing"}`);
    };
    const dataRootEvent = (name, events, path) => {
      const e = events.find((x) => x.event === "data_root");
      if (e?.path !== path) problems.push(`${name}: the container took the data from ${JSON.stringify(e?.path)}, expected ${path}`);
    };

    // ---- one backtest per task definition, one sweep shard ----
    const plan = (runId, scenarioName, snapshot) => ({
      runId,
      scenarioName,
      config,
      size: { vcpu: 16, memoryGb: 120, ephemeralGiB: 50 },
      spot: false,
      dataset: DATASET,
      ...(snapshot && { snapshot: { snapshotId: SNAPSHOT_ID } }),
    });
    const put = (key, body) => aws.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    const t1 = performance.now();
    const backtest = await engineApi.runBacktest(BACKTEST, { data: dataRoot, source: "scenario.yaml" });
    const sweep = await engineApi.runSweep(SWEEP, { data: dataRoot, source: "scenario.yaml", shard: SHARD });
    if (backtest.summary.diagnostics.positions_opened === 0) fail("the backtest opens no position: a comparison of empty results would prove little");
    figures.addon = seconds(t1);

    const runs = [
      { name: "backtest-ebs", scenario: BACKTEST, snapshot: true, path: "ebs", dataDir: `${contract.EBS_MOUNT}/${DATASET}` },
      { name: "backtest-s3", scenario: BACKTEST, snapshot: false, path: "s3-sync", dataDir: `${contract.SCRATCH_DIR}/${DATASET}` },
      { name: "sweep-shard-ebs", scenario: SWEEP, snapshot: true, path: "ebs", shard: SHARD },
    ];
    figures.runs = [];
    for (const r of runs) {
      const runId = `image-test-${r.name}`;
      await put(launcher.keys.scenario(runId), r.scenario);
      const request = launcher.buildRunTaskRequest(plan(runId, r.name, r.snapshot), 1, r.shard);
      const task = await runTask(r.name, request);
      figures.runs.push({ name: r.name, seconds: task.seconds });
      dataRootEvent(r.name, task.events, r.path);
      const common = { entry_point: "binary", data_path: r.path, git_sha: gitSha, dataset: DATASET };
      if (!r.shard) {
        const prefix = launcher.keys.results(runId);
        const files = await objectsUnder(aws.s3, bucket, prefix);
        const f = backtest.files;
        const expected = {
          "summary.json": f.summaryJson,
          "equity.arrow": f.equityArrow,
          "trades.arrow": f.tradesArrow,
          "positions.arrow": f.positionsArrow,
          "strategies.arrow": f.strategiesArrow,
          "market.arrow": f.marketArrow,
          ...(f.montecarloJson != null && { "montecarlo.json": f.montecarloJson }),
        };
        for (const [file, bytes] of Object.entries(expected)) expectSame(`${prefix}${file}`, files.get(file), bytes);
        expectJson(`${prefix}run.json`, files.get("run.json"), JSON.stringify(backtest.run), { ...common, data_dir: r.dataDir });
        expectSuccess(prefix, files);
        const unknown = [...files.keys()].filter((k) => !(k in expected) && k !== "run.json" && k !== "_SUCCESS");
        if (unknown.length > 0) problems.push(`${prefix}: files the addon does not write: ${unknown.join(", ")}`);
      } else {
        const prefix = launcher.keys.shard(runId, r.shard.index);
        const files = await objectsUnder(aws.s3, bucket, prefix);
        const f = sweep.files;
        const expected = { "sweep.arrow": f.sweepArrow, "returns.arrow": f.returnsArrow, "entries.arrow": f.entriesArrow, "benchmark.arrow": f.benchmarkArrow };
        for (const [file, bytes] of Object.entries(expected)) expectSame(`${prefix}${file}`, files.get(file), bytes);
        expectJson(`${prefix}sweep.json`, files.get("sweep.json"), f.sweepJson, common);
        expectSuccess(prefix, files);
        const missing = launcher.SHARD_FILES.filter((k) => !files.has(k));
        if (missing.length > 0) problems.push(`${prefix}: the merge needs ${missing.join(", ")}, which the shard did not write`);
        const outside = (await objectsUnder(aws.s3, bucket, launcher.keys.results(runId))).size - files.size;
        if (outside !== 0) problems.push(`${launcher.keys.results(runId)}: the shard wrote ${outside} objects outside its own prefix`);
      }
    }
    if (problems.length > 0) fail(`the image's results differ from the addon's:\n- ${problems.join("\n- ")}`);
    figures.total = seconds(started);
    log(`passed: ${runs.length} containers, every result byte-identical to the addon's (total ${figures.total.toFixed(0)} s)`);
    return { figures, base, engine };
  } finally {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        // best effort
      }
    }
  }
}

try {
  const { figures, base, engine } = await main();
  const { machine, writeSection } = await import(join(ROOT, "scripts/bench-doc.mjs"));
  const runs = figures.runs.map((r) => `${r.name} ${r.seconds.toFixed(1)} s`).join(", ");
  writeSection(
    "image",
    `### Image (the container, run against moto server on 127.0.0.1)

Measured ${new Date().toISOString().slice(0, 10)} by \`npx nx run infra:image-test\` (\`packages/infra/scripts/image-test.mjs\`,
which CI runs after \`npm test\`) on ${machine()}, load average ${figures.load.toFixed(1)} at
the start, Docker engine ${engine.version} with the \`${engine.driver}\` storage driver. The image is
built with \`--target prebuilt\` around the release binary, then run as ECS would run it against
moto, each result compared with the addon's (docs/remote.md, "The image"). Sizes as
\`docker images\` counts them (uncompressed, 1 MB = 10⁶ bytes); the compressed figure is
\`docker save\` through gzip -6, about what a registry stores and a task pulls. On AWS the base is
the registry's \`${base}\`, a few MB off this one.

| | |
|---|---|
| image \`${IMAGE}\` | **${mb(figures.imageBytes)}**, ${mb(figures.compressedBytes)} compressed |
| of which the base \`${base}\` | ${mb(figures.baseBytes)} (here a local debootstrap: minbase + ca-certificates) |
| of which the \`aegis-bt\` binary | ${mb(figures.binaryBytes)} |
| base image made (debootstrap + import) | ${figures.baseMade === null ? "already present (cached by its tag)" : `${figures.baseMade.toFixed(0)} s`} |
| image build | ${figures.build.toFixed(0)} s |
| the addon's reference runs | ${figures.addon.toFixed(1)} s |
| containers (a backtest from the snapshot volume, one from the S3 sync, a sweep shard) | ${runs} |
| the whole test | **${figures.total.toFixed(0)} s** |`,
  );
} catch (err) {
  if (err instanceof Failure) {
    console.error(`[image-test] FAILED: ${err.message}`);
    process.exit(1);
  }
  throw err;
}
