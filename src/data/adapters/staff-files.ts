/**
 * The files any source's data folder may hold beside its own, in Reach's canonical columns
 * (docs/data-contract.md), so that a deployment on any source can say who acts on a case:
 *
 * - `staff.csv`, read by every adapter: the staff roster with Reach roles and Entra object
 *   ids. An adapter whose source lists staff itself (the OEA roster) passes them in; a
 *   staff.csv row that matches one of them, by `id` or else by `aad_object_id`, replaces
 *   it (staff.csv wins), keeping the source's email and object id where the row leaves
 *   them blank. Source staff that no row matches are kept, with the roles the source gave.
 * - `advisers.csv`, read by the adapters whose sources link no student to an adviser
 *   (OEA, OULAD): `student_id,adviser_ids`, the same links as the canonical
 *   `students.csv` column, so that the default `access: advisees` can work there too.
 *
 * Rows are validated and rejected (file, line, field) exactly as in the canonical bundle.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod/v4";
import { csvLine } from "../csv.ts";
import type { Dataset, DatasetBuilder } from "../dataset.ts";
import { echo, idProblem } from "../ids.ts";
import type { FileTally, ImportReport } from "../import-report.ts";
import { validateRow } from "../rows.ts";
import { type Staff, StaffRow, type Student } from "../schema.ts";
import {
  CANONICAL_FILES,
  type EntityFile,
  type Progress,
  readEntityFile,
} from "./canonical-files.ts";

/** Where an import reads its files and reports them. */
export interface SideFileSource {
  readonly dir: string;
  readonly report: ImportReport;
  readonly onProgress?: Progress;
}

export const STAFF_FILE = CANONICAL_FILES.staff;

export const ADVISERS_FILE = {
  file: "advisers.csv",
  entity: "adviser link",
  required: ["student_id", "adviser_ids"],
  optional: [],
} as const satisfies EntityFile;

export interface ReadStaffOptions {
  /** Staff the source itself lists (ids unique), in the order they are to be kept. */
  fromSource?: readonly Staff[];
  /** What the source calls them in the report's notes (`the roster`). */
  sourceName?: string;
  /** A note for the report when there is no staff.csv; no entry at all when undefined. */
  whenAbsent?: string;
}

/**
 * Reads `staff.csv` when the folder has one and adds the staff to the builder: the
 * source's own staff merged with the file's rows (see the file comment). A row whose `id`
 * or `aad_object_id` an earlier row already gave, or that matches the same source staff
 * member as an earlier row, is rejected as `duplicate` (the first is kept).
 */
export async function readStaff(
  source: SideFileSource,
  builder: DatasetBuilder,
  options: ReadStaffOptions = {},
): Promise<void> {
  const { dir, report } = source;
  const merge = new StaffMerge(options.fromSource ?? [], options.sourceName ?? "the source");
  if (!existsSync(join(dir, STAFF_FILE.file))) {
    for (const s of merge.list()) builder.addStaff(s);
    if (options.whenAbsent)
      report.file(STAFF_FILE.file, STAFF_FILE.entity).note(options.whenAbsent);
    return;
  }
  let tally: FileTally | undefined;
  await readEntityFile(
    dir,
    STAFF_FILE,
    report,
    (header, fields, line, t) => {
      const staff = validateRow(StaffRow, header, fields, line, t);
      if (staff === undefined) return;
      const problem = merge.add(staff, line);
      if (problem) t.reject(line, "duplicate", problem.reason, problem.field, csvLine(fields));
      else t.accept();
    },
    source.onProgress,
    (_header, t) => {
      tally = t;
      return true;
    },
  );
  for (const s of merge.list()) builder.addStaff(s);
  if (tally && merge.matched > 0) {
    tally.note(
      `${merge.matched} row(s) match staff of ${merge.sourceName} (by id, else aad_object_id): ` +
        "the row's values are used, blank email and aad_object_id taken from the source",
    );
  }
}

/** Source staff, replaced or joined by staff.csv rows in the order they are read. */
class StaffMerge {
  private readonly staff: Staff[];
  private readonly sourceById = new Map<string, number>();
  private readonly sourceByAad = new Map<string, number>();
  /** Source staff index → the staff.csv line that replaced it. */
  private readonly claimed = new Map<number, number>();
  private readonly lineOfId = new Map<string, number>();
  private readonly lineOfAad = new Map<string, number>();
  matched = 0;

  constructor(
    fromSource: readonly Staff[],
    readonly sourceName: string,
  ) {
    this.staff = [...fromSource];
    fromSource.forEach((s, i) => {
      this.sourceById.set(s.id, i);
      const aad = s.aadObjectId?.toLowerCase();
      if (aad && !this.sourceByAad.has(aad)) this.sourceByAad.set(aad, i);
    });
  }

