/**
 * EducationOrganization.xml → the schools' names. Only `<School>` records are read: the
 * district, the service centre, courses, programmes and locations are not schools here.
 */
import { echo, idProblem } from "../../ids.ts";
import type { EdfiSource } from "./context.ts";
import { FILES } from "./names.ts";
import { field, placeOf, readXmlRecords, recordText } from "./xml-records.ts";

/** School id → name; undefined when the file is absent (any school id is then accepted). */
export async function readSchools(source: EdfiSource): Promise<Map<string, string> | undefined> {
  const schools = new Map<string, string>();
  const tally = await readXmlRecords(source, FILES.schools, new Set(["School"]), (record, t) => {
    const id = field(record, "SchoolId") ?? "";
    const problem = id === "" ? "no SchoolId" : idProblem(id, "SchoolId");
    if (problem) {
      t.reject(
        record.line,
        id === "" ? "missing_field" : "invalid_value",
        `${placeOf(record)}: ${problem}`,
        "SchoolId",
        recordText(record),
      );
      return;
    }
    if (schools.has(id)) {
      t.reject(
        record.line,
        "duplicate",
        `${placeOf(record)}: school ${echo(id)} is defined twice (the first is kept)`,
        "SchoolId",
        recordText(record),
      );
      return;
    }
    schools.set(id, field(record, "NameOfInstitution") || id);
    t.accept();
  });
  if (!tally) {
    source.report
      .file(FILES.schools.file, FILES.schools.entity)
      .note(`${FILES.schools.file} is absent: schools are named by their SchoolId`);
    return undefined;
  }
  tally.note(
    "only <School> records are read (the district, courses, programmes and locations are not schools in Reach)",
  );
  return schools;
}
