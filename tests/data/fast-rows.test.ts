/**
 * The hand-written row checks (src/data/adapters/fast-rows.ts) must accept and reject
 * exactly what the zod row schemas do, and produce the same values: generated rows are
 * run through both and compared.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkActivity, checkAttendance, columnIndex } from "../../src/data/adapters/fast-rows.ts";
import { STATUS_CODE } from "../../src/data/dataset.ts";
import { rowObject } from "../../src/data/rows.ts";
import { ActivityRow, ATTENDANCE_STATUSES, AttendanceRow } from "../../src/data/schema.ts";

const NUM_RUNS = 3000;

// ---------------------------------------------------------------------------------------
// Value generators: valid-looking and invalid values for each column.

const padding = fc.constantFrom("", "", "", " ", "  ", "\t", "\u00a0", "\ufeff", "\u2003");
/** Wraps a value in (sometimes) white space on either side. */
const padded = (value: fc.Arbitrary<string>) =>
  fc.tuple(padding, value, padding).map(([a, v, b]) => `${a}${v}${b}`);

const INVISIBLE_IDS = [
  "\u0000S1",
  "S\u200b1",
  "S1\u202e",
  "\u007fS1",
  "S\u001b1",
  "S\u00ad1",
  "S\u20281",
  "S\u00851",
  "S\t1",
];
const id = fc.oneof(
  { weight: 4, arbitrary: padded(fc.constantFrom("S1", "s-002", "1234", "Åsa", "x y")) },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "\t", "\u00a0") },
  { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
  // Control and invisible characters: rejected in an id (tab inside one is kept).
  { weight: 1, arbitrary: padded(fc.constantFrom(...INVISIBLE_IDS)) },
);

const dateText = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("2026-02-03", "2024-02-29", "2026-12-31", "1999-01-01") },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "2026-02-30",
      "2025-02-29",
      "2026-13-01",
      "2026-00-10",
      "2026-04-31",
      "2026-2-3",
      "26-02-03",
      "2026/02/03",
      "20260203",
      "2026-02-03T08:15:00Z",
      "2026-02-03 08:15",
      "2026-02-03T",
      "2026-02-03x",
      "２０２６-02-03",
      "",
      " ",
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
      )
      .map(
        ([y, m, d]) =>
          `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`,
      ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);
const date = padded(dateText);

const caseVariants = (s: string) => [s, s.toUpperCase(), s[0]?.toUpperCase() + s.slice(1)];
const status = fc.oneof(
  { weight: 5, arbitrary: padded(fc.constantFrom(...ATTENDANCE_STATUSES.flatMap(caseVariants))) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "sick",
      "absent",
      "excused absence",
      "early-departure",
      "present.",
      "pres ent",
      "",
      " ",
      "PRESENT\u0000",
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);

const wholeNumber = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.constantFrom(
      "",
      "0",
      "12",
      "007",
      " 7 ",
      "\t45",
      "-1",
      "+3",
      "1.5",
      "1e3",
      "abc",
      "0x10",
      "١٢",
      "12 3",
      " ",
      "  ",
    ),
  },
  { weight: 1, arbitrary: padded(fc.nat({ max: 100_000 }).map(String)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
);

const section = fc.oneof(
  padded(fc.constantFrom("MATH-1", "eng 2", "Sci")),
  fc.constantFrom("", " ", "\t"),
  padded(fc.constantFrom(...INVISIBLE_IDS)),
);
const source = fc.oneof(
  { weight: 4, arbitrary: padded(fc.constantFrom("vle", "Teams", "LIBRARY", "Moodle Quiz")) },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "\u00a0") },
  { weight: 1, arbitrary: fc.string({ maxLength: 5 }) },
);
const kind = fc.oneof(
  padded(fc.constantFrom("login", "Page View", "activity")),
  fc.constantFrom("", " ", "\t"),
  fc.string({ maxLength: 4 }),
);
const extraValue = fc.oneof(
  fc.constantFrom("", "x", "note, with comma"),
  fc.string({ maxLength: 4 }),
);

// ---------------------------------------------------------------------------------------
// Row generators: a header (required and optional columns, each optional one maybe absent,
// unknown columns, any order; rarely a required column missing) and the fields of one row
// (sometimes with an extra or missing field).

interface ColumnSpec {
  name: string;
  value: fc.Arbitrary<string>;
  required: boolean;
}

