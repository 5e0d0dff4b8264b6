/**
 * The check of a policy against its data, on small hand-made data: values the data does not
 * have (schools, sources, kinds, cohort fields) are errors at the line and column they are
 * written; what the data may legitimately lack yet (statuses, a stream, staff) are
 * warnings; and data older than `max_data_age` school days before the run's date is an
 * error, counted on the schools' calendars and in weekdays beyond them.
 */
import { describe, expect, it } from "vitest";
import { buildCalendars } from "../../src/calendar/school-calendar.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import type { Staff } from "../../src/data/schema.ts";
import {
  checkPolicyAgainstData,
  type DataCheck,
  formatDataProblem,
  schoolDaysAfter,
} from "../../src/rules/data-check.ts";
import { loadPolicyText } from "../../src/rules/loader.ts";
import type { Policy } from "../../src/rules/policy.ts";
import { buildDataset, type DatasetSpec, day, weekdays } from "../helpers/build-dataset.ts";

/** Policy text: line numbers in a test are the array's positions + 1. */
function policy(...lines: string[]): Policy {
  const loaded = loadPolicyText(`${lines.join("\n")}\n`, "p.yaml");
  if (!loaded.ok) {
    throw new Error(loaded.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join("\n"));
  }
  return loaded.policy;
}

const HEADER = (schools = "[sch1]", extra: string[] = []) => [
  "policy:", //                                               1
  "  id: p", //                                               2
  "  name: P", //                                             3
  `  schools: ${schools}`, //                                 4
  "  timezone: Europe/London", //                             5
  '  schedule: "0 7 * * 1-5"', //                             6
  ...extra,
];

const RULE = (id: string, when: string) => [
  `  - id: ${id}`,
  "    severity: low",
  `    when: ${when}`,
];

/** Two school weeks, Mon 2026-09-07 to Fri 2026-09-18. */
const DAYS = weekdays("2026-09-07", "2026-09-18");
const LAST = "2026-09-18";

const STAFF: Staff[] = [
  { id: "t-lead", name: "Lead", school: "sch1", roles: ["engagement_lead"] },
  { id: "t-adv", name: "Adviser", school: "sch1", roles: ["adviser"] },
] as Staff[];

/**
 * sch1: a and b, present every day; a has vle logins and views, b teams logins; a has a
 * cohort, nobody a programme. sch2: c, present every day, no activity.
 */
const SPEC: DatasetSpec = {
  students: [
    { id: "a", school: "sch1", cohort: "y10-a", adviserIds: ["t-adv"] },
    { id: "b", school: "sch1" },
    { id: "c", school: "sch2" },
  ],
  attendance: DAYS.flatMap((d) => [
    ["a", d, "present"],
    ["b", d, "present"],
    ["c", d, "present"],
  ]) as DatasetSpec["attendance"],
  activity: [
    ["a", "2026-09-17", "vle", 2, "login"],
    ["a", LAST, "vle", 1, "view"],
    ["b", LAST, "teams", 3, "login"],
  ],
};

function data(spec: DatasetSpec = SPEC, staff: Staff[] = STAFF): Dataset {
  return { ...buildDataset(spec), staff };
}

function check(p: Policy, d: Dataset = data(), asOf?: string): DataCheck {
  return checkPolicyAgainstData(
    p,
    d,
    buildCalendars(d),
    asOf === undefined ? undefined : day(asOf),
  );
}

const codes = (problems: DataCheck["errors"]) => problems.map((p) => p.code);

