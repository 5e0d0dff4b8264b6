/**
 * Student.xml → students, and their demographics (sex, ethnicity, race, citizenship) to
 * monitoring only, never onto the student record. A student's school and enrolment dates
 * are not in Student.xml: they are set once the enrolments and attendance are read.
 */
import { echo, idProblem } from "../../ids.ts";
import type { Student } from "../../schema.ts";
import type { Context } from "./context.ts";
import { DEMOGRAPHIC_PATHS, FILES } from "./names.ts";
import {
  codeValue,
  field,
  fieldElements,
  placeOf,
  readXmlRecords,
  recordText,
} from "./xml-records.ts";

export async function readStudents(ctx: Context): Promise<void> {
  const { builder } = ctx;
  const demographics = new Map<string, number>();
  const tally = await readXmlRecords(ctx, FILES.students, new Set(["Student"]), (record, t) => {
    const id = field(record, "StudentUniqueId") ?? "";
    const problem = id === "" ? "no StudentUniqueId" : idProblem(id, "StudentUniqueId");
    if (problem) {
      t.reject(
        record.line,
        id === "" ? "missing_field" : "invalid_value",
        `${placeOf(record)}: ${problem}`,
        "StudentUniqueId",
        recordText(record),
      );
      return;
    }
    const first = field(record, "Name/FirstName") ?? "";
    const last = field(record, "Name/LastSurname") ?? "";
    if (first === "" && last === "") {
      t.reject(
        record.line,
        "missing_field",
        `${placeOf(record)}: student ${echo(id)} has no Name/FirstName or Name/LastSurname`,
        "Name",
        recordText(record),
      );
      return;
    }
    const student: Student = {
      id,
      displayName: [first, last].filter((s) => s !== "").join(" "),
      preferredName: field(record, "Name/PreferredFirstName") || undefined,
      email: undefined,
      aadObjectId: undefined,
      school: "",
      year: undefined,
      programme: undefined,
      cohort: undefined,
      adviserIds: [],
      status: "active",
      statusFrom: undefined,
      enrolledFrom: undefined,
      enrolledUntil: undefined,
    };
    if (!builder.addStudent(student)) {
      t.reject(
        record.line,
        "duplicate",
        `${placeOf(record)}: student ${echo(id)} is listed twice (the first is kept)`,
        "StudentUniqueId",
        recordText(record),
      );
      return;
    }
    ctx.students.push(student);
    for (const [path, name] of DEMOGRAPHIC_PATHS) {
      for (const element of fieldElements(record, path)) {
        const value = demographicValue(name, element.text);
        if (value === "") continue;
        builder.addDemographic({ studentId: id, field: name, value });
        demographics.set(name, (demographics.get(name) ?? 0) + 1);
      }
    }
    t.accept();
  });
  if (!tally) return;
  tally.note(
    `demographics (monitoring only, never on the student record): ${
      demographics.size === 0
        ? "none in the file"
        : [...demographics].map(([f, n]) => `${f} for ${n} student(s)`).join(", ")
    }; not loaded: birth date, visa, title and name suffix`,
  );
}

/** A descriptor's code value (`…SexDescriptor#Female` → `Female`); ethnicity's true/false in words. */
function demographicValue(name: string, text: string): string {
  if (name === "ethnicity") {
    if (text === "true" || text === "1") return "Hispanic or Latino";
    if (text === "false" || text === "0") return "Not Hispanic or Latino";
  }
  return codeValue(text).trim();
}
