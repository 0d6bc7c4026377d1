// The synthetic ORATS-shaped dataset generator: public surface.
export { generateDataset, validateOptions, BATCH_DAYS } from "./generate.js";
export type { GenerateOptions, GenerateProgress, GenerateResult } from "./generate.js";
export type { Profile } from "./profiles.js";
export { PROFILES } from "./profiles.js";
export { GENERATOR_VERSION } from "./version.js";
export { tradingDays, isBusinessDay, holidaysOfYear } from "./calendar.js";
export { monthlyExpiration, ExpirationSchedule } from "./expirations.js";
export { bsm } from "./bsm.js";
export { normCdf, erfc } from "./normal.js";
