import type { Context } from "./context.ts";

/**
 * One School per school id that a student or section uses, named from organization.csv
 * (the id itself when the roster does not name it). Organisations without students or
 * sections (the district) are not schools here.
 */
export function addSchools(ctx: Context, organizations: Map<string, string>): void {
  const used = new Set<string>();
  for (const s of ctx.students) used.add(s.school);
  for (const s of ctx.builder.sectionList()) used.add(s.school);
  for (const id of used) {
    ctx.builder.addSchool({
      id,
      name: organizations.get(id) ?? id,
      attendanceRecording: "all_days",
    });
  }
  const unused = [...organizations].filter(([id]) => !used.has(id)).map(([, name]) => name);
  if (unused.length > 0) {
    const tally = ctx.report.files.find((f) => f.entity === "Organization");
    tally?.notes.push(
      `organisation(s) without students or sections, not schools: ${unused.join(", ")}`,
    );
  }
}
