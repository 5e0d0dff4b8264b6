/**
 * `reach digest` in-process (`main(argv, out)`), end to end on the sample school and the
 * Northfield policy with a SQLite store of its own: a real run (`reach run`, on a fixed
 * clock) opens the cases, the digest counts them. Also `reach run`'s sweep of the open
 * cases after a run: reminders of cases nobody took, an escalation proposed.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { CaseEvent } from "../../src/cases/index.ts";
import { applyCommand } from "../../src/cli/apply-command.ts";
import { EXIT_ERROR, EXIT_OK } from "../../src/cli/exit-codes.ts";
import { main } from "../../src/cli/main.ts";
import type { Output } from "../../src/cli/output.ts";
import { openSqliteStore } from "../../src/store/index.ts";

const ROOT = join(import.meta.dirname, "../..");
const NORTHFIELD = join(ROOT, "samples/teams-demo/northfield-policy.yaml");
const DEMO_SCHOOL = join(ROOT, "samples/demo-school");
const DATA = ["--source", "canonical", "--data", DEMO_SCHOOL];

let dir: string;
let db: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "reach-digest-cli-"));
  db = join(dir, "reach.db");
  vi.stubEnv("REACH_STORE", "sqlite");
  vi.stubEnv("REACH_DB", db);
});
afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

function capture() {
  const got = { stdout: "", stderr: "" };
  const out: Output = {
    log: (line) => {
      got.stdout += `${line}\n`;
    },
    error: (line) => {
      got.stderr += `${line}\n`;
    },
    write: (text) => {
      got.stdout += text;
    },
    progress: () => {},
  };
  return { got, out };
}

async function reach(...argv: string[]) {
  const { got, out } = capture();
  const code = await main(argv, out);
  return { code, ...got };
}

/** A real run of the policy as `reach run` makes it, on a clock fixed at `at`. */
async function realRun(policy: string, asOf: string, at: string, store = db) {
  const { got, out } = capture();
  const code = await applyCommand(
    { dryRun: false, policy, source: "canonical", data: DEMO_SCHOOL, asOf, json: true, db: store },
    out,
    () => new Date(at),
  );
  expect(code, got.stderr).toBe(EXIT_OK);
  return JSON.parse(got.stdout) as {
    casesOpened: number;
    sweep: { escalationsProposed: number; reminders: number };
  };
}

/** A case event before it is given its version. */
type NewEvent = CaseEvent extends infer E
  ? E extends CaseEvent
    ? Omit<E, "version">
    : never
  : never;

/** Every student id and name of the sample school. */
function studentWords(): string[] {
  const rows = readFileSync(join(DEMO_SCHOOL, "students.csv"), "utf8").trim().split("\n").slice(1);
  return rows.flatMap((r) => r.split(",").slice(0, 2));
}

