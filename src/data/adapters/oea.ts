/**
 * The Microsoft Open Education Analytics (OEA) K-12 adapter: a Microsoft Education Insights
 * roster (CDM CSVs without header rows, column names in the folder's `.cdm.json`), Contoso
 * SIS daily attendance (`studentattendance.csv`) and Clever daily participation
 * (`clever-daily-participation.csv`).
 *
 * The AAD object id is the student id: it is `ObjectId` in AadUser, `student_id` in the SIS
 * attendance and `sis_id` in Clever. There is no calendar file, so a school's instructional
 * days are the dates on which attendance was recorded for its students.
 * docs/adapters/oea.md describes the mapping in full.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { csvLine, readCsvFile } from "../csv.ts";
import { DatasetBuilder, STATUS_CODE } from "../dataset.ts";
import { type DayNumber, parseIsoDay } from "../dates.ts";
import { type FileTally, ImportReport } from "../import-report.ts";
import { headerKey } from "../rows.ts";
import type { AttendanceStatus, Student } from "../schema.ts";
import type { Adapter, ImportOptions, ImportResult } from "./adapter.ts";

export const ROSTER_DIR = "insights-roster";
export const ATTENDANCE_FILE = "studentattendance.csv";
export const CLEVER_FILE = "clever-daily-participation.csv";
export const SECTION_MARK_FILE = "studentsectionmark.csv";
export const CLEVER_SOURCE = "clever";
export const CLEVER_KIND = "login";
/** School id given to a student whom neither the roster nor a data file places in a school. */
export const UNKNOWN_SCHOOL = "unknown";

/** Roster entities the adapter reads; the others in the CDM are listed as not read. */
const ROSTER_ENTITIES = [
  "Organization",
  "RefDefinition",
  "AadUserPersonMapping",
  "PersonOrganizationRole",
  "AadUser",
  "Section",
  "Enrollment",
] as const;
type RosterEntity = (typeof ROSTER_ENTITIES)[number];

/**
 * Attribute names per entity from a CDM schema document (`definitions[].entityName` and
 * `hasAttributes[].name`, in order: the column order of the entity's headerless CSV).
 */
export function parseCdmSchema(json: unknown): Map<string, string[]> {
  const entities = new Map<string, string[]>();
  const definitions = (json as { definitions?: unknown })?.definitions;
  if (!Array.isArray(definitions)) return entities;
  for (const def of definitions) {
    const name = (def as { entityName?: unknown })?.entityName;
    const attrs = (def as { hasAttributes?: unknown })?.hasAttributes;
    if (typeof name !== "string" || !Array.isArray(attrs)) continue;
    const names = attrs.map((a) =>
      typeof a === "string" ? a : String((a as { name?: unknown })?.name ?? ""),
    );
    entities.set(name, names);
  }
  return entities;
}

/** The file holding an entity's rows: the entity name lower-cased (`AadUser` → `aaduser.csv`). */
export function cdmFileName(entity: string): string {
  return `${entity.toLowerCase()}.csv`;
}

/**
 * Maps a Contoso SIS attendance code and/or status text to a canonical status. Codes are
 * matched exactly (case-insensitive), status texts by wording; undefined when neither says.
 */
export function oeaAttendanceStatus(code: string, text: string): AttendanceStatus | undefined {
  return statusOfCode(code) ?? statusOfText(text);
}

const CODES: Record<string, AttendanceStatus> = {
  p: "present",
  a: "unexcused_absence",
  u: "unexcused_absence",
  ua: "unexcused_absence",
  e: "excused_absence",
  ae: "excused_absence",
  ea: "excused_absence",
  x: "excused_absence",
  t: "tardy",
  l: "tardy",
  ed: "early_departure",
};

function statusOfCode(code: string): AttendanceStatus | undefined {
  const c = code.trim().toLowerCase();
  return c === "" ? undefined : (CODES[c] ?? statusOfText(c));
}

function statusOfText(text: string): AttendanceStatus | undefined {
  const t = text
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, " ");
  if (t === "") return undefined;
  if (t.includes("unexcused")) return "unexcused_absence";
  if (t.includes("excused")) return "excused_absence";
  if (t.includes("tardy") || t === "late" || t.startsWith("late ")) return "tardy";
  if (t.includes("early")) return "early_departure";
  if (t.includes("partial")) return "partial";
  if (t === "present" || t === "in attendance") return "present";
  if (t === "absent" || t === "absence") return "unexcused_absence";
  return undefined;
}

