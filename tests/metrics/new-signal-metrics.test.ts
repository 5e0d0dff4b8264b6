/**
 * active_days and assessment_score on the OULAD extract in tests/fixtures/oulad-mini.
 * AAA-2013J starts on 2013-10-01 (day 0); values counted by hand from the fixture's
 * studentVle.csv and studentAssessment.csv.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCalendars } from "../../src/calendar/index.ts";
import type { ImportResult } from "../../src/data/adapters/adapter.ts";
import { importOulad } from "../../src/data/adapters/oulad.ts";
import { parseIsoDate } from "../../src/data/dates.ts";
import { computeMetric, type MetricName, type MetricParams } from "../../src/metrics/index.ts";
import { policyScope } from "../../src/rules/index.ts";
import { loadPolicyText } from "../../src/rules/loader.ts";

const DIR = join(import.meta.dirname, "../fixtures/oulad-mini");
const POLICY = `policy:
  id: mini
  name: Mini
  schools: [AAA]
  timezone: Europe/London
  schedule: "0 7 * * 1-5"
rules:
  - id: r
    severity: low
    when: { metric: active_days, source: vle, window: 14 school days, at_most: 1 }
`;

let imported: ImportResult;
beforeAll(async () => {
  imported = await importOulad(DIR);
});

function value(studentId: string, date: string, metric: MetricName, params: MetricParams = {}) {
  const loaded = loadPolicyText(POLICY, "mini.yaml");
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const scope = policyScope({
    dataset: imported.dataset,
    policy: loaded.policy,
    asOf: parseIsoDate(date) as number,
    calendars: buildCalendars(imported.dataset),
  });
  const ctx = scope.contextOf(studentId);
  if (!ctx) throw new Error(`no context for ${studentId}`);
  return computeMetric(metric, ctx, params, true);
}

describe("active_days", () => {
  it("counts the days with clicks in the window, not the clicks", () => {
    // 11391: 17 clicks on day 0 (three rows), 2 on day 1; day -5 is before the calendar,
    // so before the window's first school day (day 0).
    const r = value("AAA-2013J-11391", "2013-10-11", "active_days", {
      source: "vle",
      windowDays: 14,
    });
    expect(r.value).toBe(2);
    expect(r.evidence).toBe("vle activity on 2 days between 2013-10-01 and 2013-10-11");
  });

  it("leaves out rejected rows and days outside a shorter window", () => {
    // 28400: day 0 (11 clicks); the rows of days 3.5 and 5 were rejected by the import.
    expect(value("AAA-2013J-28400", "2013-10-11", "active_days", { source: "vle" }).value).toBe(1);
    // A 10-school-day window ending on day 10 starts on day 1: day 0 is outside it.
    expect(value("AAA-2013J-28400", "2013-10-11", "active_days", { windowDays: 10 }).value).toBe(0);
  });
});

describe("assessment_score", () => {
  it("is the lowest mark of the assessments due in the window and handed in", () => {
    // 11391 handed in assessment 1752 (due day 19) on day 18 with 78.
    const r = value("AAA-2013J-11391", "2013-10-26", "assessment_score");
    expect(r.value).toBe(78);
    expect(r.evidence).toBe(
      "lowest mark 78 of 1 marked assessment due between 2013-10-01 and 2013-10-26: 1752 78 (due 2013-10-20)",
    );
  });

  it("is unknown before the work is handed in, and counts it from the day it is", () => {
    // 28400 handed 1752 in on day 22 (2013-10-23) with 70.
    expect(value("AAA-2013J-28400", "2013-10-22", "assessment_score").value).toBeNaN();
    expect(value("AAA-2013J-28400", "2013-10-23", "assessment_score").value).toBe(70);
  });
});

describe("OULAD outcomes", () => {
  it("are kept beside the data set, dated by withdrawal or the presentation's end", () => {
    const byId = new Map((imported.outcomes ?? []).map((o) => [o.studentId, o]));
    // 30268 withdrew on day 12 of AAA-2013J (2013-10-13).
    expect(byId.get("AAA-2013J-30268")).toEqual({
      studentId: "AAA-2013J-30268",
      date: parseIsoDate("2013-10-13"),
      outcome: "Withdrawn",
    });
    // 630346 failed BBB-2013B: dated on its last day, day 240 (2013-09-29).
    expect(byId.get("BBB-2013B-630346")?.date).toBe(parseIsoDate("2013-09-29"));
    // Nothing of it reaches the students of the data set.
    expect(JSON.stringify(imported.dataset.students)).not.toContain("Withdrawn");
  });
});
