/**
 * The `reach` command line. Each command is a function of parsed arguments and an
 * Output, returning the exit code, so tests call them directly.
 *
 * Every command and subcommand has its own table of the options it uses: an option it
 * does not use is an error naming the option and the command, never silently ignored
 * (a `--runs` on a real run, a `--db` on a dry run), and so is an argument it does not
 * take. `--help` (or `-h`) on any of them prints its usage on stdout and exits 0.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_QUARANTINE_DIR, DEFAULT_SQLITE_PATH, readStoreSettings } from "../app/index.ts";
import { ADAPTERS } from "../data/adapters/index.ts";
import { applyCommand } from "./apply-command.ts";
import { backtestCommand } from "./backtest-command.ts";
import {
  type CasesArgs,
  casesExport,
  casesList,
  casesShow,
  eraseStudent,
} from "./cases-command.ts";
import { DIGEST_OPTIONS, DIGEST_USAGE, digestCommand } from "./digest-command.ts";
import { bugLines, expectedProblem } from "./errors.ts";
import { EXIT_ERROR, EXIT_OK, EXIT_SIGNAL_NOTE, exitCodeLines } from "./exit-codes.ts";
import { FAIRNESS_OPTIONS, FAIRNESS_USAGE, fairnessCommand } from "./fairness-command.ts";
import type { Output } from "./output.ts";
import { policyHistoryCommand } from "./policy-command.ts";
import { rulesCheck } from "./rules-check.ts";
import { rulesTest } from "./rules-test-command.ts";
import { runCommand } from "./run-command.ts";
import { runsList } from "./runs-command.ts";

/** Every option of any command; each command then accepts only its own. */
const OPTIONS = {
  "dry-run": { type: "boolean" },
  policy: { type: "string" },
  source: { type: "string" },
  data: { type: "string" },
  "as-of": { type: "string" },
  runs: { type: "string" },
  limit: { type: "string" },
  quarantine: { type: "string" },
  db: { type: "string" },
  state: { type: "string" },
  format: { type: "string" },
  student: { type: "string" },
  "entra-id": { type: "string" },
  templates: { type: "string" },
  at: { type: "string" },
  outcomes: { type: "string" },
  "policy-id": { type: "string" },
  date: { type: "string" },
  post: { type: "boolean" },
  json: { type: "boolean" },
  diff: { type: "boolean" },
} as const;

type OptionName = keyof typeof OPTIONS;
type Values = {
  [K in OptionName]?: (typeof OPTIONS)[K]["type"] extends "boolean" ? boolean : string;
};

interface Command {
  /** The command as typed, which starts each of its error lines: `reach cases show`. */
  name: string;
  /** How another command's error names it, where `name` is not enough: `reach run --dry-run`. */
  short?: string;
  /** The command in a sentence, when `name` does not say it (the two kinds of run). */
  called?: string;
  usage: string;
  /** The options it uses; any other is an error. */
  options: readonly OptionName[];
  /** The positional arguments it takes, and what they are called. */
  positionals: { max: number; what: string };
  /** Why an option it does not use is not for it, where naming the command is not enough. */
  why?: Partial<Record<OptionName, string>>;
  run(values: Values, positionals: string[], out: Output, running: Running): Promise<number>;
}

/** Usage lines are indented by two; a description starts at this column. */
const COLUMN = 39;

function usage(synopsis: string[], description: string[]): string {
  const lines = synopsis.map((s, i) => (i === 0 ? `  ${s}` : `            ${s}`));
  for (const d of description) lines.push(`${" ".repeat(COLUMN)}${d}`);
  return lines.join("\n");
}

/** Where a command finds the store, for the usage of those that open it. */
const STORE_NOTE = `--db <file>, else REACH_DB, else ${DEFAULT_SQLITE_PATH}`;

const RULES_CHECK: Command = {
  name: "reach rules check",
  usage: usage(
    ["reach rules check [--data <dir> --source <source>] [--templates <dir>]", "<file|dir>..."],
    [
      "check policy files; every problem as file:line:column;",
      "with --data and --source (both or neither), also",
      "check the policies against that data; the message",
      "templates too (--templates, else outreach/ in the",
      "Reach folder) and each rule's outreach: id",
    ],
  ),
  options: ["data", "source", "templates"],
  positionals: { max: Number.POSITIVE_INFINITY, what: "policy files or folders" },
  async run(values, paths, out) {
    if (paths.length === 0) {
      out.error(
        "reach rules check: give a policy file or a folder of policies (see reach rules check --help)",
      );
      return EXIT_ERROR;
    }
    if ((values.data === undefined) !== (values.source === undefined)) {
      const missing = values.data === undefined ? "--data <dir>" : "--source <format>";
      out.error(
        `reach rules check: --data and --source go together; give ${missing} too (see reach rules check --help)`,
      );
      return EXIT_ERROR;
    }
    const options: { data?: string; source?: string; templates?: string } =
      values.data === undefined ? {} : { data: values.data, source: values.source };
    if (values.templates !== undefined) options.templates = values.templates;
    return rulesCheck(paths, out, options);
  },
};

