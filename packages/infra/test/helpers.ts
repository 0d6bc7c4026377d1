// Shared test fixtures: the app as `cdk synth` would build it (cdk.json's context, including the
// feature flags), with context overrides per test.
import { readFileSync } from "node:fs";
import { App } from "aws-cdk-lib";
import { buildAegisBt, type AegisBtStacks } from "../src/app.js";
import { parseConfig } from "../src/config.js";

export const PACKAGE_DIR = new URL("..", import.meta.url).pathname;

export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL("../cdk.json", import.meta.url), "utf8")) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

export interface Built extends AegisBtStacks {
  readonly app: App;
}

/** Both stacks, env-agnostic, from cdk.json's context plus `overrides`. */
export function buildApp(overrides: Record<string, unknown> = {}, outdir?: string): Built {
  const context = { ...cdkJsonContext(), ...overrides };
  const app = new App({ context, ...(outdir ? { outdir } : {}) });
  const stacks = buildAegisBt(app, parseConfig((key) => app.node.tryGetContext(key)));
  return { app, ...stacks };
}

const ASSET_HASH = /[0-9a-f]{64}/g;

/** The template with asset hashes (image tags, S3 keys) replaced by a placeholder. */
export function maskAssetHashes<T>(template: T): T {
  return JSON.parse(JSON.stringify(template).replace(ASSET_HASH, "<asset-hash>")) as T;
}
