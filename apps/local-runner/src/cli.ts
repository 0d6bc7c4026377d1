// `aegis-local`: parses arguments and calls the library; formatting and progress only.
import { Command, InvalidArgumentError } from "commander";
import { expandSweep, type VerifyMode } from "@aegis-bt/engine";
import { progressBar } from "@aegis-bt/data-tools";
import { attributionTotals } from "./report/attribution.js";
import { rewriteReport } from "./report-command.js";
import { runScenarioFile } from "./run.js";
import { defaultDataRoot, readScenarioFile } from "./scenario-file.js";
import { summaryTable } from "./summary-table.js";
import type { GenerateNotice } from "./synthetic.js";
import { sweepOutputFiles, sweepScenarioFile } from "./sweep.js";
import { cscvHeadline, sweepTable } from "./sweep-table.js";

/** An AbortSignal that Ctrl-C fires: the engine stops at its next check and the command fails with AbortError. */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  return controller.signal;
}

/** Items per second since the first report, as text; the clock starts there so data loading does not count. */
function rateSinceFirst(): (done: number) => string {
  let first: { at: number; done: number } | undefined;
  return (done) => {
    const now = Date.now();
    first ??= { at: now, done };
    const seconds = (now - first.at) / 1000;
    return seconds > 0 ? ((done - first.done) / seconds).toFixed(1) : "—";
  };
}

/** `--top 5` → 5; anything but a whole number ≥ 1 is a usage error. */
function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number ≥ 1");
  return n;
}

/** `--axes a,b` → ["a", "b"]. */
function axesList(value: string): string[] {
  return value.split(",").map((p) => p.trim()).filter((p) => p !== "");
}

const DATA_HELP =
  "a data root holding <dataset>/manifest.json, or the dataset directory itself; read only, nothing is generated there " +
  `(default: the cache ${defaultDataRoot()}, or $AEGIS_DATA_ROOT, where a missing synthetic dataset is generated)`;

/** Says on stderr, before generation starts, which dataset was missing, where, and where it goes. */
function announce(notice: GenerateNotice): void {
  console.error(notice.message);
}

const VERIFY_HELP = "hash every partition the run reads, even those verified before (default: hash on first use and remember)";
const NO_VERIFY_HELP = "check partitions' sizes, rows, dates and tickers against the manifest, not their sha256";

/**
 * `--verify` → always, `--no-verify` → never, neither → auto (docs/data-format.md); both is a usage
 * error, as in aegis-bt (commander lets the last one win, so the arguments are read here).
 */
function verifyMode(flag: boolean | undefined, argv: readonly string[] = process.argv): VerifyMode {
  if (argv.includes("--verify") && argv.includes("--no-verify")) throw new Error("--verify and --no-verify cannot be used together");
  return flag === undefined ? "auto" : flag ? "always" : "never";
}

