/**
 * The canonical data model: every adapter turns its source format into these records.
 * Field names are stable; docs/data-contract.md documents each one.
 *
 * Each entity has a *row schema* that validates one row of Reach's canonical CSV bundle
 * (strings in, typed record out). The types of the records are inferred from the schemas.
 */
import { z } from "zod/v4";
import { parseIsoDate, parseIsoDay } from "./dates.ts";
import { echo, idProblem } from "./ids.ts";

import { ATTENDANCE_STATUSES } from "./statuses.ts";

export { ATTENDANCE_STATUSES, type AttendanceStatus } from "./statuses.ts";

export const STUDENT_STATUSES = ["active", "on_leave", "withdrawn"] as const;
export const STAFF_ROLES = ["adviser", "engagement_lead", "support_officer", "admin"] as const;
export const CIRCUMSTANCE_KINDS = ["extenuating_circumstances", "leave", "placement"] as const;

/**
 * Fields that are special-category personal data (UK GDPR art. 9 and the school records
 * that stand in for it): never visible to a rule or a card. Socio-economic flags such as
 * free school meals are not among them: schools target support with them.
 */
export const SPECIAL_CATEGORY_FIELDS = [
  "ethnicity",
  "race",
  "disability",
  "religion",
  "belief",
  "health",
  "medical",
  "sexuality",
  "sexual_orientation",
  "gender_identity",
  "trans_status",
  "pregnancy",
  "political_opinion",
  "trade_union",
  "genetic",
  "biometric",
  "immigration_status",
  "special_educational_needs",
] as const;

const text = z.string().trim();
const requiredText = (what: string) => text.min(1, `${what} is required`);
const optionalText = text.transform((v) => (v === "" ? undefined : v));
/** Reports an id with a control or invisible character in it (see ids.ts). */
const checkId = (what: string) => (v: string, ctx: z.RefinementCtx) => {
  const problem = v === "" ? undefined : idProblem(v, what);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
};
/** A required id: not blank, no control or invisible characters. */
const idText = (what: string) => requiredText(what).superRefine(checkId(what));
/** An optional id: a blank cell is `undefined`. */
const optionalId = (what: string) =>
  text.superRefine(checkId(what)).transform((v) => (v === "" ? undefined : v));
/** Lower-cases an enum cell; a blank one reads as `fallback`. */
const blankAs = (fallback: string) =>
  text.transform((v) => (v === "" ? fallback : v.toLowerCase()));

/** A `YYYY-MM-DD` date, as a day number. */
export const isoDate = text.transform((v, ctx) => {
  const day = parseIsoDate(v);
  if (day === undefined) {
    ctx.addIssue({ code: "custom", message: `expected a date as YYYY-MM-DD, got "${echo(v)}"` });
    return z.NEVER;
  }
  return day;
});
/** A date or an ISO timestamp (its date part is kept). */
export const isoDay = text.transform((v, ctx) => {
  const day = parseIsoDay(v);
  if (day === undefined) {
    ctx.addIssue({ code: "custom", message: `expected a date as YYYY-MM-DD, got "${echo(v)}"` });
    return z.NEVER;
  }
  return day;
});
/** A date, or a blank cell (after trimming) as `undefined`. */
const optionalDate = text.transform((v, ctx) => {
  if (v === "") return undefined;
  const day = parseIsoDate(v);
  if (day === undefined) {
    ctx.addIssue({ code: "custom", message: `expected a date as YYYY-MM-DD, got "${echo(v)}"` });
    return z.NEVER;
  }
  return day;
});
const idList = (what: string) =>
  text.transform((v, ctx) => {
    const ids =
      v === ""
        ? []
        : v
            .split(/[;|]/)
            .map((s) => s.trim())
            .filter((s) => s !== "");
    for (const id of ids) checkId(what)(id, ctx);
    return ids;
  });