export const oeaAdapter: Adapter = {
  name: "oea",
  description:
    "Microsoft OEA K-12: Education Insights roster (insights-roster/, CDM CSVs without headers), " +
    "Contoso SIS studentattendance.csv, Clever clever-daily-participation.csv",
  import: importOea,
};

interface Context {
  dir: string;
  options: ImportOptions;
  report: ImportReport;
  builder: DatasetBuilder;
  /** The student records, by their index in the builder (their school may still be set). */
  students: Student[];
}

/** What the roster says about people, before students are made. */
interface Roster {
  organizations: Map<string, string>;
  /** RefDefinition Id → Code (`9`, `Student`). */
  refCodes: Map<string, string>;
  /** AadUser ObjectId → Person Id. */
  personOfUser: Map<string, string>;
  /** Person Id → AadUser ObjectId. */
  userOfPerson: Map<string, string>;
  /** Person Id → the organisation and grade of the person's (primary) role. */
  roleOfPerson: Map<string, { organization: string; grade: string; primary: boolean }>;
  sectionIds: Set<string>;
}

/** Imports an OEA K-12 folder. Every rejected row is in the report with its file, line and field. */
export async function importOea(dir: string, options: ImportOptions = {}): Promise<ImportResult> {
  const report = new ImportReport(`oea ${dir}`);
  const builder = new DatasetBuilder();
  const ctx: Context = { dir, options, report, builder, students: [] };
  const roster: Roster = {
    organizations: new Map(),
    refCodes: new Map(),
    personOfUser: new Map(),
    userOfPerson: new Map(),
    roleOfPerson: new Map(),
    sectionIds: new Set(),
  };

  const entities = loadRosterSchema(ctx);
  /** Students the roster could not place in a school, filled in from the data files. */
  const unplaced = new Set<Student>();
  if (entities) {
    await readOrganizations(ctx, entities, roster);
    await readRefDefinitions(ctx, entities, roster);
    await readUserPersonMapping(ctx, entities, roster);
    await readPersonRoles(ctx, entities, roster);
    await readUsers(ctx, entities, roster, unplaced);
    await readSections(ctx, entities, roster);
    await readEnrollments(ctx, entities, roster);
  }
  const schoolDays = await readAttendance(ctx, unplaced);
  await readClever(ctx, unplaced);
  await noteSectionMarks(ctx);

  for (const student of unplaced) student.school = UNKNOWN_SCHOOL;
  addSchools(ctx, roster.organizations);
  for (const [school, days] of schoolDays) {
    for (const date of [...days].sort((a, b) => a - b)) {
      builder.addCalendarDay({ school, date, instructional: true });
    }
  }

  const { dataset, monitoring } = builder.build();
  return { dataset, monitoring, report };
}

// ---------------------------------------------------------------------------------------
// Roster (headerless CDM CSVs)

function loadRosterSchema(ctx: Context): Map<string, string[]> | undefined {
  const rosterDir = join(ctx.dir, ROSTER_DIR);
  const tally = ctx.report.file(`${ROSTER_DIR}/`, "roster schema");
  if (!existsSync(rosterDir)) {
    tally.fail(`${ROSTER_DIR}/ not found in ${ctx.dir}: no students can be loaded`);
    return undefined;
  }
  const manifests = readdirSync(rosterDir)
    .filter((f) => f.toLowerCase().endsWith(".cdm.json"))
    .sort();
  const schemaFile = manifests.find((f) => f.toLowerCase().startsWith("roster")) ?? manifests[0];
  if (schemaFile === undefined) {
    tally.fail(`no .cdm.json schema in ${ROSTER_DIR}/: the headerless roster files cannot be read`);
    return undefined;
  }
  let entities: Map<string, string[]>;
  try {
    entities = parseCdmSchema(JSON.parse(readFileSync(join(rosterDir, schemaFile), "utf8")));
  } catch (error) {
    tally.fail(`${schemaFile} is not valid JSON: ${(error as Error).message}`);
    return undefined;
  }
  if (entities.size === 0) {
    tally.fail(
      `${schemaFile} defines no entities (definitions[].entityName, hasAttributes[].name)`,
    );
    return undefined;
  }
  tally.note(`column names from ${schemaFile}: ${entities.size} entities`);
  const present = new Set(readdirSync(rosterDir).map((f) => f.toLowerCase()));
  const notRead = [...entities.keys()].filter(
    (e) => !(ROSTER_ENTITIES as readonly string[]).includes(e) && present.has(cdmFileName(e)),
  );
  if (notRead.length > 0) {
    tally.note(
      `not read: ${notRead.map(cdmFileName).join(", ")} (Teams class groups duplicate ` +
        "Section/Enrollment; person details beyond names and identifiers are not needed)",
    );
  }
  return entities;
}

