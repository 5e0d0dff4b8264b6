#!/usr/bin/env node
// Entry point for the `reach` command. Runs the TypeScript sources through tsx so the
// command always matches the checked-out code; no build step is needed.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
