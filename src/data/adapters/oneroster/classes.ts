/**
 * classes.csv (Reach sections) and enrollments.csv (a student's enrolment in a section).
 * A class belongs to the Reach school of its org (`orgSourcedId` in SDS,
 * `schoolSourcedId` in OneRoster); its enrolments take their dates from the enrolment row
 * (OneRoster `beginDate`/`endDate`) or else from the class's academic sessions.
 */
import { echo } from "../../ids.ts";
import { FILES, isDeleted, type RosterContext } from "./context.ts";
import { classOfOrg, schoolOf } from "./orgs.ts";
import { expectedRoles, isEnrolmentRole } from "./roles.ts";
import { readTable } from "./table.ts";
import { dateCell, listCell } from "./values.ts";

export async function readClasses(ctx: RosterContext): Promise<void> {
  const sds = ctx.dialect === "sds";
  const orgColumn = sds ? "orgSourcedId" : "schoolSourcedId";
  const termColumn = sds ? "sessionSourcedIds" : "termSourcedIds";
  let unknownTerms = 0;
  let unknownCourses = 0;
  let deletedOrg = 0;
  const seen = new Set<string>();
  const tally = await readTable(
    ctx,
    {
      file: FILES.classes,
      entity: "class",
      required: ["sourcedId", "title", orgColumn],
      optional: [termColumn, "courseSourcedId", "classCode", "classType", "location", "status"],
      key: "sourcedId",
      fileOptional: true,
    },
    (r) => {
      const id = r.get("sourcedId");
      seen.add(id);
      const org = r.id(orgColumn);
      if (org === undefined) return;
      const name = r.get("title") || r.get("classCode");
      if (name === "") return r.reject("missing_field", "title", "title is empty");
      if (isDeleted(ctx, FILES.orgs, org)) {
        deletedOrg++;
        const gone = ctx.deleted.get(FILES.classes) ?? new Set<string>();
        gone.add(id);
        ctx.deleted.set(FILES.classes, gone);
        r.accept();
        return;
      }
      const known = ctx.orgs.get(org);
      if (!known) {
        return r.reject("unknown_reference", orgColumn, `org "${echo(org)}" is not in orgs.csv`);
      }
      const school = schoolOf(ctx, org);
      if (school === undefined) {
        return r.reject(
          "unknown_reference",
          orgColumn,
          `org "${echo(org)}" is a ${known.typeAsWritten} (${classOfOrg(known)}), not a school or part of one`,
        );
      }
      let start: number | undefined;
      let end: number | undefined;
      for (const term of listCell(r, termColumn)) {
        const dates = ctx.sessions.get(term);
        if (!dates) {
          unknownTerms++;
          continue;
        }
        if (start === undefined || dates.start < start) start = dates.start;
        if (end === undefined || dates.end > end) end = dates.end;
      }
      const course = r.get("courseSourcedId");
      if (course !== "" && ctx.courses && !ctx.courses.has(course)) unknownCourses++;
      ctx.builder.addSection({ id, name, school });
      ctx.classes.set(id, { school, start, end });
      r.accept();
    },
  );
  if (!tally) return;
  for (const id of seen) if (!ctx.classes.has(id)) ctx.rejectedClasses.add(id);
  if (unknownTerms > 0) {
    tally.note(
      `${unknownTerms} ${termColumn} value(s) name no session of academicSessions.csv: those terms give no dates`,
    );
  }
  if (unknownCourses > 0) {
    tally.note(
      `${unknownCourses} class(es) name a courseSourcedId that courses.csv lacks (not used)`,
    );
  }
  if (deletedOrg > 0) {
    tally.note(`${deletedOrg} class(es) of orgs marked tobedeleted not loaded`);
  }
}

