// `aegis-launch dataset snapshot | snapshots`: a dataset's EBS snapshots — made from this machine or by
// the state machine, listed with whether runs use them, deleted one at a time (and the volumes a
// snapshot attempt left behind).
import { Option, type Command } from "commander";
import { progressBar } from "@aegis-bt/data-tools";
import { requireBucket, requireSnapshotConfig, requireStateMachine } from "../config.js";
import {
  buildDatasetPullRequest,
  buildStartExecution,
  prepareSnapshot,
  snapshotAttemptId,
  snapshotDataset,
  startSnapshotExecution,
  waitForExecution,
  VOLUME_EXTRA_GIB,
  VOLUME_HEADROOM,
  type SnapshotEvent,
  type SnapshotSource,
} from "../dataset-snapshot.js";
import { InputError } from "../errors.js";
import {
  SNAPSHOT_TAGS,
  chooseSnapshot,
  currentManifestSha256,
  deleteSnapshot,
  deleteVolume,
  describeDatasetSnapshot,
  describeDatasetVolume,
  formatTime,
  listDatasetSnapshots,
  listDatasetVolumes,
  shortSha,
  snapshotsTagged,
  type DatasetSnapshot,
  type DatasetVolume,
} from "../snapshots.js";
import { confirm, config, globals, interruptible, positiveInteger, withClients, type CliIo } from "./common.js";
import { formatBytes } from "./dataset.js";

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((c) => (c[i] as string).length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i] as number)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** Whether a snapshot holds the dataset's current manifest, and whether it is the one runs attach. */
function currentness(s: DatasetSnapshot, sha: string | undefined, used: string | undefined): string {
  if (sha === undefined || s.manifestSha256 === undefined) return "-";
  if (s.manifestSha256 !== sha) return "no";
  return s.snapshotId === used ? "yes (runs use it)" : "yes";
}

/**
 * The `dataset snapshots` table: id, state, progress, size, start time, the manifest it holds, and
 * whether that is the dataset's current one (`yes (runs use it)` for the snapshot runs attach).
 */
export function snapshotTable(snapshots: readonly DatasetSnapshot[], currentSha: string | undefined): string[] {
  const used = currentSha !== undefined ? chooseSnapshot(snapshots, currentSha).chosen?.snapshotId : undefined;
  return table(
    ["SNAPSHOT", "STATE", "PROGRESS", "SIZE", "STARTED", "MANIFEST", "CURRENT"],
    snapshots.map((s) => [
      s.snapshotId,
      s.state,
      s.progress ?? "-",
      s.sizeGiB !== undefined ? `${s.sizeGiB} GiB` : "-",
      formatTime(s.startTime),
      shortSha(s.manifestSha256),
      currentness(s, currentSha, used),
    ]),
  );
}

/** The volumes a snapshot attempt has under way or left behind. */
export function volumeTable(volumes: readonly DatasetVolume[]): string[] {
  return table(
    ["VOLUME", "STATE", "SIZE", "CREATED", "MADE BY"],
    volumes.map((v) => [
      v.volumeId,
      v.attached ? `${v.state} (attached)` : v.state,
      v.sizeGiB !== undefined ? `${v.sizeGiB} GiB` : "-",
      formatTime(v.createTime),
      v.attempt !== undefined ? `attempt ${v.attempt}` : v.execution !== undefined ? `execution ${v.execution}` : "-",
    ]),
  );
}

function sizeText(source: SnapshotSource): string {
  return source.sizeGiven ? `${source.sizeGiB} GiB (--size)` : `${source.sizeGiB} GiB (its files × ${VOLUME_HEADROOM} + ${VOLUME_EXTRA_GIB} GiB; --size to choose)`;
}

