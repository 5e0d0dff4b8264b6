/**
 * "My data": a student sees what Reach holds about them, known by their own Entra object
 * id only, on the sample school (samples/demo-school and the Teams demo's Northfield
 * policy, run for real into a SQLite store as of 2027-01-29). The sample is copied with
 * an Entra object id for every student and one more student who has no data at all.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildDirectory,
  type Directory,
  HOW_TO_ASK_FOR_RECORD,
  myData,
  UNATTRIBUTED,
} from "../../src/app/index.ts";
import { buildCalendars } from "../../src/calendar/index.ts";
import { importCanonical } from "../../src/data/adapters/canonical.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import { loadPolicyFile, type Policy } from "../../src/rules/index.ts";
import { loadPolicyText } from "../../src/rules/loader.ts";
import { applyRun, studentValues } from "../../src/run/index.ts";
import { openSqliteStore, type SqliteStore } from "../../src/store/index.ts";

const ROOT = join(import.meta.dirname, "../..");
const SAMPLE = join(ROOT, "samples/demo-school");
const POLICY = join(ROOT, "samples/teams-demo/northfield-policy.yaml");
const AS_OF = "2027-01-29";
const AT = "2027-01-29T12:00:00.000Z";

/** Zoe Brown (sch1): 30 of 45 sessions, an open chronic-absence case after the run. */
const ZOE = "S000039";
/** Ben Young (sch1): no case. */
const BEN = "S000001";
/** Added to the copy: in sch1, with no attendance, activity or anything else. */
const NIA = "S900001";
const ALEX_AAD = "00000000-0000-0000-0000-000000000020";

/** The Entra object id the copy gives each student (nothing like a staff member's). */
const aadOf = (id: string) => `5a1d0000-0000-4000-8000-${id.replace(/\D/g, "").padStart(12, "0")}`;

/** The sample's plain CSV (no quoted fields), read independently of Reach. */
function readCsv(dir: string, file: string): Record<string, string>[] {
  const text = readFileSync(join(dir, file), "utf8");
  if (text.includes('"')) throw new Error(`${file} has quoted fields: this reader does not`);
  const [head, ...lines] = text.split(/\r?\n/).filter((l) => l !== "");
  const columns = head.split(",");
  return lines.map((line) => {
    const cells = line.split(",");
    return Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? ""]));
  });
}

/** students.csv with an `aad_object_id` for everyone (the column added if missing), plus Nia. */
function withEntraIds(dir: string): void {
  const rows = readCsv(dir, "students.csv");
  const columns = Object.keys(rows[0]);
  if (!columns.includes("aad_object_id")) columns.push("aad_object_id");
  const nia: Record<string, string> = {
    id: NIA,
    display_name: "Nia Okafor",
    school: "sch1",
    adviser_ids: "T-ALEX",
    status: "active",
  };
  const lines = [...rows, nia].map((r) =>
    columns.map((c) => (c === "aad_object_id" ? aadOf(r.id) : (r[c] ?? ""))).join(","),
  );
  writeFileSync(join(dir, "students.csv"), `${[columns.join(","), ...lines].join("\n")}\n`);
}

let dir: string;
let store: SqliteStore;
let dataset: Dataset;
let policy: Policy;
let directory: Directory;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "reach-my-data-"));
  const data = join(dir, "data");
  cpSync(SAMPLE, data, { recursive: true });
  withEntraIds(data);
  dataset = (await importCanonical(data)).dataset;
  const loaded = await loadPolicyFile(POLICY);
  if (!loaded.ok) throw new Error(`${POLICY} does not load`);
  policy = loaded.policy;
  store = openSqliteStore({ path: join(dir, "reach.db") });
  await applyRun({
    store,
    policy,
    dataset,
    asOf: parseIsoDate(AS_OF) as number,
    at: "2027-01-29T07:00:00.000Z",
    owner: "my-data-test",
  });
  directory = buildDirectory([policy], dataset, "2027-01-29T06:00:00.000Z");
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const ask = (aadObjectId: string | undefined, extra: Partial<Parameters<typeof myData>[0]> = {}) =>
  myData({ store, directory, dataset, aadObjectId, at: AT, asOf: AS_OF, ...extra });

async function shown(aadObjectId: string) {
  const result = await ask(aadObjectId);
  if (result.kind !== "shown") throw new Error(`expected a view, got ${result.kind}`);
  return result.view;
}

