/**
 * Who is who, for the bot: the policies it serves, the staff roster (matched to Teams
 * users by their Entra object id) and the students (for a card's display name, for
 * authorisation, and matched to Teams users by their Entra object id when a student
 * writes to Reach). Built from the same data folder and policy files the engine runs on,
 * and replaced whole after each import, so the bot never mixes two nights' data.
 */
import type { Dataset } from "../data/dataset.ts";
import type { Staff, Student } from "../data/schema.ts";
import type { Policy } from "../rules/index.ts";

export interface Directory {
  readonly policies: ReadonlyMap<string, Policy>;
  readonly roster: ReadonlyMap<string, Staff>;
  readonly students: ReadonlyMap<string, Student>;
  /** The staff member signed in to Teams as this Entra object id. */
  staffByAad(aadObjectId: string | undefined): Staff | undefined;
  /**
   * The student signed in to Teams as this Entra object id (the `aad_object_id` of
   * students.csv, in any case). An id the data gives to two students names neither.
   */
  studentByAad(aadObjectId: string | undefined): Student | undefined;
  /** The data's date of the import this directory came from (for "data as of"). */
  readonly loadedAt: string;
}

export function buildDirectory(
  policies: readonly Policy[],
  dataset: Pick<Dataset, "staff" | "students">,
  loadedAt: string,
): Directory {
  const roster = new Map(dataset.staff.map((s) => [s.id, s]));
  const byAad = new Map<string, Staff>();
  for (const s of dataset.staff) {
    if (s.aadObjectId) byAad.set(s.aadObjectId.toLowerCase(), s);
  }
  // null marks an id shared by two students: a data error must not show one the other.
  const studentsByAad = new Map<string, Student | null>();
  for (const s of dataset.students) {
    if (!s.aadObjectId) continue;
    const key = s.aadObjectId.toLowerCase();
    studentsByAad.set(key, studentsByAad.has(key) ? null : s);
  }
  return {
    policies: new Map(policies.map((p) => [p.id, p])),
    roster,
    students: new Map(dataset.students.map((s) => [s.id, s])),
    staffByAad: (aad) => (aad ? byAad.get(aad.toLowerCase()) : undefined),
    studentByAad: (aad) => (aad ? (studentsByAad.get(aad.toLowerCase()) ?? undefined) : undefined),
    loadedAt,
  };
}

/**
 * What a message or a sentence calls a student ("Hi Ben", "Ben replied: …"): the first word
 * of the name they prefer, else of their display name; `otherwise` when they have neither.
 */
export function firstNameOf(
  student: Pick<Student, "preferredName" | "displayName"> | undefined,
  otherwise: string,
): string {
  const name = (student?.preferredName ?? student?.displayName ?? "").trim();
  return name.split(/\s+/)[0] || otherwise;
}

/** Holds the current directory; `replace` swaps it atomically after a new import. */
export class DirectoryHolder {
  constructor(private current: Directory) {}
  get(): Directory {
    return this.current;
  }
  replace(next: Directory): void {
    this.current = next;
  }
}