/** Snapshot progress on stderr: the progress bar on a terminal, and a line at each state or tenth of progress. */
function progressReporter(io: CliIo) {
  const bar = progressBar("snapshot", "{id} {state}");
  let last = "";
  return {
    report: (snapshotId: string, state: string, progress?: string) => {
      const pct = Number.parseInt(progress ?? "", 10);
      if (Number.isFinite(pct)) bar.update(pct, 100, { id: snapshotId, state });
      const mark = `${state} ${Number.isFinite(pct) ? Math.floor(pct / 10) : ""}`;
      if (mark !== last) io.err(`snapshot ${snapshotId}: ${state}${progress ? ` ${progress}` : ""}`);
      last = mark;
    },
    stop: () => bar.stop(),
  };
}

interface SnapshotFlags {
  size?: number;
  wait: boolean;
  via?: "stepfunctions";
  dryRun: boolean;
}

interface SnapshotsFlags {
  json: boolean;
  delete?: string;
  deleteVolume?: string;
  yes: boolean;
}

/** Adds `snapshot` and `snapshots` to the `dataset` command. */
export function registerDatasetSnapshots(dataset: Command, io: CliIo): void {
  dataset
    .command("snapshot")
    .description("Make an EBS snapshot of a dataset in S3: a task pulls it onto a new volume (aegis-bt dataset pull), the volume is snapshotted, tagged with the dataset and its manifest's sha256, and deleted")
    .argument("<name>", "dataset name (s3://<bucket>/datasets/<name>/ with its manifest)")
    .option("--size <GiB>", "volume size in GiB (default: the manifest's bytes × 1.2 + 1 GiB)", positiveInteger)
    .option("--wait", "wait until the snapshot is completed (progress shown), then delete the volume; with --via stepfunctions, follow the execution", false)
    .addOption(new Option("--via <where>", "stepfunctions: start the compute stack's state machine, which does the same without this machine").choices(["stepfunctions"]))
    .option("--dry-run", "read the dataset's manifest and print the RunTask (or StartExecution) request; start nothing", false)
    .addHelpText(
      "after",
      "\nPrints the snapshot id on stdout (with --via stepfunctions and no --wait, the execution's ARN). Runs without\n--snapshot attach the newest completed snapshot of their dataset's current manifest.\n\nExamples:\n  aegis-launch dataset snapshot orats-spx-7y --wait\n  aegis-launch dataset snapshot orats-spx-7y --size 400 --via stepfunctions\n",
    )
    .action(async (name: string, o: SnapshotFlags, cmd: Command) => {
      const g = globals(cmd);
      await withClients(g, io, async (clients) => {
        const values = await config(g, clients);
        const bucket = requireBucket(values);
        const source = await prepareSnapshot(clients.s3, bucket, name, o.size);
        const attemptId = snapshotAttemptId(name, new Date());
        const stateMachine = o.via === "stepfunctions" ? requireStateMachine(values) : undefined;
        const snapshotConfig = stateMachine === undefined ? requireSnapshotConfig(values) : undefined;
        if (o.dryRun) {
          const base = { attemptId, dataset: name, manifestSha256: source.manifestSha256, bytes: source.bytes, sizeGiB: source.sizeGiB };
          const request = snapshotConfig ? { runTask: buildDatasetPullRequest(snapshotConfig, source, attemptId) } : { startExecution: buildStartExecution(stateMachine as string, source, attemptId) };
          io.out(JSON.stringify({ ...base, ...request }, null, 2));
          return;
        }
        io.err(`dataset ${name}: manifest sha256 ${source.manifestSha256}, ${formatBytes(source.bytes)} of files; volume ${sizeText(source)}`);
        const { signal, done } = interruptible();
        const progress = progressReporter(io);
        try {
          if (stateMachine !== undefined) {
            const executionArn = await startSnapshotExecution(clients.sfn, buildStartExecution(stateMachine, source, attemptId));
            io.err(`started execution ${executionArn}`);
            if (!o.wait) {
              io.err(`follow it with --wait next time, or: aegis-launch dataset snapshots ${name} shows its snapshot once made`);
              io.out(executionArn);
              return;
            }
            try {
              const r = await waitForExecution({ sfn: clients.sfn, ec2: clients.ec2 }, executionArn, {
                signal,
                onEvent: (e) => {
                  if (e.type === "status") io.err(`execution: ${e.status}`);
                  else if (e.type === "progress") progress.report(e.snapshotId, e.state, e.progress);
                  else io.err(`warning: ${e.message}`);
                },
              });
              progress.stop();
              io.err(`snapshot ${r.snapshotId} of ${name} (manifest ${shortSha(source.manifestSha256)}) is completed; the execution deleted its volume`);
              io.out(r.snapshotId);
            } catch (err) {
              if (signal.aborted) throw new InputError(`interrupted: execution ${executionArn} keeps running in AWS; aegis-launch dataset snapshots ${name} shows its snapshot once made`);
              throw err;
            }
            return;
          }
          const state: { taskArn?: string; volumeId?: string; snapshotId?: string } = {};
          const onEvent = (e: SnapshotEvent) => {
            switch (e.type) {
              case "started":
                state.taskArn = e.taskArn;
                io.err(`started the pull task ${e.taskArn} (its volume is tagged ${SNAPSHOT_TAGS.attempt}=${e.attemptId})`);
                return;
              case "status":
                io.err(`pull task: ${e.status}`);
                return;
              case "volume":
                state.volumeId = e.volumeId;
                io.err(`volume ${e.volumeId}: ${e.state}`);
                return;
              case "snapshot":
                state.snapshotId = e.snapshotId;
                io.err(`snapshotting volume ${e.volumeId}: ${e.snapshotId}`);
                return;
              case "progress":
                progress.report(e.snapshotId, e.state, e.progress);
                return;
              case "volume-deleted":
                io.err(`deleted volume ${e.volumeId}`);
                return;
              case "warning":
                io.err(`warning: ${e.message}`);
            }
          };
          try {
            const r = await snapshotDataset(
              { ecs: clients.ecs, ec2: clients.ec2, logs: clients.logs },
              { config: snapshotConfig as NonNullable<typeof snapshotConfig>, source, attemptId, wait: o.wait, onEvent, onLog: (line) => io.err(line), signal },
            );
            progress.stop();
            if (r.volumeDeleted) {
              io.err(`snapshot ${r.snapshotId} of ${name} (manifest ${shortSha(r.manifestSha256)}) is completed; runs without --snapshot attach it`);
            } else {
              io.err(
                `snapshot ${r.snapshotId} of ${name} is ${r.state}; volume ${r.volumeId} stays until it completes: aegis-launch dataset snapshots ${name} shows both, and --delete-volume ${r.volumeId} deletes the volume once the snapshot is completed (--wait does all this itself)`,
              );
            }
            io.out(r.snapshotId);
          } catch (err) {
            if (!signal.aborted) throw err;
            if (state.snapshotId) {
              throw new InputError(`interrupted: snapshot ${state.snapshotId} keeps completing and volume ${state.volumeId} stays; once the snapshot is completed, aegis-launch dataset snapshots ${name} --delete-volume ${state.volumeId} deletes it`);
            }
            throw new InputError(
              `interrupted: the pull task ${state.taskArn ?? "(not started)"} keeps running and its volume (tagged ${SNAPSHOT_TAGS.attempt}=${attemptId}) stays; aegis-launch dataset snapshots ${name} lists it, --delete-volume <id> deletes it once the task stopped`,
            );
          }
        } finally {
          progress.stop();
          done();
        }
      });
    });

  dataset
    .command("snapshots")
    .description("List a dataset's EBS snapshots (state, progress, size, manifest, whether runs use them) and the volumes of snapshot attempts; delete one")
    .argument("<name>", "dataset name")
    .option("--json", "print JSON", false)
    .option("--delete <snap-id>", "delete this snapshot of the dataset (asks first on a terminal)")
    .option("--delete-volume <vol-id>", "delete this volume a snapshot attempt left behind (detached, its snapshot completed)")
    .option("--yes", "do not ask (needed when stdin is not a terminal)", false)
    .action(async (name: string, o: SnapshotsFlags, cmd: Command) => {
      const g = globals(cmd);
      if (o.delete !== undefined && o.deleteVolume !== undefined) throw new InputError("--delete and --delete-volume: give one at a time");
      await withClients(g, io, async (clients) => {
        const bucket = requireBucket(await config(g, clients, ["storage"]));
        const sha = await currentManifestSha256(clients.s3, bucket, name);
        if (o.delete !== undefined) {
          const s = await describeDatasetSnapshot(clients.ec2, name, o.delete);
          const used = sha !== undefined && chooseSnapshot(await listDatasetSnapshots(clients.ec2, name), sha).chosen?.snapshotId === s.snapshotId;
          const what = `snapshot ${s.snapshotId} of dataset ${name} (${s.state}${s.sizeGiB !== undefined ? `, ${s.sizeGiB} GiB` : ""}, manifest ${shortSha(s.manifestSha256)}, started ${formatTime(s.startTime)})`;
          await confirm(io, {
            yes: o.yes,
            question: `delete ${what}${used ? "; runs use it now and will then use an older one or S3" : ""}? [y/N] `,
            noTerminal: `not deleting snapshot ${s.snapshotId} without confirmation: stdin is not a terminal; pass --yes to delete ${what}`,
            declined: `not confirmed: snapshot ${s.snapshotId} is untouched`,
          });
          await deleteSnapshot(clients.ec2, s.snapshotId);
          io.out(`deleted ${what}`);
          return;
        }
        if (o.deleteVolume !== undefined) {
          const v = await describeDatasetVolume(clients.ec2, name, o.deleteVolume);
          if (v.attached || v.state === "in-use") throw new InputError(`volume ${v.volumeId} is attached (${v.state}): its task is still running or stopping; try again once it is available`);
          const maker = v.attempt !== undefined ? ([SNAPSHOT_TAGS.attempt, v.attempt] as const) : v.execution !== undefined ? ([SNAPSHOT_TAGS.execution, v.execution] as const) : undefined;
          const pending = maker ? (await snapshotsTagged(clients.ec2, maker[0], maker[1])).filter((s) => s.state === "pending") : [];
          if (pending.length > 0) {
            const p = pending[0] as DatasetSnapshot;
            throw new InputError(`volume ${v.volumeId}'s snapshot ${p.snapshotId} is still pending${p.progress ? ` (${p.progress})` : ""}: delete the volume once it is completed`);
          }
          const what = `volume ${v.volumeId} of dataset ${name} (${v.state}${v.sizeGiB !== undefined ? `, ${v.sizeGiB} GiB` : ""}, created ${formatTime(v.createTime)})`;
          await confirm(io, {
            yes: o.yes,
            question: `delete ${what}? [y/N] `,
            noTerminal: `not deleting volume ${v.volumeId} without confirmation: stdin is not a terminal; pass --yes to delete ${what}`,
            declined: `not confirmed: volume ${v.volumeId} is untouched`,
          });
          await deleteVolume(clients.ec2, v.volumeId);
          io.out(`deleted ${what}`);
          return;
        }
        const [snapshots, volumes] = await Promise.all([listDatasetSnapshots(clients.ec2, name), listDatasetVolumes(clients.ec2, name)]);
        if (o.json) {
          const used = sha !== undefined ? chooseSnapshot(snapshots, sha).chosen?.snapshotId : undefined;
          const rows = snapshots.map((s) => ({ ...s, current: sha !== undefined && s.manifestSha256 === sha, used: s.snapshotId === used }));
          io.out(JSON.stringify({ dataset: name, manifestSha256: sha ?? null, snapshots: rows, volumes }, null, 2));
          return;
        }
        if (sha === undefined) io.err(`dataset ${name} has no manifest in s3://${bucket}/datasets/${name}/: no snapshot is current, and runs cannot use any`);
        if (snapshots.length === 0) io.out(`no EBS snapshots of dataset ${name} (aegis-launch dataset snapshot ${name} makes one)`);
        else for (const line of snapshotTable(snapshots, sha)) io.out(line);
        if (volumes.length > 0) {
          io.out("");
          io.out(`volumes of snapshot attempts of ${name} (under way, or left behind: --delete-volume <id> deletes a detached one whose snapshot is completed):`);
          for (const line of volumeTable(volumes)) io.out(line);
        }
      });
    });
}
