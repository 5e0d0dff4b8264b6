import { csvLine } from "../../csv.ts";
import type { Submission } from "../../schema.ts";
import { readHeadedCsv } from "../headed-csv.ts";
import type { Context } from "./context.ts";
import { FILES } from "./names.ts";
import { type Assessment, ouladStudentId, type Presentation } from "./presentation.ts";
import { wholeField } from "./whole-number.ts";

/** id_assessment → student index → submitted day and score (when the row has one). */
type Submitted = Map<string, Map<number, { day: number; score: number | undefined }>>;

/**
 * studentAssessment.csv gives only the submissions made; Reach also needs the ones that
 * were due and not made, so every registration expects each dated assessment of its
 * presentation.
 */
export async function readSubmissions(
  ctx: Context,
  presentations: Map<string, Presentation>,
  assessments: Map<string, Assessment>,
): Promise<void> {
  const submitted: Submitted = new Map();
  let banked = 0;
  let undated = 0;
  const tally = await readHeadedCsv(
    ctx,
    FILES.studentAssessment,
    "submissions",
    {
      required: ["id_assessment", "id_student", "date_submitted"] as const,
      optional: ["is_banked", "score"] as const,
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
      // The file names no presentation: the assessment's is the one the student must be on.
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
      // OULAD leaves a score blank (or "?") when none was recorded: no score, still submitted.
      const scoreText = c.score >= 0 ? (fields[c.score] as string).trim() : "";
      const score = /^\d+(\.\d+)?$/.test(scoreText) ? Number(scoreText) : undefined;
      if (score !== undefined && score > 100) {
        tally.reject(
          line,
          "invalid_value",
          `score must be from 0 to 100, got ${scoreText}`,
          "score",
          csvLine(fields),
        );
        return;
      }
      byStudent.set(student, { day: presentation.start + offset, score });
      if (c.is_banked >= 0 && (fields[c.is_banked] as string).trim() === "1") banked++;
      if (assessment.due === undefined) undated++;
      tally.accept();
    },
  );

  const { expected, made } = addExpectedSubmissions(ctx, presentations, assessments, submitted);
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

/** One submission per registration and dated assessment of its presentation, made or not. */
function addExpectedSubmissions(
  ctx: Context,
  presentations: Map<string, Presentation>,
  assessments: Map<string, Assessment>,
  submitted: Submitted,
): { expected: number; made: number } {
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
        const handedIn = submitted.get(assessment.id)?.get(student);
        const submittedDate = handedIn?.day;
        const submission: Submission = {
          studentId,
          assessmentId: assessment.id,
          dueDate,
          submittedDate,
          late: submittedDate !== undefined && submittedDate > dueDate,
        };
        if (handedIn?.score !== undefined) submission.score = handedIn.score;
        builder.addSubmission(submission);
        expected++;
        if (submittedDate !== undefined) made++;
      }
    }
  }
  return { expected, made };
}