describe("values the data does not have", () => {
  it("refuses a source no activity row has, at the value, naming the sources there are", () => {
    const p = policy(
      ...HEADER(),
      "rules:",
      ...RULE("gone-quiet", "{ metric: days_since_activity, source: teamz, at_least: 7 }"),
    );
    const result = check(p);
    expect(result.errors).toEqual([
      {
        code: "unknown_source",
        file: "p.yaml",
        // Line 10 `    when: { metric: days_since_activity, source: teamz, at_least: 7 }`:
        // teamz starts at column 50.
        line: 10,
        column: 50,
        message:
          'rule gone-quiet: source "teamz" is not in the data (sources in the data: teams, vle)',
        hint: "did you mean teams?",
      },
    ]);
    expect(formatDataProblem(result.errors[0])).toBe(
      'p.yaml:10:50 rule gone-quiet: source "teamz" is not in the data (sources in the data: teams, vle) (did you mean teams?)',
    );
  });

  it("refuses a school that is nowhere in the data, and only that one", () => {
    const p = policy(
      ...HEADER("[sch1, schh2]"),
      "rules:",
      ...RULE("low", "{ metric: attendance_rate, below: 0.9 }"),
    );
    const result = check(p);
    expect(result.errors).toEqual([
      {
        code: "unknown_school",
        file: "p.yaml",
        // Line 4 `  schools: [sch1, schh2]`: schh2 starts at column 19.
        line: 4,
        column: 19,
        message: 'school "schh2" is not in the data (schools in the data: sch1, sch2)',
        hint: "did you mean sch2?",
      },
    ]);
  });

  it('accepts "*" for every school, and warns when a policy reaches no student', () => {
    const all = policy(
      ...HEADER('["*"]'),
      "rules:",
      ...RULE("low", "{ metric: attendance_rate, below: 0.9 }"),
    );
    expect(check(all).errors).toEqual([]);
    // sch3 has a calendar but no students: known, so not an error; but nobody is evaluated.
    const empty = data({ ...SPEC, calendar: { sch3: DAYS } });
    const none = policy(
      ...HEADER("[sch3]"),
      "rules:",
      ...RULE("low", "{ metric: attendance_rate, below: 0.9 }"),
    );
    const result = check(none, empty);
    expect(result.errors).toEqual([]);
    expect(codes(result.warnings)).toEqual(["no_students_in_scope"]);
  });

  it("refuses a kind no activity has, and a kind its source never has", () => {
    const p = policy(
      ...HEADER(),
      "rules:",
      ...RULE("typo", "{ metric: activity_count, kind: logn, below: 1 }"),
      ...RULE("pair", "{ metric: activity_count, source: teams, kind: view, below: 1 }"),
    );
    const result = check(p);
    // The kinds as written: `logn` at line 10 column 43, `view` at line 13 column 58.
    expect(result.errors.map((e) => [e.line, e.column, e.message, e.hint])).toEqual([
      [
        10,
        43,
        'rule typo: kind "logn" is not in the data (kinds in the data: login, view)',
        "did you mean login?",
      ],
      [
        13,
        58,
        'rule pair: no teams activity has kind "view" (kinds of teams activity: login)',
        undefined,
      ],
    ]);
  });

  it("refuses a cohort_by field no student in scope has, naming the fields they have", () => {
    const p = policy(
      ...HEADER(),
      "rules:",
      ...RULE("far-below", "{ metric: activity_vs_cohort, cohort_by: programme, below: 0.5 }"),
    );
    expect(check(p).errors).toEqual([
      {
        code: "no_cohort_values",
        file: "p.yaml",
        // `programme` starts at column 52.
        line: 10,
        column: 52,
        message:
          "rule far-below: no student of the policy's schools has a programme, so activity_vs_cohort (cohort_by: programme) can never be computed",
        // a has a cohort; every student has a school; nobody a section, year or programme.
        hint: "group by a field the students have: cohort, school",
      },
    ]);
  });

  it("reports a disabled rule's mistakes as warnings: it does not run", () => {
    const p = policy(
      ...HEADER(),
      "rules:",
      ...RULE("on", "{ metric: attendance_rate, below: 0.9 }"),
      ...RULE("off", "{ metric: days_since_activity, source: teamz, at_least: 7 }"),
      "    enabled: false",
    );
    const result = check(p);
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => w.message)).toEqual([
      'rule off (disabled): source "teamz" is not in the data (sources in the data: teams, vle)',
    ]);
  });
});

