#!/usr/bin/env node
// Entry point for the `reach` command. Runs the TypeScript sources through tsx so the
// command always matches the checked-out code; no build step is needed.
import { register } from "tsx/esm/api";

// A reader that stops early (`reach cases export | head -1`) closes the pipe: that is not
// an error, so the command ends quietly with 0 instead of an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
}

const debug = process.env.REACH_DEBUG === "1" || process.env.REACH_DEBUG === "true";
/** An error main() did not report: one line and a hint, the stack only with REACH_DEBUG=1. */
function bug(error) {
  const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
  process.stderr.write(`reach: ${message}\n`);
  process.stderr.write(
    debug && error instanceof Error && error.stack
      ? `${error.stack}\n`
      : "(this is a bug in Reach; run with REACH_DEBUG=1 for details)\n",
  );
  process.exitCode = 1;
}
process.on("uncaughtException", (error) => {
  bug(error);
  process.exit(1);
});
process.on("unhandledRejection", (error) => {
  bug(error);
  process.exit(1);
});

try {
  register();
  const { main } = await import("../src/cli/main.ts");
  const { processOutput } = await import("../src/cli/output.ts");
  process.exitCode = await main(process.argv.slice(2), processOutput());
} catch (error) {
  // main() reports every error itself; this is for one that escapes it (a broken install).
  bug(error);
}
