/**
 * Event rows read in parts are written by the workers straight into the data set's
 * columns (data/place-by-student.ts). The result must be exactly what joining the same
 * parts on one thread gives (DatasetBuilder.addAttendancePart / addActivityPart, then
 * build): the same columns, section, source and kind names, and the same repeated
 * sessions reported on the same lines. Generated parts cover rows in order, rows out of
 * order within a part and across parts, repeats and conflicts, minutes and sections in
 * some parts only, and students with no rows.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AttendancePlan, DatasetBuilder, type PartCount } from "../../src/data/dataset.ts";
import { ActivityColumns, AttendanceColumns } from "../../src/data/event-columns.ts";
import {
  type ActivityRows,
  type AttendanceRows,
  groupActivityRows,
  groupAttendanceRows,
} from "../../src/data/group-by-student.ts";
import { ImportReport } from "../../src/data/import-report.ts";
import {
  countByStudent,
  placeActivityRows,
  placeAttendanceRows,
  placeLines,
  unorderedAtJoins,
} from "../../src/data/place-by-student.ts";
import { StudentRow } from "../../src/data/schema.ts";

const SECTIONS = ["MATH", "ENG", "SCI", "ART"];
const SOURCES = ["vle", "teams", "library"];
const KINDS = ["login", "view", "post"];

interface AttRow {
  student: number;
  day: number;
  status: number;
  minutes: number;
  section: number;
}

interface AttPart {
  rows: AttRow[];
  /** Part-local section names (a worker numbers them in the order it meets them). */
  sections: string[];
}

const attRow = (students: number, days: number, withMinutes: boolean, withSection: boolean) =>
  fc.record({
    student: fc.integer({ min: 0, max: students - 1 }),
    day: fc.integer({ min: 20_000, max: 20_000 + days - 1 }),
    status: fc.integer({ min: 0, max: 6 }),
    minutes: withMinutes ? fc.integer({ min: -1, max: 90 }) : fc.constant(-1),
    section: withSection ? fc.integer({ min: -1, max: SECTIONS.length - 1 }) : fc.constant(-1),
  });

/** Parts of one attendance file: some in date order (the common export), some not. */
const attParts = fc
  .record({
    students: fc.integer({ min: 1, max: 12 }),
    days: fc.integer({ min: 1, max: 8 }),
    parts: fc.integer({ min: 1, max: 3 }),
  })
  .chain(({ students, days, parts }) =>
    fc.record({
      students: fc.constant(students),
      parts: fc.array(
        fc
          .record({
            minutes: fc.boolean(),
            section: fc.boolean(),
            sorted: fc.boolean(),
            order: fc.shuffledSubarray(SECTIONS, { minLength: SECTIONS.length }),
          })
          .chain(({ minutes, section, sorted, order }) =>
            fc
              .array(attRow(students, days, minutes, section), { maxLength: 40 })
              .map((rows): AttPart => {
                const kept = sorted
                  ? [...rows].sort((a, b) => a.day - b.day || a.student - b.student)
                  : rows;
                // Part-local numbers: the order this part happens to meet the names in.
                return {
                  rows: kept.map((r) => ({
                    ...r,
                    section: r.section < 0 ? -1 : order.indexOf(SECTIONS[r.section]),
                  })),
                  sections: order,
                };
              }),
          ),
        { minLength: parts, maxLength: parts },
      ),
    }),
  );

function builder(students: number): DatasetBuilder {
  const b = new DatasetBuilder();
  for (let s = 0; s < students; s++) {
    b.addStudent(StudentRow.parse({ id: `S${s}`, display_name: `S${s}`, school: "sch" }));
  }
  return b;
}

function columnsOf(part: AttPart, lineBase: number): AttendanceRows {
  const c = new AttendanceColumns();
  part.rows.forEach((r, i) => {
    c.add(r.student, r.day, r.status, r.minutes, r.section, lineBase + i, 0);
  });
  return c.values();
}

const lineBases = (parts: readonly { rows: unknown[] }[]) => {
  let line = 2;
  return parts.map((p) => {
    const base = line;
    line += p.rows.length;
    return base;
  });
};

/** What joining the parts on one thread gives, and the rejections reported. */
function joined(students: number, parts: AttPart[]) {
  const b = builder(students);
  const report = new ImportReport("canonical");
  const origin = b.attendanceOrigin(report.file("attendance.csv", "attendance"));
  const bases = lineBases(parts);
  parts.forEach((p, q) => {
    // Workers number lines from 0 within a part; the part's start is added on joining.
    const rows = columnsOf(p, 0);
    b.addAttendancePart(groupAttendanceRows(students, rows), p.sections, bases[q], origin);
  });
  return { built: b.build().dataset, report };
}

