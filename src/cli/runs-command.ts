/**
 * `reach runs list`: the recent runs of each policy, newest first, with their state and
 * counts — how an IT team sees that the nightly runs succeed, and what a failed,
 * skipped or abandoned one said (and what a run warned about).
 */
import { listRuns, openStore } from "../app/index.ts";
import { EXIT_ERROR, EXIT_OK } from "./exit-codes.ts";
import { type Output, table } from "./output.ts";

export interface RunsArgs {
  policy?: string;
  json: boolean;
  limit?: string;
  db?: string;
}

export async function runsList(args: RunsArgs, out: Output): Promise<number> {
  const limit = args.limit === undefined ? 20 : Number(args.limit);
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= 10_000)) {
    out.error(`reach runs list: --limit ${args.limit} is not a whole number from 1 to 10000`);
    return EXIT_ERROR;
  }
  const store = await openStore(args.db, process.env, { create: false });
  try {
    const runs = await listRuns(store, {
      ...(args.policy !== undefined && { policyId: args.policy }),
      limit,
    });
    if (args.json) {
      out.write(`${JSON.stringify({ runs })}\n`);
      return EXIT_OK;
    }
    if (runs.length === 0) {
      out.log("No runs.");
      return EXIT_OK;
    }
    const rows = runs.map((r) => [
      r.policyId,
      r.asOf,
      r.status,
      r.startedAt,
      r.finishedAt ?? "",
      Object.entries(r.counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(", "),
    ]);
    for (const line of table(
      ["policy", "as of", "status", "started", "finished", "counts"],
      rows,
    )) {
      out.log(line);
    }
    for (const r of runs) {
      for (const error of r.errors) out.log(`  ${r.policyId} ${r.asOf} ${r.status}: ${error}`);
      for (const warning of r.warnings ?? []) out.log(`  ${r.policyId} ${r.asOf} ${warning}`);
    }
    return EXIT_OK;
  } finally {
    await store.close();
  }
}
