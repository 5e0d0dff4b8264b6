/**
 * The `reach` command line. Each command is a function of parsed arguments and an
 * Output, returning the exit code, so tests call them directly.
 */
import { parseArgs } from "node:util";
import { applyCommand } from "./apply-command.ts";
import { casesExport, casesList, casesShow, eraseStudent } from "./cases-command.ts";
import { bugLines, expectedProblem } from "./errors.ts";
import { EXIT_ERROR, EXIT_OK } from "./exit-codes.ts";
import type { Output } from "./output.ts";
import { rulesCheck } from "./rules-check.ts";
import { runCommand } from "./run-command.ts";
import { runsList } from "./runs-command.ts";

const USAGE = {
  rules: `  reach rules check <file|dir>...      check policy files; every problem as file:line:column`,
  run: `  reach run --dry-run --policy <file> --source <canonical|oulad|oea> --data <dir>
            --as-of <YYYY-MM-DD> [--runs N] [--json] [--limit N] [--quarantine <file>]
                                       who would get a case, with rules and evidence;
                                       --runs N also runs the N-1 school days before
                                       (for rules that must hold on several runs)
  reach run --policy <file> --source <…> --data <dir> --as-of <YYYY-MM-DD> [--db <file>] [--json]
                                       apply the findings to the case store (SQLite:
                                       --db, else REACH_DB, else data/reach.db); running
                                       the same policy and date again changes nothing;
                                       the only command that creates the database file`,
  cases: `  reach cases list [--policy P] [--state S] [--json] [--db F]   the cases in the store
  reach cases show <case id> [--json] [--db F]                  one case, its evidence and history
  reach cases export --format csv|json [--policy P] [--db F]    every case, for a spreadsheet`,
  runs: `  reach runs list [--policy P] [--limit N] [--json] [--db F]    recent runs: state, counts, errors`,
  erase: `  reach erase --student <id> [--policy P] [--db F]              right to erasure: personal data and
                                                                notes removed, counts kept`,
} as const;

type CommandName = keyof typeof USAGE;

const HELP = `reach — student engagement policies to intervention cases

Usage:
${USAGE.rules}
${USAGE.run}
${USAGE.cases}
${USAGE.runs}
${USAGE.erase}
  reach help | reach --help | reach <command> --help

Every command but \`reach run\` needs an existing database: a missing file is an error
("no Reach database at …"), not a new empty store.

Exit codes: 0 ok (and \`reach help\`); 1 error, nothing done (and \`reach\` with no
command); 3 done, but the import was partial. An error is one line on stderr; an
unexpected one is a bug in Reach: REACH_DEBUG=1 prints its stack.
`;

/** What the failing command was, for the one line an error prints. */
interface Running {
  name: string;
  db?: string;
}

export async function main(argv: string[], out: Output): Promise<number> {
  const running: Running = { name: "reach" };
  try {
    return await dispatch(argv, out, running);
  } catch (error) {
    const problem = expectedProblem(error, running.db);
    if (problem !== undefined) {
      out.error(`${running.name}: ${problem}`);
      return EXIT_ERROR;
    }
    for (const line of bugLines(error)) out.error(line);
    return EXIT_ERROR;
  }
}

/** `--help` or `-h` before any `--`. */
function wantsHelp(args: string[]): boolean {
  for (const a of args) {
    if (a === "--") return false;
    if (a === "--help" || a === "-h") return true;
  }
  return false;
}

/** parseArgs's error, as one line that says where to look. */
function argumentProblem(command: CommandName, error: unknown): string {
  const e = error as { code?: string; message?: string };
  const quoted = /'([^']+)'/.exec(e.message ?? "")?.[1];
  const see = `(see reach ${command} --help)`;
  if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && quoted !== undefined) {
    return `unknown option ${quoted} ${see}`;
  }
  if (e.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL" && quoted !== undefined) {
    return `unexpected argument ${quoted} ${see}`;
  }
  return `${(e.message ?? String(error)).split("\n")[0]} ${see}`;
}

async function dispatch(argv: string[], out: Output, running: Running): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== undefined && Object.hasOwn(USAGE, command) && wantsHelp(rest)) {
    out.log(`Usage:\n${USAGE[command as CommandName]}`);
    return EXIT_OK;
  }
  switch (command) {
    case "rules": {
      const [sub, ...paths] = rest;
      running.name = "reach rules check";
      if (sub !== "check" || paths.length === 0) {
        out.error("usage: reach rules check <file|dir>... (see reach rules --help)");
        return EXIT_ERROR;
      }
      return rulesCheck(paths, out);
    }
    case "run": {
      running.name = "reach run";
      let values: ReturnType<typeof parseRun>;
      try {
        values = parseRun(rest);
      } catch (e) {
        out.error(`reach run: ${argumentProblem("run", e)}`);
        return EXIT_ERROR;
      }
      running.db = values.db;
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
      running.name =
        sub === "list" || sub === "show" || sub === "export" ? `reach cases ${sub}` : "reach cases";
      let parsed: ReturnType<typeof parseCases>;
      try {
        parsed = parseCases(restArgs);
      } catch (e) {
        out.error(`${running.name}: ${argumentProblem("cases", e)}`);
        return EXIT_ERROR;
      }
      running.db = parsed.values.db;
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
        `reach cases: ${sub === undefined ? "give a subcommand" : `unknown subcommand "${sub}"`}: list, show <case id> or export (see reach cases --help)`,
      );
      return EXIT_ERROR;
    }
    case "runs": {
      const [sub, ...restArgs] = rest;
      running.name = "reach runs list";
      if (sub !== "list") {
        out.error("usage: reach runs list [--policy P] [--limit N] [--json] [--db F]");
        return EXIT_ERROR;
      }
      let parsed: ReturnType<typeof parseRuns>;
      try {
        parsed = parseRuns(restArgs);
      } catch (e) {
        out.error(`reach runs list: ${argumentProblem("runs", e)}`);
        return EXIT_ERROR;
      }
      running.db = parsed.db;
      return runsList({ ...parsed, json: parsed.json ?? false }, out);
    }
    case "erase": {
      running.name = "reach erase";
      let parsed: ReturnType<typeof parseCases>;
      try {
        parsed = parseCases(rest);
      } catch (e) {
        out.error(`reach erase: ${argumentProblem("erase", e)}`);
        return EXIT_ERROR;
      }
      running.db = parsed.values.db;
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
      // `reach` alone is a mistake (exit 1, the help on stderr); asking for help is not.
      if (command === undefined) out.error(HELP);
      else out.log(HELP);
      return command === undefined ? EXIT_ERROR : EXIT_OK;
    default:
      out.error(`reach: unknown command "${command}" (see reach help)`);
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
