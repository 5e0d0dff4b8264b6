/**
 * What the readers of a OneRoster-shaped roster share during one import. School Data Sync
 * v2.1 CSV is OneRoster-based: the same entities (orgs, users, roles, classes,
 * enrollments, academic sessions, courses, demographics) with a few columns named or
 * kept differently, so one set of readers serves both, told apart by `dialect`.
 */
import type { DatasetBuilder } from "../../dataset.ts";
import type { DayNumber } from "../../dates.ts";
import type { FileTally } from "../../import-report.ts";
import type { Staff, Student } from "../../schema.ts";
import type { CsvSource } from "../headed-csv.ts";

export type Dialect = "sds" | "oneroster";

/** One row of orgs.csv. */
export interface Org {
  name: string;
  /** The type lower-cased (`school`, `college`, `department`, `ministryofeducation` …). */
  type: string;
  /** The type as written (`ministryOfEducation`). */
  typeAsWritten: string;
  parent: string;
  line: number;
}

/** An academic session's dates (a term, semester or school year). */
export interface Term {
  start: DayNumber;
  end: DayNumber;
}

/** What a role row (or, in the OneRoster 1.1 layout, a users.csv row) says about a user. */
export interface UserRole {
  org: string;
  /** The role as written, lower-cased. */
  role: string;
  kind: RoleKind;
  primary: boolean;
  grade: string;
  begin?: DayNumber;
  end?: DayNumber;
  line: number;
}

/** What a role makes of a user in Reach. */
export type RoleKind = "student" | "staff" | "family" | "former" | "extension";

/** A loaded class: the Reach school of its section and the dates of its terms. */
export interface ClassInfo {
  school: string;
  start?: DayNumber;
  end?: DayNumber;
}

/**
 * A student's identifiers other than the Reach id (the `sourcedId`), as the roster gives
 * them, for a source combined with this one (attendance or activity from elsewhere) to
 * match its rows on.
 */
export interface StudentKeys {
  username?: string;
  email?: string;
  /** SDS `activeDirectoryMatchId`: the Entra user principal name (or object id). */
  activeDirectoryMatchId?: string;
  /** OneRoster `identifier`: the SIS's own number for the student. */
  identifier?: string;
  /** OneRoster 1.2 `userMasterIdentifier`. */
  userMasterIdentifier?: string;
}

export type UserKind = "student" | "staff" | "family" | "other";

export interface RosterContext extends CsvSource {
  readonly dialect: Dialect;
  readonly builder: DatasetBuilder;
  readonly orgs: Map<string, Org>;
  readonly sessions: Map<string, Term>;
  /** Course ids of courses.csv, or undefined when there is none. */
  courses?: Set<string>;
  /** User id → their roles in file order. */
  readonly roles: Map<string, UserRole[]>;
  /** User ids that relationships.csv names as someone's guardian or relative (SDS). */
  readonly contacts: Set<string>;
  /** Every user read from users.csv and what Reach made of them. */
  readonly users: Map<string, UserKind>;
  /** The students loaded, by id (the same objects as in the builder). */
  readonly students: Map<string, Student>;
  readonly staff: Staff[];
  readonly classes: Map<string, ClassInfo>;
  /** Class ids of classes.csv rows that were rejected. */
  readonly rejectedClasses: Set<string>;
  readonly keys: Map<string, StudentKeys>;
  /** Department (or programme) orgs used as schools because no school is above them. */
  readonly partSchools: Set<string>;
  /** Ids of rows marked `status=tobedeleted` (OneRoster), by file. */
  readonly deleted: Map<string, Set<string>>;
  /** How the OneRoster manifest declares each file (`bulk`, `delta`, `absent`). */
  readonly manifest: Map<string, string>;
  /** OneRoster 1.1 layout: no roles.csv, each user's `role` and `orgSourcedIds` in users.csv. */
  rolesFromUsers?: boolean;
  /** Tallies of roles.csv and relationships.csv, for rows retracted once users are known. */
  rolesTally?: FileTally;
  relationshipsTally?: FileTally;
  /** roles.csv / relationships.csv lines per user id they name. */
  readonly roleLines: Map<string, number[]>;
  readonly relationshipLines: Map<string, number[]>;
}

export const UNKNOWN_SCHOOL = "unknown";

export const FILES = {
  manifest: "manifest.csv",
  orgs: "orgs.csv",
  sessions: "academicSessions.csv",
  courses: "courses.csv",
  users: "users.csv",
  roles: "roles.csv",
  relationships: "relationships.csv",
  classes: "classes.csv",
  enrollments: "enrollments.csv",
  demographics: "demographics.csv",
  userFlags: "userFlags.csv",
} as const;

export function isDeleted(ctx: RosterContext, file: string, id: string): boolean {
  return ctx.deleted.get(file)?.has(id) ?? false;
}