const RULES_TEST: Command = {
  name: "reach rules test",
  usage: usage(
    ["reach rules test [--json] <file|dir>..."],
    [
      "run the rule tests beside the policies (*.test.yaml):",
      "rows on a calendar, the findings expected on given",
      "dates; PASS, or FAIL with what differs; every problem",
      "of a test file as file:line:column",
    ],
  ),
  options: ["json"],
  positionals: { max: Number.POSITIVE_INFINITY, what: "rule test files or folders" },
  run: (values, paths, out) => rulesTest(paths, { json: values.json ?? false }, out),
};

const DRY_RUN: Command = {
  name: "reach run",
  short: "reach run --dry-run",
  called: "a dry run (reach run --dry-run)",
  usage: usage(
    [
      "reach run --dry-run --policy <file> --source <source> --data <dir>",
      "--as-of <YYYY-MM-DD> [--runs N] [--limit N] [--quarantine <file>] [--json]",
    ],
    [
      "who would get a case, with rules and evidence; reads",
      "and writes no case store; --runs N also runs the N-1",
      "school days before (for rules that must hold on",
      "several runs); --limit N lists the first N (100)",
    ],
  ),
  options: ["dry-run", "policy", "source", "data", "as-of", "runs", "limit", "quarantine", "json"],
  positionals: { max: 0, what: "" },
  why: {
    db: "a dry run reads and writes no case store (--db is for a real reach run)",
  },
  async run(values, _, out) {
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
    return runCommand({ ...runArgs(values), dryRun: true, limit, runs }, out);
  },
};

const REAL_RUN: Command = {
  name: "reach run",
  called: "a real run (reach run without --dry-run)",
  usage: usage(
    [
      "reach run --policy <file> --source <source> --data <dir>",
      "--as-of <YYYY-MM-DD> [--db <file>] [--quarantine <file>] [--json]",
    ],
    [
      "apply the findings to the case store; a rule that",
      "must hold on several runs counts the earlier real",
      "runs kept in the store; the same policy and date",
      "again changes nothing; the only command that",
      "creates the database",
    ],
  ),
  options: ["policy", "source", "data", "as-of", "db", "quarantine", "json"],
  positionals: { max: 0, what: "" },
  why: {
    runs: "a real run evaluates its one day and carries rule state over from the earlier real runs in the store (--runs is for reach run --dry-run)",
    limit: "a real run applies every finding and lists none (--limit is for reach run --dry-run)",
  },
  async run(values, _, out, running) {
    running.db = values.db;
    return applyCommand({ ...runArgs(values), dryRun: false }, out);
  },
};

function runArgs(values: Values) {
  return {
    policy: values.policy,
    source: values.source,
    data: values.data,
    asOf: values["as-of"],
    json: values.json ?? false,
    // The user's words, from the working folder; shown as the absolute path it is.
    quarantine: values.quarantine === undefined ? undefined : resolve(values.quarantine),
    db: values.db,
  };
}

function casesArgs(values: Values, running: Running): CasesArgs {
  running.db = values.db;
  return {
    policy: values.policy,
    state: values.state,
    json: values.json ?? false,
    format: values.format,
    db: values.db,
  };
}

const CASES_LIST: Command = {
  name: "reach cases list",
  usage: usage(
    ["reach cases list [--policy P] [--state S] [--json] [--db F]"],
    ["the cases in the store"],
  ),
  options: ["policy", "state", "json", "db"],
  positionals: { max: 0, what: "" },
  run: (values, _, out, running) => casesList(casesArgs(values, running), out),
};

const CASES_SHOW: Command = {
  name: "reach cases show",
  usage: usage(
    ["reach cases show <case id> [--json] [--db F]"],
    ["one case, its evidence and history"],
  ),
  options: ["json", "db"],
  positionals: { max: 1, what: "one case id" },
  run: (values, ids, out, running) => casesShow(ids[0], casesArgs(values, running), out),
};