  /** Adds one staff.csv row; the reason it is a duplicate, if it is one. */
  add(row: Staff, line: number): { reason: string; field: string } | undefined {
    const aad = row.aadObjectId?.toLowerCase();
    const idLine = this.lineOfId.get(row.id);
    if (idLine !== undefined) {
      return {
        field: "id",
        reason: `staff id "${echo(row.id)}" is already on line ${idLine} (the first is kept)`,
      };
    }
    const aadLine = aad === undefined ? undefined : this.lineOfAad.get(aad);
    if (aadLine !== undefined) {
      return {
        field: "aad_object_id",
        reason: `aad_object_id "${echo(row.aadObjectId as string)}" is already on line ${aadLine} (the first is kept)`,
      };
    }
    const byId = this.sourceById.get(row.id);
    const match = byId ?? (aad === undefined ? undefined : this.sourceByAad.get(aad));
    if (match !== undefined) {
      const earlier = this.claimed.get(match);
      if (earlier !== undefined) {
        return {
          field: byId !== undefined ? "id" : "aad_object_id",
          reason: `matches the same staff member of ${this.sourceName} as line ${earlier} (the first is kept)`,
        };
      }
    }
    this.lineOfId.set(row.id, line);
    if (aad !== undefined) this.lineOfAad.set(aad, line);
    if (match === undefined) {
      this.staff.push(row);
      return undefined;
    }
    const listed = this.staff[match] as Staff;
    this.staff[match] = {
      ...row,
      email: row.email ?? listed.email,
      aadObjectId: row.aadObjectId ?? listed.aadObjectId,
    };
    this.claimed.set(match, line);
    this.matched++;
    return undefined;
  }

  list(): readonly Staff[] {
    return this.staff;
  }
}

const idCell = (what: string) =>
  z
    .string()
    .trim()
    .superRefine((v, ctx) => {
      const problem = v === "" ? undefined : idProblem(v, what);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    });

/** One advisers.csv row: a student and their advisers' staff ids (`;`- or `|`-separated). */
export const AdviserLinkRow = z
  .object({
    student_id: idCell("student_id").refine((v) => v !== "", "student_id is required"),
    adviser_ids: z
      .string()
      .trim()
      .transform((v) =>
        v === ""
          ? []
          : v
              .split(/[;|]/)
              .map((s) => s.trim())
              .filter((s) => s !== ""),
      )
      .superRefine((ids, ctx) => {
        for (const id of ids) {
          const problem = idProblem(id, "adviser_ids");
          if (problem) ctx.addIssue({ code: "custom", message: problem });
        }
      }),
  })
  .transform((r) => ({ studentId: r.student_id, adviserIds: r.adviser_ids }));

/**
 * Reads `advisers.csv` when the folder has one and sets each named student's advisers
 * (`adviserIds`) in the built data set. A student the data set lacks is rejected as
 * `unknown_student`, a student listed twice as `duplicate` (the first row is kept). The
 * report notes adviser ids that match no staff member: such a link lets no one act.
 */
export async function readAdviserLinks(source: SideFileSource, dataset: Dataset): Promise<void> {
  const { dir, report } = source;
  if (!existsSync(join(dir, ADVISERS_FILE.file))) return;
  const lineOf = new Map<string, number>();
  const staffIds = new Set(dataset.staff.map((s) => s.id));
  const unknownAdvisers = new Set<string>();
  let tally: FileTally | undefined;
  await readEntityFile(
    dir,
    ADVISERS_FILE,
    report,
    (header, fields, line, t) => {
      const link = validateRow(AdviserLinkRow, header, fields, line, t);
      if (link === undefined) return;
      const index = dataset.studentIndex.get(link.studentId);
      if (index === undefined) {
        t.reject(
          line,
          "unknown_student",
          `unknown student id "${echo(link.studentId)}"`,
          "student_id",
          csvLine(fields),
        );
        return;
      }
      const earlier = lineOf.get(link.studentId);
      if (earlier !== undefined) {
        t.reject(
          line,
          "duplicate",
          `student id "${echo(link.studentId)}" is already on line ${earlier} (the first is kept)`,
          "student_id",
          csvLine(fields),
        );
        return;
      }
      lineOf.set(link.studentId, line);
      (dataset.students[index] as Student).adviserIds = link.adviserIds;
      for (const id of link.adviserIds) if (!staffIds.has(id)) unknownAdvisers.add(id);
      t.accept();
    },
    source.onProgress,
    (_header, t) => {
      tally = t;
      return true;
    },
  );
  if (tally && unknownAdvisers.size > 0) {
    tally.note(
      `${unknownAdvisers.size} adviser id(s) match no staff member (staff.csv): those links let no one act on a case`,
    );
  }
}
