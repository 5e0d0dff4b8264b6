/**
 * Home and contributing schools (docs/cases.md, "Home and contributing schools"), on the
 * canonical fixture tests/fixtures/contributing-schools: Bramley High School (`bramley`,
 * the home school) and Riverside College (`riverside`, which contributes the joint
 * programme's engineering workshop, section RIV-ENG).
 *
 * Counted by hand from the fixture's files:
 * - calendar.csv: Bramley's school days are the weekdays 2026-03-02 to 2026-03-13 except
 *   Friday 03-06 (instructional=false): 9 days. Riverside's are all 10 weekdays.
 * - attendance.csv, Bramley's students (calendar of their home school, Bramley):
 *   - B1 Amir: BRA-MATH present on all 9 Bramley days; RIV-ENG on 03-03 present, 03-06,
 *     03-10 and 03-13 absent. 03-06 is not a Bramley school day, so that session does not
 *     count: 9 + 3 = 12 sessions, 2 absent (both at Riverside), 10 attended = 83.3%.
 *     Bramley's own sessions alone (9 of 9) would never fire the rule.
 *   - B2 Beth: BRA-MATH absent on 03-12, present on the 8 other days; RIV-ENG absent on all
 *     four days (03-06 not counted): 12 sessions, 4 absences (3 at Riverside), 8 attended =
 *     66.6% (percentages are rounded down).
 *   - B3 Cara: BRA-MATH present on all 9 days, never at Riverside: 100%, no case.
 * - R1 Dev (home riverside): RIV-SCI on Riverside's 10 days, absent 03-09, 03-10, 03-11:
 *   7 of 10 = 70%, 3 absences.
 * - The rule (both policies): attendance_rate below 0.9 and absences at least 2.
 *   Bramley's policy: B1 and B2 (B3 not); Riverside's policy: R1 only — B1 and B2 are
 *   taught there but their home is Bramley.
 * - staff.csv / students.csv: bra-adv advises B1, B2, B3; riv-adv (Riverside) teaches B1 and
 *   B2 at Riverside and is listed as an adviser of B2 (and R1) only; bra-tutor is a Bramley
 *   adviser of nobody; bra-lead, riv-lead engagement leads; bra-admin, riv-admin admins.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { actOnCase } from "../../src/app/act-on-case.ts";
import { buildDirectory, type Directory, DirectoryHolder } from "../../src/app/directory.ts";
import { myCases, showCaseTo } from "../../src/app/read-case.ts";
import { buildCalendars } from "../../src/calendar/index.ts";
import { authorise, rosterOf } from "../../src/cases/authorise.ts";
import type { CaseId } from "../../src/cases/index.ts";
import { ADAPTERS } from "../../src/data/adapters/index.ts";
import { type Dataset, DatasetBuilder, STATUS_CODE } from "../../src/data/dataset.ts";
import { type Staff, StudentRow } from "../../src/data/schema.ts";
import { computeMetric, type MetricName, type MetricParams } from "../../src/metrics/index.ts";
import { evaluate, policyScope } from "../../src/rules/evaluate.ts";
import type { Policy } from "../../src/rules/index.ts";
import { loadPolicyText } from "../../src/rules/loader.ts";
import { emptyRuleState } from "../../src/rules/rule-state.ts";
import { applyRun } from "../../src/run/apply-run.ts";
import type { Store } from "../../src/store/index.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { TeamsPlanner } from "../../src/teams/delivery-planner.ts";
import { createPresenter } from "../../src/teams/presenter.ts";
import { day } from "../helpers/build-dataset.ts";
import { linkChannel } from "../helpers/channel.ts";

const DIR = join(import.meta.dirname, "../fixtures/contributing-schools");
const AS_OF = "2026-03-13";
const AT = `${AS_OF}T07:00:00.000Z`;
const BRAMLEY_CHANNEL = "19:bramley-cases@thread.tacv2";
const RIVERSIDE_CHANNEL = "19:riverside-cases@thread.tacv2";

function policyOf(file: "bramley" | "riverside", access?: "school", schools?: string): Policy {
  let text = readFileSync(join(DIR, "policies", `${file}.yaml`), "utf8");
  if (access) text = text.replace("access: advisees", `access: ${access}`);
  if (schools) text = text.replace(/schools: \[\w+\]/, `schools: ${schools}`);
  const loaded = loadPolicyText(text, `${file}.yaml`);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.policy;
}

async function load(): Promise<Dataset> {
  const { dataset, report } = await ADAPTERS.canonical.import(DIR);
  // 2 schools + 4 students + 7 staff + 3 sections + 6 enrolments + 20 calendar days + 45
  // attendance rows (27 BRA-MATH, 8 RIV-ENG, 10 RIV-SCI) = 87, none rejected.
  expect([report.rowsAccepted, report.rowsRejected]).toEqual([87, 0]);
  return dataset;
}

const conditionsOf = (
  evaluation: ReturnType<typeof evaluate>,
  studentId: string,
): [string, number | null, string][] =>
  (evaluation.findings.find((f) => f.studentId === studentId)?.signals ?? []).flatMap((s) =>
    s.conditions.map((c) => [c.metric, c.value, c.evidence] as [string, number | null, string]),
  );

describe("evaluation: the home school's policy, with the contributing school's sessions", () => {
  it("evaluates Bramley's students with every session, on Bramley's calendar, and says which school recorded what", async () => {
    const dataset = await load();
    const evaluation = evaluate({
      dataset,
      policy: policyOf("bramley"),
      asOf: day(AS_OF),
      previous: emptyRuleState("bramley-eng"),
    });
    expect(evaluation.counts).toMatchObject({ studentsInScope: 3, studentsEvaluated: 3 });
    expect(evaluation.findings.map((f) => [f.studentId, f.policyId])).toEqual([
      ["B1", "bramley-eng"],
      ["B2", "bramley-eng"],
    ]);
    const window = "between 2026-03-02 and 2026-03-13";
    expect(conditionsOf(evaluation, "B1")).toEqual([
      [
        "attendance_rate",
        10 / 12,
        `attended 10 of 12 sessions (83.3%) ${window}; at Riverside College (contributing): attended 1 of 3 sessions`,
      ],
      ["absences", 2, `2 absences ${window}; at Riverside College (contributing): 2 of them`],
    ]);
    expect(conditionsOf(evaluation, "B2")).toEqual([
      [
        "attendance_rate",
        8 / 12,
        `attended 8 of 12 sessions (66.6%) ${window}; at Riverside College (contributing): attended 0 of 3 sessions`,
      ],
      ["absences", 4, `4 absences ${window}; at Riverside College (contributing): 3 of them`],
    ]);
    // The window is Bramley's 9 school days (Friday 03-06 is not one of them).
    const [b1] = evaluation.findings[0].signals[0].conditions;
    expect(b1.window).toEqual({ from: "2026-03-02", to: "2026-03-13", schoolDays: 9 });
  });

  it("the contributing school's policy evaluates its own students only: no case for Bramley's", async () => {
    const dataset = await load();
    const evaluation = evaluate({
      dataset,
      policy: policyOf("riverside"),
      asOf: day(AS_OF),
      previous: emptyRuleState("riverside-eng"),
    });
    expect(evaluation.counts).toMatchObject({ studentsInScope: 1, studentsEvaluated: 1 });
    // R1 is Riverside's own student: its evidence names no contributing school.
    expect(conditionsOf(evaluation, "R1")).toEqual([
      ["attendance_rate", 0.7, "attended 7 of 10 sessions (70%) between 2026-03-02 and 2026-03-13"],
      ["absences", 3, "3 absences between 2026-03-02 and 2026-03-13"],
    ]);
    expect(evaluation.findings.map((f) => f.studentId)).toEqual(["R1"]);
  });

  it("a policy that lists both schools evaluates each student once, on their home school's calendar", async () => {
    const dataset = await load();
    const evaluation = evaluate({
      dataset,
      policy: policyOf("bramley", undefined, "[bramley, riverside]"),
      asOf: day(AS_OF),
      previous: emptyRuleState("bramley-eng"),
    });
    expect(evaluation.counts).toMatchObject({ studentsInScope: 4, studentsEvaluated: 4 });
    expect(evaluation.findings.map((f) => f.studentId)).toEqual(["B1", "B2", "R1"]);
    expect(conditionsOf(evaluation, "B1")[0][1]).toBe(10 / 12);
    expect(conditionsOf(evaluation, "R1")[0][1]).toBe(0.7);
  });
});

// --- a real run of each school's policy, the channel cards, and who sees the cases -------

interface Runs {
  store: Store;
  directory: Directory;
  caseOf: (studentId: string) => CaseId;
}

/** Both policies run on 2026-03-13, each linked to its own channel. */
async function run(access?: "school"): Promise<Runs> {
  const dataset = await load();
  const store = openSqliteStore({
    path: join(mkdtempSync(join(tmpdir(), "reach-contributing-")), "reach.db"),
  });
  const policies = [policyOf("bramley", access), policyOf("riverside", access)];
  for (const [policy, channelId] of [
    [policies[0], BRAMLEY_CHANNEL],
    [policies[1], RIVERSIDE_CHANNEL],
  ] as const) {
    await linkChannel(store, {
      channelId,
      serviceUrl: "https://smba.example",
      policyId: policy.id,
      at: AT,
    });
    await applyRun({ store, policy, dataset, asOf: day(AS_OF), at: AT, owner: "t" });
  }
  const directory = buildDirectory(policies, dataset, AT);
  const cases = [
    ...(await store.listCases({ policyId: "bramley-eng" })),
    ...(await store.listCases({ policyId: "riverside-eng" })),
  ];
  const caseOf = (studentId: string) => {
    const found = cases.find((c) => c.studentId === studentId);
    if (found === undefined) throw new Error(`no case for ${studentId}`);
    return found.caseId as CaseId;
  };
  return { store, directory, caseOf };
}