describe("reach digest: usage and errors", () => {
  it("answers --help with its usage, and the help lists it", async () => {
    const r = await reach("digest", "--help");
    expect(r.code).toBe(EXIT_OK);
    expect(r.stdout).toContain(
      "reach digest --policy <file|dir> [--policy-id <id>] --source <source>",
    );
    expect(r.stdout).toContain(
      "--data <dir> [--date <YYYY-MM-DD>] [--db <file>] [--json] [--post]",
    );
    expect((await reach("help")).stdout).toContain("reach digest --policy");
  });

  it("names every missing argument, a bad date, and an option it does not take", async () => {
    const r = await reach("digest", "--date", "2027-02-30");
    expect(r.code).toBe(EXIT_ERROR);
    expect(r.stderr.trim().split("\n")).toEqual([
      "reach digest: --policy <file|dir> is required (see reach digest --help)",
      "reach digest: --source is required (canonical, parquet, oulad, oea, sds, oneroster, edfi, moodle, graph, combined, metrics) (see reach digest --help)",
      "reach digest: --data <dir> is required (see reach digest --help)",
      "reach digest: --date 2027-02-30 is not a date as YYYY-MM-DD (see reach digest --help)",
    ]);
    const asOf = await reach("digest", "--as-of", "2027-02-01");
    expect(asOf.code).toBe(EXIT_ERROR);
    expect(asOf.stderr).toMatch(/^reach digest: --as-of is not an option of reach digest/);
    const source = await reach("digest", "--policy", NORTHFIELD, "--source", "csv", "--data", dir);
    expect(source.stderr).toContain(
      "reach digest: --source csv is not one of canonical, parquet, oulad, oea, sds, oneroster, edfi, moodle, graph, combined, metrics",
    );
  });

  it("refuses an unknown policy id, and a folder of several policies without one", async () => {
    const folder = join(dir, "policies");
    mkdirSync(folder);
    const text = readFileSync(NORTHFIELD, "utf8");
    writeFileSync(join(folder, "a.yaml"), text);
    writeFileSync(join(folder, "b.yaml"), text.replace("id: northfield", "id: southfield"));
    const unknown = await reach("digest", "--policy", folder, "--policy-id", "eastfield", ...DATA);
    expect(unknown.code).toBe(EXIT_ERROR);
    expect(unknown.stderr.trim()).toBe(
      `reach digest: no policy "eastfield" in ${folder} (it has: northfield, southfield)`,
    );
    const several = await reach("digest", "--policy", folder, ...DATA);
    expect(several.code).toBe(EXIT_ERROR);
    expect(several.stderr.trim()).toBe(
      `reach digest: ${folder} holds several policies (northfield, southfield): give one with --policy-id`,
    );
    const file = await reach(
      "digest",
      "--policy",
      NORTHFIELD,
      "--policy-id",
      "southfield",
      ...DATA,
    );
    expect(file.stderr.trim()).toBe(
      `reach digest: no policy "southfield" in ${NORTHFIELD} (it has: northfield)`,
    );
  });

  it("needs an existing case store", async () => {
    const missing = join(dir, "missing.db");
    const r = await reach("digest", "--policy", NORTHFIELD, ...DATA, "--db", missing);
    expect(r.code).toBe(EXIT_ERROR);
    expect(r.stderr).toContain(`reach digest: no Reach database at ${missing}`);
  });
});