describe("what the data may not have yet: warnings", () => {
  it("warns about a metric with no data for the policy's students", () => {
    const p = policy(
      ...HEADER("[sch2]"),
      "rules:",
      ...RULE("quiet", "{ metric: days_since_activity, at_least: 5 }"),
      ...RULE("missed", "{ metric: missed_submissions, at_least: 1 }"),
      ...RULE("low", "{ metric: attendance_rate, below: 0.9 }"),
    );
    // sch2's only student, c, has attendance but no activity and no submissions; and sch2
    // has no staff.
    const result = check(p);
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => [w.code, w.line, w.message])).toEqual([
      [
        "no_data_for_metric",
        10,
        "rule quiet: no activity is recorded for the policy's students, so days_since_activity has no data",
      ],
      [
        "no_data_for_metric",
        13,
        "rule missed: no submissions are recorded for the policy's students, so missed_submissions has no data",
      ],
      ["no_engagement_lead", 4, expect.stringContaining("no member of staff of sch2")],
      ["no_adviser", 4, expect.stringContaining("access: advisees")],
    ]);
  });

  it("warns about absent statuses the attendance never records, where they are written", () => {
    const p = policy(
      ...HEADER(undefined, ["  absent_statuses: [unexcused_absence, excused_absence]"]),
      "rules:",
      ...RULE("low", "{ metric: attendance_rate, below: 0.9 }"),
      ...RULE("late", "{ metric: absences, kind: tardy, at_least: 3 }"),
    );
    const result = check(p);
    // The data records only `present`. `tardy` is at line 14 column 37; the policy's list at
    // line 7 column 20.
    expect(result.warnings.map((w) => [w.line, w.column, w.message])).toEqual([
      [
        14,
        37,
        "rule late: tardy is never recorded in the attendance (statuses in the data: present)",
      ],
      [
        7,
        20,
        "absent_statuses: unexcused_absence, excused_absence are never recorded in the attendance (statuses in the data: present)",
      ],
    ]);
  });
});

describe("who could act on a case", () => {
  const rules = ["rules:", ...RULE("low", "{ metric: attendance_rate, below: 0.9 }")];

  it("warns when the policy's schools have no engagement lead", () => {
    const result = check(policy(...HEADER(), ...rules), data(SPEC, STAFF.slice(1)));
    expect(codes(result.warnings)).toEqual(["no_engagement_lead"]);
    expect(result.warnings[0].message).toBe(
      "no member of staff of sch1 has the role engagement_lead: nobody may decide the policy's escalations",
    );
  });

  it("with access: advisees, warns when no student's adviser id is on the staff roster", () => {
    const p = policy(...HEADER(undefined, ["  access: advisees"]), ...rules);
    // a's adviser t-adv is on the roster: no warning.
    expect(check(p).warnings).toEqual([]);
    const renamed = STAFF.map((s) => (s.id === "t-adv" ? { ...s, id: "T-ADV" } : s));
    const result = check(p, data(SPEC, renamed));
    expect(result.warnings.map((w) => [w.code, w.line, w.column, w.message])).toEqual([
      [
        "no_adviser",
        7,
        11,
        "access: advisees, but no student of the policy has an adviser or support officer on the staff roster: only an engagement lead may act on its cases",
      ],
    ]);
  });

  it("with access: school, warns when no adviser or support officer works in its schools", () => {
    const p = policy(...HEADER(undefined, ["  access: school"]), ...rules);
    expect(check(p).warnings).toEqual([]);
    const elsewhere = STAFF.map((s) => (s.id === "t-adv" ? { ...s, school: "sch2" } : s));
    expect(check(p, data(SPEC, elsewhere)).warnings.map((w) => w.message)).toEqual([
      "access: school, but no adviser or support officer works in sch1: only an engagement lead may act on the policy's cases",
    ]);
  });
});

