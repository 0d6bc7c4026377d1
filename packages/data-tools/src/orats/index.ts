// ORATS near-EOD "SMV Strikes" CSV files ↔ the project's Arrow dataset. Import: the CLI wraps
// `importOrats`; the rules live in importer.ts (flow, memory bound, open files, failure) and columns.ts
// (header mapping, per-cell rules for blanks and bad rows). Export (`exportOratsCsv`, export.ts and
// export-line.ts) writes a dataset back as daily ORATS files that import to the same rows.
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
export { FLOAT_KIND, ORATS_COLUMNS, headerNamesOf, type OratsColumn, type SchemaColumn } from "./columns.js";
export { exportOratsCsv, type ExportOptions, type ExportProgress, type ExportResult } from "./export.js";
export { ORATS_DECIMALS, ORATS_HEADER, formatNumber, formatOratsDate, opraSymbol, type NumberStyle } from "./export-line.js";
