#!/usr/bin/env node
// Entry point for the `reach` command. Runs the TypeScript sources through tsx so the
// command always matches the checked-out code; no build step is needed.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
const { processOutput } = await import("../src/cli/output.ts");
process.exitCode = await main(process.argv.slice(2), processOutput());
