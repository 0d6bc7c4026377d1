#!/usr/bin/env node
/* global process */
// Entry shim: the CLI lives in dist/ after `npm run build`.
import("../dist/cli.js").then((m) => m.main(process.argv));
