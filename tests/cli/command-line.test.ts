/**
 * The command line's shape, in-process (`main(argv, out)` with an Output that keeps what is
 * written): every command and subcommand answers `--help` with its own usage and 0; an
 * option a command does not use, or an argument it does not take, is one line naming
 * both, exit 1; `reach` alone is a usage error; the help lists every command and the exit
 * codes of exit-codes.ts; a partial import exits 3 on a dry and on a real run.
 */
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { EXIT_CODES, EXIT_ERROR, EXIT_OK, EXIT_PARTIAL_IMPORT } from "../../src/cli/exit-codes.ts";
import { HELP, main } from "../../src/cli/main.ts";
import type { Output } from "../../src/cli/output.ts";

/** The arguments `reach rules check` hands to rulesCheck, as the real one is called. */
const checked = vi.hoisted(() => ({ calls: [] as unknown[][] }));
vi.mock("../../src/cli/rules-check.ts", async (actual) => {
  const real = await actual<typeof import("../../src/cli/rules-check.ts")>();
  return {
    ...real,
    rulesCheck: (...args: Parameters<typeof real.rulesCheck>) => {
      checked.calls.push([args[0], args[2]]);
      return real.rulesCheck(...args);
    },
  };
});

const ROOT = join(import.meta.dirname, "../..");
const POLICY = join(ROOT, "rules/k12-attendance.yaml");
const SMALL = join(ROOT, "tests/fixtures/canonical-small");
const DEMO_POLICY = join(ROOT, "samples/demo-policy.yaml");
const DEMO_SCHOOL = join(ROOT, "samples/demo-school");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "reach-command-line-"));
  // Nothing here may reach the Reach folder's own store: a command that wrongly got as far
  // as opening one finds this missing file instead.
  vi.stubEnv("REACH_STORE", "sqlite");
  vi.stubEnv("REACH_DB", join(dir, "absent.db"));
});
afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  checked.calls.length = 0;
});

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function reach(...argv: string[]): Promise<Ran> {
  let stdout = "";
  let stderr = "";
  const out: Output = {
    log: (line) => {
      stdout += `${line}\n`;
    },
    error: (line) => {
      stderr += `${line}\n`;
    },
    write: (text) => {
      stdout += text;
    },
    progress: () => {},
  };
  const code = await main(argv, out);
  return { code, stdout, stderr };
}

const lines = (text: string) => text.split("\n").filter((l) => l.trim() !== "");

/** A real run's required arguments (without --dry-run). */
const RUN = [
  "run",
  "--policy",
  POLICY,
  "--source",
  "canonical",
  "--data",
  SMALL,
  "--as-of",
  "2026-03-01",
];

describe("--help on every command and subcommand", () => {
  // Each command's help, and a line of its usage that no other command's help has.
  const HELPS: [string[], RegExp[]][] = [
    [["rules", "--help"], [/^ {2}reach rules check \[--data <dir> --source /m]],
    [["rules", "check", "--help"], [/^ {2}reach rules check /m]],
    [
      ["run", "--help"],
      [/^ {2}reach run --dry-run --policy/m, /^ {2}reach run --policy/m],
    ],
    [["run", "--dry-run", "-h"], [/^ {2}reach run --dry-run --policy/m]],
    [
      ["cases", "--help"],
      [/^ {2}reach cases list /m, /^ {2}reach cases show /m, /^ {2}reach cases export /m],
    ],
    [["cases", "list", "--help"], [/^ {2}reach cases list \[--policy P\] \[--state S\]/m]],
    [["cases", "show", "--help"], [/^ {2}reach cases show <case id>/m]],
    [["cases", "export", "--help"], [/^ {2}reach cases export \[--format csv\|json\]/m]],
    [["runs", "--help"], [/^ {2}reach runs list /m]],
    [["runs", "list", "--help"], [/^ {2}reach runs list /m]],
    [["erase", "--help"], [/^ {2}reach erase --student <id>/m]],
    [["erase", "-h"], [/^ {2}reach erase --student <id>/m]],
    [["help", "cases", "show"], [/^ {2}reach cases show <case id>/m]],
    [["help", "run"], [/^ {2}reach run --policy/m]],
    [["help", "erase"], [/^ {2}reach erase /m]],
  ];

  for (const [argv, usage] of HELPS) {
    it(`reach ${argv.join(" ")}: its usage on stdout, exit 0`, async () => {
      const r = await reach(...argv);
      expect(r.code, r.stderr).toBe(EXIT_OK);
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/^Usage:\n/);
      for (const re of usage) expect(r.stdout).toMatch(re);
      expect(r.stdout).not.toContain("Exit codes (every command)");
    });
  }

  it("a subcommand's help is its own usage, not its group's", async () => {
    const show = await reach("cases", "show", "--help");
    expect(show.stdout).not.toContain("reach cases list");
    expect(show.stdout).not.toContain("reach cases export");
  });

  it("--help wins over the command's other arguments, even wrong ones", async () => {
    const r = await reach("cases", "show", "--state", "open", "--help");
    expect(r.code).toBe(EXIT_OK);
    expect(r.stdout).toMatch(/reach cases show <case id>/);
  });

  it("reach help of something that is not a command is an error", async () => {
    expect(await reach("help", "frob")).toEqual({
      code: EXIT_ERROR,
      stdout: "",
      stderr: 'reach help: unknown command "frob" (see reach help)\n',
    });
    const sub = await reach("help", "cases", "frob");
    expect(sub.code).toBe(EXIT_ERROR);
    expect(lines(sub.stderr)).toEqual([
      'reach help: no command "reach cases frob" (see reach help)',
    ]);
  });
});