/** Column positions of one roster entity, by attribute name. */
type Cols<K extends string> = Record<K, number>;

/**
 * Streams one headerless roster file with the entity's CDM attribute names.
 *
 * Insights exports may omit trailing attributes that a schema version added (the OEA test
 * roster's AadUser rows have 12 fields against 13 attributes: TeacherId is absent). So the
 * file's width is the most common width of its first rows when that is at most the
 * attribute count; the omitted trailing attributes read as empty, and the report says so.
 * Any row of a different width is rejected as `wrong_column_count`.
 */
async function readRoster<K extends string>(
  ctx: Context,
  entities: Map<string, string[]>,
  entity: RosterEntity,
  needed: readonly K[],
  row: (fields: string[], line: number, cols: Cols<K>, tally: FileTally) => void,
): Promise<FileTally | undefined> {
  const file = `${ROSTER_DIR}/${cdmFileName(entity)}`;
  const tally = ctx.report.file(file, entity);
  const attributes = entities.get(entity);
  if (attributes === undefined) {
    tally.fail(`the roster schema does not define ${entity}`);
    return tally;
  }
  const cols = {} as Cols<K>;
  for (const name of needed) {
    const i = attributes.indexOf(name);
    if (i < 0) {
      tally.fail(`the roster schema's ${entity} lacks attribute ${name}`);
      return tally;
    }
    (cols as Record<string, number>)[name] = i;
  }
  let path = join(ctx.dir, file);
  if (!existsSync(path)) path = join(ctx.dir, ROSTER_DIR, entity, cdmFileName(entity));
  if (!existsSync(path)) {
    tally.fail(`${file} not found`);
    return tally;
  }

  const expected = attributes.length;
  let width = -1;
  let failed = false;
  const sample: { fields: string[]; line: number }[] = [];
  const handle = (fields: string[], line: number): void => {
    if (failed) return;
    if (fields.length !== width) {
      tally.reject(
        line,
        "wrong_column_count",
        width === expected
          ? `expected ${expected} columns (${entity} attributes in the CDM), found ${fields.length}`
          : `expected ${width} columns (as the file's other rows; the CDM lists ${expected} ${entity} attributes), found ${fields.length}`,
        undefined,
        csvLine(fields),
      );
      return;
    }
    row(fields, line, cols, tally);
  };
  const settle = (): void => {
    width = fileWidth(
      sample.map((s) => s.fields.length),
      expected,
    );
    if (width < expected) {
      const missing = attributes.slice(width);
      const lacking = needed.filter((n) => (cols[n] as number) >= width);
      if (lacking.length > 0) {
        failed = true;
        tally.fail(
          `rows have ${width} fields, too few for the CDM's ${entity} (${expected} attributes): ` +
            `${lacking.join(", ")} would be missing`,
        );
      } else {
        tally.note(
          `rows have ${width} fields; the CDM lists ${expected} ${entity} attributes: the trailing ` +
            `${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} absent from the export and read as empty`,
        );
      }
    }
    for (const s of sample) handle(s.fields, s.line);
    sample.length = 0;
  };
  await readCsvFile(
    path,
    (fields, line) => {
      if (width < 0) {
        sample.push({ fields, line });
        if (sample.length >= 50) settle();
        return;
      }
      handle(fields, line);
    },
    {
      onProgress: (bytesRead, totalBytes) =>
        ctx.options.onProgress?.({ file, bytesRead, totalBytes }),
      onError: (message, line) => tally.reject(line, "malformed_csv", message),
    },
  );
  if (width < 0) {
    if (sample.length === 0) {
      tally.note(`${file} has no rows`);
      return tally;
    }
    settle();
  }
  return tally;
}

