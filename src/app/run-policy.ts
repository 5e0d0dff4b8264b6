/**
 * Running a policy for a date — for real (the findings applied to the store as Reach's
 * engine, under a lease) or as a dry run (nothing stored) — as the command line, the demo
 * and a scheduler call it. The run's own steps are in `src/run/`.
 *
 * A runner is named `<kind>:<host>:<pid>`. When the lease of a date is held by a runner
 * on this host whose process no longer exists (killed, crashed), it is taken over at once
 * rather than waited out; a runner on another host is trusted until its lease, kept
 * alive by heartbeats while it works, runs out.
 */
import { hostname } from "node:os";
import type { ImportReport } from "../data/import-report.ts";
import { type ApplyRunOptions, type ApplyRunResult, applyRun } from "../run/index.ts";

export {
  AlreadyRun,
  type ApplyRunOptions,
  type ApplyRunResult,
  dryRun,
  RunInProgress,
} from "../run/index.ts";

/** This process as a runner: `cli:build-7:4242`. */
export function runnerId(kind: string): string {
  return `${kind}:${hostname()}:${process.pid}`;
}

/** Is `owner` a runner of this host whose process is gone? (Unsure means no.) */
export function isGoneOnThisHost(owner: string): boolean {
  const match = /^[\w-]+:(.+):(\d+)$/.exec(owner);
  if (match === null || match[1] !== hostname()) return false;
  const pid = Number(match[2]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: it exists but is someone else's; only "no such process" is gone.
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** What an import counted, for the run record: rows accepted and rejected, files refused. */
export function importCounts(report: ImportReport): Record<string, number> {
  const filesRefused = report.files.filter((f) => f.error !== undefined).length;
  return {
    rowsAccepted: report.rowsAccepted,
    rowsRejected: report.rowsRejected,
    ...(filesRefused > 0 && { filesRefused }),
  };
}

export function runPolicy(options: ApplyRunOptions): Promise<ApplyRunResult> {
  return applyRun({ isGone: isGoneOnThisHost, ...options });
}