async function caseOf(studentId: string) {
  const [found] = await store.listCases({ studentId, policyId: policy.id });
  return found;
}

describe("my data, for the student it is about", () => {
  it("shows Zoe her own measures in plain words, counted by hand from the CSV files", async () => {
    const data = join(dir, "data");
    const window = readCsv(data, "calendar.csv")
      .filter((r) => r.school === "sch1" && r.instructional === "true" && r.date <= AS_OF)
      .map((r) => r.date)
      .sort()
      .slice(-45);
    const inWindow = new Set(window);
    const rows = readCsv(data, "attendance.csv").filter(
      (r) => r.student_id === ZOE && inWindow.has(r.date),
    );
    const attended = rows.filter(
      (r) => r.status !== "excused_absence" && r.status !== "unexcused_absence",
    ).length;
    // 30 of 45: 66.666…%, which reads (rounded down) as 66.6%.
    expect([attended, rows.length]).toEqual([30, 45]);
    // The watch rule's 10 school days: the days with any learning-platform activity.
    const lastTen = new Set(window.slice(-10));
    const activeDays = new Set(
      readCsv(data, "activity.csv")
        .filter((r) => r.student_id === ZOE && r.source === "vle" && lastTen.has(r.date))
        .map((r) => r.date),
    );
    expect(activeDays.size).toBe(1);
    expect(window.at(-10)).toBe("2027-01-18");
    expect(window[0]).toBe("2026-11-16");

    // The school's name from schools.csv when the sample has one, else its id.
    const school = existsSync(join(data, "schools.csv"))
      ? readCsv(data, "schools.csv").find((r) => r.id === "sch1")?.name
      : "sch1";

    const view = await shown(aadOf(ZOE));
    const span = "the last 45 school days (16 Nov 2026 – 29 Jan 2027)";
    expect(view).toEqual({
      firstName: "Zoe",
      schoolName: school,
      sources: ["attendance registers", "activity on the learning platform (vle)"],
      measures: [
        {
          label: "Attendance",
          value: "66.6% of sessions",
          window: span,
          expected: "Your school looks for 90% or more",
        },
        {
          label: "Attendance sessions recorded",
          value: "45 sessions",
          window: span,
          expected: "Your school looks at attendance once 10 sessions are recorded",
        },
        {
          label: "Days in a row absent",
          value: "0 school days",
          window: span,
          expected: "Your school gets in touch after 3 days in a row",
        },
        {
          label: "Days since you were last active on the learning platform",
          value: "5 school days",
          window: span,
          expected: "Your school gets in touch after 7 school days without activity",
        },
        {
          label: "Days you were active on the learning platform",
          value: "1 day",
          window: "the last 10 school days (18 Jan – 29 Jan)",
          expected: "Your school looks for 4 or more",
        },
      ],
      dataThrough: "29 Jan 2027",
      openCase: { since: "29 Jan" },
      adviser: "Alex Wilber",
      howToAskForRecord: HOW_TO_ASK_FOR_RECORD,
    });
  });

  it("records the read in the trail of the student's open case, as the student", async () => {
    const zoeCase = await caseOf(ZOE);
    const before = await store.listAudit(policy.id, zoeCase.caseId);
    await shown(aadOf(ZOE));
    const after = await store.listAudit(policy.id, zoeCase.caseId);
    expect(after).toHaveLength(before.length + 1);
    expect(after.at(-1)).toMatchObject({
      actor: "student",
      action: "student_data",
      allowed: true,
      caseId: zoeCase.caseId,
      at: AT,
    });
    expect(JSON.stringify(after.at(-1))).not.toContain(ZOE);
  });

  it("matches the Entra object id in any case", async () => {
    expect(await shown(aadOf(ZOE).toUpperCase())).toEqual(await shown(aadOf(ZOE)));
  });

  it("takes the date of the request in the policy's time zone when no date is given", async () => {
    const result = await myData({
      store,
      directory,
      dataset,
      aadObjectId: aadOf(ZOE),
      at: "2027-01-29T23:30:00.000Z",
      calendars: buildCalendars(dataset),
    });
    expect(result).toEqual(await ask(aadOf(ZOE)));
  });

  it("shows another student their own data only, and audits nothing without a case", async () => {
    const trail = await store.listAudit(UNATTRIBUTED, "");
    const view = await shown(aadOf(BEN));
    expect(await store.listAudit(UNATTRIBUTED, "")).toHaveLength(trail.length);
    expect(await caseOf(BEN)).toBeUndefined();

    const values = studentValues({
      dataset,
      calendars: buildCalendars(dataset),
      policy,
      asOf: parseIsoDate(AS_OF) as number,
      studentId: BEN,
    });
    const rate = values?.values.find((v) => v.metric === "attendance_rate")?.value as number;
    expect(view.firstName).toBe("Ben");
    expect(view.measures[0]).toMatchObject({
      label: "Attendance",
      value: `${Math.floor(rate * 1000) / 10}% of sessions`,
    });
    expect(view.measures[0].value).not.toBe("66.6% of sessions");
    expect(view.openCase).toBeUndefined();
    const text = JSON.stringify(view);
    expect(text).not.toContain("Zoe");
    expect(text).not.toContain(ZOE);
  });

  it("says 'not enough data yet' for what cannot be known of a student with no data", async () => {
    const view = await shown(aadOf(NIA));
    const values = studentValues({
      dataset,
      calendars: buildCalendars(dataset),
      policy,
      asOf: parseIsoDate(AS_OF) as number,
      studentId: NIA,
    });
    expect(values?.values.find((v) => v.metric === "attendance_rate")?.value).toBeNull();
    expect(view.measures.find((m) => m.label === "Attendance")?.value).toBe("not enough data yet");
    expect(view.measures.find((m) => m.label === "Attendance sessions recorded")?.value).toBe(
      "0 sessions",
    );
    // Every unknown value, and only those, reads as not enough data.
    const unknown = values?.values.filter((v) => v.value === null).length;
    expect(view.measures.filter((m) => m.value === "not enough data yet")).toHaveLength(
      unknown as number,
    );
  });
});