describe("reach digest on the sample school after a real run", () => {
  let opened: number;
  beforeAll(async () => {
    // Friday 29 Jan 2027, 07:00 in London: the run's date and the cases' opening time.
    opened = (await realRun(NORTHFIELD, "2027-01-29", "2027-01-29T07:00:00Z")).casesOpened;
  }, 60_000);

  it("counts the run's cases in the week that holds its date", async () => {
    expect(opened).toBeGreaterThan(0);
    const r = await reach(
      "digest",
      "--policy",
      NORTHFIELD,
      ...DATA,
      "--date",
      "2027-01-31",
      "--json",
    );
    expect(r.code, r.stderr).toBe(EXIT_OK);
    const digest = JSON.parse(r.stdout);
    expect(digest.week).toEqual({ from: "2027-01-25", to: "2027-01-31" });
    expect(digest.cases.opened).toBe(opened);
    expect(digest.cases.openNow).toBe(opened);
    expect(digest.cases.previous.opened).toBe(0);
    expect(digest.runs).toEqual({ succeeded: 1, failed: 0, skipped: 0, failures: [] });
    expect(digest.deadLetters).toEqual({ week: 0, total: 0 });
    expect(digest.escalationsAwaiting).toBe(0);
    expect(digest.firstContact).toEqual({ cases: 0, medianDays: null });
    expect(digest.post).toBeUndefined();
  }, 60_000);

  it("counts nothing of a week that ends before the run", async () => {
    // The week 22–28 Jan: the cases opened on the 29th are not in it, nor open at its end.
    const r = await reach(
      "digest",
      "--policy",
      NORTHFIELD,
      ...DATA,
      "--date",
      "2027-01-28",
      "--json",
    );
    const digest = JSON.parse(r.stdout);
    expect(digest.week).toEqual({ from: "2027-01-22", to: "2027-01-28" });
    expect(digest.cases.opened).toBe(0);
    expect(digest.cases.openNow).toBe(0);
    expect(digest.runs.succeeded).toBe(0);
  }, 60_000);

  it("prints sections with numbers a lead can read, and no student", async () => {
    const r = await reach("digest", "--policy", NORTHFIELD, ...DATA, "--date", "2027-01-31");
    expect(r.code, r.stderr).toBe(EXIT_OK);
    expect(r.stdout).toContain(
      "Weekly digest of policy northfield (Northfield (sch1) — attendance and engagement), made on 2027-01-31",
    );
    expect(r.stdout).toContain(
      "The week 2027-01-25 to 2027-01-31, against the week before, 2027-01-18 to 2027-01-24",
    );
    expect(r.stdout).toMatch(new RegExp(`^ {2}opened +${opened} +0$`, "m"));
    expect(r.stdout).toContain(`open at the end of the week: ${opened}`);
    expect(r.stdout).toContain("runs this week: 1 succeeded, 0 failed, 0 skipped");
    expect(r.stdout).toContain("Rules: cases confirmed or dismissed 2027-01-04 to 2027-01-31");
    expect(r.stdout).toContain(
      "Watch rules: students each one fired for on the last run of the week",
    );
    expect(r.stdout).toContain("Hybrid engagement");
    expect(r.stdout).toMatch(/^ {2}school Northfield +\d+ /m);
    expect(r.stdout).toContain("Did the help help?");
    for (const word of studentWords()) {
      expect(r.stdout).not.toContain(word);
      expect(r.stderr).not.toContain(word);
    }
  }, 60_000);

  it("queues it for Teams once per policy and date with --post", async () => {
    const first = await reach(
      "digest",
      ...["--policy", NORTHFIELD, ...DATA, "--date", "2027-01-31", "--post", "--json"],
    );
    expect(first.code, first.stderr).toBe(EXIT_OK);
    const posted = JSON.parse(first.stdout);
    expect(posted.post).toEqual({ queued: true, outboxId: "digest:northfield:2027-01-31" });
    expect(posted.cases.opened).toBe(opened);

    const again = await reach(
      "digest",
      ...["--policy", NORTHFIELD, ...DATA, "--date", "2027-01-31", "--post"],
    );
    expect(again.code).toBe(EXIT_OK);
    expect(again.stdout).toContain(
      "Already queued for this date (digest:northfield:2027-01-31): not posted again",
    );
    const store = openSqliteStore({ path: db });
    try {
      const entries = await store.listOutbox({ policyId: "northfield" });
      expect(entries.filter((e) => e.kind === "digest").map((e) => e.id)).toEqual([
        "digest:northfield:2027-01-31",
      ]);
    } finally {
      await store.close();
    }
  }, 60_000);
});