function placed(students: number, parts: AttPart[]) {
  const b = builder(students);
  const report = new ImportReport("canonical");
  const tally = report.file("attendance.csv", "attendance");
  const rows = parts.map((p) => columnsOf(p, 0));
  const counts: PartCount[] = parts.map((p, q) => ({
    counts: countByStudent(students, rows[q].student),
    sections: p.sections,
    sources: [],
    kinds: [],
    minutes: rows[q].minutes !== undefined,
    section: rows[q].section !== undefined,
  }));
  const plan: AttendancePlan = b.planAttendance(counts);
  const bases = lineBases(parts);
  const unordered = rows.map((r, q) =>
    placeAttendanceRows(r, plan.places.bases[q], {
      columns: plan.columns,
      sectionIndex: plan.sectionIndex[q],
    }),
  );
  const atJoins = unorderedAtJoins(plan.places, plan.counts, plan.columns);
  // Line numbers are placed only when the rows must be settled.
  const settle = b.attendanceUnordered(
    plan,
    unordered.some((u) => u.length > 0),
  );
  const line = settle ? new Int32Array(plan.places.length) : undefined;
  if (line) {
    rows.forEach((r, q) => {
      placeLines(r, plan.places.bases[q], { line, lineBase: bases[q] });
    });
  }
  b.attendancePlaced(plan, b.attendanceOrigin(tally), line);
  return { built: b.build().dataset, report, unordered, atJoins, settled: line !== undefined };
}

const plain = (a: ArrayLike<number> | undefined) => (a ? Array.from(a) : undefined);

function attendanceOf(ds: ReturnType<typeof joined>["built"]) {
  const a = ds.attendance;
  return {
    length: a.length,
    start: plain(a.start),
    student: plain(a.student),
    day: plain(a.day),
    status: plain(a.status),
    minutes: plain(a.minutes),
    section: plain(a.section),
    sectionKeys: ds.sectionKeys,
  };
}

/** Students whose rows, in file order, are not each a later (day, section) than the last. */
function unorderedByHand(students: number, parts: AttPart[]) {
  const within = parts.map(() => new Set<number>());
  let anywhere = false;
  const sectionName = (p: AttPart, k: number) => (k < 0 ? "" : p.sections[k]);
  for (let s = 0; s < students; s++) {
    const seq: { day: number; section: string; part: number }[] = [];
    parts.forEach((p, q) => {
      for (const r of p.rows) {
        if (r.student === s) seq.push({ day: r.day, section: sectionName(p, r.section), part: q });
      }
    });
    // Sections compare by the data set's numbering: names in order, "" (none) first.
    const anySection = parts.some((p) => p.rows.some((r) => r.section >= 0));
    for (let k = 1; k < seq.length; k++) {
      const x = seq[k - 1];
      const y = seq[k];
      const later =
        x.day < y.day ||
        (anySection &&
          x.day === y.day &&
          x.section !== "" &&
          y.section !== "" &&
          x.section < y.section) ||
        (anySection && x.day === y.day && x.section === "" && y.section !== "");
      if (later) continue;
      anywhere = true;
      if (x.part === y.part) within[y.part].add(s);
    }
  }
  return { within: within.map((w) => [...w].sort((a, b) => a - b)), anywhere };
}