describe("my data keeps everything else out", () => {
  it("holds no other student, note, demographics, severity or rule id", async () => {
    const zoeCase = await caseOf(ZOE);
    const note = "Confidential: spoke with family about housing";
    await store.appendCaseEvents({
      policyId: policy.id,
      caseId: zoeCase.caseId,
      expectedVersion: zoeCase.version,
      events: [
        {
          type: "note_added",
          actor: "T-ALEX",
          at: "2027-01-29T10:00:00.000Z",
          version: zoeCase.version,
          noteId: "note-my-data-test",
          text: note,
          visibility: "team",
        },
      ],
    });
    const text = JSON.stringify(await shown(aadOf(ZOE)));
    const data = join(dir, "data");
    const students = readCsv(data, "students.csv");
    const zoe = students.find((s) => s.id === ZOE) as Record<string, string>;
    for (const other of students.filter((s) => s.id !== ZOE)) {
      expect(text).not.toContain(other.id);
      expect(text).not.toContain(other.display_name);
      expect(text).not.toContain(other.aad_object_id);
    }
    expect(text).not.toContain(note);
    expect(text).not.toContain(ZOE);
    expect(text).not.toContain(zoe.aad_object_id);
    expect(text).not.toContain(zoe.display_name); // her first name only
    expect(text).not.toContain(zoeCase.caseId);
    for (const field of ["year", "programme", "cohort", "email", "status", "enrolled"]) {
      expect(text.toLowerCase()).not.toContain(`"${field}`);
    }
    expect(text).not.toContain(`"${zoe.year}"`);
    for (const word of ["severity", '"high"', '"medium"', "risk", "score", "rule"]) {
      expect(text.toLowerCase()).not.toContain(word);
    }
    for (const rule of policy.rules) expect(text).not.toContain(rule.id);
  });

  it("shows a student's own activity next to a cohort rule, never the comparison", async () => {
    const loaded = loadPolicyText(
      `policy:
  id: northfield-online
  name: Northfield online
  schools: [sch1]
  timezone: Europe/London
  schedule: "0 7 * * 1-5"
  window: 45 school days
rules:
  - id: quiet-for-year
    severity: low
    when: { metric: activity_vs_cohort, source: vle, cohort_by: year, measure: percentile, below: 20 }
  - id: late
    severity: low
    when: { metric: tardies, above: 4 }
  - id: hybrid
    severity: low
    when:
      not: { metric: hybrid_engagement, at_least: 0.8 }
`,
      "northfield-online.yaml",
    );
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const both = buildDirectory([policy, loaded.policy], dataset, "2027-01-29T06:00:00.000Z");
    const result = await myData({
      store,
      directory: both,
      dataset,
      aadObjectId: aadOf(ZOE),
      at: AT,
      asOf: AS_OF,
    });
    if (result.kind !== "shown") throw new Error(result.kind);
    const values = studentValues({
      dataset,
      calendars: buildCalendars(dataset),
      policy: loaded.policy,
      asOf: parseIsoDate(AS_OF) as number,
      studentId: ZOE,
    });
    const cohort = values?.values.find((v) => v.metric === "activity_vs_cohort");
    const own = cohort?.ownActivity as number;
    const measures = result.view.measures;
    expect(measures).toHaveLength(5 + 3);
    expect(measures[5]).toEqual({
      label: "Activity on the learning platform",
      value: `${own} ${own === 1 ? "activity" : "activities"} recorded`,
      window: "the last 45 school days (16 Nov 2026 – 29 Jan 2027)",
      expected: "Your school compares this with the usual level in your year group",
    });
    expect(measures[6]).toMatchObject({
      label: "Late arrivals",
      value: "none",
      expected: "Your school gets in touch at 5 or more late arrivals",
    });
    expect(measures[7]).toMatchObject({
      label: "Days you attended or were active online",
      value: "71.1% of school days",
      expected: "Your school looks for 80% or more",
    });
    expect(result.view.sources).toEqual([
      "attendance registers",
      "activity in Microsoft Teams (teams)",
      "activity on the learning platform (vle)",
    ]);
    const text = JSON.stringify(result.view).toLowerCase();
    for (const word of ["percentile", "median", "cohort", "other students"]) {
      expect(text).not.toContain(word);
    }
  });
});

