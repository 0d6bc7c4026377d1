// `aegis-launch`: assembles the command groups of ./commands/ into one program and runs it; each
// command parses its arguments, builds the clients and calls the library. Nothing else lives here.
import { createInterface } from "node:readline/promises";
import { Command, CommanderError } from "commander";
import { RunFailedError, SweepFailedError, errorDetails, userMessage } from "./errors.js";
import { shardName } from "./sweep-plan.js";
import { addGlobalOptions, type CliIo } from "./commands/common.js";
import { registerCost } from "./commands/cost.js";
import { registerDataset } from "./commands/dataset.js";
import { registerRuns } from "./commands/runs.js";
import { registerSubmit } from "./commands/submit.js";
import { registerSweep } from "./commands/sweep.js";

export type { CliIo } from "./commands/common.js";

/** The command tree; `io` receives all output. */
export function buildProgram(io: CliIo): Command {
  const program = new Command("aegis-launch")
    .description("Run aegis-bt scenarios and sweeps on AWS Fargate or AWS Batch through S3 (configuration from the CDK stacks' outputs)")
    .version("0.1.0")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, "")), writeErr: (s) => io.err(s.replace(/\n$/, "")) })
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError("(run with --help for usage)");
  addGlobalOptions(program);
  // The order here is the order of `aegis-launch --help`.
  registerSubmit(program, io);
  registerSweep(program, io);
  registerRuns(program, io);
  registerCost(program, io);
  registerDataset(program, io);
  return program;
}

/** Runs the CLI and returns its exit code; a failure prints one line (plus a failed run's log tail), never a stack trace. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed its own message (or the help / version).
      return err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help" ? 0 : err.exitCode || 1;
    }
    if (err instanceof SweepFailedError) {
      for (const f of err.details.failed) {
        if (!f.logTail?.length) continue;
        io.err(`--- shard ${shardName(f.shard)}: last ${f.logTail.length} lines ---`);
        for (const line of f.logTail) io.err(line);
      }
    }
    if (err instanceof RunFailedError && err.details.logTail.length > 0) {
      io.err(`--- last ${err.details.logTail.length} log lines ---`);
      for (const line of err.details.logTail) io.err(line);
      io.err("---");
    }
    io.err(`aegis-launch: error: ${userMessage(err)}`);
    if (program.opts<{ verbose?: boolean }>().verbose) for (const line of errorDetails(err)) io.err(line);
    return 1;
  }
}

/** The `aegis-launch` entry point. */
export async function main(argv: string[]): Promise<void> {
  process.exitCode = await runCli(argv, {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    env: process.env,
    interactive: process.stdin.isTTY === true && process.stderr.isTTY === true,
    ask: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  });
}
