// `aegis-launch status | logs | fetch`: following runs (and sweeps) already launched.
import { join } from "node:path";
import type { Command } from "commander";
import { requireBucket } from "../config.js";
import { InputError } from "../errors.js";
import { checkRunId } from "../run-id.js";
import { fetchRun, recentRuns, runLogs, runStatus, type RunStatus } from "../runs.js";
import { formatSweepCost } from "../shard-cost.js";
import { shardName } from "../sweep-plan.js";
import { config, globals, interruptible, positiveInteger, withClients, type CliIo } from "./common.js";

function printStatus(io: CliIo, rows: RunStatus[]): void {
  if (rows.length === 0) {
    io.out("no runs in the bucket");
    return;
  }
  const width = Math.max(...rows.map((r) => r.runId.length));
  for (const r of rows) io.out(`${r.runId.padEnd(width)}  ${r.state.padEnd(9)}  ${r.detail}`);
}

/** Adds `status`, `logs` and `fetch` to the program. */
export function registerRuns(program: Command, io: CliIo): void {
  program
    .command("status")
    .description("One run's state, or the newest runs': running, succeeded (_SUCCESS), failed, unknown")
    .argument("[run]", "run id")
    .option("--limit <n>", "how many runs without <run>", positiveInteger, 10)
    .option("--json", "print JSON", false)
    .action(async (runId: string | undefined, o: { limit: number; json: boolean }, cmd: Command) => {
      const g = globals(cmd);
      await withClients(g, io, async (clients) => {
        const values = await config(g, clients);
        const opts = {
          bucket: requireBucket(values),
          ...(values.cluster && { cluster: values.cluster }),
          ...(values.containerName && { containerName: values.containerName }),
        };
        const deps = { s3: clients.s3, ecs: clients.ecs, batch: clients.batch };
        const rows = runId !== undefined ? [await runStatus(deps, checkRunId(runId), opts)] : await recentRuns(deps, { ...opts, limit: o.limit });
        if (o.json) io.out(JSON.stringify(rows.map(({ record: _r, tasks, ...r }) => ({ ...r, tasks: tasks.map((t) => t.taskArn) })), null, 2));
        else printStatus(io, rows);
      });
    });

  program
    .command("logs")
    .description("Print a run's CloudWatch log (every attempt)")
    .argument("<run>", "run id")
    .option("--follow", "keep printing until the task stops", false)
    .action(async (runId: string, o: { follow: boolean }, cmd: Command) => {
      const g = globals(cmd);
      await withClients(g, io, async (clients) => {
        const values = await config(g, clients);
        const bucket = requireBucket(values);
        if (!values.logGroupName || !values.logStreamPrefix || !values.containerName) {
          throw new InputError(`${values.source}: LogGroupName, LogStreamPrefix and ContainerName are needed for logs (or --log-group, --log-stream-prefix, --container)`);
        }
        const { signal, done } = interruptible();
        try {
          await runLogs(
            { logs: clients.logs, s3: clients.s3, ecs: clients.ecs, batch: clients.batch },
            {
              bucket,
              runId: checkRunId(runId),
              ...(values.cluster && { cluster: values.cluster }),
              logGroupName: values.logGroupName,
              logStreamPrefix: values.logStreamPrefix,
              containerName: values.containerName,
              follow: o.follow,
              onLine: (line) => io.out(line),
              onAttempt: (n, id, shard) => io.err(`== ${shard !== undefined ? `shard ${shardName(shard)} ` : ""}attempt ${n}: ${id}`),
              signal,
            },
          );
        } catch (err) {
          if (!signal.aborted) throw err;
        } finally {
          done();
        }
      });
    });

  program
    .command("fetch")
    .description("Download results/<run>/ (refused without _SUCCESS unless --partial); writes the run's cost into run.json, a sweep's into sweep.json")
    .argument("<run>", "run id")
    .option("--out <dir>", "directory (default results/<run>)")
    .option("--partial", "download an unfinished or failed run's files anyway", false)
    .action(async (runId: string, o: { out?: string; partial: boolean }, cmd: Command) => {
      const g = globals(cmd);
      checkRunId(runId);
      await withClients(g, io, async (clients) => {
        const values = await config(g, clients);
        const r = await fetchRun(
          { s3: clients.s3, ecs: clients.ecs, batch: clients.batch },
          {
            bucket: requireBucket(values),
            runId,
            out: o.out ?? join("results", runId),
            partial: o.partial,
            ...(values.cluster && { cluster: values.cluster }),
            ...(values.containerName && { containerName: values.containerName }),
          },
        );
        io.out(`${r.dir}: ${r.files.length} files, ${r.bytes.toLocaleString("en-US")} bytes${r.complete ? "" : " (partial: no _SUCCESS)"}`);
        if (r.cost) io.out(`cost ~$${r.cost.usd.toFixed(4)} (${r.cost.basis}, ${r.cost.billedSeconds} s billed) written to run.json`);
        if (r.sweepCost) {
          const [line, ...notes] = formatSweepCost(r.sweepCost, r.sweepCostNotWritten);
          io.out(line as string);
          for (const n of notes) io.err(n);
        }
      });
    });
}
