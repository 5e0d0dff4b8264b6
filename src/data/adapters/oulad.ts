/**
 * The Open University Learning Analytics Dataset (OULAD) adapter.
 *
 * OULAD describes module *presentations* (`AAA` + `2013J`): registrations, daily VLE click
 * totals per site, assessments and submissions, with every date an integer day offset from
 * the presentation's start. One canonical student is made per registration (a person may
 * be registered on two presentations), a school per module, and a calendar in which every
 * day of a presentation is a study day (distance learning has no term breaks in the data).
 *
 * studentVle.csv has millions of rows, so it is validated by hand: no zod and no object per
 * row, only the field array the CSV reader hands over. docs/adapters/oulad.md describes the
 * mapping in full.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { csvLine, readCsvFile } from "../csv.ts";
import { DatasetBuilder } from "../dataset.ts";
import { type DayNumber, formatDay, parseIsoDate } from "../dates.ts";
import { type FileTally, ImportReport } from "../import-report.ts";
import { headerKey } from "../rows.ts";
import type { Student, Submission } from "../schema.ts";
import type { Adapter, ImportOptions, ImportResult } from "./adapter.ts";

/** Activity source of VLE clicks. */
export const OULAD_SOURCE = "vle";
/** Activity kind used when vle.csv is absent or does not list the site. */
export const OULAD_DEFAULT_KIND = "click";
/** studentInfo columns loaded as demographics (monitoring only), under these field names. */
export const OULAD_DEMOGRAPHIC_FIELDS = ["gender", "age_band", "imd_band", "disability"] as const;

/**
 * The calendar day on which day 0 of a presentation falls: `YYYYB` starts on 1 February,
 * `YYYYJ` on 1 October (OULAD's own convention for its presentation codes).
 */
export function presentationStart(code: string): DayNumber | undefined {
  const match = /^(\d{4})([BJ])$/.exec(code);
  if (!match) return undefined;
  return parseIsoDate(`${match[1]}-${match[2] === "B" ? "02" : "10"}-01`);
}

/** The date of a day offset within a presentation (negative offsets are before the start). */
export function ouladDate(presentation: string, offset: number): DayNumber | undefined {
  const start = presentationStart(presentation);
  return start === undefined ? undefined : start + offset;
}

/** The canonical student id of one registration: `AAA-2013J-11391`. */
export function ouladStudentId(module: string, presentation: string, idStudent: string): string {
  return `${module}-${presentation}-${idStudent}`;
}

interface Presentation {
  module: string;
  code: string;
  /** `AAA-2013J`: the cohort. */
  key: string;
  start: DayNumber;
  length: number;
  /** id_student → index of the registration's student in the builder. */
  students: Map<string, number>;
}

interface Assessment {
  id: string;
  presentation: Presentation;
  type: string;
  /** Day offset, or undefined when the file gives none (final exams of some modules). */
  due: number | undefined;
}

const FILES = {
  courses: "courses.csv",
  assessments: "assessments.csv",
  registration: "studentRegistration.csv",
  info: "studentInfo.csv",
  vle: "vle.csv",
  studentVle: "studentVle.csv",
  studentAssessment: "studentAssessment.csv",
} as const;

export const ouladAdapter: Adapter = {
  name: "oulad",
  description:
    "Open University Learning Analytics Dataset: studentRegistration, studentInfo, studentVle, " +
    "assessments, studentAssessment, courses (vle.csv optional)",
  import: importOulad,
};

/** Imports an OULAD folder. Every rejected row is in the report with its file, line and field. */
export async function importOulad(dir: string, options: ImportOptions = {}): Promise<ImportResult> {
  const report = new ImportReport(`oulad ${dir}`);
  const builder = new DatasetBuilder();
  const presentations = new Map<string, Presentation>();
  const assessments = new Map<string, Assessment>();
  const ctx: Context = { dir, options, report, builder, unregisteredOn: [] };

  await readCourses(ctx, presentations);
  await readAssessments(ctx, presentations, assessments);
  await readRegistrations(ctx, presentations);
  await readStudentInfo(ctx, presentations);
  const siteKinds = await readSites(ctx);
  await readStudentVle(ctx, presentations, siteKinds);
  await readSubmissions(ctx, presentations, assessments);
  addCalendar(builder, presentations);

  const { dataset, monitoring } = builder.build();
  return { dataset, monitoring, report };
}

