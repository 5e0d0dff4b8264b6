/**
 * roles.csv (each user's roles in orgs, with grade, primary flag and dates) and SDS's
 * relationships.csv (who is a student's guardian or relative). Roles are read before
 * users, so a role of a user that users.csv lacks is retracted once users are known
 * (`checkRoleUsers`).
 */
import { echo } from "../../ids.ts";
import { type Dialect, FILES, isDeleted, type RoleKind, type RosterContext } from "./context.ts";
import { readTable } from "./table.ts";
import { booleanCell, dateCell } from "./values.ts";

/** Roles of the SDS v2.1 list of values (roles.csv), lower-cased. */
const SDS_ROLES = [
  "principal",
  "chair",
  "professor",
  "researcher",
  "adjunct",
  "affiliate",
  "occupationaltherapist",
  "physicaltherapist",
  "speechtherapist",
  "visiontherapist",
  "paraprofessional",
  "specialservices",
  "advisor",
  "proctor",
  "nurse",
  "officestaff",
  "lecturer",
  "itadmin",
  "administrator",
  "teacher",
  "faculty",
  "staff",
  "teacherassistant",
  "assistant",
  "instructor",
  "substitute",
  "coach",
  "alumni",
  "student",
  "other",
];
/** Roles of OneRoster 1.2 (roles.csv) and 1.1 (users.csv `role`), lower-cased. */
const ONEROSTER_ROLES = [
  "aide",
  "administrator",
  "counselor",
  "districtadministrator",
  "guardian",
  "parent",
  "principal",
  "proctor",
  "relative",
  "siteadministrator",
  "student",
  "systemadministrator",
  "teacher",
];
/** Roles OneRoster allows in enrollments.csv, lower-cased. */
const ONEROSTER_ENROLMENT_ROLES = ["administrator", "aide", "proctor", "student", "teacher"];

const FAMILY = new Set(["guardian", "parent", "relative"]);

/** What the role `role` (lower-cased) makes of a user, or undefined for a role not in the format's list. */
export function kindOfRole(dialect: Dialect, role: string): RoleKind | undefined {
  if (role.startsWith("ext:")) return "extension";
  const list = dialect === "sds" ? SDS_ROLES : ONEROSTER_ROLES;
  if (!list.includes(role)) return undefined;
  if (role === "student") return "student";
  if (role === "alumni") return "former";
  if (FAMILY.has(role)) return "family";
  return "staff";
}

/** Whether `role` (lower-cased) may stand in enrollments.csv. */
export function isEnrolmentRole(dialect: Dialect, role: string): boolean {
  if (role.startsWith("ext:")) return true;
  const list = dialect === "sds" ? SDS_ROLES : ONEROSTER_ENROLMENT_ROLES;
  return list.includes(role) && role !== "alumni";
}

export function expectedRoles(dialect: Dialect, enrolment = false): string {
  return dialect === "sds"
    ? "a role of the SDS v2.1 list of values"
    : `one of ${(enrolment ? ONEROSTER_ENROLMENT_ROLES : ONEROSTER_ROLES).join(", ")} or ext:…`;
}