const CASES_EXPORT: Command = {
  name: "reach cases export",
  usage: usage(
    ["reach cases export [--format csv|json] [--policy P] [--db F]"],
    ["every case, for a spreadsheet (JSON unless csv)"],
  ),
  options: ["format", "policy", "db"],
  positionals: { max: 0, what: "" },
  run: (values, _, out, running) => casesExport(casesArgs(values, running), out),
};

const RUNS_LIST: Command = {
  name: "reach runs list",
  usage: usage(
    ["reach runs list [--policy P] [--limit N] [--json] [--db F]"],
    ["recent runs (the last 20): state, counts, errors"],
  ),
  options: ["policy", "limit", "json", "db"],
  positionals: { max: 0, what: "" },
  run(values, _, out, running) {
    running.db = values.db;
    return runsList(
      { policy: values.policy, limit: values.limit, json: values.json ?? false, db: values.db },
      out,
    );
  },
};

const POLICY_HISTORY: Command = {
  name: "reach policy history",
  usage: usage(
    ["reach policy history <policy-id> [--limit N] [--diff] [--json] [--db F]"],
    [
      "every version of a policy, newest first: when,",
      "who, how (file, Teams, rollback) and why; --diff",
      "adds each version's change",
    ],
  ),
  options: ["limit", "diff", "json", "db"],
  positionals: { max: 1, what: "policy id" },
  run(values, positionals, out, running) {
    running.db = values.db;
    return policyHistoryCommand(
      {
        policyId: positionals[0],
        limit: values.limit,
        diff: values.diff ?? false,
        json: values.json ?? false,
        db: values.db,
      },
      out,
    );
  },
};

const ERASE: Command = {
  name: "reach erase",
  usage: usage(
    ["reach erase --student <id> [--entra-id <object id>] [--policy P] [--db F]"],
    [
      "right to erasure: the student's personal data and",
      "notes removed from cases and quarantine files,",
      "counts kept; with --entra-id (the student's",
      "Microsoft 365 object id), also Reach's record of",
      "their chat with it",
    ],
  ),
  options: ["student", "entra-id", "policy", "db"],
  positionals: { max: 0, what: "" },
  run(values, _, out, running) {
    running.db = values.db;
    return eraseStudent(
      values.student,
      { policy: values.policy, json: false, db: values.db, entraId: values["entra-id"] },
      out,
    );
  },
};

const FAIRNESS: Command = {
  name: "reach fairness",
  usage: usage(FAIRNESS_USAGE.synopsis, FAIRNESS_USAGE.description),
  options: FAIRNESS_OPTIONS,
  positionals: { max: 0, what: "" },
  run(values, _, out, running) {
    running.db = values.db;
    const { policy, source, data, db } = values;
    return fairnessCommand(
      { policy, source, data, asOf: values["as-of"], db, json: values.json ?? false },
      out,
    );
  },
};

const BACKTEST: Command = {
  name: "reach backtest",
  usage: usage(
    [
      "reach backtest --policy <file> --source <source> --data <dir>",
      "--at <day offsets or dates, comma-separated> [--outcomes <file>] [--json]",
    ],
    [
      "replay a policy on every school day up to each point",
      "and score its findings against outcomes: precision,",
      "recall, lead time, cases opened (docs/backtest.md)",
    ],
  ),
  options: ["policy", "source", "data", "at", "outcomes", "json"],
  positionals: { max: 0, what: "" },
  run(values, _, out) {
    const { policy, source, data, at, outcomes } = values;
    return backtestCommand({ policy, source, data, at, outcomes, json: values.json ?? false }, out);
  },
};

const DIGEST: Command = {
  name: "reach digest",
  usage: usage(DIGEST_USAGE.synopsis, DIGEST_USAGE.description),
  options: DIGEST_OPTIONS,
  positionals: { max: 0, what: "" },
  run(values, _, out, running) {
    running.db = values.db;
    const { policy, source, data, date, db } = values;
    return digestCommand(
      {
        policy,
        policyId: values["policy-id"],
        source,
        data,
        date,
        db,
        json: values.json ?? false,
        post: values.post ?? false,
      },
      out,
    );
  },
};

/** A command of one word (in modes: `reach run`, with `--dry-run` or without), or a group. */
type Entry = { subcommands: Record<string, Command> } | { modes: readonly Command[] };