interface Context {
  dir: string;
  options: ImportOptions;
  report: ImportReport;
  builder: DatasetBuilder;
  /** Unregistration day per student index (absent for students still registered). */
  unregisteredOn: number[];
}

/** The index of each column the adapter reads (-1 for an optional column that is absent). */
type Columns<K extends string> = Record<K, number> & { width: number };

/**
 * Streams one file: resolves the header (columns by name, in any order) and calls `row` for
 * every data record whose width matches the header. A missing file or a header without a
 * required column fails the file in the report; nothing of it is read. Returns undefined
 * only for an absent optional file.
 */
async function readFile<K extends string, O extends string = never>(
  ctx: Context,
  file: string,
  entity: string,
  columns: { required: readonly K[]; optional?: readonly O[]; fileOptional?: boolean },
  row: (fields: string[], line: number, cols: Columns<K | O>, tally: FileTally) => void,
): Promise<FileTally | undefined> {
  const path = join(ctx.dir, file);
  if (!existsSync(path)) {
    if (columns.fileOptional) return undefined;
    const tally = ctx.report.file(file, entity);
    tally.fail(`${file} not found in ${ctx.dir}`);
    return tally;
  }
  const tally = ctx.report.file(file, entity);
  let cols: Columns<K | O> | undefined;
  let failed = false;
  await readCsvFile(
    path,
    (fields, line) => {
      if (failed) return;
      if (cols === undefined) {
        const keys = fields.map(headerKey);
        const resolved: Record<string, number> = { width: fields.length };
        for (const name of columns.optional ?? []) resolved[name] = keys.indexOf(name);
        const missing = columns.required.filter((name) => !keys.includes(name));
        if (missing.length > 0) {
          failed = true;
          tally.fail(
            `line ${line}: the header lacks column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`,
          );
          return;
        }
        for (const name of columns.required) resolved[name] = keys.indexOf(name);
        cols = resolved as Columns<K | O>;
        return;
      }
      if (fields.length !== cols.width) {
        tally.reject(
          line,
          "wrong_column_count",
          `expected ${cols.width} columns (as the header), found ${fields.length}`,
          undefined,
          csvLine(fields),
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
 * A whole number written in plain decimal, optionally negative (`-10`, `268`); NaN for
 * anything else, including `3.5`, `1e3`, ` 7` and the empty string. Allocation-free.
 */
export function parseWholeNumber(text: string): number {
  const length = text.length;
  if (length === 0 || length > 10) return Number.NaN;
  let i = 0;
  let sign = 1;
  if (text.charCodeAt(0) === 45) {
    if (length === 1) return Number.NaN;
    sign = -1;
    i = 1;
  }
  let n = 0;
  for (; i < length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return Number.NaN;
    n = n * 10 + c;
  }
  return sign * n;
}

/**
 * Reads a whole-number field (at least `min`); rejects the row as `invalid_value` naming the
 * field and returns NaN when it is not one.
 */
function wholeField(
  tally: FileTally,
  fields: string[],
  line: number,
  index: number,
  field: string,
  min = Number.NEGATIVE_INFINITY,
): number {
  const text = fields[index] as string;
  const value = parseWholeNumber(text.trim());
  if (Number.isNaN(value) || value < min) {
    const what = min === 0 ? "a whole number ≥ 0" : "a whole number of days";
    tally.reject(
      line,
      "invalid_value",
      `${field} must be ${what}, got "${text}"`,
      field,
      csvLine(fields),
    );
    return Number.NaN;
  }
  return value;
}

async function readCourses(ctx: Context, presentations: Map<string, Presentation>): Promise<void> {
  await readFile(
    ctx,
    FILES.courses,
    "presentations",
    { required: ["code_module", "code_presentation", "module_presentation_length"] as const },
    (fields, line, c, tally) => {
      const module = (fields[c.code_module] as string).trim();
      const code = (fields[c.code_presentation] as string).trim();
      if (module === "") {
        tally.reject(line, "missing_field", "code_module is empty", "code_module", csvLine(fields));
        return;
      }
      const start = presentationStart(code);
      if (start === undefined) {
        tally.reject(
          line,
          "invalid_value",
          `code_presentation must be a year and B or J (like 2013J), got "${code}"`,
          "code_presentation",
          csvLine(fields),
        );
        return;
      }
      const length = wholeField(
        tally,
        fields,
        line,
        c.module_presentation_length,
        "module_presentation_length",
        0,
      );
      if (Number.isNaN(length)) return;
      const key = `${module}-${code}`;
      if (presentations.has(key)) {
        tally.reject(
          line,
          "duplicate",
          `presentation ${key} is listed twice`,
          undefined,
          csvLine(fields),
        );
        return;
      }
      presentations.set(key, { module, code, key, start, length, students: new Map() });
      ctx.builder.addSchool({
        id: module,
        name: `Open University module ${module}`,
        attendanceRecording: "all_days",
      });
      tally.accept();
    },
  );
}

/** The presentation a row names, or a rejection (`unknown_reference`) when courses.csv lacks it. */
function presentationOf(
  presentations: Map<string, Presentation>,
  fields: string[],
  line: number,
  moduleIndex: number,
  codeIndex: number,
  tally: FileTally,
): Presentation | undefined {
  const key = `${fields[moduleIndex]}-${fields[codeIndex]}`;
  const presentation = presentations.get(key);
  if (presentation === undefined) {
    tally.reject(
      line,
      "unknown_reference",
      `presentation ${key} is not in ${FILES.courses}`,
      "code_presentation",
      csvLine(fields),
    );
  }
  return presentation;
}

async function readAssessments(
  ctx: Context,
  presentations: Map<string, Presentation>,
  assessments: Map<string, Assessment>,
): Promise<void> {
  let undated = 0;
  const undatedTypes = new Set<string>();
  const tally = await readFile(
    ctx,
    FILES.assessments,
    "assessments",
    {
      required: [
        "code_module",
        "code_presentation",
        "id_assessment",
        "assessment_type",
        "date",
      ] as const,
    },
    (fields, line, c, tally) => {
      const presentation = presentationOf(
        presentations,
        fields,
        line,
        c.code_module,
        c.code_presentation,
        tally,
      );
      if (!presentation) return;
      const id = (fields[c.id_assessment] as string).trim();
      if (id === "") {
        tally.reject(
          line,
          "missing_field",
          "id_assessment is empty",
          "id_assessment",
          csvLine(fields),
        );
        return;
      }
      if (assessments.has(id)) {
        tally.reject(
          line,
          "duplicate",
          `assessment ${id} is listed twice`,
          "id_assessment",
          csvLine(fields),
        );
        return;
      }
      const type = (fields[c.assessment_type] as string).trim();
      let due: number | undefined;
      if ((fields[c.date] as string).trim() === "") {
        undated++;
        undatedTypes.add(type || "(no type)");
      } else {
        due = wholeField(tally, fields, line, c.date, "date");
        if (Number.isNaN(due)) return;
      }
      assessments.set(id, { id, presentation, type, due });
      tally.accept();
    },
  );
  if (tally && undated > 0) {
    tally.note(
      `${undated} assessment(s) have no date (${[...undatedTypes].join(", ")}): no submission is ` +
        "expected for them and their studentAssessment rows are not loaded",
    );
  }
}

async function readRegistrations(
  ctx: Context,
  presentations: Map<string, Presentation>,
): Promise<void> {
  let noRegistrationDate = 0;
  let withdrawn = 0;
  const tally = await readFile(
    ctx,
    FILES.registration,
    "students",
    {
      required: [
        "code_module",
        "code_presentation",
        "id_student",
        "date_registration",
        "date_unregistration",
      ] as const,
    },
    (fields, line, c, tally) => {
      const presentation = presentationOf(
        presentations,
        fields,
        line,
        c.code_module,
        c.code_presentation,
        tally,
      );
      if (!presentation) return;
      const idStudent = (fields[c.id_student] as string).trim();
      if (idStudent === "") {
        tally.reject(line, "missing_field", "id_student is empty", "id_student", csvLine(fields));
        return;
      }
      let registered = presentation.start;
      if ((fields[c.date_registration] as string).trim() === "") {
        noRegistrationDate++;
      } else {
        const offset = wholeField(tally, fields, line, c.date_registration, "date_registration");
        if (Number.isNaN(offset)) return;
        registered += offset;
      }
      let unregistered: number | undefined;
      if ((fields[c.date_unregistration] as string).trim() !== "") {
        const offset = wholeField(
          tally,
          fields,
          line,
          c.date_unregistration,
          "date_unregistration",
        );
        if (Number.isNaN(offset)) return;
        unregistered = presentation.start + offset;
      }
      const id = ouladStudentId(presentation.module, presentation.code, idStudent);
      const student: Student = {
        id,
        displayName: `Student ${idStudent}`,
        preferredName: undefined,
        email: undefined,
        aadObjectId: undefined,
        school: presentation.module,
        year: undefined,
        programme: presentation.module,
        cohort: presentation.key,
        adviserIds: [],
        status: unregistered === undefined ? "active" : "withdrawn",
        statusFrom: unregistered,
        enrolledFrom: registered,
        enrolledUntil: presentation.start + presentation.length,
      };
      if (!ctx.builder.addStudent(student)) {
        tally.reject(
          line,
          "duplicate",
          `student ${idStudent} is registered on ${presentation.key} twice (the first row is kept)`,
          "id_student",
          csvLine(fields),
        );
        return;
      }
      const index = ctx.builder.studentIndexOf(id) as number;
      if (unregistered !== undefined) {
        withdrawn++;
        ctx.unregisteredOn[index] = unregistered;
      }
      presentation.students.set(idStudent, index);
      tally.accept();
    },
  );
  if (!tally) return;
  if (noRegistrationDate > 0) {
    tally.note(
      `${noRegistrationDate} registration(s) have no date_registration: enrolled from the presentation start`,
    );
  }
  tally.note(
    `${withdrawn} registration(s) have a date_unregistration: status withdrawn from that date`,
  );
  for (const p of presentations.values()) {
    tally.note(`${p.key}: ${p.students.size} registrations, day 0 = ${formatDay(p.start)}`);
  }
}

async function readStudentInfo(
  ctx: Context,
  presentations: Map<string, Presentation>,
): Promise<void> {
  const outcomes = new Map<string, number>();
  let imdMissing = 0;
  let imdRepaired = 0;
  const tally = await readFile(
    ctx,
    FILES.info,
    "demographics",
    {
      required: [
        "code_module",
        "code_presentation",
        "id_student",
        ...OULAD_DEMOGRAPHIC_FIELDS,
      ] as const,
      optional: ["final_result"] as const,
    },
    (fields, line, c, tally) => {
      const presentation = presentationOf(
        presentations,
        fields,
        line,
        c.code_module,
        c.code_presentation,
        tally,
      );
      if (!presentation) return;
      const idStudent = (fields[c.id_student] as string).trim();
      if (!presentation.students.has(idStudent)) {
        tally.reject(
          line,
          "unknown_student",
          `student ${idStudent} has no registration on ${presentation.key} in ${FILES.registration}`,
          "id_student",
          csvLine(fields),
        );
        return;
      }
      const studentId = ouladStudentId(presentation.module, presentation.code, idStudent);
      for (const field of OULAD_DEMOGRAPHIC_FIELDS) {
        let value = (fields[c[field]] as string).trim();
        if (value === "") {
          if (field === "imd_band") imdMissing++;
          continue;
        }
        // OULAD writes one band as "10-20" where every other band ends in "%".
        if (field === "imd_band" && /^\d+-\d+$/.test(value)) {
          value = `${value}%`;
          imdRepaired++;
        }
        ctx.builder.addDemographic({ studentId, field, value });
      }
      const finalResult = c.final_result < 0 ? "" : (fields[c.final_result] as string).trim();
      if (finalResult !== "") {
        outcomes.set(finalResult, (outcomes.get(finalResult) ?? 0) + 1);
      }
      tally.accept();
    },
  );
  if (!tally) return;
  tally.note(
    `loaded as demographics (monitoring only, never on the student record): ${OULAD_DEMOGRAPHIC_FIELDS.join(", ")}; ` +
      "not loaded: region, highest_education, num_of_prev_attempts, studied_credits",
  );
  if (imdMissing > 0) tally.note(`${imdMissing} row(s) have no imd_band (no demographic recorded)`);
  if (imdRepaired > 0) tally.note(`${imdRepaired} imd_band value(s) "10-20" read as "10-20%"`);
  if (outcomes.size > 0) {
    tally.note(
      `final_result (an outcome, not loaded): ${[...outcomes].map(([k, n]) => `${k} ${n}`).join(", ")}`,
    );
  }
}

/** vle.csv: id_site → interned activity kind (activity_type). Undefined when the file is absent. */
async function readSites(ctx: Context): Promise<Map<string, number> | undefined> {
  const kinds = new Map<string, number>();
  const tally = await readFile(
    ctx,
    FILES.vle,
    "activity kinds",
    { required: ["id_site", "activity_type"] as const, fileOptional: true },
    (fields, line, c, tally) => {
      const site = (fields[c.id_site] as string).trim();
      const type = (fields[c.activity_type] as string).trim();
      if (site === "") {
        tally.reject(line, "missing_field", "id_site is empty", "id_site", csvLine(fields));
        return;
      }
      if (type === "") {
        tally.reject(
          line,
          "missing_field",
          "activity_type is empty",
          "activity_type",
          csvLine(fields),
        );
        return;
      }
      if (kinds.has(site)) {
        tally.reject(line, "duplicate", `site ${site} is listed twice`, "id_site", csvLine(fields));
        return;
      }
      kinds.set(site, ctx.builder.internKind(type));
      tally.accept();
    },
  );
  if (tally === undefined) {
    ctx.report
      .file(FILES.vle, "activity kinds")
      .note(`${FILES.vle} is absent: every VLE activity has kind "${OULAD_DEFAULT_KIND}"`);
    return undefined;
  }
  if (tally.report.error !== undefined) {
    tally.note(`every VLE activity has kind "${OULAD_DEFAULT_KIND}"`);
    return undefined;
  }
  return kinds;
}

/**
 * The hot loop: ~2.8 M rows. Rows of one presentation and one student are contiguous in
 * the file, so the presentation and student lookups are cached across rows.
 */
async function readStudentVle(
  ctx: Context,
  presentations: Map<string, Presentation>,
  siteKinds: Map<string, number> | undefined,
): Promise<void> {
  const builder = ctx.builder;
  const source = builder.internSource(OULAD_SOURCE);
  const defaultKind = siteKinds === undefined ? builder.internKind(OULAD_DEFAULT_KIND) : -1;
  const unregisteredOn = ctx.unregisteredOn;
  let unknownSites = 0;
  let unknownSiteKind = -1;
  let afterUnregistration = 0;
  let lastModule = "";
  let lastCode = "";
  let presentation: Presentation | undefined;
  let lastStudent: string | undefined;
  let studentIndex: number | undefined;
  const tally = await readFile(
    ctx,
    FILES.studentVle,
    "activity",
    {
      required: [
        "code_module",
        "code_presentation",
        "id_student",
        "id_site",
        "date",
        "sum_click",
      ] as const,
    },
    (fields, line, c, tally) => {
      const module = fields[c.code_module] as string;
      const code = fields[c.code_presentation] as string;
      if (module !== lastModule || code !== lastCode || presentation === undefined) {
        presentation = presentationOf(
          presentations,
          fields,
          line,
          c.code_module,
          c.code_presentation,
          tally,
        );
        if (!presentation) return;
        lastModule = module;
        lastCode = code;
        lastStudent = undefined;
      }
      const idStudent = fields[c.id_student] as string;
      if (idStudent !== lastStudent) {
        studentIndex = presentation.students.get(idStudent);
        lastStudent = idStudent;
      }
      if (studentIndex === undefined) {
        tally.reject(
          line,
          "unknown_student",
          `student ${idStudent} is not registered on ${presentation.key}`,
          "id_student",
          csvLine(fields),
        );
        return;
      }
      const offset = parseWholeNumber(fields[c.date] as string);
      if (Number.isNaN(offset)) {
        tally.reject(
          line,
          "invalid_value",
          `date must be a whole number of days, got "${fields[c.date]}"`,
          "date",
          csvLine(fields),
        );
        return;
      }
      const clicks = parseWholeNumber(fields[c.sum_click] as string);
      if (!(clicks >= 0)) {
        tally.reject(
          line,
          "invalid_value",
          `sum_click must be a whole number ≥ 0, got "${fields[c.sum_click]}"`,
          "sum_click",
          csvLine(fields),
        );
        return;
      }
      let kind = defaultKind;
      if (siteKinds !== undefined) {
        const k = siteKinds.get(fields[c.id_site] as string);
        if (k === undefined) {
          if (unknownSiteKind < 0) unknownSiteKind = builder.internKind(OULAD_DEFAULT_KIND);
          kind = unknownSiteKind;
          unknownSites++;
        } else {
          kind = k;
        }
      }
      const date = presentation.start + offset;
      const gone = unregisteredOn[studentIndex];
      if (gone !== undefined && date > gone) afterUnregistration++;
      builder.addActivity(studentIndex, date, source, kind, clicks);
      tally.accept();
    },
  );
  if (tally && afterUnregistration > 0) {
    tally.note(
      `${afterUnregistration} row(s) are dated after the student's unregistration: kept (the status says withdrawn from then)`,
    );
  }
  if (tally && unknownSites > 0) {
    tally.note(
      `${unknownSites} row(s) name an id_site that ${FILES.vle} does not list: kept with kind "${OULAD_DEFAULT_KIND}"`,
    );
  }
}

async function readSubmissions(
  ctx: Context,
  presentations: Map<string, Presentation>,
  assessments: Map<string, Assessment>,
): Promise<void> {
  /** id_assessment → student index → submitted day. */
  const submitted = new Map<string, Map<number, number>>();
  let banked = 0;
  let undated = 0;
  const tally = await readFile(
    ctx,
    FILES.studentAssessment,
    "submissions",
    {
      required: ["id_assessment", "id_student", "date_submitted"] as const,
      optional: ["is_banked"] as const,
    },
    (fields, line, c, tally) => {
      const idAssessment = (fields[c.id_assessment] as string).trim();
      const assessment = assessments.get(idAssessment);
      if (assessment === undefined) {
        tally.reject(
          line,
          "unknown_reference",
          `assessment ${idAssessment} is not in ${FILES.assessments}`,
          "id_assessment",
          csvLine(fields),
        );
        return;
      }
      const presentation = assessment.presentation;
      const idStudent = (fields[c.id_student] as string).trim();
      const student = presentation.students.get(idStudent);
      if (student === undefined) {
        tally.reject(
          line,
          "unknown_student",
          `student ${idStudent} is not registered on ${presentation.key} (the presentation of assessment ${idAssessment})`,
          "id_student",
          csvLine(fields),
        );
        return;
      }
      const offset = wholeField(tally, fields, line, c.date_submitted, "date_submitted");
      if (Number.isNaN(offset)) return;
      let byStudent = submitted.get(idAssessment);
      if (byStudent === undefined) {
        byStudent = new Map();
        submitted.set(idAssessment, byStudent);
      }
      if (byStudent.has(student)) {
        tally.reject(
          line,
          "duplicate",
          `student ${idStudent} has two rows for assessment ${idAssessment} (the first is kept)`,
          "id_student",
          csvLine(fields),
        );
        return;
      }
      byStudent.set(student, presentation.start + offset);
      if (c.is_banked >= 0 && (fields[c.is_banked] as string).trim() === "1") banked++;
      if (assessment.due === undefined) undated++;
      tally.accept();
    },
  );

  // One expected submission per registration and dated assessment of its presentation.
  const byPresentation = new Map<Presentation, Assessment[]>();
  for (const a of assessments.values()) {
    if (a.due === undefined) continue;
    const list = byPresentation.get(a.presentation) ?? [];
    list.push(a);
    byPresentation.set(a.presentation, list);
  }
  const { builder } = ctx;
  let expected = 0;
  let made = 0;
  for (const presentation of presentations.values()) {
    const list = (byPresentation.get(presentation) ?? []).sort(
      (a, b) => (a.due as number) - (b.due as number) || a.id.localeCompare(b.id),
    );
    for (const [idStudent, student] of presentation.students) {
      const studentId = ouladStudentId(presentation.module, presentation.code, idStudent);
      for (const assessment of list) {
        const dueDate = presentation.start + (assessment.due as number);
        const submittedDate = submitted.get(assessment.id)?.get(student);
        const submission: Submission = {
          studentId,
          assessmentId: assessment.id,
          dueDate,
          submittedDate,
          late: submittedDate !== undefined && submittedDate > dueDate,
        };
        builder.addSubmission(submission);
        expected++;
        if (submittedDate !== undefined) made++;
      }
    }
  }
  if (!tally) return;
  tally.note(
    `${expected} expected submission(s) (registrations × dated assessments of their presentation), ` +
      `${made} submitted, ${expected - made} not submitted`,
  );
  if (banked > 0)
    tally.note(`${banked} row(s) are banked from an earlier presentation: counted as submitted`);
  if (undated > 0) {
    tally.note(
      `${undated} row(s) are for assessments without a date (no submission expected): not loaded`,
    );
  }
}

/** Every day of each presentation (day 0 through module_presentation_length) is a study day. */
function addCalendar(builder: DatasetBuilder, presentations: Map<string, Presentation>): void {
  const days = new Map<string, Set<number>>();
  for (const p of presentations.values()) {
    let set = days.get(p.module);
    if (set === undefined) {
      set = new Set();
      days.set(p.module, set);
    }
    for (let d = 0; d <= p.length; d++) set.add(p.start + d);
  }
  for (const [school, set] of days) {
    for (const date of [...set].sort((a, b) => a - b)) {
      builder.addCalendarDay({ school, date, instructional: true });
    }
  }
}