/** The most common width not above the attribute count (ties go to the wider). */
function fileWidth(widths: number[], expected: number): number {
  const counts = new Map<number, number>();
  for (const w of widths) if (w <= expected) counts.set(w, (counts.get(w) ?? 0) + 1);
  let best = expected;
  let bestCount = 0;
  for (const [w, n] of counts) {
    if (n > bestCount || (n === bestCount && w > best)) {
      best = w;
      bestCount = n;
    }
  }
  return best;
}

function raw(fields: string[]): string {
  return csvLine(fields);
}

async function readOrganizations(
  ctx: Context,
  entities: Map<string, string[]>,
  roster: Roster,
): Promise<void> {
  await readRoster(ctx, entities, "Organization", ["Id", "Name"] as const, (f, line, c, tally) => {
    const id = (f[c.Id] as string).trim();
    if (id === "") return tally.reject(line, "missing_field", "Id is empty", "Id", raw(f));
    if (roster.organizations.has(id)) {
      return tally.reject(
        line,
        "duplicate",
        `organization ${id} is listed twice (the first is kept)`,
        "Id",
        raw(f),
      );
    }
    roster.organizations.set(id, (f[c.Name] as string).trim() || id);
    tally.accept();
  });
}

async function readRefDefinitions(
  ctx: Context,
  entities: Map<string, string[]>,
  roster: Roster,
): Promise<void> {
  await readRoster(ctx, entities, "RefDefinition", ["Id", "Code"] as const, (f, line, c, tally) => {
    const id = (f[c.Id] as string).trim();
    if (id === "") return tally.reject(line, "missing_field", "Id is empty", "Id", raw(f));
    roster.refCodes.set(id.toLowerCase(), (f[c.Code] as string).trim());
    tally.accept();
  });
}

async function readUserPersonMapping(
  ctx: Context,
  entities: Map<string, string[]>,
  roster: Roster,
): Promise<void> {
  await readRoster(
    ctx,
    entities,
    "AadUserPersonMapping",
    ["ObjectId", "PersonId"] as const,
    (f, line, c, tally) => {
      const user = (f[c.ObjectId] as string).trim();
      const person = (f[c.PersonId] as string).trim();
      if (user === "")
        return tally.reject(line, "missing_field", "ObjectId is empty", "ObjectId", raw(f));
      if (person === "")
        return tally.reject(line, "missing_field", "PersonId is empty", "PersonId", raw(f));
      if (roster.personOfUser.has(user)) {
        return tally.reject(
          line,
          "duplicate",
          `ObjectId ${user} is mapped twice (the first is kept)`,
          "ObjectId",
          raw(f),
        );
      }
      roster.personOfUser.set(user, person);
      roster.userOfPerson.set(person, user);
      tally.accept();
    },
  );
}

async function readPersonRoles(
  ctx: Context,
  entities: Map<string, string[]>,
  roster: Roster,
): Promise<void> {
  const needed = [
    "PersonId",
    "OrganizationId",
    "RefRoleId",
    "IsPrimary",
    "RefGradeLevelId",
  ] as const;
  await readRoster(ctx, entities, "PersonOrganizationRole", needed, (f, line, c, tally) => {
    const person = (f[c.PersonId] as string).trim();
    const organization = (f[c.OrganizationId] as string).trim();
    if (person === "")
      return tally.reject(line, "missing_field", "PersonId is empty", "PersonId", raw(f));
    if (organization === "") {
      return tally.reject(
        line,
        "missing_field",
        "OrganizationId is empty",
        "OrganizationId",
        raw(f),
      );
    }
    const role = refCode(roster, f[c.RefRoleId] as string);
    const primary = (f[c.IsPrimary] as string).trim().toLowerCase() === "true";
    const previous = roster.roleOfPerson.get(person);
    // A student's school is their primary student role's organisation.
    if (
      role.toLowerCase() === "student" &&
      (previous === undefined || (primary && !previous.primary))
    ) {
      const grade = refCode(roster, f[c.RefGradeLevelId] as string);
      roster.roleOfPerson.set(person, { organization, grade, primary });
    }
    tally.accept();
  });
}

/** The Code of a RefDefinition id, or the text itself when it is not an id (`Student`). */
function refCode(roster: Roster, value: string): string {
  const v = value.trim();
  return roster.refCodes.get(v.toLowerCase()) ?? v;
}

