// @aegis-bt/data-tools: synthetic ORATS-shaped datasets, ORATS CSV import and export, validation, manifests.
export { generateDataset, GENERATOR_VERSION, PROFILES, tradingDays } from "./synth/index.js";
export type { GenerateOptions, GenerateProgress, GenerateResult, Profile } from "./synth/index.js";
export { exportOratsCsv, importOrats } from "./orats/index.js";
export type { ExportOptions, ExportProgress, ExportResult, ImportOptions, ImportProgress, ImportSummary, RowProblem } from "./orats/index.js";
export { info, validate, prepareOutputDir, seriesProblems } from "./datasets.js";
export type { DatasetInfo, VerifyReport } from "./datasets.js";
export { MANIFEST_FILE, datasetSpan, readManifest, sha256File, type DatasetSource, type Manifest } from "./manifest.js";
export {
  EVENT_COLUMNS,
  EVENT_KINDS,
  EVENTS_FILE,
  countByKind,
  readEvents,
  type DatasetEvent,
  type EventKind,
  type EventSession,
  type EventsInfo,
} from "./events.js";
export { DIVIDENDS_CSV_HEADER, EVENTS_CSV_HEADER, importEvents, type ImportEventsSummary } from "./events-import.js";
export {
  SERIES_COLUMNS,
  SERIES_FILE,
  SERIES_NAME_PATTERN,
  readSeries,
  summarizeSeries,
  type SeriesInfo,
  type SeriesPoint,
  type SeriesSummary,
} from "./series.js";
export { SERIES_CSV_HEADER, importSeries, type ImportSeriesSummary } from "./series-import.js";
export { DATE_SET_NAME_PATTERN, findDateSets, type DateSetSummary } from "./date-sets.js";
export { DATES_CSV_HEADERS, importDates, type ImportDatesOptions, type ImportDatesSummary } from "./date-sets-import.js";
export type { PartitionInfo } from "./partition-writer.js";
export { COLUMN_NAMES, SCHEMA_VERSION } from "./schema.js";
export { progressBar, type Progress } from "./progress.js";
