/**
 * The `reach` command line. Each command is a function of parsed arguments and an
 * Output, returning the exit code, so tests call them directly.
 */
import { parseArgs } from "node:util";
import { applyCommand } from "./apply-command.ts";
import { casesExport, casesList, casesShow, eraseStudent } from "./cases-command.ts";
import type { Output } from "./output.ts";
import { rulesCheck } from "./rules-check.ts";
import { EXIT_ERROR, runCommand } from "./run-command.ts";
import { runsList } from "./runs-command.ts";

const HELP = `reach — student engagement policies to intervention cases

Usage:
  reach rules check <file|dir>...      check policy files; every problem as file:line:column
  reach run --dry-run --policy <file> --source <canonical|oulad|oea> --data <dir>
            --as-of <YYYY-MM-DD> [--runs N] [--json] [--limit N] [--quarantine <file>]
                                       who would get a case, with rules and evidence;
                                       --runs N also runs the N-1 school days before
                                       (for rules that must hold on several runs)
  reach run --policy <file> --source <…> --data <dir> --as-of <YYYY-MM-DD> [--db <file>] [--json]
                                       apply the findings to the case store (SQLite:
                                       --db, else REACH_DB, else data/reach.db); running
                                       the same policy and date again changes nothing
  reach cases list [--policy P] [--state S] [--json]     the cases in the store
  reach cases show <case id> [--json]                    one case, its evidence and history
  reach cases export --format csv|json [--policy P]      every case, for a spreadsheet
  reach runs list [--policy P] [--limit N] [--json]       recent runs: state, counts, errors
  reach erase --student <id> [--policy P]                right to erasure: personal data and
                                                         notes removed, counts kept
  reach help

Exit codes: 0 ok; 1 error (nothing done); 3 dry run done but the import was partial.
`;

export async function main(argv: string[], out: Output): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "rules": {
      const [sub, ...paths] = rest;
      if (sub !== "check" || paths.length === 0) {
        out.error("usage: reach rules check <file|dir>...");
        return EXIT_ERROR;
      }
      return rulesCheck(paths, out);
    }
    case "run": {
      let values: ReturnType<typeof parseRun>;
      try {
        values = parseRun(rest);
      } catch (e) {
        out.error(`reach run: ${(e as Error).message}`);
        return EXIT_ERROR;
      }
      const limit = values.limit === undefined ? undefined : Number(values.limit);
      if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
        out.error(`reach run: --limit ${values.limit} is not a whole number`);
        return EXIT_ERROR;
      }
      const runs = values.runs === undefined ? undefined : Number(values.runs);
      if (runs !== undefined && !(Number.isInteger(runs) && runs >= 1 && runs <= 365)) {
        out.error(`reach run: --runs ${values.runs} is not a whole number from 1 to 365`);
        return EXIT_ERROR;
      }
      const run = values["dry-run"] ? runCommand : applyCommand;
      return run(
        {
          dryRun: values["dry-run"] ?? false,
          policy: values.policy,
          source: values.source,
          data: values.data,
          asOf: values["as-of"],
          json: values.json ?? false,
          limit,
          quarantine: values.quarantine,
          runs,
          db: values.db,
        },
        out,
      );
    }
    case "cases": {
      const [sub, ...restArgs] = rest;
      let parsed: ReturnType<typeof parseCases>;
      try {
        parsed = parseCases(restArgs);
      } catch (e) {
        out.error(`reach cases: ${(e as Error).message}`);
        return EXIT_ERROR;
      }
      const args = {
        policy: parsed.values.policy,
        state: parsed.values.state,
        json: parsed.values.json ?? false,
        format: parsed.values.format,
        db: parsed.values.db,
      };
      if (sub === "list") return casesList(args, out);
      if (sub === "show") return casesShow(parsed.positionals[0], args, out);
      if (sub === "export") return casesExport(args, out);
      out.error(
        "usage: reach cases list|show <id>|export [--policy P] [--state S] [--format csv|json] [--json] [--db F]",
      );
      return EXIT_ERROR;
    }
    case "runs": {
      const [sub, ...restArgs] = rest;
      let parsed: ReturnType<typeof parseRuns>;
      try {
        parsed = parseRuns(restArgs);
      } catch (e) {
        out.error(`reach runs: ${(e as Error).message}`);
        return EXIT_ERROR;
      }
      if (sub !== "list") {
        out.error("usage: reach runs list [--policy P] [--limit N] [--json] [--db F]");
        return EXIT_ERROR;
      }
      return runsList({ ...parsed, json: parsed.json ?? false }, out);
    }
    case "erase": {
      let parsed: ReturnType<typeof parseCases>;
      try {
        parsed = parseCases(rest);
      } catch (e) {
        out.error(`reach erase: ${(e as Error).message}`);
        return EXIT_ERROR;
      }
      return eraseStudent(
        parsed.values.student,
        { policy: parsed.values.policy, json: false, db: parsed.values.db },
        out,
      );
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      out.log(HELP);
      return command === undefined ? EXIT_ERROR : 0;
    default:
      out.error(`reach: unknown command "${command}"\n\n${HELP}`);
      return EXIT_ERROR;
  }
}

function parseCases(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      policy: { type: "string" },
      state: { type: "string" },
      json: { type: "boolean" },
      format: { type: "string" },
      db: { type: "string" },
      student: { type: "string" },
    },
  });
}

function parseRuns(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      policy: { type: "string" },
      limit: { type: "string" },
      json: { type: "boolean" },
      db: { type: "string" },
    },
  }).values;
}

function parseRun(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      "dry-run": { type: "boolean" },
      policy: { type: "string" },
      source: { type: "string" },
      data: { type: "string" },
      "as-of": { type: "string" },
      json: { type: "boolean" },
      limit: { type: "string" },
      quarantine: { type: "string" },
      runs: { type: "string" },
      db: { type: "string" },
    },
  }).values;
}