describe("reach help", () => {
  it("lists every command and subcommand", async () => {
    for (const argv of [["help"], ["--help"], ["-h"]]) {
      const r = await reach(...argv);
      expect(r.code).toBe(EXIT_OK);
      expect(r.stderr).toBe("");
      for (const command of [
        "reach rules check",
        "reach run --dry-run",
        "reach run --policy",
        "reach cases list",
        "reach cases show",
        "reach cases export",
        "reach runs list",
        "reach erase",
        "reach help",
      ]) {
        expect(r.stdout).toContain(`\n  ${command}`);
      }
    }
  });

  it("gives the exit codes of exit-codes.ts, each one once", async () => {
    const r = await reach("help");
    const section = r.stdout.slice(r.stdout.indexOf("Exit codes (every command):"));
    const codes = [...section.matchAll(/^ {2}(\d+) {3}/gm)].map((m) => Number(m[1]));
    expect(codes).toEqual(EXIT_CODES.map((c) => c.code));
    expect(codes).toEqual([EXIT_OK, EXIT_ERROR, EXIT_PARTIAL_IMPORT]);
    // The meanings as written there (the help wraps them: compare without line breaks).
    const flat = section.replace(/\s+/g, " ");
    for (const { meaning } of EXIT_CODES) expect(flat).toContain(meaning);
    expect(flat).toContain("dry or real");
  });

  it("names the default database: data/reach.db in the Reach folder", async () => {
    const r = await reach("help");
    expect(r.stdout).toContain(`else REACH_DB, else ${join(ROOT, "data", "reach.db")}`);
    expect(r.stdout).toContain(join(ROOT, "data", "quarantine"));
  });

  it("reach alone: the help on stderr, nothing on stdout, exit 1 (a usage error)", async () => {
    const r = await reach();
    expect(r).toEqual({ code: EXIT_ERROR, stdout: "", stderr: `${HELP}\n` });
    expect(HELP).toContain("`reach` with no command");
  });
});

