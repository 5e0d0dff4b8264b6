/**
 * The growable event columns, and the memory an event worker reuses: activity columns
 * made in the memory of attendance columns it is done with, and columns written once
 * while the roster is read. Reused memory must never show through: only the rows added
 * are the columns' values.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ActivityColumns, AttendanceColumns } from "../../src/data/event-columns.ts";
import { estimateRows } from "../../src/data/parallel/event-workers.ts";

const scratch = mkdtempSync(join(tmpdir(), "reach-columns-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function attendance(rows: number): AttendanceColumns {
  const c = new AttendanceColumns();
  for (let i = 0; i < rows; i++) c.add(i % 7, 20_000 + i, i % 5, -1, -1, i + 2, 0);
  return c;
}

describe("activity columns in the memory of attendance columns", () => {
  it("hold exactly the rows added, whatever the attendance columns held", () => {
    const done = attendance(3000);
    const act = ActivityColumns.reusing(done);
    expect(act.length).toBe(0);
    act.add(4, 20_100, 1, 2, 3.5);
    act.add(0, 20_101, 65_535, 0, 12);
    expect(act.values()).toEqual({
      student: Int32Array.of(4, 0),
      day: Int32Array.of(20_100, 20_101),
      source: Uint16Array.of(1, 65_535),
      kind: Uint16Array.of(2, 0),
      count: Float64Array.of(3.5, 12),
    });
    // Source and kind share the line column's memory without overlapping each other.
    expect(act.source.buffer).toBe(act.kind.buffer);
    expect(act.kind.byteOffset - act.source.byteOffset).toBe(2 * act.source.length);
  });

  it("grow past the attendance columns' size like any others", () => {
    const done = attendance(10);
    const act = ActivityColumns.reusing(done);
    const n = done.student.length + 500;
    for (let i = 0; i < n; i++) act.add(i, 20_000 + (i % 90), i % 3, i % 2, i);
    const v = act.values();
    expect(v.student.length).toBe(n);
    expect(v.student[n - 1]).toBe(n - 1);
    expect(v.day[n - 1]).toBe(20_000 + ((n - 1) % 90));
    expect(v.source[n - 1]).toBe((n - 1) % 3);
    expect(v.kind[n - 1]).toBe((n - 1) % 2);
    expect(v.count[n - 1]).toBe(n - 1);
    expect(v.count[0]).toBe(0);
  });
});

describe("attendance columns written once ahead of use", () => {
  it("keep their rows, and hold nothing else", () => {
    const c = attendance(5);
    const before = structuredClone(c.values());
    c.reserve(4096);
    c.touch();
    expect(c.values()).toEqual(before);
    c.add(1, 30_000, 2, -1, -1, 99, 0);
    expect(Array.from(c.values().day)).toEqual([20_000, 20_001, 20_002, 20_003, 20_004, 30_000]);
  });
});

describe("estimateRows", () => {
  it("counts the rows from the first 64 KiB, a little over", () => {
    // A 10-byte header and 1,000 rows of 10 bytes: 10,010 bytes, 1,001 lines whose
    // last line feed is byte 10,009, so 9.999 bytes a line, 1,001.1 lines, and 2% more
    // is 1,021.1: 1,022.
    const path = join(scratch, "rows.csv");
    writeFileSync(path, `abcdefghi\n${"123456789\n".repeat(1000)}`);
    expect(estimateRows(path)).toBe(1022);
  });

  it("says 0 for a file with fewer than two lines", () => {
    const path = join(scratch, "one.csv");
    writeFileSync(path, "student_id,date,status\n");
    expect(estimateRows(path)).toBe(0);
  });
});