export function buildProgram(): Command {
  const program = new Command("aegis-local")
    .description("Run aegis-bt backtests and sweeps on this machine, in-process, with HTML reports")
    .version("0.1.0")
    .showHelpAfterError("(run with --help for usage)");

  program
    .command("run")
    .description("Run a scenario: find its dataset (generating a synthetic one into the cache if needed), backtest, write results and report.html")
    .argument("<scenario>", "scenario file (YAML or JSON)")
    .option("--data <dir>", DATA_HELP)
    .option("--out <dir>", "results directory (default results/<scenario name>)")
    .option("--no-report", "skip report.html")
    .option("--json", "print summary.json instead of the table", false)
    .option("--verify", VERIFY_HELP)
    .option("--no-verify", NO_VERIFY_HELP)
    .addHelpText("after", "\nExample:\n  aegis-local run examples/short-put.yaml\n")
    .action(async (file: string, o) => {
      const gen = progressBar("generating data", "{value}/{total} days | {ticker}");
      const run = progressBar("backtesting    ", "{value}/{total} days | {date}");
      try {
        const r = await runScenarioFile(file, {
          data: o.data,
          out: o.out,
          report: o.report,
          verify: verifyMode(o.verify),
          signal: interruptSignal(),
          onGenerateStart: announce,
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
        console.log(summaryTable(r.result.summary, attributionTotals(r.result.equity)));
        console.log(`\n  results  ${r.out}`);
        if (r.report) console.log(`  report   ${r.report}`);
        console.log(`  ran in ${r.result.run.wall_seconds.toFixed(2)} s over ${r.result.run.rows_scanned.toLocaleString("en-US")} option rows`);
      } finally {
        gen.stop();
        run.stop();
      }
    });

  program
    .command("sweep")
    .description("Run a scenario's sweep: every point in-process on all cores, CSCV when the scenario asks, write the tables and report.html")
    .argument("<scenario>", "scenario file with a `sweep:` section (YAML or JSON)")
    .option("--data <dir>", DATA_HELP)
    .option("--out <dir>", "output directory (default results/sweeps/<scenario name>)")
    .option("--points", "also write each point's full results under points/<id>/", false)
    .option("--axes <path[,path]>", "the swept path(s) of the report's metric chart (default the first two)", axesList)
    .option("--top <n>", "points in the table", positiveInt, 10)
    .option("--no-report", "skip report.html")
    .option("--verify", VERIFY_HELP)
    .option("--no-verify", NO_VERIFY_HELP)
    .addHelpText("after", "\nExample:\n  aegis-local sweep examples/sweep-short-put.yaml\n")
    .action(async (file: string, o) => {
      const gen = progressBar("generating data", "{value}/{total} days | {ticker}");
      const sweep = progressBar("sweeping       ", "{value}/{total} points | {rate} points/s");
      const rate = rateSinceFirst();
      try {
        const r = await sweepScenarioFile(file, {
          data: o.data,
          out: o.out,
          points: o.points,
          report: o.report,
          axes: o.axes,
          verify: verifyMode(o.verify),
          signal: interruptSignal(),
          onPlan: (plan) => console.error(`${plan.points.length.toLocaleString("en-US")} points over ${plan.paths.join(", ")}`),
          onGenerateStart: announce,
          onGenerate: (p) => gen.update(p.daysDone, p.daysTotal, { ticker: p.ticker }),
          onProgress: (p) => sweep.update(p.pointsDone, p.pointsTotal, { rate: rate(p.pointsDone) }),
        });
        gen.stop();
        sweep.stop();
        if (r.dataset.generated) console.error(`generated dataset ${r.dataset.dir}`);
        const input = { sweep: r.result.sweep, info: r.result.info, cscv: r.result.cscv, returns: r.result.returns };
        console.log(sweepTable(input, o.top));
        console.log(`\n${cscvHeadline(r.result.cscv)}`);
        const files = [...(await sweepOutputFiles(r.out)), ...(o.points ? ["points/"] : [])];
        console.log(`\n  results  ${r.out} (${files.join(", ")})`);
        if (r.report) console.log(`  report   ${r.report}`);
        console.log(`  ran ${r.result.info.points.length.toLocaleString("en-US")} points in ${r.result.info.wall_seconds.toFixed(2)} s on ${r.result.info.threads} threads`);
        const kept = r.result.info.resumed_points ?? 0;
        if (kept > 0) console.log(`  resumed  ${kept.toLocaleString("en-US")} of them kept from the checkpoint of an earlier run that was stopped`);
      } finally {
        gen.stop();
        sweep.stop();
      }
    });

  program
    .command("validate")
    .description("Check a scenario file through the engine (the same rules as aegis-bt validate)")
    .argument("<scenario>", "scenario file")
    .action(async (file: string) => {
      const { text, scenario: s } = readScenarioFile(file);
      // Like the binary, a sweep is expanded and every point validated.
      const hasSweep = (JSON.parse(s.normalizedJson) as { sweep?: unknown }).sweep != null;
      const sweep = hasSweep ? `; a sweep of ${(await expandSweep(text, file)).points.length} point(s), each valid` : "";
      console.log(`ok: ${s.name} (${s.legs} leg(s), ${s.tickers.join(", ")}, ${s.start} to ${s.end}, dataset ${s.dataset})${sweep}`);
    });

  program
    .command("report")
    .description("(Re)write report.html for a finished results directory or sweep output directory (one with _SUCCESS)")
    .argument("<results>", "results directory of a run, or output directory of a sweep")
    .option("--axes <path[,path]>", "for a sweep: the swept path(s) of the metric chart (default the first two)", axesList)
    .action(async (dir: string, o) => {
      console.log(await rewriteReport(dir, { axes: o.axes }));
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