describe("an option a command does not use is an error naming it and the command", () => {
  const CASES: [string, string[], RegExp][] = [
    [
      "--runs on a real run",
      [...RUN, "--runs", "2"],
      /^reach run: --runs is not an option of a real run .*carries rule state over from the earlier real runs in the store/,
    ],
    [
      "--limit on a real run",
      [...RUN, "--limit", "5"],
      /^reach run: --limit is not an option of a real run/,
    ],
    [
      "--db on a dry run",
      [...RUN, "--dry-run", "--db", "x.db"],
      /^reach run: --db is not an option of a dry run .*reads and writes no case store/,
    ],
    [
      "--state on cases show",
      ["cases", "show", "c-1", "--state", "open"],
      /^reach cases show: --state is not an option of reach cases show: it is for reach cases list$/,
    ],
    [
      "--format on cases list",
      ["cases", "list", "--format", "csv"],
      /^reach cases list: --format is not an option of reach cases list: it is for reach cases export$/,
    ],
    [
      "--state on cases export",
      ["cases", "export", "--state", "open"],
      /^reach cases export: --state is not an option of reach cases export/,
    ],
    [
      "--json on cases export",
      ["cases", "export", "--json"],
      /^reach cases export: --json is not an option of reach cases export/,
    ],
    [
      "--json on erase",
      ["erase", "--student", "S1", "--json"],
      /^reach erase: --json is not an option of reach erase: it is for reach rules test, reach run, reach cases list, reach cases show, reach runs list, reach policy history, reach fairness, reach backtest and reach digest$/,
    ],
    [
      "--student on cases list",
      ["cases", "list", "--student", "S1"],
      /^reach cases list: --student is not an option of reach cases list: it is for reach erase$/,
    ],
    [
      "--student on runs list",
      ["runs", "list", "--student", "S1"],
      /^reach runs list: --student is not an option of reach runs list/,
    ],
    [
      "--student on a run",
      [...RUN, "--student", "S1"],
      /^reach run: --student is not an option of a real run .*it is for reach erase$/,
    ],
    [
      "--state on runs list",
      ["runs", "list", "--state", "open"],
      /^reach runs list: --state is not an option of reach runs list/,
    ],
    [
      "--dry-run on cases list",
      ["cases", "list", "--dry-run"],
      /^reach cases list: --dry-run is not an option of reach cases list: it is for reach run$/,
    ],
    [
      "--runs on runs list",
      ["runs", "list", "--runs", "2"],
      /^reach runs list: --runs is not an option of reach runs list: it is for reach run --dry-run$/,
    ],
    [
      "--db on rules check",
      ["rules", "check", "--db", "x.db", POLICY],
      /^reach rules check: --db is not an option of reach rules check/,
    ],
    [
      "--policy on cases show",
      ["cases", "show", "c-1", "--policy", "p"],
      /^reach cases show: --policy is not an option of reach cases show/,
    ],
    [
      "an argument to runs list",
      ["runs", "list", "extra"],
      /^reach runs list: unexpected argument "extra": reach runs list takes no arguments/,
    ],
    [
      "an argument to cases list",
      ["cases", "list", "open"],
      /^reach cases list: unexpected argument "open": reach cases list takes no arguments/,
    ],
    [
      "an argument to cases export",
      ["cases", "export", "csv"],
      /^reach cases export: unexpected argument "csv"/,
    ],
    [
      "an argument to erase",
      ["erase", "S1"],
      /^reach erase: unexpected argument "S1": reach erase takes no arguments/,
    ],
    [
      "an argument to a run",
      [...RUN, "extra"],
      /^reach run: unexpected argument "extra": reach run takes no arguments/,
    ],
    [
      "a second case id",
      ["cases", "show", "c-1", "c-2"],
      /^reach cases show: unexpected argument "c-2": reach cases show takes one case id/,
    ],
    [
      "--data without --source on rules check",
      ["rules", "check", "--data", SMALL, POLICY],
      /^reach rules check: --data and --source go together; give --source <format> too/,
    ],
    [
      "--source without --data on rules check",
      ["rules", "check", "--source", "canonical", POLICY],
      /^reach rules check: --data and --source go together; give --data <dir> too/,
    ],
    ["an empty --db", ["cases", "list", "--db", ""], /^reach cases list: --db needs a value/],
    [
      "an unknown option",
      ["cases", "show", "c-1", "--frob"],
      /^reach cases show: unknown option --frob \(see reach cases show --help\)$/,
    ],
    ["rules check with nothing to check", ["rules", "check"], /^reach rules check: give a policy/],
    ["rules without a subcommand", ["rules"], /^reach rules: give a subcommand: check, test /],
    ["an unknown subcommand", ["cases", "frob"], /^reach cases: unknown subcommand "frob"/],
    ["runs without a subcommand", ["runs"], /^reach runs: give a subcommand: list /],
  ];

  for (const [name, argv, re] of CASES) {
    it(`${name}: one line, exit 1`, async () => {
      const r = await reach(...argv);
      expect(r.code, r.stderr).toBe(EXIT_ERROR);
      expect(r.stdout).toBe("");
      expect(lines(r.stderr), r.stderr).toHaveLength(1);
      expect(lines(r.stderr)[0]).toMatch(re);
      expect(checked.calls).toEqual([]);
    });
  }

  it("--db with REACH_STORE=cosmos: not a file that would be ignored", async () => {
    vi.stubEnv("REACH_STORE", "cosmos");
    vi.stubEnv("REACH_COSMOS_ENDPOINT", "https://127.0.0.1:1/");
    vi.stubEnv("REACH_COSMOS_KEY", "k");
    try {
      for (const argv of [
        ["cases", "list", "--db", "x.db"],
        ["runs", "list", "--db", "x.db"],
        [...RUN, "--db", "x.db"],
      ]) {
        const r = await reach(...argv);
        expect(r.code).toBe(EXIT_ERROR);
        expect(lines(r.stderr)).toHaveLength(1);
        expect(r.stderr).toMatch(
          /^reach [a-z ]+: --db names a SQLite file, but REACH_STORE=cosmos/,
        );
      }
    } finally {
      vi.stubEnv("REACH_STORE", "sqlite");
      vi.stubEnv("REACH_COSMOS_ENDPOINT", undefined);
      vi.stubEnv("REACH_COSMOS_KEY", undefined);
    }
  });

  it("did nothing: no store was opened or made", () => {
    expect(existsSync(join(dir, "absent.db"))).toBe(false);
    expect(existsSync(join(process.cwd(), "x.db"))).toBe(false);
  });
});

