#!/usr/bin/env node
// `nx run infra:synth` without the CDK CLI: what `cdk synth` does for this app — cdk.json's context
// in (plus `-c`-style overrides as KEY=VALUE arguments), the cloud assembly out to cdk.out.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
const cdkJson = JSON.parse(readFileSync(resolve(packageDir, "cdk.json"), "utf8")) as { context?: Record<string, unknown> };
const overrides = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const eq = arg.indexOf("=");
    if (eq <= 0) throw new Error(`expected KEY=VALUE, got ${arg}`);
    return [arg.slice(0, eq), arg.slice(eq + 1)];
  }),
);
process.env.CDK_CONTEXT_JSON = JSON.stringify({ ...cdkJson.context, ...overrides });
process.env.CDK_OUTDIR = process.env.CDK_OUTDIR ?? resolve(packageDir, "cdk.out");
await import("./app.js");
console.log(`cloud assembly written to ${process.env.CDK_OUTDIR}`);