export const StudentRow = z
  .object({
    id: idText("id"),
    display_name: requiredText("display_name"),
    preferred_name: optionalText.optional(),
    email: optionalText.optional(),
    aad_object_id: optionalText.optional(),
    school: idText("school"),
    year: optionalText.optional(),
    programme: optionalText.optional(),
    cohort: optionalText.optional(),
    adviser_ids: idList("adviser_ids").optional(),
    status: blankAs("active").pipe(z.enum(STUDENT_STATUSES)).optional(),
    status_from: optionalDate.optional(),
    enrolled_from: optionalDate.optional(),
    enrolled_until: optionalDate.optional(),
  })
  .transform((r) => ({
    id: r.id,
    displayName: r.display_name,
    preferredName: r.preferred_name,
    email: r.email,
    aadObjectId: r.aad_object_id,
    school: r.school,
    year: r.year,
    programme: r.programme,
    cohort: r.cohort,
    adviserIds: r.adviser_ids ?? [],
    status: r.status ?? "active",
    statusFrom: r.status_from,
    enrolledFrom: r.enrolled_from,
    /** Last day of enrolment (course finished); after it the student is out of scope. */
    enrolledUntil: r.enrolled_until,
  }));
export type Student = z.output<typeof StudentRow>;

export const StaffRow = z
  .object({
    id: idText("id"),
    name: requiredText("name"),
    email: optionalText.optional(),
    aad_object_id: optionalText.optional(),
    school: idText("school"),
    roles: text.transform((v, ctx) => {
      const roles = v
        .split(/[;|]/)
        .map((s) => s.trim())
        .filter(Boolean);
      for (const role of roles) {
        if (!(STAFF_ROLES as readonly string[]).includes(role)) {
          ctx.addIssue({
            code: "custom",
            message: `unknown role "${echo(role)}" (expected ${STAFF_ROLES.join(", ")})`,
          });
        }
      }
      return roles as (typeof STAFF_ROLES)[number][];
    }),
  })
  .transform((r) => ({
    id: r.id,
    name: r.name,
    email: r.email,
    aadObjectId: r.aad_object_id,
    school: r.school,
    roles: r.roles,
  }));
export type Staff = z.output<typeof StaffRow>;

export const SectionRow = z
  .object({
    id: idText("id"),
    name: requiredText("name"),
    school: idText("school"),
  })
  .transform((r) => ({ id: r.id, name: r.name, school: r.school }));
export type Section = z.output<typeof SectionRow>;

export const EnrolmentRow = z
  .object({
    student_id: idText("student_id"),
    section_id: idText("section_id"),
    start: isoDate,
    end: optionalDate.optional(),
  })
  .transform((r) => ({
    studentId: r.student_id,
    sectionId: r.section_id,
    start: r.start,
    end: r.end,
  }));
export type Enrolment = z.output<typeof EnrolmentRow>;

/** true/false; a blank cell is `undefined` (the caller's default applies). */
const yesNo = text.transform((v, ctx) => {
  const lower = v.toLowerCase();
  if (lower === "") return undefined;
  if (["true", "yes", "y", "1"].includes(lower)) return true;
  if (["false", "no", "n", "0"].includes(lower)) return false;
  ctx.addIssue({ code: "custom", message: `expected true or false, got "${echo(v)}"` });
  return z.NEVER;
});

export const CalendarRow = z
  .object({
    school: idText("school"),
    date: isoDate,
    instructional: yesNo.optional(),
  })
  .transform((r) => ({ school: r.school, date: r.date, instructional: r.instructional ?? true }));
export type CalendarDay = z.output<typeof CalendarRow>;

/** A whole number ≥ 0; a blank cell (after trimming) is `undefined`. */
const optionalWholeNumber = (what: string) =>
  text.transform((v, ctx) => {
    if (v === "") return undefined;
    if (!/^\d+$/.test(v)) {
      ctx.addIssue({ code: "custom", message: `${what} must be a whole number ≥ 0` });
      return z.NEVER;
    }
    return Number(v);
  });

