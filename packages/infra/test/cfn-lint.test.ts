// Synthesizes the app the way `cdk synth` does (bin/app.ts, cdk.json's context, the cdk-nag plugin) into
// a temporary cloud assembly, then lints every template with cfn-lint. cfn-lint must be installed
// (`pip install cfn-lint`): without it this test fails, it never skips.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { cdkJsonContext } from "./helpers.js";

const CFN_LINT = process.env.CFN_LINT ?? "cfn-lint";
const outdirs: string[] = [];

afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs bin/app.ts with `overrides` on top of cdk.json's context; returns the template paths. */
async function synthesize(overrides: Record<string, string>): Promise<string[]> {
  const outdir = mkdtempSync(join(tmpdir(), "aegis-bt-cdk-"));
  outdirs.push(outdir);
  vi.stubEnv("CDK_OUTDIR", outdir);
  vi.stubEnv("CDK_CONTEXT_JSON", JSON.stringify({ ...cdkJsonContext(), ...overrides }));
  vi.stubEnv("CDK_DEFAULT_ACCOUNT", "");
  vi.stubEnv("CDK_DEFAULT_REGION", "");
  vi.resetModules();
  try {
    await import("../bin/app.ts");
  } finally {
    vi.unstubAllEnvs();
  }
  return readdirSync(outdir)
    .filter((f) => f.endsWith(".template.json"))
    .sort()
    .map((f) => join(outdir, f));
}

/**
 * cfn-lint's exit code is a bit mask: 2 = errors, 4 = warnings, 8 = informational; anything else
 * (1, or no exit code at all) means it could not lint. Warnings and informational findings pass.
 */
function lint(templates: string[]): { ok: boolean; report: string } {
  const result = spawnSync(CFN_LINT, ["--format", "parseable", ...templates], { encoding: "utf8" });
  if (result.error) {
    const hint = (result.error as NodeJS.ErrnoException).code === "ENOENT" ? ` (${CFN_LINT} is not on PATH: pip install cfn-lint)` : "";
    return { ok: false, report: `could not run cfn-lint${hint}: ${result.error.message}` };
  }
  const code = result.status ?? -1;
  const report = `${CFN_LINT} ${templates.join(" ")} exited ${code}\n${result.stdout}${result.stderr}`;
  const couldNotLint = code < 0 || code === 1 || code > 14;
  return { ok: !couldNotLint && (code & 2) === 0, report };
}

describe("cfn-lint on the synthesized templates", () => {
  it("cfn-lint is installed", () => {
    const version = spawnSync(CFN_LINT, ["--version"], { encoding: "utf8" });
    expect(version.error, `${CFN_LINT} not found: install it with \`pip install cfn-lint\``).toBeUndefined();
    expect(version.status).toBe(0);
  });

  it.each([
    ["the defaults", {}],
    [
      "an imported VPC, S3 Files, a repository image tag and an 8 vCPU / 60 GB size",
      {
        "aegis:vpcId": "vpc-0123456789abcdef0",
        "aegis:subnetIds": "subnet-0123456789abcdef0,subnet-0123456789abcdef1",
        "aegis:assignPublicIp": "false",
        "aegis:vpcCidr": "10.0.0.0/16",
        "aegis:s3FilesFileSystemArn": "arn:aws:s3files:eu-west-1:123456789012:file-system/fs-0123456789abcdef0",
        "aegis:imageTag": "3f2a9c1e",
        "aegis:vcpu": "8",
        "aegis:memoryGb": "60",
      },
    ],
  ])("passes with %s", async (_, overrides: Record<string, string>) => {
    const templates = await synthesize(overrides);
    expect(templates.map((t) => t.split("/").at(-1))).toEqual(["AegisBtCompute.template.json", "AegisBtStorage.template.json"]);
    const { ok, report } = lint(templates);
    if (!ok) console.error(report);
    expect(ok, report).toBe(true);
  }, 300_000);
});
