import type { DatasetBuilder } from "../../dataset.ts";
import type { Staff, Student } from "../../schema.ts";
import type { CsvSource } from "../headed-csv.ts";

/** What every OEA file reader shares during one import. */
export interface Context extends CsvSource {
  builder: DatasetBuilder;
  /** The student records, by their index in the builder (their school may still be set). */
  students: Student[];
}

/** What the roster says about people, before students are made. */
export interface Roster {
  organizations: Map<string, string>;
  /** RefDefinition Id → Code (`9`, `Student`). */
  refCodes: Map<string, string>;
  /** AadUser ObjectId → Person Id. */
  personOfUser: Map<string, string>;
  /** Person Id → AadUser ObjectId. */
  userOfPerson: Map<string, string>;
  /** Person Id → the organisation and grade of the person's (primary) role. */
  roleOfPerson: Map<string, { organization: string; grade: string; primary: boolean }>;
  /** Person Id → the person's roles other than Student, in file order. */
  otherRolesOfPerson: Map<string, PersonRole[]>;
  sectionIds: Set<string>;
  /** The roster's staff users (see roster-staff.ts), without Reach roles. */
  staff: Staff[];
}

/** One PersonOrganizationRole row: the role's RefDefinition code (`Teacher`) and where. */
export interface PersonRole {
  organization: string;
  role: string;
  primary: boolean;
}

export function emptyRoster(): Roster {
  return {
    organizations: new Map(),
    refCodes: new Map(),
    personOfUser: new Map(),
    userOfPerson: new Map(),
    roleOfPerson: new Map(),
    otherRolesOfPerson: new Map(),
    sectionIds: new Set(),
    staff: [],
  };
}