describe("reach run sweeps the open cases after a real run", () => {
  it("reminds of cases nobody took, and proposes an escalation the policy asks for", async () => {
    const store2 = join(dir, "sweep.db");
    // Monday 25 Jan: the cases open; nobody has waited yet.
    const monday = await realRun(NORTHFIELD, "2027-01-25", "2027-01-25T07:00:00Z", store2);
    expect(monday.casesOpened).toBeGreaterThan(1);
    expect(monday.sweep).toEqual({ escalationsProposed: 0, reminders: 0 });

    // Someone takes one case and tries twice to reach the student, without an answer
    // (the policy proposes an escalation after 2 unanswered attempts).
    const store = openSqliteStore({ path: store2 });
    try {
      const [taken] = await store.listCases({ policyId: "northfield" });
      const events: NewEvent[] = [
        { type: "confirmed", actor: "T-ALEX", at: "2027-01-25T09:00:00Z", assignee: "T-ALEX" },
        ...["2027-01-26T19:00:00Z", "2027-01-27T09:00:00Z"].map((at) => ({
          type: "contact_attempted" as const,
          actor: "T-ALEX",
          at,
          channel: "phone" as const,
          outcome: "no_answer" as const,
        })),
      ];
      const appended = await store.appendCaseEvents({
        policyId: "northfield",
        caseId: taken.caseId,
        expectedVersion: taken.version,
        events: events.map((e, i) => ({ ...e, version: taken.version + i }) as CaseEvent),
      });
      expect(appended.ok).toBe(true);
    } finally {
      await store.close();
    }

    // Thursday 28 Jan: the others have waited 3 school days (26, 27, 28), the default
    // `remind_unconfirmed_after`; the taken case has had 2 unanswered attempts.
    const { got, out } = capture();
    const code = await applyCommand(
      {
        dryRun: false,
        policy: NORTHFIELD,
        source: "canonical",
        data: DEMO_SCHOOL,
        asOf: "2027-01-28",
        json: false,
        db: store2,
      },
      out,
      () => new Date("2027-01-28T07:00:00Z"),
    );
    expect(code, got.stderr).toBe(EXIT_OK);
    const waiting = monday.casesOpened - 1;
    expect(got.stdout).toContain(
      `  open cases swept: escalations proposed 1, reminders ${waiting}`,
    );

    // A second run of the same date repeats neither.
    const rerun = await realRun(NORTHFIELD, "2027-01-28", "2027-01-28T08:00:00Z", store2);
    expect(rerun.sweep).toEqual({ escalationsProposed: 0, reminders: 0 });

    // The digest of Sunday 31 Jan sees the escalation waiting for a lead, and the first
    // contact attempt 1.5 days after the case opened.
    const r = await reach(
      "digest",
      ...["--policy", NORTHFIELD, ...DATA, "--date", "2027-01-31", "--json", "--db", store2],
    );
    const digest = JSON.parse(r.stdout);
    expect(digest.escalationsAwaiting).toBe(1);
    expect(digest.firstContact).toEqual({ cases: 1, medianDays: 1.5 });
    expect(digest.cases.confirmed).toBe(1);
    expect(digest.runs.succeeded).toBe(3);
  }, 120_000);

  it("does not sweep a run of another date than today: its school days have not passed", async () => {
    const store3 = join(dir, "not-today.db");
    // Cases opened on 5 Dec 2026 by a run as of 29 Jan 2027 would otherwise have "waited"
    // the school days in between, and be reminded at once.
    const { got, out } = capture();
    const code = await applyCommand(
      {
        dryRun: false,
        policy: NORTHFIELD,
        source: "canonical",
        data: DEMO_SCHOOL,
        asOf: "2027-01-29",
        json: true,
        db: store3,
      },
      out,
      () => new Date("2026-12-05T10:00:00Z"),
    );
    expect(code, got.stderr).toBe(EXIT_OK);
    const result = JSON.parse(got.stdout) as { casesOpened: number; sweep: unknown };
    expect(result.casesOpened).toBeGreaterThan(1);
    expect(result.sweep).toBeNull();
    const store = openSqliteStore({ path: store3 });
    try {
      const replies = (await store.listOutbox({ policyId: "northfield" })).filter(
        (e) => e.kind === "thread_reply",
      );
      expect(replies).toEqual([]);
    } finally {
      await store.close();
    }
    const text = capture();
    await applyCommand(
      {
        dryRun: false,
        policy: NORTHFIELD,
        source: "canonical",
        data: DEMO_SCHOOL,
        asOf: "2027-01-29",
        json: false,
        db: store3,
      },
      text.out,
      () => new Date("2026-12-05T10:00:00Z"),
    );
    expect(text.got.stdout).toContain(
      "open cases not swept: escalations and reminders count school days up to today, and this run is of 2027-01-29",
    );
  }, 120_000);
});
