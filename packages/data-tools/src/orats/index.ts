// `import-orats` as a library: ORATS near-EOD "SMV Strikes" CSV files (plain or zipped) → the
// project's Arrow dataset. The CLI wraps `importOrats`; the rules live in importer.ts (flow, memory
// bound, open files, failure) and columns.ts (header mapping, per-cell rules for blanks and bad rows).
export {
  CREATED_BY,
  IMPORTER,
  REASONS,
  ROW_BYTES,
  importOrats,
  type ImportOptions,
  type ImportProgress,
  type ImportSummary,
  type RowProblem,
} from "./importer.js";
export { FLOAT_KIND, headerNamesOf, type SchemaColumn } from "./columns.js";
