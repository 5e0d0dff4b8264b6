/**
 * orgs.csv and which organisations become Reach schools.
 *
 * A Reach school is where a student's case belongs: an org whose type is a teaching
 * institution (`school`, `college`, `university`, `campus`, `adultEducation`). A
 * `department` or `program` is part of one: its students, staff and classes belong to the
 * nearest such org above it (by `parentSourcedId`), or to the department itself when none
 * is above it. Administrative orgs (district, ministry, state, trust …) are never schools.
 */
import { echo } from "../../ids.ts";
import { FILES, type Org, type RosterContext } from "./context.ts";
import { readTable } from "./table.ts";

const SCHOOL_TYPES = new Set(["school", "college", "university", "campus", "adulteducation"]);
const PART_TYPES = new Set(["department", "program"]);

/** Org types of the SDS v2.1 list of values, lower-cased. */
const SDS_ORG_TYPES = new Set([
  ...SCHOOL_TYPES,
  ...PART_TYPES,
  "ministryofeducation",
  "localauthority",
  "region",
  "district",
  "division",
  "local",
  "province",
  "state",
  "researchcenter",
  "national",
  "municipality",
  "departmentofeducation",
  "academictrust",
]);
/** Org types of OneRoster 1.1 and 1.2, lower-cased (`ext:` types are accepted too). */
const ONEROSTER_ORG_TYPES = new Set([
  "department",
  "school",
  "district",
  "local",
  "state",
  "national",
]);

export type OrgClass = "school" | "part" | "administrative";

export function classOfOrg(org: Org): OrgClass {
  if (SCHOOL_TYPES.has(org.type)) return "school";
  if (PART_TYPES.has(org.type)) return "part";
  return "administrative";
}

export async function readOrgs(ctx: RosterContext): Promise<void> {
  const vocabulary = ctx.dialect === "sds" ? SDS_ORG_TYPES : ONEROSTER_ORG_TYPES;
  const tally = await readTable(
    ctx,
    {
      file: FILES.orgs,
      entity: "organisation",
      required: ["sourcedId", "name", "type"],
      optional: ["parentSourcedId", "identifier", "status"],
      key: "sourcedId",
    },
    (r) => {
      const id = r.get("sourcedId");
      const name = r.get("name");
      if (name === "") return r.reject("missing_field", "name", "name is empty");
      const type = r.get("type").toLowerCase();
      if (!vocabulary.has(type) && !type.startsWith("ext:")) {
        return r.reject(
          "invalid_value",
          "type",
          `unknown org type "${echo(r.get("type"))}" (expected one of the ${
            ctx.dialect === "sds" ? "SDS v2.1" : "OneRoster"
          } org types, or ext:…)`,
        );
      }
      ctx.orgs.set(id, {
        name,
        type,
        typeAsWritten: r.get("type"),
        parent: r.get("parentSourcedId"),
        line: r.line,
      });
      r.accept();
    },
  );
  if (!tally) return;
  const unknownParents = [...ctx.orgs.values()].filter(
    (o) => o.parent !== "" && !ctx.orgs.has(o.parent),
  );
  if (unknownParents.length > 0) {
    tally.note(
      `${unknownParents.length} org(s) name a parentSourcedId that orgs.csv lacks (lines ${unknownParents
        .map((o) => o.line)
        .join(", ")}): a department there cannot be placed in a school above it`,
    );
  }
}

/**
 * The Reach school of the org `id` names: the org itself when it is a school, the nearest
 * school above a department, the department itself when no school is above it; undefined
 * for an administrative org or an id orgs.csv lacks.
 */
export function schoolOf(ctx: RosterContext, id: string): string | undefined {
  const org = ctx.orgs.get(id);
  if (!org) return undefined;
  const cls = classOfOrg(org);
  if (cls === "school") return id;
  if (cls === "administrative") return undefined;
  const visited = new Set([id]);
  let parent = org.parent;
  while (parent !== "" && !visited.has(parent)) {
    visited.add(parent);
    const up = ctx.orgs.get(parent);
    if (!up) break;
    if (classOfOrg(up) === "school") return parent;
    parent = up.parent;
  }
  ctx.partSchools.add(id);
  return id;
}

/**
 * One Reach School per school-type org, and per department used as a school (see
 * `schoolOf`); `unknown` when a student or member of staff could not be placed. The
 * report lists the orgs that are not schools.
 */
export function addSchools(ctx: RosterContext, usedIds: ReadonlySet<string>): void {
  const notSchools: string[] = [];
  for (const [id, org] of ctx.orgs) {
    const cls = classOfOrg(org);
    if (cls === "school" || ctx.partSchools.has(id)) {
      ctx.builder.addSchool({ id, name: org.name, attendanceRecording: "all_days" });
    } else {
      notSchools.push(
        `${id} ${org.name} (${org.typeAsWritten}${cls === "part" ? ", part of a school" : ""})`,
      );
    }
  }
  for (const id of usedIds) {
    if (!ctx.orgs.has(id)) ctx.builder.addSchool({ id, name: id, attendanceRecording: "all_days" });
  }
  const tally = ctx.report.files.find((f) => f.file === FILES.orgs);
  if (tally && notSchools.length > 0) {
    tally.notes.push(`orgs that are not Reach schools: ${notSchools.join("; ")}`);
  }
  if (tally && ctx.partSchools.size > 0) {
    tally.notes.push(
      `${ctx.partSchools.size} department(s) with no school above them used as schools: ${[
        ...ctx.partSchools,
      ].join(", ")}`,
    );
  }
}