function rowArbitrary(columns: readonly ColumnSpec[]) {
  const unknown: ColumnSpec[] = [
    { name: "note", value: extraValue, required: false },
    { name: "school", value: extraValue, required: false },
  ];
  return fc
    .tuple(
      // For each column: included? (required ones are dropped only 1 time in 25)
      fc.tuple(
        ...[...columns, ...unknown].map((c) =>
          c.required ? fc.integer({ min: 0, max: 24 }).map((n) => n > 0) : fc.boolean(),
        ),
      ),
      fc.tuple(...[...columns, ...unknown].map((c) => c.value)),
      // A permutation key per column.
      fc.array(fc.nat(), { minLength: columns.length + 2, maxLength: columns.length + 2 }),
      // Width: mostly right, sometimes an extra or a missing field.
      fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 0, 1, -1, 2),
      extraValue,
    )
    .map(([included, values, order, widthChange, extra]) => {
      const all = [...columns, ...unknown];
      const picked = all
        .map((c, i) => ({ name: c.name, value: values[i] as string, key: order[i] as number, i }))
        .filter((_, i) => included[i])
        .sort((a, b) => a.key - b.key || a.i - b.i);
      const header = picked.map((c) => c.name);
      const fields = picked.map((c) => c.value);
      if (widthChange > 0) for (let k = 0; k < widthChange; k++) fields.push(extra);
      if (widthChange < 0) fields.pop();
      return { header, fields };
    });
}

const attendanceRow = rowArbitrary([
  { name: "student_id", value: id, required: true },
  { name: "date", value: date, required: true },
  { name: "status", value: status, required: true },
  { name: "section_id", value: section, required: false },
  { name: "minutes", value: wholeNumber, required: false },
]);

const activityRow = rowArbitrary([
  { name: "student_id", value: id, required: true },
  { name: "date", value: date, required: true },
  { name: "source", value: source, required: true },
  { name: "kind", value: kind, required: false },
  { name: "count", value: wholeNumber, required: false },
]);

// ---------------------------------------------------------------------------------------
// The comparisons.

function compareAttendance(header: string[], fields: string[]): void {
  const fast = checkAttendance(fields, columnIndex(header));
  const row = rowObject(header, fields);
  const zod = typeof row === "string" ? undefined : AttendanceRow.safeParse(row);
  const zodOk = zod?.success === true;
  const fastOk = typeof fast !== "string";
  expect(
    { fastOk, zodOk },
    `header ${JSON.stringify(header)} fields ${JSON.stringify(fields)}: fast says ${
      fastOk ? "ok" : JSON.stringify(fast)
    }, zod says ${zodOk ? "ok" : JSON.stringify(zod?.error?.issues[0]?.message ?? row)}`,
  ).toEqual({ fastOk: zodOk, zodOk });
  if (fastOk && zod?.success) {
    const z = zod.data;
    expect({
      studentId: fast.studentId,
      day: fast.day,
      status: fast.status,
      minutes: fast.minutes,
      sectionId: fast.sectionId,
    }).toEqual({
      studentId: z.studentId,
      day: z.date,
      status: STATUS_CODE[z.status],
      minutes: z.minutes === undefined ? -1 : z.minutes,
      sectionId: z.sectionId,
    });
  }
}

function compareActivity(header: string[], fields: string[]): void {
  const fast = checkActivity(fields, columnIndex(header));
  const row = rowObject(header, fields);
  const zod = typeof row === "string" ? undefined : ActivityRow.safeParse(row);
  const zodOk = zod?.success === true;
  const fastOk = typeof fast !== "string";
  expect(
    { fastOk, zodOk },
    `header ${JSON.stringify(header)} fields ${JSON.stringify(fields)}: fast says ${
      fastOk ? "ok" : JSON.stringify(fast)
    }, zod says ${zodOk ? "ok" : JSON.stringify(zod?.error?.issues[0]?.message ?? row)}`,
  ).toEqual({ fastOk: zodOk, zodOk });
  if (fastOk && zod?.success) {
    const z = zod.data;
    expect({
      studentId: fast.studentId,
      day: fast.day,
      source: fast.source,
      kind: fast.kind,
      count: fast.count,
    }).toEqual({
      studentId: z.studentId,
      day: z.date,
      source: z.source,
      kind: z.kind,
      count: z.count,
    });
  }
}