/** The commands, by their first word; a group's subcommands by the second. */
const COMMANDS = {
  rules: { subcommands: { check: RULES_CHECK, test: RULES_TEST } },
  run: { modes: [DRY_RUN, REAL_RUN] },
  cases: { subcommands: { list: CASES_LIST, show: CASES_SHOW, export: CASES_EXPORT } },
  runs: { subcommands: { list: RUNS_LIST } },
  policy: { subcommands: { history: POLICY_HISTORY } },
  erase: { modes: [ERASE] },
  fairness: { modes: [FAIRNESS] },
  backtest: { modes: [BACKTEST] },
  digest: { modes: [DIGEST] },
} satisfies Record<string, Entry>;

type CommandName = keyof typeof COMMANDS;

const isCommand = (word: string | undefined): word is CommandName =>
  word !== undefined && Object.hasOwn(COMMANDS, word);

const entryOf = (name: CommandName): Entry => COMMANDS[name];

/** Every command, in the order the help lists them. */
const ALL: readonly Command[] = Object.values(COMMANDS).flatMap((e: Entry) =>
  "modes" in e ? e.modes : Object.values(e.subcommands),
);

/** A command's subcommands or modes. */
function commandsOf(name: CommandName): readonly Command[] {
  const entry = entryOf(name);
  return "modes" in entry ? entry.modes : Object.values(entry.subcommands);
}

const STORE_HELP = `The case store (SQLite): ${STORE_NOTE}
(data/ in the Reach folder, whatever the working folder). A relative --db or REACH_DB is
taken from the working folder; messages show the absolute path. Give the bot and every
scheduled \`reach run\` the same absolute REACH_DB. Every command but \`reach run\` needs an
existing database: a missing file is an error ("no Reach database at …"), not a new store.
Rejected rows go to --quarantine <file>, else ${DEFAULT_QUARANTINE_DIR}/<source>-<date>.csv.
With REACH_STORE=cosmos the store is Cosmos DB instead (docs/storage.md): --db is an error.`;

const SOURCE_HELP = `Sources (--source), each described in docs/adapters/: ${Object.keys(ADAPTERS).join(", ")}.`;

const EXIT_HELP = `Exit codes (every command):
${exitCodeLines().join("\n")}
${EXIT_SIGNAL_NOTE}`;

/** The whole help: `reach help`, and `reach` alone (on stderr). */
export const HELP = `reach — student engagement policies to intervention cases

Usage:
${ALL.map((c) => c.usage).join("\n")}
  reach help [<command> [<subcommand>]]   this help, or one command's
  reach <command> [<subcommand>] --help   (or -h) the same

An option a command does not use is an error, not ignored.

${SOURCE_HELP}

${STORE_HELP}

${EXIT_HELP}
An error is one line on stderr; an unexpected one is a bug in Reach: REACH_DEBUG=1 prints
its stack.
`;

/** One command's help: its usage, its database where it opens one, and where the rest is. */
function usageText(commands: readonly Command[]): string {
  const lines = ["Usage:", ...commands.map((c) => c.usage), ""];
  if (commands.some((c) => c.options.includes("db"))) lines.push(`The database: ${STORE_NOTE}.`);
  lines.push("Options not listed are errors. Exit codes and more: reach help");
  return lines.join("\n");
}

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

async function dispatch(argv: string[], out: Output, running: Running): Promise<number> {
  const [word, ...rest] = argv;
  if (word === undefined) {
    // `reach` alone is a usage error (a script that calls it so is broken): the help on
    // stderr, exit 1. Asking for help is not an error.
    out.error(HELP);
    return EXIT_ERROR;
  }
  if (word === "help" || word === "--help" || word === "-h") return help(rest, out);
  if (!isCommand(word)) {
    out.error(`reach: unknown command "${word}" (see reach help)`);
    return EXIT_ERROR;
  }
  const entry = entryOf(word);
  if ("modes" in entry) {
    if (wantsHelp(rest)) {
      out.log(usageText(commandsOf(word)));
      return EXIT_OK;
    }
    running.name = `reach ${word}`;
    return runCommandLine(entry.modes, rest, out, running);
  }
  const [sub, ...args] = rest;
  const command =
    sub !== undefined && Object.hasOwn(entry.subcommands, sub) ? entry.subcommands[sub] : undefined;
  if (wantsHelp(command === undefined ? rest : args)) {
    out.log(usageText(command === undefined ? commandsOf(word) : [command]));
    return EXIT_OK;
  }
  if (command === undefined) {
    const names = Object.keys(entry.subcommands).join(", ");
    out.error(
      `reach ${word}: ${sub === undefined ? "give a subcommand" : `unknown subcommand "${sub}"`}: ${names} (see reach ${word} --help)`,
    );
    return EXIT_ERROR;
  }
  running.name = command.name;
  return runCommandLine([command], args, out, running);
}