describe("freshness", () => {
  const attendanceOnly = (extra: string[] = []) =>
    policy(
      ...HEADER(undefined, extra),
      "rules:",
      ...RULE("low", "{ metric: attendance_rate, below: 0.9 }"),
    );

  it("accepts data that reaches the run's date, and gives each stream's last date", () => {
    const result = check(attendanceOnly(), data(), LAST);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.streams).toEqual([
      { stream: "attendance", used: true, last: LAST, schoolDaysOld: 0 },
      { stream: "activity", used: false, last: LAST, schoolDaysOld: 0 },
      { stream: "activity:teams", used: false, last: LAST, schoolDaysOld: 0 },
      { stream: "activity:vle", used: false, last: LAST, schoolDaysOld: 0 },
    ]);
  });

  it("accepts data 3 school days old by default, and says so; 4 is refused", () => {
    // The calendar is derived from the attendance days, so it ends on Fri 09-18; after it,
    // weekdays count: Mon 21, Tue 22, Wed 23.
    const wednesday = check(attendanceOnly(), data(), "2026-09-23");
    expect(wednesday.errors).toEqual([]);
    expect(wednesday.warnings.map((w) => [w.code, w.message])).toEqual([
      [
        "as_of_after_data",
        "attendance data ends 2026-09-18, 3 school days before 2026-09-23 (within max_data_age: 3 school days)",
      ],
    ]);
    const thursday = check(attendanceOnly(), data(), "2026-09-24");
    expect(thursday.errors.map((e) => e.message)).toEqual([
      "attendance data ends 2026-09-18, 4 school days before 2026-09-24 (max_data_age: 3 school days)",
    ]);
  });

  it("refuses data months old, counting the weekdays between", () => {
    // After Fri 2026-09-18 to Fri 2026-12-18: September 21–30 has 8 weekdays, October 22,
    // November 21, December 1–18 14: 65.
    const result = check(attendanceOnly(), data(), "2026-12-18");
    expect(result.errors).toEqual([
      {
        code: "stale_data",
        file: "p.yaml",
        message:
          "attendance data ends 2026-09-18, 65 school days before 2026-12-18 (max_data_age: 3 school days)",
        hint: "import newer data, or evaluate a date the data reaches",
      },
    ]);
    expect(formatDataProblem(result.errors[0])).toMatch(/^p\.yaml: attendance data ends/);
  });

  it("does not count a two-week break in the school calendar as stale", () => {
    // Term: weekdays 2026-12-01 to 2027-01-15 without 12-21 to 01-01; data to Fri 12-18.
    const term = weekdays("2026-12-01", "2027-01-15");
    const open = term.filter((d) => d < "2026-12-21" || d > "2027-01-01");
    const taught = open.filter((d) => d <= "2026-12-18");
    const spec: DatasetSpec = {
      students: [{ id: "a", school: "sch1", adviserIds: ["t-adv"] }],
      attendance: taught.map((d) => ["a", d, "present"]),
    };
    // With the calendar, after 12-18 up to Tue 01-05: Mon 4, Tue 5 — 2 school days.
    const withCalendar = check(
      attendanceOnly(),
      data({ ...spec, calendar: { sch1: open } }),
      "2027-01-05",
    );
    expect(withCalendar.errors).toEqual([]);
    expect(withCalendar.streams[0]).toMatchObject({ last: "2026-12-18", schoolDaysOld: 2 });
    // Without it (the calendar ends with the attendance), the break is ten weekdays: 12.
    const without = check(attendanceOnly(), data(spec), "2027-01-05");
    expect(without.errors.map((e) => e.message)).toEqual([
      "attendance data ends 2026-12-18, 12 school days before 2027-01-05 (max_data_age: 3 school days)",
    ]);
  });

  it("with max_data_age: 0, refuses data that misses the run's own date, at the key", () => {
    const strict = attendanceOnly(["  max_data_age: 0"]);
    expect(strict.maxDataAgeDays).toBe(0);
    expect(check(strict, data(), LAST).errors).toEqual([]);
    const monday = check(strict, data(), "2026-09-21");
    expect(monday.errors.map((e) => formatDataProblem(e))).toEqual([
      "p.yaml:7:17 attendance data ends 2026-09-18, 1 school day before 2026-09-21 (max_data_age: 0 school days) (import newer data, or evaluate a date the data reaches)",
    ]);
    // Saturday after the data: no school day between, still said.
    const saturday = check(strict, data(), "2026-09-19");
    expect(saturday.errors).toEqual([]);
    expect(saturday.warnings.map((w) => w.message)).toEqual([
      "attendance data ends 2026-09-18, before 2026-09-19 but with no school day between",
    ]);
  });

  it("judges only the streams the rules read, per activity source", () => {
    // vle activity stops on 09-04, before the attendance (to 09-18) does.
    const spec: DatasetSpec = {
      ...SPEC,
      activity: [
        ["a", "2026-09-04", "vle", 1, "login"],
        ["b", LAST, "teams", 1, "login"],
      ],
    };
    expect(check(attendanceOnly(), data(spec), LAST).errors).toEqual([]);
    const vle = policy(
      ...HEADER(),
      "rules:",
      ...RULE("quiet", "{ metric: days_since_activity, source: vle, at_least: 5 }"),
    );
    // After Fri 09-04: Mon 7 to Fri 18 on sch1's calendar (the attendance days): 10.
    expect(check(vle, data(spec), LAST).errors.map((e) => e.message)).toEqual([
      "vle activity ends 2026-09-04, 10 school days before 2026-09-18 (max_data_age: 3 school days)",
    ]);
    // Activity from any source: teams reaches 09-18.
    const any = policy(
      ...HEADER(),
      "rules:",
      ...RULE("quiet", "{ metric: days_since_activity, at_least: 5 }"),
    );
    expect(check(any, data(spec), LAST).errors).toEqual([]);
  });

  it("is not judged without a date, but the last dates are given", () => {
    const result = check(attendanceOnly(), data());
    expect(result.errors).toEqual([]);
    expect(result.streams[0]).toEqual({ stream: "attendance", used: true, last: LAST });
  });
});

