/**
 * The Microsoft School Data Sync (SDS) v2.1 CSV adapter: orgs, users, roles, classes,
 * enrollments, academicSessions, courses and relationships for the roster;
 * demographics.csv and userFlags.csv for equality monitoring only. SDS v2.1 is
 * OneRoster-based, so the readers are those of the OneRoster adapter (oneroster/), told
 * apart by dialect. docs/adapters/sds.md describes the mapping in full.
 */
import type { Adapter, ImportOptions } from "./adapter.ts";
import { importRoster, type RosterImportResult } from "./oneroster/import.ts";

export type { StudentKeys } from "./oneroster/context.ts";
export type { RosterImportResult } from "./oneroster/import.ts";

export const sdsAdapter: Adapter = {
  name: "sds",
  description:
    "Microsoft School Data Sync v2.1 CSV: orgs, users, roles, classes, enrollments, " +
    "academicSessions (courses, relationships, demographics and userFlags optional); " +
    "staff.csv and advisers.csv optional; no attendance or activity",
  import: importSds,
};

/** Imports an SDS v2.1 folder. Every rejected row is in the report with its file, line and field. */
export function importSds(dir: string, options: ImportOptions = {}): Promise<RosterImportResult> {
  return importRoster("sds", dir, options);
}
