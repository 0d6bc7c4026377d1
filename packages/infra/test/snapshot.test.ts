// Drift guard: the whole templates, with asset hashes masked (they change with every Rust source edit).
// Update deliberately with `npx vitest run -u` after reviewing the diff.
import { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { buildApp, maskAssetHashes } from "./helpers.js";

describe("template snapshots", () => {
  const { storage, compute } = buildApp();

  it("AegisBtStorage", () => {
    expect(maskAssetHashes(Template.fromStack(storage).toJSON())).toMatchSnapshot();
  });

  it("AegisBtCompute", () => {
    const template = maskAssetHashes(Template.fromStack(compute).toJSON());
    expect(JSON.stringify(template)).not.toMatch(/[0-9a-f]{64}/);
    expect(template).toMatchSnapshot();
  });
});
