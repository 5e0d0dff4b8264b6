/** academicSessions.csv (the dates of terms and school years), courses.csv and manifest.csv. */
import { echo } from "../../ids.ts";
import { FILES, type RosterContext } from "./context.ts";
import { readTable } from "./table.ts";
import { dateCell } from "./values.ts";

/**
 * academicSessions.csv: each session's start and end date, from which a class's
 * enrolments take their dates when the enrolment gives none. Optional.
 */
export async function readSessions(ctx: RosterContext): Promise<void> {
  await readTable(
    ctx,
    {
      file: FILES.sessions,
      entity: "academic session",
      required: ["sourcedId", "startDate", "endDate"],
      optional: ["title", "type", "schoolYear", "parentSourcedId", "status"],
      key: "sourcedId",
      fileOptional: true,
    },
    (r) => {
      const start = dateCell(r, "startDate");
      if (start === null) return;
      const end = dateCell(r, "endDate");
      if (end === null) return;
      if (start === undefined) return r.reject("missing_field", "startDate", "startDate is empty");
      if (end === undefined) return r.reject("missing_field", "endDate", "endDate is empty");
      if (end < start) {
        return r.reject("invalid_value", "endDate", "endDate is before startDate");
      }
      ctx.sessions.set(r.get("sourcedId"), { start, end });
      r.accept();
    },
  );
}

/** courses.csv: only its ids, to say which classes name a course it lacks. Optional. */
export async function readCourses(ctx: RosterContext): Promise<void> {
  const ids = new Set<string>();
  const tally = await readTable(
    ctx,
    {
      file: FILES.courses,
      entity: "course",
      required: ["sourcedId"],
      optional: ["title", "orgSourcedId", "status"],
      key: "sourcedId",
      fileOptional: true,
    },
    (r) => {
      ids.add(r.get("sourcedId"));
      r.accept();
    },
  );
  if (!tally || tally.report.error !== undefined) return;
  ctx.courses = ids;
  tally.note("courses are not part of Reach's model: read only to check classes' courseSourcedId");
}

/**
 * OneRoster's manifest.csv (`propertyName,value`): how each file was exported. A file
 * declared `delta` holds only changes and is not read; one declared `absent` is not read.
 * Without a manifest every file present is read as a bulk export.
 */
export async function readManifest(ctx: RosterContext): Promise<void> {
  const tally = await readTable(
    ctx,
    {
      file: FILES.manifest,
      entity: "manifest",
      required: ["propertyName", "value"],
      key: "propertyName",
      fileOptional: true,
    },
    (r) => {
      const name = r.get("propertyName");
      const value = r.get("value");
      if (name === "oneroster.version" && !value.startsWith("1.")) {
        return r.reject(
          "invalid_value",
          "value",
          `oneroster.version "${echo(value)}": Reach reads OneRoster 1.x`,
        );
      }
      if (name.startsWith("file.")) {
        const mode = value.toLowerCase();
        if (!["bulk", "delta", "absent"].includes(mode)) {
          return r.reject(
            "invalid_value",
            "value",
            `${name} must be bulk, delta or absent, got "${echo(value)}"`,
          );
        }
        ctx.manifest.set(`${name.slice("file.".length)}.csv`, mode);
      }
      r.accept();
    },
  );
  if (!tally) {
    ctx.report
      .file(FILES.manifest, "manifest")
      .note("no manifest.csv: every file present is read as a bulk export");
  }
}
