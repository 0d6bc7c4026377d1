#!/usr/bin/env node
// The CDK app. The only place that reads the environment and the context: everything below gets typed
// props. Run by the CDK CLI (`npx cdk deploy`, see cdk.json) or by bin/synth.ts.
import { App, Validations } from "aws-cdk-lib";
import nag from "cdk-nag";
import { buildAegisBt } from "../src/app.js";
import { parseConfig } from "../src/config.js";

const app = new App();
const config = parseConfig((key) => app.node.tryGetContext(key), {
  account: process.env.CDK_DEFAULT_ACCOUNT,
  region: process.env.CDK_DEFAULT_REGION,
});
buildAegisBt(app, config);
// cdk-nag's AWS Solutions rules (a policy-validation plugin in cdk-nag 3): an unacknowledged finding
// fails the synthesis.
Validations.of(app).addPlugins(new nag.AwsSolutionsChecks(app, { verbose: true }));
app.synth();
