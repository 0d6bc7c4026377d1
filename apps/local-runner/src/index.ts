// @aegis-bt/local-runner: run backtests on this machine, in-process, and write tearsheets.
export { runScenarioFile, defaultDataRoot, type LocalRunOptions, type LocalRunResult } from "./run.js";
export { ensureDataset, syntheticSpec, SYNTHETIC_END, type SyntheticSpec } from "./synthetic.js";
export { summaryTable } from "./summary-table.js";
export * from "./report/index.js";
