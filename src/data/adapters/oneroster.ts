/**
 * The OneRoster 1.2 CSV adapter (rostering files: manifest, orgs, users, roles, classes,
 * enrollments, academicSessions, courses, demographics; the OneRoster 1.1 layout, with
 * each user's role in users.csv, is read too). The readers are shared with the SDS
 * adapter (oneroster/). OneRoster has no attendance. docs/adapters/oneroster.md describes
 * the mapping in full.
 */
import type { Adapter, ImportOptions } from "./adapter.ts";
import { importRoster, type RosterImportResult } from "./oneroster/import.ts";

export type { StudentKeys } from "./oneroster/context.ts";
export type { RosterImportResult } from "./oneroster/import.ts";
export { entraObjectId } from "./oneroster/users.ts";

export const oneRosterAdapter: Adapter = {
  name: "oneroster",
  description:
    "OneRoster 1.2 CSV rostering files: manifest, orgs, users, roles, classes, enrollments, " +
    "academicSessions, courses, demographics; staff.csv and advisers.csv optional; no attendance",
  import: importOneRoster,
};

/** Imports a OneRoster CSV folder. Every rejected row is in the report with its file, line and field. */
export function importOneRoster(
  dir: string,
  options: ImportOptions = {},
): Promise<RosterImportResult> {
  return importRoster("oneroster", dir, options);
}
