/**
 * One error style: a careless operator's mistakes, run through the real `reach`
 * command. Each prints one line naming the thing and what to do (or a few documented
 * lines), exits with the documented code, and never prints a stack frame.
 */
import { execFile, spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bugLines, expectedProblem } from "../../src/cli/errors.ts";
import { main } from "../../src/cli/main.ts";
import type { Output } from "../../src/cli/output.ts";

const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/reach.js");
const POLICY = join(ROOT, "rules/k12-attendance.yaml");
const DATA = join(ROOT, "tests/fixtures/canonical-small");

/** Each test starts node with tsx (a second or more on a busy machine). */
const SLOW = 60_000;

let dir: string;

async function reach(args: string[], env: Record<string, string> = {}) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, REACH_STORE: "sqlite", ...env };
  if (!("REACH_DB" in env)) delete childEnv.REACH_DB;
  delete childEnv.REACH_DEBUG;
  try {
    const { stdout, stderr } = await promisify(execFile)("node", [BIN, ...args], {
      cwd: dir,
      env: childEnv,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const lines = (text: string) => text.split("\n").filter((l) => l.trim() !== "");

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "reach-errors-"));
  mkdirSync(join(dir, "a-folder"));
  writeFileSync(join(dir, "not-a-db.db"), "this is not SQLite, just text\n".repeat(200));
  cpSync(DATA, join(dir, "data"), { recursive: true });
  cpSync(DATA, join(dir, "bad-data"), { recursive: true });
  rmSync(join(dir, "bad-data/attendance.csv"));
  mkdirSync(join(dir, "bad-data/attendance.csv"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (data: string, asOf: string, ...more: string[]) => [
  "run",
  "--policy",
  POLICY,
  "--source",
  "canonical",
  "--data",
  data,
  "--as-of",
  asOf,
  ...more,
];

interface Case {
  name: string;
  args: () => string[];
  env?: () => Record<string, string>;
  code: number;
  /** Every line of stderr matches one of these, in order; their count is the line count. */
  stderr: RegExp[];
}

const CASES: Case[] = [
  {
    name: "REACH_DB is a directory",
    args: () => ["cases", "list"],
    env: () => ({ REACH_DB: join(dir, "a-folder") }),
    code: 1,
    stderr: [
      /^reach cases list: REACH_DB \S*a-folder is a directory, not a database file \(give the file's path\)$/,
    ],
  },
  {
    name: "--db is a directory",
    args: () => ["runs", "list", "--db", "a-folder"],
    code: 1,
    stderr: [/^reach runs list: --db \/\S+\/a-folder is a directory, not a database file/],
  },
  {
    name: "--db is a file that is not a database",
    args: () => ["cases", "export", "--format", "csv", "--db", "not-a-db.db"],
    code: 1,
    stderr: [/^reach cases export: --db \/\S+\/not-a-db\.db is not a SQLite database/],
  },
  {
    name: "reach run with --db a file that is not a database",
    args: () => run("data", "2026-03-01", "--db", "not-a-db.db"),
    code: 1,
    stderr: [/^reach run: --db \/\S+\/not-a-db\.db is not a SQLite database/],
  },
  {
    name: "a mistyped REACH_DB is not a new empty store",
    args: () => ["cases", "list"],
    env: () => ({ REACH_DB: join(dir, "typo/reach.db") }),
    code: 1,
    stderr: [
      /^reach cases list: no Reach database at \S*typo\/reach\.db \(run `reach run` first, or check REACH_DB \/ --db\)$/,
    ],
  },
  {
    name: "cases show with a missing --db",
    args: () => ["cases", "show", "c-1", "--db", "missing.db"],
    code: 1,
    stderr: [/^reach cases show: no Reach database at \/\S+\/missing\.db /],
  },
  {
    name: "erase with a missing --db",
    args: () => ["erase", "--student", "S1", "--db", "missing.db"],
    code: 1,
    stderr: [/^reach erase: no Reach database at \/\S+\/missing\.db /],
  },
  {
    name: "a relative REACH_DB missing, shown as its absolute path",
    args: () => ["runs", "list"],
    env: () => ({ REACH_DB: "elsewhere/reach.db" }),
    code: 1,
    stderr: [/^reach runs list: no Reach database at \/\S+\/elsewhere\/reach\.db /],
  },
  {
    name: "a directory where a CSV file should be (dry run)",
    args: () => [...run("bad-data", "2026-03-01"), "--dry-run"],
    code: 1,
    stderr: [/^reach run: bad-data\/attendance\.csv is a directory, not a CSV file/],
  },
  {
    name: "a directory where a CSV file should be (real run)",
    args: () => run("bad-data", "2026-03-01", "--db", "run.db"),
    code: 1,
    stderr: [/^reach run: bad-data\/attendance\.csv is a directory, not a CSV file/],
  },
  {
    name: "--as-of a day that does not exist",
    args: () => [...run("data", "2027-02-30"), "--dry-run"],
    code: 1,
    stderr: [/^reach run: --as-of 2027-02-30 is not a date as YYYY-MM-DD$/],
  },
  {
    name: "--as-of tomorrow",
    args: () => [...run("data", "tomorrow"), "--dry-run"],
    code: 1,
    stderr: [/^reach run: --as-of tomorrow is not a date as YYYY-MM-DD$/],
  },
  {
    name: "an unknown option",
    args: () => ["cases", "list", "--frobnicate"],
    code: 1,
    stderr: [/^reach cases list: unknown option --frobnicate \(see reach cases list --help\)$/],
  },
  {
    name: "an unknown option to run",
    args: () => [...run("data", "2026-03-01"), "--dryrun"],
    code: 1,
    stderr: [/^reach run: unknown option --dryrun \(see reach run --help\)$/],
  },
  {
    name: "cases show without an id",
    args: () => ["cases", "show"],
    code: 1,
    stderr: [/^reach cases show: give a case id/],
  },
  {
    name: "an unknown command",
    args: () => ["frob"],
    code: 1,
    stderr: [/^reach: unknown command "frob" \(see reach help\)$/],
  },
];

describe("reach, given a careless operator's input", () => {
  for (const c of CASES) {
    it(
      c.name,
      async () => {
        const r = await reach(c.args(), c.env?.() ?? {});
        expect(r.code, r.stderr).toBe(c.code);
        const got = lines(r.stderr);
        expect(got, r.stderr).toHaveLength(c.stderr.length);
        c.stderr.forEach((re, i) => {
          expect(got[i]).toMatch(re);
        });
        expect(r.stderr).not.toContain("    at ");
      },
      SLOW,
    );
  }

  it(
    "creates no database for a command that only reads",
    async () => {
      const r = await reach(["cases", "list", "--db", "never.db"]);
      expect(r.code).toBe(1);
      const after = await reach(["cases", "list", "--db", "never.db"]);
      expect(after.stderr).toContain(
        `no Reach database at ${join(realpathSync(dir), "never.db")} `,
      );
      expect(existsSync(join(dir, "never.db"))).toBe(false);
    },
    SLOW,
  );
});

describe("help, through bin/reach.js (every command's --help: command-line.test.ts)", () => {
  it(
    "reach help and reach --help exit 0; reach alone exits 1 with the help on stderr",
    async () => {
      for (const args of [["help"], ["--help"]]) {
        const r = await reach(args);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain("Exit codes (every command):");
      }
      const bare = await reach([]);
      expect(bare.code).toBe(1);
      expect(bare.stdout).toBe("");
      expect(bare.stderr).toContain("Exit codes (every command):");
    },
    SLOW,
  );
});

describe("a reader that stops early", () => {
  it(
    "ends quietly with 0 on EPIPE",
    async () => {
      const child = spawn("node", [BIN, "help"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
      child.stdout.destroy(); // the reader is gone before the first write, as with `| head -0`
      let stderr = "";
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
      });
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      expect(code).toBe(0);
      expect(stderr).toBe("");
    },
    SLOW,
  );
});

describe("an unexpected error", () => {
  function throwingOutput(errors: string[]): Output {
    return {
      log: () => {
        throw new Error("boom\nsecond line");
      },
      error: (line) => void errors.push(line),
      write: () => {},
      progress: () => {},
    };
  }

  it("is one line plus the bug hint, exit 1", async () => {
    const errors: string[] = [];
    const saved = process.env.REACH_DEBUG;
    delete process.env.REACH_DEBUG;
    try {
      expect(await main(["help"], throwingOutput(errors))).toBe(1);
    } finally {
      if (saved !== undefined) process.env.REACH_DEBUG = saved;
    }
    expect(errors).toEqual([
      "reach: boom",
      "(this is a bug in Reach; run with REACH_DEBUG=1 for details)",
    ]);
  });

  it("has its stack only with REACH_DEBUG=1", () => {
    const error = new Error("boom");
    expect(bugLines(error, {}).join("\n")).not.toContain("    at ");
    expect(bugLines(error, { REACH_DEBUG: "1" }).join("\n")).toContain("    at ");
  });
});

describe("SQLite and file errors, in words", () => {
  const sqlite = (code: string) => Object.assign(new Error(`sqlite says ${code}`), { code });
  const env = { REACH_DB: "/srv/reach/reach.db" };

  it.each([
    ["SQLITE_READONLY", /^REACH_DB \/srv\/reach\/reach\.db is read-only \(SQLITE_READONLY\)/],
    ["SQLITE_READONLY_DBMOVED", /is read-only/],
    ["SQLITE_FULL", /could not be written: the disk is full or failing \(SQLITE_FULL\)/],
    ["SQLITE_IOERR_WRITE", /could not be written: the disk is full or failing/],
    ["SQLITE_NOTADB", /is not a SQLite database/],
    ["SQLITE_CORRUPT", /is damaged/],
    ["SQLITE_BUSY", /is locked by another process/],
    ["SQLITE_CANTOPEN", /cannot be opened/],
  ])("%s names the file and the problem", (code, re) => {
    const line = expectedProblem(sqlite(code), undefined, env);
    expect(line).toMatch(re);
    expect(line).toContain("/srv/reach/reach.db");
    expect(line).not.toContain("\n");
  });

  it("names a --db before REACH_DB", () => {
    // As the absolute path it is: a relative --db is the working folder's.
    const line = expectedProblem(sqlite("SQLITE_FULL"), "x.db", env);
    expect(line).toMatch(/^--db \//);
    expect(line).toContain(`--db ${join(process.cwd(), "x.db")} could not be written`);
  });

  it("turns file errors into lines naming the file; leaves other errors to the bug path", () => {
    const fsError = (code: string) =>
      Object.assign(new Error(code), { code, path: "/d/a.csv", syscall: "open" });
    expect(expectedProblem(fsError("EACCES"), undefined, {})).toBe(
      "/d/a.csv cannot be read or written: permission denied",
    );
    expect(expectedProblem(fsError("ENOSPC"), undefined, {})).toBe(
      "/d/a.csv could not be written: the disk is full",
    );
    expect(expectedProblem(new TypeError("x is undefined"), undefined, {})).toBeUndefined();
  });
});
