// `aegis-data`: parses arguments and calls the library; formatting only.
import { resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { info, prepareOutputDir, validate } from "./datasets.js";
import { describeDateSet, findDateSets, type DateSetSummary } from "./date-sets.js";
import { DATES_CSV_HEADERS, importDates } from "./date-sets-import.js";
import { EVENT_KINDS, countByKind, readEvents } from "./events.js";
import { DIVIDENDS_CSV_HEADER, EVENTS_CSV_HEADER, importEvents } from "./events-import.js";
import { readManifest } from "./manifest.js";
import { importOrats } from "./orats/index.js";
import { progressBar } from "./progress.js";
import { SERIES_FILE, readSeries, summarizeSeries, type SeriesSummary } from "./series.js";
import { SERIES_CSV_HEADER, importSeries } from "./series-import.js";
import { PROFILES, generateDataset, type Profile } from "./synth/index.js";

const VERSION = "0.1.0";
/** Default last trade date for `--years` without `--end`: fixed, so a command always makes the same data. */
const DEFAULT_END = "2023-12-29";

function integer(name: string) {
  return (value: string) => {
    if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be an integer, got "${value}"`);
    return Number(value);
  };
}

function list(value: string): string[] {
  return value
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);
}

/** `--years N` ending at `end`: the day after the same date N years earlier. */
export function startForYears(end: string, years: number): string {
  const [y, m, d] = end.split("-").map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y - years, m - 1, d + 1));
  return date.toISOString().slice(0, 10);
}

const fmt = (n: number) => n.toLocaleString("en-US");

/** `ex_dividend 28, earnings 4`: the kinds present, in the file's kind order. */
function kindList(byKind: Record<string, number>): string {
  return EVENT_KINDS.filter((k) => (byKind[k] ?? 0) > 0)
    .map((k) => `${k} ${fmt(byKind[k]!)}`)
    .join(", ");
}

/** `2023-01-03 to 2023-03-29, days: every ticker 8, AAA 3`: a date set's span and counts. */
function dateSetLine(d: Pick<DateSetSummary, "firstDate" | "lastDate" | "everyTicker" | "byTicker">): string {
  return `${d.firstDate} to ${d.lastDate}, days: ${describeDateSet(d)}`;
}

export function buildProgram(): Command {
  const program = new Command("aegis-data")
    .description("Synthetic ORATS-shaped datasets, ORATS CSV import, validation and inspection")
    .version(VERSION)
    .showHelpAfterError("(run with --help for usage)");

  program
    .command("gen")
    .description("Generate a deterministic synthetic ORATS-shaped dataset (same seed, same bytes)")
    .addOption(new Option("--profile <profile>", "market profile").choices([...PROFILES]).default("spx-like"))
    .option("--tickers <list>", "comma-separated tickers", list, ["SPX"])
    .option("--start <date>", "first trade date, YYYY-MM-DD")
    .option("--end <date>", `last trade date, YYYY-MM-DD (default ${DEFAULT_END} with --years)`)
    .option("--years <n>", "shortcut: this many years ending at --end", integer("--years"))
    .option("--seed <n>", "random seed", integer("--seed"), 1)
    .requiredOption("--out <dir>", "dataset directory to create")
    .option("--name <name>", "dataset name in the manifest")
    .option("--overwrite", "replace a dataset already in --out", false)
    .addHelpText(
      "after",
      "\nExamples:\n  aegis-data gen --profile spx-like --tickers SPX --years 7 --seed 1 --out data/spx-7y\n" +
        "  aegis-data gen --profile equity-like --tickers AAPL,MSFT --start 2022-01-03 --end 2022-12-30 --seed 3 --out data/eq",
    )
    .action(async (o) => {
      const end: string = o.end ?? (o.years !== undefined ? DEFAULT_END : undefined);
      const start: string | undefined = o.start ?? (o.years !== undefined ? startForYears(end, o.years) : undefined);
      if (!start || !end) throw new Error("give --start and --end, or --years (with an optional --end)");
      const out = resolve(o.out);
      prepareOutputDir(out, o.overwrite);
      const bar = progressBar("generating", "{value}/{total} days | {rows} rows | {ticker}");
      try {
        const r = await generateDataset({
          profile: o.profile as Profile,
          tickers: o.tickers,
          start,
          end,
          seed: o.seed,
          out,
          name: o.name,
          onProgress: (p) => bar.update(p.daysDone, p.daysTotal, { rows: fmt(p.rows), ticker: p.ticker }),
        });
        bar.stop();
        const rate = r.rows / Math.max(r.seconds, 1e-9);
        console.log(
          `generated ${r.manifest.name}: ${fmt(r.rows)} rows in ${r.manifest.partitions.length} partitions, ` +
            `${r.seconds.toFixed(2)} s (${fmt(Math.round(rate))} rows/s) → ${out}`,
        );
      } finally {
        bar.stop();
      }
    });

  program
    .command("import-orats")
    .description("Import ORATS near-EOD SMV Strikes CSV files (plain or .zip) into a dataset")
    .argument("<files...>", "CSV or ZIP files, in any order")
    .requiredOption("--out <dir>", "dataset directory to create")
    .option("--name <name>", "dataset name in the manifest", "orats")
    .option("--tickers <list>", "import only these tickers", list)
    .option("--memory-mb <n>", "budget for buffered rows", integer("--memory-mb"), 256)
    .option("--overwrite", "replace a dataset already in --out", false)
    .option("--max-errors <n>", "skipped rows to list in the summary (all are counted)", integer("--max-errors"), 20)
    .action(async (files: string[], o) => {
      const out = resolve(o.out);
      const bar = progressBar("importing", "{file} | {rows} rows");
      let summary;
      try {
        summary = await importOrats(files, {
          out,
          name: o.name,
          tickers: o.tickers,
          memoryBudgetMB: o.memoryMb,
          maxErrorsShown: o.maxErrors,
          overwrite: o.overwrite,
          onProgress: (p) => bar.update(p.bytesRead, p.bytesTotal, { file: p.file, rows: fmt(p.rows) }),
        });
      } finally {
        bar.stop();
      }
      console.log(
        `imported ${summary.files} file(s) in ${summary.seconds.toFixed(2)} s: ${fmt(summary.rowsRead)} rows read, ` +
          `${fmt(summary.rowsWritten)} written, ${fmt(summary.rowsSkipped)} skipped` +
          (summary.rowsFiltered ? `, ${fmt(summary.rowsFiltered)} outside --tickers` : "") +
          ` → ${summary.partitions} partitions for ${summary.tickers.join(", ")} in ${out}`,
      );
      for (const [reason, n] of Object.entries(summary.skippedByReason)) console.log(`  skipped ${fmt(n)}: ${reason}`);
      for (const [column, n] of Object.entries(summary.filled ?? {})) console.log(`  filled ${fmt(n)} empty ${column} with 0`);
      for (const p of summary.problems) {
        console.log(`  ${p.file}:${p.line} column ${p.column}: ${p.reason} (value "${p.value}")`);
      }
      if (summary.rowsSkipped > summary.problems.length) {
        console.log(`  … ${fmt(summary.rowsSkipped - summary.problems.length)} more skipped rows not listed (--max-errors)`);
      }
      for (const w of summary.warnings) console.error(`aegis-data: warning: ${w}`);
    });

  program
    .command("import-events")
    .description("Add ex-dividend dates, earnings dates and splits from a CSV file to a dataset's events.arrow")
    .argument("<csv>", `CSV file with the header ${EVENTS_CSV_HEADER} (kind and session optional) or ${DIVIDENDS_CSV_HEADER}`)
    .requiredOption("--dataset <dir>", "dataset directory (its manifest is rewritten)")
    .addHelpText(
      "after",
      "\nRows: kind is ex_dividend (the default; amount = dividend per share in dollars, on the ex-date),\n" +
        "earnings (no amount; session bmo or amc) or split (amount = the ratio, e.g. 4 for 4-for-1).\n" +
        "Rows already in the dataset are counted and skipped; nothing is written when any line is bad.\n" +
        "\nExample:\n  printf 'ticker,date,kind,amount,session\\nAAPL,2023-02-10,ex_dividend,0.23,\\nAAPL,2023-02-02,earnings,,amc\\n' > events.csv\n" +
        "  aegis-data import-events events.csv --dataset data/eq",
    )
    .action(async (csv: string, o) => {
      const r = await importEvents(resolve(o.dataset), csv);
      console.log(`${fmt(r.read)} events read, ${fmt(r.added)} added, ${fmt(r.present)} already present`);
      if (r.added > 0) console.log(`events.arrow: ${fmt(r.total)} events (${kindList(r.byKind)}), ${r.firstDate} to ${r.lastDate}`);
    });

  program
    .command("import-series")
    .description("Add daily named series (an index level, a benchmark, an indicator) from a CSV file to a dataset's series.arrow")
    .argument("<csv>", `CSV file with the header ${SERIES_CSV_HEADER} (columns in any order)`)
    .requiredOption("--dataset <dir>", "dataset directory (its manifest is rewritten)")
    .addHelpText(
      "after",
      "\nRows: name is the series (1 to 64 characters from A-Z a-z 0-9 _ . -, starting with a letter),\n" +
        "date a YYYY-MM-DD day inside the dataset's data, value a plain decimal; each name and date at most\n" +
        "once in a file. Rows already in the dataset are counted and skipped; nothing is written when any line is bad.\n" +
        "\nExample:\n  printf 'name,date,value\\nVIX9D,2023-03-01,19.84\\nVIX9D,2023-03-02,18.72\\n' > series.csv\n" +
        "  aegis-data import-series series.csv --dataset data/spx",
    )
    .action(async (csv: string, o) => {
      const r = await importSeries(resolve(o.dataset), csv);
      const what = r.names.length > 0 ? ` (${r.names.join(", ")}; ${r.firstDate} to ${r.lastDate})` : "";
      console.log(`${fmt(r.read)} rows read, ${fmt(r.added)} added to ${SERIES_FILE}, ${fmt(r.present)} already present${what}`);
    });

  program
    .command("import-dates")
    .description("Store the days of a CSV file in a dataset's series.arrow as a date set, for the `dates` entry signal")
    .argument("<csv>", `CSV file with the header ${DATES_CSV_HEADERS.join(" or ")} (any case), one YYYY-MM-DD a line`)
    .option("--dataset <dir>", "dataset directory (its manifest is rewritten); --data <dir> is the same")
    .addOption(new Option("--data <dir>", "the same as --dataset").hideHelp())
    .requiredOption("--name <name>", "the date set's name: a letter, then letters, digits, _ and - (no .)")
    .option("--allow-unknown-tickers", "accept tickers the dataset does not have (refused by default: most are typos)", false)
    .addHelpText(
      "after",
      "\nRows: a day, and in a date,ticker file a ticker, or an empty ticker for a day of every ticker.\n" +
        "The set NAME is stored as the series NAME (days for every ticker) and NAME.<TICKER> (days for one\n" +
        "ticker), each day with the value 1; a scenario reads it with `dates: { set: NAME, on: only | never }`.\n" +
        "Importing a set again replaces it; the other series stay. Nothing is written when any line is bad.\n" +
        "\nExample:\n  printf 'date,ticker\\n2023-02-01,\\n2023-03-22,\\n2023-02-02,AAPL\\n' > fomc.csv\n" +
        "  aegis-data import-dates fomc.csv --dataset data/eq --name FOMC",
    )
    .action(async (csv: string, o) => {
      if (o.dataset !== undefined && o.data !== undefined && o.dataset !== o.data) throw new Error("give the dataset once: --dataset (or --data)");
      const dir: string | undefined = o.dataset ?? o.data;
      if (dir === undefined) throw new Error("required option '--dataset <dir>' not specified");
      const r = await importDates(resolve(dir), csv, { name: o.name, allowUnknownTickers: o.allowUnknownTickers });
      const repeated = r.repeated > 0 ? ` (${fmt(r.repeated)} repeating an earlier row)` : "";
      const where = r.written ? ` → ${SERIES_FILE}, ${fmt(r.total)} rows` : "; the dataset holds exactly this set already, nothing written";
      console.log(`${fmt(r.read)} rows read${repeated}: date set ${r.name}, ${dateSetLine(r)}${where}`);
      if (r.replaced && r.written) console.log(`  replaces the set ${r.name} the dataset had: ${dateSetLine(r.replaced)}`);
      if (r.outside > 0) {
        const days = r.outside === 1 ? "1 day lies" : `${fmt(r.outside)} days lie`;
        console.log(`  ${days} outside the data (kept; a run never meets ${r.outside === 1 ? "it" : "them"})`);
      }
      if (r.unknownTickers.length > 0) console.log(`  tickers the dataset does not have (--allow-unknown-tickers): ${r.unknownTickers.join(", ")}`);
    });

  program
    .command("validate")
    .description("Check a dataset: schema, sort order, duplicate keys, quotes, dates, checksums, row counts, events.arrow, series.arrow")
    .argument("<dir>", "dataset directory")
    .option("--no-checksums", "skip recomputing sha256")
    .option("--json", "print the report as JSON", false)
    .action(async (dir: string, o) => {
      const report = await validate(resolve(dir), { checksums: o.checksums });
      if (o.json) console.log(JSON.stringify(report, null, 2));
      else {
        for (const p of report.problems) console.error(`${resolve(dir, p.file)}: ${p.message} [${p.kind}]`);
        console.log(
          `${report.ok ? "ok" : "FAILED"}: ${report.partitionsChecked} partitions, ${fmt(report.rowsChecked)} rows, ` +
            `${fmt(report.bytesChecked)} bytes checked, ${report.problems.length} problem(s)`,
        );
      }
      if (!report.ok) process.exitCode = 1;
    });

  program
    .command("info")
    .description("Summarize a dataset: source, tickers, dates, partitions, rows, size, events, series")
    .argument("<dir>", "dataset directory")
    .option("--json", "print JSON", false)
    .action(async (dir: string, o) => {
      const i = await info(resolve(dir));
      // The engine's summary knows partitions; the events are read here.
      const manifest = readManifest(resolve(dir));
      let events: { rows: number; firstDate: string; lastDate: string; byKind: Record<string, number> } | undefined;
      if (manifest.events) {
        const e = manifest.events;
        events = { rows: e.rows, firstDate: e.firstDate, lastDate: e.lastDate, byKind: countByKind(readEvents(resolve(dir), manifest)) };
      }
      // Series named NAME and NAME.<…> whose days all hold 1 are shown as one date set (date-sets.ts);
      // `byName` keeps every series, date sets' included.
      let series:
        | { rows: number; firstDate: string; lastDate: string; byName: Record<string, Omit<SeriesSummary, "name">>; dateSets?: Record<string, Omit<DateSetSummary, "name">> }
        | undefined;
      let grouped: ReturnType<typeof findDateSets> = { dateSets: [], series: [] };
      if (manifest.series) {
        const s = manifest.series;
        const points = readSeries(resolve(dir), manifest);
        const byName = Object.fromEntries(summarizeSeries(points).map(({ name, ...rest }) => [name, rest]));
        grouped = findDateSets(points);
        const dateSets = Object.fromEntries(grouped.dateSets.map(({ name, ...rest }) => [name, rest]));
        series = { rows: s.rows, firstDate: s.firstDate, lastDate: s.lastDate, byName, ...(grouped.dateSets.length > 0 && { dateSets }) };
      }
      if (o.json) {
        console.log(JSON.stringify({ ...i, ...(events && { events }), ...(series && { series }) }, null, 2));
        return;
      }
      console.log(`dataset     ${i.name}`);
      console.log(`directory   ${i.dir}`);
      console.log(`source      ${Object.entries(i.source).map(([k, v]) => `${k}=${v}`).join(" ")}`);
      console.log(`dates       ${i.firstTradeDate ?? "-"} to ${i.lastTradeDate ?? "-"}`);
      console.log(`partitions  ${i.partitions}   rows ${fmt(i.rows)}   size ${(i.bytes / 2 ** 20).toFixed(1)} MiB`);
      for (const t of i.perTicker) {
        console.log(`  ${t.ticker.padEnd(8)} ${t.firstTradeDate} to ${t.lastTradeDate}  ${t.partitions} partition(s)  ${fmt(t.rows)} rows`);
      }
      console.log(events ? `events      ${fmt(events.rows)} (${kindList(events.byKind)})   ${events.firstDate} to ${events.lastDate}` : "events      none");
      if (!series) console.log("series      none");
      else {
        const names = grouped.series.map((name) => [name, series!.byName[name]!] as const);
        const sets = grouped.dateSets.length > 0 ? `${grouped.dateSets.length} date set${grouped.dateSets.length === 1 ? "" : "s"}, ` : "";
        const plain = names.length > 0 || sets === "" ? `${names.length} series, ` : "";
        console.log(`series      ${plain}${sets}${fmt(series.rows)} rows   ${series.firstDate} to ${series.lastDate}`);
        for (const [name, s] of names) console.log(`  ${name.padEnd(8)} ${s.firstDate} to ${s.lastDate}  ${fmt(s.rows)} rows`);
        for (const d of grouped.dateSets) console.log(`  ${d.name.padEnd(8)} ${d.firstDate} to ${d.lastDate}  date set, days: ${describeDateSet(d)}`);
      }
    });

  return program;
}

/** Runs the CLI; a user mistake prints one line and exits 1, never a stack trace. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    console.error(`aegis-data: error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
