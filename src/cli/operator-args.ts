/**
 * What the commands that read a data folder and the case store share: who runs them (for
 * the audit trail of what they read) and the checks of `--source` and `--data`.
 */
import { existsSync, statSync } from "node:fs";
import { userInfo } from "node:os";
import { ADAPTERS, isSourceName } from "../data/adapters/index.ts";

/** Who runs the command, for the audit trail. */
export function operatorName(): string {
  try {
    return userInfo().username;
  } catch {
    // A container's user may have no passwd entry: the command must not fail for that.
    return "unknown";
  }
}

/** What is wrong with `--source` and `--data`, each as one line (none when both are fine). */
export function sourceAndDataProblems(args: { source?: string; data?: string }): string[] {
  const problems: string[] = [];
  const sources = Object.keys(ADAPTERS).join(", ");
  if (!args.source) problems.push(`--source is required (${sources})`);
  else if (!isSourceName(args.source)) {
    problems.push(`--source ${args.source} is not one of ${sources}`);
  }
  if (!args.data) problems.push("--data <dir> is required");
  else if (!existsSync(args.data) || !statSync(args.data).isDirectory()) {
    problems.push(`--data ${args.data} is not a folder`);
  }
  return problems;
}