describe("attendance placed by the workers", () => {
  it("gives the columns and reports of joining the parts on one thread", () => {
    fc.assert(
      fc.property(attParts, ({ students, parts }) => {
        const a = joined(students, parts);
        const b = placed(students, parts);
        expect(attendanceOf(b.built)).toEqual(attendanceOf(a.built));
        expect(b.report.rejections).toEqual(a.report.rejections);
        expect(b.report.files).toEqual(a.report.files);
        // Unordered students are found where they are: within a part, or where parts meet.
        const hand = unorderedByHand(students, parts);
        expect(b.unordered.map((u) => Array.from(u))).toEqual(hand.within);
        expect(b.unordered.some((u) => u.length > 0) || b.atJoins).toBe(hand.anywhere);
        expect(b.settled).toBe(hand.anywhere);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps rows in place when every student's rows are in order (checked by hand)", () => {
    // Two parts of a date-ordered export: days 1-2 in the first, 3 in the second.
    const parts: AttPart[] = [
      {
        rows: [
          { student: 0, day: 1, status: 0, minutes: -1, section: -1 },
          { student: 1, day: 1, status: 4, minutes: -1, section: -1 },
          { student: 0, day: 2, status: 0, minutes: -1, section: -1 },
        ],
        sections: [],
      },
      {
        rows: [
          { student: 1, day: 3, status: 0, minutes: -1, section: -1 },
          { student: 0, day: 3, status: 2, minutes: -1, section: -1 },
        ],
        sections: [],
      },
    ];
    const b = placed(2, parts);
    expect(b.unordered.map((u) => u.length)).toEqual([0, 0]);
    expect(b.atJoins).toBe(false);
    expect(b.settled).toBe(false);
    const a = b.built.attendance;
    expect(Array.from(a.start)).toEqual([0, 3, 5]);
    expect(Array.from(a.student)).toEqual([0, 0, 0, 1, 1]);
    expect(Array.from(a.day)).toEqual([1, 2, 3, 1, 3]);
    expect(Array.from(a.status)).toEqual([0, 0, 2, 4, 0]);
    expect(a.minutes).toBeUndefined();
    expect(a.section).toBeUndefined();
  });

  it("settles a repeat that only shows where two parts meet (checked by hand)", () => {
    // Student 0 has day 5 at the end of part 1 and again, absent, at the start of part 2.
    const parts: AttPart[] = [
      { rows: [{ student: 0, day: 5, status: 0, minutes: -1, section: -1 }], sections: [] },
      { rows: [{ student: 0, day: 5, status: 4, minutes: -1, section: -1 }], sections: [] },
    ];
    const b = placed(1, parts);
    expect(b.unordered.map((u) => u.length)).toEqual([0, 0]);
    expect(b.atJoins).toBe(true);
    expect(Array.from(b.built.attendance.day)).toEqual([5]);
    // The more serious status is kept; the first row (line 2) is reported as dropped.
    expect(Array.from(b.built.attendance.status)).toEqual([4]);
    expect(b.report.rejections.map((r) => [r.line, r.code])).toEqual([[2, "conflict"]]);
  });
});

interface ActPart {
  rows: { student: number; day: number; source: number; kind: number; count: number }[];
  sources: string[];
  kinds: string[];
}

const actParts = fc
  .record({ students: fc.integer({ min: 1, max: 12 }), parts: fc.integer({ min: 1, max: 3 }) })
  .chain(({ students, parts }) =>
    fc.record({
      students: fc.constant(students),
      parts: fc.array(
        fc
          .record({
            sources: fc.shuffledSubarray(SOURCES, { minLength: 1 }),
            kinds: fc.shuffledSubarray(KINDS, { minLength: 1 }),
          })
          .chain(({ sources, kinds }) =>
            fc
              .array(
                fc.record({
                  student: fc.integer({ min: 0, max: students - 1 }),
                  day: fc.integer({ min: 20_000, max: 20_010 }),
                  source: fc.integer({ min: 0, max: sources.length - 1 }),
                  kind: fc.integer({ min: 0, max: kinds.length - 1 }),
                  count: fc.integer({ min: 1, max: 50 }),
                }),
                { maxLength: 40 },
              )
              .map((rows): ActPart => ({ rows, sources, kinds })),
          ),
        { minLength: parts, maxLength: parts },
      ),
    }),
  );

function activityColumns(part: ActPart): ActivityRows {
  const c = new ActivityColumns();
  for (const r of part.rows) c.add(r.student, r.day, r.source, r.kind, r.count);
  return c.values();
}

function activityOf(ds: ReturnType<typeof joined>["built"]) {
  const v = ds.activity;
  return {
    length: v.length,
    start: plain(v.start),
    student: plain(v.student),
    day: plain(v.day),
    source: plain(v.source),
    kind: plain(v.kind),
    count: plain(v.count),
    sources: ds.sources,
    kinds: ds.kinds,
  };
}

describe("activity placed by the workers", () => {
  it("gives the columns and names of joining the parts on one thread", () => {
    fc.assert(
      fc.property(actParts, ({ students, parts }) => {
        const one = builder(students);
        for (const p of parts) {
          one.addActivityPart(groupActivityRows(students, activityColumns(p)), p.sources, p.kinds);
        }
        const two = builder(students);
        const rows = parts.map(activityColumns);
        const plan = two.planActivity(
          parts.map((p, q) => ({
            counts: countByStudent(students, rows[q].student),
            sections: [],
            sources: p.sources,
            kinds: p.kinds,
            minutes: false,
            section: false,
          })),
        );
        rows.forEach((r, q) => {
          placeActivityRows(r, plan.places.bases[q], {
            columns: plan.columns,
            sourceIndex: plan.sourceIndex[q],
            kindIndex: plan.kindIndex[q],
          });
        });
        two.activityPlaced(plan);
        expect(activityOf(two.build().dataset)).toEqual(activityOf(one.build().dataset));
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a source added once activity is placed", () => {
    const b = builder(1);
    b.activityPlaced(
      b.planActivity([
        {
          counts: new Int32Array(1),
          sections: [],
          sources: [],
          kinds: [],
          minutes: false,
          section: false,
        },
      ]),
    );
    expect(() => b.internSource("vle")).toThrow("source added after activity was placed");
  });
});