export async function readRoles(ctx: RosterContext): Promise<void> {
  const sds = ctx.dialect === "sds";
  ctx.rolesTally = await readTable(
    ctx,
    sds
      ? {
          file: FILES.roles,
          entity: "role",
          required: ["userSourcedId", "orgSourcedId", "role"],
          optional: ["sessionSourcedId", "grade", "isPrimary", "roleStartDate", "roleEndDate"],
          compositeKey: (r) =>
            `user ${r.get("userSourcedId")}, org ${r.get("orgSourcedId")}, role ${r.get("role")}` +
            `, session ${r.get("sessionSourcedId") || "(none)"}`,
          compositeField: "role",
        }
      : {
          file: FILES.roles,
          entity: "role",
          required: ["sourcedId", "userSourcedId", "role", "roleType", "orgSourcedId"],
          optional: ["status", "beginDate", "endDate", "userProfileSourcedId"],
          key: "sourcedId",
        },
    (r) => {
      const user = r.id("userSourcedId");
      if (user === undefined) return;
      const org = r.id("orgSourcedId");
      if (org === undefined) return;
      const role = r.get("role").toLowerCase();
      if (role === "") return r.reject("missing_field", "role", "role is empty");
      const kind = kindOfRole(ctx.dialect, role);
      if (kind === undefined) {
        return r.reject(
          "invalid_value",
          "role",
          `unknown role "${echo(r.get("role"))}" (expected ${expectedRoles(ctx.dialect)})`,
        );
      }
      if (isDeleted(ctx, FILES.orgs, org)) {
        r.accept();
        return;
      }
      if (!ctx.orgs.has(org)) {
        return r.reject(
          "unknown_reference",
          "orgSourcedId",
          `org "${echo(org)}" is not in orgs.csv`,
        );
      }
      let primary: boolean;
      if (sds) {
        const p = booleanCell(r, "isPrimary");
        if (p === null) return;
        primary = p ?? false;
      } else {
        const t = r.get("roleType").toLowerCase();
        if (t !== "primary" && t !== "secondary") {
          return r.reject(
            "invalid_value",
            "roleType",
            `roleType must be primary or secondary, got "${echo(r.get("roleType"))}"`,
          );
        }
        primary = t === "primary";
      }
      const beginColumn = sds ? "roleStartDate" : "beginDate";
      const endColumn = sds ? "roleEndDate" : "endDate";
      const begin = dateCell(r, beginColumn);
      if (begin === null) return;
      const end = dateCell(r, endColumn);
      if (end === null) return;
      if (begin !== undefined && end !== undefined && end < begin) {
        return r.reject("invalid_value", endColumn, `${endColumn} is before ${beginColumn}`);
      }
      const list = ctx.roles.get(user) ?? [];
      list.push({ org, role, kind, primary, grade: r.get("grade"), begin, end, line: r.line });
      ctx.roles.set(user, list);
      const lines = ctx.roleLines.get(user) ?? [];
      lines.push(r.line);
      ctx.roleLines.set(user, lines);
      r.accept();
    },
  );
}

/** SDS relationships.csv: the contacts it names are family, not staff. Optional. */
export async function readRelationships(ctx: RosterContext): Promise<void> {
  ctx.relationshipsTally = await readTable(
    ctx,
    {
      file: FILES.relationships,
      entity: "relationship",
      required: ["userSourcedId", "relationshipUserSourcedId", "relationshipRole"],
      compositeKey: (r) =>
        `user ${r.get("userSourcedId")}, contact ${r.get("relationshipUserSourcedId")}`,
      compositeField: "relationshipUserSourcedId",
      fileOptional: true,
    },
    (r) => {
      const student = r.id("userSourcedId");
      if (student === undefined) return;
      const contact = r.id("relationshipUserSourcedId");
      if (contact === undefined) return;
      if (r.get("relationshipRole") === "") {
        return r.reject("missing_field", "relationshipRole", "relationshipRole is empty");
      }
      ctx.contacts.add(contact);
      for (const id of [student, contact]) {
        const lines = ctx.relationshipLines.get(id) ?? [];
        lines.push(r.line);
        ctx.relationshipLines.set(id, lines);
      }
      r.accept();
    },
  );
  ctx.relationshipsTally?.note(
    "relationships are read only to know guardians and relatives, who are not loaded",
  );
}

/**
 * Once users.csv is read: retracts the roles.csv and relationships.csv rows that name a
 * user it lacks (`unknown_reference`). Users marked tobedeleted are not unknown.
 */
export function checkRoleUsers(ctx: RosterContext): void {
  const known = (id: string) => ctx.users.has(id) || isDeleted(ctx, FILES.users, id);
  const retracted = new Set<number>();
  for (const [lines, tally, field, what] of [
    [ctx.roleLines, ctx.rolesTally, "userSourcedId", "user"],
    [ctx.relationshipLines, ctx.relationshipsTally, "userSourcedId", "user"],
  ] as const) {
    if (!tally) continue;
    retracted.clear();
    for (const [id, ls] of lines) {
      if (known(id)) continue;
      for (const line of ls) {
        if (retracted.has(line)) continue;
        retracted.add(line);
        tally.retract(
          line,
          "unknown_reference",
          `${what} "${echo(id)}" is not in users.csv`,
          tally === ctx.relationshipsTally && ctx.contacts.has(id)
            ? "relationshipUserSourcedId"
            : field,
        );
      }
      if (tally === ctx.rolesTally) ctx.roles.delete(id);
    }
  }
}
