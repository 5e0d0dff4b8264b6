/**
 * The demo's data on today's calendar (src/demo/shift-dates.ts): every date moved by whole
 * weeks so the sample's last school day (Friday 2027-01-29) lands on the first Friday on
 * or after today, and what happens after today cut.
 */
import { describe, expect, it } from "vitest";
import { shiftCsv, shiftDays, shiftIsoDate } from "../../src/demo/shift-dates.ts";

const LAST = "2027-01-29"; // a Friday

describe("shiftDays", () => {
  it("lands the last school day on the first Friday on or after today", () => {
    // Wednesday 2026-12-09: Friday 2026-12-11 is 49 days before 2027-01-29.
    expect(shiftDays(LAST, "2026-12-09")).toBe(-49);
    expect(shiftIsoDate("2027-01-27", -49)).toBe("2026-12-09");
    // Friday itself, Saturday and Sunday (the next Friday), Monday.
    expect(shiftDays(LAST, "2026-12-11")).toBe(-49);
    expect(shiftDays(LAST, "2026-12-12")).toBe(-42);
    expect(shiftDays(LAST, "2026-12-13")).toBe(-42);
    expect(shiftDays(LAST, "2026-12-14")).toBe(-42);
    expect(shiftDays(LAST, LAST)).toBe(0);
    expect(shiftDays(LAST, "2027-03-03")).toBe(35);
  });

  it("is always a whole number of weeks", () => {
    for (let d = 0; d < 30; d++) {
      const today = shiftIsoDate("2026-11-01", d);
      expect(Math.abs(shiftDays(LAST, today) % 7)).toBe(0);
      const moved = shiftIsoDate(LAST, shiftDays(LAST, today));
      expect(moved >= today).toBe(true);
      expect(moved < shiftIsoDate(today, 7)).toBe(true);
    }
  });
});

describe("shiftIsoDate", () => {
  it("moves dates and timestamps' date parts, and leaves anything else", () => {
    expect(shiftIsoDate("2027-01-01", -49)).toBe("2026-11-13");
    expect(shiftIsoDate("2027-01-01T08:30:00Z", 7)).toBe("2027-01-08T08:30:00Z");
    for (const other of ["S000001", "present", "", "2027-02-30", "2027-01-01x", "12"]) {
      expect(shiftIsoDate(other, 7)).toBe(other);
    }
  });
});

describe("shiftCsv (today: Wednesday 2026-12-09, 49 days back)", () => {
  const shift = (file: string, text: string) => shiftCsv(file, text, -49, "2026-12-09");

  it("moves attendance and drops what is after today", () => {
    const text = [
      "student_id,date,status",
      "S1,2027-01-26,present",
      "S1,2027-01-27,absent",
      "S1,2027-01-28,present",
      "S1,2027-01-29,present",
    ].join("\n");
    expect(shift("attendance.csv", text)).toBe(
      ["student_id,date,status", "S1,2026-12-08,present", "S1,2026-12-09,absent", ""].join("\n"),
    );
  });

  it("drops activity after today, whatever the column order", () => {
    const text = "source,date,student_id,count\nvle,2027-01-27,S1,3\nvle,2027-01-28,S1,2\n";
    expect(shift("activity.csv", text)).toBe("source,date,student_id,count\nvle,2026-12-09,S1,3\n");
  });

  it("keeps the calendar's future school days and breaks", () => {
    const text = "school,date,instructional\nsch1,2027-01-01,false\nsch1,2027-01-29,true\n";
    expect(shift("calendar.csv", text)).toBe(
      "school,date,instructional\nsch1,2026-11-13,false\nsch1,2026-12-11,true\n",
    );
  });

  it("keeps the roster's future dates", () => {
    const text = [
      "id,display_name,school,status,status_from,enrolled_from",
      '"Ng, Ada",Ada Ng,sch1,withdrawn,2027-01-28,2026-09-07',
    ].join("\n");
    expect(shift("students.csv", text)).toBe(
      [
        "id,display_name,school,status,status_from,enrolled_from",
        '"Ng, Ada",Ada Ng,sch1,withdrawn,2026-12-10,2026-07-20',
        "",
      ].join("\n"),
    );
  });

  it("shows a submission made after today as not yet submitted", () => {
    const text = [
      "student_id,assessment_id,due_date,submitted_date,late",
      "S1,A1,2027-01-20,2027-01-19,false",
      "S1,A2,2027-01-27,2027-01-28,true",
      "S1,A3,2027-02-05,,",
    ].join("\n");
    expect(shift("submissions.csv", text)).toBe(
      [
        "student_id,assessment_id,due_date,submitted_date,late",
        "S1,A1,2026-12-02,2026-12-01,false",
        "S1,A2,2026-12-09,,",
        "S1,A3,2026-12-18,,",
        "",
      ].join("\n"),
    );
  });

  it("drops circumstances that start after today and keeps those that run past it", () => {
    const text = [
      "student_id,from,to,kind",
      "S1,2027-01-25,2027-02-05,medical",
      "S2,2027-01-28,2027-02-05,medical",
    ].join("\n");
    expect(shift("circumstances.csv", text)).toBe(
      ["student_id,from,to,kind", "S1,2026-12-07,2026-12-18,medical", ""].join("\n"),
    );
  });
});