function staff(directory: Directory, id: string): Staff {
  const s = directory.roster.get(id);
  if (s === undefined) throw new Error(`no staff ${id}`);
  return s;
}

async function reads(runs: Runs, staffId: string, studentId: string) {
  const read = await showCaseTo({
    store: runs.store,
    directory: runs.directory,
    staff: staff(runs.directory, staffId),
    caseId: runs.caseOf(studentId),
    at: AT,
  });
  return read.kind === "shown" ? "shown" : read.kind === "refused" ? read.why : read.kind;
}

/** The audit records of a case by one actor: [action, allowed, why]. */
async function auditOf(runs: Runs, policyId: string, studentId: string, actor: string) {
  const records = await runs.store.listAudit(policyId, runs.caseOf(studentId));
  return records.filter((r) => r.actor === actor).map((r) => [r.action, r.allowed, r.why]);
}

describe("a real run: one case per student, the home school's, in the home school's channel", () => {
  it("opens B1's and B2's cases under Bramley's policy and posts them to Bramley's channel; Riverside's policy opens R1's only", async () => {
    const runs = await run();
    const { store, directory } = runs;
    const bramley = await store.listCases({ policyId: "bramley-eng" });
    const riverside = await store.listCases({ policyId: "riverside-eng" });
    // In case id order, which is a keyed hash: sorted by student here.
    expect(bramley.map((c) => [c.studentId, c.school, c.status]).sort()).toEqual([
      ["B1", "bramley", "proposed"],
      ["B2", "bramley", "proposed"],
    ]);
    expect(riverside.map((c) => [c.studentId, c.school])).toEqual([["R1", "riverside"]]);

    // Each new case has one card, planned for its own policy's channel.
    const holder = new DirectoryHolder(directory);
    const planner = new TeamsPlanner(store, createPresenter(holder));
    const destinations: [string, string, string][] = [];
    const cardTexts = new Map<string, string>();
    for (const policyId of ["bramley-eng", "riverside-eng"]) {
      for (const entry of await store.listOutbox({ policyId })) {
        const delivery = await planner.plan(entry);
        if (delivery.op !== "post") throw new Error(`${entry.kind}: ${delivery.op}`);
        const studentId = [...bramley, ...riverside].find((c) => c.caseId === entry.caseId)
          ?.studentId as string;
        destinations.push([studentId, entry.kind, delivery.conversationId]);
        cardTexts.set(studentId, JSON.stringify(delivery.activity));
      }
    }
    expect(destinations.sort()).toEqual([
      ["B1", "case_card", BRAMLEY_CHANNEL],
      ["B2", "case_card", BRAMLEY_CHANNEL],
      ["R1", "case_card", RIVERSIDE_CHANNEL],
    ]);
    // The card names the contributing school beside the sessions it recorded.
    expect(cardTexts.get("B1")).toContain(
      "at Riverside College (contributing): attended 1 of 3 sessions",
    );
    expect(cardTexts.get("B2")).toContain("at Riverside College (contributing): 3 of them");
    expect(cardTexts.get("R1")).not.toContain("contributing");
    await store.close();
  });
});