async function readUsers(
  ctx: Context,
  entities: Map<string, string[]>,
  roster: Roster,
  unplaced: Set<Student>,
): Promise<void> {
  let others = 0;
  let upnNotAddress = 0;
  const needed = [
    "ObjectId",
    "DisplayName",
    "GivenName",
    "Surname",
    "Mail",
    "Role",
    "UserPrincipalName",
  ] as const;
  const tally = await readRoster(ctx, entities, "AadUser", needed, (f, line, c, tally) => {
    const role = (f[c.Role] as string).trim().toLowerCase();
    const id = (f[c.ObjectId] as string).trim();
    if (id === "")
      return tally.reject(line, "missing_field", "ObjectId is empty", "ObjectId", raw(f));
    if (role !== "student") {
      others++;
      tally.accept();
      return;
    }
    const given = (f[c.GivenName] as string).trim();
    const displayName =
      (f[c.DisplayName] as string).trim() || `${given} ${(f[c.Surname] as string).trim()}`.trim();
    if (displayName === "") {
      return tally.reject(
        line,
        "missing_field",
        "DisplayName, GivenName and Surname are all empty",
        "DisplayName",
        raw(f),
      );
    }
    const upn = (f[c.UserPrincipalName] as string).trim();
    const mail = (f[c.Mail] as string).trim();
    if (upn !== "" && !upn.includes("@")) upnNotAddress++;
    const email = upn.includes("@") ? upn : mail.includes("@") ? mail : undefined;
    const person = roster.personOfUser.get(id);
    const role_ = person === undefined ? undefined : roster.roleOfPerson.get(person);
    const student: Student = {
      id,
      displayName,
      preferredName: given || undefined,
      email,
      aadObjectId: id,
      school: role_?.organization ?? "",
      year: role_?.grade || undefined,
      programme: undefined,
      cohort: undefined,
      adviserIds: [],
      status: "active",
      statusFrom: undefined,
      enrolledFrom: undefined,
      enrolledUntil: undefined,
    };
    if (!ctx.builder.addStudent(student)) {
      return tally.reject(
        line,
        "duplicate",
        `ObjectId ${id} is listed twice (the first is kept)`,
        "ObjectId",
        raw(f),
      );
    }
    ctx.students[ctx.builder.studentIndexOf(id) as number] = student;
    if (student.school === "") unplaced.add(student);
    tally.accept();
  });
  if (!tally) return;
  if (others > 0) tally.note(`${others} non-student user(s) not loaded as students`);
  if (upnNotAddress > 0) {
    tally.note(
      `${upnNotAddress} UserPrincipalName value(s) are not addresses (no "@"): Mail used as the email`,
    );
  }
  if (unplaced.size > 0) {
    tally.note(
      `${unplaced.size} student(s) have no school in the roster (AadUserPersonMapping → ` +
        "PersonOrganizationRole): school taken from their attendance or Clever rows",
    );
  }
}

async function readSections(
  ctx: Context,
  entities: Map<string, string[]>,
  roster: Roster,
): Promise<void> {
  await readRoster(
    ctx,
    entities,
    "Section",
    ["Id", "Name", "OrganizationId"] as const,
    (f, line, c, tally) => {
      const id = (f[c.Id] as string).trim();
      if (id === "") return tally.reject(line, "missing_field", "Id is empty", "Id", raw(f));
      if (roster.sectionIds.has(id)) {
        return tally.reject(
          line,
          "duplicate",
          `section ${id} is listed twice (the first is kept)`,
          "Id",
          raw(f),
        );
      }
      roster.sectionIds.add(id);
      const name = (f[c.Name] as string).trim() || id;
      const school = (f[c.OrganizationId] as string).trim() || UNKNOWN_SCHOOL;
      ctx.builder.addSection({ id, name, school });
      tally.accept();
    },
  );
}