export async function readEnrollments(ctx: RosterContext): Promise<void> {
  const sds = ctx.dialect === "sds";
  const pairs = new Map<string, number>();
  const staffRows = new Map<string, number>();
  let passedOver = 0;
  let datesFromClass = 0;
  const tally = await readTable(
    ctx,
    sds
      ? {
          file: FILES.enrollments,
          entity: "enrolment",
          required: ["classSourcedId", "userSourcedId", "role"],
          compositeKey: (r) =>
            `class ${r.get("classSourcedId")}, user ${r.get("userSourcedId")}, role ${r.get("role")}`,
          compositeField: "userSourcedId",
          fileOptional: true,
        }
      : {
          file: FILES.enrollments,
          entity: "enrolment",
          required: ["sourcedId", "classSourcedId", "userSourcedId", "role"],
          optional: ["schoolSourcedId", "primary", "beginDate", "endDate", "status"],
          key: "sourcedId",
          fileOptional: true,
        },
    (r) => {
      const classId = r.id("classSourcedId");
      if (classId === undefined) return;
      const user = r.id("userSourcedId");
      if (user === undefined) return;
      const role = r.get("role").toLowerCase();
      if (role === "") return r.reject("missing_field", "role", "role is empty");
      if (!isEnrolmentRole(ctx.dialect, role)) {
        return r.reject(
          "invalid_value",
          "role",
          `unknown role "${echo(r.get("role"))}" (expected ${expectedRoles(ctx.dialect, true)})`,
        );
      }
      if (isDeleted(ctx, FILES.classes, classId) || isDeleted(ctx, FILES.users, user)) {
        passedOver++;
        r.accept();
        return;
      }
      const cls = ctx.classes.get(classId);
      if (!cls) {
        return r.reject(
          "unknown_reference",
          "classSourcedId",
          ctx.rejectedClasses.has(classId) && !isDeleted(ctx, FILES.classes, classId)
            ? `class "${echo(classId)}" was rejected in classes.csv`
            : `class "${echo(classId)}" is not in classes.csv`,
        );
      }
      const kind = ctx.users.get(user);
      if (role !== "student") {
        if (kind === undefined) {
          return r.reject(
            "unknown_reference",
            "userSourcedId",
            `user "${echo(user)}" is not in users.csv`,
          );
        }
        staffRows.set(role, (staffRows.get(role) ?? 0) + 1);
        r.accept();
        return;
      }
      if (kind !== "student") {
        return r.reject(
          "unknown_student",
          "userSourcedId",
          kind === undefined
            ? `user "${echo(user)}" is not in users.csv`
            : `user "${echo(user)}" is not a student (no student role in roles.csv)`,
        );
      }
      const pair = `${classId}\u0000${user}`;
      const earlier = pairs.get(pair);
      if (earlier !== undefined) {
        return r.reject(
          "duplicate",
          "userSourcedId",
          `user "${echo(user)}" is already enrolled in class "${echo(classId)}" on line ${earlier} (the first is kept)`,
        );
      }
      const begin = dateCell(r, "beginDate");
      if (begin === null) return;
      const endDay = dateCell(r, "endDate");
      if (endDay === null) return;
      const start = begin ?? cls.start ?? ctx.students.get(user)?.enrolledFrom;
      const end = endDay ?? cls.end;
      if (begin === undefined) datesFromClass++;
      if (start === undefined) {
        return r.reject(
          "missing_field",
          sds ? "classSourcedId" : "beginDate",
          sds
            ? `the class has no session dates (academicSessions.csv) and the student's role no roleStartDate: the enrolment has no start`
            : "beginDate is empty, the class's terms give no dates and the student's role no beginDate",
        );
      }
      if (end !== undefined && end < start) {
        return r.reject(
          "invalid_value",
          sds ? "classSourcedId" : "endDate",
          "the enrolment ends before it starts",
        );
      }
      pairs.set(pair, r.line);
      ctx.builder.addEnrolment({ studentId: user, sectionId: classId, start, end });
      r.accept();
    },
  );
  if (!tally) return;
  if (staffRows.size > 0) {
    const byRole = [...staffRows].map(([role, n]) => `${role} ${n}`).join(", ");
    tally.note(
      `staff enrolments not loaded (a class's teacher is not a student's adviser): ${byRole}`,
    );
  }
  if (datesFromClass > 0) {
    tally.note(
      sds
        ? `${datesFromClass} enrolment(s) dated from their class's academic sessions (SDS enrolments carry no dates)`
        : `${datesFromClass} enrolment(s) without beginDate dated from their class's terms`,
    );
  }
  if (passedOver > 0) {
    tally.note(`${passedOver} enrolment(s) of classes or users marked tobedeleted passed over`);
  }
}
