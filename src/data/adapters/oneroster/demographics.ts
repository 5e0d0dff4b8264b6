/**
 * demographics.csv (both formats) and SDS's userFlags.csv: loaded for equality monitoring
 * only (`DatasetBuilder.addDemographic`, returned beside the data set in `Monitoring`),
 * never onto a Student, so no rule or card can read them. Rows about users who are not
 * students (staff, guardians) are accepted and not loaded: Reach keeps no demographics of
 * anyone else.
 */
import { echo } from "../../ids.ts";
import type { Demographic } from "../../schema.ts";
import { FILES, isDeleted, type RosterContext } from "./context.ts";
import { type Row, readTable } from "./table.ts";
import { booleanCell } from "./values.ts";

/** SDS demographics.csv column → Reach monitoring field; the columns not listed are not read. */
const SDS_FIELDS = {
  sex: "sex",
  ethnicityCodes: "ethnicity",
  raceCodes: "race",
  birthCountry: "birth_country",
} as const;
/** OneRoster demographics.csv true/false race columns; a `true` is a `race` value of that name. */
const ONEROSTER_RACES = [
  "americanIndianOrAlaskaNative",
  "asian",
  "blackOrAfricanAmerican",
  "nativeHawaiianOrOtherPacificIslander",
  "white",
  "demographicRaceTwoOrMoreRaces",
] as const;

/** Columns present in the files but never read (identifying, and of no use for monitoring). */
const SDS_UNREAD = ["birthDate", "birthCity", "birthState"];
const ONEROSTER_UNREAD = [
  "birthDate",
  "cityOfBirth",
  "stateOfBirthAbbreviation",
  "publicSchoolResidenceStatus",
];

/** The student the row is about; undefined (and the row accepted or rejected) otherwise. */
function studentOf(
  ctx: RosterContext,
  r: Row,
  column: string,
  notStudents: { n: number },
): string | undefined {
  const id = r.id(column);
  if (id === undefined) return undefined;
  if (isDeleted(ctx, FILES.users, id)) {
    r.accept();
    return undefined;
  }
  const kind = ctx.users.get(id);
  if (kind === undefined) {
    r.reject("unknown_student", column, `user "${echo(id)}" is not in users.csv`);
    return undefined;
  }
  if (kind !== "student") {
    notStudents.n++;
    r.accept();
    return undefined;
  }
  return id;
}

export async function readDemographics(ctx: RosterContext): Promise<void> {
  const sds = ctx.dialect === "sds";
  const idColumn = sds ? "userSourcedId" : "sourcedId";
  const notStudents = { n: 0 };
  const fields = new Map<string, number>();
  const tally = await readTable(
    ctx,
    {
      file: FILES.demographics,
      entity: "demographic",
      required: [idColumn],
      optional: sds
        ? [...Object.keys(SDS_FIELDS), ...SDS_UNREAD]
        : [
            "status",
            "sex",
            ...ONEROSTER_RACES,
            "hispanicOrLatinoEthnicity",
            "countryOfBirthCode",
            ...ONEROSTER_UNREAD,
          ],
      key: idColumn,
      fileOptional: true,
    },
    (r) => {
      const studentId = studentOf(ctx, r, idColumn, notStudents);
      if (studentId === undefined) return;
      const rows: Demographic[] = [];
      const add = (field: string, value: string) => {
        if (value !== "") rows.push({ studentId, field, value });
      };
      if (sds) {
        for (const [column, field] of Object.entries(SDS_FIELDS)) {
          // SDS lists several codes in one cell, comma-separated.
          for (const v of r.get(column).split(",")) add(field, v.trim());
        }
      } else {
        add("sex", r.get("sex"));
        for (const race of ONEROSTER_RACES) {
          const yes = booleanCell(r, race);
          if (yes === null) return;
          if (yes) add("race", race);
        }
        const hispanic = booleanCell(r, "hispanicOrLatinoEthnicity");
        if (hispanic === null) return;
        if (hispanic !== undefined) {
          add("ethnicity", hispanic ? "hispanicOrLatinoEthnicity" : "notHispanicOrLatinoEthnicity");
        }
        add("birth_country", r.get("countryOfBirthCode"));
      }
      for (const d of rows) {
        ctx.builder.addDemographic(d);
        fields.set(d.field, (fields.get(d.field) ?? 0) + 1);
      }
      r.accept();
    },
  );
  if (!tally) return;
  const loaded = [...fields].map(([f, n]) => `${f} ${n}`).join(", ");
  tally.note(
    `loaded for monitoring only, never on the student record: ${loaded || "nothing"}; ` +
      `not read: ${(sds ? SDS_UNREAD : ONEROSTER_UNREAD).join(", ")}`,
  );
  if (notStudents.n > 0) {
    tally.note(
      `${notStudents.n} row(s) about users who are not students (staff, contacts) not loaded`,
    );
  }
}

/** SDS userFlags.csv: each flag (`iep`, `freeLunch`, `504` …) as a `flag` monitoring value. */
export async function readUserFlags(ctx: RosterContext): Promise<void> {
  const notStudents = { n: 0 };
  let loaded = 0;
  const tally = await readTable(
    ctx,
    {
      file: FILES.userFlags,
      entity: "user flag",
      required: ["userSourcedId", "flag"],
      compositeKey: (r) => `user ${r.get("userSourcedId")}, flag ${r.get("flag")}`,
      compositeField: "flag",
      fileOptional: true,
    },
    (r) => {
      const flag = r.get("flag");
      if (flag === "") return r.reject("missing_field", "flag", "flag is empty");
      const studentId = studentOf(ctx, r, "userSourcedId", notStudents);
      if (studentId === undefined) return;
      ctx.builder.addDemographic({ studentId, field: "flag", value: flag });
      loaded++;
      r.accept();
    },
  );
  if (!tally) return;
  tally.note(
    `${loaded} flag(s) loaded as field "flag" for monitoring only, never on the student record`,
  );
  if (notStudents.n > 0) {
    tally.note(`${notStudents.n} row(s) about users who are not students not loaded`);
  }
}
