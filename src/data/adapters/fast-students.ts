/**
 * A hand-written reader for plain rows of the canonical students.csv. It takes a row only
 * when every cell is already in its tidy form (no white space or non-ASCII at a cell's
 * edges, printable ASCII ids, a lower-case status, well-formed dates) and then builds
 * exactly the record `StudentRow` would; any other row is declined and goes through the
 * zod schema, which accepts or rejects it with its message. So this changes the speed of
 * a 100,000-student roster, never its result: tests/data/fast-students.test.ts compares
 * both on generated and hostile rows.
 */
import { parseIsoDate } from "../dates.ts";
import { STUDENT_STATUSES, type Student } from "../schema.ts";

type Read = (fields: readonly string[]) => Student | undefined;

const STATUSES = new Set<string>(STUDENT_STATUSES);

/** A cell that needs no trimming: empty, or ASCII with no space or control at either end. */
function tidy(v: string): boolean {
  if (v === "") return true;
  const a = v.charCodeAt(0);
  const b = v.charCodeAt(v.length - 1);
  return a > 32 && a < 0x7f && b > 32 && b < 0x7f;
}

/** Printable ASCII only (so no control or invisible character: ids.ts has nothing to say). */
function plainId(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 32 || c > 126) return false;
  }
  return v.length > 0 && v.charCodeAt(0) !== 32 && v.charCodeAt(v.length - 1) !== 32;
}

/** A date cell's day, undefined when blank or absent, null when it is not a date. */
function dateCell(fields: readonly string[], col: number): number | undefined | null {
  if (col < 0 || fields[col] === "") return undefined;
  return parseIsoDate(fields[col] as string) ?? null;
}

function optionalCell(fields: readonly string[], col: number): string | undefined {
  return col < 0 || fields[col] === "" ? undefined : fields[col];
}

/**
 * The fast reader for a students.csv header (its normalised names), or undefined when the
 * header has repeated names (the schema's path then decides every row).
 */
export function fastStudentReader(header: readonly string[]): Read | undefined {
  if (new Set(header).size !== header.length) return undefined;
  const at = (name: string) => header.indexOf(name);
  const id = at("id");
  const displayName = at("display_name");
  const school = at("school");
  // A required column missing: the schema reports it on every row.
  if (id < 0 || displayName < 0 || school < 0) return undefined;
  const preferredName = at("preferred_name");
  const email = at("email");
  const aadObjectId = at("aad_object_id");
  const year = at("year");
  const programme = at("programme");
  const cohort = at("cohort");
  const adviserIds = at("adviser_ids");
  const status = at("status");
  const statusFrom = at("status_from");
  const enrolledFrom = at("enrolled_from");
  const enrolledUntil = at("enrolled_until");
  const width = header.length;

  return (fields) => {
    if (fields.length !== width) return undefined;
    for (let i = 0; i < width; i++) if (!tidy(fields[i] as string)) return undefined;
    const idValue = fields[id] as string;
    const schoolValue = fields[school] as string;
    const name = fields[displayName] as string;
    if (!plainId(idValue) || !plainId(schoolValue) || name === "") return undefined;

    let advisers: string[] = [];
    if (adviserIds >= 0 && fields[adviserIds] !== "") {
      const cell = fields[adviserIds] as string;
      // Separators only, no spaces around them: anything else takes the schema's path.
      advisers = cell.split(/[;|]/);
      for (const a of advisers) if (!plainId(a)) return undefined;
    }

    let statusValue = "active";
    if (status >= 0 && fields[status] !== "") {
      statusValue = fields[status] as string;
      if (!STATUSES.has(statusValue)) return undefined;
    }
    const sf = dateCell(fields, statusFrom);
    const ef = dateCell(fields, enrolledFrom);
    const eu = dateCell(fields, enrolledUntil);
    if (sf === null || ef === null || eu === null) return undefined;
    const optional = optionalCell;

    return {
      id: idValue,
      displayName: name,
      preferredName: optional(fields, preferredName),
      email: optional(fields, email),
      aadObjectId: optional(fields, aadObjectId),
      school: schoolValue,
      year: optional(fields, year),
      programme: optional(fields, programme),
      cohort: optional(fields, cohort),
      adviserIds: advisers,
      status: statusValue as Student["status"],
      statusFrom: sf,
      enrolledFrom: ef,
      enrolledUntil: eu,
    };
  };
}