describe("my data refuses anyone who is not the student", () => {
  it("tells an unknown Entra object id nothing, and audits the refusal", async () => {
    const before = await store.listAudit(UNATTRIBUTED, "");
    const stranger = "99999999-0000-4000-8000-000000000001";
    expect(await ask(stranger)).toEqual({ kind: "not_a_student" });
    expect(await ask(undefined)).toEqual({ kind: "not_a_student" });
    const after = await store.listAudit(UNATTRIBUTED, "");
    expect(after.slice(before.length)).toMatchObject([
      {
        actor: `aad:${stranger}`,
        action: "student_data",
        allowed: false,
        refusal: "not_authorised",
      },
      { actor: "unknown", action: "student_data", allowed: false, refusal: "not_authorised" },
    ]);
  });

  it("tells a member of staff nothing about any student, and audits it as theirs", async () => {
    const before = await store.listAudit(UNATTRIBUTED, "");
    expect(await ask(ALEX_AAD)).toEqual({ kind: "not_a_student" });
    const after = await store.listAudit(UNATTRIBUTED, "");
    expect(after.slice(before.length)).toMatchObject([
      { actor: "T-ALEX", action: "student_data", allowed: false, refusal: "not_authorised" },
    ]);
  });

  it("refuses an Entra object id that is both a student's and a staff member's", async () => {
    const students = dataset.students.map((s) =>
      s.id === BEN ? { ...s, aadObjectId: ALEX_AAD } : s,
    );
    const mixed = buildDirectory([policy], { staff: dataset.staff, students }, "x");
    expect(mixed.studentByAad(ALEX_AAD)?.id).toBe(BEN);
    const result = await myData({
      store,
      directory: mixed,
      dataset,
      aadObjectId: ALEX_AAD,
      at: AT,
      asOf: AS_OF,
    });
    expect(result).toEqual({ kind: "not_a_student" });
  });

  it("names nobody by an Entra object id two students share", () => {
    const shared = "5a1d0000-0000-4000-8000-00000000abcd";
    const students = dataset.students.map((s) =>
      s.id === BEN || s.id === ZOE ? { ...s, aadObjectId: shared } : s,
    );
    const twice = buildDirectory([policy], { staff: dataset.staff, students }, "x");
    expect(twice.studentByAad(shared)).toBeUndefined();
    expect(twice.studentByAad(aadOf(NIA))?.id).toBe(NIA);
    expect(twice.studentByAad(undefined)).toBeUndefined();
  });
});

describe("my data without data", () => {
  it("says there is no data before the first import", async () => {
    expect(await ask(aadOf(ZOE), { dataset: undefined })).toEqual({ kind: "no_data" });
  });

  it("says there is no data for a student whose school no policy covers", async () => {
    const elsewhere = dataset.students.find((s) => s.school !== "sch1")?.id as string;
    expect(await ask(aadOf(elsewhere))).toEqual({ kind: "no_data" });
  });
});