describe("reach rules check", () => {
  it("hands --data and --source to the check, with the paths", async () => {
    const r = await reach(
      "rules",
      "check",
      "--data",
      DEMO_SCHOOL,
      "--source",
      "canonical",
      DEMO_POLICY,
    );
    expect(checked.calls).toEqual([[[DEMO_POLICY], { data: DEMO_SCHOOL, source: "canonical" }]]);
    expect(r.code, r.stderr).toBe(EXIT_OK);
  });

  it("without them, checks the files alone", async () => {
    const r = await reach("rules", "check", POLICY);
    expect(r.code, r.stderr).toBe(EXIT_OK);
    expect(checked.calls).toEqual([[[POLICY], {}]]);
  });
});

describe("exit code 3: a partial import, on a dry run and on a real run alike", () => {
  let data: string;
  beforeAll(() => {
    data = join(dir, "partial");
    cpSync(DEMO_SCHOOL, data, { recursive: true });
    appendFileSync(join(data, "attendance.csv"), "S000001,2027-01-28,teleported\n");
  });
  const run = (...more: string[]) => [
    "run",
    "--policy",
    DEMO_POLICY,
    "--source",
    "canonical",
    "--data",
    data,
    "--as-of",
    "2027-01-29",
    ...more,
  ];

  it("dry run: 3, the rejected row in the quarantine file given", async () => {
    const quarantine = join(dir, "dry-quarantine.csv");
    const r = await reach(...run("--dry-run", "--quarantine", quarantine, "--json"));
    expect(r.code, r.stderr).toBe(EXIT_PARTIAL_IMPORT);
    const found = JSON.parse(r.stdout);
    expect(found.import).toMatchObject({ partial: true, rowsRejected: 1, quarantine });
    expect(found.findings.length).toBeGreaterThan(0);
    expect(readFileSync(quarantine, "utf8")).toContain("teleported");
  }, 60_000);

  it("real run: 3, the cases applied all the same", async () => {
    const db = join(dir, "partial.db");
    const quarantine = join(dir, "real-quarantine.csv");
    const r = await reach(...run("--db", db, "--quarantine", quarantine, "--json"));
    expect(r.code, r.stderr).toBe(EXIT_PARTIAL_IMPORT);
    const applied = JSON.parse(r.stdout);
    expect(applied.import).toMatchObject({ partial: true, rowsRejected: 1 });
    expect(applied.casesOpened).toBeGreaterThan(0);
    expect(readFileSync(quarantine, "utf8")).toContain("teleported");
    const listed = await reach("cases", "list", "--db", db, "--json");
    expect(listed.code, listed.stderr).toBe(EXIT_OK);
    expect(JSON.parse(listed.stdout).cases).toHaveLength(applied.casesOpened);
  }, 60_000);
});