describe("schoolDaysAfter", () => {
  it("counts a calendar's school days where it covers the dates, weekdays beyond", () => {
    const d = data({ students: [{ id: "a", school: "s" }], calendar: { s: ["2026-09-07"] } });
    const calendars = [...buildCalendars(d).values()];
    // After Mon 09-07 (the calendar's only day) to Mon 09-14: Tue 8 … Fri 11, Mon 14.
    expect(schoolDaysAfter(day("2026-09-07"), day("2026-09-14"), calendars)).toBe(5);
    expect(schoolDaysAfter(day("2026-09-07"), day("2026-09-07"), calendars)).toBe(0);
  });
});

describe("loading max_data_age", () => {
  const load = (value: string) =>
    loadPolicyText(
      [
        ...HEADER(undefined, [`  max_data_age: ${value}`]),
        "rules:",
        ...RULE("low", "{ metric: attendance_rate, below: 0.9 }"),
        "",
      ].join("\n"),
      "p.yaml",
    );

  it("takes school days like every other duration, 3 by default", () => {
    expect(
      policy(...HEADER(), "rules:", ...RULE("low", "{ metric: tardies, at_least: 3 }"))
        .maxDataAgeDays,
    ).toBe(3);
    const five = load("5 school days");
    expect(five.ok && five.policy.maxDataAgeDays).toBe(5);
    const days = load("2 days");
    expect(days.ok && days.policy.maxDataAgeDays).toBe(2);
  });

  it("refuses anything else at its line and column", () => {
    const week = load("1 week");
    expect(week.ok).toBe(false);
    if (!week.ok) {
      expect(week.errors.map((e) => [e.line, e.column, e.message, e.hint])).toEqual([
        [
          7,
          17,
          'max_data_age: expected school days like "10 school days", got "1 week"',
          'durations are in school days: write "5 school days"',
        ],
      ]);
    }
    const negative = load("-1");
    expect(negative.ok).toBe(false);
    if (!negative.ok) expect(negative.errors[0]).toMatchObject({ line: 7, column: 17 });
  });
});
