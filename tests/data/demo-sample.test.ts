/**
 * The sample school in samples/ is one whose cases can all be worked: every student the
 * demo policy would open a case for has an adviser on the staff roster, every school has
 * an adviser and an engagement lead, the Agents Playground's users are the staff they are
 * meant to be, the student signed in to the demo's second Playground is a student of the
 * data with a Northfield case advised by the demo's adviser, and the bundle is exactly
 * what the command in samples/README.md writes.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { generateBundle, SCHOOLS } from "../../bench/engine/generate.ts";
import { mayWorkOn, rosterOf } from "../../src/cases/index.ts";
import { importCanonical } from "../../src/data/adapters/canonical.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import { DEMO } from "../../src/demo/tenant.ts";
import { loadPolicyFile, type Policy } from "../../src/rules/index.ts";
import { dryRun } from "../../src/run/index.ts";

const ROOT = join(import.meta.dirname, "../..");
const SAMPLE = join(ROOT, "samples/demo-school");
const POLICY = join(ROOT, "samples/demo-policy.yaml");
const PLAYGROUND = join(ROOT, "samples/teams-demo/playground.yml");
const STUDENT_PLAYGROUND = join(ROOT, "samples/teams-demo/playground-student.yml");
const STUDENT_ACCOUNTS = join(ROOT, "samples/teams-demo/student-accounts.csv");
const NORTHFIELD = join(ROOT, "samples/teams-demo/northfield-policy.yaml");
const AS_OF = parseIsoDate("2027-01-29") as number;
const FILES = ["students.csv", "calendar.csv", "attendance.csv", "activity.csv", "staff.csv"];

const scratch = mkdtempSync(join(tmpdir(), "reach-demo-sample-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function demoPolicy(path = POLICY): Promise<Policy> {
  const loaded = await loadPolicyFile(path);
  if (!loaded.ok) throw new Error(`${path} does not load`);
  return loaded.policy;
}

interface PlaygroundUser {
  id: string;
  name: string;
  aadObjectId: string;
  givenName: string;
  surname: string;
}

interface PlaygroundConfig {
  tenantId: string;
  bot: { id: string };
  currentUser: PlaygroundUser;
  users: PlaygroundUser[];
  personalChat: { id: string };
  groupChat: { id: string };
  team: { id: string; aadGroupId: string; channels: { id: string }[] };
}

const playgroundConfig = (path: string) => parse(readFileSync(path, "utf8")) as PlaygroundConfig;

/**
 * The students of the demo policy's findings on `dir` and, for each, the advisers on the
 * staff roster whose id is among the student's adviser_ids and who may work on the case.
 */
async function advisersOfFindings(dir: string): Promise<Map<string, string[]>> {
  const policy = await demoPolicy();
  const run = await dryRun({ policy, source: "canonical", dataDir: dir, asOf: AS_OF });
  const { dataset } = run;
  const roster = rosterOf(dataset.staff);
  const advisers = new Map<string, string[]>();
  for (const finding of run.findings) {
    const student = dataset.students[dataset.studentIndex.get(finding.studentId) as number];
    if (student === undefined) throw new Error(`no student ${finding.studentId}`);
    const subject = { student, school: student.school, policy };
    advisers.set(
      student.id,
      dataset.staff
        .filter((s) => s.roles.includes("adviser") && student.adviserIds.includes(s.id))
        .filter((s) => mayWorkOn(s.id, subject, roster).allowed)
        .map((s) => s.id),
    );
  }
  return advisers;
}

const withoutAdviser = (advisers: Map<string, string[]>) =>
  [...advisers].filter(([, ids]) => ids.length === 0).map(([id]) => id);

describe("the demo policy on the sample school", () => {
  it("finds the same 85 students as before advisers were linked, each with an adviser who may act", async () => {
    const advisers = await advisersOfFindings(SAMPLE);
    // 85 of 200 at 2027-01-29 (54 high, 31 medium): linking advisers changed no finding.
    expect(advisers.size).toBe(85);
    expect(withoutAdviser(advisers)).toEqual([]);
  });

  it("has no workable case with the made-up adviser ids of a bundle generated without --staff", async () => {
    // The students.csv the sample had before: the same command without --staff.
    const old = generateBundle({
      students: 200,
      days: 90,
      seed: 7,
      out: join(scratch, "without-staff"),
      manifest: false,
    });
    copyFileSync(join(SAMPLE, "staff.csv"), join(old.out, "staff.csv"));
    expect(readFileSync(join(old.out, "students.csv"), "utf8")).toMatch(
      /^S000001,[^,]+,sch1,Y10,T0120,/m,
    );
    const advisers = await advisersOfFindings(old.out);
    expect(advisers.size).toBe(85);
    expect(withoutAdviser(advisers)).toHaveLength(85);
  });
});