async function readEnrollments(
  ctx: Context,
  entities: Map<string, string[]>,
  roster: Roster,
): Promise<void> {
  let notStudents = 0;
  const needed = [
    "PersonId",
    "SectionId",
    "RefSectionRoleId",
    "EntryDate",
    "ExitDate",
    "FirstSeenDateTime",
  ] as const;
  const tally = await readRoster(ctx, entities, "Enrollment", needed, (f, line, c, tally) => {
    const role = refCode(roster, f[c.RefSectionRoleId] as string).toLowerCase();
    if (role !== "student") {
      notStudents++;
      tally.accept();
      return;
    }
    const person = (f[c.PersonId] as string).trim();
    const studentId = roster.userOfPerson.get(person);
    if (studentId === undefined || !ctx.builder.hasStudent(studentId)) {
      return tally.reject(
        line,
        "unknown_student",
        `person ${person} is not a student of the roster (AadUserPersonMapping, AadUser)`,
        "PersonId",
        raw(f),
      );
    }
    const sectionId = (f[c.SectionId] as string).trim();
    if (!roster.sectionIds.has(sectionId)) {
      return tally.reject(
        line,
        "unknown_reference",
        `section ${sectionId} is not in section.csv`,
        "SectionId",
        raw(f),
      );
    }
    const entry = (f[c.EntryDate] as string).trim();
    const firstSeen = (f[c.FirstSeenDateTime] as string).trim();
    const startText = entry || firstSeen;
    const start = parseIsoDay(startText);
    if (start === undefined) {
      return tally.reject(
        line,
        "invalid_value",
        `${entry ? "EntryDate" : "FirstSeenDateTime"} must be a date (YYYY-MM-DD), got "${startText}"`,
        entry ? "EntryDate" : "FirstSeenDateTime",
        raw(f),
      );
    }
    const exitText = (f[c.ExitDate] as string).trim();
    const end = exitText === "" ? undefined : parseIsoDay(exitText);
    if (exitText !== "" && end === undefined) {
      return tally.reject(
        line,
        "invalid_value",
        `ExitDate must be a date (YYYY-MM-DD), got "${exitText}"`,
        "ExitDate",
        raw(f),
      );
    }
    ctx.builder.addEnrolment({ studentId, sectionId, start, end });
    tally.accept();
  });
  if (tally && notStudents > 0) tally.note(`${notStudents} non-student enrolment(s) not loaded`);
}

// ---------------------------------------------------------------------------------------
// Data files with header rows

type HeaderCols<K extends string> = Record<K, number>;

/**
 * Streams a CSV file with a header row; columns are found by normalised name (headerKey),
 * so `AttendanceCode` is `attendancecode`. Optional columns are -1 when absent.
 */
async function readWithHeader<K extends string, O extends string = never>(
  ctx: Context,
  file: string,
  entity: string,
  columns: { required: readonly K[]; optional?: readonly O[]; oneOf?: readonly O[] },
  row: (fields: string[], line: number, cols: HeaderCols<K | O>, tally: FileTally) => void,
): Promise<FileTally | undefined> {
  const path = join(ctx.dir, file);
  if (!existsSync(path)) return undefined;
  const tally = ctx.report.file(file, entity);
  let cols: HeaderCols<K | O> | undefined;
  let width = 0;
  let failed = false;
  await readCsvFile(
    path,
    (fields, line) => {
      if (failed) return;
      if (cols === undefined) {
        const keys = fields.map(headerKey);
        const missing: string[] = columns.required.filter((k) => !keys.includes(k));
        if (columns.oneOf && !columns.oneOf.some((k) => keys.includes(k))) {
          missing.push(`one of ${columns.oneOf.join(" or ")}`);
        }
        if (missing.length > 0) {
          failed = true;
          tally.fail(
            `line ${line}: the header lacks column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`,
          );
          return;
        }
        const resolved: Record<string, number> = {};
        for (const k of [...columns.required, ...(columns.optional ?? [])])
          resolved[k] = keys.indexOf(k);
        cols = resolved as HeaderCols<K | O>;
        width = fields.length;
        return;
      }
      if (fields.length !== width) {
        tally.reject(
          line,
          "wrong_column_count",
          `expected ${width} columns (as the header), found ${fields.length}`,
          undefined,
          raw(fields),
        );
        return;
      }
      row(fields, line, cols, tally);
    },
    {
      onProgress: (bytesRead, totalBytes) =>
        ctx.options.onProgress?.({ file, bytesRead, totalBytes }),
      onError: (message, line) => tally.reject(line, "malformed_csv", message),
    },
  );
  if (cols === undefined && !failed) tally.fail(`${file} is empty (no header row)`);
  return tally;
}

/**
 * studentattendance.csv → attendance events. Returns each school's recorded dates, which
 * become its calendar.
 */
