// `aegis-local`: parses arguments and calls the library; formatting and progress only.
import { resolve } from "node:path";
import { Command } from "commander";
import { validateScenario } from "@aegis-bt/engine";
import { readFileSync } from "node:fs";
import { progressBar } from "@aegis-bt/data-tools";
import { writeReport } from "./report/index.js";
import { defaultDataRoot, runScenarioFile } from "./run.js";
import { summaryTable } from "./summary-table.js";

export function buildProgram(): Command {
  const program = new Command("aegis-local")
    .description("Run aegis-bt backtests on this machine, in-process, with an HTML tearsheet")
    .version("0.1.0")
    .showHelpAfterError("(run with --help for usage)");

  program
    .command("run")
    .description("Run a scenario: generate its synthetic dataset if needed, backtest, write results and report.html")
    .argument("<scenario>", "scenario file (YAML or JSON)")
    .option("--data <dir>", `data root holding <dataset>/manifest.json (default ${defaultDataRoot()}, or $AEGIS_DATA_ROOT)`)
    .option("--out <dir>", "results directory (default results/<scenario name>)")
    .option("--no-report", "skip report.html")
    .option("--json", "print summary.json instead of the table", false)
    .addHelpText("after", "\nExample:\n  aegis-local run examples/short-put.yaml\n")
    .action(async (file: string, o) => {
      const gen = progressBar("generating data", "{value}/{total} days | {ticker}");
      const run = progressBar("backtesting    ", "{value}/{total} days | {date}");
      const controller = new AbortController();
      process.once("SIGINT", () => controller.abort());
      try {
        const r = await runScenarioFile(file, {
          data: o.data,
          out: o.out,
          report: o.report,
          signal: controller.signal,
          onGenerate: (p) => gen.update(p.daysDone, p.daysTotal, { ticker: p.ticker }),
          onProgress: (p) => run.update(p.daysDone, p.daysTotal, { date: p.date }),
        });
        gen.stop();
        run.stop();
        if (r.dataset.generated) console.error(`generated dataset ${r.dataset.dir}`);
        if (o.json) {
          console.log(r.result.files.summaryJson.trimEnd());
          return;
        }
        console.log(summaryTable(r.result.summary));
        console.log(`\n  results  ${r.out}`);
        if (r.report) console.log(`  report   ${r.report}`);
        console.log(`  ran in ${r.result.run.wall_seconds.toFixed(2)} s over ${r.result.run.rows_scanned.toLocaleString("en-US")} option rows`);
      } finally {
        gen.stop();
        run.stop();
      }
    });

  program
    .command("validate")
    .description("Check a scenario file through the engine (the same rules as aegis-bt validate)")
    .argument("<scenario>", "scenario file")
    .action((file: string) => {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (err) {
        throw new Error(`${file}: cannot read the scenario (${(err as NodeJS.ErrnoException).code ?? err})`);
      }
      const s = validateScenario(text, file);
      console.log(`ok: ${s.name} (${s.legs} leg(s), ${s.tickers.join(", ")}, ${s.start} to ${s.end}, dataset ${s.dataset})`);
    });

  program
    .command("report")
    .description("(Re)write report.html for a results directory")
    .argument("<results>", "results directory")
    .action(async (dir: string) => {
      console.log(await writeReport(resolve(dir)));
    });

  return program;
}

/** Runs the CLI; a user mistake prints one line and exits 1, never a stack trace. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    console.error(`aegis-local: error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