describe("who sees the case of a student taught by a contributing school", () => {
  it("access: advisees — a contributing school's adviser listed for the student sees it; teaching the student gives nothing; every refusal audited", async () => {
    const runs = await run();
    // Listed in B2's adviser_ids (students.csv), whatever their school.
    expect(await reads(runs, "riv-adv", "B2")).toBe("shown");
    // Teaches B1 at Riverside, not listed: nothing.
    expect(await reads(runs, "riv-adv", "B1")).toBe("not an adviser of this student");
    // Riverside's lead and admin: Bramley's policy does not cover Riverside.
    expect(await reads(runs, "riv-lead", "B1")).toBe(
      "engagement lead of riverside, which policy bramley-eng does not cover",
    );
    expect(await reads(runs, "riv-admin", "B1")).toBe(
      "administrator of riverside, not of this student's school bramley",
    );
    // Bramley: the listed adviser, the lead and the admin read; an unlisted adviser does not.
    expect(await reads(runs, "bra-adv", "B1")).toBe("shown");
    expect(await reads(runs, "bra-lead", "B1")).toBe("shown");
    expect(await reads(runs, "bra-admin", "B1")).toBe("shown");
    expect(await reads(runs, "bra-tutor", "B1")).toBe("not an adviser of this student");

    expect(await auditOf(runs, "bramley-eng", "B1", "riv-adv")).toEqual([
      ["read", false, "not an adviser of this student"],
    ]);
    expect(await auditOf(runs, "bramley-eng", "B2", "riv-adv")).toEqual([
      ["read", true, "adviser of this student"],
    ]);
    expect(await auditOf(runs, "bramley-eng", "B1", "riv-lead")).toEqual([
      ["read", false, "engagement lead of riverside, which policy bramley-eng does not cover"],
    ]);

    // A click on the card's Confirm: refused for B1, done for B2, both audited.
    const click = async (aad: string, studentId: string) =>
      actOnCase(
        {
          aadObjectId: aad,
          verb: "confirm",
          data: { caseId: runs.caseOf(studentId), policyId: "bramley-eng", version: 1 },
          conversationId: "a:riv-adv-personal-chat",
          at: "2026-03-13T09:00:00.000Z",
        },
        {
          store: runs.store,
          directory: runs.directory,
          describe: (_events, name) => `${name} took the case`,
        },
      );
    const refused = await click("aad-riv-adv", "B1");
    expect(refused.kind).toBe("refused");
    // Not shown back: the clicker may not read it, and did not click in its channel.
    expect(refused.kind === "refused" && refused.show).toBeUndefined();
    expect((await auditOf(runs, "bramley-eng", "B1", "riv-adv")).at(-1)).toEqual([
      "confirm",
      false,
      "not an adviser of this student",
    ]);
    expect((await click("aad-riv-adv", "B2")).kind).toBe("done");
    expect((await auditOf(runs, "bramley-eng", "B2", "riv-adv")).at(-1)).toEqual([
      "confirm",
      true,
      "adviser of this student",
    ]);

    // "My cases" of Riverside's adviser: B2's case (listed) and R1's, never B1's.
    const mine = await myCases({
      store: runs.store,
      directory: runs.directory,
      staff: staff(runs.directory, "riv-adv"),
      at: AT,
    });
    expect(mine.assigned.map((c) => c.studentId)).toEqual(["B2"]);
    expect(mine.mayTake.map((c) => c.studentId)).toEqual(["R1"]);
    await runs.store.close();
  });

  it("access: school — the whole-school grant is the home school's only; a contributing school's staff see nothing unless listed for the student", async () => {
    const runs = await run("school");
    // Any Bramley adviser reads every Bramley student's case.
    expect(await reads(runs, "bra-tutor", "B1")).toBe("shown");
    // Riverside's adviser teaches B1 and B2; Riverside is not their home school.
    expect(await reads(runs, "riv-adv", "B1")).toBe(
      "not an adviser of this student or their school",
    );
    // Listed for B2 by Bramley's roster: the listing grants, under either access.
    expect(await reads(runs, "riv-adv", "B2")).toBe("shown");
    expect(await reads(runs, "riv-lead", "B2")).toBe(
      "engagement lead of riverside, which policy bramley-eng does not cover",
    );
    // …and Bramley's staff do not read Riverside's own student's case under its policy.
    expect(await reads(runs, "bra-tutor", "R1")).toBe(
      "not an adviser of this student or their school",
    );
    expect(await auditOf(runs, "bramley-eng", "B1", "riv-adv")).toEqual([
      ["read", false, "not an adviser of this student or their school"],
    ]);
    expect(await auditOf(runs, "riverside-eng", "R1", "bra-tutor")).toEqual([
      ["read", false, "not an adviser of this student or their school"],
    ]);
    await runs.store.close();
  });

  it("a contributing school's engagement lead works on the case only when the home policy lists their school", async () => {
    const dataset = await load();
    const roster = rosterOf(dataset.staff);
    const student = dataset.students[dataset.studentIndex.get("B1") ?? -1];
    const home = policyOf("bramley");
    const joint = policyOf("bramley", undefined, "[bramley, riverside]");
    const subject = (policy: Policy) => ({ student, school: student.school, policy });
    expect(authorise("riv-lead", "confirm", subject(home), roster)).toEqual({
      allowed: false,
      why: "engagement lead of riverside, which policy bramley-eng does not cover",
    });
    expect(authorise("riv-lead", "confirm", subject(joint), roster)).toEqual({
      allowed: true,
      as: "engagement_lead",
      why: "engagement lead of riverside, a school of policy bramley-eng",
    });
    // Erasure stays with the home school's administrator, whatever the policy lists.
    expect(authorise("riv-admin", "erase", subject(joint), roster)).toMatchObject({
      allowed: false,
    });
    expect(authorise("bra-admin", "erase", subject(joint), roster)).toMatchObject({
      allowed: true,
    });
  });
});