async function readAttendance(
  ctx: Context,
  unplaced: Set<Student>,
): Promise<Map<string, Set<DayNumber>>> {
  const { builder } = ctx;
  const schoolDays = new Map<string, Set<DayNumber>>();
  const seen = new Set<string>();
  let otherSchool = 0;
  const tally = await readWithHeader(
    ctx,
    ATTENDANCE_FILE,
    "attendance",
    {
      required: ["student_id", "attendance_date"] as const,
      optional: ["school_id", "section_id", "attendancecode", "attendance_status"] as const,
      oneOf: ["attendancecode", "attendance_status"] as const,
    },
    (f, line, c, tally) => {
      const studentId = (f[c.student_id] as string).trim();
      const index = builder.studentIndexOf(studentId);
      if (index === undefined) {
        return tally.reject(
          line,
          "unknown_student",
          `student ${studentId} is not in the roster (AadUser ObjectId)`,
          "student_id",
          raw(f),
        );
      }
      const dateText = (f[c.attendance_date] as string).trim();
      const day = parseIsoDay(dateText);
      if (day === undefined) {
        return tally.reject(
          line,
          "invalid_value",
          `attendance_date must be a date (YYYY-MM-DD), got "${dateText}"`,
          "attendance_date",
          raw(f),
        );
      }
      const code = c.attendancecode < 0 ? "" : (f[c.attendancecode] as string);
      const text = c.attendance_status < 0 ? "" : (f[c.attendance_status] as string);
      const byCode = code.trim() === "" ? undefined : statusOfCode(code);
      const byText = text.trim() === "" ? undefined : statusOfText(text);
      if (code.trim() !== "" && byCode === undefined) {
        return tally.reject(
          line,
          "invalid_value",
          `unknown AttendanceCode "${code}"`,
          "AttendanceCode",
          raw(f),
        );
      }
      if (text.trim() !== "" && byText === undefined && byCode === undefined) {
        return tally.reject(
          line,
          "invalid_value",
          `unknown attendance_status "${text}"`,
          "attendance_status",
          raw(f),
        );
      }
      if (byCode !== undefined && byText !== undefined && isAbsence(byCode) !== isAbsence(byText)) {
        return tally.reject(
          line,
          "conflict",
          `AttendanceCode "${code}" (${byCode}) contradicts attendance_status "${text}" (${byText})`,
          "AttendanceCode",
          raw(f),
        );
      }
      // The status text can refine the code (A + "Excused Absence" → excused_absence).
      const status = refine(byCode, byText);
      if (status === undefined) {
        return tally.reject(
          line,
          "missing_field",
          "AttendanceCode and attendance_status are both empty",
          "AttendanceCode",
          raw(f),
        );
      }
      const sectionText = c.section_id < 0 ? "" : (f[c.section_id] as string).trim();
      const key = `${index}|${day}|${sectionText}|${status}`;
      if (seen.has(key)) {
        return tally.reject(
          line,
          "duplicate",
          `a second ${status} record for ${studentId} on ${dateText}${sectionText ? ` in section ${sectionText}` : ""} (the first is kept)`,
          undefined,
          raw(f),
        );
      }
      seen.add(key);
      const section = sectionText === "" ? -1 : builder.internSection(sectionText);
      builder.addAttendance(index, day, STATUS_CODE[status], -1, section);

      const student = ctx.students[index] as Student;
      const rowSchool = c.school_id < 0 ? "" : (f[c.school_id] as string).trim();
      if (unplaced.has(student) && rowSchool !== "") {
        student.school = rowSchool;
        unplaced.delete(student);
      } else if (rowSchool !== "" && rowSchool !== student.school) {
        otherSchool++;
      }
      const school = student.school || rowSchool;
      if (school !== "") {
        let days = schoolDays.get(school);
        if (days === undefined) {
          days = new Set();
          schoolDays.set(school, days);
        }
        days.add(day);
      }
      tally.accept();
    },
  );
  if (!tally) {
    ctx.report
      .file(ATTENDANCE_FILE, "attendance")
      .note(`${ATTENDANCE_FILE} is absent: no attendance and no calendar`);
    return schoolDays;
  }
  if (otherSchool > 0) {
    tally.note(
      `${otherSchool} row(s) name a school_id other than the student's roster school: the roster school is used`,
    );
  }
  for (const [school, days] of schoolDays) {
    tally.note(`calendar for school ${school}: ${days.size} day(s) with attendance recorded`);
  }
  return schoolDays;
}