describe("the sample's staff roster", async () => {
  const { dataset, report } = await importCanonical(SAMPLE);
  const staff = dataset.staff;

  it("imports without a rejection", () => {
    expect(report.rowsRejected).toBe(0);
    expect(staff).toHaveLength(13);
  });

  it("gives every school an adviser and an engagement lead, with unique object ids", () => {
    for (const school of SCHOOLS) {
      const at = staff.filter((s) => s.school === school);
      expect(
        at.some((s) => s.roles.includes("adviser")),
        `${school} adviser`,
      ).toBe(true);
      expect(
        at.some((s) => s.roles.includes("engagement_lead")),
        `${school} lead`,
      ).toBe(true);
    }
    const aad = staff.map((s) => s.aadObjectId?.toLowerCase());
    expect(aad.every((a) => a !== undefined)).toBe(true);
    expect(new Set(aad).size).toBe(staff.length);
  });

  it("matches the Agents Playground's users: four on the roster, two not", () => {
    const config = playgroundConfig(PLAYGROUND);
    const users = [config.currentUser, ...config.users];
    const byAad = new Map(staff.map((s) => [s.aadObjectId, s]));
    expect(
      users.map((u) => {
        const s = byAad.get(u.aadObjectId);
        return [u.name, s && [s.name, s.school, s.roles.join(";")]];
      }),
    ).toEqual([
      ["Alex Wilber", ["Alex Wilber", "sch1", "adviser"]],
      ["Megan Bowen", ["Megan Bowen", "sch2", "adviser"]],
      ["Adele Vance", ["Adele Vance", "sch1", "engagement_lead"]],
      ["Isaiah Langer", ["Isaiah Langer", "sch1", "support_officer"]],
      ["Patti Fernandez", undefined],
      ["Lynne Robbins", undefined],
    ]);
  });

  it("is what samples/README.md's generator command writes", () => {
    const again = generateBundle({
      students: 200,
      days: 90,
      seed: 7,
      staff: join(SAMPLE, "staff.csv"),
      studentAccounts: STUDENT_ACCOUNTS,
      out: join(scratch, "again"),
      manifest: false,
    });
    for (const file of FILES) {
      expect(
        readFileSync(join(again.out, file)).equals(readFileSync(join(SAMPLE, file))),
        file,
      ).toBe(true);
    }
  });
});

describe("the student of the Teams demo's second Playground", async () => {
  const { dataset } = await importCanonical(SAMPLE);
  const student = DEMO.student;
  const config = playgroundConfig(STUDENT_PLAYGROUND);
  const staffConfig = playgroundConfig(PLAYGROUND);

  it("is signed in there with the name and Entra object id students.csv gives them", () => {
    const row = dataset.students.find((s) => s.id === student.studentId);
    expect(row).toMatchObject({
      displayName: student.name,
      preferredName: student.preferredName,
      aadObjectId: student.aad,
      school: "sch1",
      adviserIds: ["T-ALEX"],
    });
    expect(config.currentUser).toMatchObject({
      id: student.id,
      name: student.name,
      aadObjectId: student.aad,
      givenName: student.name.split(" ")[0],
      surname: student.name.split(" ")[1],
    });
    expect(config.personalChat.id).toBe(student.personalChatId);
    // The same tenant and bot as the adviser's Playground.
    expect(config.tenantId).toBe(DEMO.tenantId);
    expect(config.bot.id).toBe(DEMO.botId);
    expect(staffConfig.currentUser.aadObjectId).not.toBe(student.aad);
  });

  it("is the only student with a Teams account in the sample, whose preferred name is set", () => {
    const withAccount = dataset.students.filter(
      (s) => s.aadObjectId !== undefined || s.preferredName !== undefined,
    );
    expect(withAccount.map((s) => s.id)).toEqual([student.studentId]);
  });

  it("shares no user, chat, team or object id with the adviser's Playground or the staff roster", () => {
    const ids = (c: PlaygroundConfig) => [
      c.currentUser.id,
      ...c.users.map((u) => u.id),
      c.personalChat.id,
      c.groupChat.id,
      c.team.id,
      c.team.aadGroupId,
      ...c.team.channels.map((ch) => ch.id),
    ];
    const shared = ids(config).filter((id) => ids(staffConfig).includes(id));
    expect(shared).toEqual([]);
    const staffAad = new Set([
      ...dataset.staff.map((s) => s.aadObjectId?.toLowerCase()),
      ...[staffConfig.currentUser, ...staffConfig.users].map((u) => u.aadObjectId.toLowerCase()),
    ]);
    const studentAad = [config.currentUser, ...config.users].map((u) =>
      u.aadObjectId.toLowerCase(),
    );
    expect(studentAad.filter((a) => staffAad.has(a))).toEqual([]);
  });

  it("cannot be given a member of staff's object id: the generator refuses it", () => {
    const accounts = join(scratch, "clashing-accounts.csv");
    writeFileSync(
      accounts,
      `id,display_name,preferred_name,aad_object_id\n${student.studentId},${student.name},${student.preferredName},${dataset.staff[0]?.aadObjectId}\n`,
    );
    expect(() =>
      generateBundle({
        students: 200,
        days: 90,
        seed: 7,
        staff: join(SAMPLE, "staff.csv"),
        studentAccounts: accounts,
        out: join(scratch, "clashing"),
        manifest: false,
      }),
    ).toThrow(/is a member of staff's/);
  });

  it("has a Northfield case, advised by the demo's adviser, whatever weekday the demo runs on", async () => {
    // The demo's data ends on its "today" (a weekday of the sample's last week, moved).
    const policy = await demoPolicy(NORTHFIELD);
    const roster = rosterOf(dataset.staff);
    for (const day of ["2027-01-25", "2027-01-26", "2027-01-27", "2027-01-28", "2027-01-29"]) {
      const run = await dryRun({
        policy,
        source: "canonical",
        dataDir: SAMPLE,
        asOf: parseIsoDate(day) as number,
      });
      expect(
        run.findings.map((f) => f.studentId),
        day,
      ).toContain(student.studentId);
    }
    const row = dataset.students.find((s) => s.id === student.studentId);
    if (row === undefined) throw new Error(`no student ${student.studentId}`);
    const subject = { student: row, school: row.school, policy };
    expect(mayWorkOn("T-ALEX", subject, roster).allowed).toBe(true);
  });
});