/** `reach help`, `reach help <command>`, `reach help <command> <subcommand>`. */
function help(words: string[], out: Output): number {
  const [word, sub, ...more] = words.filter((w) => w !== "--help" && w !== "-h");
  if (word === undefined) {
    out.log(HELP);
    return EXIT_OK;
  }
  if (!isCommand(word)) {
    out.error(`reach help: unknown command "${word}" (see reach help)`);
    return EXIT_ERROR;
  }
  const entry = entryOf(word);
  if (sub === undefined) {
    out.log(usageText(commandsOf(word)));
    return EXIT_OK;
  }
  if (!("subcommands" in entry) || !Object.hasOwn(entry.subcommands, sub) || more.length > 0) {
    out.error(`reach help: no command "reach ${words.join(" ")}" (see reach help)`);
    return EXIT_ERROR;
  }
  out.log(usageText([entry.subcommands[sub]]));
  return EXIT_OK;
}

/**
 * Parses a command's arguments against every option, then holds them to the command's own
 * (the mode's, for `reach run`: with `--dry-run` or without), and runs it.
 */
async function runCommandLine(
  modes: readonly Command[],
  args: string[],
  out: Output,
  running: Running,
): Promise<number> {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options: OPTIONS,
      strict: true,
      allowPositionals: true,
    }));
  } catch (e) {
    out.error(`${running.name}: ${argumentProblem(running.name, e)}`);
    return EXIT_ERROR;
  }
  // `reach run`: the dry run's table with --dry-run, the real run's without.
  const command = modes.length === 1 || values["dry-run"] ? modes[0] : modes[1];
  const problem = optionProblem(command, values, positionals);
  if (problem !== undefined) {
    out.error(`${command.name}: ${problem}`);
    return EXIT_ERROR;
  }
  if (values.db !== undefined && readStoreSettings(undefined).kind === "cosmos") {
    // Not a SQLite file that would be ignored: say so before anything is done.
    out.error(
      `${command.name}: --db names a SQLite file, but REACH_STORE=cosmos keeps the cases in Cosmos DB (drop --db, or unset REACH_STORE)`,
    );
    return EXIT_ERROR;
  }
  return command.run(values, positionals, out, running);
}

/** The first option or argument the command does not take, as a line; else undefined. */
function optionProblem(
  command: Command,
  values: Values,
  positionals: string[],
): string | undefined {
  for (const [key, value] of Object.entries(values) as [OptionName, unknown][]) {
    if (value === undefined) continue;
    if (!command.options.includes(key)) {
      const what = command.called ?? command.name;
      const why = command.why?.[key] ?? `it is for ${commandsTaking(key)}`;
      return `--${key} is not an option of ${what}: ${why}`;
    }
    if (value === "") return `--${key} needs a value (see ${command.name} --help)`;
  }
  if (positionals.length > command.positionals.max) {
    const extra = positionals[command.positionals.max];
    const takes =
      command.positionals.max === 0 ? "takes no arguments" : `takes ${command.positionals.what}`;
    return `unexpected argument "${extra.slice(0, 100)}": ${command.name} ${takes} (see ${command.name} --help)`;
  }
  return undefined;
}

/** The commands that take an option, as `a`, `a and b` or `a, b and c`. */
function commandsTaking(option: OptionName): string {
  const taking = ALL.filter((c) => c.options.includes(option));
  // Both kinds of run take it (or it is --dry-run itself): that is `reach run`.
  const plain = taking.includes(REAL_RUN) || option === "dry-run";
  const names = [...new Set(taking.map((c) => (plain ? c.name : (c.short ?? c.name))))];
  return names.length === 1
    ? names[0]
    : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/** parseArgs's error, as one line that says where to look. */
function argumentProblem(name: string, error: unknown): string {
  const e = error as { code?: string; message?: string };
  const quoted = /'([^']+)'/.exec(e.message ?? "")?.[1];
  const see = `(see ${name} --help)`;
  if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && quoted !== undefined) {
    return `unknown option ${quoted} ${see}`;
  }
  return `${(e.message ?? String(error)).split("\n")[0]} ${see}`;
}