function isAbsence(status: AttendanceStatus): boolean {
  return status === "excused_absence" || status === "unexcused_absence";
}

function refine(
  byCode: AttendanceStatus | undefined,
  byText: AttendanceStatus | undefined,
): AttendanceStatus | undefined {
  if (byCode === undefined) return byText;
  if (byText === undefined) return byCode;
  // Same presence; the text may be the more specific (excused vs unexcused, tardy vs present).
  return byCode === "present" || byCode === "unexcused_absence" ? byText : byCode;
}

/** clever-daily-participation.csv → `clever`/`login` activity for days with logins. */
async function readClever(ctx: Context, unplaced: Set<Student>): Promise<void> {
  const { builder } = ctx;
  let source = -1;
  let kind = -1;
  let noLogins = 0;
  const tally = await readWithHeader(
    ctx,
    CLEVER_FILE,
    "activity",
    {
      required: ["date", "sis_id", "num_logins"] as const,
      optional: ["clever_school_id"] as const,
    },
    (f, line, c, tally) => {
      const sisId = (f[c.sis_id] as string).trim();
      const index = builder.studentIndexOf(sisId);
      if (index === undefined) {
        return tally.reject(
          line,
          "unknown_student",
          `sis_id ${sisId} is not in the roster (AadUser ObjectId)`,
          "sis_id",
          raw(f),
        );
      }
      const dateText = (f[c.date] as string).trim();
      const day = parseIsoDay(dateText);
      if (day === undefined) {
        return tally.reject(
          line,
          "invalid_value",
          `date must be a date (YYYY-MM-DD), got "${dateText}"`,
          "date",
          raw(f),
        );
      }
      const loginsText = (f[c.num_logins] as string).trim();
      if (!/^\d{1,9}$/.test(loginsText)) {
        return tally.reject(
          line,
          "invalid_value",
          `num_logins must be a whole number ≥ 0, got "${loginsText}"`,
          "num_logins",
          raw(f),
        );
      }
      const logins = Number(loginsText);
      if (unplaced.size > 0 && c.clever_school_id >= 0) {
        const student = ctx.students[index] as Student;
        const school = (f[c.clever_school_id] as string).trim();
        if (unplaced.has(student) && school !== "") {
          student.school = school;
          unplaced.delete(student);
        }
      }
      if (logins === 0) {
        noLogins++;
      } else {
        if (kind < 0) {
          source = builder.internSource(CLEVER_SOURCE);
          kind = builder.internKind(CLEVER_KIND);
        }
        builder.addActivity(index, day, source, kind, logins);
      }
      tally.accept();
    },
  );
  if (!tally) {
    ctx.report.file(CLEVER_FILE, "activity").note(`${CLEVER_FILE} is absent: no Clever activity`);
    return;
  }
  if (noLogins > 0) {
    tally.note(
      `${noLogins} row(s) have num_logins 0 (inactive days): accepted, no activity recorded`,
    );
  }
}

/** studentsectionmark.csv is not loaded; the report says why (its ids match nothing). */
async function noteSectionMarks(ctx: Context): Promise<void> {
  const path = join(ctx.dir, SECTION_MARK_FILE);
  if (!existsSync(path)) return;
  const tally = ctx.report.file(SECTION_MARK_FILE, "section marks");
  let column = -1;
  let rows = 0;
  const ids = new Set<string>();
  await readCsvFile(path, (fields) => {
    if (column < 0) {
      column = fields.map(headerKey).indexOf("student_id");
      if (column < 0) column = Number.POSITIVE_INFINITY;
      return;
    }
    rows++;
    const id = fields[column];
    if (id !== undefined) ids.add(id.trim());
  });
  const known = [...ids].filter((id) => ctx.builder.hasStudent(id)).length;
  tally.note(
    `not loaded (${rows} rows): marks are not part of Reach's model, and its ids (student_id like ` +
      `"st1", section_id like "sec1") are synthetic: ${known} of its ${ids.size} student ids match the roster`,
  );
}

/**
 * One School per school id that a student or section uses, named from organization.csv
 * (the id itself when the roster does not name it). Organisations without students or
 * sections (the district) are not schools here.
 */
function addSchools(ctx: Context, organizations: Map<string, string>): void {
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