describe("checkAttendance agrees with AttendanceRow", () => {
  it("on generated rows", () => {
    fc.assert(
      fc.property(attendanceRow, ({ header, fields }) => compareAttendance(header, fields)),
      { numRuns: NUM_RUNS },
    );
  });

  it("generates enough valid rows to compare values", () => {
    // Guards the generator: the property above is only worth something if a fair share
    // of rows pass, with and without the optional columns.
    const sample = fc.sample(attendanceRow, { numRuns: 2000, seed: 42 });
    const ok = sample.filter(
      ({ header, fields }) => typeof checkAttendance(fields, columnIndex(header)) !== "string",
    );
    expect(ok.length).toBeGreaterThan(200);
    expect(ok.some(({ header }) => header.includes("minutes"))).toBe(true);
    expect(ok.some(({ header }) => !header.includes("section_id"))).toBe(true);
  });

  it.each([
    ["valid row", ["S1", "2026-02-03", "present", "MATH", "45"]],
    ["padded id, status in capitals", ["  S1 ", "2026-02-03", " Unexcused_Absence ", "", ""]],
    ["impossible date", ["S1", "2026-02-30", "present", "", ""]],
    ["unpadded month", ["S1", "2026-2-3", "present", "", ""]],
    ["timestamp", ["S1", "2026-02-03T08:00:00Z", "present", "", ""]],
    ["unknown status", ["S1", "2026-02-03", "sick", "", ""]],
    ["status with inner space", ["S1", "2026-02-03", "excused absence", "", ""]],
    ["empty id", [" ", "2026-02-03", "present", "", ""]],
    ["minutes -1", ["S1", "2026-02-03", "present", "", "-1"]],
    ["minutes 1.5", ["S1", "2026-02-03", "present", "", "1.5"]],
    ["minutes padded", ["S1", "2026-02-03", "present", "", " 7 "]],
    ["minutes abc", ["S1", "2026-02-03", "present", "", "abc"]],
    ["minutes 0", ["S1", "2026-02-03", "present", "", "0"]],
    ["section blank", ["S1", "2026-02-03", "present", "  ", "10"]],
    ["too many fields", ["S1", "2026-02-03", "present", "", "", "x"]],
    ["too few fields", ["S1", "2026-02-03", "present", ""]],
  ])("%s", (_name, fields) => {
    compareAttendance(["student_id", "date", "status", "section_id", "minutes"], fields);
  });

  it("white-space-only minutes: both accept or both reject", () => {
    compareAttendance(
      ["student_id", "date", "status", "minutes"],
      ["S1", "2026-02-03", "present", " "],
    );
  });

  it("optional columns absent from the header", () => {
    compareAttendance(["status", "date", "student_id"], ["Tardy", "2026-02-03", "S1"]);
    compareAttendance(["date", "note", "student_id", "status"], ["2026-02-03", "", "S1", "x"]);
  });

  it("a column named twice in the header: both read the same cell", () => {
    compareAttendance(
      ["student_id", "date", "status", "status"],
      ["S1", "2026-02-03", "present", "sick"],
    );
  });
});

describe("checkActivity agrees with ActivityRow", () => {
  it("on generated rows", () => {
    fc.assert(
      fc.property(activityRow, ({ header, fields }) => compareActivity(header, fields)),
      { numRuns: NUM_RUNS },
    );
  });

  it("generates enough valid rows to compare values", () => {
    const sample = fc.sample(activityRow, { numRuns: 2000, seed: 42 });
    const ok = sample.filter(
      ({ header, fields }) => typeof checkActivity(fields, columnIndex(header)) !== "string",
    );
    expect(ok.length).toBeGreaterThan(200);
    expect(ok.some(({ header }) => header.includes("count"))).toBe(true);
    expect(ok.some(({ header }) => !header.includes("kind"))).toBe(true);
  });

  it.each([
    ["valid row", ["S1", "2026-02-03", "VLE", "login", "3"]],
    ["timestamp", ["S1", "2026-02-03T23:59:59+01:00", "vle", "", ""]],
    ["timestamp with space", ["S1", " 2026-02-03 10:00 ", "Teams", "", ""]],
    ["bad timestamp date", ["S1", "2026-02-30T10:00", "vle", "", ""]],
    ["defaults", ["S1", "2026-02-03", " Moodle ", "  ", ""]],
    ["empty source", ["S1", "2026-02-03", "  ", "", ""]],
    ["count -1", ["S1", "2026-02-03", "vle", "", "-1"]],
    ["count 1.5", ["S1", "2026-02-03", "vle", "", "1.5"]],
    ["count padded", ["S1", "2026-02-03", "vle", "", " 12 "]],
    ["count 0", ["S1", "2026-02-03", "vle", "", "0"]],
    ["too few fields", ["S1", "2026-02-03", "vle", ""]],
  ])("%s", (_name, fields) => {
    compareActivity(["student_id", "date", "source", "kind", "count"], fields);
  });

  it("white-space-only count: both accept or both reject", () => {
    compareActivity(["student_id", "date", "source", "count"], ["S1", "2026-02-03", "vle", " "]);
  });

  it("optional columns absent from the header", () => {
    compareActivity(["source", "student_id", "date"], ["VLE", "S1", "2026-02-03"]);
  });

  it("a column named twice in the header: both read the same cell", () => {
    compareActivity(
      ["student_id", "date", "source", "count", "count"],
      ["S1", "2026-02-03", "vle", "2", "abc"],
    );
  });
});