export const AttendanceRow = z
  .object({
    student_id: idText("student_id"),
    date: isoDate,
    section_id: optionalId("section_id").optional(),
    status: text.transform((v) => v.toLowerCase()).pipe(z.enum(ATTENDANCE_STATUSES)),
    minutes: optionalWholeNumber("minutes").optional(),
  })
  .transform((r) => ({
    studentId: r.student_id,
    date: r.date,
    sectionId: r.section_id,
    status: r.status,
    minutes: r.minutes,
  }));
export type AttendanceEvent = z.output<typeof AttendanceRow>;

export const ActivityRow = z
  .object({
    student_id: idText("student_id"),
    date: isoDay,
    source: requiredText("source").transform((v) => v.toLowerCase()),
    kind: optionalText.optional(),
    count: optionalWholeNumber("count").optional(),
  })
  .transform((r) => ({
    studentId: r.student_id,
    date: r.date,
    source: r.source,
    kind: r.kind ?? "activity",
    count: r.count ?? 1,
  }));
export type ActivityEvent = z.output<typeof ActivityRow>;

/** A mark from 0 to 100 (decimals allowed); a blank cell (after trimming) is `undefined`. */
const optionalScore = text.transform((v, ctx) => {
  if (v === "") return undefined;
  const n = /^\d+(\.\d+)?$/.test(v) ? Number(v) : Number.NaN;
  if (!(n >= 0 && n <= 100)) {
    ctx.addIssue({
      code: "custom",
      message: `score must be a number from 0 to 100, got "${echo(v)}"`,
    });
    return z.NEVER;
  }
  return n;
});

export const SubmissionRow = z
  .object({
    student_id: idText("student_id"),
    assessment_id: idText("assessment_id"),
    due_date: isoDate,
    submitted_date: optionalDate.optional(),
    late: yesNo.optional(),
    score: optionalScore.optional(),
  })
  .transform((r) => ({
    studentId: r.student_id,
    assessmentId: r.assessment_id,
    dueDate: r.due_date,
    submittedDate: r.submitted_date,
    late:
      r.submitted_date !== undefined && r.late === undefined
        ? r.submitted_date > r.due_date
        : (r.late ?? false),
    // The mark out of 100, when the source gives one (present only then).
    ...(r.score !== undefined ? { score: r.score } : {}),
  }));
export type Submission = z.output<typeof SubmissionRow>;

export const CircumstanceRow = z
  .object({
    student_id: idText("student_id"),
    from: isoDate,
    to: isoDate,
    kind: z.enum(CIRCUMSTANCE_KINDS),
    approved_by: optionalText.optional(),
  })
  .refine((r) => r.to >= r.from, { message: "to must not be before from", path: ["to"] })
  .transform((r) => ({
    studentId: r.student_id,
    from: r.from,
    to: r.to,
    kind: r.kind,
    approvedBy: r.approved_by,
  }));
export type Circumstance = z.output<typeof CircumstanceRow>;

/**
 * Demographics are loaded only for aggregate equality monitoring. They are kept apart
 * from the data set that rules and cards see, so no code path can reach them from there.
 */
export const DemographicRow = z
  .object({
    student_id: idText("student_id"),
    field: requiredText("field"),
    value: text,
  })
  .transform((r) => ({ studentId: r.student_id, field: r.field, value: r.value }));
export type Demographic = z.output<typeof DemographicRow>;

export const SchoolRow = z
  .object({
    id: idText("id"),
    name: requiredText("name"),
    attendance_recording: blankAs("all_days")
      .pipe(z.enum(["all_days", "absences_only"]))
      .optional(),
  })
  .transform((r) => ({
    id: r.id,
    name: r.name,
    attendanceRecording: r.attendance_recording ?? "all_days",
  }));
export type School = z.output<typeof SchoolRow>;
