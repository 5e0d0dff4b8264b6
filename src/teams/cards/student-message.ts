/**
 * The message a student gets in their own Teams chat once an adviser has approved it, and
 * the card that thanks them for a reply. The renderer takes the ids its buttons need and
 * the words the student reads, nothing else: no signal, evidence, rule, severity or note
 * of the case can reach the student's card.
 */
import type { AdaptiveCard } from "./attachment.ts";
import { expandTemplate } from "./templates.ts";

export interface StudentMessageInput {
  caseId: string;
  policyId: string;
  outreachId: string;
  firstName: string;
  adviserName: string;
  /** The school's name, or its id when the data has no name. */
  schoolName: string;
  /** The approved text, shown exactly as approved. */
  text: string;
}

/** The longest free reply the card's input takes. */
export const MAX_REPLY_LENGTH = 1000;

/** What every student message says under the adviser's text. */
export const STUDENT_MESSAGE_FOOTER =
  "Sent through Reach, your school's student-support app. Reply below, or choose “Stop these messages” and Reach won't message you again.";

/** "A message from Alex Wilber, your adviser at Northfield" */
export function studentMessageHeader(adviserName: string, schoolName: string): string {
  return `A message from ${adviserName}, your adviser at ${schoolName}`;
}

export function renderStudentMessage(input: StudentMessageInput): AdaptiveCard {
  const header = studentMessageHeader(input.adviserName, input.schoolName);
  return expandTemplate("student-message", {
    caseId: input.caseId,
    policyId: input.policyId,
    outreachId: input.outreachId,
    fallbackText: `${header}. Open it in Teams to read it and reply.`,
    header,
    text: input.text,
    footer: STUDENT_MESSAGE_FOOTER,
    maxReplyLength: MAX_REPLY_LENGTH,
  });
}

/** A card without buttons: "Thanks, Ben — Alex Wilber will be in touch." */
export function renderStudentThanks(title: string, text?: string): AdaptiveCard {
  const body = text?.trim() ?? "";
  return expandTemplate("student-thanks", { title, hasText: body !== "", text: body });
}
