// The one price table every cost in the launcher is computed from: AWS Fargate and Amazon EBS, with
// the region and the date of the published prices they are. docs/remote.md "Prices" shows the same
// table; change both together.

/** The region and date every price below belongs to. */
export const PRICE_LIST = {
  region: "us-east-1",
  /**
   * The date of AWS's public price list these prices were taken from. Not re-read since: this
   * repository's machines have no network. Refresh the table (and docs/remote.md "Prices") before
   * trusting an estimate for another date or region.
   */
  dated: "2024-12-01",
  currency: "USD",
  sources: ["https://aws.amazon.com/fargate/pricing/", "https://aws.amazon.com/ebs/pricing/"],
} as const;

/**
 * AWS Fargate on-demand, Linux/x86_64. Billing runs from the start of the image pull to the task's
 * stop, per second, one minute minimum; the first 20 GB of ephemeral storage are included.
 */
export const FARGATE_PRICES = {
  region: PRICE_LIST.region,
  dated: PRICE_LIST.dated,
  /** The same date, under the name `run.json`'s `cost.prices` has always used. */
  asOf: PRICE_LIST.dated,
  platform: "Linux/x86_64",
  currency: PRICE_LIST.currency,
  perVcpuHour: 0.04048,
  perGbHour: 0.004445,
  perEphemeralGbHour: 0.000111,
  includedEphemeralGb: 20,
  minimumSeconds: 60,
} as const;

/**
 * Fargate Spot's discount on the on-demand price. AWS advertises "up to 70%"; the real Spot price
 * varies by region and over time and is not in the price list, so every Spot figure is an estimate,
 * even for finished runs.
 */
export const SPOT_DISCOUNT = 0.7;

/**
 * Amazon EBS: gp3 volumes (the dataset volumes: the snapshot's pull volume, a run's volume restored
 * from a snapshot) and standard-tier snapshots. A GB-month is prorated per second of the month,
 * AWS counting 730 hours a month; a snapshot bills the blocks it holds.
 */
export const EBS_PRICES = {
  region: PRICE_LIST.region,
  dated: PRICE_LIST.dated,
  currency: PRICE_LIST.currency,
  gp3GbMonth: 0.08,
  /** gp3 includes 3,000 IOPS and 125 MiB/s; more is billed per provisioned unit and month. */
  gp3IncludedIops: 3000,
  gp3IopsMonth: 0.005,
  gp3IncludedMibps: 125,
  gp3MibpsMonth: 0.04,
  snapshotGbMonth: 0.05,
  hoursPerMonth: 730,
} as const;