describe("the evidence of each attendance metric names the contributing schools", () => {
  // Home school h (no name in the data), Monday 2026-03-02 to Friday 2026-03-06; sections
  // H1 (h), C1 (c, "Partner College"), D1 (c2, no name) and X (in no sections file: the home
  // school's). Sessions by day — 02: H1 present, C1 tardy; 03: H1 tardy, D1 present;
  // 04: H1 and C1 absent; 05: H1, C1 and X absent; 06: C1 absent.
  function context() {
    const b = new DatasetBuilder();
    b.addSchool({ id: "c", name: "Partner College", attendanceRecording: "all_days" });
    b.addStudent(StudentRow.parse({ id: "S", display_name: "S", school: "h" }));
    for (const [id, school] of [
      ["H1", "h"],
      ["C1", "c"],
      ["D1", "c2"],
    ]) {
      b.addSection({ id, name: id, school });
    }
    const days = ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06"];
    for (const d of days) b.addCalendarDay({ school: "h", date: day(d), instructional: true });
    const rows: [string, keyof typeof STATUS_CODE, string][] = [
      ["2026-03-02", "present", "H1"],
      ["2026-03-02", "tardy", "C1"],
      ["2026-03-03", "tardy", "H1"],
      ["2026-03-03", "present", "D1"],
      ["2026-03-04", "unexcused_absence", "H1"],
      ["2026-03-04", "unexcused_absence", "C1"],
      ["2026-03-05", "unexcused_absence", "H1"],
      ["2026-03-05", "unexcused_absence", "C1"],
      ["2026-03-05", "unexcused_absence", "X"],
      ["2026-03-06", "unexcused_absence", "C1"],
    ];
    for (const [d, status, section] of rows) {
      b.addAttendance(0, day(d), STATUS_CODE[status], -1, b.internSection(section));
    }
    const dataset = b.build().dataset;
    const policy = policyOf("bramley", undefined, "[h]");
    const scope = policyScope({
      dataset,
      policy,
      asOf: day("2026-03-06"),
      calendars: buildCalendars(dataset),
    });
    const ctx = scope.contextOf("S");
    if (ctx === undefined) throw new Error("S is not in scope");
    return ctx;
  }
  const evidence = (metric: MetricName, params: MetricParams = {}) =>
    computeMetric(metric, context(), params, true).evidence;
  const WINDOW = "between 2026-03-02 and 2026-03-06";

  it("sessions_recorded, attendance_rate and absences: per school, in school id order", () => {
    // 10 sessions: C1 4 (c), D1 1 (c2), H1 4 and X 1 (home).
    expect(evidence("sessions_recorded")).toBe(
      `10 sessions recorded ${WINDOW}; at Partner College (contributing): 4 sessions; at c2 (contributing): 1 session`,
    );
    // Absent: H1 twice, C1 three times, X once = 6 of 10; at c 1 of 4 attended (the tardy).
    expect(evidence("attendance_rate")).toBe(
      `attended 4 of 10 sessions (40%) ${WINDOW}; at Partner College (contributing): attended 1 of 4 sessions; at c2 (contributing): attended 1 of 1 session`,
    );
    // c2 recorded no absence: not named.
    expect(evidence("absences")).toBe(
      `6 absences ${WINDOW}; at Partner College (contributing): 3 of them`,
    );
  });

  it("tardies and consecutive_absences", () => {
    expect(evidence("tardies")).toBe(
      `late 2 times ${WINDOW}; at Partner College (contributing): 1 of them`,
    );
    // 06, 05, 04 are absent days (every session absent); 03 has a tardy: a run of 3, each
    // day with a C1 session.
    expect(evidence("consecutive_absences")).toBe(
      "absent on each of the last 3 school days (2026-03-04 to 2026-03-06); at Partner College (contributing): absent from its sessions on 3 of them",
    );
  });
});
