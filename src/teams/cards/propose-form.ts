/**
 * The form an adviser gets, to themselves only, from a case card's "Propose message": the
 * suggested text in an editable input, when it would go (now, or held back by quiet
 * hours), a preview of the student's card, any problems Reach found in an edited text,
 * and "Send to <first name>". When the student asked Reach not to message them it says
 * so instead, with no input and no Send button.
 */
import type { MessageDraft } from "../../app/index.ts";
import { MAX_TEXT_LENGTH } from "../../cases/index.ts";
import type { AdaptiveCard } from "./attachment.ts";
import { type NoticeTone, noticeStyle } from "./notice-card.ts";
import { STUDENT_MESSAGE_FOOTER, studentMessageHeader } from "./student-message.ts";
import { expandTemplate } from "./templates.ts";

export function renderProposeForm(
  draft: MessageDraft,
  notice?: { tone: NoticeTone; text: string },
): AdaptiveCard {
  const optedOut = draft.optedOut?.trim() ?? "";
  const scheduled = draft.scheduledFor !== undefined || draft.scheduledLabel !== undefined;
  const problems = (draft.problems ?? []).filter((p) => p.trim() !== "");
  return expandTemplate("propose-form", {
    caseId: draft.caseId,
    policyId: draft.policyId,
    version: draft.version,
    template: draft.template,
    fallbackText: `A message to ${draft.firstName}, for you to check and send.`,
    hasNotice: notice !== undefined,
    notice: notice && { style: noticeStyle(notice.tone), text: notice.text },
    title: `Message to ${draft.firstName}`,
    isOptedOut: optedOut !== "",
    optedOut,
    canSend: optedOut === "",
    to: `To ${draft.firstName}, in their own Teams chat with Reach, from you (${draft.adviserName}).`,
    text: draft.text,
    maxTextLength: MAX_TEXT_LENGTH,
    whenLine: scheduled
      ? `Scheduled for ${draft.scheduledLabel ?? draft.scheduledFor} — quiet hours`
      : "Goes now",
    whenColor: scheduled ? "warning" : "good",
    hasProblems: problems.length > 0,
    problems: problems.map((line) => ({ line })),
    previewLabel: `What ${draft.firstName} will see`,
    header: studentMessageHeader(draft.adviserName, draft.schoolName),
    footer: STUDENT_MESSAGE_FOOTER,
    sendTitle: `Send to ${draft.firstName}`,
  });
}
