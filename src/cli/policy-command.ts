/**
 * `reach policy history <policy-id>`: every version of a policy the store keeps, newest
 * first — its number, when, who (or "the file"), how (first read by Reach, changed outside
 * Reach, changed from Teams, rolled back) and why; `--diff` adds each version's diff, `--json` gives the
 * versions as they are stored (with their text). The read is audited as the operator's.
 */
import { listPolicyVersions, openStore } from "../app/index.ts";
import { EXIT_ERROR, EXIT_OK } from "./exit-codes.ts";
import { operatorName } from "./operator-args.ts";
import { type Output, table } from "./output.ts";

export interface PolicyHistoryArgs {
  policyId: string | undefined;
  limit?: string;
  diff: boolean;
  json: boolean;
  db?: string;
}

const HOW: Readonly<Record<string, string>> = {
  teams: "changed from Teams",
  rollback: "rolled back",
};

export async function policyHistoryCommand(args: PolicyHistoryArgs, out: Output): Promise<number> {
  if (args.policyId === undefined || args.policyId === "") {
    out.error("reach policy history: name the policy: reach policy history <policy-id>");
    return EXIT_ERROR;
  }
  const limit = args.limit === undefined ? undefined : Number(args.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 10_000)) {
    out.error(`reach policy history: --limit ${args.limit} is not a whole number from 1 to 10000`);
    return EXIT_ERROR;
  }
  const store = await openStore(args.db, process.env, { create: false });
  try {
    const versions = await listPolicyVersions(store, {
      policyId: args.policyId,
      operator: operatorName(),
      at: new Date().toISOString(),
      ...(limit !== undefined && { limit }),
    });
    if (args.json) {
      out.write(`${JSON.stringify({ policyId: args.policyId, versions })}\n`);
      return EXIT_OK;
    }
    if (versions.length === 0) {
      out.log(
        `No versions of policy ${args.policyId}: a policy's first version is recorded at its first run.`,
      );
      return EXIT_OK;
    }
    const rows = versions.map((v) => [
      String(v.version),
      v.at,
      v.authorName ?? (v.author === "file" ? "the file" : v.author),
      v.source === "rollback" && v.restores !== undefined
        ? `rolled back to version ${v.restores}`
        : v.source === "file"
          ? v.version === 1
            ? "first read by Reach"
            : "changed outside Reach"
          : (HOW[v.source] ?? v.source),
      oneLine(v.reason ?? ""),
    ]);
    for (const line of table(["version", "at", "by", "how", "why"], rows)) out.log(line);
    if (args.diff) {
      for (const v of versions) {
        if (v.diff === "") continue;
        out.log("");
        out.log(`Version ${v.version}:`);
        for (const line of v.diff.split("\n")) out.log(`  ${line}`);
      }
    }
    return EXIT_OK;
  } finally {
    await store.close();
  }
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= 80 ? flat : `${flat.slice(0, 79)}…`;
}
