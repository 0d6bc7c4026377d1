// @aegis-bt/local-runner: run backtests and sweeps on this machine, in-process, and write their reports.
export { runScenarioFile, type LocalRunOptions, type LocalRunResult } from "./run.js";
export { sweepScenarioFile, defaultSweepOut, sweepOutputFiles, SWEEP_OUTPUT_FILES, type LocalSweepOptions, type LocalSweepResult } from "./sweep.js";
export { defaultDataRoot, readScenarioFile, ensureScenarioData, type ScenarioFile } from "./scenario-file.js";
export { ensureDataset, syntheticSpec, SYNTHETIC_END, type SyntheticSpec, type EnsureOptions, type EnsureOutcome, type GenerateNotice } from "./synthetic.js";
export { locateDataset, notFoundMessage, MANIFEST_FILE, type DatasetLocation } from "./data-location.js";
export { rewriteReport, type RewriteReportOptions } from "./report-command.js";
export { SUCCESS_FILE, isFinished, writeFileAtomic } from "./results-dir.js";
export { summaryTable } from "./summary-table.js";
export { sweepTable, cscvHeadline } from "./sweep-table.js";
export * from "./report/index.js";
