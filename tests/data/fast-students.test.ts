/**
 * The hand-written reader of plain students.csv rows (src/data/adapters/fast-students.ts)
 * may decline any row, but a row it takes must give exactly the record the zod schema
 * `StudentRow` gives: generated rows, tidy and hostile, are run through both.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CANONICAL_FILES } from "../../src/data/adapters/canonical.ts";
import { fastStudentReader } from "../../src/data/adapters/fast-students.ts";
import { rowObject } from "../../src/data/rows.ts";
import { StudentRow } from "../../src/data/schema.ts";

const STUDENTS = CANONICAL_FILES.students;
/** Every column of students.csv: id, display_name, school, then the optional ones in order. */
const HEADER = [...STUDENTS.required, ...STUDENTS.optional];

// Mostly tidy cells, so that whole rows often are: a row with one hostile cell is declined.
const padding = fc.oneof(
  { weight: 30, arbitrary: fc.constant("") },
  { weight: 1, arbitrary: fc.constantFrom(" ", "\t", "\u00a0", "\ufeff") },
);
const padded = (value: fc.Arbitrary<string>) =>
  fc.tuple(padding, value, padding).map(([a, v, b]) => `${a}${v}${b}`);
const id = fc.oneof(
  { weight: 30, arbitrary: padded(fc.constantFrom("S1", "s-002", "1234", "Åsa", "x y")) },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "S\u200b1", "\u0000S1", "S\t1", "S1\u202e") },
  { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
);
const text = fc.oneof(
  {
    weight: 30,
    arbitrary: padded(fc.constantFrom("Amara Lewis", "Ng", "a@b.org", "Ann Lee", "Zoë")),
  },
  { weight: 1, arbitrary: fc.constantFrom("", " ") },
  { weight: 1, arbitrary: fc.string({ maxLength: 5 }) },
);
const advisers = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom("", "T1", "T1;T2", "T1|T2", "T1; T2", "T1;;T2", "T1;") },
  { weight: 1, arbitrary: fc.constantFrom(" T1", "T\u200b1", ";", "T1;\u0000") },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);
const status = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom("", "active", "on_leave", "withdrawn") },
  { weight: 1, arbitrary: padded(fc.constantFrom("Active", "WITHDRAWN", "gone", "on leave")) },
);
const date = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom("", "2026-09-07", "2024-02-29") },
  { weight: 1, arbitrary: padded(fc.constantFrom("2023-02-29", "2026-9-7", "07/09/2026", "x")) },
);

/** A row for HEADER: the 14 cells, sometimes one too few or too many. */
const row = fc
  .tuple(
    id,
    text,
    id,
    text,
    text,
    text,
    text,
    text,
    text,
    advisers,
    status,
    date,
    date,
    date,
    fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 0, 1, -1),
  )
  .map(([...cells]) => {
    const widthChange = cells.pop() as number;
    const fields = cells as string[];
    if (widthChange === 1) fields.push("extra");
    if (widthChange === -1) fields.pop();
    return fields;
  });

function bySchema(header: string[], fields: string[]) {
  const object = rowObject(header, fields);
  if (typeof object === "string") return undefined;
  const parsed = StudentRow.safeParse(object);
  return parsed.success ? parsed.data : undefined;
}

describe("the fast students.csv reader", () => {
  it("takes a row only when the schema accepts it, with the same record", () => {
    const read = fastStudentReader(HEADER);
    expect(read).toBeDefined();
    let taken = 0;
    fc.assert(
      fc.property(row, (fields) => {
        const fast = read?.(fields);
        if (fast === undefined) return;
        taken++;
        expect(fast).toStrictEqual(bySchema(HEADER, fields));
        expect(Object.keys(fast)).toEqual(Object.keys(bySchema(HEADER, fields) ?? {}));
      }),
      { numRuns: 3000 },
    );
    // The generators are mostly tidy, so many rows must take the fast path.
    expect(taken).toBeGreaterThan(20);
  });

  it("reads a plain row of the benchmark's layout as the schema does", () => {
    const header = [
      "id",
      "display_name",
      "school",
      "year",
      "adviser_ids",
      "status",
      "enrolled_from",
    ];
    const fields = ["S000001", "Amara Lewis", "sch4", "Y11", "T0438", "active", "2026-09-07"];
    const fast = fastStudentReader(header)?.(fields);
    expect(fast).toStrictEqual(bySchema(header, fields));
    expect(fast).toMatchObject({
      id: "S000001",
      school: "sch4",
      adviserIds: ["T0438"],
      status: "active",
      enrolledFrom: 20703, // 2026-09-07 in days since 1970-01-01
    });
  });

  it("declines what it cannot match exactly, so the schema reports it", () => {
    const read = fastStudentReader(HEADER);
    const base = () => ["S1", "Ann", "sch1", "", "", "", "", "", "", "", "", "", "", ""];
    const withCell = (i: number, v: string) => {
      const f = base();
      f[i] = v;
      return f;
    };
    expect(read?.(base())).toBeDefined();
    for (const [i, v] of [
      [0, " S1"], // trimmed by the schema
      [0, "S\u200b1"], // invisible character: rejected by the schema
      [1, ""], // display_name required
      [9, "T1; T2"], // trimmed by the schema
      [10, "Active"], // lower-cased by the schema
      [12, "2023-02-29"], // not a date
    ] as const) {
      expect(read?.(withCell(i, v)), `cell ${i} = ${JSON.stringify(v)}`).toBeUndefined();
    }
    expect(read?.(base().slice(1))).toBeUndefined(); // wrong width
    expect(fastStudentReader(["id", "display_name", "id", "school"])).toBeUndefined();
    expect(fastStudentReader(["display_name", "school"])).toBeUndefined();
  });
});
