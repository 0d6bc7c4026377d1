// `aegis-launch cost`: a run's Fargate cost estimated from the scenario alone (no AWS calls).
import type { Command } from "commander";
import { validateScenario } from "@aegis-bt/engine";
import { estimateCost, formatEstimate } from "../cost.js";
import { resolveSize } from "../sizes.js";
import { addSizeOptions, readScenario, sizeFlags, type CliIo } from "./common.js";

/** Adds `cost` to the program. */
export function registerCost(program: Command, io: CliIo): void {
  addSizeOptions(
    program
      .command("cost")
      .description("Estimate a run's Fargate cost from the scenario's span, tickers and size (no AWS calls)")
      .argument("<scenario>", "scenario file"),
  )
    .option("--json", "print JSON", false)
    .action((file: string, o: { profile?: string; cpu?: number; memory?: number; ephemeral?: number; spot: boolean; json: boolean }) => {
      const summary = validateScenario(readScenario(file), file);
      const doc = JSON.parse(summary.normalizedJson) as { resources?: { profile?: string } | null };
      const { size } = resolveSize({
        ...sizeFlags(o),
        ...(doc.resources?.profile && { scenarioProfile: doc.resources.profile }),
      });
      const estimate = estimateCost(summary, size, o.spot);
      if (o.json) io.out(JSON.stringify(estimate, null, 2));
      else for (const line of formatEstimate(estimate, summary)) io.out(line);
    });
}
